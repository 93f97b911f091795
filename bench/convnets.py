#!/usr/bin/python3
"""convnets.py — the issue-5 scoreboard: torchvision convnets (batch 1, f32)
compiled by inductc against ONNX Runtime (npm onnxruntime-node, CPU), same
thread count, measured in alternation in one run.

    /usr/bin/python3 bench/convnets.py [--models a,b] [--threads 1,2] [--iters N] [--rounds R]
                                      [--inductc build/inductc] [--cache DIR]

Models come from bench/models (exported once into --cache with their input
and PyTorch's output). For each model: compile (the .so is cached), create
an instance and time its creation (`inductc info` reports weights, prepacked
and arena bytes), then R rounds of (inductc N iters, ORT N iters) per thread
count. Prints per model and thread count the median of the round medians
for both engines, the ratio inductc/ORT (below 1 = inductc faster), and the
largest error of each engine's output against PyTorch, relative to the
largest |PyTorch| value. Ratios matter more than absolute times: the machine
is shared and noisy.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ["resnet50", "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "densenet121", "squeezenet1_1"]


def run_json(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def adjacent_bound(model_path):
    """Bytes of the largest (input + output) activation pair of any layer that
    cannot work in place (conv, pooling, gemm, concat): the issue's "largest two
    adjacent activations". Elementwise ops are left out (they fuse or run in place)."""
    import onnx
    from onnx import shape_inference
    g = shape_inference.infer_shapes(onnx.load(model_path)).graph
    size = {}
    for vi in list(g.value_info) + list(g.input) + list(g.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        size[vi.name] = 4 * int(np.prod(dims)) if dims and all(dims) else 0
    inits = {i.name for i in g.initializer}
    best = 0
    layers = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Concat"}
    for n in g.node:
        if n.op_type not in layers:
            continue
        ins = [size.get(x, 0) for x in n.input if x and x not in inits]
        outs = [size.get(y, 0) for y in n.output]
        if ins and outs:
            best = max(best, sum(ins) + max(outs))
    return best


def rel_err(got, want):
    return float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--inductc", default=os.path.join(ROOT, "build", "inductc"))
    ap.add_argument("--cache", default=os.environ.get("BENCH_CACHE", "/tmp/bench-cache"))
    a = ap.parse_args()
    names = [m for m in a.models.split(",") if m]
    threads = [int(t) for t in a.threads.split(",")]
    subprocess.run([sys.executable, "-m", "models.export", "--cache", a.cache] + names, cwd=HERE, check=True,
                   stdout=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp(prefix="convnets-")
    rows = []
    for name in names:
        d = os.path.join(a.cache, name)
        x = os.path.join(d, "inputs", os.listdir(os.path.join(d, "inputs"))[0])
        ref = np.load(os.path.join(d, "expected", os.listdir(os.path.join(d, "expected"))[0]))
        so = os.path.join(tmp, name + ".so")
        t0 = time.time()
        subprocess.run([a.inductc, os.path.join(d, "model.onnx"), "-o", so], check=True)
        compile_s = time.time() - t0
        info = subprocess.run([a.inductc, "info", so], check=True, capture_output=True, text=True).stdout
        stats = {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in info.splitlines() if ":" in l)}
        bound = adjacent_bound(os.path.join(d, "model.onnx"))
        arena, scratch = int(stats.get("arena bytes", 0)), int(stats.get("scratchpad bytes", 0))
        print(f"{name:20s} create {stats.get('create ms', '?')} ms, weights {stats.get('weights bytes')} B, "
              f"prepacked {stats.get('prepacked bytes')} B, arena {arena} B (scratchpad {scratch} B); "
              f"largest adjacent pair {bound} B: arena/(pair+scratchpad) = {arena / max(bound + scratch, 1):.3f}",
              flush=True)
        for t in threads:
            ind, ort = [], []
            outdir = os.path.join(tmp, f"{name}-{t}")
            ort_out = os.path.join(tmp, f"{name}-{t}-ort.npy")
            for _ in range(a.rounds):
                r = run_json([a.inductc, "run", so, "--input", f"{os.path.basename(x)[:-4]}={x}", "--iters",
                              str(a.iters), "--threads", str(t), "--json", "--output-dir", outdir])
                ind.append(r["median_ms"])
                r = run_json(["node", os.path.join(HERE, "onednn", "ort_time.js"), os.path.join(d, "model.onnx"),
                              str(t), str(a.iters), "5", x, ort_out])
                ort.append(r["median_ms"])
            got = np.load(os.path.join(outdir, os.listdir(outdir)[0]))
            row = dict(model=name, threads=t, inductc_ms=statistics.median(ind), ort_ms=statistics.median(ort),
                       err_inductc=rel_err(got, ref), err_ort=rel_err(np.load(ort_out), ref),
                       create_ms=stats.get("create ms", "?"), arena=stats.get("arena bytes", "?"),
                       compile_s=compile_s)
            row["ratio"] = row["inductc_ms"] / row["ort_ms"]
            rows.append(row)
            print(f"{name:20s} t={t} inductc {row['inductc_ms']:8.3f} ms  ort {row['ort_ms']:8.3f} ms  "
                  f"ratio {row['ratio']:.3f}  err {row['err_inductc']:.1e} (ort {row['err_ort']:.1e})  "
                  f"create {row['create_ms']} ms", flush=True)
    print("\n| model | threads | inductc ms | ORT ms | inductc/ORT | max rel err vs PyTorch |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['model']} | {r['threads']} | {r['inductc_ms']:.3f} | {r['ort_ms']:.3f} | {r['ratio']:.3f} | "
              f"{r['err_inductc']:.1e} |")


if __name__ == "__main__":
    main()

"""run.py — GNN benchmark: GCN, GraphSAGE and GIN (models.py) on the
Cora-like and arxiv-like graphs, inductc vs PyTorch eager vs ONNX Runtime at
1 and 2 threads, plus the edge_aggregate kernel's achieved bandwidth against
a STREAM triad measured in the same run.

    /usr/bin/python3 bench/gnn/run.py [--inductc build/inductc] [--graphs cora,arxiv]
                                      [--models gcn,sage,gin] [--rounds 5] [--iters 5]

Timing rounds are interleaved (every engine once per round, in rotating
order); the table shows medians over all timed runs and the ratios
eager / inductc and ORT / inductc (> 1: inductc faster). Outputs are checked
against PyTorch: relerr = max |out - ref| / max |ref|.
Work files go to $GNN_BENCH_DIR (default /tmp/inductc-gnn-bench).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../.."))
sys.path.insert(0, HERE)
import models  # noqa: E402

WORK = os.environ.get("GNN_BENCH_DIR", "/tmp/inductc-gnn-bench")


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Ort:
    """bench/ort/worker.js over stdin/stdout, one session at a time."""

    def __init__(self):
        self.p = subprocess.Popen(["node", os.path.join(ROOT, "bench/ort/worker.js")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, cwd=os.path.join(ROOT, "bench/ort"))

    def ask(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        r = json.loads(self.p.stdout.readline())
        if not r.get("ok"):
            raise RuntimeError(r.get("error"))
        return r

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def rel_err(got, ref):
    """max |got - ref| / max |ref|: error relative to the output's scale."""
    return float(np.abs(got - ref).max() / np.abs(ref).max())


def inductc_times(inductc, so, inputs, threads, iters):
    cmd = [inductc, "run", so, "--iters", str(iters), "--warmup", "1", "--threads", str(threads), "--json"]
    for k, v in inputs.items():
        cmd += ["--input", f"{k}={v}"]
    out = sh(cmd, env=dict(os.environ, OMP_NUM_THREADS=str(threads))).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def eager_times(model, args, threads, iters):
    torch.set_num_threads(threads)
    ts = []
    with torch.no_grad():
        model(*args)
        for _ in range(iters):
            t0 = time.perf_counter()
            model(*args)
            ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


TRIAD_C = r"""
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]); int reps = atoi(argv[2]);
    float *a = aligned_alloc(64, n * 4), *b = aligned_alloc(64, n * 4), *c = aligned_alloc(64, n * 4);
    #pragma omp parallel for
    for (long i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = omp_get_wtime();
        #pragma omp parallel for
        for (long i = 0; i < n; i++) a[i] = b[i] + 3.0f * c[i];
        double t = omp_get_wtime() - t0;
        if (r && t < best) best = t;
    }
    printf("%f\n", 3.0 * n * 4 / best / 1e9); /* GB/s: read b, c; write a */
    return a[7] != 7.0f;
}
"""


def triad_gbs(threads):
    exe = os.path.join(WORK, "triad")
    if not os.path.exists(exe):
        with open(exe + ".c", "w") as f:
            f.write(TRIAD_C)
        sh(["gcc", "-O3", "-march=native", "-fopenmp", exe + ".c", "-o", exe])
    return float(sh([exe, str(40_000_000), "12"], env=dict(os.environ, OMP_NUM_THREADS=str(threads))).stdout)


def aggregation_graph(n, e, f):
    """One scaled sum edge_aggregate over the graph, as .graph text."""
    return (f'graph "agg" {{\n  input %x : f32[{n},{f}]\n  input %src : i64[{e}]\n  input %dst : i64[{e}]\n'
            f'  input %w : f32[{e}]\n'
            f'  %y : f32[{n},{f}] = edge_aggregate(%x, %src, %dst, %w) {{reduction=sum, scaled=1, num_nodes={n}}}\n'
            f'  output %y\n}}\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inductc", default=os.path.join(ROOT, "build/inductc"))
    ap.add_argument("--graphs", default="cora,arxiv")
    ap.add_argument("--models", default="gcn,sage,gin")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    threads = [int(t) for t in a.threads.split(",")]
    ort = Ort()
    rows = []
    print(f"# torch {torch.__version__}, ORT {ort.ask(cmd='version')['version']}, "
          f"{a.rounds} rounds x {a.iters} runs, medians in ms", flush=True)
    for gname in a.graphs.split(","):
        x, ei = models.make_graph(gname)
        gdir = os.path.join(WORK, gname)
        os.makedirs(gdir, exist_ok=True)
        np.save(f"{gdir}/x.npy", x)
        np.save(f"{gdir}/edge_index.npy", ei)
        inputs = {"x": f"{gdir}/x.npy", "edge_index": f"{gdir}/edge_index.npy"}
        targs = (torch.from_numpy(x), torch.from_numpy(ei))
        for mname in a.models.split(","):
            model = models.build(mname, gname)
            onnx_path = f"{gdir}/{mname}.onnx"
            so = f"{gdir}/{mname}.so"
            torch.onnx.export(model, targs, onnx_path, opset_version=16, input_names=["x", "edge_index"],
                              output_names=["y"])
            sh([a.inductc, onnx_path, "-o", so])
            with torch.no_grad():
                ref = model(*targs).numpy()
            sh([a.inductc, "run", so, "--input", f"x={inputs['x']}", "--input", f"edge_index={inputs['edge_index']}",
                "--output-dir", gdir])
            err_i = rel_err(np.load(f"{gdir}/y.npy"), ref)
            ort.ask(cmd="load", model=onnx_path, threads=1, inputs=inputs)
            ort.ask(cmd="save", dir=gdir + "/ort")
            err_o = rel_err(np.load(f"{gdir}/ort/y.npy"), ref)
            for t in threads:
                ort.ask(cmd="load", model=onnx_path, threads=t, inputs=inputs)
                res = {"inductc": [], "eager": [], "ort": []}
                for r in range(a.rounds):
                    order = ["inductc", "eager", "ort"]
                    order = order[r % 3:] + order[:r % 3]
                    for eng in order:
                        if eng == "inductc":
                            res[eng].append(inductc_times(a.inductc, so, inputs, t, a.iters))
                        elif eng == "eager":
                            res[eng].append(eager_times(model, targs, t, a.iters))
                        else:
                            res[eng].append(statistics.median(ort.ask(cmd="time", iters=a.iters, warmup=1)["times_ms"]))
                med = {k: statistics.median(v) for k, v in res.items()}
                row = (gname, mname, t, med["inductc"], med["eager"], med["ort"], med["eager"] / med["inductc"],
                       med["ort"] / med["inductc"], err_i, err_o)
                rows.append(row)
                print("%-6s %-5s T=%d  inductc %9.2f  eager %9.2f  ort %9.2f  eager/inductc %5.2fx  "
                      "ort/inductc %5.2fx  relerr inductc %.1e ort %.1e" % row, flush=True)
        # the aggregation kernel alone vs a triad, same run
        n, e, _, _ = models.GRAPHS[gname]
        for f in (64, 128):
            path = f"{gdir}/agg{f}.graph"
            with open(path, "w") as fh:
                fh.write(aggregation_graph(n, e, f))
            rng = np.random.default_rng(1)
            np.save(f"{gdir}/ax{f}.npy", rng.standard_normal((n, f), dtype=np.float32))
            np.save(f"{gdir}/src.npy", ei[0])
            np.save(f"{gdir}/dst.npy", ei[1])
            np.save(f"{gdir}/w.npy", rng.uniform(0, 1, e).astype(np.float32))
            so = f"{gdir}/agg{f}.so"
            sh([a.inductc, path, "-o", so])
            ag_in = {"x": f"{gdir}/ax{f}.npy", "src": f"{gdir}/src.npy", "dst": f"{gdir}/dst.npy", "w": f"{gdir}/w.npy"}
            nbytes = e * f * 4 + e * (8 + 8 + 4) + n * f * 4
            for t in threads:
                ms, tri = [], []
                for _ in range(a.rounds):
                    ms.append(inductc_times(a.inductc, so, ag_in, t, a.iters))
                    tri.append(triad_gbs(t))
                gbs = nbytes / (statistics.median(ms) * 1e-3) / 1e9
                tr = statistics.median(tri)
                print(f"{gname:6s} aggregate F={f:<3d} T={t}  {statistics.median(ms):8.2f} ms  {nbytes / 1e6:7.1f} MB  "
                      f"{gbs:6.1f} GB/s  triad {tr:6.1f} GB/s  {100 * gbs / tr:5.1f}% of triad", flush=True)
    ort.close()


if __name__ == "__main__":
    main()

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

Per layer: inductc's kernel groups are timed by `inductc run --profile`
(one extra run of --iters after the timed rounds) and summed by the ONNX
name prefix of their result (/l1/ = layer 1, /l2/ = layer 2; csr_build is
the per-run CSR shared by both layers; the rest, e.g. the degree count and
the activation between layers, is "other"); PyTorch eager's layers are timed
with forward hooks on model.l1 / model.l2 in the same rounds; ONNX Runtime's
by its own profiler (a second session with enableProfiling, --iters runs
after the timed rounds), node times summed by the same name prefixes.
Work files go to $GNN_BENCH_DIR (default /tmp/inductc-gnn-bench).
"""
import argparse
import ctypes
import json
import os
import re
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


class LayerTimer:
    """Forward hooks timing model.l1 and model.l2 (ms per call, appended to .ms[name])."""

    def __init__(self, model):
        self.ms = {"l1": [], "l2": []}
        self.t0 = {}
        for name in self.ms:
            layer = getattr(model, name)
            layer.register_forward_pre_hook(lambda m, a, n=name: self.t0.__setitem__(n, time.perf_counter()))
            layer.register_forward_hook(
                lambda m, a, o, n=name: self.ms[n].append((time.perf_counter() - self.t0[n]) * 1e3))


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


def ort_profile(ort, prefix, iters):
    """ms per run of ONNX Runtime's nodes (its profiler), summed per layer like inductc_profile."""
    r = ort.ask(cmd="profile", iters=iters, prefix=prefix)
    layers = {"l1": 0.0, "l2": 0.0, "other": 0.0}
    for name, us in r["nodes"].items():
        key = "l1" if name.startswith("/l1/") else "l2" if name.startswith("/l2/") else "other"
        layers[key] += us / 1e3 / max(r["runs"], 1)
    return layers


def inductc_profile(inductc, so, inputs, threads, iters):
    """ms per run of every kernel group (`inductc run --profile`), summed per layer."""
    cmd = [inductc, "run", so, "--iters", str(iters), "--warmup", "1", "--threads", str(threads), "--profile"]
    for k, v in inputs.items():
        cmd += ["--input", f"{k}={v}"]
    out = sh(cmd, env=dict(os.environ, OMP_NUM_THREADS=str(threads))).stdout + ""
    layers = {"l1": 0.0, "l2": 0.0, "csr_build": 0.0, "other": 0.0}
    spmm = []
    for line in out.splitlines():
        m = re.match(r"^\s+([\d.]+)\s+[\d.]+%\s+(\S+)\s+(.*)$", line)
        if not m:
            continue
        ms, ops, name = float(m.group(1)), m.group(2), m.group(3).strip()
        key = "l1" if name.startswith("/l1/") else "l2" if name.startswith("/l2/") else \
            "csr_build" if ops == "csr_build" else "other"
        layers[key] += ms
        if ops == "spmm":
            spmm.append((name, ms))
    return layers, spmm


class CModel:
    """A compiled model called in process through its C ABI (include/inductc/model.h) on
    64-byte aligned numpy buffers, as the triad's buffers are: the host-program view of
    the aggregation, next to `inductc run`'s (whose tensors are 64-byte aligned too)."""

    class Tensor(ctypes.Structure):
        _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                    ("dims", ctypes.POINTER(ctypes.c_int64))]

    class Options(ctypes.Structure):
        _fields_ = [("struct_size", ctypes.c_uint32), ("num_threads", ctypes.c_int32)]

    DTYPES = {np.dtype(np.float32): 1, np.dtype(np.int32): 6, np.dtype(np.int64): 7}

    def __init__(self, so, threads):
        self.lib = ctypes.CDLL(so)
        self.lib.inductc_model_last_error.restype = ctypes.c_char_p
        self.m = ctypes.c_void_p()
        opts = CModel.Options(ctypes.sizeof(CModel.Options), threads)
        if self.lib.inductc_model_create(ctypes.byref(opts), ctypes.byref(self.m)):
            raise RuntimeError(self.lib.inductc_model_last_error(None))

    @staticmethod
    def _tensors(arrays):
        """ABI tensors over arrays (which the caller keeps alive), and their dims arrays."""
        ts = (CModel.Tensor * len(arrays))()
        dims = [(ctypes.c_int64 * max(a.ndim, 1))(*a.shape) for a in arrays]
        for t, a, d in zip(ts, arrays, dims):
            t.data, t.dtype, t.rank, t.dims = a.ctypes.data, CModel.DTYPES[a.dtype], a.ndim, d
        return ts, dims

    def time(self, inputs, outputs, iters):
        """Median ms of iters runs after one warm-up."""
        ins, outs = self._tensors(inputs), self._tensors(outputs)  # both (tensors, dims) stay alive here
        ti, to = ins[0], outs[0]
        ts = []
        for i in range(iters + 1):
            t0 = time.perf_counter()
            if self.lib.inductc_model_run(self.m, ti, len(inputs), to, len(outputs)):
                raise RuntimeError(self.lib.inductc_model_last_error(self.m))
            if i:
                ts.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(ts)

    def close(self):
        self.lib.inductc_model_destroy(self.m)


def aligned(a):
    """A copy of a whose data starts on a 64-byte boundary."""
    buf = np.empty(a.nbytes + 64, np.uint8)
    off = (-buf.ctypes.data) % 64
    out = buf[off:off + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


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
        for mname in filter(None, a.models.split(",")):
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
            timer = LayerTimer(model)
            for t in threads:
                ort.ask(cmd="load", model=onnx_path, threads=t, inputs=inputs)
                res = {"inductc": [], "eager": [], "ort": []}
                for v in timer.ms.values():
                    v.clear()
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
                layers, spmm = inductc_profile(a.inductc, so, inputs, t, a.iters)
                el1, el2 = (statistics.median(timer.ms[k]) if timer.ms[k] else float("nan") for k in ("l1", "l2"))
                ol = ort_profile(ort, f"{gdir}/ortprof_{mname}_{t}", a.iters)
                print("%-6s %-5s T=%d    per layer ms: inductc l1 %8.2f  l2 %8.2f  csr_build %7.2f  other %7.2f"
                      "  | eager l1 %8.2f  l2 %8.2f  | ort l1 %8.2f  l2 %8.2f  other %7.2f"
                      % (gname, mname, t, layers["l1"], layers["l2"], layers["csr_build"], layers["other"], el1, el2,
                         ol["l1"], ol["l2"], ol["other"]), flush=True)
                print("%-6s %-5s T=%d    inductc aggregation (spmm) ms: %s" % (
                    gname, mname, t, "  ".join("%s %.2f" % (n, ms) for n, ms in spmm)), flush=True)
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
            arrays = [aligned(np.load(ag_in[k])) for k in ("x", "src", "dst", "w")]
            y = aligned(np.zeros((n, f), np.float32))
            for t in threads:
                cm = CModel(so, t)
                ms, ams, tri = [], [], []
                for _ in range(a.rounds):
                    ms.append(inductc_times(a.inductc, so, ag_in, t, a.iters))
                    ams.append(cm.time(arrays, [y], a.iters))
                    tri.append(triad_gbs(t))
                cm.close()
                tr = statistics.median(tri)
                layers, spmm = inductc_profile(a.inductc, so, ag_in, t, a.iters)
                for how, v in (("aligned", ams), ("run", ms)):
                    gbs = nbytes / (statistics.median(v) * 1e-3) / 1e9
                    print(f"{gname:6s} aggregate F={f:<3d} T={t} {how:7s} {statistics.median(v):8.2f} ms  "
                          f"{nbytes / 1e6:7.1f} MB  {gbs:6.1f} GB/s  triad {tr:6.1f} GB/s  {100 * gbs / tr:5.1f}% of triad",
                          flush=True)
                print(f"{gname:6s} aggregate F={f:<3d} T={t} profiled (run): csr_build {layers['csr_build']:.2f} ms, "
                      f"spmm {sum(m for _, m in spmm):.2f} ms", flush=True)
    ort.close()


if __name__ == "__main__":
    main()

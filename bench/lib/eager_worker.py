"""PyTorch eager engine for the benchmark harness (a JSON-lines worker process).

    /usr/bin/python3 bench/lib/eager_worker.py     (driven by bench/lib/engines.py)

Requests, one JSON object per line on stdin, each answered by one line:
  {"cmd":"info"}                                   -> torch version, BLAS in use, threads
  {"cmd":"load","model":NAME,"inputs":{N:NPY}}     -> builds the suite model (same seed
                                                      as its ONNX export) and its inputs
  {"cmd":"threads","threads":T}                    -> torch.set_num_threads(T)
  {"cmd":"time","iters":N,"warmup":W}              -> {"times_ms":[..]}
  {"cmd":"save","dir":DIR}                         -> runs once, writes DIR/<output>.npy
Every run is under torch.inference_mode(). The harness starts this process
without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (see engines.py).
"""
import json
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from models import zoo  # noqa: E402

state = {"model": None, "args": None, "spec": None}


def openblas_libs():
    """ctypes handles of the OpenBLAS libraries mapped into this process."""
    import ctypes
    libs = []
    for p in blas_info()["libs"]:
        if "openblas" in p:
            try:
                libs.append(ctypes.CDLL(p))
            except OSError:
                pass
    return libs


def blas_info():
    """Which BLAS torch calls: the libraries mapped into this process after a matmul."""
    a = torch.ones(64, 64)
    a @ a
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if "blas" in p or "mkl" in p or "lapack" in p:
                libs.add(os.path.realpath(p))
    info = {"libs": sorted(libs), "openblas": ""}
    for p in sorted(libs):
        if "openblas" in p:
            import ctypes
            try:
                lib = ctypes.CDLL(p)
                lib.openblas_get_config.restype = ctypes.c_char_p
                lib.openblas_get_corename.restype = ctypes.c_char_p
                info["openblas"] = "%s (core %s)" % (lib.openblas_get_config().decode(),
                                                     lib.openblas_get_corename().decode())
            except (OSError, AttributeError):
                pass
    return info


def handle(req):
    cmd = req["cmd"]
    if cmd == "info":
        cap = ""
        for line in torch.__config__.show().splitlines():
            if "CPU capability usage:" in line:
                cap = line.split(":", 1)[1].strip()
        env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        return {"torch": torch.__version__, "blas": blas_info(), "cpu_capability": cap,
                "openblas_env": env}
    if cmd == "load":
        state["model"] = state["args"] = None
        spec = zoo.BY_NAME[req["model"]]
        t0 = time.perf_counter()
        state["model"] = zoo.build(spec)
        state["args"] = tuple(torch.from_numpy(np.load(req["inputs"][name])) for name, *_ in spec.inputs)
        state["spec"] = spec
        return {"load_ms": (time.perf_counter() - t0) * 1e3}
    if cmd == "threads":
        t = int(req["threads"])
        torch.set_num_threads(t)
        # An OpenMP OpenBLAS follows omp_set_num_threads; a pthreads one has its own count.
        for lib in openblas_libs():
            lib.openblas_set_num_threads(t)
        return {"threads": torch.get_num_threads()}
    if state["model"] is None:
        raise RuntimeError("no model loaded")
    model, args = state["model"], state["args"]
    if cmd == "time":
        times = []
        with torch.inference_mode():
            for _ in range(req["warmup"]):
                model(*args)
            for _ in range(req["iters"]):
                t0 = time.perf_counter()
                model(*args)
                times.append((time.perf_counter() - t0) * 1e3)
        return {"times_ms": times}
    if cmd == "save":
        with torch.inference_mode():
            out = model(*args)
        os.makedirs(req["dir"], exist_ok=True)
        np.save(os.path.join(req["dir"], state["spec"].output + ".npy"), out.numpy())
        return {"outputs": [state["spec"].output]}
    raise ValueError("unknown command " + cmd)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = dict(ok=True, **handle(json.loads(line)))
        except Exception as e:  # answer with the reason and keep serving
            msg = next((ln for ln in str(e).splitlines() if ln.strip()), type(e).__name__)
            reply = {"ok": False, "error": f"{type(e).__name__}: {msg}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

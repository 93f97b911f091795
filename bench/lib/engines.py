"""The three engines the harness times: inductc, ONNX Runtime and PyTorch eager.

Each engine has the same small interface, so the driver can interleave them:
  load(entry, threads)    get ready to run one exported model at T threads
  time(iters, warmup)     one timing round -> Round(median_ms, min_ms)
  save(out_dir)           run once and write the outputs as <out_dir>/<name>.npy
Failures raise jsonproc.EngineError with a one-line reason.

inductc runs as its CLI (`inductc run x.so ... --json`), one process per round;
ONNX Runtime (bench/ort/worker.js under node) and PyTorch (eager_worker.py) are
long-lived workers. The PyTorch worker alone runs without OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE: they pin Debian's OpenBLAS 0.3.21 to its Haswell kernels
(about half the speed of the AVX-512 ones it picks by itself here).
"""
import json
import os
import shutil
import subprocess
import sys
import time

from .jsonproc import EngineError, JsonWorker
from . import stats

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class Round:
    """One timing round of one engine."""

    def __init__(self, median_ms, min_ms):
        self.median_ms = median_ms  # median of the round's timed iterations
        self.min_ms = min_ms        # fastest iteration of the round


def _round_of(times):
    return Round(stats.median(times), min(times))


def first_line(text, default="no message"):
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line[len("inductc: "):] if line.startswith("inductc: ") else line
    return default


class Inductc:
    name = "inductc"

    def __init__(self, binary, work, timeout):
        self.binary = binary    # path of the inductc CLI
        self.work = work        # scratch directory for .so files and caches
        self.timeout = timeout  # seconds allowed for one compile or one run
        self.so = None          # compiled model of the current entry
        self.inputs = None      # {name: .npy path}
        self.threads = 1

    def version(self):
        try:
            out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=30)
            return out.stdout.strip() or first_line(out.stderr)
        except OSError as e:
            return f"not available ({e.strerror})"

    def _call(self, argv, what, model_path=None):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"{what} timed out after {self.timeout:.0f} s") from None
        except OSError as e:
            raise EngineError(f"{what}: cannot run {self.binary}: {e.strerror}") from None
        if p.returncode != 0:
            msg = first_line(p.stderr, f"exit status {p.returncode}")
            if p.returncode < 0:
                msg = f"killed by signal {-p.returncode}; " + msg
            if model_path:
                msg = msg.replace(model_path, "model.onnx")
            raise EngineError(f"{what}: {msg}")
        return p.stdout

    def compile(self, entry):
        """Cold (fresh cache) then warm (cache hit) compile; returns (cold_s, warm_s)."""
        self.so = None
        d = os.path.join(self.work, entry.name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        so = os.path.join(d, "model.so")
        argv = [self.binary, entry.onnx, "-o", so, "--cache-dir", os.path.join(d, "cache")]
        t0 = time.perf_counter()
        self._call(argv, "compile failed", entry.onnx)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        self._call(argv, "warm compile failed", entry.onnx)
        warm = time.perf_counter() - t0
        self.so = so
        return cold, warm

    def load(self, entry, threads):
        if self.so is None:
            raise EngineError("not compiled")
        self.inputs = entry.inputs
        self.threads = threads

    def _run_argv(self, iters, warmup):
        argv = [self.binary, "run", self.so]
        for name, path in self.inputs.items():
            argv += ["--input", f"{name}={path}"]
        return argv + ["--threads", str(self.threads), "--iters", str(iters), "--warmup", str(warmup), "--json"]

    def time(self, iters, warmup):
        out = self._call(self._run_argv(iters, warmup), "run failed")
        last = out.strip().splitlines()[-1] if out.strip() else ""
        try:
            j = json.loads(last)
            return Round(float(j["median_ms"]), float(j["min_ms"]))
        except (ValueError, KeyError):
            raise EngineError(f"run failed: no timing line in output ({last[:60]!r})") from None

    def save(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        self._call(self._run_argv(1, 0) + ["--output-dir", out_dir], "run failed")

    def close(self):
        pass


class _Worker:
    """Shared part of the ORT and PyTorch engines: a JsonWorker and its requests."""

    def __init__(self, worker, timeout):
        self.worker = worker    # the JsonWorker process
        self.timeout = timeout  # seconds allowed for one request

    def time(self, iters, warmup):
        r = self.worker.request(self.timeout, cmd="time", iters=iters, warmup=warmup)
        return _round_of(r["times_ms"])

    def save(self, out_dir):
        self.worker.request(self.timeout, cmd="save", dir=out_dir)

    def close(self):
        self.worker.close()


class OnnxRuntime(_Worker):
    name = "ort"

    def __init__(self, timeout):
        super().__init__(JsonWorker(["node", os.path.join(BENCH, "ort", "worker.js")], label="node"), timeout)

    def version(self):
        return self.worker.request(60, cmd="version")["version"]

    def load(self, entry, threads):
        self.worker.request(self.timeout, cmd="load", model=entry.onnx, threads=threads, inputs=entry.inputs)


class Eager(_Worker):
    name = "eager"

    def __init__(self, timeout):
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
        argv = [sys.executable, os.path.join(BENCH, "lib", "eager_worker.py")]
        super().__init__(JsonWorker(argv, env=env, label="python"), timeout)
        self.loaded = None      # name of the model the worker holds

    def info(self):
        return self.worker.request(300, cmd="info")

    def load(self, entry, threads):
        if self.loaded != entry.name or self.worker.proc is None:  # None: it died
            self.loaded = None
            self.worker.request(self.timeout, cmd="load", model=entry.name, inputs=entry.inputs)
            self.loaded = entry.name
        self.worker.request(60, cmd="threads", threads=threads)


ENGINES = ("inductc", "ort", "eager")

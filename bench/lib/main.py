"""bench/run: the model-suite benchmark of inductc against ONNX Runtime and PyTorch eager.

Exports the selected models (cached), compiles each with inductc (cold, then
warm), times the three engines in interleaved rounds at each thread count,
checks every engine's output against PyTorch's, and writes results.csv,
results.md and speedup.png. A model that fails to export, compile, run or
match is reported with the reason and the run goes on.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from . import report, stats, sysinfo
from .engines import BENCH, OPENBLAS_VARS, Eager, Inductc, OnnxRuntime
from .jsonproc import EngineError
from models import zoo

ROOT = os.path.dirname(BENCH)
QUICK_MODELS = "resnet18,mobilenet_v2,t5_small_encoder"


class Entry:
    """One model as the harness sees it: its spec and its exported files."""

    def __init__(self, spec, cache):
        self.spec = spec                                       # zoo.Spec
        self.name = spec.name
        self.dir = os.path.join(cache, "models", spec.name)   # export directory
        self.onnx = os.path.join(self.dir, "model.onnx")
        self.inputs = {n: os.path.join(self.dir, "inputs", n + ".npy") for n, *_ in spec.inputs}
        self.expected = os.path.join(self.dir, "expected", spec.output + ".npy")
        self.export_error = None                               # why export failed, if it did


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0])
    ap.add_argument("--suite", choices=["all"] + zoo.SUITES, default="all", help="which suite (default all)")
    ap.add_argument("--models", help="comma-separated model names (overrides --suite); see --list")
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    ap.add_argument("--iters", type=int, default=20,
                    help="timed iterations per engine, model and thread count, split over the rounds (default 20)")
    ap.add_argument("--rounds", type=int, default=4, help="interleaved rounds (default 4)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed iterations per engine per round (default 2)")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke run: {QUICK_MODELS}, 1 thread, 2 rounds of 1 iteration")
    ap.add_argument("--inductc", default=os.path.join(ROOT, "build", "inductc"),
                    help="the inductc binary (default <repo>/build/inductc)")
    ap.add_argument("--cache", default=os.path.join(BENCH, ".cache"),
                    help="exports and scratch files (default bench/.cache)")
    ap.add_argument("--out", help="where results go (default bench/results; --quick: bench/.cache/quick)")
    ap.add_argument("--readme", action="store_true", help="also put the table into bench/README.md")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for one compile or run")
    ap.add_argument("--list", action="store_true", help="list the models and exit")
    a = ap.parse_args(argv)
    if a.quick:
        a.models = a.models or QUICK_MODELS
        a.threads = "1" if a.threads == "1,2" else a.threads
        a.iters, a.rounds, a.warmup = 2, 2, 1
    a.out = a.out or os.path.join(a.cache if a.quick else BENCH, "quick" if a.quick else "results")
    try:
        a.threads = [int(t) for t in a.threads.split(",") if t]
    except ValueError:
        ap.error("--threads takes numbers, e.g. 1,2")
    if not a.threads or min(a.threads) < 1 or a.iters < 1 or a.rounds < 1 or a.warmup < 0:
        ap.error("--threads, --iters and --rounds must be at least 1, --warmup at least 0")
    a.rounds = min(a.rounds, a.iters)
    if a.models:
        names = [m for m in a.models.split(",") if m]
        bad = [m for m in names if m not in zoo.BY_NAME]
        if bad:
            ap.error(f"unknown model(s) {', '.join(bad)}; --list shows them")
        a.specs = [zoo.BY_NAME[m] for m in names]
    else:
        a.specs = [s for s in zoo.SUITE if a.suite in ("all", s.suite)]
    return a


def log(msg):
    print(msg, flush=True)


def ensure_ort():
    """Install onnxruntime-node into bench/ort/node_modules if it is not there yet."""
    ort_dir = os.path.join(BENCH, "ort")
    if os.path.isdir(os.path.join(ort_dir, "node_modules", "onnxruntime-node")):
        return
    if not shutil.which("npm"):
        sys.exit("bench: ONNX Runtime is not installed and npm is missing: run tools/setup.sh --bench")
    log("bench: installing onnxruntime-node into bench/ort/node_modules (npm install --ignore-scripts)")
    subprocess.run(["npm", "install", "--ignore-scripts", "--no-package-lock", "--no-audit", "--no-fund"],
                   cwd=ort_dir, check=True)


def blas_text(info):
    blas = info.get("blas", {})
    text = blas.get("openblas") or ", ".join(blas.get("libs", [])) or "none found in the process"
    if any("openblas-openmp" in p or "openblasp" in p for p in blas.get("libs", [])):
        text += ", OpenMP build"
    if info.get("openblas_env"):
        text += f" (with {info['openblas_env']} set)"
    else:
        text += (f"; {' and '.join(OPENBLAS_VARS)} unset in its process (they pin OpenBLAS 0.3.21 "
                 "to slower Haswell kernels)" if any(v in os.environ for v in OPENBLAS_VARS) else "")
    if "/blas/libblas" in text or "reference" in text:
        text += " — the slow reference BLAS: install libopenblas0-openmp"
    return text


def export(entries, cache):
    """Export every entry not yet cached, printing progress; record failures on the entries."""
    log(f"== export ({len(entries)} models, cached in {os.path.join(cache, 'models')})")
    env = dict(os.environ, PYTHONPATH=BENCH + os.pathsep + os.environ.get("PYTHONPATH", ""))
    argv = [sys.executable, "-m", "models.export", "--cache", os.path.join(cache, "models")]
    by_name = {e.name: e for e in entries}
    errlog = os.path.join(cache, "export.log")
    os.makedirs(cache, exist_ok=True)
    with open(errlog, "w") as err:
        p = subprocess.Popen(argv + list(by_name), stdout=subprocess.PIPE, stderr=err, text=True, cwd=BENCH,
                             env=env)
        done = set()
        for line in p.stdout:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            e = by_name.get(rec.get("name"))
            if e is None:
                continue
            done.add(e.name)
            if rec["ok"]:
                log(f"   {e.name:20s} {'cached' if rec['cached'] else 'exported in %.1f s' % rec['seconds']}")
            else:
                e.export_error = "export failed: " + rec["error"]
                log(f"   {e.name:20s} {e.export_error}")
        rc = p.wait()
    for e in entries:
        if e.name not in done:
            e.export_error = f"export failed: exporter exited with status {rc} (see {errlog})"
            log(f"   {e.name:20s} {e.export_error}")


def check_output(engine, entry, scratch, row):
    """Run the engine once, compare its output with PyTorch's, fill the row's status."""
    d = os.path.join(scratch, engine.name)
    shutil.rmtree(d, ignore_errors=True)
    engine.save(d)
    got_path = os.path.join(d, entry.spec.output + ".npy")
    if not os.path.exists(got_path):
        raise EngineError(f"no output named {entry.spec.output}")
    ok, max_abs, max_rel, why = stats.compare(np.load(got_path), np.load(entry.expected), entry.spec.rtol)
    row[engine.name + "_max_abs"] = max_abs
    row[engine.name + "_max_rel"] = max_rel
    if not ok:
        row[engine.name + "_status"] = "mismatch"
        row[engine.name + "_error"] = why
    return ok


def bench_model(entry, threads, engines, args, compile_info, scratch):
    """Time one model at one thread count; returns its result row."""
    row = report.new_row(entry, threads)
    if entry.export_error:
        for e in engines:
            row[e.name + "_status"], row[e.name + "_error"] = "failed", entry.export_error
        return report.finish_row(row)
    row["compile_cold_s"], row["compile_warm_s"] = compile_info.get("cold"), compile_info.get("warm")
    per_round = args.iters // args.rounds + (args.iters % args.rounds > 0)
    row.update(rounds=args.rounds, iters_per_round=per_round, warmup=args.warmup)
    live = []
    for e in engines:
        if e.name == "inductc" and compile_info.get("error"):
            row["inductc_status"], row["inductc_error"] = "failed", compile_info["error"]
            continue
        try:
            e.load(entry, threads)
            live.append(e)
        except EngineError as err:
            row[e.name + "_status"], row[e.name + "_error"] = "failed", f"load failed: {err}"
    rounds = {e.name: [] for e in live}
    for r in range(args.rounds):
        order = live[r % len(live):] + live[:r % len(live)] if live else []
        for e in order:
            if e.name not in rounds:
                continue
            try:
                rounds[e.name].append(e.time(per_round, args.warmup))
            except EngineError as err:
                row[e.name + "_status"], row[e.name + "_error"] = "failed", str(err)
                del rounds[e.name]
    row["load"] = os.getloadavg()[0]
    for e in live:
        if e.name not in rounds:
            continue
        rs = rounds[e.name]
        row[e.name + "_ms"] = stats.median([x.median_ms for x in rs])
        row[e.name + "_min_ms"] = min(x.min_ms for x in rs)
        try:
            if check_output(e, entry, scratch, row):
                row[e.name + "_status"] = "ok"
        except EngineError as err:
            row[e.name + "_status"], row[e.name + "_error"] = "failed", f"output check: {err}"
    return report.finish_row(row)


def progress_line(row):
    def cell(e):
        ms = row[e + "_ms"]
        st = row[e + "_status"]
        if ms is None:
            return f"{e} {st}"
        return f"{e} {ms:.2f} ms" + ("" if st == "ok" else f" ({st})")
    sp = []
    if row["speedup_vs_eager"]:
        sp.append(f"{row['speedup_vs_eager']:.2f}x vs eager")
    if row["speedup_vs_ort"]:
        sp.append(f"{row['speedup_vs_ort']:.2f}x vs ORT")
    errs = [f"{e}: {row[e + '_error']}" for e in ("inductc", "ort", "eager")
            if row[e + "_error"] and not row[e + "_error"].startswith("compile failed")]  # said above
    load = f"  (load {row['load']:.1f})" if row["load"] is not None else ""
    return (f"T={row['threads']}  " + " | ".join(cell(e) for e in ("inductc", "ort", "eager"))
            + (f"  => {', '.join(sp)}" if sp else "") + load + ("\n      " + "\n      ".join(errs) if errs else ""))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for s in zoo.SUITE:
            log(f"{s.name:20s} {s.suite:7s} batch {s.batch}  inputs {s.inputs[0][1]}")
        return 0
    t_start = time.time()
    ensure_ort()
    entries = [Entry(s, args.cache) for s in args.specs]
    eager = Eager(args.timeout)
    ort = OnnxRuntime(args.timeout)
    ic = Inductc(os.path.abspath(args.inductc), os.path.join(args.cache, "inductc"), args.timeout)
    try:
        try:
            einfo = eager.info()
        except EngineError as err:
            sys.exit(f"bench: PyTorch is not usable ({err}): run tools/setup.sh --bench")
        einfo["blas_text"] = blas_text(einfo)
        meta = {"machine": sysinfo.machine(ROOT), "eager": einfo, "ort_version": ort.version(),
                "inductc_version": ic.version(), "threads": args.threads, "rounds": args.rounds,
                "iters_per_round": math.ceil(args.iters / args.rounds), "warmup": args.warmup,
                "opset": 17, "date": time.strftime("%Y-%m-%d %H:%M"), "load_start": os.getloadavg()[0],
                "command": "bench/run " + " ".join(sys.argv[1:] if argv is None else argv)}
        m = meta["machine"]
        log(f"bench: {m['cpu']}, {m['isa']}, {m['cores']} cores; threads {args.threads}")
        log(f"bench: {meta['inductc_version']} ({args.inductc}); onnxruntime-node {meta['ort_version']}; "
            f"torch {einfo['torch']}")
        log(f"bench: torch BLAS: {einfo['blas_text']}")
        export(entries, args.cache)
        rows = []
        scratch = os.path.join(args.cache, "outputs")
        try:
            for i, entry in enumerate(entries):
                log(f"== [{i + 1}/{len(entries)}] {entry.name} ({entry.spec.suite}, batch {entry.spec.batch})")
                info = {}
                if not entry.export_error:
                    try:
                        info["cold"], info["warm"] = ic.compile(entry)
                        log(f"   inductc compile: cold {info['cold']:.2f} s, warm {info['warm']:.3f} s")
                    except EngineError as err:
                        info["error"] = str(err)
                        log(f"   inductc {err}")
                for t in args.threads:
                    row = bench_model(entry, t, [ic, ort, eager], args, info, scratch)
                    rows.append(row)
                    log("   " + progress_line(row))
        except KeyboardInterrupt:
            log("bench: interrupted; writing the results so far")
        meta["elapsed_min"] = (time.time() - t_start) / 60
        meta["load_end"] = os.getloadavg()[0]
        md = report.write_all(args.out, rows, meta)
        log("")
        log(md)
        log(f"bench: wrote {', '.join(os.path.join(args.out, f) for f in ('results.csv', 'results.md', 'speedup.png'))}")
        if args.readme:
            rel = os.path.relpath(os.path.join(args.out, "speedup.png"), BENCH)
            report.update_readme(os.path.join(BENCH, "README.md"), report.markdown(rows, meta, rel))
            log("bench: updated bench/README.md")
    finally:
        eager.close()
        ort.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Self-test of the benchmark harness's own logic, without PyTorch or ONNX Runtime.

    PYTHONPATH=bench /usr/bin/python3 -m lib.selftest      (tests/bench_harness.sh runs it)

Checks the error metric, medians and geomeans, the CSV and Markdown reports,
argument parsing, and the inductc engine plus one model's timing rounds against
a fake inductc (a small script that follows the CLI contract), including a
failing compile and a wrong output. Needs only numpy. Ends with the line
'N passed, N failed'.
"""
import csv
import math
import os
import shutil
import sys
import tempfile
import traceback

import numpy as np

from lib import engines, main, report, stats
from models import zoo

FAKE_INDUCTC = r'''#!/usr/bin/env python3
# A stand-in for inductc: "compiles" by copying the model path into OUT.so,
# "runs" by writing ref.npy (beside the model) scaled by $FAKE_SCALE.
import json, os, shutil, sys
import numpy as np
a = sys.argv[1:]
if a[0] == "--version":
    print("inductc 0.0-fake"); sys.exit(0)
if a[0] != "run":
    model, out = a[0], a[a.index("-o") + 1]
    if "bad" in model:
        sys.stderr.write("inductc: %s: unsupported op Foo\nmore detail\n" % model); sys.exit(1)
    open(out, "w").write(model); sys.exit(0)
model = open(a[1]).read()
if "crash" in model:
    os.kill(os.getpid(), 11)
if "--output-dir" in a:
    d = a[a.index("--output-dir") + 1]
    ref = np.load(os.path.join(os.path.dirname(model), "ref.npy"))
    np.save(os.path.join(d, "y.npy"), (ref * float(os.environ.get("FAKE_SCALE", "1"))).astype(np.float32))
print("output y: f32[2,3] sum=0")
print(json.dumps({"median_ms": 2.5, "min_ms": 2.0, "iters": int(a[a.index("--iters") + 1])}))
'''

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def compare_metric():
    ref = np.array([[1.0, -4.0], [0.5, 0.0]], np.float32)
    ok, abs_, rel, why = stats.compare(ref, ref, 1e-3)
    assert ok and abs_ == 0 and rel == 0 and why == ""
    ok, abs_, rel, _ = stats.compare(ref + 0.002, ref, 1e-3)  # 0.002 / 4 = 5e-4
    assert ok and math.isclose(rel, 0.002 / 4, rel_tol=1e-3), rel
    ok, _, rel, why = stats.compare(ref + 0.01, ref, 1e-3)
    assert not ok and why.startswith("mismatch: max rel err") and rel > 1e-3, why
    ok, _, _, why = stats.compare(ref[:1], ref, 1e-3)
    assert not ok and "shape [1, 2]" in why, why
    bad = ref.copy()
    bad[0, 0] = np.nan
    ok, _, _, why = stats.compare(bad, ref, 1e-3)
    assert not ok and why == "NaN in output"
    ok, _, rel, _ = stats.compare(np.zeros(3), np.zeros(3), 1e-3)
    assert ok and rel == 0


@test
def medians_and_geomeans():
    assert stats.median([3, 1, 2]) == 2 and stats.median([4, 1, 2, 3]) == 2.5 and stats.median([]) is None
    assert math.isclose(stats.geomean([2, 8]), 4) and stats.geomean([None]) is None
    assert stats.speedup(10.0, 5.0) == 2.0 and stats.speedup(None, 5.0) is None


class FakeEntry:
    def __init__(self, name, suite, batch=1):
        self.name = name
        self.spec = zoo.Spec(name, suite, "x:y", batch, [("x", [2, 3], "float32", None)], "y")


def fake_row(name, suite, threads, ic, ort, eager, ic_status="ok", err=""):
    r = report.new_row(FakeEntry(name, suite), threads)
    r.update(inductc_ms=ic, ort_ms=ort, eager_ms=eager, inductc_status=ic_status, inductc_error=err,
             ort_status="ok", eager_status="ok", inductc_max_rel=1e-6)
    return report.finish_row(r)


def fake_meta():
    return {"machine": {"cpu": "Test CPU", "isa": "AVX2", "cores": 2, "memory": "1 GiB", "os": "os",
                        "cc": "cc", "commit": "abc", "node": "v20"},
            "eager": {"torch": "1.0", "blas_text": "OpenBLAS"}, "ort_version": "1.0",
            "inductc_version": "inductc 0", "threads": [1, 2], "rounds": 2, "iters_per_round": 3,
            "warmup": 1, "opset": 17, "date": "today", "command": "bench/run", "elapsed_min": 1.0,
            "load_start": 0.5, "load_end": 9.0}


@test
def reports():
    rows = [fake_row("a", "vision", 1, 5.0, 10.0, 20.0),
            fake_row("b", "vision", 1, 20.0, 10.0, 10.0),
            fake_row("c", "nlp", 1, None, 4.0, 8.0, "failed", "compile failed: unsupported op | Foo"),
            fake_row("a", "vision", 2, 2.0, 4.0, 8.0)]
    assert rows[0]["speedup_vs_eager"] == 4.0 and rows[0]["speedup_vs_ort"] == 2.0
    assert rows[1]["speedup_vs_ort"] == 0.5 and rows[2]["speedup_vs_eager"] is None
    gm = {g[0]: g for g in report.geomean_rows(rows[:3])}
    assert math.isclose(gm["vision"][3], math.sqrt(2)) and math.isclose(gm["vision"][4], 1.0)
    assert gm["nlp"][1] == 0 and gm["nlp"][3] is None and math.isclose(gm["all"][5], 2 ** (2 / 3))
    md = report.markdown(rows, fake_meta())
    assert "other work was running" in md
    assert "### 1 thread" in md and "### 2 threads" in md and "Test CPU, AVX2" in md
    assert "| a | vision | 1 | 5 | 10 | 20 | 4.00× | 2.00× | 2.00× | — |  |" in md, md
    assert "compile failed: unsupported op \\| Foo" in md  # a '|' would break the table
    assert "**geomean vision** | | | | | | **1.41×** | **1.00×**" in md
    assert "inductc measured on 0 of 1" in md
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "r.csv")
        report.write_csv(p, rows)
        with open(p) as f:
            got = list(csv.DictReader(f))
        assert len(got) == 4 and got[0]["speedup_vs_eager"] == "4" and got[2]["inductc_status"] == "failed"
        readme = os.path.join(d, "README.md")
        with open(readme, "w") as f:
            f.write(f"top\n{report.README_BEGIN}\nold\n{report.README_END}\nbottom\n")
        report.update_readme(readme, "NEW TABLE")
        text = open(readme).read()
        assert "old" not in text and "NEW TABLE" in text and text.startswith("top") and text.endswith("bottom\n")


@test
def arguments():
    a = main.parse_args(["--quick"])
    assert a.threads == [1] and a.iters == 2 and [s.name for s in a.specs] == main.QUICK_MODELS.split(",")
    a = main.parse_args(["--suite", "nlp", "--threads", "1,2", "--iters", "3", "--rounds", "5"])
    assert all(s.suite == "nlp" for s in a.specs) and a.threads == [1, 2] and a.rounds == 3
    assert len(main.parse_args([]).specs) == len(zoo.SUITE)
    for bad in (["--models", "nope"], ["--threads", "x"], ["--iters", "0"]):
        stderr, sys.stderr = sys.stderr, open(os.devnull, "w")
        try:
            main.parse_args(bad)
        except SystemExit:
            continue
        finally:
            sys.stderr.close()
            sys.stderr = stderr
        raise AssertionError(f"{bad} accepted")


class Args:
    iters, rounds, warmup = 4, 2, 1


@test
def inductc_engine_and_rounds():
    d = tempfile.mkdtemp()
    try:
        fake = os.path.join(d, "inductc")
        with open(fake, "w") as f:
            f.write(FAKE_INDUCTC.replace("#!/usr/bin/env python3", "#!" + sys.executable))
        os.chmod(fake, 0o755)
        ic = engines.Inductc(fake, os.path.join(d, "work"), 60)
        assert ic.version() == "inductc 0.0-fake"

        def entry(name):
            e = main.Entry(FakeEntry(name, "vision").spec, d)
            os.makedirs(e.dir, exist_ok=True)
            ref = np.arange(6, dtype=np.float32).reshape(2, 3)
            np.save(os.path.join(e.dir, "ref.npy"), ref)
            os.makedirs(os.path.dirname(e.expected), exist_ok=True)
            np.save(e.expected, ref)
            e.inputs = {}
            return e

        good = entry("good")
        info = {}
        info["cold"], info["warm"] = ic.compile(good)
        row = main.bench_model(good, 2, [ic], Args, info, os.path.join(d, "out"))
        assert row["inductc_status"] == "ok" and row["inductc_ms"] == 2.5 and row["inductc_min_ms"] == 2.0, row
        assert row["iters_per_round"] == 2 and row["inductc_max_rel"] == 0 and row["compile_cold_s"] > 0

        os.environ["FAKE_SCALE"] = "1.01"
        row = main.bench_model(good, 1, [ic], Args, info, os.path.join(d, "out"))
        del os.environ["FAKE_SCALE"]
        assert row["inductc_status"] == "mismatch" and "max rel err" in row["inductc_error"], row
        assert row["speedup_vs_eager"] is None

        bad = entry("bad")
        try:
            ic.compile(bad)
            raise AssertionError("bad model compiled")
        except engines.EngineError as err:
            assert str(err) == "compile failed: model.onnx: unsupported op Foo", str(err)
        row = main.bench_model(bad, 1, [ic], Args, {"error": "compile failed: x"}, d)
        assert row["inductc_status"] == "failed" and row["inductc_error"] == "compile failed: x"

        crash = entry("crash")
        ic.compile(crash)
        row = main.bench_model(crash, 1, [ic], Args, {"cold": 1, "warm": 1}, d)
        assert row["inductc_status"] == "failed" and "killed by signal 11" in row["inductc_error"], row

        exp_fail = entry("exp")
        exp_fail.export_error = "export failed: nope"
        row = main.bench_model(exp_fail, 1, [ic], Args, {}, d)
        assert row["inductc_error"] == "export failed: nope"
    finally:
        shutil.rmtree(d, ignore_errors=True)


def run():
    passed = failed = 0
    for fn in TESTS:
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__}")
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run())

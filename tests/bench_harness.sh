#!/usr/bin/env bash
# bench_harness.sh — the benchmark harness's own logic (error metric, reports,
# arguments, the inductc engine against a fake inductc), with numpy only: no
# PyTorch, ONNX Runtime or model runs. The benchmark itself is bench/run.
#
#     bash tests/bench_harness.sh <inductc-bin> <source-dir> <build-dir>
set -euo pipefail
SRC=$2
PYTHONPATH="$SRC/bench" exec /usr/bin/python3 -m lib.selftest

#!/usr/bin/env bash
# bench/kernels/run.sh — memory-bound kernel microbenchmark through the real
# compiler: writes the models of make_graphs.py, compiles each with inductc
# twice (fused, and with INDUCTC_FUSE=0: one kernel per op), and times both
# with kbench at 1 thread and at every thread, each against a STREAM-style
# triad measured in the same run (kbench alternates every model run with a
# triad pass). Prints one line per model, then per model the fused/unfused
# speedup.
#
#   bench/kernels/run.sh [BUILD_DIR] [--small] [--seconds S]
#
# BUILD_DIR defaults to ./build (it needs the inductc binary). --small shrinks
# the tensors 16x for a quick check; the targets (fused >= 70% of triad on
# tensors beyond L2, fused >= 2x unfused on the bias+residual+layernorm and
# GELU chains) are about the full sizes.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build
SMALL=
SECONDS_PER=1.0
while [[ $# -gt 0 ]]; do
    case $1 in
        --small) SMALL=--small ;;
        --seconds) SECONDS_PER=$2; shift ;;
        *) BUILD=$1 ;;
    esac
    shift
done
IC=$(cd "$BUILD" && pwd)/inductc
[[ -x $IC ]] || { echo "run.sh: no inductc in $BUILD (build it first)" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ic_kbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export INDUCTC_CACHE_DIR=$WORK/cache

read -r -a MODELS <<< "$(/usr/bin/python3 "$ROOT/bench/kernels/make_graphs.py" "$WORK" $SMALL)"
cc -std=c11 -O3 -march=native -fopenmp -I "$ROOT/include" "$ROOT/bench/kernels/kbench.c" -ldl -o "$WORK/kbench"

ARGS_FUSED=()
ARGS_UNFUSED=()
for m in "${MODELS[@]}"; do
    "$IC" "$WORK/$m.graph" -o "$WORK/$m.so"
    INDUCTC_FUSE=0 "$IC" "$WORK/$m.graph" -o "$WORK/$m.unfused.so"
    ARGS_FUSED+=("$m=$WORK/$m.so")
    ARGS_UNFUSED+=("$m/unfused=$WORK/$m.unfused.so")
done

echo "# model                 threads  median     bytes      achieved         same-run triad   streaming-store triad, ratio to it   ratio to triad"
for t in 1 "$(nproc)"; do
    for i in "${!MODELS[@]}"; do
        "$WORK/kbench" -t "$t" -s "$SECONDS_PER" "${ARGS_FUSED[$i]}" "${ARGS_UNFUSED[$i]}"
    done
done | tee "$WORK/results.txt"

echo
echo "# fused speedup over unfused: ratio of their triad-normalised bandwidths (same bytes moved)"
awk '{ key = $1; sub("/unfused", "", key); k = key " " $2
       if ($1 ~ /\/unfused$/) unf[k] = $NF; else { fu[k] = $NF; order[++n] = k } }
     END { for (i = 1; i <= n; i++) { k = order[i]; split(k, p, " ")
           printf "%-24s %2s threads  %5.2fx\n", p[1], p[2], fu[k] / unf[k] } }' "$WORK/results.txt"

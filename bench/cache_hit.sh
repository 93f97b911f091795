#!/usr/bin/env bash
# cache_hit.sh — how much faster a cached compile is than a cold one.
#
#     bash bench/cache_hit.sh [inductc-bin] [model.graph]
#
# Compiles the model into a fresh cache (a miss: codegen + cc), then again
# (a hit: parse, lower, hash, copy), several times each, and prints the median
# times and their ratio. The acceptance target is a ratio of at least 20.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IC=${1:-$ROOT/build/inductc}
MODEL=${2:-$ROOT/examples/tiny_cnn.graph}
REPS=${REPS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

cold=()
hot=()
for ((i = 0; i < REPS; i++)); do
    cache=$WORK/cache$i
    t0=$(now_ns)
    "$IC" "$MODEL" -o "$WORK/out.so" --cache-dir "$cache"
    t1=$(now_ns)
    "$IC" "$MODEL" -o "$WORK/out.so" --cache-dir "$cache"
    t2=$(now_ns)
    cold+=($(((t1 - t0) / 1000)))
    hot+=($(((t2 - t1) / 1000)))
done
cold_us=$(printf '%s\n' "${cold[@]}" | median)
hot_us=$(printf '%s\n' "${hot[@]}" | median)
awk -v c="$cold_us" -v h="$hot_us" -v m="$(basename "$MODEL")" 'BEGIN {
    printf "%s: cold compile %.1f ms, cache hit %.1f ms, ratio %.1fx\n", m, c / 1000, h / 1000, c / h
}'

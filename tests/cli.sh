#!/usr/bin/env bash
# cli.sh — end-to-end checks of the inductc command line on the bundled
# examples: compile, cache hits and misses, run (--json, --input,
# --output-dir), agreement with the reference interpreter, info, the host
# example, --emit-c, --stop-after, --no-cache, and a corrupt cache entry.
#
#     bash tests/cli.sh <inductc-bin> <source-dir> <build-dir>
set -euo pipefail

IC=$1
SRC=$2
BUILD=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export INDUCTC_CACHE_DIR=$WORK/cache
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "--- $*"; }

step "version and help"
"$IC" --version | grep -q '^inductc ' || fail "--version"
"$IC" --help | grep -q '^usage: inductc MODEL -o OUT.so' || fail "--help"

for m in tiny_cnn mlp embed; do
    g=$SRC/examples/$m.graph
    so=$WORK/$m.so

    step "$m: compile (cache miss, then hit)"
    "$IC" "$g" -o "$so" -v 2> "$WORK/$m.log1" || { cat "$WORK/$m.log1"; fail "$m: compile"; }
    grep -q 'cache miss' "$WORK/$m.log1" || fail "$m: first compile should miss the cache"
    [[ -x $so ]] || fail "$m: $so not written"
    "$IC" "$g" -o "$so" -v 2> "$WORK/$m.log2" || fail "$m: second compile"
    grep -q 'cache hit' "$WORK/$m.log2" || { cat "$WORK/$m.log2"; fail "$m: second compile should hit the cache"; }
    ls "$WORK"/"$m".so.tmp.* 2> /dev/null && fail "$m: temporary output left behind"

    step "$m: run --iters 3 --json"
    "$IC" run "$so" --iters 3 --warmup 1 --json > "$WORK/$m.run"
    cat "$WORK/$m.run"
    last=$(tail -n 1 "$WORK/$m.run")
    [[ $last =~ ^\{\"median_ms\":[0-9.]+,\"min_ms\":[0-9.]+,\"iters\":3\}$ ]] || fail "$m: last line is not the JSON summary: $last"
    grep -q '^output ' "$WORK/$m.run" || fail "$m: no output line"

    step "$m: run the model file directly, compared with the interpreter"
    "$IC" run "$g" --compare-interp --output-dir "$WORK/$m.compiled" | tee "$WORK/$m.cmp"
    grep -q ': ok$' "$WORK/$m.cmp" || fail "$m: no comparison printed"
    "$IC" run "$g" --interp --output-dir "$WORK/$m.interp" > "$WORK/$m.interp.out"
    for f in "$WORK/$m.compiled"/*.npy; do
        [[ -f "$WORK/$m.interp/$(basename "$f")" ]] || fail "$m: interpreter did not write $(basename "$f")"
    done

    step "$m: the host example prints the same checksums as inductc run"
    "$BUILD/host_example" "$so" > "$WORK/$m.host" || fail "$m: host_example"
    diff <(grep '^output ' "$WORK/$m.run") <(grep '^output ' "$WORK/$m.host") || fail "$m: host and run disagree"

    step "$m: info"
    "$IC" info "$so" > "$WORK/$m.info"
    grep -q "^name: $m\$" "$WORK/$m.info" || fail "$m: info name"
    grep -q '^graph hash: [0-9a-f]\{32\}$' "$WORK/$m.info" || fail "$m: info hash"
    grep -q '^isa: ' "$WORK/$m.info" || fail "$m: info isa"
done

step "inputs from .npy files; outputs written and read back"
"$IC" run "$SRC/examples/mlp.graph" --input "x=$SRC/examples/mlp_x.npy" --compare-interp --output-dir "$WORK/mlpx" \
    > "$WORK/mlpx.out"
[[ -s $WORK/mlpx/y.npy ]] || fail "mlp: y.npy not written"
"$IC" run "$SRC/examples/mlp.graph" --input "x=$SRC/examples/mlp_x.npy" > "$WORK/mlpx2.out"
cmp <(grep '^output ' "$WORK/mlpx.out") <(grep '^output ' "$WORK/mlpx2.out") || fail "mlp: runs differ"
grep -q '^output y: f32\[8,16\]' "$WORK/mlpx.out" || fail "mlp: output line"
# Random inputs are deterministic: two runs print the same checksums.
"$IC" run "$WORK/mlp.so" > "$WORK/r1"
"$IC" run "$WORK/mlp.so" --threads 1 > "$WORK/r2"
cmp "$WORK/r1" "$WORK/r2" > /dev/null || echo "note: 1 and 2 threads print different checksums (allowed)"
"$IC" run "$WORK/mlp.so" > "$WORK/r3"
cmp "$WORK/r1" "$WORK/r3" || fail "random inputs are not deterministic"

step "odd names: quoted value names become safe file names"
cat > "$WORK/names.graph" << 'EOF'
graph "names" {
  input %"in put" : f32[2,2]
  %"out/1:x" : f32[2,2] = relu(%"in put")
  %"..": f32[2,2] = neg(%"out/1:x")
  output %"out/1:x", %".."
}
EOF
"$IC" run "$WORK/names.graph" --interp --output-dir "$WORK/names" > /dev/null
[[ -f $WORK/names/out_1_x.npy ]] || fail "sanitised output name: $(ls "$WORK/names")"
[[ -f $WORK/names/_..npy || -f $WORK/names/_.npy ]] || fail "'..' output name: $(ls "$WORK/names")"
"$IC" run "$WORK/names.graph" --compare-interp > /dev/null || fail "names: compiled run"

step "--stop-after prints parseable IR; --print-ir-after-all goes to stderr"
"$IC" "$WORK/names.graph" --stop-after dce > "$WORK/dump.graph"
head -n 1 "$WORK/dump.graph" | grep -q '^graph "names"' || fail "--stop-after output"
"$IC" run "$WORK/dump.graph" --interp > /dev/null || fail "the dump does not parse back"
"$IC" "$WORK/names.graph" -o "$WORK/names.so" --print-ir-after-all 2> "$WORK/ir.log" > /dev/null
grep -q '^graph "names"' "$WORK/ir.log" || fail "--print-ir-after-all printed nothing"

step "--emit-c writes C that names the model entry points, and its blob"
"$IC" "$SRC/examples/mlp.graph" -o "$WORK/mlp2.so" --emit-c "$WORK/mlp.c"
grep -q 'inductc_model_run' "$WORK/mlp.c" || fail "--emit-c: no inductc_model_run in the C"
[[ -s $WORK/mlp.c.blob ]] || fail "--emit-c: no blob"

step "--no-cache leaves neither cache entries nor temporary directories"
mkdir -p "$WORK/tmpdir"
TMPDIR=$WORK/tmpdir "$IC" "$SRC/examples/mlp.graph" -o "$WORK/nc.so" --no-cache --cache-dir "$WORK/nc-cache"
[[ -x $WORK/nc.so ]] || fail "--no-cache: no output"
[[ ! -e $WORK/nc-cache ]] || fail "--no-cache touched the cache"
[[ -z $(ls -A "$WORK/tmpdir") ]] || fail "--no-cache left files in TMPDIR: $(ls -A "$WORK/tmpdir")"
TMPDIR=$WORK/tmpdir "$IC" run "$SRC/examples/mlp.graph" --no-cache > /dev/null
[[ -z $(ls -A "$WORK/tmpdir") ]] || fail "run --no-cache left files in TMPDIR"

step "truncated copies of a compiled model are rejected cleanly (dlopen alone would fault)"
size=$(stat -c %s "$WORK/tiny_cnn.so")
for n in 0 10 100 1000 $((size / 3)) $((size / 2)) $((size - 1)); do
    head -c "$n" "$WORK/tiny_cnn.so" > "$WORK/cut.so"
    set +e
    "$IC" run "$WORK/cut.so" > /dev/null 2> "$WORK/cut.err"
    code=$?
    set -e
    [[ $code == 1 && $(wc -l < "$WORK/cut.err") == 1 ]] || fail "truncated to $n bytes: exit $code: $(cat "$WORK/cut.err")"
done

step "a corrupt cache entry is discarded and rebuilt"
cache=$WORK/corrupt-cache
"$IC" "$SRC/examples/embed.graph" -o "$WORK/e1.so" --cache-dir "$cache"
entry=$(ls "$cache"/*.so)
head -c 100 "$entry" > "$entry.cut" && mv "$entry.cut" "$entry"
"$IC" "$SRC/examples/embed.graph" -o "$WORK/e2.so" --cache-dir "$cache" -v 2> "$WORK/corrupt.log"
grep -q 'cache miss' "$WORK/corrupt.log" || fail "corrupt entry was used"
"$IC" run "$WORK/e2.so" > /dev/null || fail "rebuilt model does not run"
[[ -z $(ls -d "$cache"/tmp-* 2> /dev/null) ]] || fail "build directory left in the cache"

step "a compiler that answers --version but fails to compile: one clean line"
printf '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi\necho "fakecc: internal compiler error: pretend" >&2\nexit 3\n' > "$WORK/fakecc"
chmod +x "$WORK/fakecc"
set +e
CC=$WORK/fakecc "$IC" "$SRC/examples/mlp.graph" -o "$WORK/fake.so" --cache-dir "$WORK/fake-cache" 2> "$WORK/fake.err"
code=$?
set -e
[[ $code == 1 ]] || fail "failing cc: exit $code"
[[ $(wc -l < "$WORK/fake.err") == 1 ]] || fail "failing cc: stderr is not one line: $(cat "$WORK/fake.err")"
grep -q '^inductc: .*cc.*pretend' "$WORK/fake.err" || fail "failing cc: message: $(cat "$WORK/fake.err")"
[[ -z $(ls -A "$WORK/fake-cache") ]] || fail "failing cc left files in the cache: $(ls -A "$WORK/fake-cache")"

step "concurrent compiles of one graph into one fresh cache"
cache=$WORK/race-cache
"$IC" "$SRC/examples/tiny_cnn.graph" -o "$WORK/race1.so" --cache-dir "$cache" &
p1=$!
"$IC" "$SRC/examples/tiny_cnn.graph" -o "$WORK/race2.so" --cache-dir "$cache" &
p2=$!
wait $p1 || fail "concurrent compile 1"
wait $p2 || fail "concurrent compile 2"
[[ $(ls "$cache" | wc -l) == 1 ]] || fail "cache after a race: $(ls "$cache")"
cmp "$WORK/race1.so" "$WORK/race2.so" > /dev/null || echo "note: racing builds produced different bytes"
"$IC" run "$WORK/race2.so" > /dev/null

echo "cli.sh: all checks passed"

#!/usr/bin/env bash
# harden.sh — the CLI under concurrency and faults: many processes compiling
# one graph into a fresh cache, paths full of shell metacharacters, $CC
# honoured and run without a shell, missing or failing compilers, a model
# built for a CPU feature this machine lacks, cache directories we must not
# trust, and `inductc cache list|clear|prune`.
#
#     bash tests/harden.sh <inductc-bin> <source-dir> <build-dir>
set -euo pipefail

IC=$1
SRC=$2
WORK=$(mktemp -d)
trap 'chmod -R u+rwx "$WORK" 2> /dev/null; rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
export INDUCTC_CACHE_DIR=$WORK/cache
unset INDUCTC_DEBUG

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
step() { echo "--- $*"; }

# Runs inductc with the given arguments expecting exit status $1 and exactly
# one line on stderr, which must contain $2; the line ends up in $WORK/err.
expect_fail() {
    local want=$1 text=$2 code
    shift 2
    set +e
    "$IC" "$@" > "$WORK/out" 2> "$WORK/err"
    code=$?
    set -e
    [[ $code == "$want" ]] || fail "inductc $*: exit $code, wanted $want: $(cat "$WORK/err")"
    [[ $(wc -l < "$WORK/err") == 1 ]] || fail "inductc $*: stderr is not one line: $(cat "$WORK/err")"
    grep -q '^inductc: ' "$WORK/err" || fail "inductc $*: message does not start with 'inductc: '"
    grep -qF -- "$text" "$WORK/err" || fail "inductc $*: message lacks '$text': $(cat "$WORK/err")"
}

step "8 processes compile one graph into a fresh cache at once: all succeed, one build, one entry"
cache=$WORK/race
pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$IC" "$SRC/examples/mlp.graph" -o "$WORK/race$i.so" --cache-dir "$cache" -v 2> "$WORK/race$i.log" &
    pids+=($!)
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { cat "$WORK/race$((i + 1)).log"; fail "concurrent compile $((i + 1)) failed"; }
done
misses=$(cat "$WORK"/race*.log | grep -c 'cache miss' || true)
[[ $misses == 1 ]] || fail "expected exactly one build, saw $misses cache misses"
[[ $(ls -A "$cache" | wc -l) == 1 ]] || fail "cache after the race holds $(ls -A "$cache")"
[[ $(stat -c %a "$cache") == 700 ]] || fail "cache directory mode $(stat -c %a "$cache")"
for i in 2 3 4 5 6 7 8; do cmp -s "$WORK/race1.so" "$WORK/race$i.so" || fail "race$i.so differs"; done
"$IC" run "$WORK/race8.so" > /dev/null || fail "the raced model does not run"
"$IC" run "$SRC/examples/mlp.graph" --cache-dir "$cache" --compare-interp > /dev/null || fail "run through the raced cache"

step "paths with spaces, quotes, \$(...), ; and a newline: compiled and run, nothing executed"
odd="$WORK/we ird 'q' \"dq\" \$(touch PWNED) ; touch PWNED2 &"$'\n'"line"
mkdir -p "$odd"
cp "$SRC/examples/tiny_cnn.graph" "$SRC/examples/tiny_cnn.weights" "$odd/"
mv "$odd/tiny_cnn.graph" "$odd/m \$(id) ;x.graph"
(
    cd "$WORK"
    "$IC" "$odd/m \$(id) ;x.graph" -o "$odd/out \`x\`.so" --cache-dir "$odd/cache \$HOME" -v 2> "$WORK/odd.log" \
        || { cat "$WORK/odd.log"; fail "compile with odd paths"; }
    "$IC" run "$odd/out \`x\`.so" > "$WORK/odd.run" || fail "run with odd paths"
    "$IC" run "$odd/m \$(id) ;x.graph" --cache-dir "$odd/cache \$HOME" --compare-interp > /dev/null \
        || fail "compare-interp with odd paths"
)
grep -q 'cache miss' "$WORK/odd.log" || fail "odd paths: no build"
[[ -z $(find "$WORK" "$SRC" -maxdepth 2 -name 'PWNED*' -print -quit) ]] || fail "a shell ran part of a path"
[[ -d "$odd/cache \$HOME" ]] || fail "odd cache dir not used"
expect_fail 1 "cannot open" run "$odd/missing"$'\n'"file.graph"

step "\$CC is honoured and gets an argument vector (logged by a wrapper)"
cat > "$WORK/logcc" << 'EOF'
#!/bin/sh
# logs its working directory and each argument on its own line, then compiles
log=$(dirname "$0")/cc.log
if [ "$1" = "--extra-word" ]; then echo "extra word seen" >> "$log"; shift; fi
{ echo "cwd=$(pwd)"; for a in "$@"; do echo "arg=$a"; done; echo "end"; } >> "$log"
exec cc "$@"
EOF
chmod +x "$WORK/logcc"
CC=$WORK/logcc "$IC" "$odd/m \$(id) ;x.graph" -o "$WORK/cc1.so" --cache-dir "$WORK/cc-cache"
grep -qx 'arg=--version' "$WORK/cc.log" || fail "the fingerprint did not ask \$CC --version"
grep -qx 'arg=model.c' "$WORK/cc.log" || fail "\$CC did not compile model.c: $(cat "$WORK/cc.log")"
grep -qx 'arg=-o' "$WORK/cc.log" && grep -qx 'arg=model.so' "$WORK/cc.log" || fail "\$CC arguments"
grep -q '^cwd=.*/cc-cache/tmp-' "$WORK/cc.log" || fail "\$CC did not run in the build directory"
"$IC" run "$WORK/cc1.so" > /dev/null
# a different compiler is a different cache key
CC=$WORK/logcc "$IC" "$SRC/examples/embed.graph" -o "$WORK/cc2.so" --cache-dir "$WORK/cc-cache" -v 2> "$WORK/cc2.log"
grep -q 'cache miss' "$WORK/cc2.log" || fail "first CC build"
"$IC" "$SRC/examples/embed.graph" -o "$WORK/cc3.so" --cache-dir "$WORK/cc-cache" -v 2> "$WORK/cc3.log"
grep -q 'cache miss' "$WORK/cc3.log" || fail "changing CC did not change the cache key"
# a relative CC names a file in the current directory, although cc runs in the build directory
rm -f "$WORK/cc.log"
(cd "$WORK" && CC=./logcc "$IC" "$SRC/examples/mlp.graph" -o "$WORK/cc5.so" --cache-dir "$WORK/cc-cache")
grep -qx 'arg=model.c' "$WORK/cc.log" || fail "CC=./logcc did not compile"
# CC may be several words, as with make: "wrapper --extra-word"
rm -f "$WORK/cc.log"
CC="$WORK/logcc --extra-word" "$IC" "$SRC/examples/embed.graph" -o "$WORK/cc4.so" --cache-dir "$WORK/cc-cache"
grep -q 'extra word seen' "$WORK/cc.log" || fail "CC with an argument"
grep -qx 'arg=model.c' "$WORK/cc.log" || fail "CC with an argument: not compiled"

step "a missing or failing compiler: one line naming it, with its own error text"
CC=/nonexistent/cc expect_fail 1 "cannot run C compiler '/nonexistent/cc'" "$SRC/examples/mlp.graph" -o "$WORK/x.so" \
    --cache-dir "$WORK/fc"
printf '#!/bin/sh\n[ "$1" = --version ] && { echo "brokencc 1"; exit 0; }\necho "brokencc: fatal: out of cheese" >&2\nexit 4\n' \
    > "$WORK/brokencc"
chmod +x "$WORK/brokencc"
CC=$WORK/brokencc expect_fail 1 "cc failed (exit 4): brokencc: fatal: out of cheese; command: " \
    "$SRC/examples/mlp.graph" -o "$WORK/x.so" --cache-dir "$WORK/fc"
grep -q "brokencc -std=c11" "$WORK/err" || fail "the failing command is not quoted: $(cat "$WORK/err")"
printf '#!/bin/sh\necho "nope: no version" >&2\nexit 3\n' > "$WORK/noversion"
chmod +x "$WORK/noversion"
CC=$WORK/noversion expect_fail 1 "--version' failed (exit 3): nope: no version" "$SRC/examples/mlp.graph" \
    -o "$WORK/x.so" --cache-dir "$WORK/fc"
[[ -z $(ls -A "$WORK/fc") ]] || fail "failed compiles left files in the cache: $(ls -A "$WORK/fc")"

step "a model built for a CPU feature this machine lacks is refused at create, naming the feature"
printf '#!/bin/sh\nexec cc "$@" -DIC_FAKE_MISSING_CPU_FEATURE=\\"avx512_fake\\"\n' > "$WORK/fakeisa"
chmod +x "$WORK/fakeisa"
CC=$WORK/fakeisa "$IC" "$SRC/examples/tiny_cnn.graph" -o "$WORK/isa.so" --cache-dir "$WORK/isa-cache"
expect_fail 1 "lacks: avx512_fake" run "$WORK/isa.so"
grep -q "creating the model failed: model 'tiny_cnn' was compiled for" "$WORK/err" || fail "ISA message: $(cat "$WORK/err")"
CC=$WORK/fakeisa expect_fail 1 "lacks: avx512_fake" run "$SRC/examples/tiny_cnn.graph" --cache-dir "$WORK/isa-cache"
# info describes it, or (if it creates an instance) refuses it the same way
if ! "$IC" info "$WORK/isa.so" > "$WORK/out" 2> "$WORK/err"; then
    [[ $(wc -l < "$WORK/err") == 1 ]] && grep -q 'lacks: avx512_fake' "$WORK/err" || fail "info: $(cat "$WORK/err")"
fi

step "cache directories we must not trust are refused with a hint"
mkdir -m 777 "$WORK/open"
expect_fail 1 "writable by others (mode 777)" "$SRC/examples/mlp.graph" -o "$WORK/x.so" --cache-dir "$WORK/open"
mkdir -m 770 "$WORK/grp"
INDUCTC_CACHE_DIR=$WORK/grp expect_fail 1 "writable by its group" run "$SRC/examples/mlp.graph"
grep -q -- "--no-cache" "$WORK/err" || fail "no hint: $(cat "$WORK/err")"
"$IC" run "$SRC/examples/mlp.graph" --cache-dir "$WORK/grp" --no-cache > /dev/null || fail "--no-cache bypasses it"
if [[ $(id -u) == 0 ]]; then
    mkdir -m 700 "$WORK/theirs"
    chown 65534 "$WORK/theirs"
    expect_fail 1 "belongs to uid 65534" "$SRC/examples/mlp.graph" -o "$WORK/x.so" --cache-dir "$WORK/theirs"
else
    mkdir -m 500 "$WORK/ro"
    expect_fail 1 "not writable" "$SRC/examples/mlp.graph" -o "$WORK/x.so" --cache-dir "$WORK/ro"
fi
expect_fail 1 "cannot create cache directory /proc/inductc" "$SRC/examples/mlp.graph" -o "$WORK/x.so" \
    --cache-dir /proc/inductc/cache
touch "$WORK/plain"
expect_fail 1 "Not a directory" "$SRC/examples/mlp.graph" -o "$WORK/x.so" --cache-dir "$WORK/plain"

step "a corrupted entry (one byte flipped) is discarded and rebuilt"
c=$WORK/flip
"$IC" "$SRC/examples/embed.graph" -o "$WORK/f1.so" --cache-dir "$c"
entry=$(ls "$c"/*.so)
size=$(stat -c %s "$entry")
printf '\x00\x01\x02\x03' | dd of="$entry" bs=1 seek=$((size / 2)) conv=notrunc status=none
"$IC" "$SRC/examples/embed.graph" -o "$WORK/f2.so" --cache-dir "$c" -v 2> "$WORK/flip.log"
grep -q 'discarded cache entry .*corrupted' "$WORK/flip.log" || fail "flipped entry: $(cat "$WORK/flip.log")"
grep -q 'cache miss' "$WORK/flip.log" || fail "flipped entry was not rebuilt"
cmp -s "$WORK/f1.so" "$WORK/f2.so" || fail "the rebuilt model differs from the first build"
"$IC" run "$WORK/f2.so" > /dev/null
# the copy handed to the user is the compiler's output, without the cache trailer
[[ $(stat -c %s "$WORK/f2.so") == $((size - 64)) ]] || fail "-o output size"

step "cache list, prune --max-size, clear"
c=$WORK/manage
for m in mlp embed tiny_cnn; do "$IC" "$SRC/examples/$m.graph" -o "$WORK/$m.so" --cache-dir "$c"; done
"$IC" cache list --cache-dir "$c" > "$WORK/list"
cat "$WORK/list"
[[ $(grep -c '^[0-9a-f]\{32\} \+[0-9]\+ [0-9-]\{10\} [0-9:]\{8\}$' "$WORK/list") == 3 ]] || fail "cache list lines"
grep -q '^total: 3 entries, [0-9]* bytes in ' "$WORK/list" || fail "cache list total"
# make tiny_cnn the least recently used, then mlp; a hit on embed makes it the most recent
for f in "$c"/*.so; do touch -d '2 days ago' "$f"; done
"$IC" "$SRC/examples/mlp.graph" -o "$WORK/mlp.so" --cache-dir "$c"
"$IC" "$SRC/examples/embed.graph" -o "$WORK/embed.so" --cache-dir "$c"
keep=$(ls -l "$c"/*.so | awk '{s += $5} END {print s}')
"$IC" cache prune --max-size $((keep - 1)) --cache-dir "$c" > "$WORK/prune"
grep -q '^removed 1 item, freed' "$WORK/prune" || fail "prune: $(cat "$WORK/prune")"
"$IC" cache list --cache-dir "$c" | grep '^total: 2 entries' > /dev/null || fail "prune kept the wrong number"
"$IC" "$SRC/examples/tiny_cnn.graph" -o "$WORK/t.so" --cache-dir "$c" -v 2> "$WORK/p1.log"
grep -q 'cache miss' "$WORK/p1.log" || fail "prune should have dropped the least recently used entry (tiny_cnn)"
"$IC" "$SRC/examples/embed.graph" -o "$WORK/t.so" --cache-dir "$c" -v 2> "$WORK/p2.log"
grep -q 'cache hit' "$WORK/p2.log" || fail "prune dropped the most recently used entry"
"$IC" cache prune --max-size 1G --cache-dir "$c" | grep '^removed 0 items' > /dev/null || fail "prune under the limit"
echo "keep me" > "$c/NOTES"
INDUCTC_CACHE_DIR=$c "$IC" cache clear | grep '^removed 3 items' > /dev/null || fail "clear"
"$IC" cache list --cache-dir "$c" | grep '^total: 0 entries' > /dev/null || fail "list after clear"
[[ -f $c/NOTES ]] || fail "clear removed a file that is not a cache entry"
"$IC" cache list --cache-dir "$WORK/never-made" | grep '^total: 0 entries' > /dev/null || fail "list of a missing cache"
[[ ! -e $WORK/never-made ]] || fail "list created the cache directory"
expect_fail 2 "cache prune needs --max-size" cache prune --cache-dir "$c"
expect_fail 2 "expected a size" cache prune --max-size 12Q --cache-dir "$c"
expect_fail 2 "unknown cache command 'purge'" cache purge
expect_fail 2 "cache needs list, clear or prune" cache
expect_fail 2 "--max-size is for cache prune" cache list --max-size 1G

echo "harden.sh: all checks passed"

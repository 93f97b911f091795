#!/usr/bin/env bash
# hostile.sh — runs every file of the hostile-input corpus (tests/hostile/,
# plus large and machine-dependent cases made here) through `inductc` and
# `inductc run` and requires a clean refusal each time: exit status 1 or 2,
# exactly one line on stderr starting with "inductc: ", never a signal
# (status >= 128), never a hang (20 s), never a sanitizer report. Files named
# ok_* are valid edge cases: for them success (exit 0, nothing on stderr) is
# clean too, and compiling may succeed for any model file (some are only
# refused when run).
#
#     bash tests/hostile.sh <inductc-bin> <source-dir> <build-dir>
#
# HOSTILE_KEEP=1 keeps the scratch directory; HOSTILE_VERBOSE=1 prints every
# message; failures print the command.
set -uo pipefail

IC=$1
SRC=$2
CORPUS=$SRC/tests/hostile
WORK=$(mktemp -d)
[[ ${HOSTILE_KEEP:-} == 1 ]] || trap 'rm -rf "$WORK"' EXIT
export INDUCTC_CACHE_DIR=$WORK/cache
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
unset INDUCTC_DEBUG CC

# The checks run in two parts at once (one per core), each with its own
# scratch directory $P; check() counts into the part's checks and failures.
checks=0
failures=0
P=$WORK

# check ALLOW_OK ARGS...: runs inductc ARGS under a timeout and judges the result.
check() {
    local allow_ok=$1 code
    shift
    checks=$((checks + 1))
    (cd "$P/run" && timeout -k 5 20 "$IC" "$@" > "$P/out" 2> "$P/err" < /dev/null)
    code=$?
    local why=
    if [[ $code == 124 || $code == 137 ]]; then
        why="hung (killed after 20 s)"
    elif ((code >= 128)); then
        why="killed by signal $((code - 128))"
    elif grep -qE 'Sanitizer|runtime error:|^==[0-9]+==|^SUMMARY: ' "$P/err"; then
        why="sanitizer report"
    elif [[ $code == 0 ]]; then
        [[ $allow_ok == 1 ]] || why="succeeded, but should have been refused"
        [[ -s $P/err ]] && why="exit 0 with output on stderr"
    elif [[ $code != 1 && $code != 2 ]]; then
        why="exit status $code (want 1 or 2)"
    elif [[ $(wc -l < "$P/err") != 1 ]]; then
        why="stderr has $(wc -l < "$P/err") lines (want exactly 1)"
    elif ! grep -q '^inductc: ' "$P/err"; then
        why="message does not start with 'inductc: '"
    fi
    [[ ${HOSTILE_VERBOSE:-} == 1 ]] && printf '%s: %s -> %s\n' "$code" "$(basename "${@: -1}" | cut -c 1-60)" \
        "$(head -c 300 "$P/err")"
    if [[ -n $why ]]; then
        failures=$((failures + 1))
        printf 'FAIL: inductc %s\n      %s\n' "$(printf '%q ' "$@" | cut -c 1-300)" "$why"
        head -c 2000 "$P/err" | sed 's/^/      | /'
    fi
}

is_ok_case() { [[ $(basename "$1") == ok_* ]] && echo 1 || echo 0; }

# A model file: compiling may succeed; running must fail unless it is an ok_ case.
check_model() {
    local f=$1 ok
    ok=$(is_ok_case "$f")
    check 1 "$f" -o "$P/out.so"
    check "$ok" run "$f"
}

# A compiled-model candidate: run and info must refuse it.
check_so() {
    check 0 run "$1"
    check 0 info "$1"
}

# An input file for examples/mlp.graph (x: f32[8,64]).
check_npy() {
    check 0 run "$SRC/examples/mlp.graph" --input "x=$1"
    check 0 run "$SRC/examples/mlp.graph" --interp --input "x=$1"
}

# --- part 1: the corpus in the tree -------------------------------------------------------
part_corpus() {
    for f in "$CORPUS"/*; do
        case $f in
        *.py | *.weights) ;;
        *.npy) check_npy "$f" ;;
        *.so | *.bin) check_so "$f"; check_model "$f" ;;
        *) check_model "$f" ;;
        esac
    done
}

# fake NAME INFO: $WORK/gen/NAME.so, a shared object exporting the model ABI
# with INFO as its description and a create() that always fails.
fake() {
    local name=$1 info=$2
    cat > "$WORK/gen/$name.c" << EOF
#include "inductc/model.h"
#define E __attribute__((visibility("default")))
static const int64_t dims[2] = {2, 3};
static const inductc_tensor_info good[1] = {{"x", INDUCTC_DTYPE_F32, 2, dims}};
static const inductc_model_info info = {$info};
E const inductc_model_info *inductc_model_query(void) { return &info; }
E int inductc_model_create(const inductc_model_options *o, inductc_model **m) { (void)o; *m = 0; return 1; }
E int inductc_model_run(inductc_model *m, const inductc_tensor *i, uint32_t ni, const inductc_tensor *o, uint32_t no)
{ (void)m; (void)i; (void)ni; (void)o; (void)no; return 1; }
E const char *inductc_model_last_error(const inductc_model *m) { (void)m; return "fake model: create always fails"; }
E void inductc_model_destroy(inductc_model *m) { (void)m; }
EOF
    cc -shared -fPIC -fvisibility=hidden -I"$SRC/include" -o "$WORK/gen/$name.so" "$WORK/gen/$name.c" ||
        { failures=$((failures + 1)); echo "FAIL: cc $name.c"; }
}

# --- part 2: cases made here: large files, truncations, FIFOs, fake models, arguments ----
part_generated() {
    mkdir -p "$WORK/large" "$WORK/gen"

    # --- large cases, written at test time --------------------------------------------------
    if ! /usr/bin/python3 "$CORPUS/make_corpus.py" --large "$WORK/large"; then
        echo "FAIL: make_corpus.py --large"
        failures=$((failures + 1))
    fi
    for f in "$WORK/large"/*; do check_model "$f"; done

    # --- truncations of the examples and of their weights and inputs -----------------------
    g=$SRC/examples/tiny_cnn.graph
    size=$(stat -c %s "$g")
    for ((n = 0; n < size; n += 53)); do
        head -c "$n" "$g" > "$WORK/gen/cut_$n.graph"
        cp "$SRC/examples/tiny_cnn.weights" "$WORK/gen/"
        check 0 "$WORK/gen/cut_$n.graph" -o "$P/out.so"
    done
    wsize=$(stat -c %s "$SRC/examples/tiny_cnn.weights")
    mkdir -p "$WORK/gen/w"
    cp "$g" "$WORK/gen/w/model.graph"
    for n in 0 1 100 $((wsize / 2)) $((wsize - 1)); do
        head -c "$n" "$SRC/examples/tiny_cnn.weights" > "$WORK/gen/w/tiny_cnn.weights"
        check 0 "$WORK/gen/w/model.graph" -o "$P/out.so"
        check 0 run "$WORK/gen/w/model.graph"
    done
    npy=$SRC/examples/mlp_x.npy
    nsize=$(stat -c %s "$npy")
    for n in 0 5 9 10 40 127 128 129 $((nsize - 1)); do
        head -c "$n" "$npy" > "$WORK/gen/x_$n.npy"
        check_npy "$WORK/gen/x_$n.npy"
    done

    # --- FIFOs where files are expected: refused, never waited on ---------------------------
    mkdir -p "$WORK/gen/fifo"
    mkfifo "$WORK/gen/fifo/model.graph" "$WORK/gen/fifo/w.weights" "$WORK/gen/fifo/x.npy" "$WORK/gen/fifo/m.so"
    printf 'graph "f" {\n  weights "w.weights"\n  input %%x : f32[2]\n  output %%x\n}\n' > "$WORK/gen/fifo/g.graph"
    check_model "$WORK/gen/fifo/model.graph"
    check_model "$WORK/gen/fifo/g.graph"
    check_npy "$WORK/gen/fifo/x.npy"
    check_so "$WORK/gen/fifo/m.so"

    # --- compiled models: truncated, corrupted, or not ours ---------------------------------
    if "$IC" "$SRC/examples/embed.graph" -o "$WORK/gen/embed.so" 2> "$P/err"; then
        ssize=$(stat -c %s "$WORK/gen/embed.so")
        for n in 0 4 63 64 1000 $((ssize / 2)) $((ssize - 100)) $((ssize - 1)); do
            head -c "$n" "$WORK/gen/embed.so" > "$WORK/gen/cut_$n.so"
            check_so "$WORK/gen/cut_$n.so"
        done
    else
        failures=$((failures + 1))
        echo "FAIL: compiling examples/embed.graph: $(cat "$P/err")"
    fi
    LIBM=$(cc -print-file-name=libm.so.6)
    [[ -f $LIBM ]] && check_so "$LIBM"
    check_so /dev/null
    check_so "$WORK/gen"
    check 0 run /proc/self/exe
    # shared objects that speak the ABI badly (built with cc here)
    fake abi7 '7, {0}, "sse", "a", 1, 1, good, good'
    fake null_tables '1, {0}, "sse", "a", 3, 3, 0, 0'
    fake bad_dtype '1, {0}, "sse", "a", 1, 1, (const inductc_tensor_info[]){{"x", 99, 2, dims}}, good'
    fake huge_count '1, {0}, "sse", "a", 4000000000u, 1, good, good'
    fake create_fails '1, {0}, "sse", "a", 1, 1, good, good'
    for name in abi7 null_tables bad_dtype huge_count; do check_so "$WORK/gen/$name.so"; done
    check 0 run "$WORK/gen/create_fails.so" # info needs no instance: only run must fail

    # --- ONNX files cut short (when the ONNX test data is installed) -------------------------
    local onnx_dir=/usr/share/libonnx-testdata/data m osize
    for m in node/test_relu/model.onnx node/test_conv_with_strides_padding/model.onnx \
        simple/test_single_relu_model/model.onnx; do
        [[ -f $onnx_dir/$m ]] || continue
        osize=$(stat -c %s "$onnx_dir/$m")
        for n in 1 2 10 $((osize / 3)) $((osize / 2)) $((osize - 1)); do
            head -c "$n" "$onnx_dir/$m" > "$WORK/gen/cut_$n.onnx"
            check 0 "$WORK/gen/cut_$n.onnx" -o "$P/out.so"
        done
    done

    # --- hostile arguments: newlines and escapes stay inside one line --------------------------
    check 0 $'--no\nsuch\x1b[2J-option' x.graph
    check 0 run "$SRC/examples/mlp.graph" --input $'x\n\ny=/dev/null'
    check 0 run "$SRC/examples/mlp.graph" --input "x=$WORK/missing"$'\n\r\x1b[31mred.npy'
    check 0 "$SRC/examples/mlp.graph" --stop-after $'dce\nfold'
    check 0 cache $'list\nclear'
}

# run_part NAME FUNCTION: runs the part in the background; its log and counts land in $WORK/NAME.
run_part() {
    P=$WORK/$1
    mkdir -p "$P/run"
    ("$2" > "$P/log" 2>&1; echo "$checks $failures" > "$P/result") &
}
run_part corpus part_corpus
run_part generated part_generated
wait
total_checks=0
total_failures=0
for part in corpus generated; do
    cat "$WORK/$part/log"
    read -r c f < "$WORK/$part/result" || { c=0; f=1; echo "FAIL: part $part did not finish"; }
    total_checks=$((total_checks + c))
    total_failures=$((total_failures + f))
done
echo "hostile.sh: $total_checks checks, $total_failures failed"
[[ $total_failures == 0 ]]

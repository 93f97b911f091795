#!/usr/bin/env bash
# ci_extra.sh — the CI steps after the main test run (.ci/run calls it):
#
#   1. the test suite again, built with AddressSanitizer + UndefinedBehavior-
#      Sanitizer (-DIC_SANITIZE=ON, in ./build-asan);
#   2. every libFuzzer target of tests/fuzz (clang, -DIC_FUZZ=ON, in
#      ./build-fuzz), each for FUZZ_SECONDS (default 20) from a scratch copy
#      of its seed corpus plus the hostile inputs of the same kind.
#
#     tools/ci_extra.sh [asan|fuzz]...    # default: both
#
# Sanitizer settings: LeakSanitizer stays on, but with use_tls=0, because its
# scan of dynamic TLS faults once a model .so with thread-local data was
# dlclose'd while OpenMP worker threads live (a libsanitizer bug in GCC 12:
# "Tracer caught signal 11"; reproduced with `inductc run` and 2 threads).
# tools/lsan.supp suppresses what that leaves of libgomp's pool, and glibc's
# dlopen bookkeeping; print_suppressions=0 keeps stderr to the one line the
# error tests check. The ONNX conformance suite (label onnx) is left out of
# the ASan run: it compiles hundreds of models and runs in the main run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
steps=("$@")
((${#steps[@]})) || steps=(asan fuzz)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-use_tls=0:print_suppressions=0:suppressions=$ROOT/tools/lsan.supp}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

asan() {
    echo "ci_extra: ASan+UBSan build and test suite (build-asan)"
    cmake -S "$ROOT" -B "$ROOT/build-asan" -DCMAKE_BUILD_TYPE=Debug -DIC_SANITIZE=ON -DIC_WERROR=$werror > /dev/null
    cmake --build "$ROOT/build-asan" -j2
    ctest --test-dir "$ROOT/build-asan" --output-on-failure -j2 -LE onnx
}

# The seed corpus of fuzz target NAME: corpus_NAME, else corpus_<NAME up to its first '_'>.
corpus_of() {
    local name=${1#fuzz_} dir=$ROOT/tests/fuzz
    if [[ -d $dir/corpus_$name ]]; then echo "$dir/corpus_$name"; else echo "$dir/corpus_${name%%_*}"; fi
}

fuzz() {
    echo "ci_extra: libFuzzer targets (build-fuzz), $FUZZ_SECONDS s each"
    command -v clang > /dev/null || { echo "ci_extra: clang is missing (tools/setup.sh installs it)" >&2; exit 1; }
    cmake -S "$ROOT" -B "$ROOT/build-fuzz" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DIC_SANITIZE=ON -DIC_FUZZ=ON > /dev/null
    cmake --build "$ROOT/build-fuzz" -j2 --target fuzz_targets
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    for bin in "$ROOT"/build-fuzz/tests/fuzz/fuzz_*; do
        [[ -x $bin && -f $bin ]] || continue
        local name corpus dict=() args=()
        name=$(basename "$bin")
        corpus=$(corpus_of "$name")
        mkdir -p "$work/$name"
        [[ -d $corpus ]] && cp -r "$corpus"/. "$work/$name/"
        # the hostile inputs of the same kind (tests/hostile/*.graph for corpus_graph) are seeds too
        local kind=${corpus##*/corpus_}
        for f in "$ROOT"/tests/hostile/*."$kind"; do [[ -f $f ]] && cp "$f" "$work/$name/"; done
        for d in "$ROOT/tests/fuzz/${name#fuzz_}.dict" "$ROOT/tests/fuzz/$(basename "$corpus" | sed 's/^corpus_//').dict"; do
            if [[ -f $d ]]; then dict=("-dict=$d"); break; fi
        done
        # a fixed seed keeps CI reproducible; FUZZ_SEED=0 asks libFuzzer for a random one
        args=(-seed="${FUZZ_SEED:-1}" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1
              -artifact_prefix="$work/crash-$name-" "${dict[@]}" "$work/$name")
        echo "ci_extra: $name from $(basename "$corpus") ($(ls "$work/$name" | wc -l) seeds)"
        if ! "$bin" "${args[@]}" > "$work/$name.log" 2>&1; then
            tail -n 60 "$work/$name.log"
            for c in "$work"/crash-"$name"-*; do
                [[ -f $c ]] || continue
                echo "ci_extra: $name failed on $(basename "$c"), base64:"
                base64 -w 0 "$c" | head -c 8192
                echo
            done
            echo "ci_extra: fuzz target $name failed" >&2
            return 1
        fi
        grep -E '^stat::number_of_executed_units|^Done ' "$work/$name.log" || true
    done
}

for s in "${steps[@]}"; do
    case $s in
    asan) asan ;;
    fuzz) fuzz ;;
    *) echo "usage: tools/ci_extra.sh [asan|fuzz]..." >&2; exit 2 ;;
    esac
done
echo "ci_extra: all passed"

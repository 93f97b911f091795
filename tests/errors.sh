#!/usr/bin/env bash
# errors.sh — expected-error cases from tests/error/, run through the CLI.
#
#     bash tests/errors.sh <inductc-bin> <source-dir> <build-dir>
#
# Each case is tests/error/NAME.expect, optionally with an input file
# tests/error/NAME.<ext> beside it. An .expect file holds lines
#     args: ARGS     the inductc arguments (default: "{file} -o {tmp}/out.so")
#     env: K=V       extra environment (repeatable)
#     exit: N        the expected exit status (default 1)
#     stderr: TEXT   a substring of the expected message
# and # comments. In args, env and stderr, {file} is the case's input file,
# {src} the source dir, {tmp} a fresh scratch dir, {libm} the system libm.so.
# Every case must exit with the stated status (never a signal), print exactly
# one line on stderr starting with "inductc: ", and nothing on stdout.
set -uo pipefail

IC=$1
SRC=$2
ERRDIR=$SRC/tests/error
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LIBM=$(cc -print-file-name=libm.so.6 2>/dev/null || echo /nonexistent)

failures=0
count=0

subst() {
    local s=$1
    s=${s//\{file\}/$file}
    s=${s//\{src\}/$SRC}
    s=${s//\{tmp\}/$tmp}
    s=${s//\{libm\}/$LIBM}
    printf '%s' "$s"
}

for expect in "$ERRDIR"/*.expect; do
    name=$(basename "$expect" .expect)
    count=$((count + 1))
    file=
    for f in "$ERRDIR/$name".*; do
        [[ $f == "$expect" ]] && continue
        file=$f
    done
    tmp=$WORK/$name
    mkdir -p "$tmp"

    args='{file} -o {tmp}/out.so'
    want_exit=1
    want_err=
    envs=()
    while IFS= read -r line || [[ -n $line ]]; do
        case $line in
        args:*) args=${line#args:} ;;
        env:*) envs+=("$(subst "${line#env: }")") ;;
        exit:*) want_exit=${line#exit:}; want_exit=${want_exit// /} ;;
        stderr:*) want_err=${line#stderr: } ;;
        '' | '#'*) ;;
        *) echo "FAIL $name: bad line in $expect: $line"; failures=$((failures + 1)); continue 2 ;;
        esac
    done < "$expect"
    args=$(subst "$args")
    want_err=$(subst "$want_err")
    read -r -a argv <<< "$args"

    env "${envs[@]}" "$IC" "${argv[@]}" > "$tmp/stdout" 2> "$tmp/stderr" < /dev/null
    code=$?
    nlines=$(wc -l < "$tmp/stderr")
    first=$(head -n 1 "$tmp/stderr")

    problem=
    if ((code >= 128)); then
        problem="killed by signal $((code - 128))"
    elif [[ $code != "$want_exit" ]]; then
        problem="exit status $code, want $want_exit"
    elif [[ $nlines != 1 ]]; then
        problem="$nlines lines on stderr, want 1"
    elif [[ $first != "inductc: "* ]]; then
        problem="stderr does not start with 'inductc: '"
    elif [[ $first != *"$want_err"* ]]; then
        problem="stderr lacks '$want_err'"
    elif [[ -s $tmp/stdout ]]; then
        problem="unexpected output on stdout"
    fi
    if [[ -n $problem ]]; then
        failures=$((failures + 1))
        echo "FAIL $name: $problem"
        echo "  command: ${envs[*]} inductc $args"
        sed 's/^/  stderr: /' "$tmp/stderr" | head -n 5
    else
        echo "ok   $name: $first"
    fi
done

echo "$((count - failures)) of $count error cases passed"
((failures == 0))

#!/usr/bin/env bash
# tests/fuzz/run.sh [--seconds N] [--jobs N] [--save] [TARGET...] - runs the
# libFuzzer targets (csv, term, cursor, redact, render; default all) for N
# seconds each (default 20) on their saved corpus, under AddressSanitizer and
# UndefinedBehaviorSanitizer, JOBS at a time (default 2). New inputs go to a
# scratch copy; --save merges the ones that add coverage into
# tests/fuzz/corpus/<target>/ and copies any crash there as a regression
# input. Prints one line per target (runs, executions per second) and ends
# with `fuzz: N passed, M failed`; exit 1 when a target failed.
#
#   tests/fuzz/run.sh                       what ./test runs (about 20 s a target)
#   tests/fuzz/run.sh --seconds 3600 --save csv   an hour on the CSV reader
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${FUZZ_BUILD:-$ROOT/build-fuzz}
SECONDS_EACH=20
JOBS=2
SAVE=0
TARGETS=()
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) SECONDS_EACH=$2; shift 2 ;;
        --jobs) JOBS=$2; shift 2 ;;
        --save) SAVE=1; shift ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(csv term cursor redact render)

if ! "$ROOT/tests/fuzz/build.sh" "$OUT"; then
    echo "fuzz: 0 passed, ${#TARGETS[@]} failed"
    exit 1
fi

# one TARGET: run it; its summary line goes to OUT/TARGET.result.
one() {
    local t=$1 corpus=$ROOT/tests/fuzz/corpus/$t work=$OUT/work/$t log=$OUT/$t.run.log
    rm -rf "$work" && mkdir -p "$work" "$OUT/crashes" "$corpus"
    cp -r "$corpus"/. "$work"/ 2>/dev/null
    local before
    before=$(find "$work" -type f | wc -l)
    # Options: a hang (10 s) or 2 GB of memory is a failure too; the
    # dictionary-free defaults otherwise.
    "$OUT/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 -artifact_prefix="$OUT/crashes/$t-" \
        "$work" >"$log" 2>&1
    local rc=$? runs secs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    local after
    after=$(find "$work" -type f | wc -l)
    if [ $rc = 0 ]; then
        printf 'fuzz %-6s ok: %s runs in %s s (%s exec/s), corpus %s -> %s inputs\n' "$t" \
            "${runs:-?}" "${secs:-?}" "$(( ${runs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) ))" \
            "$before" "$after" >"$OUT/$t.result"
        if [ $SAVE = 1 ]; then
            "$OUT/fuzz-$t" -merge=1 "$corpus" "$work" >>"$log" 2>&1
        fi
    else
        local crash
        crash=$(ls -t "$OUT/crashes/$t-"* 2>/dev/null | head -n 1)
        {
            printf 'fuzz %-6s FAILED (exit %s), input saved as %s\n' "$t" "$rc" "${crash:-?}"
            grep -E 'ERROR|runtime error|Assertion|SUMMARY|^conninfo|^message|^redacted' "$log" | head -n 8
        } >"$OUT/$t.result"
        if [ $SAVE = 1 ] && [ -n "$crash" ]; then
            cp "$crash" "$corpus/regress-$(basename "$crash" | sed "s/^$t-//")"
        fi
        return 1
    fi
}

passed=0
failed=0
for ((i = 0; i < ${#TARGETS[@]}; i += JOBS)); do
    pids=()
    for t in "${TARGETS[@]:i:JOBS}"; do
        one "$t" &
        pids+=("$!:$t")
    done
    for p in "${pids[@]}"; do
        if wait "${p%%:*}"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
        cat "$OUT/${p#*:}.result"
    done
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]

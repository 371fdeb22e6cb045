#!/usr/bin/env bash
# tests/bench/recent_writes.sh [RATE] [RUNS] - recent pages while writers
# work, beside the same pages without them, in one run. Alternates: the
# recent pages (convo-bench --recent-only, RUNS runs a page, default 200)
# with no writer, then while `convo-seed --live RATE` (default 1,000
# messages a second, 4 connections) writes, then once more of each. Prints
# each page's p50 and p99 for both, and what the writers managed. Needs a
# seeded database and a release build; uses the database ./run uses (or
# PG*). Writes RATE messages a second for the length of the reads; they
# stay (they are ordinary messages from the generator). Not part of ./test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CONVO_BUILD:-$ROOT/build}
RATE=${1:-1000}
RUNS=${2:-200}
if [ -z "${PGHOST:-}${DATABASE_URL:-}" ]; then eval "$("$ROOT/run" env)"; export PGHOST PGPORT PGDATABASE PGUSER; fi
WORK=$(mktemp -d)
writer=
cleanup() { [ -z "$writer" ] || kill "$writer" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
printf 'recent pages with and without %s messages/s written; %s contacts; %s cores, load average %s at the start\n' \
    "$RATE" "$(q 'select count(*) from contacts')" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

pages() { "$BUILD/core/convo-bench" --recent-only --no-naive --runs "$RUNS" --json 2>/dev/null; }

# round N: the pages without, then with the writers, to WORK/{quiet,busy}.N
round() {
    pages >"$WORK/quiet.$1"
    local since n
    since=$(q "select now()")
    "$BUILD/seeder/convo-seed" --live "$RATE" --duration 600 --connections 4 >/dev/null 2>&1 &
    writer=$!
    sleep 2
    local t0=$SECONDS
    pages >"$WORK/busy.$1"
    local secs=$((SECONDS - t0))
    kill "$writer" 2>/dev/null || true
    wait "$writer" 2>/dev/null || true
    writer=
    n=$(q "select count(*) from messages where created_at >= '$since'")
    echo "round $1: the writers added $n messages in $((secs + 2)) s ($((n / (secs + 2))) a second) while the pages were read" >&2
}
round 1
round 2

python3 - "$WORK" <<'PY'
import json, sys, glob, statistics
work = sys.argv[1]
def load(kind):
    out = {}
    for f in sorted(glob.glob(f"{work}/{kind}.*")):
        for line in open(f):
            r = json.loads(line)
            # The writers add contacts: the last page's number moves.
            case = "last page" if "(last)" in r["case"] else r["case"]
            out.setdefault(case, []).append((r["p50_ms"], r["p99_ms"]))
    return out
quiet, busy = load("quiet"), load("busy")
print("\n| recent page | p50 no writers | p50 writing | p99 no writers | p99 writing | goal |")
print("| --- | --- | --- | --- | --- | --- |")
for case in (c for c in quiet if c in busy):
    q50 = statistics.median(x[0] for x in quiet[case]); b50 = statistics.median(x[0] for x in busy[case])
    q99 = max(x[1] for x in quiet[case]); b99 = max(x[1] for x in busy[case])
    print(f"| {case} | {q50:.2f} ms | {b50:.2f} ms | {q99:.2f} ms | {b99:.2f} ms | p99 <= 2 ms |")
print("\np50: median of the rounds' p50s; p99: the worse round's p99")
PY
printf 'load average %s at the end\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# tests/bench/seed.sh [MESSAGES [CONTACTS]] - the seed against a naive load
# of the same rows. Seeds MESSAGES (default 5,000,000) and CONTACTS
# (default 100,000) with real-length bodies (core/bench/corpus.py's lines,
# given as --csv, about 100 characters each) into a scratch database and
# times it. Then loads the same rows the straightforward way: one COPY per
# table, in one transaction each, into a second database whose schema is
# convo's, applied file by file beforehand (every index, trigger and month
# in place), and an ANALYZE, as the seed ends with one. Prints both times
# and their ratio. Uses the cluster ./run uses (or PG*); the scratch
# databases and files are removed at the end.
# Not part of ./test: it is a measurement, not a check.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CONVO_BUILD:-$ROOT/build}
N=${1:-5000000}
C=${2:-100000}
if [ -z "${PGHOST:-}${DATABASE_URL:-}" ]; then eval "$("$ROOT/run" env)"; export PGHOST PGPORT PGDATABASE PGUSER; fi

SEEDED=convo_bench_seed_$$ NAIVE=convo_bench_naive_$$
work=$(mktemp -d)
admin() { psql -X -q -d postgres -c "set client_min_messages = warning" -c "$1" >/dev/null; }
cleanup() {
    for d in "$SEEDED" "$NAIVE"; do admin "drop database if exists \"$d\" with (force)"; done
    rm -rf "$work"
}
trap cleanup EXIT
for d in "$SEEDED" "$NAIVE"; do admin "create database \"$d\""; done
now() { date +%s.%N; }

python3 "$ROOT/core/bench/corpus.py" --lines 190000 >"$work/corpus.csv"
printf 'seed vs naive load, %s messages, %s contacts, bodies from %s corpus lines;' "$N" "$C" \
    "$(wc -l <"$work/corpus.csv")"
printf ' %s cores, load average %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

t0=$(now)
"$BUILD/seeder/convo-seed" --db "dbname=$SEEDED" --contacts "$C" --messages "$N" --seed 42 \
    --csv "$work/corpus.csv" >/dev/null 2>"$work/seed.err" \
    || { cat "$work/seed.err" >&2; exit 1; }
t1=$(now)

# The same rows, out to files first: the naive load is timed from files.
psql -X -q -d "$SEEDED" -c "copy (select id, phone_number, name, created_at, updated_at
    from contacts order by id) to stdout" >"$work/contacts.copy"
psql -X -q -d "$SEEDED" -c "copy (select id, contact_id, direction, content, created_at
    from messages order by id) to stdout" >"$work/messages.copy"
range=$(psql -X -Atq -d "$SEEDED" -c "select min(created_at)::date || ' ' || max(created_at)::date from messages")

for f in "$ROOT"/schema/[0-9]*.sql; do
    PGOPTIONS='-c client_min_messages=warning' \
        psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$NAIVE" -f "$f" >/dev/null
done
psql -X -q -v ON_ERROR_STOP=1 -d "$NAIVE" -c "select count(public.convo_month_partition(d::date))
    from generate_series(date_trunc('month', '${range% *}'::date), '${range#* }'::date,
                         interval '1 month') d" >/dev/null

t2=$(now)
psql -X -q -v ON_ERROR_STOP=1 -d "$NAIVE" \
    -c "copy contacts (id, phone_number, name, created_at, updated_at) from stdin" <"$work/contacts.copy"
psql -X -q -v ON_ERROR_STOP=1 -d "$NAIVE" \
    -c "copy messages (id, contact_id, direction, content, created_at) from stdin" <"$work/messages.copy"
psql -X -q -v ON_ERROR_STOP=1 -d "$NAIVE" -c "analyze"
t3=$(now)

same=$(psql -X -Atq -d "$NAIVE" -c "select count(*) from messages")
[ "$same" = "$N" ] || { echo "the naive load holds $same messages, not $N" >&2; exit 1; }
awk -v s="$t0" -v e="$t1" -v ns="$t2" -v ne="$t3" 'BEGIN {
    seed = e - s; naive = ne - ns
    printf "| load | seconds |\n| --- | --- |\n"
    printf "| convo-seed --csv (generate, COPY, indexes after, ANALYZE) | %.1f |\n", seed
    printf "| naive: COPY into the finished schema, ANALYZE | %.1f |\n", naive
    printf "ratio naive / seed: %.2fx (goal: seed <= 90 s)\n", naive / seed
}'

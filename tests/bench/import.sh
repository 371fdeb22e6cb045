#!/usr/bin/env bash
# tests/bench/import.sh [MESSAGES] - importing a user's database against
# seeding the same number of generated messages, on the same cluster: seeds
# MESSAGES (default 60000) into a scratch database, copies them into a
# second one in the plain schema (serial ids, timestamp without time
# zone, no name, no direction), imports that into a third with
# convo-seed --from, and prints both times. Uses the cluster ./run uses (or
# PG*); the scratch databases are dropped at the end.
# Not part of ./test: it is a measurement, not a check.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CONVO_BUILD:-$ROOT/build}
N=${1:-60000}
if [ -z "${PGHOST:-}${DATABASE_URL:-}" ]; then eval "$("$ROOT/run" env)"; export PGHOST PGPORT PGDATABASE PGUSER; fi

SEEDED=convo_bench_seeded_$$ SOURCE=convo_bench_source_$$ IMPORTED=convo_bench_imported_$$
admin() { psql -X -q -d postgres -c "set client_min_messages = warning" -c "$1" >/dev/null; }
cleanup() { for d in "$SEEDED" "$SOURCE" "$IMPORTED"; do admin "drop database if exists \"$d\" with (force)"; done; }
trap cleanup EXIT
for d in "$SEEDED" "$SOURCE" "$IMPORTED"; do admin "create database \"$d\""; done
now() { date +%s.%N; }

printf 'import vs seed, %s messages, %s contacts; %s cores, load average %s\n' "$N" $((N / 30)) \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

t0=$(now)
"$BUILD/seeder/convo-seed" --db "dbname=$SEEDED" --contacts $((N / 30)) --messages "$N" --seed 42 \
    --end '2026-06-01 00:00:00' >/dev/null 2>&1
t1=$(now)

psql -X -q -v ON_ERROR_STOP=1 -d "$SOURCE" <<'EOF'
CREATE TABLE contacts (id serial PRIMARY KEY, phone_number varchar, created_at timestamp, updated_at timestamp);
CREATE TABLE messages (id serial PRIMARY KEY, contact_id integer REFERENCES contacts, content text, created_at timestamp);
EOF
psql -X -q -d "$SEEDED" -c "copy (select id, phone_number, created_at at time zone 'UTC',
    updated_at at time zone 'UTC' from contacts order by id) to stdout" \
    | psql -X -q -d "$SOURCE" -c "copy contacts from stdin"
psql -X -q -d "$SEEDED" -c "copy (select id, contact_id, content, created_at at time zone 'UTC'
    from messages order by id) to stdout" \
    | psql -X -q -d "$SOURCE" -c "copy messages from stdin"
psql -X -q -d "$SOURCE" -c "vacuum analyze"

t2=$(now)
"$BUILD/seeder/convo-seed" --from "dbname=$SOURCE" --db "dbname=$IMPORTED" >"/tmp/convo_bench_import_$$" 2>/dev/null
t3=$(now)
grep -E '^(  source|  imported|    (scan|contacts|copy|index content_trgm|analyze|together) )' \
    "/tmp/convo_bench_import_$$" || true
rm -f "/tmp/convo_bench_import_$$"

[ "$(psql -X -At -d "$IMPORTED" -c 'select count(*) from messages')" = "$N" ] \
    || { echo "the import lost rows" >&2; exit 1; }
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v n="$N" 'BEGIN {
    s = t1 - t0; i = t3 - t2
    printf "seed   %d generated messages: %6.2f s (%.0f rows/s)\n", n, s, n / s
    printf "import %d messages (plain schema): %6.2f s (%.0f rows/s), %.2fx the seed\n", n, i, n / i, i / s
}'

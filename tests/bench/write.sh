#!/usr/bin/env bash
# tests/bench/write.sh [SECONDS] - write throughput through the full insert
# path (latest-message pointer, change notification) and read latency while
# it runs. Needs a seeded database (the default 100k/5M set for the README's
# figures) and a release build; uses the database ./run uses (or PG*).
#
#   1. pgbench, one-row INSERT transactions, 1 and 8 connections, 8 s each
#   2. convo-seed --live 0 (as fast as it goes) on 8 connections: the ceiling,
#      with what the writers waited on (sampled from pg_stat_activity)
#   3. convo-seed --live 4000 for SECONDS (default 60) and, meanwhile,
#      convo-bench without the baseline: recent pages and searches under load
# Not part of ./test: it takes minutes and writes thousands of rows.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CONVO_BUILD:-$ROOT/build}
SECS=${1:-60}
if [ -z "${PGHOST:-}${DATABASE_URL:-}" ]; then eval "$("$ROOT/run" env)"; export PGHOST PGPORT PGDATABASE PGUSER; fi

say() { printf '\n== %s\n' "$*"; }
q() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }

printf 'write benchmark on %s contacts, %s messages; %s cores, load average %s\n' \
    "$(q 'select count(*) from contacts')" "$(q "select reltuples::bigint from pg_class where relname = 'messages'" | sed 's/^-1$/?/')" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
start_id=$(q "select coalesce(max(last_message_id), 0) from contacts")
ncontacts=$(q "select max(id) from contacts")

say "pgbench: one-row INSERT transactions into messages (pointer trigger + NOTIFY)"
script=$(mktemp)
printf '\\set c random(1, %s)\nINSERT INTO messages (contact_id, direction, content) VALUES (:c, '"'"'in'"'"', '"'"'pgbench message'"'"');\n' "$ncontacts" >"$script"
for c in 1 8; do
    printf '%d connection(s): ' "$c"
    pgbench -n -f "$script" -c "$c" -j "$c" -T 8 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1 tx\/s/p'
done
rm -f "$script"

# sample_waits PID: what the --live connections wait on, until PID ends.
sample_waits() {
    local pid=$1 out
    out=$(mktemp)
    while kill -0 "$pid" 2>/dev/null; do
        q "select coalesce(wait_event_type || ':' || wait_event, 'CPU') from pg_stat_activity
           where application_name = 'convo-seed --live' and state = 'active'" >>"$out" 2>/dev/null || true
        sleep 0.1
    done
    printf 'what the writers were doing (share of samples):\n'
    sort "$out" | uniq -c | sort -rn | awk -v n="$(wc -l <"$out")" 'NR <= 6 { printf "  %5.1f%%  %s\n", 100 * $1 / n, $2 }'
    rm -f "$out"
}

say "ceiling: convo-seed --live 0 (as fast as possible), 8 connections, 15 s"
"$BUILD/seeder/convo-seed" --live 0 --duration 15 --connections 8 &
pid=$!
sample_waits $pid
wait $pid

say "sustained: convo-seed --live 4000 for $SECS s, reads measured meanwhile"
"$BUILD/seeder/convo-seed" --live 4000 --duration "$SECS" --connections 8 &
pid=$!
sleep 3
"$BUILD/core/convo-bench" --no-naive --quick --runs 30 2>/dev/null \
    | grep -E '^\| (kind|recent|search) ' | grep -E 'kind|page 1 |page 2 |"the"|"pizza"|"zebra"|"weekend"|"café"|"a" ' || true
wait $pid

say "pointer check after the run"
wrong=$(q "select count(*) from contacts c
           left join lateral (select created_at, id from messages m where m.contact_id = c.id
                              order by created_at desc, id desc limit 1) l on true
           where c.id in (select distinct contact_id from messages where id > $start_id)
             and (c.last_message_at is distinct from l.created_at or c.last_message_id is distinct from l.id)")
echo "contacts written to whose pointer is not their latest message: $wrong"

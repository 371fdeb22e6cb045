#!/usr/bin/env bash
# tests/bench/cost.sh [ROUNDS] - what convo's triggers (the latest-message
# pointer and the change notification) cost the writers of the database.
# Each write is timed with the triggers on and with
# `ALTER TABLE messages DISABLE TRIGGER USER`, alternating, ROUNDS times
# (default 3); the table shows the median of each and their ratio (the
# share of the bare rate convo keeps).
#
#   one-row INSERT     pgbench, 1 and 8 connections, 5 s a round, committed;
#                      the rows are removed again after each round (with
#                      the triggers as they were while the rows went in)
#   COPY               100,000 rows into the existing months, one statement
#   UPDATE, DELETE     2,000 single-row statements each: the content of a
#                      random message; a contact's newest message
# COPY, UPDATE and DELETE run in a transaction that is rolled back, so the
# data (and every pointer) is as before. Needs a seeded database and a
# release build; uses the database ./run uses (or PG*). Not part of ./test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=${1:-3}
if [ -z "${PGHOST:-}${DATABASE_URL:-}" ]; then eval "$("$ROOT/run" env)"; export PGHOST PGPORT PGDATABASE PGUSER; fi

q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
WORK=$(mktemp -d)
cleanup() {
    q "ALTER TABLE messages ENABLE TRIGGER USER" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

ncontacts=$(q "select max(id) from contacts")
printf 'cost of convo'"'"'s triggers on %s contacts, %s messages; %s cores, load average %s at the start\n' \
    "$(q 'select count(*) from contacts')" \
    "$(q "select sum(reltuples)::bigint from pg_class c join pg_inherits i on i.inhrelid = c.oid where i.inhparent = 'messages'::regclass")" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

# triggers on|off: the state of convo's triggers on messages.
triggers() {
    q "ALTER TABLE messages $([ "$1" = on ] && echo ENABLE || echo DISABLE) TRIGGER USER" >/dev/null
}

# --- one-row INSERTs, committed ------------------------------------------------
printf '\\set c random(1, %s)\nINSERT INTO messages (contact_id, direction, content) VALUES (:c, '"'"'in'"'"', '"'"'convo cost bench'"'"');\n' \
    "$ncontacts" >"$WORK/insert.sql"

# insert_rate CONNECTIONS STATE: tx/s of one round, its rows removed after.
insert_rate() {
    triggers "$2"
    local tps
    tps=$(pgbench -n -f "$WORK/insert.sql" -c "$1" -j "$1" -T 5 2>/dev/null \
          | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    # Removed under the same trigger state as they went in: with the
    # triggers on the pointer moves back; off, it never moved.
    q "DELETE FROM messages WHERE content = 'convo cost bench'
         AND created_at > now() - interval '1 hour'" >/dev/null
    triggers on
    echo "${tps:-0}"
}

# --- statements in a rolled-back transaction -----------------------------------
# A file of 100,000 rows for COPY, in the newest existing month.
q "COPY (SELECT 1 + (g % $ncontacts), CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END,
              'convo cost bench copy ' || g,
              now() - interval '1 day' * random() * 7
         FROM generate_series(1, 100000) g) TO STDOUT" >"$WORK/copy.tsv"

# timed_ms STATE SQL: milliseconds of SQL in a transaction that is rolled back.
timed_ms() {
    local state=$1 sql=$2 disable=""
    [ "$state" = off ] && disable="ALTER TABLE messages DISABLE TRIGGER USER;"
    psql -X -q -v ON_ERROR_STOP=1 <<EOF | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
BEGIN;
$disable
\timing on
$sql
\timing off
ROLLBACK;
EOF
}

copy_sql="\\copy messages (contact_id, direction, content, created_at) from '$WORK/copy.tsv'"
update_sql="DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT created_at, id FROM messages TABLESAMPLE SYSTEM (1) LIMIT 2000 LOOP
    UPDATE messages SET content = content || '.' WHERE created_at = r.created_at AND id = r.id;
  END LOOP; END \$\$;"
delete_sql="DO \$\$ DECLARE r record; BEGIN
  FOR r IN SELECT last_message_at, last_message_id FROM contacts
            WHERE last_message_id IS NOT NULL ORDER BY random() LIMIT 2000 LOOP
    DELETE FROM messages WHERE created_at = r.last_message_at AND id = r.last_message_id;
  END LOOP; END \$\$;"
chmod 0755 "$WORK"; chmod 0644 "$WORK/copy.tsv"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME KIND ARG: ROUNDS alternating rounds, each state's median to
# $WORK/NAME.on and .off. KIND rate: ARG connections; time: ARG is SQL.
measure() {
    local name=$1 kind=$2 arg=$3 r state
    : >"$WORK/$name.on"; : >"$WORK/$name.off"
    for r in $(seq "$ROUNDS"); do
        for state in on off; do
            if [ "$kind" = rate ]; then
                insert_rate "$arg" "$state" >>"$WORK/$name.$state"
            else
                timed_ms "$state" "$arg" >>"$WORK/$name.$state"
            fi
        done
    done
}

measure insert1 rate 1
measure insert8 rate 8
measure copy time "$copy_sql"
measure update time "$update_sql"
measure delete time "$delete_sql"

# row NAME LABEL UNIT GOAL: one line of the table; rates as measured, times
# turned into rows per second (COPY: 100,000 rows; the others 2,000).
row() {
    local name=$1 label=$2 unit=$3 goal=$4 on off rows
    on=$(median <"$WORK/$name.on") off=$(median <"$WORK/$name.off")
    if [ "$unit" != tx/s ]; then
        rows=$([ "$name" = copy ] && echo 100000 || echo 2000)
        on=$(awk -v r="$rows" -v ms="$on" 'BEGIN { printf "%.0f", r / (ms / 1000) }')
        off=$(awk -v r="$rows" -v ms="$off" 'BEGIN { printf "%.0f", r / (ms / 1000) }')
    fi
    awk -v l="$label" -v on="$on" -v off="$off" -v u="$unit" -v g="$goal" \
        'BEGIN { printf "| %s | %.0f %s | %.0f %s | %.2fx | %s |\n", l, on, u, off, u, (off > 0 ? on / off : 0), g }'
}

printf '\n| write | convo'"'"'s triggers | triggers disabled | ratio | goal |\n| --- | --- | --- | --- | --- |\n'
row insert1 "one-row INSERT, 1 connection" tx/s ">= 0.8x"
row insert8 "one-row INSERT, 8 connections" tx/s ">= 0.8x"
row copy "COPY of 100,000 rows into existing months" rows/s ">= 0.8x"
row update "UPDATE of a message's content (single-row statements)" rows/s ">= 0.7x"
row delete "DELETE of a contact's newest message (single-row statements)" rows/s ">= 0.7x"
printf '\nmedians of %s alternating rounds; load average %s at the end\n' "$ROUNDS" "$(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# tests/seeder/find_db.sh SEEDER QUERY CONVO LIB - every program finds the
# database by core's one rule: with only DATABASE_URL set, with PG* set (which
# wins over DATABASE_URL), and with neither (./run's embedded cluster),
# convo-seed, convo-query and convo reach the same database. convo runs in a
# pseudo-terminal; a contact renamed between the steps must show on its
# screen and in convo-query's page.
SEEDER=$1
QUERY=$2
CONVO=$3
source "$4"
set +e

DB=convo_find_db_$$
fresh_db "$DB"
WORK=$(mktemp -d)
trap "rm -rf '$WORK'; psql -X -q -d postgres -c 'drop database if exists \"$DB\" with (force)' >/dev/null 2>&1 || true" EXIT
END='2026-03-15 18:30:00'
url="postgresql:///$DB?host=$PGHOST&port=${PGPORT:-5432}&user=$(q 'select current_user')"
PG_VARS="PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE"

# rename NAME: the contact of the newest message is called NAME.
rename() {
    q "update contacts set name = '$1' where id = (select contact_id from messages
       order by created_at desc, id desc limit 1)" >/dev/null || fail "cannot rename a contact"
}

# tui_shows NAME: convo, started in a pseudo-terminal, draws NAME (its list
# opens on the newest conversation) within 30 s.
tui_shows() {
    : >"$WORK/tui"
    COLUMNS=100 LINES=30 TERM=xterm timeout 40 \
        script -qec "$(printf '%q' "$CONVO")" /dev/null </dev/null >"$WORK/tui" 2>&1 &
    local pid=$! deadline=$((SECONDS + 30)) found=1
    while [ $SECONDS -lt $deadline ]; do
        if grep -qF -- "$1" "$WORK/tui"; then
            found=0
            break
        fi
        kill -0 $pid 2>/dev/null || break
        sleep 0.2
    done
    kill $pid 2>/dev/null
    wait $pid 2>/dev/null
    return $found
}

# --- only DATABASE_URL: convo-seed loads it, the others read it
(unset $PG_VARS
 export DATABASE_URL=$url
 "$SEEDER" --contacts 10 --messages 100 --seed 7 --end "$END" >/dev/null 2>"$WORK/err" \
     || fail "convo-seed with only DATABASE_URL: $(tail -n 3 "$WORK/err")") || exit 1
[ "$(q 'select count(*) from contacts')" = 10 ] || fail "convo-seed with only DATABASE_URL seeded elsewhere"
rename FindUrl
(unset $PG_VARS
 export DATABASE_URL=$url
 "$QUERY" recent --limit 1 >"$WORK/out" 2>"$WORK/err" || fail "convo-query with only DATABASE_URL: $(cat "$WORK/err")"
 grep -qF '"name": "FindUrl"' "$WORK/out" || fail "convo-query with only DATABASE_URL read elsewhere: $(cat "$WORK/out")"
 tui_shows FindUrl || fail "convo with only DATABASE_URL did not show its data: $(tail -c 600 "$WORK/tui")") || exit 1
pass "only DATABASE_URL: convo-seed, convo-query and convo reach its database"

# --- PG* set and DATABASE_URL naming another database: PG* wins
rename FindPg
(export DATABASE_URL="postgresql:///no_such_db_$$?host=/nonexistent"
 "$SEEDER" --contacts 10 --messages 100 --end "$END" >/dev/null 2>"$WORK/err"
 grep -q "already holds data" "$WORK/err" || fail "convo-seed with PG* set: $(cat "$WORK/err")"
 "$QUERY" recent --limit 1 >"$WORK/out" 2>"$WORK/err" || fail "convo-query with PG* set: $(cat "$WORK/err")"
 grep -qF '"name": "FindPg"' "$WORK/out" || fail "convo-query with PG* set read elsewhere: $(cat "$WORK/out")"
 tui_shows FindPg || fail "convo with PG* set did not show its data: $(tail -c 600 "$WORK/tui")") || exit 1
[ "$(q 'select count(*) from contacts')" = 10 ] || fail "the data changed"
pass "PG* set (and DATABASE_URL elsewhere): convo-seed, convo-query and convo reach PG*'s database"

# --- neither: the embedded cluster's socket, moved by CONVO_STATE
(unset $PG_VARS DATABASE_URL
 export CONVO_STATE=$WORK/no-cluster
 sock="$WORK/no-cluster/sock"
 "$SEEDER" --contacts 10 --messages 100 --end "$END" >/dev/null 2>"$WORK/err"
 grep -qF "$sock" "$WORK/err" || fail "convo-seed with neither, not the embedded cluster: $(cat "$WORK/err")"
 "$QUERY" recent >/dev/null 2>"$WORK/err"
 grep -qF "$sock" "$WORK/err" || fail "convo-query with neither, not the embedded cluster: $(cat "$WORK/err")"
 COLUMNS=100 LINES=30 TERM=xterm timeout 30 \
     script -qec "$(printf '%q' "$CONVO")" /dev/null </dev/null >"$WORK/tui" 2>&1
 grep -qF "$sock" "$WORK/tui" || fail "convo with neither, not the embedded cluster: $(cat "$WORK/tui")") || exit 1
pass "neither: convo-seed, convo-query and convo all look for the embedded cluster"

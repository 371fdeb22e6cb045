#!/usr/bin/env bash
# tests/seeder/faults.sh SEEDER QUERY LIB - faults and bad input around a
# seed: two seeders racing without --reset, the connection lost during the
# final COMMIT (before it is sent, after it is answered, the server process
# killed, the server unreachable afterwards), a SIGKILLed seeder's lock and
# leftovers, --end out of range, numbers with blanks or signs, a FIFO as
# --csv, and the one rule for finding the database.
# SEEDER is convo-seed-test (the faults of tests/seeder/seed_hooks.c);
# RELEASE, convo-seed, must know none of them.
SEEDER=$1
QUERY=$2
source "$3"
RELEASE=$4
# Exit statuses are the subject here: each step checks its own.
set +e

DB=convo_seed_faults_$$
fresh_db "$DB"
WORK=$(mktemp -d)
trap "rm -rf '$WORK'; psql -X -q -d postgres -c 'alter database \"$DB\" allow_connections true' >/dev/null 2>&1; psql -X -q -d postgres -c 'drop database if exists \"$DB\" with (force)' >/dev/null 2>&1 || true" EXIT
END='2026-03-15 18:30:00'
contacts() { q 'select count(*) from contacts'; }

# --- 1. a seed without --reset never replaces data that appeared meanwhile
# A is stopped while it generates its 1M messages: after its first look at
# the database, before it takes the lock.
q "truncate messages, contacts"
"$SEEDER" --contacts 2000 --messages 1000000 --seed 1 --end "$END" >"$WORK/a.out" 2>"$WORK/a.err" &
A=$!
sleep 1
kill -STOP $A
"$SEEDER" --contacts 3000 --messages 90000 --seed 2 --end "$END" >"$WORK/b.out" 2>"$WORK/b.err"
b=$?
kill -CONT $A
wait $A
a=$?
n=$(contacts)
if [ $a = 0 ] && [ $b = 0 ]; then
    fail "both racing seeds said they succeeded (contacts now $n)"
elif [ $b = 0 ]; then
    [ "$n" = 3000 ] || fail "the second seed succeeded but the database holds $n contacts"
    grep -q "already holds data" "$WORK/a.err" || fail "the stopped seed said: $(cat "$WORK/a.err")"
elif [ $a = 0 ]; then
    [ "$n" = 2000 ] || fail "the first seed succeeded but the database holds $n contacts"
    grep -q "another convo-seed\|already holds data" "$WORK/b.err" || fail "the second seed said: $(cat "$WORK/b.err")"
else
    fail "neither racing seed succeeded: $(tail -n1 "$WORK/a.err") / $(tail -n1 "$WORK/b.err")"
fi
pass "racing seeds without --reset: exactly one wins and its data stays ($n contacts)"

# Filled by another writer after the look under the lock: the swap, which
# looks again with the tables locked, refuses.
q "truncate messages, contacts"
"$SEEDER" --contacts 2000 --messages 100000 --seed 3 --end "$END" >/dev/null 2>"$WORK/err" &
A=$!
for _ in $(seq 1 200); do
    [ "$(q "select count(*) from pg_namespace where nspname = 'convo_stage'")" = 1 ] && break
    sleep 0.05
done
q "insert into contacts (phone_number, name) values ('+15550000001', 'Written meanwhile')"
wait $A && fail "a seed replaced data written during its load"
grep -q "already holds data" "$WORK/err" || fail "written during the load: $(tail -n1 "$WORK/err")"
[ "$(q "select string_agg(name, ',') from contacts")" = "Written meanwhile" ] \
    || fail "the row written during the load is gone"
pass "data written during a load without --reset: the swap refuses and keeps it"

# --- 2. the final COMMIT: lost before it is sent, lost after it is answered
! grep -qa CONVO_SEED_TEST "$RELEASE" || fail "the release convo-seed reads test faults"
pass "the release convo-seed has no test faults"
"$SEEDER" --reset --contacts 100 --messages 1000 --seed 4 --end "$END" >/dev/null 2>&1 \
    || fail "could not seed the base data"
CONVO_SEED_TEST_COMMIT=lose-before "$SEEDER" --reset --contacts 200 --messages 2000 --seed 5 \
    --end "$END" >/dev/null 2>"$WORK/err" && fail "a lost COMMIT that did not happen exited 0"
grep -q "found the new data was not committed (the database was left as it was)" "$WORK/err" \
    || fail "lost before COMMIT: $(tail -n1 "$WORK/err")"
[ "$(contacts)" = 100 ] || fail "lost before COMMIT, yet the data changed"
[ "$(q "select count(*) from pg_namespace where nspname = 'convo_stage'")" = 0 ] \
    || fail "the staging schema was left behind"
pass "connection lost before COMMIT: 'not committed', old data kept, exit 1"

CONVO_SEED_TEST_COMMIT=lose-after "$SEEDER" --reset --contacts 200 --messages 2000 --seed 6 \
    --end "$END" >"$WORK/out" 2>"$WORK/err" || fail "a lost COMMIT that happened exited non-zero: $(tail -n1 "$WORK/err")"
grep -q "reconnected and found the new data committed" "$WORK/err" \
    || fail "lost after COMMIT: $(tail -n1 "$WORK/err")"
[ "$(contacts)" = 200 ] || fail "lost after COMMIT: the database holds $(contacts) contacts"
grep -q 'per contact: min' "$WORK/out" || fail "no summary after a recovered COMMIT"
pass "connection lost after COMMIT: 'committed', new data, exit 0"

# The server process is stopped before COMMIT reaches it and killed after:
# whatever the seeder says must be what the database holds.
CONVO_SEED_TEST_COMMIT=kill-server \
    "$SEEDER" --reset --contacts 300 --messages 3000 --seed 7 --end "$END" >/dev/null 2>"$WORK/err"
rc=$?
n=$(contacts)
if [ $rc = 0 ]; then
    [ "$n" = 300 ] || fail "said committed, holds $n contacts"
else
    grep -q "not committed" "$WORK/err" || fail "server process killed: $(tail -n1 "$WORK/err")"
    [ "$n" = 200 ] || fail "said not committed, holds $n contacts"
fi
pass "server process killed during COMMIT: the report matches the data (exit $rc, $n contacts)"

# The server cannot be reached after the loss: the outcome is unknown.
CONVO_SEED_TEST_RECONNECT_S=1 CONVO_SEED_TEST_COMMIT=unreachable \
    "$SEEDER" --reset --contacts 400 --messages 4000 --seed 8 --end "$END" >/dev/null 2>"$WORK/err" \
    && fail "an unknown COMMIT outcome exited 0"
psql -X -q -d postgres -c "alter database \"$DB\" allow_connections true" >/dev/null
grep -q "whether the new data was committed is unknown" "$WORK/err" \
    || fail "unreachable after a lost COMMIT: $(tail -n1 "$WORK/err")"
! grep -q "left as it was" "$WORK/err" || fail "claimed the database was untouched without knowing"
pass "server unreachable after a lost COMMIT: says the outcome is unknown"
q "drop schema if exists convo_stage cascade" >/dev/null 2>&1

# --- 7. a SIGKILLed seeder: its lock is waited for, its leftovers dropped
"$SEEDER" --reset --contacts 2000 --messages 200000 --seed 9 --end "$END" >/dev/null 2>"$WORK/err" &
K=$!
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_class where relnamespace = to_regnamespace('convo_stage')")" -gt 10 ] && break
    sleep 0.1
done
kill -KILL $K
wait $K 2>/dev/null || true
left=$(q "select count(*) from pg_class where relnamespace = to_regnamespace('convo_stage')")
"$SEEDER" --reset --contacts 500 --messages 5000 --seed 10 --end "$END" >/dev/null 2>"$WORK/err" \
    || fail "the seed after a SIGKILLed one failed: $(tail -n1 "$WORK/err")"
[ "$(contacts)" = 500 ] || fail "after a SIGKILLed seed: $(contacts) contacts"
[ "$(q "select count(*) from pg_namespace where nspname = 'convo_stage'")" = 0 ] \
    || fail "the killed seed's staging schema is still there"
pass "after a SIGKILLed seed ($left staging relations left) the next seed waits for its lock and cleans up"

# --- 3. --end out of range or not a day of the calendar (Feb 30, Feb 29 of a
# common year, hour 24), numbers that are not plain digits: exit 2 at once
for end in 9223372036854 -99999999999 '10000-01-01' '99999-01-01 00:00:00' '1899-12-31' \
           ' 1700000000' '0044-03-15' '2000-02-30' '2001-02-29' '2001-04-31 12:00:00' \
           '2001-01-01 24:00:00' '2001-01-01 23:59:60'; do
    timeout 20 "$SEEDER" --contacts 10 --messages 100 --end "$end" --db "dbname=$DB" \
        >/dev/null 2>"$WORK/err"
    rc=$?
    [ $rc = 2 ] || fail "--end '$end' exited $rc: $(cat "$WORK/err")"
    grep -q -- "--end" "$WORK/err" || fail "--end '$end': $(cat "$WORK/err")"
    grep -qF -- "'$end'" "$WORK/err" || fail "--end '$end' not named: $(cat "$WORK/err")"
done
for bad in "--contacts= 5" "--contacts=+5" "--contacts=-5" "--messages=1e5" "--jobs= 2" \
           "--seed=-1" "--contacts=5 " "--messages=0x10"; do
    timeout 20 "$SEEDER" "$bad" --db "dbname=$DB" >/dev/null 2>"$WORK/err"
    rc=$?
    [ $rc = 2 ] || fail "'$bad' exited $rc: $(cat "$WORK/err")"
done
[ "$(contacts)" = 500 ] || fail "bad flags changed the data"
pass "--end out of range and numbers with blanks, signs or letters: exit 2, nothing touched"

# --- 6. a FIFO as --csv: refused at once, not waited on
mkfifo "$WORK/fifo"
timeout 10 "$SEEDER" --csv "$WORK/fifo" --print-bodies >/dev/null 2>"$WORK/err"
rc=$?
[ $rc = 1 ] || fail "a FIFO as --csv exited $rc (124 = hung)"
grep -q "not a regular file" "$WORK/err" || fail "FIFO: $(cat "$WORK/err")"
pass "a FIFO as --csv is refused at once"

# --- 8. one rule for finding the database, as convo-query: --db, PG*, DATABASE_URL, ./run's cluster
url="postgresql:///$DB?host=$PGHOST&port=${PGPORT:-5432}&user=$(q 'select current_user')"
(unset PGHOST PGPORT PGDATABASE PGUSER
 export DATABASE_URL=$url
 "$SEEDER" --contacts 10 --messages 100 --end "$END" >/dev/null 2>"$WORK/err"
 grep -q "already holds data" "$WORK/err" || fail "with only DATABASE_URL: $(cat "$WORK/err")"
 "$QUERY" recent --limit 1 >/dev/null || fail "convo-query with only DATABASE_URL") || exit 1
(export DATABASE_URL="postgresql:///no_such_db_$$?host=/nonexistent"
 "$SEEDER" --contacts 10 --messages 100 --end "$END" >/dev/null 2>"$WORK/err"
 grep -q "already holds data" "$WORK/err" || fail "PG* set must win over DATABASE_URL: $(cat "$WORK/err")") || exit 1
(unset PGHOST PGPORT PGDATABASE PGUSER DATABASE_URL
 export CONVO_STATE=$WORK/no-cluster
 "$SEEDER" --contacts 10 --messages 100 --end "$END" >/dev/null 2>"$WORK/err"
 grep -q "$WORK/no-cluster/sock" "$WORK/err" || fail "with neither, not the embedded cluster: $(cat "$WORK/err")"
 "$QUERY" recent 2>"$WORK/qerr" >/dev/null
 grep -q "$WORK/no-cluster/sock" "$WORK/qerr" || fail "convo-query with neither: $(cat "$WORK/qerr")") || exit 1
pass "convo-seed finds the database as convo-query does (DATABASE_URL, PG*, the embedded cluster)"

#!/usr/bin/env bash
# tests/live/seed_live.sh LIB CONVO_SEED - convo-seed --live writes one-message
# transactions into an existing database for the given time, continuing
# conversations and starting new ones, prints its rate and latency, exits 0
# at the end and on SIGINT, and leaves every pointer exact.
source "$1"
seed=$2

DB=convo_seed_live_test_$$
fresh_db "$DB"
"$seed" --contacts 200 --messages 3000 --seed 7 >/dev/null 2>&1 || fail "the seed failed"
before=$(q "select count(*) from messages")
contacts=$(q "select count(*) from contacts")

out=$("$seed" --live 300 --duration 3 --connections 4 2>&1) || fail "--live exit $?: $out"
printf '%s\n' "$out" | grep -Eq 'live: [0-9]+ messages in [0-9.]+ s = [0-9]+/s \(target 300/s\) on 4 connections, commit latency p50 [0-9.]+ ms, p99 [0-9.]+ ms' \
    || fail "--live printed: $out"
sent=$(printf '%s\n' "$out" | sed -n 's/.*live: \([0-9]*\) messages.*/\1/p')
after=$(q "select count(*) from messages")
[ "$((after - before))" = "$sent" ] || fail "--live said $sent messages, the table grew by $((after - before))"
[ "$sent" -ge 30 ] || fail "only $sent messages in 3 s"
[ "$(q "select count(distinct direction) from messages where id > $before")" = 2 ] || fail "not both directions"
[ "$(q "select count(distinct contact_id) from messages where id > $before")" -ge 5 ] || fail "too few conversations"
[ "$(stale_pointers)" = 0 ] || fail "pointers wrong after --live"
pass "--live 300 for 3 s: $sent messages, printed rate and latency, pointers exact"

# --duration is only a backstop: SIGINT must end it long before. The signal
# goes once it writes (a background job starts with SIGINT ignored until
# the program sets its handler).
n0=$(q "select count(*) from messages")
"$seed" --live 100 --duration 100 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    [ "$(q "select count(*) from messages")" -gt "$n0" ] && break
    sleep 0.1
done
t0=$SECONDS
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 0 ] || fail "--live exited $rc on SIGINT"
[ $((SECONDS - t0)) -lt 20 ] || fail "--live took $((SECONDS - t0)) s to stop on SIGINT"
pass "--live ends with 0 on Ctrl-C"

rc=0
"$seed" --live abc >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--live abc exited $rc"
rc=0
"$seed" --duration 3 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--duration without --live exited $rc"
pass "--live usage errors exit 2"

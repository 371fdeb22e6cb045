#!/usr/bin/env bash
# tests/live/maintain_locks.sh LIB - readers go on while maintain moves a
# month out of messages_default: a reader whose transaction has read
# contacts, then reads messages while the month is attached, neither
# deadlocks nor waits long; readers timing their pages throughout never
# wait 2 s per statement (the longest is printed); a reader idle in a transaction
# that read the default makes maintain give way (and try again) rather
# than queue every other reader behind it.
source "$1"
source "$(dirname "$0")/sessions.sh"

DB=convo_maintain_locks_test_$$
fresh_db "$DB"
load() {
    q "insert into messages (contact_id, direction, content, created_at)
       select 1 + g % 50, 'in', 'moving ' || g, timestamptz '$1' + g * interval '1 minute'
         from generate_series(1, 20000) g" >/dev/null
}
q "insert into contacts (phone_number, name)
   select '+1555900' || lpad(g::text, 4, '0'), 'Lock ' || g from generate_series(1, 50) g" >/dev/null
load '2021-04-01 00:00+00'

# Readers: one session each, a transaction that reads contacts, a page of
# the moving month and a page of recent conversations, again and again,
# each statement timed by psql (\timing).
readers() {
    while [ ! -f "$STOP" ] && kill -0 $$ 2>/dev/null; do
        echo "begin; select count(*) from contacts where id < 10;"
        echo "select id from messages where created_at >= '2021-04-10' order by created_at, id limit 50;"
        echo "select c.id from contacts c join messages m on m.id = c.last_message_id
                     and m.created_at = c.last_message_at order by c.last_message_at desc limit 50;"
        echo "commit; select pg_sleep(0.01);"
    done | psql -X -q -At -v ON_ERROR_STOP=1 -c '\timing on' -f - >"$1" 2>>"$ERRS" || echo "reader failed" >>"$ERRS"
}
STOP=$(mktemp -u) ERRS=$(mktemp)
readers "$SESS_DIR/worst1" & r1=$!
readers "$SESS_DIR/worst2" & r2=$!

# A reader holds contacts (its transaction read them) while maintain moves
# the month; once maintain waits for a lock, the reader reads messages.
sess_open r
sess_send r "begin"
sess_send r "select count(*) from contacts"
maint_out=$(mktemp)
psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain(2, 2000)" >"$maint_out" 2>&1 & m=$!
mpid=""
for i in $(seq 1 500); do
    kill -0 $m 2>/dev/null || break
    [ -n "$mpid" ] || mpid=$(q "select pid from pg_stat_activity where query like 'call public.convo_maintain%' and pid <> pg_backend_pid()")
    [ -n "$mpid" ] && [ "$(q "select wait_event_type from pg_stat_activity where pid = $mpid")" = Lock ] && break
    sleep 0.02
done
t0=$(date +%s%N)
sess_send r "select count(*) from messages where created_at >= '2021-04-01' and created_at < '2021-05-01'"
sess_wait r
waited=$(( ($(date +%s%N) - t0) / 1000000 ))
sess_send r "commit"; sess_wait r
wait $m || fail "maintain failed: $(cat "$maint_out")"
outcome=$(sess_outcome r)
[ "$outcome" = ok ] || fail "the reader holding contacts failed with $outcome: $(grep -m1 ERROR "$SESS_DIR/outr")"
grep -q 'moved 20000 rows' "$maint_out" || fail "maintain did not move the month: $(cat "$maint_out")"
[ "$waited" -lt 2000 ] || fail "the reader holding contacts waited $waited ms for messages"
pass "a reader holding contacts read the month during the move after $waited ms, no deadlock"

# A reader idle in a transaction that read the default: maintain does not
# queue the others behind it for long.
load '2021-06-01 00:00+00'
sess_send r "begin"
sess_send r "select count(*) from messages where created_at >= '2021-06-01' and created_at < '2021-07-01'"
psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain(2, 2000)" >"$maint_out" 2>&1 & m=$!
sleep 3
sess_send r "commit"; sess_wait r
wait $m || fail "maintain failed: $(cat "$maint_out")"
touch "$STOP"
wait $r1 $r2
worst=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$SESS_DIR/worst1" "$SESS_DIR/worst2" | sort -n | tail -1)
statements=$(grep -c '^Time:' "$SESS_DIR/worst1" "$SESS_DIR/worst2" | awk -F: '{s += $2} END {print s}')
sess_close r
grep -q 'deadlock' "$ERRS" "$maint_out" && fail "deadlock: $(grep -h -m1 deadlock "$ERRS" "$maint_out")"
[ ! -s "$ERRS" ] || fail "readers failed: $(head -3 "$ERRS")"
[ "$statements" -gt 20 ] || fail "the readers ran only $statements statements"
[ "${worst%.*}" -lt 2000 ] || fail "a reader's statement took $worst ms while maintain ran"
[ "$(q "select count(*) from messages_default")" = 0 ] \
    || fail "the month read by the idle reader was not moved once it ended: $(cat "$maint_out")"
echo "longest of $statements reader statements while maintain ran: $worst ms"
pass "readers went on during both moves (longest statement $worst ms), no deadlock"
rm -rf "$SESS_DIR" "$ERRS" "$maint_out"

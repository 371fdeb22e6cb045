#!/usr/bin/env bash
# tests/live/follow.sh LIB CONVO_QUERY - convo-query follow prints each new
# message once as it commits (sent by `send`, inserted by psql, committed
# late with a smaller id), exits after --limit and with 0 on SIGTERM/SIGINT;
# convo-query send's JSON, errors and exit codes.
source "$1"
query=$2

DB=convo_follow_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555300' || lpad(g::text, 4, '0'), 'Follow ' || g from generate_series(1, 5) g;
   insert into messages (contact_id, direction, content) values (1, 'in', 'before follow')" >/dev/null

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# send: JSON, then errors and exit codes.
sent=$("$query" send 2 'hello "there"') || fail "send exit $?"
printf '%s' "$sent" | python3 -c 'import json,sys
d=json.loads(sys.stdin.read())
m=d["message"]
assert set(m) == {"message_id","contact_id","name","phone_number","direction","content","created_at"}, m
assert m["contact_id"] == 2 and m["direction"] == "out" and m["content"] == "hello \"there\"" and m["name"] == "Follow 2"
assert isinstance(d["elapsed_ms"], (int, float))' || fail "send JSON: $sent"
[ "$(q "select count(*) from messages where content = 'hello \"there\"' and direction = 'out'")" = 1 ] \
    || fail "send did not insert the message"
pass "send inserts an outbound message and prints it"

expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >/dev/null 2>"$err" || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $(cat "$err")"
    [ "$(wc -l <"$err")" = 1 ] || fail "$* did not print one line: $(cat "$err")"
}
before=$(q "select count(*) from messages")
expect_rc 1 "$query" send 999 'nobody'
expect_rc 2 "$query" send 2 ''
expect_rc 2 "$query" send 2 "$(printf 'caf\xc3')"
expect_rc 2 "$query" send 2 "$(head -c 4097 /dev/zero | tr '\0' x)"
expect_rc 2 "$query" send 2
expect_rc 2 "$query" send x 'text'
expect_rc 2 "$query" follow --limit 0
[ "$(q "select count(*) from messages")" = "$before" ] || fail "a refused send wrote something"
"$query" send 2 "$(head -c 4096 /dev/zero | tr '\0' y)" >/dev/null || fail "4096 bytes refused"
"$query" send 2 -- '-starts with a dash' >/dev/null || fail "text starting with - refused"
pass "send: exit 1 for an unknown contact, 2 for empty, invalid UTF-8 or over 4096 bytes"

# send racing the contact's deletion: the contact is read while a delete
# holds it, the insert's foreign key check waits for that delete and then
# fails; send still says which contact is missing, in one line, exit 1.
doomed=$(q "insert into contacts (phone_number, name) values ('+15553009999', 'Doomed') returning id")
rtag=race_$$
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
begin;
delete from contacts where id = $doomed;
select pg_sleep(1.5) /* $rtag */;
commit;
SQL
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_stat_activity where query like '%$rtag%' and state = 'active'
            and pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
expect_rc 1 "$query" send "$doomed" 'to a contact being deleted'
wait %1 2>/dev/null || true
grep -qx "convo-query: no contact with id $doomed" "$err" \
    || fail "send racing a delete printed: $(cat "$err")"
[ "$(q "select count(*) from messages where content = 'to a contact being deleted'")" = 0 ] \
    || fail "send racing a delete wrote a message"
pass "send racing the contact's deletion: 'no contact with id N', exit 1"

# follow: what send and psql insert, and a message that commits after one
# with a greater id; nothing from before it started, nothing twice.
# wait_listening: until a follow has read its start mark (its last statement).
wait_listening() {
    for _ in $(seq 1 300); do
        [ "$(q "select count(*) from pg_stat_activity where datname = current_database()
                and query = 'SELECT pg_current_snapshot()::text' and state = 'idle'")" -ge 1 ] && return
        sleep 0.05
    done
    fail "follow did not start listening"
}
"$query" follow --limit 4 >"$out" 2>"$err" &
fpid=$!
wait_listening
tag=late_$$
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
begin;
insert into messages (contact_id, direction, content) values (3, 'in', 'committed late');
select pg_sleep(1.5) /* $tag */;
commit;
SQL
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_stat_activity where query like '%$tag%' and state = 'active'
            and pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
"$query" send 4 'sent meanwhile' >/dev/null || fail "send exit"
q "insert into messages (contact_id, direction, content, created_at)
   values (5, 'in', 'from psql, old time', now() - interval '2 years')" >/dev/null
q "update messages set content = 'edited' where content = 'sent meanwhile'" >/dev/null
wait %2 2>/dev/null || true
"$query" send 1 'after the late one' >/dev/null
for _ in $(seq 1 300); do kill -0 $fpid 2>/dev/null || break; sleep 0.05; done
kill -0 $fpid 2>/dev/null && { kill $fpid; fail "follow --limit 4 did not exit: $(cat "$out")"; }
wait $fpid || fail "follow exit $?: $(cat "$err")"
python3 - "$out" <<'PY' || fail "follow printed: $(cat "$out")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
msgs = [json.loads(l)["message"] for l in lines]
got = [m["content"] for m in msgs]
assert got == ["sent meanwhile", "from psql, old time", "committed late", "after the late one"], got
ids = [m["message_id"] for m in msgs]
assert ids[2] < ids[0], ids  # the late one has the smaller id
for m in msgs:
    assert set(m) == {"message_id","contact_id","name","phone_number","direction","content","created_at"}, m
PY
pass "follow prints messages from send and psql once each, a late commit with a smaller id included"

# What identifies a message is (created_at, id): ids alone repeat, and an
# explicit id may lie below the start mark. A transaction open before the
# follow started that commits after it is news too. Each step waits for its
# line, so the order is fixed.
# wait_lines N: until follow has printed N lines.
wait_lines() {
    for _ in $(seq 1 200); do
        [ "$(wc -l <"$out")" -ge "$1" ] && return
        kill -0 $fpid 2>/dev/null || break
        sleep 0.05
    done
    fail "follow printed $(wc -l <"$out") lines, want $1: $(cat "$out")"
}
otag=open_$$
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
begin;
insert into messages (contact_id, direction, content) values (3, 'in', 'open before follow');
select pg_sleep(2) /* $otag */;
commit;
SQL
opid=$!
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_stat_activity where query like '%$otag%' and state = 'active'
            and pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
"$query" follow --limit 5 >"$out" 2>"$err" &
fpid=$!
wait_listening
wait $opid || fail "the open transaction failed"
wait_lines 1
low=$(q "select min(id) from messages")
q "insert into messages (id, contact_id, direction, content, created_at)
   values ($low, 3, 'in', 'explicit id below the mark', now() - interval '1 hour')" >/dev/null
wait_lines 2
printed=$("$query" send 2 'printed first' | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"]["message_id"])')
wait_lines 3
q "insert into messages (id, contact_id, direction, content, created_at)
   values ($printed, 2, 'in', 'same id as one printed', now() - interval '1 day')" >/dev/null
wait_lines 4
q "update messages set content = 'printed, then edited' where content = 'printed first'" >/dev/null
"$query" send 1 'last one' >/dev/null
for _ in $(seq 1 300); do kill -0 $fpid 2>/dev/null || break; sleep 0.05; done
kill -0 $fpid 2>/dev/null && { kill $fpid; fail "follow --limit 5 did not exit: $(cat "$out")"; }
wait $fpid || fail "follow exit $?: $(cat "$err")"
python3 - "$out" "$low" "$printed" <<'PY' || fail "follow printed: $(cat "$out")"
import json, sys
msgs = [json.loads(l)["message"] for l in open(sys.argv[1]).read().splitlines()]
got = [m["content"] for m in msgs]
assert got == ["open before follow", "explicit id below the mark", "printed first",
               "same id as one printed", "last one"], got
assert msgs[1]["message_id"] == int(sys.argv[2]) and msgs[3]["message_id"] == int(sys.argv[3]), msgs
PY
pass "follow prints a message with an id below its start mark, one with an id it printed, and one from a transaction open at its start, once each"

# Signals end follow with status 0.
for sig in TERM INT; do
    "$query" follow >"$out" 2>"$err" &
    fpid=$!
    wait_listening
    "$query" send 1 "before SIG$sig" >/dev/null
    for _ in $(seq 1 300); do [ -s "$out" ] && break; sleep 0.05; done
    kill -$sig $fpid
    rc=0
    wait $fpid || rc=$?
    [ "$rc" = 0 ] || fail "follow exited $rc on SIG$sig"
    grep -q "before SIG$sig" "$out" || fail "follow did not print the message before SIG$sig"
done
pass "follow exits 0 on SIGTERM and SIGINT"

#!/usr/bin/env bash
# tests/live/recent.sh LIB CONVO_QUERY - recent pages never drop a
# conversation, even when a contact's pointer is wrong (made so behind the
# triggers' back): the walk still lists every contact with a message once,
# each at its newest message (not the one the pointer names), and "more
# pages" follows the contacts scanned.
source "$1"
query=$2

DB=convo_recent_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555200' || lpad(g::text, 4, '0'), 'Walk ' || g from generate_series(1, 9) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 8, 'in', 'msg ' || g, now() - g * interval '1 minute' from generate_series(1, 80) g" >/dev/null

# walk LIMIT: every contact id of a recent walk, one per line, in order.
walk() {
    local cursor="" out
    while :; do
        out=$("$query" recent --limit "$1" ${cursor:+--after "$cursor"}) || fail "convo-query recent exit $?"
        printf '%s' "$out" | python3 -c 'import json,sys
d=json.load(sys.stdin)
for r in d["conversations"]: print(r["contact_id"], r["message_id"])
open(sys.argv[1],"w").write(d["next_cursor"] or "")' "$walk_cursor_file"
        cursor=$(cat "$walk_cursor_file")
        [ -n "$cursor" ] || break
    done
}
walk_cursor_file=$(mktemp)

# Pointers wrong three ways, without the triggers: at a message id that does
# not exist, at another contact's message, at the contact's oldest message.
psql -X -q -v ON_ERROR_STOP=1 -c "set session_replication_role = replica;
    update contacts set last_message_id = 999999 where id = 3;
    update contacts set last_message_id = (select min(id) from messages where contact_id = 5) where id = 4;
    update contacts c set (last_message_at, last_message_id) =
        (select created_at, id from messages where contact_id = 6 order by created_at, id limit 1)
     where c.id = 6" >/dev/null
[ "$(stale_pointers)" = 3 ] || fail "could not make the pointers wrong"

# newest: "contact message_id" of every contact's true newest message.
newest() {
    q "select distinct on (contact_id) contact_id || ' ' || id from messages
       order by contact_id, created_at desc, id desc" | sort -n | tr '\n' ' '
}
want=$(newest)
for limit in 1 2 3; do
    got=$(walk $limit | sort -n | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "recent walk by $limit lists [$got], want every contact with messages once, at its newest message [$want]"
done
pass "a walk lists every conversation once, at its newest message, although three pointers are wrong"

# A contact whose pointer points at nothing and who has no message at all
# is not a conversation: skipped, and the walk still goes on past it.
psql -X -q -v ON_ERROR_STOP=1 -c "set session_replication_role = replica;
    update contacts set last_message_at = now() - interval '30 seconds', last_message_id = 999998
     where id = 9" >/dev/null
got=$(walk 1 | sort -n | tr '\n' ' ')
[ "$got" = "$want" ] || fail "walk with a pointer into nothing lists [$got], want [$want]"
pass "a pointer into nothing is skipped without ending the walk"
rm -f "$walk_cursor_file"

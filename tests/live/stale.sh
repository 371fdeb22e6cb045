#!/usr/bin/env bash
# tests/live/stale.sh LIB CONVO_QUERY - readers never drop a conversation,
# whatever the latest-message pointer says. The pointers are made stale on
# purpose (messages deleted and inserted with the triggers disabled, and
# pointers set by hand): at a deleted message, at a message that is no
# longer the newest, at another contact's message, at nothing while
# messages exist (NULL). Then recent walks and searches by name, phone,
# phone digits and content, in pages of several sizes, must list every
# conversation exactly once, each anchored at its true newest (matching)
# message; a walk in one page must also be in the true order.
source "$1"
query=$2

DB=convo_stale_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# 14 contacts; 1-12 with messages over three months, some about apples.
q "select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555500' || lpad(g::text, 4, '0'), 'Stale ' || chr(64 + g) from generate_series(1, 14) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 12, 'in', case when g % 5 = 0 then 'an apple ' || g else 'words ' || g end,
          now() - g * interval '7 hours'
     from generate_series(1, 240) g" >/dev/null
[ "$(stale_pointers)" = 0 ] || fail "pointers stale before the test made them so"

# Behind the triggers' back. 2: its newest message deleted. 3: a newer
# message (matching 'apple'). 4: its pointer at a message id that does not
# exist. 5: at another contact's message. 6: at its own oldest message.
# 7: every message deleted (no conversation any more). 8: a newer message
# at the same id as its newest. 13: had none, now has two, one the newest
# of all (pointer NULL: the end of the list must still place it first).
# 10: a message dated 200 days ahead (the default partition), beyond the
# months a reader probes row by row. After the triggers are back, 11 gets
# a message dated 3 hours ahead, its pointer right but in the future.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
alter table messages disable trigger user;
delete from messages where (created_at, id) = (select created_at, id from messages where contact_id = 2
                                               order by created_at desc, id desc limit 1);
insert into messages (contact_id, direction, content, created_at)
    values (3, 'out', 'the newest apple', now() - interval '1 hour');
update contacts set last_message_id = 999999 where id = 4;
update contacts set (last_message_at, last_message_id) =
    (select created_at, id from messages where contact_id = 9 order by created_at, id limit 1) where id = 5;
update contacts set (last_message_at, last_message_id) =
    (select created_at, id from messages where contact_id = 6 order by created_at, id limit 1) where id = 6;
delete from messages where contact_id = 7;
insert into messages (id, contact_id, direction, content, created_at)
    select id, 8, 'in', 'same id, newer apple', created_at + interval '1 minute'
      from messages where contact_id = 8 order by created_at desc, id desc limit 1;
insert into messages (contact_id, direction, content, created_at) values
    (13, 'in', 'late words', now() - interval '30 minutes'),
    (13, 'in', 'an apple, late', now() - interval '30 days');
insert into messages (contact_id, direction, content, created_at)
    values (10, 'in', 'an apple from ahead', now() + interval '200 days');
alter table messages enable trigger user;
insert into messages (contact_id, direction, content, created_at)
    values (11, 'out', 'words from ahead', now() + interval '3 hours');
SQL
stale=$(stale_pointers)
[ "$stale" -ge 8 ] || fail "could only make $stale pointers stale"

# oracle TERM: "contact message_id created_at" per conversation, true order
# (empty TERM: every conversation, at its newest message); TERM matches as
# search matches (match_sql).
oracle() {
    local t=${1//\'/\'\'}
    q "select c.id, a.id, a.created_at from contacts c cross join lateral (
         select m.id, m.created_at from messages m where m.contact_id = c.id
            and ('$t' = '' or $(match_sql m.content "'%$t%'") or $(match_sql c.name "'%$t%'")
                 or $(match_sql c.phone_number "'%$t%'")
                 or (convo_digits('$t') <> '' and '$t' ~ '^[0-9+() .-]+$'
                     and convo_digits(c.phone_number) like '%' || convo_digits('$t') || '%'))
          order by m.created_at desc, m.id desc limit 1) a
       order by a.created_at desc, a.id desc" \
    | python3 -c 'import sys, datetime
for l in sys.stdin:
    c, i, t = l.rstrip("\n").split("\t")
    print(c, i, datetime.datetime.fromisoformat(t.replace(" ", "T") + ("" if "+" in t[10:] else "+00")).timestamp())'
}

# walk LIMIT ARGS...: every conversation of a walk, one "contact message_id
# created_at" line each, in the order the pages gave them.
walk() {
    local limit=$1 cursor="" out
    shift
    while :; do
        out=$("$query" "$@" --limit "$limit" ${cursor:+--after "$cursor"}) \
            || fail "convo-query $* exit $?"
        cursor=$(printf '%s' "$out" | python3 -c 'import json, sys, datetime
d = json.load(sys.stdin)
for r in d["conversations"]:
    # A contact without messages (listed last, by name or phone): no time.
    t = datetime.datetime.fromisoformat(r["created_at"]).timestamp() if r["created_at"] else 0
    print(r["contact_id"], r["message_id"] if r["message_id"] is not None else -1, t, file=sys.stderr)
print(d["next_cursor"] or "")' 2>>"$work/walk")
        [ -n "$cursor" ] || break
    done
}

# check WHAT ORDER TERM ARGS...: walks of 1, 2, 3 and 50 rows against the
# oracle. In one page, ORDER "all": every row in the true order; "fresh":
# the rows whose contact's pointer is right (a search by name or phone
# places a stale pointer's conversation where the pointer says, showing
# its true newest message: only that place can be found again by the
# pages after it).
check() {
    local what=$1 order=$2 term=$3
    shift 3
    oracle "$term" >"$work/want"
    q "select c.id from contacts c join lateral (select created_at, id from messages m
         where m.contact_id = c.id order by created_at desc, id desc limit 1) l on true
       where (c.last_message_at, c.last_message_id) = (l.created_at, l.id)" >"$work/fresh"
    [ -s "$work/want" ] || fail "$what: the oracle finds nothing"
    for limit in 1 2 3 50; do
        : >"$work/walk"
        walk "$limit" "$@"
        python3 - "$work/want" "$work/walk" "$limit" "$order" "$work/fresh" <<'PY' \
            || fail "$what, pages of $limit: $(cat "$work/walk")"
import sys
def rows(f):
    return [(int(c), int(i), round(float(t), 3)) for c, i, t in (l.split() for l in open(f))]
want, got, limit = rows(sys.argv[1]), rows(sys.argv[2]), int(sys.argv[3])
# Contacts without any message (listed after every conversation) are not
# conversations: none may come before a conversation, none is one.
empty = [c for c, i, _ in got if i == -1]
assert all(i == -1 for _, i, _ in got[len(got) - len(empty):]), "a contact without messages before a conversation"
assert not set(empty) & {c for c, _, _ in want}, "a conversation shown as without messages: %s" % sorted(set(empty) & {c for c, _, _ in want})
got = [g for g in got if g[1] != -1]
ids = [c for c, _, _ in got]
dup = sorted({c for c in ids if ids.count(c) > 1})
assert not dup, "shown more than once: %s" % dup
missing = sorted({c for c, _, _ in want} - set(ids))
assert not missing, "dropped: %s" % missing
extra = sorted(set(ids) - {c for c, _, _ in want})
assert not extra, "not conversations of this list: %s" % extra
wrong = [(g, w) for g in got for w in want if g[0] == w[0] and g != w]
assert not wrong, "anchored wrong (got, want): %s" % wrong
fresh = {int(l) for l in open(sys.argv[5])}
if limit >= len(want):
    if sys.argv[4] == "fresh":
        got = [g for g in got if g[0] in fresh]
        want = [w for w in want if w[0] in fresh]
    assert got == want, "order %s, want %s" % ([g[0] for g in got], [w[0] for w in want])
PY
    done
    pass "$what: every conversation once, at its true newest message"
}

check "recent" all "" recent
check "search by name" fresh "stale" search stale
check "search by a name's letter" fresh "e E" search '"e E"'
check "search by phone" fresh "+1555500" search "+1555500"
check "search by phone digits" fresh "5550 000" search "5550 000"
check "search by content" all "apple" search apple
check "search by name or content" fresh "a" search a

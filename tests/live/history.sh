#!/usr/bin/env bash
# tests/live/history.sh LIB CONVO_QUERY - a long history stays a few
# partitions: rows from 1970 to 2026 (sparse old years, one dense year) in
# messages_default are moved by maintain into month partitions for the
# recent past and coarser ranges for the rest, fewer than 60 in all; the
# recent walk and a search over every year equal an SQL oracle; a second
# maintain and rows added later into the coarse ranges keep it so.
source "$1"
query=$2

DB=convo_history_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555800' || lpad(g::text, 4, '0'), 'Old ' || g from generate_series(1, 300) g;
   -- 1970 to the last month: a row every 3 days or so, sparse.
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 300, 'in', case when g % 37 = 0 then 'wombatpie ' else '' end || 'sparse ' || g,
          timestamptz '1970-01-01 00:00+00' + g * interval '3 days 1 hour'
     from generate_series(1, 7000) g
    where timestamptz '1970-01-01 00:00+00' + g * interval '3 days 1 hour'
          < date_trunc('month', now() at time zone 'UTC') at time zone 'UTC';
   -- A dense year.
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 250, 'out', case when g % 101 = 0 then 'wombatpie ' else '' end || 'dense ' || g,
          timestamptz '2011-01-01 00:00+00' + g * interval '20 minutes'
     from generate_series(1, 26000) g" >/dev/null
total=$(q "select count(*) from messages")
[ "$(q "select count(*) from messages_default")" -gt 30000 ] || fail "the rows did not land in the default"

out=$(psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain()" 2>&1) || fail "maintain failed: $out"
parts=$(q "select count(*) from pg_inherits where inhparent = 'messages'::regclass")
[ "$parts" -lt 60 ] || fail "$parts partitions for 57 years of history"
[ "$(q "select count(*) from messages_default")" = 0 ] || fail "rows left in the default"
[ "$(q "select count(*) from messages")" = "$total" ] || fail "rows lost by the move"
recent=$(q "select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid
             where i.inhparent = 'messages'::regclass
               and c.relname ~ '^messages_y[0-9]+m[0-9][0-9]$'")
[ "$recent" -ge 24 ] || fail "only $recent month partitions; the recent past should be monthly"
pass "57 years of history in $parts partitions ($recent of them months)"

# Rows written later into the coarse ranges go there, not to the default;
# maintain again changes nothing.
q "insert into messages (contact_id, direction, content, created_at)
   values (7, 'in', 'wombatpie late 1975', '1975-06-01 00:00+00'), (8, 'in', 'late 2011', '2011-03-03 00:00+00')" >/dev/null
[ "$(q "select count(*) from messages_default")" = 0 ] || fail "old rows written later went to the default"
psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain()" >/dev/null 2>&1 || fail "a second maintain failed"
[ "$(q "select count(*) from pg_inherits where inhparent = 'messages'::regclass")" = "$parts" ] \
    || fail "a second maintain changed the partitions"
[ "$(stale_pointers)" = 0 ] || fail "pointers wrong after the moves"

# walk KIND [TERM]: every (contact, message) of a walk, in order, 50 a page.
walk() {
    local cursor="" out
    : >"$walk_out"
    while :; do
        out=$("$query" "$1" ${2:+"$2"} --limit 50 ${cursor:+--after "$cursor"}) || fail "convo-query $1 exit $?"
        printf '%s' "$out" | python3 -c 'import json,sys
d=json.load(sys.stdin)
with open(sys.argv[1], "a") as f:
    for r in d["conversations"]: f.write("%s %s\n" % (r["contact_id"], r["message_id"]))
open(sys.argv[2],"w").write(d["next_cursor"] or "")' "$walk_out" "$walk_cursor"
        cursor=$(cat "$walk_cursor")
        [ -n "$cursor" ] || break
    done
    cat "$walk_out"
}
walk_out=$(mktemp) walk_cursor=$(mktemp)
sleep 0.2
want=$(q "select contact_id || ' ' || id from (select distinct on (contact_id) contact_id, id, created_at
           from messages order by contact_id, created_at desc, id desc) l order by created_at desc, id desc")
got=$(walk recent)
[ "$got" = "$want" ] || fail "the recent walk differs from the oracle ($(echo "$got" | wc -l) rows, want $(echo "$want" | wc -l))"
want=$(q "select contact_id || ' ' || id from (select distinct on (contact_id) contact_id, id, created_at
           from messages where $(match_sql content "'%wombatpie%'") order by contact_id, created_at desc, id desc) l
          order by created_at desc, id desc")
got=$(walk search wombatpie)
[ "$got" = "$want" ] || fail "the search differs from the oracle ($(echo "$got" | wc -l) rows, want $(echo "$want" | wc -l))"
rm -f "$walk_out" "$walk_cursor"
pass "the recent walk ($(echo "$want" | wc -l) conversations) and a search over 1970-2026 equal the oracle"

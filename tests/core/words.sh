#!/usr/bin/env bash
# tests/core/words.sh CONVO_QUERY - search terms of several words: each
# word in the message's content or its contact's name or phone (digits
# too), in any order; quoted text one phrase; with filters; page by page
# against a SQL oracle, partial answers, cursors; export --search with
# words and filters against SQL. CONVO_QUERY is convo-query-test (it reads
# CONVO_FORCE_STEP). Writes: a database of its own.
source "$(dirname "$0")/../lib.sh"
query=$1
export TZ=UTC

DB=convo_words_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

q "select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555300' || lpad(g::text, 4, '0'), 'Wor ' || g from generate_series(1, 60) g;
   update contacts set name = 'Ana Pizzeria' where id = 3;
   update contacts set name = 'Ana Maria' where id = 4;
   update contacts set name = 'Tonight Club' where id = 5;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + (g * 7) % 60, case when (g / 60) % 3 = 0 then 'out' else 'in' end,
          case when g % 13 = 0 then 'dinner tonight at ' || g
               when g % 17 = 0 then 'tonight we have dinner ' || g
               when g % 11 = 0 then 'see you at dinner ' || g
               when g % 19 = 0 then 'you see, pizza ' || g
               when g % 5 = 0 then 'pizza later ' || g
               when g % 7 = 0 then 'dinner alone ' || g
               else 'plain words ' || g end,
          now() - g * interval '37 minutes' - (g % 11) * interval '1 second'
     from generate_series(1, 4800) g;
   analyze" >/dev/null

day() { q "select to_char(now() - interval '$1', 'YYYY-MM-DD')"; }
D20=$(day '20 days'); D45=$(day '45 days')

# walk TERM [OPTION]: every page of 7 rows, contact:message.
walk() { search_walk "$query" "$work" "$@"; }

check() { words_check "$query" "$work" "$@"; } # TERM FILTER_SQL WORD...

check 'dinner tonight' true dinner tonight
check 'tonight dinner' true tonight dinner
[ "$(walk 'dinner tonight')" = "$(walk 'TONIGHT   Dinner')" ] || fail "word order or case changes the answer"
check 'ana pizza' true ana pizza
check 'pizza ana' true pizza ana
check 'ana maria' true ana maria           # both in the name: its last message
check '0003 dinner' true 0003 dinner       # phone digits and content
check '+1 (555) 300-0007 dinner' true '+1 (555) 300-0007' dinner
check '"dinner tonight"' true 'dinner tonight'
check '"see you" dinner' true 'see you' dinner
check '"you see" pizza' true 'you see' pizza
check 'tonight club dinner' true tonight club dinner
check 'dinner tonight is:in' "m.direction = 'in'" dinner tonight
check "ana pizza before:$D20" "m.created_at < '$D20'::timestamptz" ana pizza
check "after:$D45 dinner see" "m.created_at >= '$D45'::timestamptz" dinner see
for force in '' months; do
    export CONVO_FORCE_STEP=$force
    check 'with:wor dinner tonight' "$(match_sql c.name "'%wor%'")" dinner tonight
    check 'with:ana is:out see you' "$(match_sql c.name "'%ana%'") and m.direction = 'out'" see you
done
unset CONVO_FORCE_STEP
[ "$(walk '"dinner tonight"')" != "$(walk 'dinner tonight')" ] || fail "a phrase finds what its words find: a weak check"
pass "several words, phrases and filters page as the SQL oracle says"

# A word in many names (80 contacts named Young) beside a word rare in
# content: the contacts that cannot pass are left out before the months
# are read, and the pages stay the oracle's.
q "insert into contacts (phone_number, name)
   select '+1555310' || lpad(g::text, 4, '0'), 'Young ' || g from generate_series(1, 80) g;
   update contacts set name = 'Young Lover' where name = 'Young 7';
   insert into messages (contact_id, direction, content, created_at)
   select c.id, 'in', case when c.id % 9 = 0 then 'I love it ' || g
                           when c.id % 13 = 0 then 'young at heart, love' else 'nothing here ' || g end,
          now() - g * interval '41 minutes' - c.id * interval '1 second'
     from contacts c, generate_series(1, 5) g where c.name like 'Young %';
   analyze" >/dev/null
for force in '' w b; do
    export CONVO_FORCE_STEP=$force
    check 'love young' true love young
    check 'young love' true young love
    check 'you heart love' true you heart love
    check 'young nothing' true young nothing
    check 'lover you' true lover you
    check 'young heart love' true young heart love
    check 'heart love young' true heart love young
done
unset CONVO_FORCE_STEP
kept=$(CONVO_FORCE_STEP=b CONVO_TRACE=1 "$query" search 'love young' 2>&1 >/dev/null | sed -n 's/^convo: names kept \([0-9]*\) of .*/\1/p')
[ -n "$kept" ] && [ "$kept" -lt 80 ] || fail "'love young': the contacts named Young were not pruned (kept '$kept')"
pass "a word in many names beside a rare word: pruned, and the pages are the oracle's"

# matched: content for the word in content, name for the word in the name.
"$query" search 'pizza ana' --limit 50 >"$work/out" || fail "search 'pizza ana' failed"
python3 - "$work/out" <<'PY' || fail "matched fields of 'pizza ana': $(head -c 600 "$work/out")"
import json, sys
rows = json.load(open(sys.argv[1]))["conversations"]
assert rows and all(r["contact_id"] in (3, 4) for r in rows), rows
for r in rows:
    want = ["content", "name"] if "pizza" in r["content"].lower() else ["name"]
    assert r["matched"] == want, r
PY
pass "matched says which fields some word matched"

# Out of budget: partial answers continue to the same rows.
for term in 'dinner tonight' 'ana pizza is:in'; do
    [ "$(walk "$term" '--budget 1')" = "$(walk "$term")" ] || fail "search '$term' --budget 1 differs"
done
pass "partial answers of several words continue to the same rows"

# A cursor belongs to its whole term.
"$query" search 'dinner tonight' --limit 2 >"$work/out" || fail "search failed"
cur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_cursor"])' "$work/out")
for other in 'tonight dinner' 'dinner'; do
    rc=0; "$query" search "$other" --limit 2 --after "$cur" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "a cursor of 'dinner tonight' continued '$other' (exit $rc)"
done
rc=0; "$query" search --literal 'dinner tonight' --limit 2 --after "$cur" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a cursor of 'dinner tonight' continued the literal phrase (exit $rc)"
want=$(q "select count(distinct contact_id) from messages where $(match_sql content "'%dinner tonight%'")")
"$query" search --literal 'dinner tonight' --limit 200 >"$work/out" || fail "literal search failed"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["conversations"]))' "$work/out")" = "$want" ] \
    || fail "--literal 'dinner tonight' is not the phrase"
pass "cursors belong to their term; --literal is one phrase"

# export --search: every message that passes the filters and holds every
# word, one of them in its content; newest first.
export_check() { # TERM FILTER_SQL WORD...
    local term=$1 filter=$2
    shift 2
    want=$(words_export_ids "$filter" "$@")
    "$query" export --search "$term" >"$work/exp" 2>"$work/err" || fail "export '$term' exit $?: $(cat "$work/err")"
    got=$(python3 -c 'import json,sys; [print(json.loads(l)["message_id"]) for l in open(sys.argv[1])]' "$work/exp")
    [ -n "$want" ] || fail "export '$term': the oracle finds nothing, a weak check"
    [ "$got" = "$want" ] || fail "export '$term': $(echo "$got" | wc -l) rows, SQL $(echo "$want" | wc -l)"
    first=$("$query" export --search "$term" 2>"$work/err" | head -1 |
            python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["message_id"])')
    [ "$first" = "$(echo "$want" | head -1)" ] || fail "export '$term' | head -1: $first"
}
export_check 'dinner tonight' true dinner tonight
export_check 'ana pizza' true ana pizza
export_check 'is:in dinner' "m.direction = 'in'" dinner
export_check "before:$D20 with:wor tonight dinner" "m.created_at < '$D20'::timestamptz and $(match_sql c.name "'%wor%'")" tonight dinner
export_check 'is:out' "m.direction = 'out'"
rc=0; "$query" export --search 'is:sideways x' >"$work/exp" 2>"$work/err" || rc=$?
[ "$rc" = 2 ] && [ ! -s "$work/exp" ] || fail "export with a bad filter: exit $rc"
pass "export --search with words and filters: the rows SQL finds, newest first, also under head -1"

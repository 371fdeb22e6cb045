#!/usr/bin/env bash
# tests/core/filters.sh CONVO_QUERY - search's filter words (is:in, is:out,
# after:, before:, with:) against a SQL oracle, page by page: each
# conversation at its newest message that passes the filters and matches
# (content, or any passing message of a contact matched by name or phone).
# Bad filters exit 2 with one line; --literal and a quoted filter word are
# text; a cursor belongs to its whole term. Dates are read in TZ, so the
# test runs in a zone far from UTC. Writes: a database of its own.
source "$(dirname "$0")/../lib.sh"
query=$1
export TZ=Asia/Tokyo

DB=convo_filters_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# Four months: two from the schema, one made here, the oldest in the
# default partition. Directions, words and contacts vary with g.
q "select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555300' || lpad(g::text, 4, '0'), 'Fil ' || g from generate_series(1, 60) g;
   update contacts set name = 'Ana Maria' where id = 3;
   update contacts set name = 'Banana Co' where id = 4;
   update contacts set name = 'Zed Quux' where id = 5;
   insert into contacts (phone_number, name) values ('+15553999999', 'Ana Mute');
   insert into messages (contact_id, direction, content, created_at)
   select 1 + (g * 7) % 60, case when (g / 60) % 3 = 0 then 'out' else 'in' end,
          case when (g / 61) % 5 = 0 then 'pizza tonight ' || g when (g / 59) % 7 = 0 then 'coffee later ' || g
               else 'plain words ' || g end,
          now() - g * interval '37 minutes' - (g % 11) * interval '1 second'
     from generate_series(1, 4800) g;
   insert into messages (contact_id, direction, content, created_at) values
     (9, 'in', 'status is:in literally', now() - interval '3 days');
   analyze" >/dev/null

day() { q "select to_char(now() - interval '$1', 'YYYY-MM-DD')"; }
D20=$(day '20 days'); D45=$(day '45 days'); D70=$(day '70 days'); D100=$(day '100 days')
T30=$(q "select to_char(now() - interval '30 days', 'YYYY-MM-DD\"T\"HH24:MI')")

# oracle TEXT DIR AFTER BEFORE WITH: contact:message of each conversation,
# newest first. AFTER/BEFORE are dates as typed (local midnight or minute),
# '' for none.
oracle() {
    local text=$1 dir=${2:-} after=${3:--infinity} before=${4:-infinity} with=${5:-}
    local tp="'%' || \$\$$text\$\$ || '%'" wp="'%' || \$\$$with\$\$ || '%'"
    q "with p as (select m.contact_id, m.created_at, m.id from messages m
                    join contacts c on c.id = m.contact_id
                   where (\$\$$dir\$\$ = '' or m.direction = \$\$$dir\$\$)
                     and m.created_at >= (\$\$$after\$\$::timestamp at time zone '$TZ')
                     and m.created_at < (\$\$$before\$\$::timestamp at time zone '$TZ')
                     and (\$\$$with\$\$ = '' or $(match_sql c.name "$wp")
                          or $(match_sql c.phone_number "$wp")
                          or (\$\$$with\$\$ ~ '^[0-9+(). -]*[0-9][0-9+(). -]*\$'
                              and public.convo_digits(c.phone_number)
                                  like '%' || regexp_replace(\$\$$with\$\$, '[^0-9]', '', 'g') || '%'))
                     and (\$\$$text\$\$ = '' or $(match_sql m.content "$tp")
                          or $(match_sql c.name "$tp")
                          or $(match_sql c.phone_number "$tp"))),
            a as (select distinct on (contact_id) * from p
                   order by contact_id, created_at desc, id desc)
       select contact_id || ':' || id from a order by created_at desc, id desc" | tr '\n' ' '
}

# walk TERM [OPTION]: every page of 7 rows, contact:message.
walk() { search_walk "$query" "$work" "$@"; }

check() { # TERM TEXT DIR AFTER BEFORE WITH
    local term=$1 got want
    shift
    got=$(walk "$term")
    want=$(oracle "$@")
    [ "$got" = "$want" ] || fail "search '$term': pages [$got], SQL [$want]"
    [ -n "$want" ] || [ "${EMPTY_OK:-}" = 1 ] || fail "search '$term': the oracle finds nothing, a weak check"
}

check 'is:in' '' in
check 'is:out' '' out
check "after:$D20" '' '' "$D20"
check "before:$D70" '' '' '' "$D70"
check "after:$T30 is:in" '' in "${T30/T/ }"
# A text walks a month or reads its matches at once, by its density: the
# same pages whichever it takes.
for force in '' walk bitmap; do
export CONVO_FORCE_STEP=$force
check 'is:out pizza' pizza out
check 'pizza is:in' pizza in
check "after:$D70 before:$D20 coffee" coffee '' "$D70" "$D20"
check "before:$D45 is:out after:$D100 pizza" pizza out "$D100" "$D45"
check 'is:in words' words in
check 'with:fil plain' plain '' '' '' fil
done
for force in '' months; do
export CONVO_FORCE_STEP=$force # months: with: reads the months, not the contacts' index
check 'with:ana' '' '' '' '' ana
check 'with:"Ana M"' '' '' '' '' 'Ana M'
check 'with:ana coffee' coffee '' '' '' ana
check 'with:555-300005 is:out' '' out '' '' 555-300005
check "with:fil before:$D20 pizza" pizza '' '' "$D20" fil
done
unset CONVO_FORCE_STEP
check "Zed is:out before:$D20" Zed out '' "$D20"
check 'banana is:in' banana in
check 'is:in 12' 12 in                 # no trigram: the n-gram index
check '"is:in" is:in' 'is:in' in       # punctuation: the n-gram index
EMPTY_OK=1 check 'is:in is:out' '' none
EMPTY_OK=1 check "before:$D100 after:$D20 pizza" pizza '' "$D20" "$D100"
pass "filters and their combinations page as the SQL oracle says"

# Out of budget, an answer holds the rows found so far (each final) and a
# cursor that continues where it stopped: walked so, the same rows.
for term in 'is:in' "before:$D45 pizza" 'is:out coffee'; do
    want=$(walk "$term")
    got=$(walk "$term" '--budget 1')
    [ "$got" = "$want" ] || fail "search '$term' --budget 1: [$got], in full [$want]"
done
pass "partial answers of filtered searches continue to the same rows"

# A quoted filter word is text, and so is every word with --literal.
want=$(oracle 'is:in')
got=$(walk '"is:in"'); [ "$got" = "$want" ] || fail "'\"is:in\"' found [$got], the text is:in [$want]"
[ "$(walk 'is:in' --literal)" = "$want" ] || fail "--literal is:in is not the text is:in"
case $want in 9:*) ;; *) fail "the text is:in not found: [$want]" ;; esac
pass "a quoted filter word and --literal search the text"

# Bad filters: exit 2, one line naming the word.
bad() { # TERM LINE
    local rc=0
    "$query" search -- "$1" >"$work/out" 2>"$work/err" || rc=$?
    [ "$rc" = 2 ] || fail "search '$1' exit $rc, not 2"
    [ "$(cat "$work/err")" = "$2" ] || fail "search '$1' said [$(cat "$work/err")], not [$2]"
    [ ! -s "$work/out" ] || fail "search '$1' printed to stdout"
}
bad 'is:sideways' "convo-query: bad filter 'is:sideways': is: takes in or out"
bad 'pizza after:2026-13-01' "convo-query: bad filter 'after:2026-13-01': after: takes YYYY-MM-DD or YYYY-MM-DDTHH:MM (no such date or time)"
bad 'with:' "convo-query: bad filter 'with:': with: takes a name or phone number"
bad 'with:"" x' "convo-query: bad filter 'with:\"\"': with: takes a name or phone number"
bad 'before:' "convo-query: bad filter 'before:': before: takes YYYY-MM-DD or YYYY-MM-DDTHH:MM (no date)"
pass "bad filters exit 2 with one line naming them"

# A cursor belongs to its whole term: another filter's, or the same
# words searched literally, are refused.
"$query" search 'is:in' --limit 2 >"$work/out" || fail "search is:in failed"
cur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_cursor"])' "$work/out")
rc=0; "$query" search 'is:out' --limit 2 --after "$cur" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a cursor of is:in continued is:out (exit $rc)"
rc=0; "$query" search --literal 'is:in' --limit 2 --after "$cur" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "a cursor of is:in continued the literal is:in (exit $rc)"
pass "filtered cursors belong to their term"

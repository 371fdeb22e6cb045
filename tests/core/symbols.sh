#!/usr/bin/env bash
# tests/core/symbols.sh CONVO_QUERY - terms made of symbols (`€€€`, `🦊🦊🦊`,
# `→→→`, `•••`): pg_trgm keeps no trigram for them (its words are letters
# and digits), so search must read them through the n-gram index (grams
# steps), never a trigram bitmap (which reads the whole index) nor a scan,
# and find what ILIKE finds. And a search that runs out of its budget
# before finding anything still says where to continue. Writes, so it
# runs in a database of its own.
source "$(dirname "$0")/../lib.sh"
query=$1

DB=convo_symbols_test_$$
fresh_db "$DB"
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -X -q -d postgres -c "drop database if exists \"$DB\" with (force)" >/dev/null 2>&1 || true' EXIT

# Three months with partitions of their own (the newest two from the
# schema, the oldest made here), filler text, and the symbols in a few rows.
q "select public.convo_month_partition((now() - interval '2 months')::date);
   insert into contacts (phone_number, name)
   select '+1555400' || lpad(g::text, 4, '0'), 'Sym ' || g from generate_series(1, 40) g;
   update contacts set name = 'Fox 🦊🦊🦊' where id = 7;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 40, 'in', 'plain words number ' || g, now() - g * interval '90 minutes'
     from generate_series(1, 1400) g;
   insert into messages (contact_id, direction, content, created_at) values
     (3, 'in', 'costs €€€ now', now() - interval '1 hour'),
     (4, 'out', 'a fox 🦊🦊🦊 here', now() - interval '40 days'),
     (5, 'in', 'go → → → not quite', now() - interval '2 days'),
     (5, 'in', 'go →→→ there', now() - interval '50 days'),
     (6, 'in', 'list ••• more', now() - interval '3 days'),
     (8, 'in', '€€ only two', now() - interval '4 days');
   analyze" >/dev/null

# oracle TERM: contact ids in order, as DESIGN's search semantics say.
oracle() {
    local p="'%' || \$\$$1\$\$ || '%'"
    q "select c.id from contacts c cross join lateral (
         select created_at, id from messages m where m.contact_id = c.id
            and ($(match_sql m.content "$p")
                 or $(match_sql c.name "$p")
                 or $(match_sql c.phone_number "$p"))
          order by created_at desc, id desc limit 1) a
       order by a.created_at desc, a.id desc" | tr '\n' ' '
}

for term in '€€€' '🦊🦊🦊' '→→→' '•••'; do
    CONVO_TRACE=1 "$query" search "$term" >"$work/out" 2>"$work/trace" \
        || fail "search '$term' exit $?: $(cat "$work/trace")"
    grep -q '^convo: grams ' "$work/trace" \
        || fail "search '$term' took no n-gram step: $(cat "$work/trace")"
    if grep -Eq '^convo: (bitmap|scan) ' "$work/trace"; then
        fail "search '$term' read a trigram index or scanned: $(grep -E '^convo: (bitmap|scan) ' "$work/trace")"
    fi
    got=$(python3 -c 'import json,sys; print(" ".join(str(r["contact_id"]) for r in json.load(open(sys.argv[1]))["conversations"]), end=" ")' "$work/out")
    want=$(oracle "$term")
    [ "$got" = "$want" ] || fail "search '$term' found [$got], ILIKE finds [$want]"
done
pass "symbol terms read the n-gram index (no trigram bitmap, no scan) and find what ILIKE finds"

# A phone number, `+` and all, is read through the trigrams of its digits
# even when the steps are forced to the n-gram index (its digit pairs are
# everywhere in text full of numbers); and it still finds what ILIKE finds.
for term in '+15554000007' '+155540000'; do
    CONVO_FORCE_STEP=g CONVO_TRACE=1 "$query" search "$term" >"$work/out" 2>"$work/trace" \
        || fail "search '$term' exit $?: $(cat "$work/trace")"
    ! grep -q '^convo: grams ' "$work/trace" || fail "search '$term' read the n-gram index: $(cat "$work/trace")"
    got=$(python3 -c 'import json,sys; print(" ".join(str(r["contact_id"]) for r in json.load(open(sys.argv[1]))["conversations"]), end=" ")' "$work/out")
    [ "$got" = "$(oracle "$term")" ] || fail "search '$term' found [$got], ILIKE finds [$(oracle "$term")]"
done
pass "a phone number is read through the trigrams of its digits"

# A partial answer with no rows yet: contacts are locked, so the first
# step (the contacts' own) waits past the budget. The answer must still say
# how to continue, from where the search stopped (here: where the page
# before it ended): continuing after the lock is gone gives the rest, and
# the pages together give every conversation once. The phrase is quoted:
# one text, searched by the engine whose steps wait (several words read
# the contacts when the search opens).
"$query" search '"plain words"' --limit 5 >"$work/p1" || fail "first page exit $?"
c1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_cursor"])' "$work/p1")
tag=lock_$$
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
begin;
lock table contacts in access exclusive mode;
select pg_sleep(2) /* $tag */;
commit;
SQL
lpid=$!
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_stat_activity where query like '%$tag%' and state = 'active'
            and pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.05
done
"$query" search '"plain words"' --after "$c1" --budget 40 >"$work/partial" || fail "partial search exit $?"
c2=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["complete"] is False, d
assert d["conversations"] == [], d
assert d["next_cursor"], "a partial answer without a cursor: %s" % d
print(d["next_cursor"])' "$work/partial") || fail "partial answer: $(cat "$work/partial")"
wait $lpid || fail "the lock did not hold"
"$query" search '"plain words"' --after "$c2" --limit 1000 >"$work/rest" || fail "continuing exit $?"
got=$(python3 -c 'import json,sys
rows = []
for f in sys.argv[1:]:
    d = json.load(open(f))
    rows += [r["contact_id"] for r in d["conversations"]]
assert d["complete"] is True, d
print(" ".join(map(str, rows)), end=" ")' "$work/p1" "$work/rest") || fail "continuing: $(cat "$work/rest")"
want=$(oracle 'plain words')
[ "$got" = "$want" ] || fail "first page + the continued partial answer: [$got], want [$want]"
pass "a partial answer with no rows says where to continue, and continuing resumes there"

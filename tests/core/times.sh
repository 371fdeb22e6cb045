#!/usr/bin/env bash
# tests/core/times.sh QUERY - messages at the edges of PostgreSQL's time
# range: BC dates (44 BC, 4713 BC) are listed, searched and paged across
# with exact times; times convo cannot carry (294276 AD, infinity) are
# refused when written, naming the constraint.
source "$(dirname "$0")/../lib.sh"
QUERY=$1
fresh_db "convo_times_$$"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; psql -X -q -d postgres -c "drop database if exists \"convo_times_$$\" with (force)" >/dev/null 2>&1' EXIT

q "insert into contacts (id, phone_number, name) values (1, '+15550001', 'Ann'), (2, '+15550002', 'Bob'), (3, '+15550003', 'Cy')"
q "insert into messages (contact_id, direction, content, created_at) values
   (1, 'in', 'bc-era zorblax', '0044-03-15 12:00+00 BC'),
   (2, 'out', 'first zorblax', '4713-11-24 00:00+00 BC'),
   (3, 'in', 'near zorblax', '0001-01-01 00:00:00.000001+00'),
   (3, 'in', 'late zorblax', '99999-12-31 23:59:59.999999+00'),
   (1, 'out', 'older bc zorblax', '0044-03-15 11:59:59.999999+00 BC')"

# json FILE EXPR: a value from convo-query's JSON.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

"$QUERY" search zorblax >"$WORK/all" 2>"$WORK/err" || fail "search zorblax: $(cat "$WORK/err")"
got=$(json "$WORK/all" "' '.join(r['created_at'] for r in d['conversations'])")
want="+99999-12-31T23:59:59.999999+00:00 -0043-03-15T12:00:00.000000+00:00 -4712-11-24T00:00:00.000000+00:00"
[ "$got" = "$want" ] || fail "search times: got [$got] want [$want]"
pass "search over BC and far-future messages: exact ISO 8601 times"

# One row per page, every page from the cursor of the one before.
walk() {
    local kind=$1 after="" n=0 rows=""
    shift
    while :; do
        "$QUERY" "$kind" "$@" --limit 1 ${after:+--after "$after"} >"$WORK/page" 2>"$WORK/err" \
            || fail "$kind $* page $n: $(cat "$WORK/err")"
        rows+="$(json "$WORK/page" "' '.join(r['content'].split()[0] for r in d['$key'])") "
        after=$(json "$WORK/page" "d['next_cursor'] or ''")
        n=$((n + 1))
        [ -n "$after" ] && [ $n -lt 20 ] || break
    done
    echo "$rows"
}
key=conversations
[ "$(walk search zorblax | xargs)" = "late bc-era first" ] || fail "search pages: $(walk search zorblax)"
[ "$(walk recent | xargs)" = "late bc-era first" ] || fail "recent pages: $(walk recent)"
key=messages
[ "$(walk messages 1 | xargs)" = "bc-era older" ] || fail "messages pages: $(walk messages 1)"
[ "$(walk messages 3 | xargs)" = "late near" ] || fail "messages pages: $(walk messages 3)"
pass "paging one row at a time across 4713 BC, 44 BC, 1 AD and 99999 AD"

for t in '294276-12-31 23:59:59+00' '100000-01-01 00:00+00' 'infinity' '-infinity'; do
    out=$(psql -X -q -v ON_ERROR_STOP=1 -c "insert into messages (contact_id, direction, content, created_at)
                                            values (1, 'in', 'x', '$t')" 2>&1) \
        && fail "a message at $t was accepted"
    grep -q 'messages_created_at_supported' <<<"$out" || fail "refusing $t: $out"
done
"$QUERY" search zorblax >/dev/null 2>&1 || fail "search broke after refused inserts"
pass "294276 AD, year 100000 and the infinities are refused when written, naming the constraint"

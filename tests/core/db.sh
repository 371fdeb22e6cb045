#!/usr/bin/env bash
# tests/core/db.sh CORE_DB CONVO_QUERY CORE_CANCEL: core's db tests in a
# database of their own, a stale search's cancel seen on the server, then
# convo-query's exit codes and JSON.
source "$(dirname "$0")/../lib.sh"
core_db=$1 query=$2 core_cancel=$3
fresh_db "convo_core_test_$$"

"$core_db" || fail "core db tests"
"$core_cancel" || fail "core cancel test"

# convo-query: JSON shape and exit codes.
json_check() { python3 -c 'import json,sys; d=json.load(sys.stdin); k=sys.argv[1]
assert set(d) >= {k, "next_cursor", "elapsed_ms"}, d.keys()
for r in d[k]:
    assert set(r) >= {"contact_id","name","phone_number","message_id","direction","content","created_at"}, r
    assert r["direction"] in ("in","out") and r["created_at"][10] == "T" and r["created_at"][-6] == "+"
    if len(sys.argv) > 2: assert set(r["matched"]) <= {"content","name","phone"} and r["matched"]
print(d["next_cursor"] or "")' "$@"; }

out=$("$query" recent --limit 3) || fail "convo-query recent exit $?"
cursor=$(printf '%s' "$out" | json_check conversations) || fail "recent JSON: $out"
[ -n "$cursor" ] || fail "recent gave no cursor"
"$query" recent --limit 3 --after "$cursor" | json_check conversations >/dev/null || fail "recent page 2"
out=$("$query" search 'café' --limit 5) || fail "convo-query search exit $?"
scursor=$(printf '%s' "$out" | json_check conversations matched) || fail "search JSON: $out"
cid=$(psql -X -Atc "select contact_id from messages limit 1")
"$query" messages "$cid" --limit 2 | json_check messages >/dev/null || fail "messages JSON"
pass "convo-query JSON"

errfile=$(mktemp)
expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >/dev/null 2>"$errfile" || rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $(cat "$errfile")"
    [ "$want" = 0 ] || [ "$(wc -l <"$errfile")" -ge 1 ] || fail "$* printed no message"
}
expect_rc 2 "$query"
expect_rc 2 "$query" frobnicate
expect_rc 2 "$query" search
expect_rc 2 "$query" recent --limit 0
expect_rc 2 "$query" recent --limit x
expect_rc 2 "$query" recent --bogus
expect_rc 2 "$query" messages abc
expect_rc 2 "$query" search "$(printf 'x%.0s' $(seq 201))"
expect_rc 2 "$query" search "$(printf 'caf\xc3')"
expect_rc 2 "$query" recent --after "$scursor"
expect_rc 2 "$query" search other --after "$scursor"
expect_rc 1 "$query" -d "host=/nonexistent dbname=nothing" recent
expect_rc 1 "$query" --db "postgresql:///no_such_database_here" recent
expect_rc 0 "$query" search 'café' --after "$scursor"
expect_rc 0 "$query" search '' --limit 2
[ "$("$query" -d "postgresql:///no_such_database_here" recent 2>&1 | wc -l)" = 1 ] || fail "error is not one line"
rm -f "$errfile"
pass "convo-query exit codes"

#!/usr/bin/env bash
# tests/core/query_cli.sh CONVO_QUERY: convo-query's error contract. Usage
# errors: exit 2, one line on stderr naming the problem, nothing on stdout;
# --help: the usage on stdout, exit 0; a failed write of the output and a
# missing contact: exit 1 with one line. Reads PGDATABASE; the check of a
# contact without messages writes, so it runs in a database of its own.
source "$(dirname "$0")/../lib.sh"
query=$1

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# run ARGS...: runs convo-query; sets rc, leaves stdout and stderr in files.
run() { rc=0; "$query" "$@" >"$out" 2>"$err" || rc=$?; }

# one_line WHAT: stderr is exactly one line.
one_line() {
    [ "$(wc -l <"$err")" = 1 ] && [ "$(tail -c 1 "$err" | wc -l)" = 1 ] \
        || fail "$1: stderr is not one line: $(cat "$err")"
}

# usage_error WANT_SUBSTRING ARGS...
usage_error() {
    local want=$1
    shift
    run "$@"
    [ "$rc" = 2 ] || fail "convo-query $* exited $rc, want 2: $(cat "$err")"
    one_line "convo-query $*"
    grep -qF -- "$want" "$err" || fail "convo-query $*: stderr lacks '$want': $(cat "$err")"
    grep -q '^convo-query: .*(see convo-query --help)$' "$err" \
        || fail "convo-query $*: stderr not in the usual form: $(cat "$err")"
    [ ! -s "$out" ] || fail "convo-query $*: wrote to stdout on a usage error"
}

run recent --limit 0
[ "$(cat "$err")" = "convo-query: --limit must be 1..1000, got 0 (see convo-query --help)" ] \
    || fail "--limit 0 message: $(cat "$err")"
usage_error "missing command"
usage_error "unknown command frobnicate" frobnicate
usage_error "search needs a TERM" search
usage_error "messages needs a CONTACT_ID" messages
usage_error "--limit must be 1..1000, got 0" recent --limit 0
usage_error "--limit must be 1..1000, got 1001" recent --limit 1001
usage_error "--limit must be 1..1000, got x" recent --limit x
usage_error "--limit needs" recent --limit
usage_error "unknown option --bogus" recent --bogus
usage_error "unexpected argument extra" recent extra
usage_error "CONTACT_ID must be" messages abc
usage_error "CONTACT_ID must be" messages 0
usage_error "--after needs a cursor" recent --after ''
usage_error "--after needs a cursor" messages 1 --after ''
usage_error "--after needs a cursor" search x --after ''
usage_error "--after needs a cursor" recent --after
usage_error "--budget must be" search x --budget -1
usage_error "--budget applies to search only, not recent" recent --budget 40
usage_error "--budget applies to search only, not messages" messages 1 --budget 40
run search "$(printf 'bad \xff byte')"
[ "$rc" = 2 ] && grep -qx "convo-query: invalid search term: invalid UTF-8" "$err" \
    || fail "invalid UTF-8 term: exit $rc, $(cat "$err")"
run search "$(printf 'a%.0s' $(seq 201))"
[ "$rc" = 2 ] && grep -qx "convo-query: invalid search term: longer than 200 characters" "$err" \
    || fail "201-character term: exit $rc, $(cat "$err")"
usage_error "-d needs" -d
usage_error "--limit must be 1..1000, got 1?2" recent --limit $'1\n2'
pass "convo-query usage errors: exit 2, one line"

for h in --help -h; do
    run "$h"
    [ "$rc" = 0 ] || fail "convo-query $h exited $rc"
    [ ! -s "$err" ] || fail "convo-query $h wrote to stderr: $(cat "$err")"
    grep -q '^usage: convo-query' "$out" || fail "convo-query $h: no usage on stdout"
    [ "$(wc -l <"$out")" -ge 3 ] || fail "convo-query $h: usage too short"
done
run recent --help
[ "$rc" = 0 ] && grep -q '^usage:' "$out" || fail "convo-query recent --help"
pass "convo-query --help: usage on stdout, exit 0"

# Output that cannot be written.
if [ -w /dev/full ]; then
    for args in "recent --limit 1000" "recent --limit 1" "--help"; do
        rc=0
        # shellcheck disable=SC2086
        "$query" $args >/dev/full 2>"$err" || rc=$?
        [ "$rc" = 1 ] || fail "convo-query $args >/dev/full exited $rc, want 1"
        one_line "convo-query $args >/dev/full"
        [ "$(cat "$err")" = "convo-query: cannot write output: No space left on device" ] \
            || fail "convo-query $args >/dev/full: $(cat "$err")"
    done
    pass "convo-query: a failed write exits 1 with one line"
fi

# Contacts: a missing one is an error; an existing one is not.
missing=$(q "select coalesce(max(id), 0) + 1000 from contacts")
run messages "$missing"
[ "$rc" = 1 ] || fail "messages $missing (no such contact) exited $rc, want 1"
one_line "messages $missing"
[ "$(cat "$err")" = "convo-query: no contact with id $missing" ] || fail "messages $missing: $(cat "$err")"
[ ! -s "$out" ] || fail "messages $missing: wrote to stdout"
run messages 2147483647
[ "$rc" = 1 ] && grep -qx "convo-query: no contact with id 2147483647" "$err" \
    || fail "messages 2147483647 exited $rc: $(cat "$err")"
cid=$(q "select contact_id from messages limit 1")
if [ -n "$cid" ]; then
    run messages "$cid" --limit 1
    [ "$rc" = 0 ] || fail "messages $cid exited $rc: $(cat "$err")"
    grep -q '"messages": \[' "$out" || fail "messages $cid: no JSON"
    [ ! -s "$err" ] || fail "messages $cid wrote to stderr: $(cat "$err")"
fi

# A database error is one line too.
run -d "postgresql:///no_such_database_here" recent
[ "$rc" = 1 ] || fail "unknown database exited $rc, want 1"
one_line "unknown database"

# A contact without messages: an empty list, exit 0.
db="convo_query_cli_$$"
fresh_db "$db"
trap 'rm -f "$out" "$err"; psql -X -q -d postgres -c "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true' EXIT
q "insert into contacts (phone_number, name) values ('+15550000001', 'Quiet')" >/dev/null
quiet=$(q "select id from contacts where phone_number = '+15550000001'")
run messages "$quiet"
[ "$rc" = 0 ] || fail "messages $quiet (no messages) exited $rc: $(cat "$err")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["messages"] == [] and d["next_cursor"] is None, d' "$out" \
    || fail "messages $quiet: $(cat "$out")"
run messages "$((quiet + 1))"
[ "$rc" = 1 ] && grep -qx "convo-query: no contact with id $((quiet + 1))" "$err" \
    || fail "messages $((quiet + 1)) in a fresh database exited $rc: $(cat "$err")"
pass "convo-query messages: missing contact exit 1, contact without messages exit 0"

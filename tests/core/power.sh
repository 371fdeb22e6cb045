#!/usr/bin/env bash
# tests/core/power.sh CONVO_QUERY: the power-user commands against SQL
# oracles. --before on recent and messages (the first page is the query
# "created_at < DATE ... limit 50", the cursor continues it, in two time
# zones; bad dates exit 2 naming the date); export of a conversation and of
# a search in jsonl, csv and txt (ids, order, counts, flat memory, a closed
# pipe ends it with 0 and no error); then, in a database of its own,
# contact add (E.164, duplicates exit 1 naming the id, malformed numbers
# exit 2) and contacts without messages in search (after every
# conversation, message_id null, pages across the boundary).
source "$(dirname "$0")/../lib.sh"
query=$1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out err=$tmp/err

run() { rc=0; "$query" "$@" >"$out" 2>"$err" || rc=$?; }

# ids KEY FIELD: the FIELD of each row under KEY of the JSON in $out.
ids() {
    python3 -c 'import json,sys; print("\n".join(str(r[sys.argv[2]]) for r in json.load(open(sys.argv[1]))[sys.argv[3]]))' \
        "$out" "$2" "$1"
}
cursor() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_cursor"] or "")' "$out"; }

# ---- --before ----------------------------------------------------------
# The conversations whose last message is strictly before the instant $1
# (an SQL expression), by brute force over messages.
recent_oracle() {
    q "select id from (select distinct on (contact_id) contact_id, created_at, id from messages
                       order by contact_id, created_at desc, id desc) l
       where created_at < $1 order by created_at desc, id desc limit 50 offset ${2:-0}"
}
messages_oracle() {
    q "select id from messages where contact_id = $1 and created_at < $2
       order by created_at desc, id desc limit 50 offset ${3:-0}"
}

busy=$(q "select contact_id from messages group by 1 order by count(*) desc, 1 limit 1")
mid=$(q "select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') from messages
         order by created_at offset (select count(*) / 2 from messages) limit 1")
cmid=$(q "select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') from messages
          where contact_id = $busy order by created_at offset
          (select count(*) / 2 from messages where contact_id = $busy) limit 1")
[ -n "$mid" ] && [ -n "$cmid" ] || fail "no data to test --before on"
for tz in UTC America/New_York; do
    for date in "$mid" "${cmid}"; do
        local_sql="'${date/T/ }'::timestamp at time zone '$tz'"
        rc=0; TZ=$tz "$query" recent --before "$date" >"$out" 2>"$err" || rc=$?
        [ "$rc" = 0 ] || fail "recent --before $date exited $rc: $(cat "$err")"
        [ "$(ids conversations message_id)" = "$(recent_oracle "$local_sql")" ] \
            || fail "recent --before $date (TZ=$tz): first page differs from the oracle"
        next=$(cursor)
        [ -n "$next" ] || fail "recent --before $date: no cursor"
        run recent --after "$next"
        [ "$(ids conversations message_id)" = "$(recent_oracle "$local_sql" 50)" ] \
            || fail "recent --before $date (TZ=$tz): the cursor does not continue it"
        rc=0; TZ=$tz "$query" messages "$busy" --before "$date" >"$out" 2>"$err" || rc=$?
        [ "$rc" = 0 ] || fail "messages --before $date exited $rc: $(cat "$err")"
        [ "$(ids messages message_id)" = "$(messages_oracle "$busy" "$local_sql")" ] \
            || fail "messages $busy --before $date (TZ=$tz): first page differs from the oracle"
        next=$(cursor)
        if [ -n "$next" ]; then
            run messages "$busy" --cursor "$next"
            [ "$(ids messages message_id)" = "$(messages_oracle "$busy" "$local_sql" 50)" ] \
                || fail "messages --before $date (TZ=$tz): --cursor does not continue it"
        fi
    done
done
for rel in -3d -2w -1m yesterday today; do
    run recent --before "$rel" --limit 1
    [ "$rc" = 0 ] || fail "recent --before $rel exited $rc: $(cat "$err")"
done
for bad in 2026-02-30 2026-13-01 2026-1-1 tomorrow -3y 2026-03-14T25:00 ''; do
    for cmd in "recent" "messages $busy"; do
        # shellcheck disable=SC2086
        run $cmd --before "$bad"
        [ "$rc" = 2 ] || fail "$cmd --before '$bad' exited $rc, want 2"
        grep -qF "bad date '$bad'" "$err" || fail "$cmd --before '$bad': $(cat "$err")"
        [ "$(wc -l <"$err")" = 1 ] && [ ! -s "$out" ] || fail "$cmd --before '$bad': not one line"
    done
done
run search x --before 2026-01-01
[ "$rc" = 2 ] || fail "search --before exited $rc, want 2"
run recent --before 2026-01-01 --after "$next"
[ "$rc" = 2 ] || fail "--before with --after exited $rc, want 2"
pass "--before: first pages and cursors equal the oracle in UTC and New York, bad dates exit 2"

# ---- export -------------------------------------------------------------
n=$(q "select count(*) from messages where contact_id = $busy")
want_ids=$(q "select id from messages where contact_id = $busy order by created_at, id")
[ "$(q "select count(*) from messages where contact_id = $busy and content ~ '[\n\r]'")" = 0 ] \
    || fail "the test's conversation has line breaks in its text"
run export "$busy"
[ "$rc" = 0 ] && [ ! -s "$err" ] || fail "export $busy exited $rc: $(cat "$err")"
[ "$(wc -l <"$out")" = "$n" ] || fail "export jsonl: $(wc -l <"$out") lines, want $n"
got=$(python3 -c 'import json,sys
for line in open(sys.argv[1]): print(json.loads(line)["message_id"])' "$out")
[ "$got" = "$want_ids" ] || fail "export jsonl: ids or order differ from the table"
cp "$out" "$tmp/jsonl"
run messages "$busy" --limit 1
python3 - "$tmp/jsonl" "$out" <<'PY' || fail "export jsonl: keys differ from convo-query messages"
import json, sys
line = json.loads(open(sys.argv[1]).readline())
page = json.load(open(sys.argv[2]))["messages"][0]
assert list(line) == list(page), (list(line), list(page))
PY
run export "$busy" --format csv
[ "$rc" = 0 ] || fail "export csv exited $rc: $(cat "$err")"
python3 - "$out" "$tmp/jsonl" "$n" <<'PY' || fail "export csv differs from the table"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["contact_id", "name", "phone_number", "message_id", "direction",
                   "content", "created_at"], rows[0]
body = rows[1:]
assert len(body) == int(sys.argv[3]), len(body)
lines = [json.loads(l) for l in open(sys.argv[2])]
for r, j in zip(body, lines):
    assert r == [str(j[k]) for k in ("contact_id", "name", "phone_number", "message_id",
                                       "direction", "content", "created_at")], (r, j)
assert open(sys.argv[1], "rb").read().count(b"\r\n") >= len(rows)
PY
TZ=UTC "$query" export "$busy" --format txt >"$out" 2>"$err" || fail "export txt failed: $(cat "$err")"
[ "$(wc -l <"$out")" = "$((n + 2))" ] || fail "export txt: $(wc -l <"$out") lines, want $((n + 2))"
head1=$(q "select concat_ws('  ', nullif(name, ''), phone_number) from contacts where id = $busy")
[ "$(head -1 "$out")" = "$head1" ] || fail "export txt: heading $(head -1 "$out"), want $head1"
first=$(q "select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI  ')
                  || case direction when 'out' then '>' else '<' end || ' ' || content
           from messages where contact_id = $busy order by created_at, id limit 1")
[ "$(sed -n 3p "$out")" = "$first" ] || fail "export txt: first line $(sed -n 3p "$out"), want $first"

term=pizza
want_ids=$(q "select id from messages where $(match_sql content "'%$term%'") order by created_at desc, id desc")
run export --search "$term"
[ "$rc" = 0 ] || fail "export --search exited $rc: $(cat "$err")"
got=$(python3 -c 'import json,sys
for line in open(sys.argv[1]): print(json.loads(line)["message_id"])' "$out")
[ "$got" = "$want_ids" ] || fail "export --search $term: ids differ from the table"
run export --search "$term" --format csv
[ "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline=""))))-1)' "$out")" \
    = "$(printf '%s\n' "$want_ids" | wc -l)" ] || fail "export --search csv: row count"

# A reader that stops early: exit 0, nothing on stderr.
set +o pipefail
"$query" export --search e 2>"$err" | head -1 >/dev/null
rc=${PIPESTATUS[0]}
set -o pipefail
[ "$rc" = 0 ] || fail "export | head -1 exited $rc"
[ ! -s "$err" ] || fail "export | head -1 wrote: $(cat "$err")"

# Flat memory: everything that holds an "e" costs no more than one
# conversation (the rows are not held; all of them would be megabytes).
# AddressSanitizer would keep freed rows in its quarantine: not here.
rss() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0 python3 -c 'import resource,subprocess,sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
small=$(rss "$query" export "$busy")
big=$(rss "$query" export --search e)
rows_e=$(q "select count(*) from messages where $(match_sql content "'%e%'")")
[ "$rows_e" -gt 20000 ] || fail "too few rows ($rows_e) to measure memory"
[ "$big" -lt $((small + 3000)) ] || fail "export of $rows_e rows used ${big} kB, one conversation ${small} kB"

missing=$(q "select coalesce(max(id), 0) + 1000 from contacts")
run export "$missing"
[ "$rc" = 1 ] && grep -qx "convo-query: no contact with id $missing" "$err" \
    || fail "export of a missing contact exited $rc: $(cat "$err")"
[ ! -s "$out" ] || fail "export of a missing contact wrote output"
run export "$busy" --format xml
[ "$rc" = 2 ] && grep -q "jsonl, csv or txt" "$err" || fail "export --format xml exited $rc"
run export
[ "$rc" = 2 ] || fail "export without arguments exited $rc"
run export "$busy" --search x
[ "$rc" = 2 ] || fail "export with both exited $rc"
pass "export: jsonl, csv and txt equal the table, | head -1 exits 0, memory flat"

# ---- contact add and contacts without messages -----------------------------
fresh_db "convo_power_$$"
trap 'rm -rf "$tmp"; psql -X -q -d postgres -c "drop database if exists \"convo_power_$$\" with (force)" >/dev/null 2>&1 || true' EXIT
run contact add "+1 (415) 555-0100" "Quinn Zephyr"
[ "$rc" = 0 ] || fail "contact add exited $rc: $(cat "$err")"
python3 - "$out" <<'PY' || fail "contact add printed $(cat "$out")"
import json, sys
c = json.load(open(sys.argv[1]))
assert list(c) == ["id", "phone_number", "name", "created_at"], c
assert c["phone_number"] == "+14155550100" and c["name"] == "Quinn Zephyr", c
PY
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$out")
[ "$(q "select phone_number from contacts where id = $first")" = "+14155550100" ] \
    || fail "contact add: not in the table"
for dup in "+14155550100" "+1.415.555.0100"; do
    run contact add "$dup" "Other"
    [ "$rc" = 1 ] || fail "contact add $dup (a duplicate) exited $rc"
    grep -q "contact $first already has" "$err" || fail "contact add $dup: $(cat "$err")"
done
q "insert into contacts (phone_number, name) values ('(415) 555-0111', 'Old Format')" >/dev/null
old=$(q "select id from contacts where name = 'Old Format'")
run contact add "+4155550111"
[ "$rc" = 1 ] && grep -q "contact $old already" "$err" || fail "same digits written another way: $rc $(cat "$err")"
for bad in 415 "+1234567" "+1234567890123456" "+1 415 abc" "+0123456789" ""; do
    run contact add "$bad"
    [ "$rc" = 2 ] && grep -q "invalid phone number" "$err" || fail "contact add '$bad' exited $rc: $(cat "$err")"
done
[ "$(q "select count(*) from contacts")" = 2 ] || fail "a refused contact add wrote"
pass "contact add: E.164, duplicates exit 1 naming the id, malformed exit 2"

# Three conversations and four contacts without messages, all "Zephyr".
for i in 1 2 3; do
    run contact add "+4930000000$i" "Zephyr Talker $i"
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$out")
    q "insert into messages (contact_id, direction, content, created_at)
       values ($id, 'in', 'hello $i', '2026-01-0$i 12:00+00')" >/dev/null
done
q "insert into messages (contact_id, direction, content, created_at)
   values ($old, 'in', 'talk of zephyr winds', '2026-01-05 12:00+00')" >/dev/null
for i in 1 2 3; do run contact add "+4930000010$i" "Quiet Zephyr $i"; done
run search zephyr --limit 100
python3 - "$out" <<'PY' || fail "contacts without messages in search: $(cat "$out")"
import json, sys
rows = json.load(open(sys.argv[1]))["conversations"]
with_msg = [r for r in rows if r["message_id"] is not None]
without = [r for r in rows if r["message_id"] is None]
assert len(with_msg) == 4 and len(without) == 4, rows   # the first contact has none either
assert rows[:4] == with_msg, "conversations come first"
assert [r["created_at"] for r in with_msg] == sorted((r["created_at"] for r in with_msg), reverse=True)
assert [r["contact_id"] for r in without] == sorted((r["contact_id"] for r in without), reverse=True)
for r in without:
    assert r["direction"] is None and r["content"] is None and r["created_at"] is None, r
    assert r["matched"] == ["name"], r
PY
full=$(ids conversations contact_id)
for limit in 1 2 3 4 5 7; do
    got="" next=""
    while :; do
        if [ -n "$next" ]; then run search zephyr --limit "$limit" --after "$next"
        else run search zephyr --limit "$limit"; fi
        [ "$rc" = 0 ] || fail "search page exited $rc: $(cat "$err")"
        page=$(ids conversations contact_id)
        [ -n "$page" ] && got="$got$page"$'\n'
        next=$(cursor)
        [ -n "$next" ] || break
    done
    [ "$got" = "$full"$'\n' ] || fail "pages of $limit across the boundary: $got"
done
# Strictly before: the message at exactly 2026-01-02 12:00 is not before
# 2026-01-02T12:00, and is before 12:01.
talker2=$(q "select id from contacts where name = 'Zephyr Talker 2'")
rc=0; TZ=UTC "$query" messages "$talker2" --before 2026-01-02T12:00 >"$out" 2>"$err" || rc=$?
[ "$rc" = 0 ] && [ -z "$(ids messages message_id)" ] || fail "--before is not strictly before: $(cat "$out")"
rc=0; TZ=UTC "$query" messages "$talker2" --before 2026-01-02T12:01 >"$out" 2>"$err" || rc=$?
[ "$(ids messages content)" = "hello 2" ] || fail "--before 12:01 misses the 12:00 message: $(cat "$out")"
rc=0; TZ=UTC "$query" recent --before 2026-01-02T12:00 >"$out" 2>"$err" || rc=$?
[ "$(ids conversations content)" = "hello 1" ] || fail "recent --before is not strictly before: $(cat "$out")"

run search 49300000102
[ "$(ids conversations contact_id)" = "$(q "select id from contacts where phone_number = '+49300000102'")" ] \
    || fail "a contact without messages found by its phone number: $(cat "$out")"
run search "zephyr winds"
[ "$(ids conversations contact_id)" = "$old" ] || fail "content match: $(cat "$out")"
run recent
[ "$(ids conversations contact_id | wc -l)" = 4 ] || fail "recent lists a contact without messages"
pass "search: contacts without messages come last, message fields null, pages across the boundary"

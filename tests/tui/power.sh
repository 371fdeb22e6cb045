#!/usr/bin/env bash
# The power-user keys on a database of its own, at fixed dates (TZ=UTC):
# t in the list (the conversations last active at or before the date, g
# back to the newest, a bad date named), t in a conversation (the messages
# around the date, one seek), e (the transcript written to convo-ID.txt in
# the working directory, an existing file overwritten only after y), a
# contact without messages found by name ("no messages yet", an empty
# conversation, r's first message moves it to the top) and n (a new
# contact through two questions, then its empty conversation). Help shows
# t, e and n.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_power_$$
fresh_db "$db"
tmp=$(mktemp -d)
cleanup() {
    local st=$?
    tui_cleanup || st=1
    psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
    rm -rf "$tmp"
    exit $st
}
trap cleanup EXIT

# Five conversations, last active at noon on 1..5 January; contact 1 also
# holds 300 messages an hour apart from 2025-12-01 00:00 (so its last is
# still 1 January); contact 6 has no message yet.
q "insert into contacts (phone_number, name)
   select '+1555000000' || i, 'Person ' || i from generate_series(1, 5) i" >/dev/null
q "insert into contacts (phone_number, name) values ('+15550000006', 'Quiet Quokka')" >/dev/null
q "insert into messages (contact_id, direction, content, created_at)
   select i, 'in', 'last words of ' || i, ('2026-01-0' || i || ' 12:00+00')::timestamptz
     from generate_series(1, 5) i" >/dev/null
q "insert into messages (contact_id, direction, content, created_at)
   select 1, case when i % 2 = 0 then 'out' else 'in' end, 'hour ' || lpad(i::text, 3, '0'),
          timestamptz '2025-12-01 00:00+00' + make_interval(hours => i)
     from generate_series(0, 299) i" >/dev/null

cd "$tmp"
start_convo
wait_for "Person 5"
[[ "$(line 2)" == *"+15550000005"* ]] || fail "the newest conversation is not on top: $(line 2)"

# ---- t in the list ------------------------------------------------------------
keys t
wait_for "go to:"
type_text "2026-01-03T12:00"
keys Enter
wait_for "up to 2026-01-03 12:00"
wait_until eval '[[ "$(line 2)" == *"+15550000003"* ]]'
[[ "$(line 3)" == *"+15550000002"* ]] && [[ "$(line 4)" == *"+15550000001"* ]] \
    || { screen >&2; fail "t 2026-01-03T12:00: the rows below are not 2 and 1"; }
screen | grep -qE "Person [45]" && fail "t: conversations after the date are shown"
keys g
wait_gone "up to 2026-01-03"
wait_until eval '[[ "$(line 2)" == *"+15550000005"* ]]'
keys t
type_text "2026-02-30"
keys Enter
wait_for "bad date '2026-02-30'"
keys Escape
wait_gone "go to:"
pass "t in the list: the conversations at or before the date, g back, a bad date named"

# ---- help -----------------------------------------------------------------------
keys '?'
wait_for "go to a date"
screen | grep -q "export the conversation" && screen | grep -q "new contact" \
    || { screen >&2; fail "help lacks e or n"; }
keys q
wait_gone "go to a date"

# ---- t in a conversation --------------------------------------------------------
keys t
type_text "2026-01-02"
keys Enter
wait_until eval '[[ "$(line 2)" == *"+15550000001"* ]]'
keys Enter
wait_chat
wait_for "last words of 1"
keys t
wait_for "go to:"
type_text "2025-12-05T10:00"
keys Enter
# 2025-12-05 10:00 is hour 106 after 1 December: it shows, the newest does not.
wait_for "hour 106"
screen | grep -q "last words of 1" && fail "t in the conversation: still at the newest"
screen | grep -q "messages around 2025-12-05 10:00" || { screen >&2; fail "no note of the date"; }
pass "t in a conversation: the messages around the date"

# ---- e ----------------------------------------------------------------------------
keys e
wait_for "export to: convo-1.txt"
keys Enter
wait_for "wrote 301 messages to $tmp/convo-1.txt"
[ -f "$tmp/convo-1.txt" ] || fail "e: no file"
[ "$(wc -l <"$tmp/convo-1.txt")" = 303 ] || fail "e: $(wc -l <"$tmp/convo-1.txt") lines, want 303"
[ "$(head -1 "$tmp/convo-1.txt")" = "Person 1  +15550000001" ] || fail "e: heading $(head -1 "$tmp/convo-1.txt")"
[ "$(sed -n 3p "$tmp/convo-1.txt")" = "2025-12-01 00:00  > hour 000" ] || fail "e: $(sed -n 3p "$tmp/convo-1.txt")"
echo "mine" >"$tmp/convo-1.txt"
keys e
wait_for "export to: convo-1.txt"
keys Enter
wait_for "convo-1.txt exists, overwrite? (y/n)"
keys n
wait_for "not written"
[ "$(cat "$tmp/convo-1.txt")" = mine ] || fail "e then n: the file was changed"
keys e
wait_for "export to: convo-1.txt"
keys Enter
wait_for "overwrite? (y/n)"
keys y
wait_for "wrote 301 messages to"
[ "$(wc -l <"$tmp/convo-1.txt")" = 303 ] || fail "e then y: not overwritten"
ls "$tmp" | grep -q convo- && [ "$(ls "$tmp" | wc -l)" = 1 ] || fail "e left files behind: $(ls "$tmp")"
pass "e: the transcript written, an existing file kept unless y"
keys q
wait_until eval '! in_chat'

# ---- a contact without messages -------------------------------------------------
keys g
keys /
type_text "quokka"
wait_for "no messages yet"
keys Enter   # keeps the filter
wait_gone "/quokka"
keys Enter
wait_chat
wait_for "Quiet Quokka"
wait_for "no messages yet · r writes the first"
keys r
type_text "first words"
keys Enter
wait_for "first words"
keys q
wait_until eval '! in_chat'
keys Escape
wait_until eval '[[ "$(line 2)" == *"+15550000006"* ]]'
pass "a contact without messages: found, opened empty, r's first message moves it to the top"

# ---- n ------------------------------------------------------------------------------
keys n
wait_for "new contact, phone: +"
type_text "12"
keys Enter
wait_for "invalid phone number"
keys C-u
type_text "+49 (30) 555-0199"
keys Enter
wait_for "name (Enter for none):"
type_text "Neu Kontakt"
keys Enter
wait_chat
wait_for "Neu Kontakt"
[ "$(q "select name from contacts where phone_number = '+49305550199'")" = "Neu Kontakt" ] \
    || fail "n: the contact is not in the table"
keys q
keys n
keys C-u
type_text "+4930 5550199"
keys Enter
wait_for "name (Enter for none):"
keys Enter
id=$(q "select id from contacts where phone_number = '+49305550199'")
wait_for "contact $id already has the phone number"
pass "n: a new contact through two questions, a duplicate named"

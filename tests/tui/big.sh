#!/usr/bin/env bash
# A 10 MB message, one dated in the future and one full of bidi overrides, on a database of their own:
# the list and the conversation show them, convo's memory stays small (the
# display keeps a bounded part of a message, the whole text stays for y),
# and the future date shows as a date, not "now".
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_big_$$
fresh_db "$db"
cleanup() {
    local st=$?
    tui_cleanup || st=1
    psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
    exit $st
}
trap cleanup EXIT

q "insert into contacts (phone_number, name)
   select '+1555' || lpad(i::text, 7, '0'), 'Person ' || i from generate_series(1, 40) i"
q "insert into messages (contact_id, direction, content, created_at)
   select 1 + i % 40, 'in', 'message number ' || i, now() - make_interval(hours => i)
     from generate_series(1, 200) i"
q "insert into messages (contact_id, direction, content, created_at)
   values (3, 'in', 'BIGSTART ' || repeat('lorem ipsum dolor sit amet ', 400000) || 'BIGEND', now() - interval '1 minute')"
q "insert into messages (contact_id, direction, content, created_at)
   values (4, 'in', 'a message from the future', now() + interval '400 days')"
q "insert into contacts (phone_number, name) values ('+15559990001', 'Alexandra Konstantinopoulou Shop')"
q "insert into messages (contact_id, direction, content, created_at)
   select id, 'in', repeat(U&'\\202E', 30) || ' shop talk', now() - interval '2 minutes'
     from contacts where phone_number = '+15559990001'"
q "insert into messages (contact_id, direction, content, created_at)
   values (5, 'in', repeat('filler words ', 400) || 'zebrafish at five kilobytes', now() - interval '3 minutes')"
future=$(q "select to_char((now() + interval '400 days') at time zone 'UTC', 'YYYY-MM-DD')")

rss_kb() {
    local shell_pid pid
    shell_pid=$(tm display -p -t 0 '#{pane_pid}')
    pid=$(grep -ls "^PPid:[[:space:]]*$shell_pid\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3)
    awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"
}

start_convo
wait_for "41 conversations"
line 2 | grep -qF "a message from the future" || fail "the future message is not row 1: $(line 2)"
line 2 | grep -qF "$future" || fail "the future message does not show its date $future: $(line 2)"
line 2 | grep -q " now *$" && fail "the future message shows as now"
pass "a message dated in the future shows its date ($future)"

line 3 | grep -qF "BIGSTART lorem ipsum" || fail "the 10 MB message is not row 2: $(line 3)"
keys j Enter
wait_chat
wait_for "shortened to fit the screen"
screen | grep -qF BIGEND && fail "the end of a 10 MB message is on screen"
rss=$(rss_kb)
[ "$rss" -lt 150000 ] || fail "convo holds $rss kB with a 10 MB message open"
pass "a 10 MB message opens shortened, convo's memory $rss kB"
keys y
wait_for "copied the message (10,800,015 characters)"
pass "y copies the whole 10 MB message"

# Narrow: a visible escape is never cut (<U+202… would read as another
# character), and a name that matches keeps its start.
TUI_W=45
start_convo
wait_for "41 conversations"
keys /
type_text "shop"
wait_for "1 match"
l=$(screen | grep -F "Alexandr" || true)
[ -n "$l" ] || { screen >&2; fail "the matching name does not show its start"; }
rest=$l
while [[ "$rest" == *"<U+"* ]]; do
    rest=${rest#*<U+}
    [[ "$rest" == "202E>"* ]] || fail "a visible escape is cut: $l"
done
[[ "$l" =~ …[^\ \<]*\> ]] && fail "an excerpt starts inside a visible escape: $l"
pass "at 45 columns the name keeps its start and no escape is cut: $l"

# A match 5 KB into a message still shows as an excerpt, highlighted.
keys C-u
type_text "zebrafish"
# "shop" also had 1 match: wait for the new row, not the count.
wait_for "zebrafish at"
screen | grep -qE "…[a-z ]*zebrafish at" ||
    { screen >&2; fail "a match 5 KB in shows no excerpt"; }
pass "a match 5 KB into a message shows as an excerpt"

#!/usr/bin/env bash
# Live updates on a database of its own that other connections write to:
# a new message shows in the list, in a search and in the open conversation
# within the goal; a scrolled list keeps its row and counts the news; the
# walk after g equals convo-query recent (no conversation twice or missing
# after data moved above cached pages); r sends and the row goes to the
# top; a failed send says why and keeps the text; messages that arrive
# while the connection is away show once it is back.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_live_$$
fresh_db "$db"
tmp=$(mktemp -d)
admin() { psql -X -q -d postgres -v ON_ERROR_STOP=1 -Atc "$1" >/dev/null; }
cleanup() {
    local st=$?
    [ -n "${WRITER_PID:-}" ] && kill "$WRITER_PID" 2>/dev/null
    tui_cleanup || st=1
    admin "alter database $db allow_connections true" 2>/dev/null || true
    admin "drop database if exists $db with (force)" 2>/dev/null || true
    rm -rf "$tmp"
    exit $st
}
trap cleanup EXIT

N=400
q "insert into contacts (phone_number, name)
   select '+1555' || lpad(i::text, 7, '0'), 'Person ' || i from generate_series(1, $N + 20) i"
q "insert into messages (contact_id, direction, content, created_at)
   select 1 + i % $N, case when i % 3 = 0 then 'out' else 'in' end,
          'note ' || i || ' about the weather', now() - make_interval(mins => i)
     from generate_series(1, 2000) i"
# Contact 7 gets a conversation longer than a screen.
q "insert into messages (contact_id, direction, content, created_at)
   select 7, 'in', 'old line ' || i, now() - make_interval(days => 3, mins => i)
     from generate_series(1, 80) i"

# say CONTACT TEXT: a new inbound message, committed now.
say() { q "insert into messages (contact_id, direction, content, created_at)
           values ($1, 'in', '$2', now())" >/dev/null; }
ms() { date +%s%3N; }
# shows CONTACT TEXT: insert, then time from the commit until TEXT is on
# screen (polled every 50 ms); fails past 2 s (the goal is 1 s; the
# sanitizer build on a shared machine gets room).
# The time goes to $took.
shows() {
    local t0 t1
    say "$1" "$2"
    t0=$(ms)   # the commit has returned
    wait_for "$2"
    t1=$(ms)
    took=$((t1 - t0))
    [ "$took" -le 2000 ] || fail "'$2' took $took ms to show"
}
rows_now() { "$CONVO_QUERY" recent --limit 1000 >"$tmp/recent" || fail "convo-query recent failed"; }

start_convo
wait_for "conversations, more"

# 1. At the top the list follows; the cursor on row 1 stays on row 1, on
# another row it follows its conversation.
keys j j
wait_for "row 3 "
third=$(line 4)
shows $((N + 1)) "fresh hello from 401"
line 2 | grep -qF "fresh hello from 401" || fail "the new message is not row 1: $(line 2)"
wait_for "row 4 "
line 5 | grep -qF "${third:1:30}" || fail "the former third row is not row 4: $(line 5)"
keys g
wait_for "row 1 "
shows $((N + 3)) "another hello"
line 2 | grep -qF "another hello" || fail "the new message is not row 1: $(line 2)"
screen | grep -qF "row 1 " || fail "the cursor left row 1"
pass "a new message shows on top of the list in $took ms; the cursor stays with its conversation, or on row 1"

# 1b. Back from the conversation of row 1 while news came for another: the
# cursor is on the conversation just left (now row 2), not on row 1.
keys Enter
wait_chat
say 5 "news while you read"
sleep 1   # the list fetches its rows again meanwhile, under the conversation
keys q
wait_for "news while you read"
wait_for "row 2 "
line 3 | grep -qF "another hello" || { screen >&2; fail "back from a conversation the cursor is not on it: $(line 3)"; }
pass "back from a conversation while news came: the cursor is on its row (row 2)"
keys g
wait_for "row 1 "

# 2. Scrolled: nothing moves, the status bar counts the news above.
for i in $(seq 12); do keys NPage; done
wait_for "row 313 "
before=$(screen | sed -n "3,$((TUI_H - 2))p")
q "insert into messages (contact_id, direction, content, created_at)
   values (5, 'in', 'news one', now()), (6, 'in', 'news two', now()), ($((N + 2)), 'in', 'news three', now())" >/dev/null
wait_for "3 new ↑"
after=$(screen | sed -n "3,$((TUI_H - 2))p")
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "the scrolled list moved"; }
screen | grep -qF "row 313 " || fail "the cursor left row 313"
pass "scrolled: the rows and the cursor stay, the status bar says 3 new ↑"

# 3. g shows the news on top, and the walk down equals convo-query recent:
# no conversation twice, none missing, although pages cached before the
# inserts ended elsewhere.
keys g
wait_for "news three"
wait_gone "new ↑"
rows_now
check_rows "$tmp/recent" 1 "after g the list is not the recent conversations"
total=$(json_rows "$tmp/recent" | wc -l)
h=$((TUI_H - 4))
expect=1
while :; do
    check_rows "$tmp/recent" "$expect" "rows from $expect are not the recent conversations"
    [ $((expect + h)) -gt "$total" ] && break
    keys NPage
    expect=$((expect + h))
    [ $((expect + h - 1)) -gt "$total" ] && expect=$((total - h + 1))
    wait_for "row "
done
keys G
wait_for "row $total "
pass "after g the walk of $total conversations equals convo-query recent"
keys g
wait_for "row 1 "

# 4. A search being shown follows new matches.
keys /
type_text "weather"
keys Enter
wait_for "filter: weather"
shows 7 "stormy weather ahead"
line 2 | grep -qF "stormy weather ahead" || fail "the new match is not row 1"
pass "a search shows a new match on top in $took ms"
keys Escape
wait_for "recent conversations"

# 5. The open conversation appends; reading older messages it stays put.
wait_for "stormy weather ahead"
keys g Enter
wait_chat
wait_for "stormy weather ahead"
shows 7 "first live line"
pass "the open conversation appends a new message in $took ms"
for i in $(seq 8); do keys k; done
sleep 0.3
before=$(screen | sed -n "2,$((TUI_H - 2))p")
say 7 "second live line"
wait_for "1 new ↓"
after=$(screen | sed -n "2,$((TUI_H - 2))p")
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >&2; fail "the view moved while reading older messages"; }
keys G
wait_for "second live line"
wait_gone "new ↓"
pass "reading older messages the view stays, the status bar says 1 new ↓, G shows it"
l2=$(screen | grep -nF "second live line" | cut -d: -f1)
screen | sed -n "$((l2 - 1))p" | grep -qF "first live line" ||
    { screen >&2; fail "consecutive messages of one side each have a header"; }
pass "consecutive messages of one side share one header"

# 6. r replies: the reply shows, and back in the list it is the top row.
keys r
wait_for "reply:"
type_text "a reply from the test"
keys Enter
wait_for "a reply from the test"
wait_gone "reply:"
keys q
wait_for "recent conversations"
wait_until bash -c "tmux -u -L '$TMUX_SOCK' capture-pane -p -t 0 | sed -n 3p | grep -q 'out *a reply from the test'"
[ "$(q "select count(*) from messages where contact_id = 7 and direction = 'out' and content = 'a reply from the test'")" = 1 ] ||
    fail "the reply is not in the database exactly once"
pass "r sent the reply; the conversation is on top as outbound"

# 7. A send that fails says why and keeps the text.
keys Enter
wait_chat
q "delete from messages where contact_id = 7; delete from contacts where id = 7" >/dev/null
keys r
type_text "nobody will read this"
keys Enter
wait_for "not sent: not found"
wait_for "reply: nobody will read this"
keys Escape
wait_gone "reply:"
keys q
wait_for "recent conversations"
pass "a failed send says why (not found) and keeps the text in the box"

# 8. The connection goes away while messages arrive: once it is back they
# show. The writer keeps its own session across the outage.
coproc WRITER { psql -X -q -At -d "$db" 2>&1; }
WRITER_PID=$WRITER_PID
echo "select pg_backend_pid();" >&"${WRITER[1]}"
read -r -t 10 wpid <&"${WRITER[0]}" || fail "no writer session"
keys g
admin "alter database $db allow_connections false"
admin "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$db' and pid <> $wpid"
echo "insert into messages (contact_id, direction, content, created_at) values (9, 'in', 'while you were away', now());" >&"${WRITER[1]}"
sleep 1
admin "alter database $db allow_connections true"
wait_for "while you were away"
line 2 | grep -qF "while you were away" || fail "the message written while away is not row 1"
pass "a message written while the connection was away shows once it is back"
shows 10 "after the return"
pass "notifications go on after the reconnect ($took ms)"

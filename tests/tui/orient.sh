#!/usr/bin/env bash
# Orientation and small comforts, on a database of its own seeded with a
# fixed --seed and --end (the same rows on any day): the conversation's header keeps the date of the topmost message in view;
# y and Y copy the message and the phone number through OSC 52 (tmux's
# buffer with set-clipboard on); the search history survives a restart;
# the key hint line drops whole hints when narrow; "1 match", not
# "1 matches".
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

: "${CONVO_SEED:?CONVO_SEED is not set}"
fresh_db "convo_orient_$$"
tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1
      psql -X -q -d postgres -c "drop database if exists \"$PGDATABASE\" with (force)" >/dev/null 2>&1
      exit $st' EXIT
"$CONVO_SEED" --contacts 2000 --messages 60000 --seed 42 --end '2026-03-15 18:30:00' \
    >/dev/null 2>"$tmp/seed.err" || fail "convo-seed failed: $(tail -n 3 "$tmp/seed.err")"
"$CONVO_QUERY" recent --limit 30 >"$tmp/recent" || fail "convo-query recent failed"

# Of the first 30 rows, the contact with the most messages.
ids=$(sed -n 's/^ *{"contact_id": \([0-9]*\),.*/\1/p' "$tmp/recent" | paste -sd, -)
best=$(q "select contact_id from messages where contact_id in ($ids) group by 1 order by count(*) desc, contact_id limit 1")
pos=$(sed -n 's/^ *{"contact_id": \([0-9]*\),.*/\1/p' "$tmp/recent" | grep -nx "$best" | cut -d: -f1)
oldest_day=$(q "select to_char(min(created_at) at time zone 'UTC', 'Dy DD Mon YYYY') from messages where contact_id = $best")

start_convo XDG_STATE_HOME="$tmp/state"
tm set -s set-clipboard on
wait_for "conversations, more"

# y / Y on the first row.
row1=$(json_rows "$tmp/recent" | sed -n 1p)
phone1=$(cut -f1 <<<"$row1")
content1=$(sed -n '2p' "$tmp/recent" | sed -n 's/.*"content": "\(\([^"\\]\|\\.\)*\)", "created_at".*/\1/p')
keys y
wait_for "copied the message"
if [[ "$content1" != *\\* ]]; then
    [ "$(tm show-buffer)" = "$content1" ] || fail "y copied '$(tm show-buffer)', not '$content1'"
fi
keys Y
wait_for "copied $phone1"
[ "$(tm show-buffer)" = "$phone1" ] || fail "Y copied '$(tm show-buffer)', not $phone1"
pass "y and Y put the message and the phone number into the clipboard (OSC 52)"

# The date of the topmost message stays in the conversation's header.
for ((i = 1; i < pos; i++)); do keys j; done
wait_for "row $pos "
keys Enter
wait_chat
keys g
wait_for "start of the conversation"
line 0 | grep -qF "$oldest_day" || fail "the header does not show the oldest day $oldest_day: $(line 0)"
keys Space Space
sleep 0.3
top_day=$(line 0 | grep -oE '[A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9]{4} *$' | sed 's/ *$//')
[ -n "$top_day" ] || fail "no date in the header after scrolling: $(line 0)"
# It is the last date line at or above the topmost line, or the oldest day.
expect=$oldest_day
last_line_day=$(screen | sed -n "2p" | grep -oE '[A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9]{4}' || true)
[ -z "$last_line_day" ] || expect=$last_line_day
if [ -z "$last_line_day" ]; then
    # No date line on top: the header's day is one of the days seen so far
    # scrolling down from the start.
    [ "$(q "select count(*) > 0 from messages where contact_id = $best
            and to_char(created_at at time zone 'UTC', 'Dy DD Mon YYYY') = '$top_day'")" = t ] ||
        { screen >&2; fail "the header's day $top_day is no day of this conversation"; }
else
    [ "$top_day" = "$expect" ] || fail "header says $top_day, the top line says $expect"
fi
pass "the header keeps the date of the topmost message ($top_day)"
keys q
wait_for "recent conversations"

# Search history across runs.
keys /
type_text "apple"
wait_for "search “apple”"
keys Enter
keys / C-u
type_text "zebra"
keys Enter
wait_for "filter: zebra"
keys q
wait_for "convo-exited-0"
grep -qx apple "$tmp/state/convo/history" || fail "apple is not in the history file"
start_convo XDG_STATE_HOME="$tmp/state"
wait_for "conversations, more"
keys /
keys Up
wait_for "search “zebra”"
keys Up
wait_for "search “apple”"
keys Down
wait_for "search “zebra”"
keys Escape
pass "Up and Down recall the terms of an earlier run"

# Narrow: the hint line holds whole hints only; one match is singular.
TUI_W=45
start_convo
wait_for "conversations, more"
hint=$(line $((TUI_H - 1)) | sed 's/^ *//; s/ *$//')
full="j/k move · Enter open · / search · t go to date · n new contact · ? help · q quit"
[[ "$full" == "$hint"* ]] || fail "unexpected hint line: $hint"
rest=${full#"$hint"}
[ -z "$rest" ] || [[ "$rest" == " · "* ]] || fail "a hint is cut: '$hint'"
pass "at 45 columns the hint line is whole hints: $hint"
keys /
one=$(q "select phone_number from contacts order by id limit 1")
type_text "$one"
wait_for "1 match"
screen | grep -q "1 matches" && fail "says 1 matches"
pass "one result says 1 match"

# A search hit deep in a long conversation opens at once, centred: the
# messages around it, not everything down to it. Its text is the term, so
# it must be the only match as search matches: no other message contains
# it, nor any contact's name or phone number (match_sql, as core searches;
# the text holds no % _ or \).
TUI_W=100
deep=$(q "select m.id from messages m
          where m.contact_id = $best
            and (select count(*) from messages o where o.contact_id = $best and o.created_at > m.created_at) > 1000
            and length(m.content) between 25 and 60 and m.content ~ '^[A-Za-z ,.!?]+$'
            and (select count(*) from messages x where $(match_sql x.content "'%' || m.content || '%'")) = 1
            and not exists (select 1 from contacts c where $(match_sql c.name "'%' || m.content || '%'")
                                                     or $(match_sql c.phone_number "'%' || m.content || '%'"))
          order by m.created_at desc limit 1")
[ -n "$deep" ] || fail "the seeded data has no message over 1,000 deep that only it matches"
{
    term=$(q "select content from messages where id = $deep")
    start_convo
    wait_for "conversations, more"
    keys /
    type_text "$term"
    wait_for "1 match"
    keys Enter Enter
    wait_chat
    wait_for "match 1 of"
    wait_for "newer below"
    l=$(screen | grep -nF "${term:0:40}" | head -n 1 | cut -d: -f1)
    [ -n "$l" ] || fail "the hit is not on screen"
    [ "$l" -gt 6 ] && [ "$l" -lt $((TUI_H - 6)) ] || fail "the hit is not near the middle (line $l)"
    screen | grep -q "▶" || fail "the hit is not marked"
    screen | grep -qF "finding in older messages" && fail "the hit was searched for page by page"
    lat=$(line $((TUI_H - 2)) | grep -oE '[0-9.]+ (ms|s) ·' | head -n 1)
    pass "a hit over 1,000 messages deep opens centred and marked ($lat)"
    # n looks at most 2,000 older messages a time, then says n goes on.
    keys n
    deadline=$((SECONDS + TUI_TIMEOUT))
    while ! screen | grep -qF "search wrapped to the newest match"; do
        [ $SECONDS -ge $deadline ] && { screen >&2; fail "n did not wrap to the newest match"; }
        if screen | grep -qF "n again searches further"; then
            keys n
            sleep 0.3
        fi
        sleep 0.05
    done
    pass "n past the oldest match wraps, with a note"
    keys G
    wait_gone "newer below"
    pass "G goes to the newest messages"
}

# G: the true end of the recent list, whatever is loaded; k and PgUp load
# upwards; g comes back to the top.
"$CONVO_QUERY" recent --limit 1000 >"$tmp/walk" || fail "convo-query recent failed"
: >"$tmp/all"
while :; do
    json_rows "$tmp/walk" >>"$tmp/all"
    cur=$(grep -o '"next_cursor": "[^"]*"' "$tmp/walk" | cut -d'"' -f4 || true)
    [ -n "$cur" ] || break
    "$CONVO_QUERY" recent --limit 1000 --after "$cur" >"$tmp/walk" || fail "convo-query recent --after failed"
done
total=$(wc -l <"$tmp/all")
start_convo
wait_for "conversations, more"
keys G
total_fmt=$(echo "$total" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
wait_for "$total_fmt conversations · row $total_fmt "
IFS=$'\t' read -r phone name content < <(tail -n 1 "$tmp/all")
row_matches "$(line $((TUI_H - 3)))" "$phone" "$name" "$content" ||
    fail "the last row is not the oldest conversation ($phone): $(line $((TUI_H - 3)))"
# The screen's rows are the end of the walk, in order.
tail -n $((TUI_H - 4)) "$tmp/all" >"$tmp/end"
i=0
while IFS=$'\t' read -r phone name content; do
    row_matches "$(line $((i + 2)))" "$phone" "$name" "$content" || fail "row $i from the top is not ${phone}: $(line $((i + 2)))"
    i=$((i + 1))
done <"$tmp/end"
pass "G shows the oldest of $total conversations at the bottom, the rows above in order"
keys PageUp PageUp PageUp
wait_for "row $(echo "$((total - 3 * (TUI_H - 4)))" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') "
keys g
wait_for "row 1 "
wait_for "conversations, more"
pass "PgUp from the end loads upwards; g returns to the top"

# Page downs pressed faster than the pages load are all done: 40 of them
# in a long result list end 40 screens down.
rows40=$((1 + 40 * (TUI_H - 4)))
fmt40=$(echo "$rows40" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
keys /
type_text "the"
keys Enter
wait_for "filter: the"
for i in $(seq 40); do keys NPage; done
wait_for "row $fmt40 "
pass "40 quick page downs in a search reach row $fmt40"

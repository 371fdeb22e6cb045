#!/usr/bin/env bash
# The conversation view: oldest at the top and newest at the bottom, in and
# out told apart, older messages loaded when scrolling up, / finds text,
# q returns to the same place in the list.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 20 >"$tmp/recent" || fail "convo-query recent failed"

# Of the first 20 rows, the contact with the most messages.
ids=$(sed -n 's/^ *{"contact_id": \([0-9]*\),.*/\1/p' "$tmp/recent" | paste -sd, -)
best=$(q "select contact_id from messages where contact_id in ($ids) group by 1 order by count(*) desc, contact_id limit 1")
count=$(q "select count(*) from messages where contact_id = $best")
pos=$(sed -n 's/^ *{"contact_id": \([0-9]*\),.*/\1/p' "$tmp/recent" | grep -nx "$best" | cut -d: -f1)
"$CONVO_QUERY" messages "$best" --limit 50 >"$tmp/msgs" || fail "convo-query messages failed"
phone=$(json_rows "$tmp/recent" | sed -n "${pos}p" | cut -f1)

start_convo
wait_for "conversations, more"
for ((i = 1; i < pos; i++)); do keys j; done
wait_for "row $pos "
keys Enter
wait_chat
wait_for "message"
line 0 | grep -qF "$phone" || fail "header does not name the contact"

# The newest message is the lowest one on screen, the one before above it.
newest=$(sed -n '2p' "$tmp/msgs")
prev=$(sed -n '3p' "$tmp/msgs")
text_of() { sed -n 's/.*"content": "\(\([^"\\]\|\\.\)*\)".*/\1/p' <<<"$1" | cut -c1-20; }
dir_of() { sed -n 's/.*"direction": "\([a-z]*\)".*/\1/p' <<<"$1"; }
n_text=$(text_of "$newest")
p_text=$(text_of "$prev")
if [[ "$n_text" != *\\* ]] && [[ "$p_text" != *\\* ]] &&
   [[ "$n_text" != *"$p_text"* ]] && [[ "$p_text" != *"$n_text"* ]]; then
    wait_for "$n_text"
    n_line=$(screen | grep -nF -- "$n_text" | tail -n 1 | cut -d: -f1)
    p_line=$(screen | grep -nF -- "$p_text" | tail -n 1 | cut -d: -f1)
    [ -n "$p_line" ] && [ "$p_line" -lt "$n_line" ] || fail "newest message is not below the previous one"
    l=$(screen | sed -n "${n_line}p")
    if [ "$(dir_of "$newest")" = out ]; then
        [[ "$l" == *"│" ]] || fail "outbound message not on the right: $l"
    else
        [[ "$l" == " │ "* ]] || fail "inbound message not on the left: $l"
    fi
    pass "newest message at the bottom, direction shown"
fi

# One g loads older pages until the start and shows the oldest message.
keys g
wait_for "start of the conversation"
wait_for "all $(grouped "$count") message"
oldest=$(q "select left(content, 20) from messages where contact_id = $best order by created_at, id limit 1")
if [[ "$oldest" =~ ^[[:print:]]+$ ]]; then
    wait_for "$oldest"
fi
line 1 | grep -q "start of the conversation" || fail "g did not stop at the top: $(line 1)"
pass "one g went to the start: all $count messages loaded, the oldest shown"

# / finds text within the conversation.
word=$(grep -o '"content": "[^"]*' "$tmp/msgs" | cut -c13- | grep -oE '[A-Za-z]{2,}' | head -n 1 || true)
if [ -n "$word" ]; then
    keys /
    type_text "$word"
    wait_for "find: $word"
    wait_for "· match "
    keys Enter
    wait_for "n older match"
    pass "/ finds '$word' in the conversation"
fi

# A find with no match anywhere says so, not "no newer match".
keys /
type_text "qqzzyxqj"
wait_for "find: qqzzyxqj"
keys Enter
wait_for "no match"
screen | grep -qF "no newer match" && fail "a find with no match at all says: no newer match"
pass "a find with no match says: no match"

keys q
wait_for "recent conversations"
wait_for "row $pos "
line $((pos + 1)) | grep -qF "$phone" || fail "not back at the same row"
pass "q returns to the same row"

#!/usr/bin/env bash
# Resizing at any moment redraws correctly; below the minimum size a notice
# says so.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

tmp=$(mktemp -d)
trap 'st=$?; rm -rf "$tmp"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 50 >"$tmp/recent" || fail "convo-query recent failed"

widest() { screen | wc -L; }

start_convo
wait_for "conversations, more"
tm resize-window -t 0 -x 60 -y 20
wait_until bash -c "[ \"\$(tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n 19p | grep -c connected)\" = 1 ]"
[ "$(widest)" -le 60 ] || fail "lines wider than the terminal after resize"
screen | sed -n 1p | grep -q "recent conversations" || fail "header lost after resize"
pass "narrow terminal (60x20) redrawn"

tm resize-window -t 0 -x 30 -y 6
wait_for "too small"
pass "too small notice at 30x6"

tm resize-window -t 0 -x "$TUI_W" -y "$TUI_H"
wait_gone "too small"
check_rows "$tmp/recent" 1 "rows differ after growing back"
pass "back to ${TUI_W}x${TUI_H}"

# Resizes in quick succession, in the middle of a search.
keys /
type_text "e"
for s in 70x25 90x28 50x12 "$TUI_W"x"$TUI_H"; do
    tm resize-window -t 0 -x "${s%x*}" -y "${s#*x}"
done
wait_for "/e"
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n $((TUI_H - 1))p | grep -q connected"
[ "$(widest)" -le "$TUI_W" ] || fail "lines wider than the terminal"
"$CONVO_QUERY" search e --limit 50 >"$tmp/e" || fail "convo-query search failed"
check_rows "$tmp/e" 1 "search rows wrong after resizes"
pass "resizes during a search"

# And inside a conversation.
keys Enter
wait_for "filter: e"
keys Enter
wait_chat
wait_for "message"
tm resize-window -t 0 -x 50 -y 15
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n 14p | grep -q connected"
[ "$(widest)" -le 50 ] || fail "conversation lines wider than the terminal"
pass "conversation redrawn at 50x15"

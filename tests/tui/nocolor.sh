#!/usr/bin/env bash
# Colours on a 256-colour terminal; none at all with NO_COLOR, where the
# selected row still stands out by attribute.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

colour='\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;|m)'

start_convo
wait_for "conversations, more"
tm capture-pane -p -e -t 0 | grep -qP "$colour" || fail "no colour by default"
pass "colours by default"

start_convo NO_COLOR=1
wait_for "conversations, more"
esc=$(tm capture-pane -p -e -t 0)
if grep -qP "$colour" <<<"$esc"; then
    grep -P "$colour" <<<"$esc" | head -n 3 | cat -v >&2
    fail "colour codes with NO_COLOR"
fi
sed -n 3p <<<"$esc" | grep -qP '\x1b\[[0-9;]*7[;m]' || fail "selected row not in reverse video with NO_COLOR"
pass "NO_COLOR: no colours, reverse video for the selection"

# An 8-colour terminal gets the basic palette.
start_convo TERM=xterm
wait_for "conversations, more"
tm capture-pane -p -e -t 0 | grep -qP "$colour" || fail "no colour on an 8-colour terminal"
pass "8 colours"

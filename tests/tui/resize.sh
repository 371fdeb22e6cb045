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

# The notice is wrapped over the lines there are and always names the size
# needed, however small.
for s in 30x6 20x5 12x4 6x2; do
    tm resize-window -t 0 -x "${s%x*}" -y "${s#*x}"
    wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | tr '\n' ' ' | grep -q '40x8'"
    [ "$(widest)" -le "${s%x*}" ] || fail "notice wider than the terminal at $s"
    case $s in
    30x6|20x5) screen | tr '\n' ' ' | grep -Eq "terminal too small: +${s%x*}x${s#*x}, +convo needs +40x8" ||
                   { screen >&2; fail "notice incomplete at $s"; } ;;
    esac
done
pass "too small notice says 40x8 at 30x6, 20x5, 12x4 and 6x2"

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

# At 40 columns the status bar drops whole fields rather than cutting one
# (a number cut short would lie).
keys Enter
wait_for "filter: e"
status_fields() { line $(($1 - 2)) | sed -e 's/ *\(connected\|reconnecting\.\.\.\) *$//' \
    -e 's/ *[0-9.]* m\{0,1\}s\( so far\)\{0,1\} ·$//' -e 's/ *[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏|\/-]$//' -e 's/^ *//' | sed 's/ · /\n/g'; }
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n $((TUI_H - 1))p | grep -q 'matches.*ms · connected'"
mapfile -t wide < <(status_fields "$TUI_H")
tm resize-window -t 0 -x 40 -y 10
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n 9p | grep -q connected"
mapfile -t narrow < <(status_fields 10)
[ ${#narrow[@]} -ge 1 ] && [ -n "${narrow[0]}" ] || fail "status bar at 40 columns shows nothing: $(line 8)"
for i in "${!narrow[@]}"; do
    [ "${narrow[$i]}" = "${wide[$i]:-}" ] || fail "status field cut at 40 columns: '${narrow[$i]}' (whole: '${wide[$i]:-}')"
done
pass "status bar at 40 columns: whole fields (${narrow[*]})"
tm resize-window -t 0 -x "$TUI_W" -y "$TUI_H"
keys /

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

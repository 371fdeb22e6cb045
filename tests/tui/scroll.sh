#!/usr/bin/env bash
# Scrolling: past the first page of 50 (the next pages load in the
# background), to the end of the list and back to the top, where rows that
# were dropped to bound memory come back by cursor.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

expected=$(mktemp)
trap 'st=$?; rm -f "$expected"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 450 >"$expected" || fail "convo-query recent failed"
rows=$((TUI_H - 4))

start_convo
wait_for "conversations, more"

# j moves one row; the status bar follows.
keys j j j
wait_for "row 4"
line 5 | grep -qF "$(json_rows "$expected" | sed -n 4p | cut -f1)" || fail "row 4 is not on screen line 5"

# Three pages down: rows 79.. are beyond the first page of 50.
keys PageDown PageDown PageDown
wait_for "row $((4 + 3 * rows))"
check_rows "$expected" auto "rows past the first page differ from convo-query"
first=$(screen | sed -n 3p)
[[ "$first" == *"$(json_rows "$expected" | sed -n 51p | cut -f1)"* ]] && true
line $((TUI_H - 1 - 1)) | grep -q "row $((4 + 3 * rows))" || fail "cursor lost"
pass "page down past the first page shows the rows of convo-query"

# Ctrl-U / Ctrl-D move half a page.
keys C-u
wait_for "row $((4 + 3 * rows - rows / 2))"
keys C-d
wait_for "row $((4 + 3 * rows))"
pass "half pages"

keys g
wait_for "row 1 "
pass "g goes to the top"

# Sixteen page downs at once: the moves asked while pages load are kept.
keys PageDown PageDown PageDown PageDown PageDown PageDown PageDown PageDown \
    PageDown PageDown PageDown PageDown PageDown PageDown PageDown PageDown
wait_for "row $((1 + 16 * rows)) "
check_rows "$expected" auto "rows after sixteen page downs differ from convo-query"
pass "sixteen quick page downs go sixteen pages down"
keys g
wait_for "row 1 "

# The mouse wheel scrolls and a click selects (xterm SGR mouse reports).
type_text $'\e[<65;10;5M'
wait_for "row 4 "
type_text $'\e[<0;10;8M'
wait_for "row 6 "
type_text $'\e[<64;10;5M'
wait_for "row 3 "
pass "mouse wheel and click"
keys g
wait_for "row 1 "

# To the end of the list: G then more until the status has no ", more".
total=$(q "select count(*) from contacts where last_message_id is not null")
total_fmt=$(echo "$total" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
deadline=$((SECONDS + TUI_TIMEOUT * 2))
while ! line $((TUI_H - 2)) | grep -q "$total_fmt conversations ·"; do
    keys G PageDown
    [ $SECONDS -ge $deadline ] && { screen >&2; fail "never reached the end ($total rows)"; }
    sleep 0.1
done
keys G
wait_for "row $total_fmt"
pass "scrolled to the end: $total_fmt conversations"

# Back to the top: the first rows were dropped and come back by cursor.
keys g
wait_for "row 1 "
check_rows "$expected" 1 "rows fetched again differ from convo-query"
pass "back at the top, rows fetched again equal convo-query"

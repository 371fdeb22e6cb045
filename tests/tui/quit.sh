#!/usr/bin/env bash
# The terminal is restored after q, Ctrl-C, SIGTERM, SIGHUP and around
# Ctrl-Z; the exit status is 0 after q and 128+signal after a signal
# (Ctrl-C is SIGINT: 130); TERM=dumb is refused with status 1.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

flag() { tm display -p -t 0 "#{$1}"; }

left_alternate() { [ "$(flag alternate_on)" = 0 ]; }

restored() {
    wait_until left_alternate
    [ "$(flag mouse_any_flag)" = 0 ] || fail "$1: mouse reporting left on"
    [ "$(flag cursor_flag)" = 1 ] || fail "$1: cursor left hidden"
    [ "$(flag keypad_cursor_flag)" = 0 ] || fail "$1: keypad mode left on"
    # The tty is back in canonical mode with echo.
    keys "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' +" Enter
    wait_for "icanon+echo+"
    keys "clear" Enter
    wait_gone "icanon+echo+"
}

# exit_status N: the shell saw convo end with status N.
exit_status() {
    keys 'echo "rc=$?"' Enter
    wait_for "rc=$1"
}

# convo_pid: convo is the child of the pane's shell (found in /proc: no
# procps needed).
convo_pid() {
    local shell_pid pid
    shell_pid=$(flag pane_pid)
    pid=$(grep -ls "^PPid:[[:space:]]*$shell_pid\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3 || true)
    [ -n "$pid" ] || fail "cannot find convo's process"
    echo "$pid"
}

run_convo() {
    keys "$(printf '%q' "$CONVO_BIN") 2>>$(printf '%q' "$TUI_ERRLOG")" Enter
    wait_for "conversations, more"
    [ "$(flag alternate_on)" = 1 ] || fail "convo did not use the alternate screen"
}

start_shell
wait_for 'shell$'

run_convo
[ "$(flag mouse_any_flag)" = 1 ] || fail "mouse not enabled"
keys q
wait_for 'shell$'
exit_status 0
restored "q"
pass "q restores the terminal, status 0"

run_convo
keys C-c
wait_for 'shell$'
exit_status 130
restored "Ctrl-C"
pass "Ctrl-C restores the terminal, status 130"

for sig in TERM:143 HUP:129; do
    run_convo
    kill -"${sig%:*}" "$(convo_pid)"
    wait_for 'shell$'
    exit_status "${sig#*:}"
    restored "SIG${sig%:*}"
    pass "SIG${sig%:*} restores the terminal, status ${sig#*:}"
done

run_convo
keys C-z
wait_for "Stopped"
wait_until left_alternate
keys "clear; fg" Enter
wait_for "conversations, more"
keys j
wait_for "row 2"
keys q
wait_for 'shell$'
restored "Ctrl-Z then q"
pass "Ctrl-Z suspends and fg resumes"

keys "$(printf '%q' "$CONVO_BIN") --no-mouse 2>>$(printf '%q' "$TUI_ERRLOG")" Enter
wait_for "conversations, more"
[ "$(flag mouse_any_flag)" = 0 ] || fail "--no-mouse still reports the mouse"
keys q
wait_until left_alternate
pass "--no-mouse leaves the mouse to the terminal"

# A terminal that cannot address the cursor gets a clear refusal, status 1.
keys "clear; TERM=dumb $(printf '%q' "$CONVO_BIN"); echo \"rc=\$?\"" Enter
wait_for "rc=1"
screen | grep -qF "convo: the terminal (TERM=dumb) cannot move the cursor" || fail "TERM=dumb: no clear refusal"
left_alternate || fail "TERM=dumb: the alternate screen was entered"
pass "TERM=dumb: convo says the terminal cannot run it and exits 1"

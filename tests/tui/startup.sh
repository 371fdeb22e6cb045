#!/usr/bin/env bash
# The start screen lists the recent conversations exactly as core's
# convo-query recent does, with header, column titles and status bar.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

expected=$(mktemp)
trap 'st=$?; rm -f "$expected"; tui_cleanup || st=1; exit $st' EXIT
"$CONVO_QUERY" recent --limit 50 >"$expected" || fail "convo-query recent failed"

start_convo
wait_for "conversations, more"
wait_for "connected"
check_rows "$expected" 1 "start-up rows differ from convo-query recent"
line 0 | grep -q "recent conversations" || fail "no header"
line 1 | grep -q "NAME.*PHONE.*DIR.*MESSAGE.*WHEN" || fail "no column titles"
line $((TUI_H - 2)) | grep -q "row 1" || fail "status bar does not show the row"
line $((TUI_H - 2)) | grep -Eq "[0-9]+\.[0-9] ms" || fail "status bar shows no latency"
# Direction shows as in/out on every row.
n=$(screen | sed -n "3,$((TUI_H - 2))p" | grep -Ec ' (in|out) ')
[ "$n" -eq $((TUI_H - 4)) ] || fail "direction missing on some rows ($n)"
pass "start-up list equals convo-query recent"

# The help screen lists the keys and any key closes it.
keys '?'
wait_for "any key closes this help"
screen | grep -q "PgDn" || fail "help lacks PgDn"
keys x
wait_gone "any key closes this help"
pass "help opens and closes"

# --help works without a terminal.
"$CONVO_BIN" --help | grep -q -- "--no-mouse" || fail "--help"
pass "--help"

# A database that cannot be reached: a clear message, exit status 1, and
# the terminal never switched.
start_convo -- --db "dbname=convo_no_such_database"
wait_for "convo-exited-1"
grep -q "cannot connect" "$TUI_ERRLOG" || fail "no message for an unreachable database"
: >"$TUI_ERRLOG"
[ "$(tm display -p -t 0 '#{alternate_on}')" = 0 ] || fail "left on the alternate screen"
pass "unreachable database: message and exit status 1"

#!/usr/bin/env bash
# The start screen lists the recent conversations exactly as core's
# convo-query recent does, with header, column titles and status bar; the
# WHEN column of rows across the list is the database's time as the list
# formats it (under convo-test's fixed clock).
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
for want in "G End .*the end (search: last loaded row)" "Up Down .*earlier searches" "→ ^A ^E ^K ^U ^W .*text box" "wheel .*scroll" \
            "┌─ Keys ─" "└─ any key closes this help ─"; do
    screen | grep -q -- "$want" || { screen >&2; fail "help lacks '$want'"; }
done
# The frame keeps the rows below out of the box: a side on every line.
sides=$(screen | grep -c "│.*│")
[ "$sides" -ge 20 ] || { screen >&2; fail "help box has no sides ($sides lines)"; }
keys x
wait_gone "any key closes this help"
pass "help opens and closes; it has the end of the list, search history, the text boxes' keys, the wheel, a frame"

# Without UTF-8 the frame is ASCII.
start_convo LANG=C LC_ALL=C
wait_for "conversations, more"
keys '?'
wait_for "any key closes this help"
screen | grep -q -- "+- Keys -" || { screen >&2; fail "no ASCII frame under LANG=C"; }
screen | grep -q "|.*|" || { screen >&2; fail "no ASCII sides under LANG=C"; }
keys x
wait_gone "any key closes this help"
pass "under LANG=C the help's frame is ASCII"
start_convo
wait_for "conversations, more"

# In a small terminal the help scrolls; q closes it without quitting.
tm resize-window -t 0 -x 50 -y 14
keys '?'
wait_for "j/k PgDn scroll 1-"
keys G
wait_for "Ctrl-Z suspends)"
screen | grep -qF "scroll 1-" && fail "G did not scroll the help"
keys k
wait_for "q closes"
keys q
wait_gone "q closes"
wait_for "recent conversations"
tm resize-window -t 0 -x "$TUI_W" -y "$TUI_H"
wait_for "row 1 "
pass "help scrolls in a small terminal, q closes it"

# --help works without a terminal.
"$CONVO_BIN" --help | grep -q -- "--no-mouse" || fail "--help"
pass "--help"

# --db without a value is a usage error (status 2), not an unknown argument.
for a in --db --db=; do
    st=0
    "$CONVO_BIN" $a >/dev/null 2>"$TUI_ERRLOG.db" || st=$?
    [ "$st" = 2 ] || fail "convo $a exited $st, expected 2"
    grep -qx "convo: --db needs a CONNINFO" "$TUI_ERRLOG.db" || fail "convo $a: $(head -n 1 "$TUI_ERRLOG.db")"
done
rm -f "$TUI_ERRLOG.db"
pass "--db without a value: 'needs a CONNINFO', status 2"

# --db=CONNINFO chooses the database as --db CONNINFO does.
start_convo -- "--db=dbname=${PGDATABASE:-convo_test}"
wait_for "conversations, more"
check_rows "$expected" 1 "--db=CONNINFO rows differ from convo-query recent"
pass "--db=CONNINFO"

# A database that cannot be reached: a clear message, exit status 1, and
# the terminal never switched.
start_convo -- --db "dbname=convo_no_such_database"
wait_for "convo-exited-1"
grep -q "cannot connect" "$TUI_ERRLOG" || fail "no message for an unreachable database"
: >"$TUI_ERRLOG"
[ "$(tm display -p -t 0 '#{alternate_on}')" = 0 ] || fail "left on the alternate screen"
pass "unreachable database: message and exit status 1"

# when_column_checked: the WHEN column of every list row on screen equals
# the contact's latest message time (the database's) as the list formats
# it against the fixed clock $now. Adds the forms seen to $forms.
when_column_checked() {
    local l phone shown want n=0
    declare -A expect=()
    while IFS=$'\t' read -r phone want; do expect[$phone]=$want; done < <(
        q "select phone_number, $(when_sql last_message_at "$now") from contacts
           where last_message_at is not null")
    while IFS= read -r l; do
        phone=$(grep -oE '\+[0-9]{6,}' <<<"$l" | head -n 1)
        [ -n "$phone" ] || continue
        l=${l%"${l##*[! ]}"}               # the trailing blanks
        shown=${l: -10}
        shown=${shown#"${shown%%[! ]*}"}   # the leading blanks
        [ "$shown" = "${expect[$phone]:-}" ] ||
            { screen >&2; fail "WHEN of $phone shows '$shown', expected '${expect[$phone]:-?}' (now $now)"; }
        forms+=" $(sed -E 's/^[0-9]+m ago$/Nm/; s/^[0-9]+h ago$/Nh/; s/^[0-9]+d ago$/Nd/;
                          s/^[0-9]{2} [A-Z][a-z]{2}$/DD-Mon/; s/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/date/' <<<"$shown")"
        n=$((n + 1))
    done < <(screen | sed -n "3,$((TUI_H - 2))p")
    [ $n -eq $((TUI_H - 4)) ] || fail "only $n rows with a phone number on screen"
    checked=$((checked + n))
}

# The WHEN column, under a fixed clock (convo-test, CONVO_NOW) so that the
# expected text cannot change between the drawing and the check: 45 s
# after the newest message, on the first screen, 4 and 20 screens down and
# at the end of the list.
now=$(q "select to_char((max(last_message_at) + interval '45 seconds') at time zone 'UTC',
                        'YYYY-MM-DD HH24:MI:SS') from contacts")
release_bin=$CONVO_BIN
CONVO_BIN=$CONVO_TEST_BIN
start_convo CONVO_NOW="$now"
wait_for "conversations, more"
checked=0 forms=""
when_column_checked
keys PageDown PageDown PageDown PageDown
wait_for "row $((1 + 4 * (TUI_H - 4))) "
when_column_checked
for i in $(seq 16); do keys PageDown; done
wait_for "row $((1 + 20 * (TUI_H - 4))) "
when_column_checked
keys G
wait_gone "conversations, more"
when_column_checked
CONVO_BIN=$release_bin
seen=$(tr ' ' '\n' <<<"$forms" | sed '/^$/d' | sort -u | paste -sd' ' -)
[ "$(wc -w <<<"$seen")" -ge 3 ] || fail "the WHEN rows checked show too few forms: $seen"
pass "WHEN of $checked rows equals the database's times as the list formats them ($seen)"

#!/usr/bin/env bash
# Whole screens of convo compared with saved text, after tig's screen
# tests: every line of each screen must equal tests/tui/golden/NAME.txt.
#
#   tests/tui/golden.sh            compare (the tui suite's tui_golden)
#   tests/tui/golden.sh --update   write the screens as the saved text
#
# Nothing on the screens may depend on the day or the machine: a database
# of its own seeded with a fixed --seed and --end, and convo-test, convo
# with a fixed clock (CONVO_NOW, tests/tui/clock_fixed.c), so "2m ago" and
# "08 Mar" come out the same every time; TZ=UTC and the size come from
# harness.sh. One thing does vary: the latency figure in the status bar
# (and the spinner beside it while a request runs). The comparison masks
# that field only: its number and unit, with the blanks that right-align
# it, become [latency] or [latency so far]; everything else is compared
# as drawn. On a difference the unified diff is printed and the test fails
# after the remaining screens were compared too.
#
# Run by hand (--update) from the checkout after `eval "$(./run env)"`;
# the programs default to those of build/.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${CONVO_TEST_BIN:=$ROOT/build/tests/tui/convo-test}" "${CONVO_SEED:=$ROOT/build/seeder/convo-seed}"
: "${CONVO_QUERY:=$ROOT/build/core/convo-query}" "${CONVO_BIN:=$CONVO_TEST_BIN}"
export CONVO_QUERY CONVO_BIN
source "$ROOT/tests/tui/harness.sh"
set +e

UPDATE=0
[ "${1:-}" = --update ] && UPDATE=1
GOLDEN=$TUI_DIR/golden
CONVO_BIN=$CONVO_TEST_BIN
NOW='2026-03-15 18:31:00'
DB=convo_tui_golden
LOCKER=convo-golden-lock

admin() { psql -X -q -d postgres -v ON_ERROR_STOP=1 -Atc "$1" >/dev/null; }
unlock() { admin "select pg_terminate_backend(pid) from pg_stat_activity where application_name = '$LOCKER'"; }
cleanup() {
    local st=$?
    tui_cleanup || st=1
    unlock 2>/dev/null
    admin "alter database $DB allow_connections true" 2>/dev/null
    admin "drop database if exists $DB with (force)" 2>/dev/null
    rm -rf "$STATE"
    exit $st
}
STATE=$(mktemp -d)
fresh_db "$DB"
trap cleanup EXIT
"$CONVO_SEED" --contacts 300 --messages 6000 --seed 7 --end '2026-03-15 18:30:00' \
    >/dev/null 2>"$STATE/seed.err" || fail "convo-seed failed: $(tail -n 3 "$STATE/seed.err")"

# mask: the latency field of the status bar (see the top of this file).
SPIN='(⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏|\||/|-|\\) '
mask() {
    sed -E "s@ +($SPIN)?[0-9][0-9.,]* m?s( so far)? · (connected|reconnecting\.\.\.|reads: [a-z]+)\$@ [latency\3] · \4@"
}

# settled: the masked screen once it has stayed the same for 0.3 s.
settled() {
    local a b deadline=$((SECONDS + TUI_TIMEOUT))
    a=$(screen | mask)
    while :; do
        sleep 0.3
        b=$(screen | mask)
        [ "$a" = "$b" ] && break
        a=$b
        [ $SECONDS -ge $deadline ] && { printf '%s\n' "$b" >&2; fail "the screen never settled"; }
    done
    printf '%s\n' "$a"
}

# shot NAME TEXT: when the screen shows TEXT and has settled, compare it
# with golden/NAME.txt (or write that file with --update).
differ=""
shots=0
shot() {
    local name=$1 file=$GOLDEN/$1.txt got
    wait_for "$2"
    got=$(settled)
    shots=$((shots + 1))
    if [ $UPDATE = 1 ]; then
        printf '%s\n' "$got" >"$file"
        echo "golden: wrote tests/tui/golden/$name.txt"
    elif [ ! -f "$file" ]; then
        differ+=" $name"
        echo "FAIL: no saved screen tests/tui/golden/$name.txt (run tests/tui/golden.sh --update)" >&2
    elif ! diff -u --label "golden/$name.txt" --label "screen now" "$file" <(printf '%s\n' "$got") >&2; then
        differ+=" $name"
    fi
}

convo() { start_convo CONVO_NOW="$NOW" XDG_STATE_HOME="$STATE" "$@"; }

# --- the list, 100 x 30
convo
shot list "100 conversations, more"
keys j j j PageDown
shot list_scrolled "row 30 "
# An unnamed contact beside the PHONE column: "(no name)", not a blank.
screen | grep -q "^ (no name) *+18777371767 " || { screen >&2; fail "an unnamed contact's NAME cell is not (no name)"; }
keys G
shot list_end "300 conversations · row 300 "
keys g
wait_for "row 1 "
keys '?'
shot help "any key closes this help"
keys x
wait_gone "any key closes this help"

# --- search: pending (its statement waits on a lock), complete, no match;
# from a fresh start, so that the list under the box is its first page
convo
wait_for "100 conversations, more"
PGAPPNAME=$LOCKER psql -X -q -c "begin; lock table messages, contacts in access exclusive mode;
                                  select pg_sleep(120)" >/dev/null 2>&1 &
locked() {
    [ "$(q "select count(*) from pg_locks l join pg_stat_activity a using (pid)
            where a.application_name = '$LOCKER' and l.mode = 'AccessExclusiveLock' and l.granted")" -ge 2 ]
}
wait_until locked
keys /
type_text "pizza"
shot search_pending "so far"
unlock
shot search_complete "100 matches, more"
keys Enter Enter
wait_chat
shot hit_opened "match 1 of"
keys q
wait_for "100 matches, more"
keys / C-u
type_text "qzqzqz"
shot search_none "no matches"
keys Escape Escape
wait_for "recent conversations"

# --- a conversation: newest at the bottom, then its start with the dates
keys g Enter
wait_chat
shot chat "all 16 messages"
keys g
shot chat_start "start of the conversation"
keys r
type_text "see you at 6"
shot chat_reply "reply: see you at 6"
keys Escape q
wait_for "recent conversations"

# --- the database goes away: the status bar says so, the rows stay
admin "alter database $DB allow_connections false"
admin "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$DB'"
keys j
shot db_down "reconnecting..."
admin "alter database $DB allow_connections true"
wait_gone "reconnecting..."

# --- narrow, 40 x 12
TUI_W=40 TUI_H=12
convo
shot narrow_list "100 conversations"
keys '?'
shot narrow_help "j/k scroll, q closes"
keys q
wait_gone "j/k scroll, q closes"
keys Enter
wait_chat
shot narrow_chat "16 messages"

if [ $UPDATE = 1 ]; then
    pass "wrote $shots screens to tests/tui/golden"
    exit 0
fi
[ -z "$differ" ] || fail "screens differ from tests/tui/golden:$differ (tests/tui/golden.sh --update rewrites them)"
pass "$shots whole screens equal tests/tui/golden/*.txt (latency field masked)"

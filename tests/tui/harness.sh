# tests/tui/harness.sh - drive the real convo in tmux at a fixed size and a
# UTF-8 locale, read the screen back with capture-pane. Sourced by every
# tui test. Needs CONVO_BIN and CONVO_QUERY (set by meson) and the PG*
# variables of ./test. CONVO_TEST_BIN is convo-test, convo with a clock
# fixed by CONVO_NOW (tests/tui/clock_fixed.c).
TUI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
source "$TUI_DIR/../lib.sh"

: "${CONVO_BIN:?CONVO_BIN is not set}" "${CONVO_QUERY:?CONVO_QUERY is not set}"
command -v tmux >/dev/null || fail "tmux is not installed"

export LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC
unset NO_COLOR
TUI_W=100
TUI_H=30
# Slow machines and sanitizer builds get the same generous limit.
TUI_TIMEOUT=${TUI_TIMEOUT:-20}
TMUX_BASE="convo-$(basename "$0" .sh)-$$"
TMUX_SOCK=$TMUX_BASE-0
TMUX_N=0

tm() { tmux -u -L "$TMUX_SOCK" -f /dev/null "$@"; }

# convo's standard error (sanitizer reports land there, not on the screen).
TUI_ERRLOG=$(mktemp)

# tui_cleanup: end convo and its tmux servers; fails (returns 1) when convo
# reported errors. Traps: `st=$?; tui_cleanup || st=1; exit $st`.
tui_cleanup() {
    local i
    # Let a running convo quit by itself, so sanitizers report leaks.
    if [ "${TUI_MODE:-}" = convo ] && tm has-session 2>/dev/null; then
        tm send-keys -t 0 C-c 2>/dev/null || true
        local deadline=$((SECONDS + 10))
        while [ $SECONDS -lt $deadline ] && ! tm capture-pane -p -t 0 2>/dev/null | grep -q convo-exited; do
            sleep 0.05
        done
    fi
    for ((i = 0; i <= TMUX_N; i++)); do
        tmux -L "$TMUX_BASE-$i" kill-server >/dev/null 2>&1 || true
        rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_BASE-$i"
    done
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error|convo: " "$TUI_ERRLOG"; then
        cat "$TUI_ERRLOG" >&2
        rm -f "$TUI_ERRLOG"
        echo "FAIL: convo reported errors on stderr" >&2
        return 1
    fi
    rm -f "$TUI_ERRLOG"
    return 0
}

# Every start gets a server of its own: reusing one that is shutting down
# races.
new_server() {
    tm kill-server >/dev/null 2>&1 || true
    TMUX_N=$((TMUX_N + 1))
    TMUX_SOCK=$TMUX_BASE-$TMUX_N
}
trap 'st=$?; tui_cleanup || st=1; exit $st' EXIT

# start_convo [ENV=VALUE...] [-- CONVO ARGS]: convo in a fresh tmux server.
# The pane's shell line ends with a marker so that tests see the exit.
start_convo() {
    local envs=() args=() a seen=0
    TUI_MODE=convo
    for a in "$@"; do
        if [ "$seen" = 1 ]; then args+=("$(printf '%q' "$a")");
        elif [ "$a" = -- ]; then seen=1;
        else envs+=("$(printf '%q' "$a")"); fi
    done
    new_server
    tm new-session -d -x "$TUI_W" -y "$TUI_H" \
        "env TERM=xterm-256color ${envs[*]} $(printf '%q' "$CONVO_BIN") ${args[*]} 2>>$(printf '%q' "$TUI_ERRLOG"); echo convo-exited-\$?; sleep 600"
}

# start_shell: an interactive shell in the pane instead of convo.
start_shell() {
    TUI_MODE=shell
    new_server
    tm new-session -d -x "$TUI_W" -y "$TUI_H" "env TERM=xterm-256color PS1='shell\$ ' bash --norc --noprofile -i"
}

screen() { tm capture-pane -p -t 0; }
screen_esc() { tm capture-pane -p -e -t 0; }
line() { screen | sed -n "$(($1 + 1))p"; }   # 0-based screen line
keys() { tm send-keys -t 0 "$@"; }
# A count as the screen shows it: 4665 -> 4,665.
grouped() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta' <<<"$1"; }
type_text() { tm send-keys -t 0 -l "$1"; }

# wait_for TEXT: until the screen shows TEXT (fixed string).
wait_for() {
    local deadline=$((SECONDS + TUI_TIMEOUT))
    while ! screen | grep -qF -- "$1"; do
        [ $SECONDS -ge $deadline ] && { screen >&2; fail "timed out waiting for: $1"; }
        sleep 0.05
    done
}

wait_gone() {
    local deadline=$((SECONDS + TUI_TIMEOUT))
    while screen | grep -qF -- "$1"; do
        [ $SECONDS -ge $deadline ] && { screen >&2; fail "timed out waiting for '$1' to go"; }
        sleep 0.05
    done
}

# when_sql TIME NOW: SQL for how convo's list shows TIME (a timestamptz
# expression) when the clock says NOW, as tui/fmt.c's fmt_when does in UTC:
# now, Nm ago, Nh ago, Nd ago, then "DD Mon" this year, else YYYY-MM-DD;
# a time over a minute ahead is its date.
when_sql() {
    local t=$1 now="timestamptz '$2'"
    local ago="trunc(extract(epoch from $now) - extract(epoch from $t))::bigint"
    echo "case when $ago < -60 then to_char($t at time zone 'UTC', 'YYYY-MM-DD')
                when $ago < 60 then 'now'
                when $ago < 3600 then ($ago / 60) || 'm ago'
                when $ago < 86400 then ($ago / 3600) || 'h ago'
                when $ago < 7 * 86400 then ($ago / 86400) || 'd ago'
                when extract(year from $t at time zone 'UTC') = extract(year from $now at time zone 'UTC')
                    then to_char($t at time zone 'UTC', 'DD Mon')
                else to_char($t at time zone 'UTC', 'YYYY-MM-DD') end"
}

# wait_chat: until the conversation view is on screen (its header).
in_chat() { [[ "$(line 0)" == " ← "* ]]; }
wait_chat() { wait_until in_chat; }

# wait_until CMD...: until the command succeeds.
wait_until() {
    local deadline=$((SECONDS + TUI_TIMEOUT))
    until "$@"; do
        [ $SECONDS -ge $deadline ] && { screen >&2; fail "timed out waiting for: $*"; }
        sleep 0.05
    done
}

# json_rows FILE: "phone<TAB>name<TAB>content" per conversation of a
# convo-query answer (one conversation per line; names and contents with
# JSON escapes come out as ?, which the checks skip; an empty name as the
# screen shows it, "(no name)": no field is ever empty, since `read` with a
# tab in IFS would run two tabs together).
json_rows() {
    sed -n 's/^ *{"contact_id": \([0-9]*\), "name": "\(\([^"\\]\|\\.\)*\)", "phone_number": "\([^"]*\)".*"content": "\(\([^"\\]\|\\.\)*\)", "created_at".*/\4\t\2\t\5/p' "$1" |
        awk -F'\t' '{ n = $2; c = $3
                      if (n ~ /\\/) n = "?"; else if (n == "") n = "(no name)"
                      if (c ~ /\\/ || c == "") c = "?"
                      print $1 "\t" n "\t" c }'
}

# row_matches LINE PHONE NAME CONTENT: the screen line shows that row (the
# phone and the start of the name and text, or an excerpt "…text" of it
# around a search match; the 100-column layout has room).
row_matches() {
    local l=$1 phone=$2 name=$3 content=$4
    [[ "$l" == *"$phone"* ]] || return 1
    if [ "$name" != "?" ]; then
        [[ "$l" == *"${name:0:8}"* ]] || return 1
    fi
    if [ "$content" != "?" ] && [[ "$content" =~ ^[[:print:]]{6} ]]; then
        local start=${content:0:15}
        start=${start%% }
        if [[ "$l" != *"$start"* ]]; then
            # An excerpt: its first characters, without the blanks that
            # pad a short one to the column's width.
            [[ "$l" =~ \ (in|out)\ +…(.{10}) ]] || return 1
            local piece=${BASH_REMATCH[2]}
            piece=${piece%"${piece##*[! ]}"}
            [ -n "$piece" ] && [[ "$content" == *"$piece"* ]] || return 1
        fi
    fi
    return 0
}

# screen_rows_equal FILE [FIRST]: the list rows on screen equal rows FIRST..
# of the convo-query answer in FILE, as far as both go. FIRST "auto" finds
# where the screen starts by the phone number of its first row.
screen_rows_equal() {
    local file=$1 first=${2:-1} i=0 l phone name content rows
    mapfile -t rows < <(screen | sed -n "3,$((TUI_H - 2))p")
    if [ "$first" = auto ]; then
        first=$(json_rows "$file" | awk -F'\t' -v l="${rows[0]}" 'index(l, $1) { print NR; exit }')
        [ -n "$first" ] || { [ -n "${VERBOSE:-}" ] && echo "first screen row not expected: ${rows[0]}" >&2; return 1; }
    fi
    while IFS=$'\t' read -r phone name content; do
        [ $i -ge ${#rows[@]} ] && break
        l=${rows[$i]}
        row_matches "$l" "$phone" "$name" "$content" || {
            if [ -n "${VERBOSE:-}" ]; then
                echo "screen row $i: $l" >&2
                echo "expected:     $phone | $name | $content" >&2
            fi
            return 1
        }
        i=$((i + 1))
    done < <(json_rows "$file" | tail -n +"$first")
    [ $i -gt 0 ]
}

# check_rows FILE [FIRST] WHAT: wait until the rows match, else fail with the
# difference.
check_rows() {
    local file=$1 first=$2 what=$3 deadline=$((SECONDS + TUI_TIMEOUT))
    until screen_rows_equal "$file" "$first"; do
        if [ $SECONDS -ge $deadline ]; then
            screen >&2
            VERBOSE=1 screen_rows_equal "$file" "$first" || true
            fail "$what"
        fi
        sleep 0.05
    done
}

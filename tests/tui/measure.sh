#!/usr/bin/env bash
# tests/tui/measure.sh - the numbers the tui issue asks for, on a live
# database (by default the embedded cluster of ./run, the full data set):
#   - keystroke to redrawn screen for moves within loaded rows
#   - keystroke to search results on screen while typing words
#   - resident memory after scrolling through 5,000 conversations
#   - bytes sent to the terminal per keystroke
# Not part of `meson test`: run it by hand after a build.
#   CONVO_BIN=build/tui/convo tests/tui/measure.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CONVO_BIN=${CONVO_BIN:-$ROOT/build/tui/convo}
[ -x "$CONVO_BIN" ] || { echo "no convo at $CONVO_BIN" >&2; exit 1; }
if [ -z "${PGHOST:-}${PGDATABASE:-}${DATABASE_URL:-}" ]; then
    eval "$("$ROOT/run" env)"
    export PGHOST PGPORT PGDATABASE PGUSER
fi
export LANG=C.UTF-8 LC_ALL=C.UTF-8
SOCK=convo-measure-$$
work=$(mktemp -d)
tm() { tmux -u -L "$SOCK" -f /dev/null "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1 || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
    rm -rf "$work"
}
trap cleanup EXIT
screen() { tm capture-pane -p -t 0; }
wait_for() {
    local deadline=$((SECONDS + 120))
    until screen | grep -qF -- "$1"; do
        [ $SECONDS -ge $deadline ] && { screen >&2; echo "timed out: $1" >&2; exit 1; }
        sleep 0.02
    done
}

tm new-session -d -x 120 -y 35 \
    "env TERM=xterm-256color CONVO_STATS=$work/stats $(printf '%q' "$CONVO_BIN"); sleep 600"
wait_for "row 1 "
shell_pid=$(tm display -p -t 0 '#{pane_pid}')
pid=$(grep -ls "^PPid:[[:space:]]*$shell_pid\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3 || true)
[ -n "$pid" ] || { echo "cannot find convo's process" >&2; exit 1; }
rss() { awk '/VmRSS/ { print $2 " kB" }' "/proc/$pid/status"; }
echo "rss at start: $(rss)"

# Bytes per keystroke: everything the program writes, over 50 moves.
tm pipe-pane -t 0 -o "cat >> $work/out"
sleep 0.3
for i in $(seq 50); do tm send-keys -t 0 j; sleep 0.03; done
wait_for "row 51 "
sleep 0.3
tm pipe-pane -t 0
bytes=$(stat -c %s "$work/out")
echo "bytes per j (120x35): $((bytes / 50))"

# Scroll through 5,000 conversations.
t0=$(date +%s.%N)
until screen | grep -qE "row 5,[0-9]{3} "; do
    tm send-keys -t 0 NPage
    sleep 0.01
done
t1=$(date +%s.%N)
echo "scrolled to row 5,000 in $(echo "$t1 - $t0" | bc) s; rss: $(rss)"
tm send-keys -t 0 g
wait_for "row 1 "
echo "back at the top; rss: $(rss)"

# Typing words into the search box, one key every 120 ms.
tm send-keys -t 0 /
for w in coffee weekend pizza airport birthday hello tomorrow meeting zebra ok; do
    for ((i = 0; i < ${#w}; i++)); do
        tm send-keys -t 0 -l "${w:i:1}"
        sleep 0.12
    done
    sleep 0.4
    tm send-keys -t 0 C-u
    sleep 0.2
done
tm send-keys -t 0 Escape
sleep 0.2
tm send-keys -t 0 q
for _ in $(seq 100); do [ -s "$work/stats" ] && break; sleep 0.05; done
cat "$work/stats"

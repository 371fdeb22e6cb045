#!/usr/bin/env bash
# screenshots/make.sh - PNGs of the real convo in a real terminal (xterm on
# a virtual X display), driven through tmux, on whatever database the libpq
# environment names (by default the embedded cluster of ./run, i.e. the full
# data set). Regenerates start.png, live.png, search.png, conversation.png,
# reply.png, narrow.png. live.png writes a few messages (convo-seed --live).
# Then records ./run demo's tour (demo.sh --record demo.cast, --mask so
# that no real number is published) and renders it as the animated
# demo.svg shown at the top of the README.
#
#   screenshots/make.sh            (after ./run setup)
#   CONVO_BIN=build/tui/convo screenshots/make.sh
#
# Needs: xvfb xterm imagemagick x11-utils fonts-dejavu-core fonts-symbola tmux
#        asciinema termtosvg
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CONVO_BIN=${CONVO_BIN:-$ROOT/build/tui/convo}
SEARCH_TERM=${SEARCH_TERM:-coffee}
DISPLAY_NUM=${DISPLAY_NUM:-77}
SOCK_BASE=convo-shots-$$
SOCK=$SOCK_BASE-0

die() { printf 'make.sh: %s\n' "$*" >&2; exit 1; }
[ -x "$CONVO_BIN" ] || die "no convo at $CONVO_BIN (build first, or set CONVO_BIN)"
for t in Xvfb xterm import xwininfo tmux asciinema termtosvg; do
    command -v $t >/dev/null || die "missing $t: apt-get install xvfb xterm imagemagick x11-utils tmux fonts-symbola asciinema termtosvg"
done
if [ -z "${PGHOST:-}${PGDATABASE:-}${DATABASE_URL:-}" ]; then
    eval "$("$ROOT/run" env)"
    export PGHOST PGPORT PGDATABASE PGUSER
fi
export LANG=C.UTF-8 LC_ALL=C.UTF-8

Xvfb ":$DISPLAY_NUM" -screen 0 2400x1400x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
xterm_pid=
cleanup() {
    tmux -L "$SOCK" kill-server >/dev/null 2>&1 || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
    [ -n "$xterm_pid" ] && kill "$xterm_pid" 2>/dev/null || true
    kill "$xvfb_pid" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY=:$DISPLAY_NUM
for _ in $(seq 100); do xwininfo -root >/dev/null 2>&1 && break; sleep 0.05; done

tm() { tmux -u -L "$SOCK" "$@"; }
screen_has() { tm capture-pane -p -t shot 2>/dev/null | grep -qF -- "$1"; }
wait_for() {
    local deadline=$((SECONDS + 60))
    until screen_has "$1"; do
        [ $SECONDS -ge $deadline ] && { tm capture-pane -p -t shot >&2 || true; die "timed out waiting for: $1"; }
        sleep 0.05
    done
}

# open COLS ROWS: convo in tmux in an xterm of that size.
open() {
    local cols=$1 rows=$2 conf
    # A fresh server each time: reusing one that is shutting down races.
    SOCK=$SOCK_BASE-$((${SOCK##*-} + 1))
    conf=$(mktemp)
    cat >"$conf" <<CONF
set -g status off
set -g default-terminal "tmux-256color"
set -g escape-time 0
CONF
    tm -f "$conf" new-session -d -s shot -x "$cols" -y "$rows" \
        "env TERM=tmux-256color $(printf '%q' "$CONVO_BIN")"
    rm -f "$conf"
    xterm -geometry "${cols}x${rows}+0+0" -T convo-shot -fa 'DejaVu Sans Mono' -fs 12 \
        -bg '#1c1f24' -fg '#d0d4da' -cr '#d0d4da' -b 8 +sb \
        -xrm 'XTerm*termName: xterm-256color' \
        -e tmux -u -L "$SOCK" attach -t shot &
    xterm_pid=$!
    wait_for "connected"
    wait_for "row 1 "
}

close() {
    tm kill-server >/dev/null 2>&1 || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
    kill "$xterm_pid" 2>/dev/null || true
    wait "$xterm_pid" 2>/dev/null || true
    xterm_pid=
}

shot() {
    sleep 0.4   # let xterm paint the last frame
    local id
    id=$(xwininfo -name convo-shot | sed -n 's/.*Window id: \(0x[0-9a-f]*\).*/\1/p')
    import -window "$id" "$HERE/$1"
    printf 'make.sh: wrote screenshots/%s\n' "$1" >&2
}

type_slowly() {
    local s=$1 i
    for ((i = 0; i < ${#s}; i++)); do
        tm send-keys -t shot -l "${s:i:1}"
        sleep 0.12
    done
}

# 1. The start screen.
open 120 34
tm send-keys -t shot j j
wait_for "row 3 "
shot start.png

# 1b. Scrolled down while other writers add messages: news counted above.
tm send-keys -t shot NPage NPage j j
wait_for "row 6"
"${CONVO_SEED:-$ROOT/build/seeder/convo-seed}" --live 20 --duration 2 --connections 2 >/dev/null 2>&1
wait_for "new ↑"
shot live.png
tm send-keys -t shot g

# 2. A search typed key by key, with its latency in the status bar.
tm send-keys -t shot /
type_slowly "$SEARCH_TERM"
wait_for "convo · search"
wait_for " ms "
sleep 0.5
shot search.png

# 3. The conversation of the first result.
tm send-keys -t shot Enter Enter
wait_for "messages"
sleep 0.5
shot conversation.png

# 3b. The reply box (cancelled, nothing sent).
tm send-keys -t shot r
wait_for "reply:"
type_slowly "On my way, see you at 7"
shot reply.png
tm send-keys -t shot Escape
close

# 4. A narrow terminal.
open 64 24
shot narrow.png
close

# 5. The tour, recorded from a real run and rendered as it was.
"$HERE/demo.sh" --record "$HERE/demo.cast" --mask
termtosvg render "$HERE/demo.cast" "$HERE/demo.svg" -M 3000 >/dev/null
printf 'make.sh: wrote screenshots/demo.cast and screenshots/demo.svg\n' >&2

#!/usr/bin/env bash
# tests/tui/measure_live.sh - commit to screen: how long after a message is
# written the real convo shows it, in the list and in the open
# conversation. Not a test (./test does not run it): a measurement.
#
#   eval "$(./run env)"; CONVO_BIN=build/tui/convo tests/tui/measure_live.sh [COUNT] [GAP_MS]
#
# Drives convo in tmux at 120x35 against the database of the PG* variables.
# One psql session writes COUNT messages (default 100) to random contacts
# while the list shows, then COUNT to the contact of the open conversation,
# GAP_MS apart (default 100), each its own transaction. convo itself
# (CONVO_STATS) records, for each message first drawn, the time from its
# created_at (the writer's transaction time, now()) to the frame that shows
# it. The messages written are deleted at the end.
set -euo pipefail
: "${CONVO_BIN:?set CONVO_BIN to the convo binary}"
COUNT=${1:-100}
GAP_MS=${2:-100}
W=120 H=35
sock=convo-measure-live-$$
stats=$(mktemp)
mark="measure-live-$$"
tm() { tmux -u -L "$sock" -f /dev/null "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1 || true
    psql -X -q -c "delete from messages where content like '$mark %'" >/dev/null 2>&1 || true
    rm -f "$stats"
}
trap cleanup EXIT
wait_screen() {
    local deadline=$((SECONDS + 30))
    until tm capture-pane -p -t 0 | grep -qF -- "$1"; do
        [ $SECONDS -ge $deadline ] && { tm capture-pane -p -t 0 >&2; echo "timed out waiting for $1" >&2; exit 1; }
        sleep 0.05
    done
}
gap=$(awk -v g="$GAP_MS" 'BEGIN { printf "%.3f", g / 1000 }')

# write SQL_CONTACT_EXPR TAG: COUNT inserts, GAP_MS apart, one session.
write() {
    local i
    for ((i = 1; i <= COUNT; i++)); do
        echo "insert into messages (contact_id, direction, content, created_at)
              values (($1), 'in', '$mark $2 $i', now());"
        echo "select pg_sleep($gap);"
    done | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
}

export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm new-session -d -x $W -y $H "env TERM=xterm-256color CONVO_STATS=$stats $CONVO_BIN; sleep 600"
wait_screen "conversations"
ncontacts=$(psql -X -Atc "select max(id) from contacts")
write "select id from contacts where id >= 1 + floor(random() * $ncontacts)::int order by id limit 1" list
wait_screen "$mark list $COUNT"
# The conversation on top (the last message written) opens; its contact gets
# the next COUNT.
contact=$(psql -X -Atc "select contact_id from messages where content = '$mark list $COUNT' limit 1")
tm send-keys -t 0 g Enter
wait_screen "$mark list $COUNT"
sleep 0.5
write "$contact" chat
wait_screen "$mark chat $COUNT"
sleep 0.3
tm send-keys -t 0 q q
deadline=$((SECONDS + 10))
while [ ! -s "$stats" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
echo "commit to screen, $COUNT messages each, ${GAP_MS} ms apart (convo's own clock, CONVO_STATS):"
grep commit_to_screen "$stats" || { echo "no figures recorded" >&2; exit 1; }

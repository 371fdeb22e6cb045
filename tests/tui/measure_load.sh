#!/usr/bin/env bash
# tests/tui/measure_load.sh - convo's memory and CPU under a steady stream
# of new messages, and at rest. Not a test (./test does not run it).
#
#   eval "$(./run env)"; CONVO_BIN=build/tui/convo tests/tui/measure_load.sh [SECONDS] [RATE]
#
# Starts convo in tmux at 120x35 on the list, then pgbench writes RATE
# messages a second (default 200) to random contacts for SECONDS (default
# 600), each its own transaction. Every 30 s it prints convo's resident
# memory and the CPU it used in that interval. Then 30 s with no writes
# give the idle CPU. The messages written are deleted at the end.
set -euo pipefail
: "${CONVO_BIN:?set CONVO_BIN to the convo binary}"
DURATION=${1:-600}
RATE=${2:-200}
STEP=30
sock=convo-measure-load-$$
mark="measure-load-$$"
script=$(mktemp)
tm() { tmux -u -L "$sock" -f /dev/null "$@"; }
cleanup() {
    tm kill-server >/dev/null 2>&1 || true
    [ -n "${bench:-}" ] && kill "$bench" 2>/dev/null || true
    psql -X -q -c "delete from messages where content = '$mark'" >/dev/null 2>&1 || true
    rm -f "$script"
}
trap cleanup EXIT

export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm new-session -d -x 120 -y 35 "env TERM=xterm-256color $CONVO_BIN; sleep 600"
deadline=$((SECONDS + 30))
until tm capture-pane -p -t 0 | grep -qF conversations; do
    [ $SECONDS -ge $deadline ] && { echo "convo did not start" >&2; exit 1; }
    sleep 0.1
done
shell=$(tm list-panes -t 0 -F '#{pane_pid}')
pid=$(pgrep -P "$shell" | head -n 1)
[ -n "$pid" ] || { echo "cannot find convo's process" >&2; exit 1; }
tick=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }

ncontacts=$(psql -X -Atc "select max(id) from contacts")
cat >"$script" <<SQL
\set c random(1, $ncontacts)
insert into messages (contact_id, direction, content, created_at)
select id, 'in', '$mark', now() from contacts where id = :c;
SQL
pgbench -n -f "$script" -R "$RATE" -T "$DURATION" -c 8 -j 2 >/dev/null 2>&1 &
bench=$!
printf '%8s %12s %14s\n' "seconds" "rss_kb" "cpu_%_of_core"
printf '%8s %12s %14s\n' 0 "$(rss)" -
t=0
while kill -0 "$bench" 2>/dev/null && [ $t -lt "$DURATION" ]; do
    c0=$(cpu)
    sleep $STEP
    t=$((t + STEP))
    c1=$(cpu)
    printf '%8s %12s %14s\n' "$t" "$(rss)" "$(awk -v d=$((c1 - c0)) -v k="$tick" -v s=$STEP 'BEGIN { printf "%.1f", 100 * d / k / s }')"
done
wait "$bench" || true
bench=
written=$(psql -X -Atc "select count(*) from messages where content = '$mark'")
echo "messages written: $written ($(awk -v n="$written" -v d="$DURATION" 'BEGIN { printf "%.0f", n / d }')/s)"
sleep 2
c0=$(cpu)
sleep $STEP
c1=$(cpu)
echo "idle for ${STEP} s: $((c1 - c0)) CPU ticks ($(awk -v d=$((c1 - c0)) -v k="$tick" -v s=$STEP 'BEGIN { printf "%.2f", 100 * d / k / s }')% of a core), rss $(rss) kB"

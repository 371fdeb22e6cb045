#!/usr/bin/env bash
# The status bar's latency is the time from the keystroke to the whole
# answer, also for a search that needs many budgeted steps; while a search
# runs the bar shows the time so far, not the previous figure. The link to
# the database is made slow (slowlink.py) so the wait is long and known.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
tmp=$(mktemp -d)
proxy_pid=
trap 'st=$?; rm -f "$tmp/slow"; tui_cleanup || st=1; [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; rm -rf "$tmp"; exit $st' EXIT
mkdir "$tmp/sock"
python3 "$TUI_DIR/slowlink.py" "$tmp/sock" "$tmp/slow" 0.6 &
proxy_pid=$!
wait_until test -S "$tmp/sock/.s.PGSQL.${PGPORT:-5432}"

status() { line $((TUI_H - 2)); }
# latency_ms: the figure of the status bar in milliseconds (empty if none).
latency_ms() {
    status | grep -oE '[0-9]+\.[0-9]+ m?s ·' | head -n 1 |
        awk '{ v = $1; if ($2 == "s") v *= 1000; printf "%d\n", v }'
}

start_convo -- --db "host=$tmp/sock dbname=${PGDATABASE:-convo_test}"
wait_for "conversations, more"
wait_until bash -c "[ -n \"\$(tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n $((TUI_H - 1))p | grep -oE '[0-9]+\.[0-9] ms')\" ]"
before=$(status | grep -oE '[0-9]+\.[0-9]+ ms' | head -n 1)
pass "start-up latency shown: $before"

touch "$tmp/slow"
keys /
t0=$(date +%s%N)
type_text "qx"
wait_for "/qx"
# While it runs: the time so far, never the previous query's figure.
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n $((TUI_H - 1))p | grep -q 'so far'"
status | grep -qF -- "$before ·" && fail "the old figure shows while the search runs: $(status)"
pass "while the search runs the bar shows the time so far: $(status | grep -oE '[0-9.]+ m?s so far')"
# The rows still on screen are the previous list's, and the bar says so.
wait_for "showing recent"
pass "while the new term is pending the bar says the rows are the recent list's"
# The rest of the scan at full speed: every step is a round trip.
rm -f "$tmp/slow"

done_searching() { status | grep -qE 'match|no matches' && ! status | grep -q 'so far' && [ -n "$(latency_ms)" ]; }
wait_until done_searching
t1=$(date +%s%N)
wall=$(((t1 - t0) / 1000000))
shown=$(latency_ms)
# At least one delayed round trip, and no more than the test itself waited.
[ "$shown" -ge 600 ] || fail "latency ${shown} ms is less than the link's delay (600 ms): $(status)"
[ "$shown" -le $((wall + 100)) ] || fail "latency ${shown} ms is more than the ${wall} ms the test waited"
pass "slow search: bar says ${shown} ms, the test waited ${wall} ms"

# g in a long conversation over the slow link: its first messages show
# before the pages in between have come.
big=$(q "select contact_id from messages group by 1 order by count(*) desc limit 1")
phone=$(q "select phone_number from contacts where id = $big")
keys Escape
wait_for "recent conversations"
keys /
type_text "$phone"
wait_for "1 match"
keys Enter Enter
wait_chat
wait_for "older above"
touch "$tmp/slow"
keys g
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | grep -q 'start of the conversation' &&
                    tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | grep -q 'loading to the oldest'"
pass "g shows the first messages before the pages in between"
rm -f "$tmp/slow"
wait_for "all $(q "select count(*) from messages where contact_id = $big" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') messages"
pass "the pages in between follow"

# A search waiting on a lock held on contacts: the bar says what the user
# waited, from the key to the rows, also after a live update fetched the
# rows again (quickly) while they are shown. On a database of its own.
tui_cleanup
db=convo_tui_latency_$$
fresh_db "$db"
trap 'st=$?; rm -f "$tmp/slow"; tui_cleanup || st=1; [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; rm -rf "$tmp"; psql -X -q -d postgres -c "drop database if exists $db with (force)" >/dev/null 2>&1; exit $st' EXIT
q "insert into contacts (phone_number, name)
   select '+1555' || lpad(i::text, 7, '0'), 'Person ' || i from generate_series(1, 60) i"
q "insert into messages (contact_id, direction, content, created_at)
   select 1 + i % 60, 'in', 'note ' || i || case when i % 5 = 0 then ' about rain' else '' end,
          now() - make_interval(mins => i)
     from generate_series(1, 300) i"
start_convo -- --db "dbname=$db"
wait_for "60 conversations"
psql -X -q -d "$db" -c "begin; lock table contacts in access exclusive mode; select pg_sleep(2); commit" >/dev/null 2>&1 &
locker=$!
wait_until bash -c "[ \"\$(psql -X -At -d $db -c \"select count(*) from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'contacts' and l.mode = 'AccessExclusiveLock' and l.granted\")\" = 1 ]"
keys /
type_text "rain"
wait_for "12 matches"
wait "$locker"
shown=$(latency_ms)
[ -n "$shown" ] && [ "$shown" -ge 1500 ] || fail "a search that waited on the lock shows ${shown:-no} ms: $(status)"
pass "a search waiting 2 s on a lock on contacts: the bar says ${shown} ms"
keys Enter
q "insert into messages (contact_id, direction, content) values (3, 'in', 'fresh rain today')" >/dev/null
wait_for "13 matches"
wait_for "fresh rain today"
sleep 0.3
shown=$(latency_ms)
[ -n "$shown" ] && [ "$shown" -ge 1500 ] || fail "after a live update the bar shows ${shown:-no} ms: $(status)"
pass "a live update fetching the rows again leaves the user's ${shown} ms"

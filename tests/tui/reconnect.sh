#!/usr/bin/env bash
# The database goes away while convo runs: the status bar says
# "reconnecting...", convo keeps working, and recovers when it returns.
# Done on a database of its own (connections refused, backends killed), so
# the shared cluster keeps running.
source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

db=convo_tui_reconnect_$$
fresh_db "$db"
admin() { psql -X -q -d postgres -v ON_ERROR_STOP=1 -Atc "$1" >/dev/null; }
cleanup() {
    local st=$?
    tui_cleanup || st=1
    admin "alter database $db allow_connections true" 2>/dev/null || true
    admin "drop database if exists $db with (force)" 2>/dev/null || true
    exit $st
}
trap cleanup EXIT

q "insert into contacts (phone_number, name)
   select '+1555' || lpad(i::text, 7, '0'), 'Person ' || i from generate_series(1, 120) i"
q "insert into messages (contact_id, direction, content, created_at)
   select 1 + i % 120, case when i % 2 = 0 then 'in' else 'out' end,
          'message number ' || i || case when i % 7 = 0 then ' apple' else '' end,
          now() - make_interval(mins => i)
     from generate_series(1, 600) i"

start_convo -- --db "dbname=$db"
wait_for "conversations, more"
wait_for "connected"

admin "alter database $db allow_connections false"
admin "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$db'"
# Any query now finds the server gone.
keys /
type_text "apple"
wait_for "reconnecting..."
keys Escape
keys j
wait_for "row 2"
pass "database gone: status says reconnecting..., keys still work"

admin "alter database $db allow_connections true"
wait_gone "reconnecting..."
wait_for "connected"
keys /
type_text "apple"
wait_for "search “apple”"
n=$(screen | grep -c "message number [0-9]* apple")
[ "$n" -gt 0 ] || fail "no search results after the database came back"
keys Escape
wait_for "recent conversations"
pass "recovered when the database came back"

# Moves typed while the database is away do not run when it comes back:
# the rows they waited for come seconds later, and the status bar says the
# moves were dropped.
q "insert into contacts (phone_number, name)
   select '+1556' || lpad(i::text, 7, '0'), 'Extra ' || i from generate_series(1, 300) i"
q "insert into messages (contact_id, direction, content, created_at)
   select c.id, 'in', 'extra message ' || c.id, now() - interval '1 day' - make_interval(mins => c.id)
     from contacts c where c.name like 'Extra %'"
start_convo -- --db "dbname=$db"
# The first page and the one after it (fetched ahead), no more.
loaded=100
wait_for "$loaded conversations, more"
wait_for "connected"
admin "alter database $db allow_connections false"
admin "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$db'"
for i in 1 2 3 4 5 6 7 8 9 10; do keys NPage; done
wait_for "reconnecting..."
for i in 1 2 3 4 5; do keys NPage; done
wait_for "row $loaded "
sleep 2   # the keys are seconds old when the rows come
admin "alter database $db allow_connections true"
wait_gone "reconnecting..."
wait_for "moves typed while the rows loaded are dropped"
wait_until bash -c "tmux -u -L $TMUX_SOCK capture-pane -p -t 0 | sed -n $((TUI_H - 1))p | grep -q ' conversations'"
sleep 0.5
line $((TUI_H - 2)) | grep -qF "row $loaded " ||
    { screen >&2; fail "moves typed while the database was away ran when it came back"; }
pass "moves typed while the database was away are dropped (the status bar says so), the cursor stays on row $loaded"

#!/usr/bin/env bash
# tests/live/deadlock.sh LIB - writers of the same contacts never deadlock
# through the latest-message pointer: transactions that write a contact's
# messages in several statements (an insert, then a move or delete of its
# newest message), some in savepoints rolled back, race single-row deletes,
# moves and inserts of the newest messages, all READ COMMITTED, for
# CONVO_STRESS_SECONDS (20 by default): no `deadlock detected`, no
# serialization failure, and the pointers are exact afterwards.
source "$1"

DB=convo_deadlock_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555600' || lpad(g::text, 4, '0'), 'Race ' || g from generate_series(1, 3) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 3, 'in', 'seed ' || g, now() - g * interval '1 minute' from generate_series(1, 30) g" >/dev/null

STRESS_S=${CONVO_STRESS_SECONDS:-20}
OUT=$(mktemp -d)
end=$((SECONDS + STRESS_S))

# A statement on contact C's newest (OFFSET 0) or second newest message.
newest() { echo "(select id from messages where contact_id = $1 order by created_at desc, id desc limit 1 offset ${2:-0})"; }
insert() { echo "insert into messages (contact_id, direction, content, created_at)
                 values ($1, 'out', 'w', now() - random() * interval '40 minutes')"; }

multi_tx() {
    local c=$((1 + RANDOM % 3)) o=$((RANDOM % 2))
    echo "begin;"
    echo "$(insert $c);"
    case $((RANDOM % 3)) in
        0) echo "update messages set created_at = now() - random() * interval '45 minutes' where id = $(newest $c $o);" ;;
        1) echo "delete from messages where id = $(newest $c $o);" ;;
        2) echo "update messages set contact_id = $((1 + RANDOM % 3)) where id = $(newest $c $o);" ;;
    esac
    echo "$(insert $((1 + RANDOM % 3)));"
    echo "commit;"
}
savepoint_tx() {
    local c=$((1 + RANDOM % 3))
    echo "begin;"
    echo "delete from messages where id = $(newest $c 1);"
    echo "savepoint s;"
    echo "$(insert $c);"
    echo "update messages set created_at = now() where id = $(newest $c);"
    if [ $((RANDOM % 2)) = 0 ]; then echo "rollback to savepoint s;"; else echo "release savepoint s;"; fi
    echo "delete from messages where id = $(newest $c);"
    echo "commit;"
}
single_tx() {
    local c=$((1 + RANDOM % 3))
    case $((RANDOM % 4)) in
        0) echo "delete from messages where id = $(newest $c);" ;;
        1) echo "update messages set created_at = now() - random() * interval '50 minutes' where id = $(newest $c);" ;;
        2) echo "$(insert $c);" ;;
        3) echo "delete from messages where id = (select last_message_id from contacts where id = $c);" ;;
    esac
}
writer() {
    local kind=$1 n=0
    while [ $SECONDS -lt $end ]; do
        "${kind}_tx"
        n=$((n + 1))
        [ $((n % 50)) = 0 ] && echo "select 'progress';"
    done | psql -X -q -At -v VERBOSITY=verbose >"$OUT/$kind.$2" 2>&1
}
writer multi 1 & writer multi 2 & writer savepoint 1 &
writer single 1 & writer single 2 &
wait

dl=$(cat "$OUT"/* | grep -c 'deadlock detected' || true)
sf=$(cat "$OUT"/* | grep -c 'could not serialize' || true)
other=$(cat "$OUT"/* | grep 'ERROR' | grep -v 'deadlock detected\|could not serialize' | head -3 || true)
done_n=$(cat "$OUT"/* | grep -c '^progress' || true)
[ "$dl" = 0 ] || fail "$dl deadlocks in ${STRESS_S} s: $(grep -h -m1 -A2 'deadlock detected' "$OUT"/* | head -4)"
[ "$sf" = 0 ] || fail "$sf serialization failures under READ COMMITTED"
[ -z "$other" ] || fail "writers failed: $other"
[ "$done_n" -gt 5 ] || fail "the writers made little progress ($done_n x 50 transactions)"
wrong=$(stale_pointers)
[ "$wrong" = 0 ] || fail "$wrong pointers stale after the race"
rm -rf "$OUT"
pass "five writers (multi-statement, savepoints, single rows) on three contacts for ${STRESS_S} s: no deadlock, pointers exact"

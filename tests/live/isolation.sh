#!/usr/bin/env bash
# tests/live/isolation.sh LIB - the latest-message pointer stays exact when
# two writers of one contact run at any pair of isolation levels (READ
# COMMITTED, REPEATABLE READ, SERIALIZABLE), driven statement by statement
# through every interleaving of interest: each transaction either commits or
# fails with a serialization failure (40001), and no pointer is ever left on
# a message that is not the contact's latest.
source "$1"
source "$(dirname "$0")/sessions.sh"

DB=convo_isolation_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555300' || lpad(g::text, 4, '0'), 'Iso ' || g from generate_series(1, 3) g" >/dev/null

# reset_contact: contact 1 holds m1..m4 at -1 h .. -4 h (m1 the newest).
reset_contact() {
    q "delete from messages where contact_id = 1;
       insert into messages (contact_id, direction, content, created_at)
       select 1, 'in', 'm' || k, now() - make_interval(hours => k) from generate_series(1, 4) k" >/dev/null
}
id_of() { q "select id from messages where contact_id = 1 and content = '$1'"; }

# The statements: the newest deleted, the second newest deleted, a message
# inserted between the first and the second, the newest moved back in time.
op_sql() {
    case $1 in
        del1) echo "delete from messages where id = $m1" ;;
        del2) echo "delete from messages where id = $m2" ;;
        ins) echo "insert into messages (contact_id, direction, content, created_at)
                   values (1, 'out', 'between', now() - interval '90 minutes')" ;;
        move1) echo "update messages set created_at = now() - interval '150 minutes' where id = $m1" ;;
    esac
}

sess_open a
sess_open b
runs=0 failures=0

# run LA LB OPA OPB ORDER: session a at level LA runs OPA, b at LB runs OPB.
# ORDER snap: a takes its snapshot, b runs and commits, then a runs;
#       ab:   both run, a commits first;  ba: both run, b commits first.
run() {
    local la=$1 lb=$2 opa=$3 opb=$4 order=$5 oa ob wrong
    reset_contact
    m1=$(id_of m1) m2=$(id_of m2)
    sess_reset a; sess_reset b
    sess_send a "begin isolation level $la"
    sess_send b "begin isolation level $lb"
    case $order in
        snap)
            sess_send a "select count(*) from contacts"
            sess_send b "$(op_sql "$opb")"
            sess_send b commit; sess_wait b
            sess_send a "$(op_sql "$opa")"
            sess_send a commit; sess_wait a ;;
        ab|ba)
            sess_send a "$(op_sql "$opa")"
            sess_send b "$(op_sql "$opb")"
            if [ "$order" = ab ]; then
                sess_send a commit; sess_send b commit
            else
                sess_send b commit; sess_send a commit
            fi
            sess_wait a; sess_wait b ;;
    esac
    oa=$(sess_outcome a) ob=$(sess_outcome b)
    # An aborted transaction leaves its session in it: end it.
    sess_send a rollback; sess_send b rollback; sess_wait a; sess_wait b
    runs=$((runs + 1))
    for o in "$oa" "$ob"; do
        [ "$o" = ok ] || [ "$o" = 40001 ] \
            || fail "$la $opa / $lb $opb ($order): a transaction ended with $o, not a commit or 40001"
    done
    if [ "$la" = "read committed" ] && [ "$lb" = "read committed" ]; then
        [ "$oa" = ok ] && [ "$ob" = ok ] || fail "$opa / $opb ($order) under READ COMMITTED: a: $oa, b: $ob"
    fi
    [ "$oa" = ok ] && [ "$ob" = ok ] || failures=$((failures + 1))
    wrong=$(stale_pointers)
    [ "$wrong" = 0 ] || fail "$la $opa / $lb $opb ($order): a: $oa, b: $ob, and the pointer is stale:" \
        "$(q "select c.last_message_id, coalesce(m.content, 'a deleted message') from contacts c
              left join messages m on m.id = c.last_message_id where c.id = 1")"
}

levels="read committed|repeatable read|serializable"
IFS='|' read -r -a L <<<"$levels"
for la in "${L[@]}"; do
    for lb in "${L[@]}"; do
        for pair in "del1 del2" "del2 del1" "del1 ins" "ins del1" "move1 del2" "del2 move1"; do
            set -- $pair
            for order in snap ab ba; do
                run "$la" "$lb" "$1" "$2" "$order"
            done
        done
    done
done
sess_close a
sess_close b
rm -rf "$SESS_DIR"
pass "$runs interleavings of two writers at every pair of levels: pointers exact ($failures ended in 40001)"

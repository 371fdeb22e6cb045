#!/usr/bin/env bash
# tests/live/merge.sh LIB - MERGE keeps the latest-message pointer exact:
# its INSERT, UPDATE and DELETE actions, within one month's partition and
# across months (PostgreSQL 15 gives statement triggers empty transition
# tables for a MERGE UPDATE that moves a row to another partition), also
# inside a savepoint rolled back and in a transaction that writes on after;
# a transaction of thousands of statements; and the move is notified.
source "$1"

DB=convo_merge_test_$$
fresh_db "$DB"
q "select public.convo_month_partition(date '2026-01-01'), public.convo_month_partition(date '2026-02-01'),
          public.convo_month_partition(date '2026-03-01');
   insert into contacts (phone_number, name)
   select '+1555400' || lpad(g::text, 4, '0'), 'Merge ' || g from generate_series(1, 4) g" >/dev/null

# reset: contacts 1..4 each hold m1..m4 on 2026-02-20 .. 2026-02-17 (m1 the newest).
reset() {
    q "delete from messages;
       insert into messages (contact_id, direction, content, created_at)
       select c, 'in', 'm' || k, timestamptz '2026-02-21 12:00+00' - make_interval(days => k)
         from generate_series(1, 4) c, generate_series(1, 4) k" >/dev/null
}
latest() { q "select m.content from contacts c join messages m on m.id = c.last_message_id where c.id = $1"; }

# MERGE UPDATE: the newest to another month (January, older), to another
# month (March, newer) for an old message, and within February.
reset
q "merge into messages m using (values (1, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = timestamptz '2026-01-05 00:00+00'" >/dev/null
pointers_exact "MERGE moves the newest message to an older month"
[ "$(latest 1)" = m2 ] || fail "the pointer is on $(latest 1), not m2"
q "merge into messages m using (values (2, 'm4')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = timestamptz '2026-03-05 00:00+00'" >/dev/null
pointers_exact "MERGE moves an old message to a newer month"
[ "$(latest 2)" = m4 ] || fail "the pointer is on $(latest 2), not m4"
q "merge into messages m using (values (3, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = timestamptz '2026-02-01 00:00+00'" >/dev/null
pointers_exact "MERGE moves the newest message within its month"
q "merge into messages m using (values (4, 'm2')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set contact_id = 3, created_at = timestamptz '2026-03-01 00:00+00'" >/dev/null
pointers_exact "MERGE moves a message to another contact and another month"

# MERGE DELETE and INSERT, in one statement and apart, same month and not.
reset
q "merge into messages m using (values (1, 'm1', null::timestamptz), (1, 'new', timestamptz '2026-03-02 00:00+00'),
                                      (2, 'm1', null), (2, 'new', timestamptz '2026-01-02 00:00+00'))
         v(c, body, at) on m.contact_id = v.c and m.content = v.body
   when matched then delete
   when not matched then insert (contact_id, direction, content, created_at) values (v.c, 'out', v.body, v.at)" >/dev/null
pointers_exact "MERGE deletes the newest and inserts a newer or an older message"
[ "$(latest 1)" = new ] && [ "$(latest 2)" = m2 ] || fail "pointers on $(latest 1) and $(latest 2), want new and m2"

# Every action at once, over several contacts and months.
reset
q "merge into messages m using (select c, 'm' || k as body from generate_series(1, 4) c, generate_series(1, 3) k) v
      on m.contact_id = v.c and m.content = v.body
   when matched and v.body = 'm1' and v.c % 2 = 0 then delete
   when matched and v.body = 'm2' then update set created_at = timestamptz '2026-01-10 00:00+00' + v.c * interval '1 hour'
   when matched and v.body = 'm3' and v.c = 3 then update set created_at = timestamptz '2026-03-10 00:00+00'" >/dev/null
pointers_exact "one MERGE deleting, moving back and forward over four contacts"

# Inside a transaction: a MERGE move in a savepoint rolled back, one kept,
# and a plain write after it.
reset
q "begin;
   savepoint s;
   merge into messages m using (values (1, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = timestamptz '2026-01-01 00:00+00';
   rollback to savepoint s;
   merge into messages m using (values (2, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = timestamptz '2026-01-01 00:00+00';
   delete from messages where contact_id = 2 and content = 'm2';
   commit" >/dev/null
pointers_exact "MERGE in a savepoint rolled back, then one kept and a delete"
[ "$(latest 1)" = m1 ] && [ "$(latest 2)" = m3 ] || fail "pointers on $(latest 1) and $(latest 2), want m1 and m3"

# A transaction of 3,000 statements over four contacts: its notes outgrow
# the setting and move to the temporary table; a delete of each contact's
# newest and a MERGE at the end.
reset
{
    echo "begin;"
    for i in $(seq 1 3000); do
        echo "insert into messages (contact_id, direction, content, created_at)
              values ($((1 + i % 4)), 'out', 'long $i', timestamptz '2026-02-22 00:00+00' + interval '1 minute' * $i);"
    done
    echo "delete from messages where content in ('long 2999', 'long 3000');"
    echo "merge into messages m using (values ('long 2998')) v(body) on m.content = v.body
          when matched then update set created_at = timestamptz '2026-01-03 00:00+00';"
    echo "commit;"
} | psql -X -q -v ON_ERROR_STOP=1 >/dev/null || fail "the long transaction failed"
pointers_exact "a transaction of 3,000 inserts, a delete and a MERGE"
[ "$(latest 1)" = "long 2996" ] && [ "$(latest 3)" = "long 2994" ] || fail "contacts 1 and 3 point at $(latest 1) and $(latest 3), want long 2996 and long 2994"

# A MERGE moving a row to another month notifies its contact.
reset
got=$(psql -X -q -v ON_ERROR_STOP=1 -c "listen convo_changes" \
        -c "merge into messages m using (values (4, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
            when matched then update set created_at = timestamptz '2026-03-20 00:00+00'" -c "select 1" 2>&1)
printf '%s\n' "$got" | grep -q 'notification "convo_changes" with payload "4"' \
    || fail "no notification for contact 4 after a MERGE moved its message: $got"
pointers_exact "a MERGE moving a message to another month notifies its contact"

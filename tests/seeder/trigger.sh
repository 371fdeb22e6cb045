#!/usr/bin/env bash
# tests/seeder/trigger.sh LIB - the latest-message pointer under concurrent
# inserts: several connections write to the same contacts at once, with
# older and newer timestamps, and an older message never displaces a newer one.
source "$1"

DB=convo_trigger_test_$$
fresh_db "$DB"

q "insert into contacts (phone_number, name)
   select '+1555000' || lpad(g::text, 4, '0'), 'Contact ' || g from generate_series(1, 20) g" >/dev/null

# A newer message holds the contact's row while an older one waits for it.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' &
begin;
insert into messages (contact_id, direction, content, created_at)
values (1, 'in', 'newest', now() - interval '1 minute');
select pg_sleep(1);
commit;
SQL
# Start the older insert only once the newer one holds the contact's row.
for _ in $(seq 1 100); do
    [ "$(q "select count(*) from pg_stat_activity where datname = current_database()
            and query like '%pg_sleep%' and state = 'active' and pid <> pg_backend_pid()")" = 1 ] && break
    sleep 0.1
done
q "insert into messages (contact_id, direction, content, created_at)
   values (1, 'out', 'older, committed later', now() - interval '2 hours')" >/dev/null
wait
[ "$(q "select m.content from contacts c join messages m on m.id = c.last_message_id where c.id = 1")" = newest ] \
    || fail "an older message displaced a newer pointer"
pass "an older message inserted concurrently does not displace the newer one"

# Eight writers, each many statements of single and multi-row inserts into the
# same 20 contacts, timestamps spread over the last 20 days in random order.
for w in $(seq 1 8); do
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
select setseed(0.$w);
do \$\$
begin
    for i in 1..60 loop
        insert into messages (contact_id, direction, content, created_at)
        select 1 + floor(random() * 20)::int, case when random() < 0.5 then 'in' else 'out' end,
               'writer $w statement ' || i,
               now() - random() * interval '20 days'
        from generate_series(1, 1 + floor(random() * 5)::int);
        commit;
    end loop;
end \$\$;
SQL
done
wait
[ "$(q 'select count(*) from messages')" -ge $((8 * 60 + 2)) ] || fail "writers did not all finish"
wrong=$(stale_pointers)
[ "$wrong" = 0 ] || fail "$wrong contacts do not point to their latest message after concurrent inserts"
pass "8 concurrent writers: every pointer is the true latest message"

# Deleting the latest message hands the pointer back to the one before it.
q "delete from messages where id = (select last_message_id from contacts where id = 2)" >/dev/null
[ "$(q "select c.last_message_id = (select id from messages where contact_id = 2
        order by created_at desc, id desc limit 1) from contacts c where c.id = 2")" = t ] \
    || fail "deleting the latest message left a stale pointer"
pass "deleting the latest message moves the pointer back"

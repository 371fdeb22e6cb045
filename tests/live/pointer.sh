#!/usr/bin/env bash
# tests/live/pointer.sh LIB - the latest-message pointer stays exact when
# writers interleave: concurrent deletes of a contact's newest messages, a
# delete racing an older insert, moves by UPDATE, multi-row statements,
# TRUNCATE, and random writers hammering a few hot contacts.
source "$1"

DB=convo_pointer_test_$$
fresh_db "$DB"

q "insert into contacts (phone_number, name)
   select '+1555100' || lpad(g::text, 4, '0'), 'Hot ' || g from generate_series(1, 10) g" >/dev/null

# reset_contact C: contact C holds exactly messages at -1 h, -2 h, -3 h, -4 h
# (contents m1..m4, m1 the newest).
reset_contact() {
    q "delete from messages where contact_id = $1;
       insert into messages (contact_id, direction, content, created_at)
       select $1, 'in', 'm' || k, now() - make_interval(hours => k) from generate_series(1, 4) k" >/dev/null
}
id_of() { q "select id from messages where contact_id = $1 and content = '$2'"; }

# hold SQL: run SQL in a transaction that stays open for a second after it,
# in the background; returns once SQL has run (the transaction holds its locks).
hold() {
    local tag="hold_$RANDOM$RANDOM"
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL &
begin;
$1;
select pg_sleep(1.2) /* $tag */;
commit;
SQL
    for _ in $(seq 1 100); do
        [ "$(q "select count(*) from pg_stat_activity where query like '%$tag%'
                and state = 'active' and pid <> pg_backend_pid()")" = 1 ] && return
        sleep 0.05
    done
    fail "the holding session did not start"
}


# Two sessions delete a contact's two newest messages at the same time.
reset_contact 1
m1=$(id_of 1 m1) m2=$(id_of 1 m2)
hold "delete from messages where id = $m1"
q "delete from messages where id = $m2" >/dev/null
wait
pointers_exact "two concurrent deletes of the two newest messages"
[ "$(q "select m.content from contacts c join messages m on m.id = c.last_message_id where c.id = 1")" = m3 ] \
    || fail "the pointer is not on the third message"

reset_contact 1
m1=$(id_of 1 m1) m2=$(id_of 1 m2)
hold "delete from messages where id = $m2"
q "delete from messages where id = $m1" >/dev/null
wait
pointers_exact "two concurrent deletes, the other order"

# The latest is deleted while another session inserts an older message
# (between the first and the second), both ways round.
reset_contact 2
m1=$(id_of 2 m1)
hold "delete from messages where id = $m1"
q "insert into messages (contact_id, direction, content, created_at)
   values (2, 'out', 'older', now() - interval '90 minutes')" >/dev/null
wait
pointers_exact "a delete of the latest while an older message is inserted"
[ "$(q "select m.content from contacts c join messages m on m.id = c.last_message_id where c.id = 2")" = older ] \
    || fail "the pointer is not on the message inserted meanwhile"

reset_contact 2
m1=$(id_of 2 m1)
hold "insert into messages (contact_id, direction, content, created_at)
      values (2, 'out', 'older', now() - interval '90 minutes')"
q "delete from messages where id = $m1" >/dev/null
wait
pointers_exact "an older insert while the latest is deleted"

# Moves by UPDATE: the latest to an older time, to another contact, and a
# message to a newer time; several rows in one statement.
reset_contact 3
reset_contact 4
q "update messages set created_at = now() - interval '1 day' where contact_id = 3 and content = 'm1'" >/dev/null
pointers_exact "the latest moved to an older time"
q "update messages set contact_id = 4 where contact_id = 3 and content = 'm2'" >/dev/null
pointers_exact "the latest moved to another contact"
q "update messages set created_at = now() where contact_id = 4 and content = 'm4'" >/dev/null
pointers_exact "an old message moved to the newest time"
q "update messages set created_at = created_at - interval '7 days' where contact_id in (3, 4)" >/dev/null
pointers_exact "a multi-row update over two contacts"

# A move of the latest to an older time while another session deletes the
# message that would take its place.
reset_contact 5
m1=$(id_of 5 m1) m2=$(id_of 5 m2)
hold "update messages set created_at = now() - interval '10 hours' where id = $m1"
q "delete from messages where id = $m2" >/dev/null
wait
pointers_exact "a move of the latest racing a delete of the next one"

# Edits: the copy on the contact (direction and content) follows an edit
# of the pointed message, ignores one of an older message, and an edit
# racing the insert of a newer message leaves the newer one's copy.
reset_contact 6
q "update messages set content = 'm1 edited' where contact_id = 6 and content = 'm1'" >/dev/null
pointers_exact "an edit of the latest message's content"
[ "$(q "select last_message_content from contacts where id = 6")" = "m1 edited" ] \
    || fail "the copy is not the edited content"
q "update messages set content = 'm3 edited', direction = 'out' where contact_id = 6 and content = 'm3'" >/dev/null
pointers_exact "an edit of an older message"
q "update messages set direction = 'out' where contact_id = 6 and content = 'm1 edited'" >/dev/null
pointers_exact "a direction edit of the latest message"
m1=$(id_of 6 "m1 edited")
hold "update messages set content = 'm1 again' where id = $m1"
q "insert into messages (contact_id, direction, content, created_at)
   values (6, 'in', 'newer', now())" >/dev/null
wait
pointers_exact "an edit of the latest racing the insert of a newer message"
q "begin; update messages set content = 'two edits' where id = $m1;
   insert into messages (contact_id, direction, content, created_at)
   values (6, 'out', 'newest', now() + interval '1 minute');
   update messages set content = 'newest edited' where contact_id = 6 and content = 'newest'; commit" >/dev/null
pointers_exact "edits and an insert in one transaction"
[ "$(q "select last_message_direction || ' ' || last_message_content from contacts where id = 6")" = "out newest edited" ] \
    || fail "the copy is not the newest message as edited"

# Multi-row statements over several contacts.
q "insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 10, 'in', 'bulk ' || g, now() - g * interval '1 minute' from generate_series(1, 500) g" >/dev/null
pointers_exact "a 500-row insert over ten contacts"
q "delete from messages where content like 'bulk %' and created_at > now() - interval '200 minutes'" >/dev/null
pointers_exact "a multi-row delete of the newest messages of ten contacts"

# TRUNCATE empties every pointer; an older message afterwards is the latest.
q "truncate messages" >/dev/null
pointers_exact "after TRUNCATE"
q "insert into messages (contact_id, direction, content, created_at)
   values (6, 'in', 'after truncate', '2001-01-01')" >/dev/null
pointers_exact "an older insert after TRUNCATE"
[ "$(q "select count(*) from contacts where last_message_id is not null")" = 1 ] \
    || fail "TRUNCATE left pointers behind"

# Random writers on three hot contacts: inserts at random times, deletes of
# the newest or of any message, moves of the newest back or forward in time
# and to another contact, each its own transaction.
STRESS_S=${CONVO_STRESS_SECONDS:-12}
for k in 1 2 3; do reset_contact $k; done
for w in $(seq 1 6); do
    psql -X -q -v ON_ERROR_STOP=1 >/dev/null 2>&2 <<SQL &
select setseed(0.$w);
do \$\$
declare
    stop timestamptz := clock_timestamp() + interval '$STRESS_S seconds';
    c int; r float8;
begin
    while clock_timestamp() < stop loop
        c := 1 + floor(random() * 3)::int;
        r := random();
        begin
            if r < 0.40 then
                insert into messages (contact_id, direction, content, created_at)
                values (c, 'in', 'stress', now() - random() * interval '5 hours');
            elsif r < 0.60 then
                delete from messages where id = (select last_message_id from contacts where id = c);
            elsif r < 0.70 then
                delete from messages where id = (select id from messages where contact_id = c
                                                  order by random() limit 1);
            elsif r < 0.78 then
                update messages set content = 'edit ' || r, direction = 'out'
                 where id = (select last_message_id from contacts where id = c);
            elsif r < 0.85 then
                update messages set created_at = now() - random() * interval '6 hours'
                 where id = (select last_message_id from contacts where id = c);
            else
                update messages set contact_id = 1 + floor(random() * 3)::int
                 where id = (select id from messages where contact_id = c
                              order by created_at desc limit 1 offset floor(random() * 2)::int);
            end if;
        exception when deadlock_detected then
            null;  -- two moves across contacts in opposite order; one gives way
        end;
        commit;
    end loop;
end \$\$;
SQL
done
wait
pointers_exact "six random writers on three hot contacts for ${STRESS_S} s"

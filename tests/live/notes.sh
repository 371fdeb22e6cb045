#!/usr/bin/env bash
# tests/live/notes.sh LIB - the copy on the contact (schema 012) comes from
# the pointer notes (schema 015): of two notes of the same message in one
# transaction the later wins (an insert then an edit, across savepoints
# rolled back and released, past the 64 kB spill to the temporary table,
# around a MERGE move), content of any text round-trips through a note, a
# one-row INSERT commits through the one-note path, and a transaction under
# way while 015 is applied commits exactly.
source "$1"
source "$(dirname "$0")/sessions.sh"

DB=convo_notes_test_$$
fresh_db "$DB"
q "select public.convo_month_partition(date '2026-01-01'), public.convo_month_partition(date '2026-02-01');
   insert into contacts (phone_number, name)
   select '+1555500' || lpad(g::text, 4, '0'), 'Notes ' || g from generate_series(1, 4) g" >/dev/null

# copy_is C DIRECTION CONTENT WHAT: contact C's copy is exactly that.
copy_is() {
    [ "$(q "select (last_message_direction, last_message_content) = ('$2', $3)
            from contacts where id = $1")" = t ] \
        || fail "$4: contact $1's copy is $(q "select last_message_direction || ' ' || last_message_content
                                            from contacts where id = $1"), not $2 $3"
    pointers_exact "$4"
}
# Text that a hand-made note would break: quotes, commas, backslashes,
# braces, parentheses, a newline, a tab and the separator of two notes.
NASTY="E'say \"hi\", \"\\\\\" {a,b} (c) \\n\\t\",\" end\\\\'"
NASTY2="E'\"\",\"\"\\\\\\\\,{}\\n\"'"

# Inserted, then edited, in one transaction: the edit's note is the later.
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'in', 'first');
   update messages set content = 'edited', direction = 'out' where contact_id = 1 and content = 'first';
   commit" >/dev/null
copy_is 1 out "'edited'" "an insert then an edit of it in one transaction"
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'in', 'a');
   update messages set content = 'b' where contact_id = 1 and content = 'a';
   update messages set content = 'c' where contact_id = 1 and content = 'b';
   insert into messages (contact_id, direction, content, created_at) values (2, 'in', 'other', now());
   update messages set content = 'other edited' where contact_id = 2;
   commit" >/dev/null
copy_is 1 in "'c'" "two edits after the insert, and another contact's"
copy_is 2 in "'other edited'" "the other contact's insert and edit"

# Savepoints: an edit rolled back is not the copy, one released is.
q "begin;
   insert into messages (contact_id, direction, content) values (3, 'in', 'kept');
   savepoint s;
   update messages set content = 'rolled back' where contact_id = 3 and content = 'kept';
   rollback to savepoint s;
   commit" >/dev/null
copy_is 3 in "'kept'" "an edit in a savepoint rolled back"
q "begin;
   insert into messages (contact_id, direction, content) values (3, 'in', 'one');
   update messages set content = 'two' where contact_id = 3 and content = 'one';
   savepoint s;
   update messages set content = 'three' where contact_id = 3 and content = 'two';
   rollback to savepoint s;
   savepoint t;
   update messages set content = 'four' where contact_id = 3 and content = 'two';
   release savepoint t;
   commit" >/dev/null
copy_is 3 in "'four'" "edits in savepoints rolled back and released"

# Content of any text: one note alone (the one-note path), and as the
# later of two notes of the same message.
# notes_are N: the setting holds N notes, and '","' only if N > 1.
notes_are() {
    echo "do \$\$ declare s text := current_setting('convo.pointer_notes'); begin
        if (position('\",\"' in s) > 0) <> ($1 > 1)
           or cardinality(('{' || s || '}')::public.convo_pointer_copy_note[]) <> $1 then
            raise exception 'not $1 notes: %', s;
        end if; end \$\$"
}
q "begin;
   insert into messages (contact_id, direction, content) values (4, 'out', $NASTY);
   $(notes_are 1);
   commit" >/dev/null || fail "one note of such content does not read as one note"
copy_is 4 out "$NASTY" "quotes, commas, backslashes, braces, a newline and \",\" in one note"
q "begin;
   insert into messages (contact_id, direction, content) values (4, 'in', $NASTY);
   update messages set content = $NASTY2 where contact_id = 4 and content = $NASTY;
   $(notes_are 2);
   commit" >/dev/null || fail "two notes of such content do not read as two notes"
copy_is 4 in "$NASTY2" "the same content edited into another such text"
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'out', $NASTY2), (2, 'out', $NASTY);
   update messages set content = content || $NASTY where content in ($NASTY, $NASTY2)
      and created_at > now() - interval '1 minute';
   commit" >/dev/null
pointers_exact "such content over two contacts, inserted and edited"

# Past 64 kB the notes move to the temporary table; the later note still
# wins whether it is in the table or still in the setting.
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'in', 'before the spill');
   insert into messages (contact_id, direction, content) values (2, 'in', repeat('x', 70000));
   update messages set content = 'after the spill' where contact_id = 1 and content = 'before the spill';
   commit" >/dev/null
copy_is 1 in "'after the spill'" "an edit noted after the notes moved to the table"
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'in', 'small');
   update messages set content = repeat('y', 70000) where contact_id = 1 and content = 'small';
   commit" >/dev/null
copy_is 1 in "repeat('y', 70000)" "an edit that moves both notes to the table"
q "begin;
   insert into messages (contact_id, direction, content) values (1, 'in', repeat('z', 70000));
   update messages set content = 'edited once' where contact_id = 1 and content = repeat('z', 70000);
   update messages set content = repeat('w', 70000) where contact_id = 1 and content = 'edited once';
   update messages set content = 'edited thrice' where contact_id = 1 and content = repeat('w', 70000);
   commit" >/dev/null
copy_is 1 in "'edited thrice'" "edits alternating between the table and the setting"

# A MERGE move (noted row by row in the table) between a note and the
# edit of the same message.
q "delete from messages where contact_id = 2;
   insert into messages (contact_id, direction, content, created_at)
   values (2, 'in', 'to move', '2026-02-10 00:00+00')" >/dev/null
q "begin;
   insert into messages (contact_id, direction, content, created_at)
   values (3, 'out', 'noted first', '2027-01-01 00:00+00');
   merge into messages m using (values (2, 'to move')) v(c, body) on m.contact_id = v.c and m.content = v.body
   when matched then update set created_at = '2026-01-10 00:00+00', content = 'moved';
   update messages set content = 'edited after the move' where contact_id = 3 and content = 'noted first';
   commit" >/dev/null
copy_is 3 out "'edited after the move'" "an edit after a MERGE move in the same transaction"
copy_is 2 in "'moved'" "the moved message's copy"

# A one-row INSERT's commit takes the one-note path: no array of notes is
# taken apart (auto_explain sends back the plan of every statement the
# triggers run). Two contacts in one statement do take it, or the check
# could not fail.
commit_plans() {
    PGOPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=0
               -c auto_explain.log_level=notice -c auto_explain.log_nested_statements=on" \
        psql -X -q -v ON_ERROR_STOP=1 -c "$1" 2>&1 >/dev/null
}
one=$(commit_plans "insert into messages (contact_id, direction, content, created_at)
                    values (1, 'in', 'one note', '2026-02-20 00:00+00')")
printf '%s\n' "$one" | grep -q 'UPDATE contacts' || fail "no UPDATE of contacts seen at commit: $one"
printf '%s\n' "$one" | grep -q 'WITH ORDINALITY' && fail "a one-row INSERT's commit read its notes as an array"
two=$(commit_plans "insert into messages (contact_id, direction, content, created_at)
                    values (1, 'in', 'two notes', '2026-02-21 00:00+00'), (2, 'in', 'two notes', '2026-02-21 00:00+00')")
printf '%s\n' "$two" | grep -q 'WITH ORDINALITY' || fail "two contacts' notes were not read as an array, a weak check"
pointers_exact "a one-row INSERT commits through the one-note path"

# A transaction under way while 015 is applied: it noted the old way
# (setting and schema 010's temporary table), and commits with the new
# functions. Another session holds the old temporary table, empty.
OLD_DB=convo_notes_old_test_$$
psql -X -q -d postgres -c "drop database if exists \"$OLD_DB\" with (force)" -c "create database \"$OLD_DB\"" >/dev/null
trap "psql -X -q -d postgres -c 'drop database if exists \"$DB\" with (force)' -c 'drop database if exists \"$OLD_DB\" with (force)' >/dev/null 2>&1 || true" EXIT
export PGDATABASE=$OLD_DB
for f in "$SCHEMA_DIR"/0[0-9][0-9]_*.sql; do
    [ "$(basename "$f" | cut -c1-3)" -le 14 ] || continue
    psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$f" >/dev/null 2>&1 \
        || fail "schema $(basename "$f") did not apply"
done
q "select public.convo_month_partition(date '2026-01-01'), public.convo_month_partition(date '2026-02-01');
   insert into contacts (phone_number, name)
   select '+1555600' || lpad(g::text, 4, '0'), 'Old ' || g from generate_series(1, 3) g;
   insert into messages (contact_id, direction, content, created_at)
   select c, 'in', 'm' || c, '2026-02-15 00:00+00' from generate_series(1, 3) c" >/dev/null
sess_open a
sess_open b
sess_send b "merge into messages m using (values (3, 'm3')) v(c, body) on m.contact_id = v.c and m.content = v.body
             when matched then update set created_at = '2026-01-15 00:00+00'"
sess_send a "begin"
sess_send a "merge into messages m using (values (1, 'm1')) v(c, body) on m.contact_id = v.c and m.content = v.body
             when matched then update set created_at = '2026-01-20 00:00+00', contact_id = 2"
sess_send a "insert into messages (contact_id, direction, content, created_at) values (1, 'out', 'old note', now())"
sess_wait a; sess_wait b
[ "$(sess_outcome a)$(sess_outcome b)" = okok ] || fail "the writes before 015 failed: $(sess_outcome a) $(sess_outcome b)"
psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$SCHEMA_DIR/015_pointer_notes.sql" >/dev/null 2>&1 \
    || fail "015 did not apply while sessions hold the old temporary table"
sess_send a "update messages set content = 'new note' where contact_id = 1 and content = 'old note'"
sess_send a "insert into messages (contact_id, direction, content, created_at) values (3, 'in', 'new', now())"
sess_send a "commit"
sess_send b "merge into messages m using (values (3, 'm3')) v(c, body) on m.contact_id = v.c and m.content = v.body
             when matched then update set created_at = now() + interval '1 day', content = 'm3 moved back'"
sess_wait a; sess_wait b
[ "$(sess_outcome a)$(sess_outcome b)" = okok ] || fail "the writes after 015 failed: $(sess_outcome a) $(sess_outcome b)"
pointers_exact "a transaction under way while 015 is applied, and a session holding the old table"
copy_is 1 out "'new note'" "its edit noted the new way after its insert noted the old way"
copy_is 3 in "'m3 moved back'" "the move noted in the new table by the session that had the old one"
for k in a b; do
    sess_send $k "select 'old table $k ' || (to_regclass('pg_temp.convo_pointer_rows') is null)"
    sess_wait $k
    grep -q "^old table $k true\$" "$SESS_DIR/out$k" || fail "session $k kept the old temporary table"
done
pass "the old temporary table goes once its notes are committed"
sess_close a
sess_close b

#!/usr/bin/env bash
# tests/seeder/ledger.sh SEEDER QUERY LIB - the schema ledger: each file
# applied once and recorded with its checksum; an edited or unknown applied
# file refused by name before any write; a late file that fails leaves the
# database as it was before that file; a database of tables convo did not
# create refused by the migrator, the seeder (even with --reset) and answered
# in plain words by convo-query; a database from before the ledger recorded;
# two migrators at once; --reset refusing to take along what others built on
# convo's tables unless named with --replace; phone numbers as real text.
SEEDER=$1
QUERY=$2
source "$3"
set +e

DB=convo_ledger_$$
WORK=$(mktemp -d)
drop_db() { psql -X -q -d postgres -c "drop database if exists \"$1\" with (force)" >/dev/null 2>&1; }
trap 'rm -rf "$WORK"; drop_db "$DB"; drop_db "${DB}_b"' EXIT
new_db() { drop_db "$1"; psql -X -q -d postgres -c "create database \"$1\"" >/dev/null; }
# The schema as pg_dump prints it, without the per-run \restrict key.
# schema_dump DB FILE
schema_dump() {
    pg_dump -s -d "$1" >"$2.raw" || fail "pg_dump of $1 failed"
    grep -q 'CREATE TABLE' "$2.raw" || fail "pg_dump of $1 shows no table"
    grep -v '^\\\(un\)\?restrict ' "$2.raw" >"$2"
}
nfiles=$(ls "$SCHEMA_DIR"/[0-9]*.sql | wc -l)

# --- 1. an empty database: every file once, recorded, then nothing to do
new_db "$DB"
export PGDATABASE=$DB
"$SEEDER" --migrate 2>"$WORK/err" || fail "migrate on an empty database: $(cat "$WORK/err")"
[ "$(q 'select count(*) from convo_schema_migrations')" = "$nfiles" ] \
    || fail "the ledger holds $(q 'select count(*) from convo_schema_migrations') of $nfiles files"
for f in "$SCHEMA_DIR"/[0-9]*.sql; do
    name=$(basename "$f")
    sum=$(sha256sum "$f" | cut -d' ' -f1)
    [ "$(q "select checksum from convo_schema_migrations where name = '$name'")" = "$sum" ] \
        || fail "$name: the ledger's checksum is not the file's sha256"
done
"$SEEDER" --migrate 2>"$WORK/err" || fail "a second migrate failed: $(cat "$WORK/err")"
[ -s "$WORK/err" ] && fail "a second migrate applied something: $(cat "$WORK/err")"
"$SEEDER" --migrate --check 2>"$WORK/err" || fail "--check on an up-to-date database: $(cat "$WORK/err")"
pass "an empty database gets each of $nfiles files once, recorded with its sha256"

# --- 2. an applied file edited, or one missing: refused, nothing written
cp -r "$SCHEMA_DIR" "$WORK/edited"
echo "-- an edit" >>"$WORK/edited/003_partitions.sql"
printf 'CREATE TABLE convo_probe (x int);\n' >"$WORK/edited/900_probe.sql"
schema_dump "$DB" "$WORK/before"
"$SEEDER" --migrate --schema "$WORK/edited" 2>"$WORK/err"
rc=$?
[ $rc = 1 ] || fail "an edited applied file: exit $rc"
grep -q "003_partitions.sql (applied with sha256" "$WORK/err" || fail "the edited file is not named: $(cat "$WORK/err")"
schema_dump "$DB" "$WORK/after"; cmp -s "$WORK/before" "$WORK/after" || fail "a refused migrate changed the schema"
cp -r "$SCHEMA_DIR" "$WORK/fewer"
rm "$WORK/fewer/008_phone_text.sql"
"$SEEDER" --migrate --schema "$WORK/fewer" 2>"$WORK/err" && fail "a missing applied file was accepted"
grep -q "008_phone_text.sql (applied, not among the files)" "$WORK/err" || fail "the missing file is not named: $(cat "$WORK/err")"
pass "an edited or missing applied file: refused by name, exit 1, schema unchanged"

# --- 3. a new file that fails late leaves the database as before it
cp -r "$SCHEMA_DIR" "$WORK/late"
cat >"$WORK/late/901_late.sql" <<'SQL'
CREATE TABLE convo_probe (x int);
ALTER TABLE contacts ADD COLUMN convo_probe int;
SELECT 1 / 0;
SQL
"$SEEDER" --migrate --check --schema "$WORK/late" 2>"$WORK/err" && fail "--check passed with a file missing"
grep -q "lacks schema 901_late.sql" "$WORK/err" || fail "--check did not name the missing file: $(cat "$WORK/err")"
"$SEEDER" --migrate --schema "$WORK/late" 2>"$WORK/err" && fail "a failing migration exited 0"
grep -q "schema 901_late.sql: division by zero" "$WORK/err" || fail "the failure does not name the file: $(cat "$WORK/err")"
schema_dump "$DB" "$WORK/after"; cmp -s "$WORK/before" "$WORK/after" || fail "the failed migration left a change behind"
[ "$(q "select count(*) from convo_schema_migrations where version = 901")" = 0 ] || fail "the failed file was recorded"
pass "a late migration that fails leaves the schema as it was, unrecorded"

# --- 4. two migrators at once on an empty database
new_db "${DB}_b"
PGDATABASE=${DB}_b "$SEEDER" --migrate 2>"$WORK/m1" &
PGDATABASE=${DB}_b "$SEEDER" --migrate 2>"$WORK/m2" &
wait %1; r1=$?
wait %2; r2=$?
[ $r1 = 0 ] && [ $r2 = 0 ] || fail "concurrent migrators: $r1/$r2: $(cat "$WORK/m1" "$WORK/m2")"
[ "$(cat "$WORK/m1" "$WORK/m2" | grep -c applied)" = "$nfiles" ] \
    || fail "concurrent migrators applied $(cat "$WORK/m1" "$WORK/m2" | grep -c applied) files, not $nfiles"
pass "two migrators at once: each file applied once"

# --- 5. a database from before the ledger (files applied by hand) is recorded
new_db "${DB}_b"
for f in "$SCHEMA_DIR"/[0-9]*.sql; do
    PGDATABASE=${DB}_b psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f "$f" >/dev/null 2>&1 \
        || fail "$(basename "$f") did not apply by hand"
done
PGDATABASE=${DB}_b "$SEEDER" --migrate 2>"$WORK/err" || fail "a database from before the ledger: $(cat "$WORK/err")"
[ "$(PGDATABASE=${DB}_b q 'select count(*) from convo_schema_migrations')" = "$nfiles" ] \
    || fail "the files applied before the ledger were not recorded"
pass "convo's tables from before the ledger: the files recorded"

# --- 6. the plain contacts and messages tables: refused everywhere, nothing changed
new_db "${DB}_b"
export PGDATABASE=${DB}_b
q "create table contacts (id serial primary key, phone_number varchar, created_at timestamp, updated_at timestamp);
   create table messages (id serial primary key, contact_id integer references contacts (id),
                          content text, created_at timestamp);
   insert into contacts (phone_number, created_at, updated_at) values ('(806) 395-2540 x59153', now(), now());
   insert into messages (contact_id, content, created_at) values (1, 'hello', now())" >/dev/null
schema_dump "$PGDATABASE" "$WORK/foreign"
rows=$(q "select md5(string_agg(m::text, ',' order by id)) from messages m")
"$SEEDER" --migrate 2>"$WORK/err" && fail "migrate accepted the plain tables"
for want in "contacts: no column name, last_message_at, last_message_id" "messages: not partitioned" \
            "./run import" "--adopt"; do
    grep -qF -- "$want" "$WORK/err" || fail "the refusal lacks '$want': $(cat "$WORK/err")"
done
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "the refusal is not one line: $(cat "$WORK/err")"
"$SEEDER" --reset --contacts 10 --messages 20 --seed 1 2>"$WORK/err" && fail "convo-seed --reset replaced the plain tables"
grep -q "did not create" "$WORK/err" || fail "the seeder's refusal: $(cat "$WORK/err")"
schema_dump "$PGDATABASE" "$WORK/after"; cmp -s "$WORK/foreign" "$WORK/after" || fail "a refusal changed the plain schema"
[ "$(q "select md5(string_agg(m::text, ',' order by id)) from messages m")" = "$rows" ] || fail "a refusal changed the rows"
"$QUERY" recent >"$WORK/out" 2>"$WORK/err" && fail "convo-query recent on the plain tables exited 0"
grep -q "tables are not convo's" "$WORK/err" || fail "convo-query said: $(cat "$WORK/err")"
grep -q "ERROR" "$WORK/err" && fail "convo-query passed on a raw server error: $(cat "$WORK/err")"
pass "the plain tables: migrate and seed --reset refuse in one line, convo-query explains, nothing changed"

# --- 7. --reset and what others built on convo's tables
export PGDATABASE=$DB
"$SEEDER" --contacts 10 --messages 50 --seed 1 >/dev/null 2>"$WORK/err" || fail "seed: $(cat "$WORK/err")"
q "create table conversations (contact_id int references contacts (id), note text);
   insert into conversations select id, 'kept' from contacts limit 3;
   create view chatty as select contact_id, count(*) from messages group by 1" >/dev/null
"$SEEDER" --reset --contacts 12 --messages 60 --seed 2 >/dev/null 2>"$WORK/err" && fail "--reset took others' objects along"
grep -q "conversations (foreign key conversations_contact_id_fkey)" "$WORK/err" || fail "the foreign key is not named: $(cat "$WORK/err")"
grep -q "chatty (view)" "$WORK/err" || fail "the view is not named: $(cat "$WORK/err")"
[ "$(q 'select count(*) from contacts')" = 10 ] || fail "a refused --reset changed the data"
"$SEEDER" --reset --replace conversations --replace chatty --contacts 12 --messages 60 --seed 2 >/dev/null 2>"$WORK/err" \
    || fail "--reset with --replace: $(cat "$WORK/err")"
[ "$(q 'select count(*) from contacts')" = 12 ] || fail "--reset --replace did not replace the data"
[ "$(q 'select count(*) from conversations')" = 3 ] || fail "--replace dropped the table's rows (only its foreign key goes)"
pass "--reset refuses to drop others' foreign keys and views, naming them; --replace lets them go"

# --- 8. phone numbers as people write them
q "insert into contacts (phone_number) values ('(806) 395-2540 x59153')" >/dev/null \
    || fail "a 21-character phone number was refused"
q "insert into contacts (phone_number) values ('$(printf '%065d' 1)')" >/dev/null 2>&1 \
    && fail "a 65-character phone number was accepted"
q "insert into contacts (phone_number) values ('')" >/dev/null 2>&1 && fail "an empty phone number was accepted"
pass "phone numbers: any real text up to 64 characters"

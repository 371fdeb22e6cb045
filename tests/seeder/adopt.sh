#!/usr/bin/env bash
# tests/seeder/adopt.sh QUERY LIB - ./run setup --adopt converts a user's own
# tables in place, and ./run adopt-undo and adopt-finish. On the plain exact
# tables and a variant (contacts.name, extra columns, a conversations table
# referencing contacts, a view and a materialised view, the user's own
# indexes and grants, --timezone), with ties in created_at, a contact
# without messages, messages from 1998 and a year ahead, non-ASCII,
# backslashes and NULL contents: every row's checksum (ids, contents,
# times as instants) equals the source's; recent pages and a
# search equal an SQL oracle; an application-style writer loses nothing it
# committed during the adoption; the application's own INSERT afterwards
# lands in its month, moves the pointer, notifies and tops `recent`;
# adopt-undo gives back the schema dump and every row. An answer other than
# y, a killed copy and a swap that cannot get its locks change nothing that
# undo or a rerun does not put right; a time column named sent_at and a
# foreign key to messages(id) are refused, by name. Uses the shared cluster
# through ./run, so it runs alone.
QUERY=$1
source "$2"
set +e
RUN=$TESTS_ROOT/../run
WORK=$(mktemp -d)
DBS=()
drop_db() { psql -X -q -d postgres -c "drop database if exists \"$1\" with (force)" >/dev/null 2>&1; }
cleanup() {
    [ -f "$WORK/locker.pid" ] && kill "$(cat "$WORK/locker.pid")" 2>/dev/null
    touch "$WORK/stop"
    wait 2>/dev/null
    for d in "${DBS[@]}"; do drop_db "$d"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
new_db() { drop_db "$1"; psql -X -q -d postgres -c "create database \"$1\"" >/dev/null; DBS+=("$1"); }
schema_dump() {
    pg_dump -s -d "$PGDATABASE" >"$1.raw" || fail "pg_dump of $PGDATABASE failed"
    grep -v '^\\\(un\)\?restrict ' "$1.raw" >"$1"
}
same_dump() {   # same_dump BEFORE WHAT
    schema_dump "$WORK/now"
    diff "$1" "$WORK/now" >"$WORK/diff" || fail "$2: the schema differs: $(head -c 1500 "$WORK/diff")"
}
adopt() { "$RUN" setup --adopt "$@"; }

# --- the plain tables and their rows --------------------------------------

# make_tables VARIANT: brief (as written) or named (contacts.name and email,
# messages.read, a conversations table, indexes of the user's).
make_tables() {
    if [ "$1" = brief ]; then
        q "create table contacts (id serial primary key, phone_number varchar, created_at timestamp, updated_at timestamp);
           create table messages (id serial primary key, contact_id integer references contacts, content text, created_at timestamp)"
    else
        q "create table contacts (id serial primary key, phone_number varchar(40), name varchar(100), email text,
                                  created_at timestamp default now(), updated_at timestamp);
           create table messages (id serial primary key, contact_id integer not null references contacts on delete cascade,
                                  content text, created_at timestamp default now(), read boolean not null default false);
           create table conversations (id serial primary key, contact_id integer references contacts, topic text);
           create index messages_by_contact on messages (contact_id);
           create index contacts_by_email on contacts (email);
           create role adopt_app_$$;
           grant select, insert on messages to adopt_app_$$"
    fi >/dev/null || fail "creating the $1 tables"
}

# fill N_MESSAGES: 300 contacts (the last without messages), and the rows
# every adoption must carry exactly.
fill() {
    local named=$1 n=$2 cols="" vals=""
    [ "$named" = named ] && cols=", name, email" vals=", case when g % 50 = 0 then null else 'Name ' || g end, 'u' || g || '@example.org'"
    q "insert into contacts (phone_number, created_at, updated_at $cols)
         select '+1 (555) ' || lpad(g::text, 4, '0'), timestamp '2020-03-01 10:00' + g * interval '7 hours',
                timestamp '2021-11-07 01:30' + g * interval '1 minute' $vals
           from generate_series(1, 300) g;
       insert into messages (contact_id, content, created_at)
         select 1 + (g * 7919) % 299,
                case when g % 97 = 0 then null
                     when g % 13 = 0 then 'Café ' || g || ' in Zürich, naïve 日本語 😀'
                     when g % 11 = 0 then E'a path C:\\\\Users\\\\' || g || E' and \\\\n literal'
                     else 'hello ' || g end,
                timestamp '2024-01-01' + ((g::bigint * 104729) % 200000) * interval '1 minute'
           from generate_series(1, $n) g;
       insert into messages (contact_id, content, created_at) values
         (5, 'tie one', '2024-06-01 12:00:00'), (5, 'tie two', '2024-06-01 12:00:00'),
         (6, 'tie other contact', '2024-06-01 12:00:00'),
         (7, 'from 1998', '1998-08-09 23:59:59.999999'),
         (8, 'a year ahead', date_trunc('second', now()::timestamp) + interval '1 year'),
         (9, null, '2024-02-29 00:00:00'), (9, E'back\\\\slash ''quote'' \"dq\"', '2024-03-01')" >/dev/null \
        || fail "filling the tables"
}

# Checksums of every row: times as instants (a timestamp read in ZONE), a
# NULL content as NULLS. src ZONE NULLS / dst.
msg_src() {
    q "select md5(string_agg(concat_ws('|', id, contact_id, coalesce(content, '$2'),
                                       extract(epoch from created_at at time zone '$1')), E'\n' order by id))
         from messages where id <= $MAXID"
}
msg_dst() {
    q "select md5(string_agg(concat_ws('|', id, contact_id, content, extract(epoch from created_at)), E'\n' order by id))
         from messages where id <= $MAXID"
}
contacts_sum() {   # contacts_sum ZONE|'' EXTRA_COLUMNS
    local t1="created_at" t2="updated_at"
    [ -n "$1" ] && t1="created_at at time zone '$1'" t2="updated_at at time zone '$1'"
    q "select md5(string_agg(concat_ws('|', id, phone_number, extract(epoch from $t1), extract(epoch from $t2) ${2:-}),
                             E'\n' order by id)) from contacts"
}

# walk recent | walk search TERM: every page's (contact, message), in order.
walk() {
    local cursor="" out
    : >"$WORK/walk"
    while :; do
        out=$("$QUERY" "$@" --limit 50 ${cursor:+--after "$cursor"}) || fail "convo-query $*: $out"
        cursor=$(printf '%s' "$out" | python3 -c 'import json,sys
d = json.load(sys.stdin)
for c in d["conversations"]:
    print(c["contact_id"], c["message_id"], file=open(sys.argv[1], "a"))
print(d["next_cursor"] or "")' "$WORK/walk")
        [ -n "$cursor" ] || break
    done
    cat "$WORK/walk"
}
oracle_recent() {
    q "select contact_id || ' ' || id from (select distinct on (contact_id) contact_id, id, created_at from messages
                                             order by contact_id, created_at desc, id desc) l
       order by created_at desc, id desc" | tr '\t' ' '
}
# A term with a diacritic matches as written; no name or phone holds it.
oracle_search() {
    q "select contact_id || ' ' || id from (select distinct on (contact_id) contact_id, id, created_at from messages
                                             where content ilike '%café%'
                                             order by contact_id, created_at desc, id desc) l
       order by created_at desc, id desc"
}
check_pages() {
    walk recent >"$WORK/got"; oracle_recent >"$WORK/want"
    [ -s "$WORK/want" ] && cmp -s "$WORK/got" "$WORK/want" \
        || fail "$1: recent pages differ from the oracle: $(diff "$WORK/want" "$WORK/got" | head -5)"
    walk search café >"$WORK/got"; oracle_search >"$WORK/want"
    [ -s "$WORK/want" ] && cmp -s "$WORK/got" "$WORK/want" \
        || fail "$1: search pages differ from the oracle: $(diff "$WORK/want" "$WORK/got" | head -5)"
}

# The application's own INSERT after the adoption: a timestamp literal (a
# minute after the newest message, so that it tops recent), no direction.
check_app_insert() {
    local id ts month
    ts=$(q "select to_char(max(created_at) at time zone 'UTC' + interval '1 minute', 'YYYY-MM-DD HH24:MI:SS.US') from messages")
    psql -X -q -At >"$WORK/listen" 2>&1 <<EOF
LISTEN convo_changes;
insert into messages (contact_id, content, created_at) values (300, 'app after adoption', '$ts');
$(for i in $(seq 50); do echo "select pg_sleep(0.1);"; done)
EOF
    id=$(q "select id from messages where content = 'app after adoption'")
    [ -n "$id" ] || fail "$1: the application's INSERT did not land: $(cat "$WORK/listen")"
    [ "$id" -gt "$(q "select max(id) from messages_before_convo")" ] || fail "$1: the sequence did not keep numbering"
    month=$(q "select coalesce(to_regclass(to_char(timestamp '$ts', '\"messages_y\"YYYY\"m\"MM'))::text, 'messages_default')")
    [ "$(q "select tableoid::regclass from messages where id = $id")" = "$month" ] \
        || fail "$1: the INSERT went to $(q "select tableoid::regclass from messages where id = $id"), not $month"
    [ "$(q "select created_at = timestamptz '$ts+00' from messages where id = $id")" = t ] \
        || fail "$1: the INSERT's time is not the instant written"
    [ "$(q "select direction from messages where id = $id")" = in ] || fail "$1: the INSERT's direction is not 'in'"
    [ "$(q "select last_message_id from contacts where id = 300")" = "$id" ] \
        || fail "$1: the INSERT did not move contact 300's pointer"
    grep -q 'notification "convo_changes" with payload "300"' "$WORK/listen" \
        || fail "$1: no NOTIFY convo_changes for contact 300: $(cat "$WORK/listen")"
    "$QUERY" recent --limit 1 | grep -q "\"contact_id\": 300, .*\"message_id\": $id," \
        || fail "$1: contact 300 is not at the top of recent: $("$QUERY" recent --limit 1)"
}

# An application-style writer: one connection, one INSERT per transaction,
# until $WORK/stop; the ids it was told were committed go to $WORK/writer.ids.
writer() {
    rm -f "$WORK/stop"
    (i=0; while [ ! -e "$WORK/stop" ]; do
         i=$((i + 1))
         echo "insert into messages (contact_id, content, created_at) values ($((i % 290 + 1)), 'writer $i', now()::timestamp) returning id;"
         sleep 0.01
     done) | psql -X -q -At >"$WORK/writer.ids" 2>"$WORK/writer.err" &
}
writer_check() {
    local n lost
    n=$(grep -c . "$WORK/writer.ids")
    [ "$n" -gt 10 ] || fail "$1: the writer committed only $n rows"
    [ -s "$WORK/writer.err" ] && fail "$1: the writer got errors: $(head -3 "$WORK/writer.err")"
    lost=$(q "select count(*) from unnest('{$(paste -sd, "$WORK/writer.ids")}'::bigint[]) w(id)
              where not exists (select 1 from messages m where m.id = w.id and m.content like 'writer %')")
    [ "$lost" = 0 ] || fail "$1: $lost of the writer's $n committed rows are missing"
}

# kill_mid_copy: start an adoption, stop its copy half-way (a lock on the
# new table held after its first batches) and kill it, client and server.
kill_mid_copy() {
    local adopter
    CONVO_ADOPT_BATCH=100 setsid "$RUN" setup --adopt --yes >/dev/null 2>"$WORK/err" &
    adopter=$!
    for _ in $(seq 600); do
        [ "$(q "select copied_through > 0 from convo_adopt_state" 2>/dev/null)" = t ] && break
        sleep 0.05
    done
    PGAPPNAME=adopt-test-locker psql -X -q -c "begin; lock table convo_adopt.messages in access exclusive mode; select pg_sleep(600)" \
        >/dev/null 2>&1 &
    echo $! >"$WORK/locker.pid"
    for _ in $(seq 200); do
        [ "$(q "select count(*) from pg_stat_activity where application_name = 'adopt-test-locker' and state = 'active' and wait_event = 'PgSleep'")" = 1 ] && break
        sleep 0.05
    done
    [ "$(q "select phase from convo_adopt_state")" = copying ] || fail "could not stop the copy half-way (phase $(q "select phase from convo_adopt_state"))"
    kill -KILL -- -"$adopter" 2>/dev/null
    wait "$adopter" 2>/dev/null
    q "select pg_terminate_backend(pid) from pg_stat_activity where application_name in ('convo-adopt', 'adopt-test-locker')" >/dev/null
    kill "$(cat "$WORK/locker.pid")" 2>/dev/null; rm -f "$WORK/locker.pid"
    [ "$(q "select count(*) from convo_adopt_state where phase = 'copying' and copied_through < $MAXID")" = 1 ] \
        || fail "the kill did not land mid-copy"
}

# --- 0. usage --------------------------------------------------------------
for args in "--yes" "--timezone UTC" "--adopt --contacts 5" "--adopt --timezone" "--adopt --timezone Mars/Olympus"; do
    # shellcheck disable=SC2086
    "$RUN" setup $args </dev/null >/dev/null 2>"$WORK/err"
    rc=$?
    [ $rc = 2 ] || fail "./run setup $args: exit $rc, expected 2 ($(cat "$WORK/err"))"
    [ "$(grep -c '^run: error: ' "$WORK/err")" = 1 ] || fail "./run setup $args: $(cat "$WORK/err")"
done
pass "setup --adopt's options: a mistake is one error line, exit 2"

# --- 1. the plain tables: 'n' changes nothing, --yes adopts while a writer writes
A=convo_adopt_a_$$
new_db "$A"
export PGDATABASE=$A
make_tables brief
fill brief 3000
MAXID=$(q "select max(id) from messages")
schema_dump "$WORK/a.before"
a_exact=$(msg_src UTC '<NULL>') a_msgs=$(msg_src UTC '') a_contacts=$(contacts_sum UTC)
echo n | adopt >"$WORK/out" 2>"$WORK/err"
rc=$?
[ $rc = 1 ] || fail "answering n: exit $rc ($(cat "$WORK/err"))"
grep -q "adopt: the plan for the database $A" "$WORK/out" || fail "no plan printed: $(cat "$WORK/out")"
grep -q "($(q "select count(*) from messages where content is null") NULL contents become '')" "$WORK/out" || fail "the plan does not count NULL contents: $(cat "$WORK/out")"
grep -q "estimate: about [0-9]* s, about .* more disk" "$WORK/out" || fail "the plan has no estimate: $(cat "$WORK/out")"
grep -q "aborted, nothing was changed" "$WORK/err" || fail "answering n: $(cat "$WORK/err")"
same_dump "$WORK/a.before" "answering n"
[ "$(msg_src UTC '<NULL>')" = "$a_exact" ] || fail "answering n changed rows"
pass "the plain tables: the plan counts rows and NULL contents, answering n changes nothing (exit 1)"

writer
sleep 0.5
adopt --yes >"$WORK/out" 2>"$WORK/err" || fail "adopting the plain tables: $(tail -n 3 "$WORK/err")"
sleep 0.5
touch "$WORK/stop"; wait
[ "$(q "select relkind from pg_class where oid = 'messages'::regclass")" = p ] || fail "messages is not partitioned"
[ "$(q "select count(*) from pg_inherits where inhparent = 'messages'::regclass")" -gt 5 ] || fail "no month partitions"
[ "$(msg_dst)" = "$a_msgs" ] || fail "the plain messages differ from the source after adoption"
[ "$(contacts_sum '')" = "$a_contacts" ] || fail "the plain contacts differ from the source after adoption"
[ "$(q "select count(*) from messages where content = '' and id <= $MAXID")" = \
  "$(q "select count(*) from messages_before_convo where content is null")" ] || fail "NULL contents did not become ''"
[ "$(stale_pointers)" = 0 ] || fail "$(stale_pointers) contacts' pointers are stale after adoption"
[ "$(q "select count(*) from contacts where last_message_id is null")" = 1 ] || fail "the contact without messages has a pointer"
writer_check "the plain tables"
"$RUN" setup --contacts 1 >/dev/null 2>&1 && fail "./run setup with seed options on the adopted database exited 0"
"$RUN" setup >/dev/null 2>"$WORK/err" || fail "./run setup after the adoption: $(cat "$WORK/err")"
[ "$(q "select count(*) from convo_schema_migrations")" = "$(ls "$SCHEMA_DIR"/[0-9]*.sql | wc -l)" ] \
    || fail "the ledger does not hold every schema file"
check_pages "the plain tables"
pass "the plain tables adopted: every row as an instant, NULL contents '', pointers exact, pages and search equal the oracle, the writer lost nothing"

check_app_insert "the plain tables"
pass "after adoption the application's INSERT (timestamp, no direction) lands in its month, moves the pointer, notifies, tops recent"

q "update messages set content = 'edited after adoption' where id = 2" >/dev/null
"$RUN" adopt-undo >/dev/null 2>"$WORK/err" || fail "adopt-undo: $(cat "$WORK/err")"
same_dump "$WORK/a.before" "adopt-undo"
[ "$(q "select content from messages where id = 2")" = "edited after adoption" ] || fail "undo lost an edit made after adoption"
[ "$(contacts_sum UTC)" = "$a_contacts" ] || fail "undo did not give back the contacts"
writer_check "undo"
[ "$(q "select count(*) from messages where content = 'app after adoption'")" = 1 ] || fail "undo lost the application's row"
q "update messages set content = 'hello 2' where id = 2" >/dev/null
[ "$(msg_src UTC '<NULL>')" = "$a_exact" ] || fail "undo did not give back every original row"
pass "adopt-undo: the schema dump as before, every original row, and the rows written since"

# --- 2. the variant: names, extra columns and tables, --timezone -------------
B=convo_adopt_b_$$
new_db "$B"
export PGDATABASE=$B
make_tables named
fill named 3000
MAXID=$(q "select max(id) from messages")
q "insert into conversations (contact_id, topic) select id, 'topic ' || id from contacts where id % 3 = 0;
   create materialized view conversation_latest as
     select contact_id, max(created_at) as last_at, count(*) as n from messages group by contact_id;
   create unique index conversation_latest_contact on conversation_latest (contact_id);
   create view contact_list as select c.id, c.name, l.last_at, l.n
     from contacts c left join conversation_latest l on l.contact_id = c.id;
   comment on view contact_list is 'contacts with their latest time';
   grant select on contact_list to adopt_app_$$" >/dev/null || fail "the variant's views"
schema_dump "$WORK/b.before"
zone=America/New_York
b_exact=$(msg_src $zone '<NULL>') b_msgs=$(msg_src $zone '')
b_contacts=$(contacts_sum $zone ", coalesce(name, ''), email")
b_conv=$(q "select md5(string_agg(c::text, ',' order by id)) from conversations c")
# What undo must give back after contact 299 (and its messages) is deleted.
b_undo_msgs=$(q "select md5(string_agg(concat_ws('|', id, contact_id, coalesce(content, '<NULL>'), read,
                                                 extract(epoch from created_at at time zone '$zone')), E'\n' order by id))
                   from messages where contact_id <> 299")
b_undo_contacts=$(q "select md5(string_agg(c::text, E'\n' order by id)) from contacts c where id <> 299")
echo y | adopt --timezone $zone >"$WORK/out" 2>"$WORK/err" || fail "adopting the variant: $(tail -n 3 "$WORK/err")"
grep -q "read as $zone" "$WORK/out" || fail "the plan does not name the zone: $(cat "$WORK/out")"
[ "$(msg_dst)" = "$b_msgs" ] || fail "the variant's messages differ from the source (times read in $zone)"
[ "$(contacts_sum '' ", name, email")" = "$b_contacts" ] || fail "the variant's contacts differ from the source"
[ "$(q "select md5(string_agg(c::text, ',' order by id)) from conversations c")" = "$b_conv" ] || fail "conversations changed"
q "select 1 from pg_constraint where conname = 'conversations_contact_id_fkey' and confrelid = 'contacts'::regclass" \
    | grep -q 1 || fail "conversations lost its foreign key"
q "select indexdef from pg_indexes where tablename = 'messages' and indexname = 'messages_by_contact'" | grep -q contact_id \
    || fail "the user's index on messages was not carried over"
q "select has_table_privilege('adopt_app_$$', 'messages', 'INSERT')" | grep -q t || fail "the grant on messages was not carried over"
[ "$(q "select read from messages where id = 1")" = f ] || fail "the extra column read lost its value"
[ "$(stale_pointers)" = 0 ] || fail "the variant's pointers are stale"
[ "$(q "select count(*) from conversation_latest l join (select contact_id, max(created_at) m, count(*) n from messages
         group by 1) t using (contact_id) where l.last_at = t.m and l.n = t.n")" = "$(q "select count(distinct contact_id) from messages")" ] \
    || fail "the materialised view was not made again over the new messages"
q "select has_table_privilege('adopt_app_$$', 'contact_list', 'SELECT')" | grep -q t || fail "the view's grant was lost"
check_pages "the variant"
q "delete from contacts where id = 299" >/dev/null || fail "on delete cascade of the user's foreign key does not work on the new table"
"$RUN" adopt-undo >/dev/null 2>"$WORK/err" || fail "the variant's adopt-undo: $(cat "$WORK/err")"
same_dump "$WORK/b.before" "the variant's adopt-undo"
q "select count(*) from messages where contact_id = 299" | grep -qx 0 || fail "undo brought back rows deleted since"
[ "$(q "select md5(string_agg(concat_ws('|', id, contact_id, coalesce(content, '<NULL>'), read,
                                       extract(epoch from created_at at time zone '$zone')), E'\n' order by id))
         from messages")" = "$b_undo_msgs" ] || fail "the variant's undo did not give back every message as it was"
[ "$(q "select md5(string_agg(c::text, E'\n' order by id)) from contacts c")" = "$b_undo_contacts" ] \
    || fail "the variant's undo did not give back every contact as it was (NULL names, times, email)"
pass "the variant (name, extra columns, conversations, a view and a materialised view, own index and grant, --timezone): rows as instants, undo gives the schema back"
q "drop role adopt_app_$$" >/dev/null 2>&1 || q "drop owned by adopt_app_$$; drop role adopt_app_$$" >/dev/null

# --- 3. killed mid-copy: the database works as before; undo restores it -------
K=convo_adopt_k_$$
new_db "$K"
export PGDATABASE=$K
make_tables brief
fill brief 60000
MAXID=$(q "select max(id) from messages")
schema_dump "$WORK/k.before"
k_exact=$(msg_src UTC '<NULL>') k_msgs=$(msg_src UTC '')
kill_mid_copy
q "insert into messages (contact_id, content, created_at) values (3, 'during the break', now()::timestamp)" >/dev/null \
    || fail "the application's INSERT fails after a killed adoption"
[ "$(q "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'contacts'::regclass and attname = 'created_at'")" \
  = "timestamp without time zone" ] || fail "a killed copy changed contacts"
"$RUN" adopt-undo >/dev/null 2>"$WORK/err" || fail "adopt-undo after a killed copy: $(cat "$WORK/err")"
same_dump "$WORK/k.before" "adopt-undo after a killed copy"
[ "$(msg_src UTC '<NULL>')" = "$k_exact" ] || fail "a killed copy changed rows"
pass "adopt killed mid-copy: the tables work as before, adopt-undo leaves the schema as it was"

# --- 4. killed again, resumed by a run whose swap cannot get its locks, then
# a rerun that completes; adopt-finish -----------------------------------------
kill_mid_copy
PGAPPNAME=adopt-test-locker psql -X -q -c "begin; lock table contacts in access share mode; select pg_sleep(600)" \
    >/dev/null 2>&1 &
echo $! >"$WORK/locker.pid"
writer
CONVO_ADOPT_LOCK_TIMEOUT=100ms adopt --yes >/dev/null 2>"$WORK/err"
rc=$?
q "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'adopt-test-locker'" >/dev/null
kill "$(cat "$WORK/locker.pid")" 2>/dev/null; rm -f "$WORK/locker.pid"
[ $rc = 1 ] || fail "a swap held off by a lock: exit $rc"
grep -q "the swap failed, the tables are as they were" "$WORK/err" || fail "the failed swap said: $(cat "$WORK/err")"
[ "$(q "select relkind from pg_class where oid = 'messages'::regclass")" = r ] || fail "a failed swap left messages changed"
[ "$(q "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'contacts'::regclass and attname = 'created_at'")" \
  = "timestamp without time zone" ] || fail "a failed swap changed contacts"
adopt --yes >/dev/null 2>"$WORK/err" || fail "rerunning after a failed swap: $(tail -n 3 "$WORK/err")"
touch "$WORK/stop"; wait
writer_check "a rerun after a failed swap"
[ "$(msg_dst)" = "$k_msgs" ] || fail "the rerun's rows differ from the source"
[ "$(q "select count(*) from messages where content = 'during the break'")" = 1 ] \
    || fail "a row written between the killed run and the rerun is missing"
[ "$(stale_pointers)" = 0 ] || fail "pointers stale after the rerun"
"$RUN" adopt-finish >/dev/null 2>"$WORK/err" || fail "adopt-finish: $(cat "$WORK/err")"
[ "$(q "select to_regclass('messages_before_convo') is null and to_regclass('convo_adopt_state') is null")" = t ] \
    || fail "adopt-finish left messages_before_convo or the undo state"
"$RUN" adopt-undo >/dev/null 2>"$WORK/err" && fail "adopt-undo after adopt-finish exited 0"
grep -q "no adoption to undo" "$WORK/err" || fail "adopt-undo after finish said: $(cat "$WORK/err")"
"$RUN" setup >/dev/null 2>"$WORK/err" || fail "./run setup after adopt-finish: $(cat "$WORK/err")"
pass "a killed copy resumed, its swap held off by a lock fails with the tables as they were; a rerun completes; adopt-finish drops messages_before_convo"

# --- 5. refused: a time column named sent_at, a foreign key to messages(id) ---
C=convo_adopt_c_$$
new_db "$C"
export PGDATABASE=$C
q "create table contacts (id serial primary key, phone_number varchar, created_at timestamp, updated_at timestamp);
   create table messages (id serial primary key, contact_id integer references contacts, content text, sent_at timestamp);
   create table receipts (message_id integer references messages (id), seen timestamp);
   insert into contacts (phone_number) values ('+15550001');
   insert into messages (contact_id, content, sent_at) values (1, 'hi', now())" >/dev/null
schema_dump "$WORK/c.before"
adopt --yes >/dev/null 2>"$WORK/err"
rc=$?
[ $rc = 1 ] || fail "sent_at: exit $rc"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "the refusal is not one line: $(cat "$WORK/err")"
for want in "nothing was changed" "its time is in sent_at" "RENAME COLUMN sent_at TO created_at" "./run import" \
            "receipts_message_id_fkey of receipts" "DROP CONSTRAINT receipts_message_id_fkey"; do
    grep -qF "$want" "$WORK/err" || fail "the refusal lacks '$want': $(cat "$WORK/err")"
done
same_dump "$WORK/c.before" "a refused adoption"
PGAPPNAME=adopt-test-locker psql -X -q -c "select pg_advisory_lock(hashtext('convo_adopt')), pg_sleep(600)" >/dev/null 2>&1 &
echo $! >"$WORK/locker.pid"
for _ in $(seq 200); do
    [ "$(q "select count(*) from pg_locks l join pg_stat_activity a using (pid)
            where a.application_name = 'adopt-test-locker' and l.locktype = 'advisory' and l.granted")" = 1 ] && break
    sleep 0.05
done
"$RUN" adopt-undo >/dev/null 2>"$WORK/err" && fail "adopt-undo ran beside another adoption"
grep -q "another ./run setup --adopt, adopt-undo or adopt-finish is at work" "$WORK/err" \
    || fail "a second adoption said: $(cat "$WORK/err")"
q "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'adopt-test-locker'" >/dev/null
kill "$(cat "$WORK/locker.pid")" 2>/dev/null; rm -f "$WORK/locker.pid"
pass "a time column named sent_at and a foreign key to messages(id): refused in one line, by name, nothing changed; one adoption at a time"

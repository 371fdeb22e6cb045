#!/usr/bin/env bash
# tests/seeder/import.sh SEEDER QUERY LIB - convo-seed --from: user databases
# of the plain schema and two variants are imported and compared row
# by row (checksums of ids, contents, times as instants, directions) and
# through convo-query recent/search against SQL oracles over the source; the
# sources stay byte for byte the same; refused shapes, a bad --timezone and
# bad rows leave the target as it was; --skip-bad lists the bad rows; a
# writer on the source does not tear the snapshot; ./run import works.
SEEDER=$1 QUERY=$2
source "$3"
RUN=$TESTS_ROOT/../run

T=convo_import_test_$$
SRCS=(brief v1 v2 odd amb bad live)
src() { printf 'convo_import_src_%s_%s' "$1" "$$"; }
WORK=$(mktemp -d)
fresh_db "$T"
ORACLE=convo_import_oracle_$$
cleanup() {
    [ -e "$WORK/writer.pid" ] && kill "$(cat "$WORK/writer.pid")" 2>/dev/null
    psql -X -q -d postgres -c "drop database if exists \"$ORACLE\" with (force)" >/dev/null 2>&1
    for s in "${SRCS[@]}" run; do
        psql -X -q -d postgres -c "drop database if exists \"$(src "$s")\" with (force)" >/dev/null 2>&1
    done
    psql -X -q -d postgres -c "drop database if exists \"$T\" with (force)" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
psql -X -q -d postgres -c "create database \"$ORACLE\"" >/dev/null
psql -X -q -d "$ORACLE" -c "set client_min_messages = warning" -c "create extension unaccent" >/dev/null

qd() { local db=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -At -F $'\t' -d "$db" "$@"; }
new_source() {
    psql -X -q -d postgres -c "set client_min_messages = warning" \
        -c "drop database if exists \"$(src "$1")\" with (force)" \
        -c "create database \"$(src "$1")\"" >/dev/null
    qd "$(src "$1")" >/dev/null || fail "could not build the source $1"
}
# import NAME [FLAGS]: convo-seed --from the source NAME into T.
import() {
    local s=$1
    shift
    rc=0
    "$SEEDER" --from "dbname=$(src "$s")" --db "dbname=$T" "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
}

# ---- the sources -------------------------------------------------------------

# Bodies with non-ASCII text, backslashes and quotes, and search terms.
BODIES="array['hi café', 'Ça va? Ünïcode ✓', 'back\\slash \\\\ \\n not a newline',
              'she said \"yes\"', 'it''s ok', 'CAFÉ au lait', 'zebra crossing',
              '100% sure_thing', '日本語のテキスト', 'emoji 🎉 party', E'tab\\there']"

# The plain schema exactly. Ties in time (across contacts, and within
# contact 8), contact 300 without messages, a message from 1998 and one a
# year ahead, times that fall in a gap, an overlap and across a month
# boundary in New York.
new_source brief <<EOF
CREATE TABLE contacts (id serial PRIMARY KEY, phone_number varchar,
                       created_at timestamp, updated_at timestamp);
CREATE TABLE messages (id serial PRIMARY KEY, contact_id integer REFERENCES contacts,
                       content text, created_at timestamp);
INSERT INTO contacts (phone_number, created_at, updated_at)
SELECT '+1415' || lpad((i * 7919 % 10000000)::text, 7, '0'),
       timestamp '2024-01-01' + i * interval '37 minutes', timestamp '2024-06-01' + i * interval '1 minute'
  FROM generate_series(1, 300) i;
INSERT INTO messages (contact_id, content, created_at)
SELECT 1 + i * 31 % 299, ($BODIES)[1 + i % 11] || ' #' || i,
       timestamp '2024-02-01' + (i * 7919 % 1000000) * interval '61 seconds'
  FROM generate_series(1, 3000) i;
INSERT INTO messages (contact_id, content, created_at) VALUES
  (5, 'tie five', '2026-03-01 12:00:00'), (6, 'tie six', '2026-03-01 12:00:00'),
  (7, 'tie seven', '2026-03-01 12:00:00'), (8, 'tie eight a', '2026-03-01 12:00:00'),
  (8, 'tie eight b', '2026-03-01 12:00:00'),
  (9, 'from 1998', '1998-07-14 08:09:10.123456'),
  (10, 'a year ahead', date_trunc('second', now() AT TIME ZONE 'UTC') + interval '1 year'),
  (11, 'in the spring gap', '2025-03-09 02:30:00'),
  (12, 'in the autumn overlap', '2025-11-02 01:30:00'),
  (13, 'end of january in New York', '2025-01-31 22:30:00');
EOF

# contacts.name, sent_at and a boolean is_outgoing; extra columns.
new_source v1 <<EOF
CREATE TABLE contacts (id serial PRIMARY KEY, phone_number varchar(32) NOT NULL, name text,
                       email text, created_at timestamptz, updated_at timestamptz);
CREATE TABLE messages (id serial PRIMARY KEY, contact_id integer NOT NULL REFERENCES contacts,
                       content text NOT NULL, sent_at timestamp NOT NULL,
                       is_outgoing boolean NOT NULL, read boolean);
INSERT INTO contacts (phone_number, name, email, created_at, updated_at)
SELECT '+44 20 ' || lpad((i * 104729 % 100000000)::text, 8, '0'),
       (array['José Ñúñez', 'Zoë', NULL, 'O''Brien', 'back\\slash', 'Café Owner'])[1 + i % 6] || ' ' || i,
       'p' || i || '@example.com', timestamptz '2023-05-01 00:00:00+02' + i * interval '1 day',
       timestamptz '2024-05-01 00:00:00+00' + i * interval '1 hour'
  FROM generate_series(1, 150) i;
UPDATE contacts SET name = NULL WHERE id % 6 = 2;
INSERT INTO messages (contact_id, content, sent_at, is_outgoing, read)
SELECT 1 + i * 17 % 149, ($BODIES)[1 + i * 3 % 11] || ' v1 ' || i,
       timestamp '2024-03-01' + (i * 104729 % 500000) * interval '97 seconds', i % 3 = 0, i % 2 = 0
  FROM generate_series(1, 2500) i;
INSERT INTO messages (contact_id, content, sent_at, is_outgoing) VALUES
  (20, 'old one', '1998-12-31 23:59:59', false),
  (21, 'future one', now() AT TIME ZONE 'UTC' + interval '1 year', true),
  (22, 'tie', '2025-06-01 00:00:00', true), (23, 'tie', '2025-06-01 00:00:00', false);
EOF

# messages month-range-partitioned (timestamptz) with another primary key,
# a text direction, no contact times, and a conversations table.
new_source v2 <<EOF
CREATE TABLE contacts (id integer PRIMARY KEY, phone text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE messages (id bigint NOT NULL, contact_id integer NOT NULL REFERENCES contacts,
                       content text NOT NULL, direction text NOT NULL,
                       created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at))
    PARTITION BY RANGE (created_at);
DO \$\$
DECLARE m date := '2024-01-01';
BEGIN
    WHILE m < '2027-01-01' LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%L) TO (%L)',
                       'messages_' || to_char(m, 'YYYY_MM'), m, m + interval '1 month');
        m := m + interval '1 month';
    END LOOP;
END \$\$;
CREATE TABLE messages_rest PARTITION OF messages DEFAULT;
CREATE TABLE conversations (contact_id integer PRIMARY KEY REFERENCES contacts,
                            unread integer NOT NULL DEFAULT 0, last_read_at timestamptz);
INSERT INTO contacts SELECT i, '+49 30 ' || (1000000 + i * 7), 'Kontakt Nr. ' || i || ' Jürgen'
  FROM generate_series(1, 120) i;
INSERT INTO messages
SELECT i * 3, 1 + i * 13 % 119, ($BODIES)[1 + i * 7 % 11] || ' v2 ' || i,
       (array['in', 'out'])[1 + i % 2],
       timestamptz '2024-01-01 00:00:00+00' + (i * 7919 % 400000) * interval '233 seconds'
  FROM generate_series(1, 2000) i;
INSERT INTO messages VALUES (7001, 30, 'nineteen ninety-eight', 'in', '1998-02-03 04:05:06+00'),
  (7002, 31, 'next year', 'out', now() + interval '1 year');
INSERT INTO conversations SELECT id, id % 4, now() FROM contacts WHERE id % 3 = 0;
EOF

# Names convo does not know: refused until --map places them.
new_source odd <<EOF
CREATE TABLE people (id serial PRIMARY KEY, phone varchar(30), display_name text);
CREATE TABLE chat_messages (id serial PRIMARY KEY, person_id integer REFERENCES people,
                            body text, sent_ts timestamp, from_me boolean);
INSERT INTO people (phone, display_name) SELECT '+33 1 ' || (4000000 + i), 'Personne ' || i || ' Élodie'
  FROM generate_series(1, 40) i;
INSERT INTO chat_messages (person_id, body, sent_ts, from_me)
SELECT 1 + i % 40, ($BODIES)[1 + i % 11] || ' odd ' || i, timestamp '2025-01-01' + i * interval '3 hours', i % 2 = 0
  FROM generate_series(1, 400) i;
EOF

# Two time columns: ambiguous.
new_source amb <<EOF
CREATE TABLE contacts (id serial PRIMARY KEY, phone_number varchar, created_at timestamp, updated_at timestamp);
CREATE TABLE messages (id serial PRIMARY KEY, contact_id integer REFERENCES contacts, content text,
                       "timestamp" timestamp, sent_at timestamp);
INSERT INTO contacts (phone_number) VALUES ('+15550001');
INSERT INTO messages (contact_id, content, "timestamp", sent_at) VALUES (1, 'x', now(), now());
EOF

# Rows convo cannot store (no foreign key, so a message may lack its contact).
new_source bad <<EOF
CREATE TABLE contacts (id serial PRIMARY KEY, phone_number varchar, created_at timestamp, updated_at timestamp);
CREATE TABLE messages (id serial PRIMARY KEY, contact_id integer, content text, created_at timestamp,
                       direction varchar(8) DEFAULT 'in');
INSERT INTO contacts (phone_number, created_at, updated_at)
SELECT '+1212555' || lpad(i::text, 4, '0'), '2024-01-01', '2024-01-02' FROM generate_series(1, 20) i;
INSERT INTO contacts (id, phone_number, created_at, updated_at) VALUES
  (21, repeat('9', 70), '2024-01-01', '2024-01-01'),
  (22, '+12125550003', '2024-01-01', '2024-01-01'),
  (23, '', '2024-01-01', '2024-01-01');
INSERT INTO messages (contact_id, content, created_at, direction)
SELECT 1 + i % 20, 'fine ' || i, timestamp '2024-03-01' + i * interval '5 hours',
       (array['in', ' OUT', 'out', NULL])[1 + i % 4]
  FROM generate_series(1, 200) i;
INSERT INTO messages (id, contact_id, content, created_at) VALUES
  (201, 4, NULL, '2024-05-05'),
  (202, 999, 'no such contact', '2024-05-05'),
  (203, 5, 'at infinity', 'infinity'),
  (204, 21, 'to a contact left out', '2024-05-05'),
  (205, 22, 'to a duplicate', '2024-05-06');
INSERT INTO messages (id, contact_id, content, created_at, direction) VALUES
  (206, 6, 'which way', '2024-05-07', 'sideways');
EOF
pass "sources built: the plain schema, two variants, odd names, an ambiguity, bad rows"

# ---- what is compared --------------------------------------------------------

# Rows in convo's terms, over a source or the target: id, contact_id,
# direction, content, t (an instant); contacts id, phone, name, created,
# updated.
TGT_MSGS="select id, contact_id, direction, content, created_at as t from messages"
TGT_CONS="select id, phone_number::text as phone, name, created_at as created, updated_at as updated from contacts"
brief_msgs() { echo "select id, contact_id, 'in'::text as direction, content, created_at at time zone '$1' as t from messages"; }
brief_cons() { echo "select id, phone_number::text as phone, ''::text as name, created_at at time zone '$1' as created, updated_at at time zone '$1' as updated from contacts"; }
V1_MSGS="select id, contact_id, case when is_outgoing then 'out' else 'in' end as direction, content, sent_at at time zone 'UTC' as t from messages"
V1_CONS="select id, phone_number::text as phone, coalesce(name, '') as name, created_at as created, updated_at as updated from contacts"
V2_MSGS="select id, contact_id, direction, content, created_at as t from messages"
# Contacts without times take their first message's (the contact without
# messages is checked on its own).
V2_CONS="select c.id, c.phone, c.name, f.t as created, f.t as updated from contacts c
         join (select contact_id, min(created_at) t from messages group by 1) f on f.contact_id = c.id"
TGT_V2_CONS="$TGT_CONS where last_message_id is not null"
# Every contact, for the search oracle (those without messages are listed last).
V2_ALL_CONS="select c.id, c.phone, c.name from contacts c"

sum_msgs() {
    qd "$1" -c "select count(*) || ' ' || md5(string_agg(concat_ws('|', id, contact_id, direction,
                 content, extract(epoch from t)), E'\n' order by id)) from ($2) s"
}
sum_cons() {
    qd "$1" -c "select count(*) || ' ' || md5(string_agg(concat_ws('|', id, phone, name,
                 extract(epoch from created), extract(epoch from updated)), E'\n' order by id)) from ($2) s"
}
# same WHAT SRC_DB SRC_SQL: T's rows equal the source's.
same_msgs() {
    local a b
    a=$(sum_msgs "$2" "$3") b=$(sum_msgs "$T" "${4:-$TGT_MSGS}")
    [ "$a" = "$b" ] || fail "$1: messages differ: source $a, convo $b"
}
same_cons() {
    local a b
    a=$(sum_cons "$2" "$3") b=$(sum_cons "$T" "${4:-$TGT_CONS}")
    [ "$a" = "$b" ] || fail "$1: contacts differ: source $a, convo $b"
}

# Every page of convo-query (limit 7) as "contact_id message_id" lines.
walk() {
    python3 - "$QUERY" "$T" "$@" <<'PY'
import json, subprocess, sys
query, db, args = sys.argv[1], sys.argv[2], sys.argv[3:]
after = None
while True:
    cmd = [query, "-d", "dbname=" + db] + args + ["--limit", "7"] + (["--after", after] if after else [])
    page = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
    for r in page["conversations"]:
        print(r["contact_id"], r["message_id"])
    after = page["next_cursor"]
    if not after:
        break
PY
}
# DESIGN's semantics over the source's rows (MSGS, CONS as above).
oracle_recent() {
    qd "$1" -F ' ' -c "with m as ($2) select contact_id, id from (select distinct on (contact_id)
        contact_id, t, id from m order by contact_id, t desc, id desc) s order by t desc, id desc"
}
# The search oracle reads the source's rows into ORACLE, a database with
# unaccent (the sources stay as their users made them), and matches as
# search does (match_sql in tests/lib.sh).
oracle_search() {
    qd "$1" -c "copy (select id, contact_id, content, extract(epoch from t) from ($2) s) to stdout" >"$WORK/om"
    qd "$1" -c "copy (select id, name, phone from ($3) s) to stdout" >"$WORK/oc"
    qd "$ORACLE" -F ' ' -v term="$4" <<EOF
create temp table m (id bigint, contact_id bigint, content text, t numeric);
create temp table c (id bigint, name text, phone text);
\copy m from '$WORK/om'
\copy c from '$WORK/oc'
with last as (select distinct on (contact_id) contact_id, t, id from m order by contact_id, t desc, id desc),
 p as (select '%' || replace(replace(replace(:'term', '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' as pat,
              case when :'term' ~ '^[0-9+().\\- ]*\$' and :'term' ~ '[0-9]'
                   then '%' || regexp_replace(:'term', '[^0-9]', '', 'g') || '%' end as dig),
 hits as (select m.contact_id, m.t, m.id from m, p where $(match_sql m.content p.pat)
          union all
          select l.contact_id, l.t, l.id from c join last l on l.contact_id = c.id, p
           where $(match_sql c.name p.pat) or $(match_sql c.phone p.pat)
              or regexp_replace(c.phone, '[^0-9]', '', 'g') like p.dig),
 best as (select distinct on (contact_id) contact_id, t, id from hits
          order by contact_id, t desc, id desc)
select contact_id, id::text from (select contact_id, id from best order by t desc, id desc) b
union all
-- contacts without a message that match by name or phone: after every
-- conversation, newest contact first
select contact_id, 'None' from (select c.id as contact_id from c, p
  where not exists (select 1 from m where m.contact_id = c.id)
    and ($(match_sql c.name p.pat) or $(match_sql c.phone p.pat)
         or regexp_replace(c.phone, '[^0-9]', '', 'g') like p.dig)
  order by c.id desc) e
EOF
}
# convo_pages WHAT SRC_DB MSGS CONS TERMS...: recent and each search match the oracle.
convo_pages() {
    local what=$1 db=$2 msgs=$3 cons=$4 term
    shift 4
    diff <(oracle_recent "$db" "$msgs") <(walk recent) >"$WORK/diff" \
        || fail "$what: convo-query recent differs from the oracle: $(head -5 "$WORK/diff")"
    for term in "$@"; do
        oracle_search "$db" "$msgs" "$cons" "$term" >"$WORK/want"
        [ -s "$WORK/want" ] || fail "$what: the oracle finds nothing for '$term' (a useless check)"
        walk search "$term" >"$WORK/got"
        diff "$WORK/want" "$WORK/got" >"$WORK/diff" \
            || fail "$what: search '$term' differs from the oracle: $(head -5 "$WORK/diff" | tr "\n" " ")"
    done
}
target_sum() { { sum_cons "$T" "$TGT_CONS"; sum_msgs "$T" "$TGT_MSGS"; } | tr '\n' ' '; }
unchanged() {
    [ "$(target_sum)" = "$1" ] || fail "$2: the target changed"
    [ -z "$(qd "$T" -c "select 1 from pg_namespace where nspname = 'convo_stage'")" ] \
        || fail "$2: a staging schema was left behind"
}
sequences_past() {
    [ "$(qd "$T" -c "select nextval('contacts_id_seq') > (select max(id) from contacts),
                            nextval('messages_id_seq') > (select max(id) from messages)")" = $'t\tt' ] \
        || fail "$1: sequences not past the greatest ids"
}
# What must not change: each source's pg_dump (without the random key of
# its \restrict line) and its rows.
source_state() {
    local s
    for s in brief v1 v2 odd amb bad; do
        pg_dump -d "$(src "$s")" | grep -v '^\\\(un\)\?restrict ' | md5sum
    done
    sum_msgs "$(src brief)" "$(brief_msgs UTC)"
    sum_msgs "$(src v1)" "$V1_MSGS"
    sum_msgs "$(src v2)" "$V2_MSGS"
}
SOURCES_BEFORE=$(source_state)

# ---- the plain schema ------------------------------------------------------

import brief
[ "$rc" = 0 ] || fail "importing the plain schema: $(cat "$WORK/err")"
grep -q "ignored source columns" "$WORK/err" && fail "columns reported ignored: $(cat "$WORK/err")"
for phase in schema scan contacts copy attach analyze swap; do
    grep -q "^convo-seed: $phase  *[0-9.]* s" "$WORK/err" || fail "no progress line for $phase: $(cat "$WORK/err")"
done
same_msgs "brief" "$(src brief)" "$(brief_msgs UTC)"
same_cons "brief" "$(src brief)" "$(brief_cons UTC)"
[ "$(stale_pointers)" = 0 ] || fail "brief: latest-message pointers wrong"
[ "$(stale_copies)" = 0 ] || fail "brief: the contacts' copies of their latest message wrong"
[ "$(q "select count(*) from messages_default")" = 0 ] || fail "brief: rows in messages_default"
[ "$(q "select last_message_id is null from contacts where id = 300")" = t ] || fail "brief: contact 300 got a message"
sequences_past brief
pass "plain schema: every row, id, content and instant (UTC) as in the source; pointers, sequences"

convo_pages "brief" "$(src brief)" "$(brief_msgs UTC)" "$(brief_cons UTC)" \
    'café' 'CAFÉ' 'cafe' 'unicode' '\' '100%' 'sure_t' '日本語' '🎉' '1415 0' 'tie'
pass "brief: convo-query recent (every page) and search match SQL oracles over the source"

# Without --reset the data already there is not replaced.
BEFORE=$(target_sum)
import v1
[ "$rc" = 1 ] && grep -q 'add --reset' "$WORK/err" || fail "import over data without --reset: rc $rc, $(cat "$WORK/err")"
unchanged "$BEFORE" "import without --reset"
pass "an import over data without --reset is refused"

# ---- refused before any write ------------------------------------------------

expect_refusal() {
    local want=$1 code=$2
    shift 2
    import "$@"
    [ "$rc" = "$code" ] || fail "$*: exit $rc, want $code: $(cat "$WORK/err")"
    [ "$(wc -l <"$WORK/err")" = 1 ] || fail "$*: not one line: $(cat "$WORK/err")"
    grep -qF -- "$want" "$WORK/err" || fail "$*: want '$want', got: $(cat "$WORK/err")"
    unchanged "$BEFORE" "$*"
}
expect_refusal "contacts: the source has no table contacts; add --map contacts=TABLE" 1 odd --reset
expect_refusal "messages: no contact column (tried contact_id); add --map messages.contact_id=COLUMN" 1 \
    odd --reset --map contacts=people --map messages=chat_messages
expect_refusal "messages: no time column (tried created_at, timestamp, sent_at); add --map messages.created_at=COLUMN" 1 \
    odd --reset --map contacts=people --map messages=chat_messages --map messages.contact_id=person_id
expect_refusal "messages: more than one time column (timestamp, sent_at); add --map messages.created_at=COLUMN" 1 \
    amb --reset
expect_refusal "messages: --map messages.created_at=nope: messages has no column nope" 1 \
    amb --reset --map messages.created_at=nope
expect_refusal "messages: column content is text, not a timestamp" 1 amb --reset --map messages.created_at=content
expect_refusal "Mars/Olympus" 2 brief --reset --timezone Mars/Olympus
expect_refusal "--map" 2 brief --reset --map messages.colour=x
expect_refusal "--from does not go with --contacts" 2 brief --reset --contacts 5
pass "unknown, ambiguous or misfitting shapes, a bad --timezone and bad flags: one line, exit 1/2, target unchanged"

# ---- --timezone: times without zone are instants in that zone ---------------

import brief --reset --timezone America/New_York
[ "$rc" = 0 ] || fail "importing with --timezone: $(cat "$WORK/err")"
same_msgs "brief, New York" "$(src brief)" "$(brief_msgs America/New_York)"
same_cons "brief, New York" "$(src brief)" "$(brief_cons America/New_York)"
[ "$(q "select created_at from messages where content = 'end of january in New York'")" = '2025-02-01 03:30:00+00' ] \
    || fail "the New York evening of January 31 is not February 1 in UTC"
[ "$(q "select count(*) from messages_y2025m02 where content = 'end of january in New York'")" = 1 ] \
    || fail "the message is not in February's partition"
[ "$(stale_pointers)" = 0 ] || fail "New York: latest-message pointers wrong"
convo_pages "brief, New York" "$(src brief)" "$(brief_msgs America/New_York)" \
    "$(brief_cons America/New_York)" 'tie' 'gap' 'café'
pass "--timezone America/New_York: instants as the source's local times in New York"

# ---- variant 1: name, sent_at, is_outgoing -----------------------------------

import v1 --reset
[ "$rc" = 0 ] || fail "importing v1: $(cat "$WORK/err")"
grep -qx "convo-seed: ignored source columns: contacts.email, messages.read" "$WORK/err" \
    || fail "v1: ignored columns not listed: $(cat "$WORK/err")"
same_msgs "v1" "$(src v1)" "$V1_MSGS"
same_cons "v1" "$(src v1)" "$V1_CONS"
[ "$(q "select count(*) filter (where direction = 'out') between 800 and 900 from messages")" = t ] \
    || fail "v1: is_outgoing did not become direction 'out'"
[ "$(stale_pointers)" = 0 ] || fail "v1: latest-message pointers wrong"
sequences_past v1
convo_pages "v1" "$(src v1)" "$V1_MSGS" "$V1_CONS" 'José' 'jose' 'nunez' 'zoë' 'zoe' "O'Brien" 'back\slash' 'café' '44 20' 'tie'
pass "variant name + sent_at + is_outgoing: rows, directions, names; ignored columns listed"

# ---- variant 2: partitioned, another key, text direction, no contact times ---

T0=$(q "select now()")
import v2 --reset
[ "$rc" = 0 ] || fail "importing v2: $(cat "$WORK/err")"
grep -q "ignored source columns" "$WORK/err" && fail "v2: columns left aside: $(cat "$WORK/err")"
same_msgs "v2" "$(src v2)" "$V2_MSGS"
same_cons "v2" "$(src v2)" "$V2_CONS" "$TGT_V2_CONS"
lonely=$(qd "$(src v2)" -c "select count(*) from contacts c where not exists (select 1 from messages m where m.contact_id = c.id)")
[ "$lonely" -ge 1 ] || fail "v2 has no contact without messages"
[ "$(q "select count(*) from contacts where last_message_id is null and created_at between '$T0' and now()
        and updated_at = created_at")" = "$lonely" ] || fail "v2: contacts without messages did not get now()"
[ "$(stale_pointers)" = 0 ] || fail "v2: latest-message pointers wrong"
convo_pages "v2" "$(src v2)" "$V2_MSGS" "$V2_ALL_CONS" 'Jürgen' 'jurgen' 'ninety' '49 30 1000' 'party'
pass "variant partitioned by month with another key and a conversations table: every row"

# ---- bad rows ----------------------------------------------------------------

BEFORE=$(target_sum)
import bad --reset
[ "$rc" = 1 ] || fail "bad rows without --skip-bad: exit $rc: $(cat "$WORK/err")"
grep -q "error: contacts id 21: phone_number has 70 characters" "$WORK/err" \
    || fail "the first bad row is not named: $(cat "$WORK/err")"
grep -q "9 bad rows" "$WORK/err" && grep -q "the database was left as it was" "$WORK/err" \
    || fail "no count of bad rows: $(cat "$WORK/err")"
unchanged "$BEFORE" "bad rows without --skip-bad"
pass "bad rows without --skip-bad: the first named, the target keeps its data"

import bad --reset --skip-bad "$WORK/bad.txt"
[ "$rc" = 0 ] || fail "--skip-bad: $(cat "$WORK/err")"
cut -f1,2 "$WORK/bad.txt" >"$WORK/bad.ids"
printf 'contacts\t%s\n' 21 22 23 >"$WORK/bad.want"
printf 'messages\t%s\n' 201 202 203 204 205 206 >>"$WORK/bad.want"
diff "$WORK/bad.want" "$WORK/bad.ids" || fail "--skip-bad listed other rows: $(cat "$WORK/bad.txt")"
grep -q $'^messages\t201\tcontent is NULL$' "$WORK/bad.txt" || fail "no reason for 201: $(cat "$WORK/bad.txt")"
grep -q $'^contacts\t22\tphone_number duplicates contact 3$' "$WORK/bad.txt" || fail "no reason for 22"
grep -q $'^messages\t206\tdirection \'sideways\' is neither in nor out$' "$WORK/bad.txt" \
    || fail "no reason for 206: $(cat "$WORK/bad.txt")"
grep -q "left out 9 bad rows, listed in $WORK/bad.txt" "$WORK/err" \
    || fail "no counts printed: $(cat "$WORK/err")"
for kind in 'bad phone number: 2' 'duplicate phone number: 1' 'NULL content: 1' 'missing contact: 1' \
            'contact left out: 2' 'time convo cannot store: 1' 'direction neither in nor out: 1'; do
    grep -qF "$kind" "$WORK/err" || fail "no count '$kind': $(cat "$WORK/err")"
done
GOOD="select id, contact_id, coalesce(lower(btrim(direction)), 'in') as direction, content,
      created_at at time zone 'UTC' as t from messages where id <= 200"
same_msgs "--skip-bad" "$(src bad)" "$GOOD"
[ "$(q "select count(*) from contacts")" = 20 ] || fail "--skip-bad: the bad contacts were kept"
pass "--skip-bad lists each bad row with its reason, counts them, imports the rest"

# convo's phone_number is text with a length CHECK (schema 008): the limit
# is read from the schema the import stages.
import bad --reset --skip-bad "$WORK/bad64.txt"
[ "$rc" = 0 ] || fail "--skip-bad with a text phone_number: $(cat "$WORK/err")"
grep -q $'^contacts\t21\tphone_number has 70 characters, more than 64$' "$WORK/bad64.txt" \
    || fail "the CHECK's limit was not used: $(cat "$WORK/bad64.txt")"
grep -q $'^contacts\t23\tphone_number is empty$' "$WORK/bad64.txt" || fail "the empty phone was kept"
[ "$(q "select data_type from information_schema.columns where table_name = 'contacts'
        and column_name = 'phone_number'")" = text ] || fail "phone_number is not text"
pass "a phone_number of text with a length CHECK: its limit makes the bad rows"

# ---- --map, tables included --------------------------------------------------

import odd --reset --map contacts=people --map messages=chat_messages \
    --map messages.contact_id=person_id --map messages.created_at=sent_ts --map contacts.name=display_name
[ "$rc" = 0 ] || fail "--map: $(cat "$WORK/err")"
same_msgs "odd" "$(src odd)" "select id, person_id as contact_id, case when from_me then 'out' else 'in' end as direction,
    body as content, sent_ts at time zone 'UTC' as t from chat_messages"
[ "$(q "select count(*) from contacts where name like 'Personne % Élodie'")" = 40 ] || fail "--map: names not taken"
pass "--map of tables and columns"

# ---- a writer on the source: one snapshot ------------------------------------

psql -X -q -d postgres -c "create database \"$(src live)\" template \"$(src brief)\"" >/dev/null
# A writer inserting one row per transaction across the months all along,
# and rows written right after the snapshot is taken, before any worker
# reads: none of them may show.
( while [ ! -e "$WORK/stop" ]; do
      echo "insert into messages (contact_id, content, created_at) values
            (1 + (random() * 298)::int, 'written meanwhile',
             timestamp '2024-02-01' + random() * interval '700 days');"
      sleep 0.005
  done | psql -X -q -d "$(src live)" >/dev/null 2>&1 ) &
echo $! >"$WORK/writer.pid"
sleep 0.5
export CONVO_SEED_TEST_SNAPSHOT_DB="dbname=$(src live)"
export CONVO_SEED_TEST_SNAPSHOT_SQL="insert into messages (contact_id, content, created_at)
    select 1 + g % 299, 'after the snapshot', timestamp '2024-02-01' + g * interval '17 days' from generate_series(1, 40) g"
import live --reset
unset CONVO_SEED_TEST_SNAPSHOT_DB CONVO_SEED_TEST_SNAPSHOT_SQL
touch "$WORK/stop"
wait "$(cat "$WORK/writer.pid")" 2>/dev/null
rm -f "$WORK/writer.pid"
[ "$rc" = 0 ] || fail "importing under a writer: $(cat "$WORK/err")"
n=$(sed -n 's/^  source .*: [0-9]* contacts, \([0-9]*\) messages$/\1/p' "$WORK/out")
k=$(q "select max(id) from messages")
[ "$(qd "$(src live)" -c "select count(*) from messages where content = 'after the snapshot'")" = 40 ] \
    || fail "the rows after the snapshot were not written"
[ -n "$n" ] && [ "$(q "select count(*) from messages")" = "$n" ] \
    || fail "convo holds $(q "select count(*) from messages") messages, the snapshot $n"
[ "$(q "select count(*) from messages where content = 'after the snapshot'")" = 0 ] \
    || fail "rows written after the snapshot were imported"
same_msgs "under a writer" "$(src live)" "$(brief_msgs UTC) where id <= $k"
[ "$(stale_pointers)" = 0 ] || fail "under a writer: latest-message pointers wrong"
pass "a writer on the source: convo holds exactly the snapshot ($n messages), not torn"

# ---- ./run import --------------------------------------------------------------

RUNDB=$(src run)
PGDATABASE=$RUNDB "$RUN" import "dbname=$(src v1)" >"$WORK/out" 2>"$WORK/err" \
    || fail "./run import: $(tail -3 "$WORK/err")"
[ "$(qd "$RUNDB" -c "select count(*) from messages")" = "$(qd "$(src v1)" -c "select count(*) from messages")" ] \
    || fail "./run import did not import"
rc=0
PGDATABASE=$RUNDB "$RUN" import >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "./run import without SOURCE exited $rc"
pass "./run import SOURCE sets up convo's database and imports"

# ---- the sources were only read ------------------------------------------------

[ "$(source_state)" = "$SOURCES_BEFORE" ] \
    || fail "a source changed (pg_dump or rows): $(diff <(echo "$SOURCES_BEFORE") <(source_state))"
pass "the sources' pg_dump and row checksums are unchanged"

#!/usr/bin/env bash
# tests/seeder/seed_db.sh SEEDER LIB - seeds a small database and checks the
# data itself by SQL: counts, keys, the latest-message pointer, the shape of
# the distribution, reproducibility, and that bad input changes nothing.
SEEDER=$1
source "$2"

DB=convo_seed_test_$$
fresh_db "$DB"
END='2026-03-15 18:30:00'
WORK=$(mktemp -d)
trap "rm -rf '$WORK'; psql -X -q -d postgres -c 'drop database if exists \"$DB\" with (force)' >/dev/null 2>&1 || true" EXIT

seed() { "$SEEDER" "$@" >"$WORK/out" 2>"$WORK/err"; }
dump_md5() {
    { q "copy (select * from contacts order by id) to stdout"
      q "copy (select * from messages order by id) to stdout"; } | md5sum | cut -d' ' -f1
}

seed --contacts 3000 --messages 60000 --seed 7 --end "$END" \
    || fail "seeding failed: $(cat "$WORK/err")"
grep -q 'per contact: min' "$WORK/out" || fail "no summary: $(cat "$WORK/out")"
pass "seeded 3000 contacts / 60000 messages"

# Off a terminal: one plain line per phase, each index kind its own, and the
# summary's time per phase.
! grep -q $'\033' "$WORK/err" || fail "terminal escapes in the log: $(cat -v "$WORK/err")"
for phase in generate contacts copy 'index pkey' 'index contact_time' 'index content_trgm' \
             attach analyze swap; do
    [ "$(grep -c "^convo-seed: $phase  *[0-9.]* s" "$WORK/err")" = 1 ] \
        || fail "no single line for phase '$phase': $(cat "$WORK/err")"
    grep -q "^    $phase  *[0-9.]* s" "$WORK/out" || fail "summary lacks '$phase': $(cat "$WORK/out")"
done
pass "one line per phase off a terminal, and time per phase in the summary"

[ "$(q 'select count(*) from contacts')" = 3000 ] || fail "contact count"
[ "$(q 'select count(*) from messages')" = 60000 ] || fail "message count"
[ "$(q 'select count(*) from messages_default')" = 0 ] || fail "rows fell into messages_default"
pass "counts"

# Each loaded month's indexes are the ones the load built (named by the
# seeder), not built again when the schema files fill in what the load left
# out (the months ahead, whose indexes PostgreSQL names).
loaded="from pg_index i join pg_inherits h on h.inhrelid = i.indrelid
        join pg_class t on t.oid = i.indrelid join pg_class c on c.oid = i.indexrelid
       where h.inhparent = 'messages'::regclass and t.reltuples > 0"
again=$(q "select count(*) $loaded and c.relname like '%\_idx'")
built=$(q "select count(*) $loaded")
[ "$again" = 0 ] && [ "$built" -gt 0 ] || fail "$again of $built month indexes were built again after the load"
pass "each month's indexes built once"

[ "$(q 'select count(*) from messages m left join contacts c on c.id = m.contact_id where c.id is null')" = 0 ] \
    || fail "messages without a contact"
[ "$(q "select count(*) from pg_constraint where conrelid = 'messages'::regclass and contype = 'f' and convalidated")" = 1 ] \
    || fail "the foreign key is missing or not validated"
[ "$(q 'select count(distinct id) from messages')" = 60000 ] || fail "duplicate message ids"
pass "foreign keys and ids"

[ "$(q 'select count(distinct phone_number) from contacts')" = 3000 ] || fail "phone numbers not unique"
bad=$(q "select count(*) from contacts where phone_number !~ '^\+[1-9][0-9]{7,14}\$'")
[ "$bad" = 0 ] || fail "$bad phone numbers are not E.164"
[ "$(q "select count(distinct name) > 1000 and count(*) filter (where name ~ '[^[:ascii:]]') > 30 from contacts")" = t ] \
    || fail "names are not varied or never non-ASCII"
[ "$(q "select count(*) filter (where content ~ '[^[:ascii:]]') > 600 from messages")" = t ] \
    || fail "no non-ASCII message text"
pass "unique E.164 phones, varied names, non-ASCII text"

wrong=$(stale_pointers)
[ "$wrong" = 0 ] || fail "$wrong contacts point to a message that is not their latest"
wrong=$(stale_copies)
[ "$wrong" = 0 ] || fail "$wrong contacts' copy of their latest message (direction, content) is not that message"
pass "every contact's pointer is its true latest message, its copy that message"

[ "$(q 'select count(*) from (select created_at < lag(created_at) over (order by id) as back from messages) s where back')" = 0 ] \
    || fail "ids do not grow with time"
[ "$(q "select max(created_at) <= timestamptz '$END+00' and min(created_at) < timestamptz '$END+00' - interval '2 years' from messages")" = t ] \
    || fail "history does not span a few years ending at --end"
[ "$(q "select last_value >= 60000 from messages_id_seq")" = t ] || fail "message sequence not advanced"
[ "$(q "select last_value >= 3000 from contacts_id_seq")" = t ] || fail "contact sequence not advanced"
pass "ids follow time, history spans years, sequences advanced"

# Heavy tail: many contacts with a handful, a few with very many.
read -r med p99 mx few < <(q "select percentile_disc(0.5) within group (order by n),
        percentile_disc(0.99) within group (order by n), max(n), avg((n <= 5)::int)
        from (select contact_id, count(*) n from messages group by contact_id) s" | tr '\t' ' ')
[ "$mx" -ge $((20 * med)) ] && [ "$p99" -ge $((5 * med)) ] \
    || fail "not heavy-tailed: median $med, p99 $p99, max $mx"
[ "$(q "select $few > 0.2")" = t ] || fail "too few contacts with a handful of messages ($few)"
pass "heavy tail: median $med, p99 $p99, max $mx"

# Sessions: most replies come within minutes and switch speaker.
read -r quick flips < <(q "select avg((gap < interval '10 minutes')::int), avg((dir <> prev)::int)
        from (select created_at - lag(created_at) over w gap, direction dir,
                     lag(direction) over w prev
              from messages window w as (partition by contact_id order by created_at, id)) s
        where gap is not null" | tr '\t' ' ')
[ "$(q "select $quick > 0.6 and $flips > 0.6")" = t ] \
    || fail "no conversational sessions (quick replies $quick, speaker changes $flips)"
# Daily rhythm: evenings are busier than the small hours.
[ "$(q "select count(*) filter (where extract(hour from created_at at time zone 'UTC') between 18 and 21)
          > 4 * count(*) filter (where extract(hour from created_at at time zone 'UTC') between 2 and 5)
        from messages")" = t ] || fail "no daily rhythm"
pass "sessions of alternating turns, daily rhythm"

# --seed (with --end) reproduces the data exactly; another seed does not.
first=$(dump_md5)
seed --contacts 3000 --messages 60000 --seed 7 --end "$END" && fail "seeded over data without --reset"
grep -q -- '--reset' "$WORK/err" || fail "refusal does not mention --reset: $(cat "$WORK/err")"
[ "$(dump_md5)" = "$first" ] || fail "a refused seed changed the data"
seed --contacts 3000 --messages 60000 --seed 7 --end "$END" --reset || fail "reseed: $(cat "$WORK/err")"
[ "$(dump_md5)" = "$first" ] || fail "the same --seed gave different data"
pass "--seed gives identical data twice; refuses to overwrite without --reset"

# Without --end the same seed still gives the same contacts and conversations,
# only placed at another time; another seed gives other data.
talk_md5() {
    q "copy (select c.id, c.name, c.phone_number, m.direction, m.content
             from contacts c join messages m on m.contact_id = c.id
             order by c.id, m.created_at, m.id) to stdout" | md5sum | cut -d' ' -f1
}
talk=$(talk_md5)
seed --contacts 3000 --messages 60000 --seed 7 --end '2025-08-02 06:10:00' --reset || fail "reseed at another end"
[ "$(talk_md5)" = "$talk" ] || fail "the same --seed at another --end gave other conversations"
seed --contacts 3000 --messages 60000 --seed 8 --end "$END" --reset || fail "reseed with another seed"
[ "$(dump_md5)" != "$first" ] || fail "another --seed gave the same data"
seed --contacts 3000 --messages 60000 --seed 7 --end "$END" --reset || fail "reseed: $(cat "$WORK/err")"
[ "$(dump_md5)" = "$first" ] || fail "the same --seed gave different data after other seeds"
pass "a seed fixes the conversations at any --end; another seed differs"

# Readers at work during a reseed (contacts-first and messages-first joins):
# the swap must neither deadlock away nor leave a half-replaced database.
readers() {
    local until=$((SECONDS + 8))
    while [ $SECONDS -lt $until ]; do
        psql -X -q -At -c "select count(*) from (select c.id from contacts c join messages m
                             on m.created_at = c.last_message_at and m.id = c.last_message_id
                             order by c.last_message_at desc limit 50) s" \
                    -c "select count(*) from (select m.id from messages m join contacts c
                             on c.id = m.contact_id where m.content ilike '%pizza%'
                             order by m.created_at desc limit 20) s" >/dev/null 2>&1 || true
    done
}
readers & r1=$!
readers & r2=$!
sleep 1
seed --contacts 3000 --messages 60000 --seed 7 --end "$END" --reset \
    || fail "reseeding under readers: $(cat "$WORK/err")"
wait $r1 $r2
[ "$(dump_md5)" = "$first" ] || fail "reseeding under readers gave other data"
pass "reseeding while readers query both tables"

# Bad input: an error line naming the cause, non-zero exit, data untouched.
printf 'ok\n\0\1\2binary' >"$WORK/binary.csv"
: >"$WORK/empty.csv"
mkdir "$WORK/broken-schema"
cp "$(dirname "$2")/../schema/"*.sql "$WORK/broken-schema/"
echo 'this is not sql;' >"$WORK/broken-schema/999_broken.sql"
check_bad() {
    local want=$1; shift
    seed "$@" && fail "accepted bad input: $*"
    [ "$(wc -l <"$WORK/err")" -ge 1 ] && grep -qi -- "$want" "$WORK/err" \
        || fail "error for '$*' does not say '$want': $(cat "$WORK/err")"
    ! grep -q secret "$WORK/err" || fail "an error message shows a password"
    [ "$(dump_md5)" = "$first" ] || fail "bad input '$*' changed the data"
}
check_bad 'no such file' --reset --csv "$WORK/missing.csv"
check_bad 'binary' --reset --csv "$WORK/binary.csv"
check_bad 'empty' --reset --csv "$WORK/empty.csv"
check_bad 'contacts' --reset --contacts 0
check_bad 'messages' --reset --contacts 10 --messages 5
check_bad 'messages' --reset --messages 99999999999
check_bad 'connect' --reset --contacts 10 --messages 100 --db "host=/nonexistent user=x password=secret"
check_bad '999_broken' --reset --contacts 10 --messages 100 --schema "$WORK/broken-schema"
[ "$(q "select count(*) from pg_namespace where nspname = 'convo_stage'")" = 0 ] \
    || fail "a failed seed left its staging schema behind"
pass "bad input leaves the database as it was"

# The real CSV path: consecutive lines stay together as one session.
for i in $(seq 1 400); do
    printf ' line %03d of the dialogue\n"line %03d, with a comma"\n' $((2 * i - 1)) $((2 * i))
done >"$WORK/dialogue.csv"
seed --reset --csv "$WORK/dialogue.csv" --contacts 50 --messages 4000 --seed 3 --end "$END" \
    || fail "seeding from a CSV: $(cat "$WORK/err")"
grep -q '800 bodies' "$WORK/err" || fail "CSV report: $(cat "$WORK/err")"
[ "$(q "select count(*) from messages where content !~ '^line [0-9]{3}'")" = 0 ] || fail "CSV bodies mangled"
next=$(q "select avg((substr(content, 6, 3)::int = substr(prev, 6, 3)::int % 800 + 1)::int)
          from (select content, lag(content) over (partition by contact_id order by created_at, id) prev,
                       created_at - lag(created_at) over (partition by contact_id order by created_at, id) gap
                from messages) s where gap < interval '10 minutes'")
[ "$(q "select $next > 0.9")" = t ] || fail "consecutive CSV lines do not form sessions ($next)"
pass "CSV bodies keep dialogue order within sessions"

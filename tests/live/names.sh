#!/usr/bin/env bash
# tests/live/names.sh LIB - every month has a partition name of its own:
# 44 BC and 44 AD (and 1 BC, year 10000) are moved out of messages_default
# into partitions named apart; a month that cannot be moved (its name is
# taken by a table that is not a partition) is reported with a warning and
# the others are still moved; no copy (`_moving`) is left behind and the
# moved months' indexes carry the month's own names. The names of the
# seeded database (PGDATABASE, made by convo-seed) are those the schema's
# functions give.
source "$1"

SEEDED=$PGDATABASE
seeded_bad=$(psql -X -q -At -d "$SEEDED" -c "select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid
    cross join lateral regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']*)''\)') b
    where i.inhparent = 'messages'::regclass and c.relname <> (public.convo_month_bounds(b[1]::timestamptz)).name")
[ "$seeded_bad" = 0 ] || fail "$seeded_bad partitions of the seeded database are not named as convo_month_bounds names them"
pass "the seeder's partition names are the schema's"

DB=convo_names_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name) values ('+15557000001', 'Caesar'), ('+15557000002', 'Brutus');
   insert into messages (contact_id, direction, content, created_at) values
     (1, 'in', 'ides bc', '0044-03-15 12:00:00+00 BC'),
     (2, 'in', 'ides ad', '0044-03-15 12:00:00+00'),
     (1, 'out', 'one bc', '0001-12-31 12:00:00+00 BC'),
     (2, 'out', 'one ad', '0001-01-01 12:00:00+00'),
     (1, 'in', 'far', '10000-02-01 00:00:00+00'),
     (1, 'in', 'blocked month', '2021-05-10 00:00:00+00'),
     (2, 'in', 'next month', '2021-06-10 00:00:00+00');
   create table messages_y2021m05 (x int)" >/dev/null

names() { q "select string_agg(distinct (public.convo_month_bounds(t)).name, ' ')
             from unnest(array['0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00']::timestamptz[]) t"; }
[ "$(q "select count(distinct (public.convo_month_bounds(t)).name) from unnest(array[
        '0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00', '0001-12-31 12:00:00+00 BC',
        '0001-01-01 12:00:00+00']::timestamptz[]) t")" = 4 ] || fail "BC and AD months share names: $(names)"

# What an earlier maintain left: a copy that never became a partition, and
# a partition whose key is named after its copy.
q "create table messages_y2001m01_moving (like messages);
   select public.convo_month_partition(date '2002-01-01');
   alter index messages_y2002m01_pkey rename to messages_y2002m01_moving_pkey" >/dev/null

# Every month here is "recent" (30,000 months back), so each gets a partition.
out=$(psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain(2, 10000, 30000)" 2>&1) || fail "maintain failed: $out"
out2=$(psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain(2, 10000, 30000)" 2>&1) || fail "a second maintain failed: $out2"
printf '%s\n' "$out" | grep -q 'WARNING:.*2021' || fail "no warning for the month that cannot be moved: $out"

[ "$(q "select count(*) from messages_default")" = 1 ] \
    || fail "messages_default holds $(q "select string_agg(content, ', ') from messages_default"), want only the blocked month"
[ "$(q "select content from messages_default")" = "blocked month" ] || fail "the wrong row stayed in the default"
for t in '0044-03-15 12:00:00+00 BC' '0044-03-15 12:00:00+00' '0001-12-31 12:00:00+00 BC' \
         '0001-01-01 12:00:00+00' '10000-02-01 00:00:00+00' '2021-06-10 00:00:00+00'; do
    part=$(q "select tableoid::regclass from messages where created_at = '$t'")
    want=$(q "select (public.convo_month_bounds('$t')).name")
    [ "$part" = "$want" ] || fail "the row of $t is in $part, want $want"
done
[ "$(q "select count(distinct tableoid) from messages where created_at < '0100-01-01'")" = 4 ] \
    || fail "the four months around year 0 are not four partitions"
pass "44 BC, 44 AD, 1 BC, 1 AD and 10000 AD moved into partitions of their own; the blocked month warned and stayed"

left=$(q "select string_agg(relname, ' ') from pg_class where relname like '%\_moving%'")
[ -z "$left" ] || fail "copies left behind: $left"
bad=$(q "select string_agg(i.relname, ' ') from pg_inherits h join pg_index x on x.indrelid = h.inhrelid
          join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = h.inhrelid
          where h.inhparent = 'messages'::regclass and t.relname <> 'messages_default'
            and (i.relname not like t.relname || '\_%' or i.relname like '%\_moving%')")
[ -z "$bad" ] || fail "indexes not named after their partition: $bad"
pass "no copy left, every partition's indexes carry its name"
[ "$(stale_pointers)" = 0 ] || fail "pointers wrong after the moves"

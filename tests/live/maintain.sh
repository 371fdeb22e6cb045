#!/usr/bin/env bash
# tests/live/maintain.sh LIB RUN CONVO_QUERY - ./run maintain moves the rows
# of messages_default into their own month's partition while a writer adds
# and deletes rows of those months: every row kept once, ids and contents
# compared; the months ahead exist, also when schema 004 is applied again
# from another time zone; search finds the moved rows.
source "$1"
run=$2 query=$3

DB=convo_maintain_test_$$
fresh_db "$DB"
q "insert into contacts (phone_number, name)
   select '+1555500' || lpad(g::text, 4, '0'), 'Keep ' || g from generate_series(1, 20) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 20, case when g % 3 = 0 then 'out' else 'in' end, 'old row ' || g || ' quokkabarn',
          '2020-03-01'::timestamptz + g * interval '90 seconds' from generate_series(1, 12000) g;
   insert into messages (contact_id, direction, content, created_at)
   select 1 + g % 20, 'in', 'older row ' || g, '2019-11-30 23:00:00+00'::timestamptz + g * interval '1 second'
     from generate_series(1, 5000) g;
   insert into messages (contact_id, direction, content, created_at)
   values (1, 'in', 'far in the future', '9000-06-15 12:00:00+00');
   create table expected as select id, contact_id, direction, content, created_at from messages;
   create table log_ins (id bigint); create table log_del (id bigint)" >/dev/null
[ "$(q "select count(*) from messages_default")" = 17001 ] || fail "the rows did not land in the default"

# A writer adds rows to the months being moved and deletes some, logging
# what it did, until maintenance ends.
q "create table stop_flag (stop boolean)" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL' &
do $$
declare i int := 0; n bigint;
begin
    while not exists (select 1 from stop_flag) and i < 100000 loop
        i := i + 1;
        insert into messages (contact_id, direction, content, created_at)
        values (1 + i % 20, 'out', 'during ' || i, '2020-03-10'::timestamptz + i * interval '7 seconds')
        returning id into n;
        insert into log_ins values (n);
        delete from messages where id = (select id from expected where id % 97 = i % 97
                                          and id not in (select id from log_del) limit 1)
        returning id into n;
        if n is not null then insert into log_del values (n); end if;
        commit;
    end loop;
end $$;
SQL
writer=$!
sleep 0.5
# Small batches, so that the move takes several transactions.
out=$(psql -X -q -v ON_ERROR_STOP=1 -c "call public.convo_maintain(2, 1500)" 2>&1) \
    || { q "insert into stop_flag values (true)" >/dev/null; fail "convo_maintain failed: $out"; }
"$run" maintain >/dev/null 2>&1 || { q "insert into stop_flag values (true)" >/dev/null; fail "./run maintain failed"; }
q "insert into stop_flag values (true)" >/dev/null
wait $writer || fail "the writer failed"
printf '%s\n' "$out" | grep -q 'moved .* rows into messages_y2020m03' || fail "no move reported: $out"

[ "$(q "select count(*) from log_ins")" -gt 0 ] || fail "the writer wrote nothing"
[ "$(q "select count(*) from messages_default")" = 0 ] || fail "rows left in the default: $(q "select count(*) from messages_default")"
for m in y2019m11 y2019m12 y2020m03 y9000m06; do
    [ "$(q "select count(*) from pg_inherits where inhrelid = to_regclass('messages_$m')
            and inhparent = 'messages'::regclass")" = 1 ] || fail "messages_$m is not a partition"
done
diff=$(q "with want as (select id, contact_id, direction, content, created_at from expected
                        where id not in (select id from log_del)
                        union all
                        select id, contact_id, direction, content, created_at from messages
                        where id in (select id from log_ins)),
               have as (select id, contact_id, direction, content, created_at from messages)
          select (select count(*) from (select * from want except all select * from have) a),
                 (select count(*) from (select * from have except all select * from want) b)")
[ "$diff" = $'0\t0' ] || fail "rows lost or added by the move (missing, extra): $diff"
[ "$(q "select count(*) - count(distinct id) from messages")" = 0 ] || fail "duplicate ids"
[ "$(stale_pointers)" = 0 ] || fail "pointers wrong after the move"
pass "maintain moved 17,001 rows (one in the year 9000) out of the default while a writer added and deleted: ids and contents equal"

for k in 0 1 2; do
    name=$(q "select 'messages_y' || to_char((now() + make_interval(months => $k)) at time zone 'UTC', 'YYYY\"m\"MM')")
    [ "$(q "select count(*) from pg_inherits where inhrelid = to_regclass('$name')")" = 1 ] \
        || fail "the month ahead $name is missing"
done
pass "the current month and the next two are partitions"

# Schema 004 applied again from a session east or west of UTC (./run and
# the seeder apply it on every set-up) makes the same UTC months: with the
# months ahead gone, it neither overlaps this month nor leaves a gap.
for tz in Pacific/Kiritimati Europe/Paris America/Los_Angeles; do
    for k in 1 2; do
        q "drop table if exists $(q "select name from public.convo_month_bounds(now() + make_interval(months => $k))")" >/dev/null
    done
    PGTZ=$tz psql -X -q -v ON_ERROR_STOP=1 -f "$SCHEMA_DIR/003_partitions.sql" >/dev/null 2>&1 \
        || fail "schema 004 did not apply again in time zone $tz"
    for k in 0 1 2; do
        want=$(q "select format('FOR VALUES FROM (%L) TO (%L)', lo, hi), name
                    from public.convo_month_bounds(now() + make_interval(months => $k))")
        got=$(q "select pg_get_expr(relpartbound, oid), relname from pg_class
                  where relname = '$(echo "$want" | cut -f2)'")
        [ "$got" = "$want" ] || fail "in time zone $tz the month ahead is '$got', want '$want'"
    done
done
pass "schema 004 applied from UTC+14, Paris and Los Angeles makes the same UTC months"

sleep 0.2
got=$("$query" search quokkabarn --limit 1000 | python3 -c 'import json,sys
print(len(json.load(sys.stdin)["conversations"]))')
[ "$got" = 20 ] || fail "search found $got conversations in the moved rows, want 20"
pass "search finds the moved rows"

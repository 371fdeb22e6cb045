-- 003_partitions: monthly partitions of messages, named messages_yYYYYmMM.
-- convo-seed creates the months its data spans; this keeps the current month
-- and the next two ready for live inserts. A month whose rows already sit in
-- messages_default is left there (moving them is a maintenance job).

-- The bounds and name of the UTC month holding t.
CREATE OR REPLACE FUNCTION public.convo_month_bounds(t timestamptz,
    OUT lo timestamptz, OUT hi timestamptz, OUT name text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           (date_trunc('month', t AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC',
           'messages_y' || to_char(t AT TIME ZONE 'UTC', 'YYYY') || 'm'
                        || to_char(t AT TIME ZONE 'UTC', 'MM')
$$;

-- The partition of the UTC month of the date month (created when missing);
-- its name. Whatever the session's time zone, the same bounds as the
-- seeder's and convo_maintain's months.
CREATE OR REPLACE FUNCTION public.convo_month_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    parent regclass := 'messages'::regclass;
    nsp    text := (SELECT n.nspname FROM pg_class c
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.oid = parent);
    b      record := public.convo_month_bounds(month::timestamp AT TIME ZONE 'UTC');
BEGIN
    IF to_regclass(format('%I.%I', nsp, b.name)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                       nsp, b.name, parent, b.lo, b.hi);
    END IF;
    RETURN b.name;
END $$;

DO $$
DECLARE m int;
BEGIN
    FOR m IN 0..2 LOOP
        BEGIN
            PERFORM public.convo_month_partition(
                ((now() + make_interval(months => m)) AT TIME ZONE 'UTC')::date);
        EXCEPTION WHEN check_violation THEN
            NULL;  -- rows for that month are in messages_default already
        END;
    END LOOP;
END $$;

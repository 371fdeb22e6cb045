-- 004_partitions: monthly partitions of messages, named messages_yYYYYmMM.
-- convo-seed creates the months its data spans; this keeps the current month
-- and the next two ready for live inserts. A month whose rows already sit in
-- messages_default is left there (moving them is a maintenance job).

CREATE OR REPLACE FUNCTION public.convo_month_partition(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    parent regclass := 'messages'::regclass;
    nsp    text := (SELECT n.nspname FROM pg_class c
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.oid = parent);
    lo     date := date_trunc('month', month)::date;
    name   text := format('messages_y%sm%s', to_char(lo, 'YYYY'), to_char(lo, 'MM'));
BEGIN
    IF to_regclass(format('%I.%I', nsp, name)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                       nsp, name, parent, lo::timestamptz, (lo + interval '1 month')::timestamptz);
    END IF;
    RETURN name;
END $$;

DO $$
DECLARE m int;
BEGIN
    FOR m IN 0..2 LOOP
        BEGIN
            PERFORM public.convo_month_partition((now() + make_interval(months => m))::date);
        EXCEPTION WHEN check_violation THEN
            NULL;  -- rows for that month are in messages_default already
        END;
    END LOOP;
END $$;

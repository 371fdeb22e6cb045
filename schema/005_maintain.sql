-- 005_maintain: partitions keep themselves. CALL public.convo_maintain()
-- (what `./run maintain` and the pg_cron job run) creates the month
-- partitions ahead (the current month and the next two) and moves any rows
-- that landed in messages_default into their own month's partition, while
-- readers and writers carry on.
--
-- A month with rows in messages_default cannot get a partition (PostgreSQL
-- refuses a partition whose rows the default holds), so a move builds the
-- month as a table of its own beside the default, copies the rows in short
-- batches (one transaction each, readers still find them in the default),
-- builds the parent's indexes on it, and then, in one transaction holding
-- the default against writers, brings the copy up to date with what changed
-- meanwhile, deletes the month from the default and attaches the table.
-- Writers wait for that last transaction only.
-- Rows keep their ids, times and contents, so the latest-message pointers
-- stay valid and nobody is notified. Months are in UTC, like the seeder's
-- (convo_month_bounds, 003_partitions).

-- Move the rows of the month holding t out of messages_default.
CREATE OR REPLACE PROCEDURE public.convo_move_month(t timestamptz, batch_rows int DEFAULT 10000)
LANGUAGE plpgsql AS $$
DECLARE
    b record;
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
    tmp text;
    dflt text;
    last_at timestamptz := '-infinity';
    last_id bigint := -9223372036854775808;
    n bigint;
    def record;
    moved bigint := 0;
BEGIN
    b := public.convo_month_bounds(t);
    tmp := b.name || '_moving';
    dflt := format('%I.messages_default', nsp);
    -- A run that stopped half-way left its copy: start that month again.
    EXECUTE format('DROP TABLE IF EXISTS %I.%I', nsp, tmp);
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I.messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
                   ' CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L))',
                   nsp, tmp, nsp, b.name || '_range', b.lo, b.hi);
    COMMIT;
    LOOP
        EXECUTE format('WITH ins AS (INSERT INTO %I.%I SELECT * FROM %s'
                       '  WHERE created_at >= $1 AND created_at < $2 AND (created_at, id) > ($3, $4)'
                       '  ORDER BY created_at, id LIMIT $5 RETURNING created_at, id)'
                       ' SELECT count(*) OVER () AS n, created_at, id FROM ins'
                       ' ORDER BY created_at DESC, id DESC LIMIT 1', nsp, tmp, dflt)
            INTO n, last_at, last_id USING b.lo, b.hi, last_at, last_id, batch_rows;
        COMMIT;
        EXIT WHEN n IS NULL OR n < batch_rows;
    END LOOP;
    -- The parent's keys, foreign keys and indexes, so that attaching only
    -- has to adopt them. A foreign key is validated apart, which locks
    -- contacts only against schema changes.
    FOR def IN SELECT pg_get_constraintdef(oid) AS d, contype, conname FROM pg_constraint
                WHERE conrelid = 'messages'::regclass AND contype IN ('p', 'u', 'f') LOOP
        IF def.contype = 'f' THEN
            EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s NOT VALID', nsp, tmp,
                           b.name || '_' || def.conname, def.d);
            COMMIT;
            EXECUTE format('ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', nsp, tmp,
                           b.name || '_' || def.conname);
        ELSE
            EXECUTE format('ALTER TABLE %I.%I ADD %s', nsp, tmp, def.d);
        END IF;
    END LOOP;
    FOR def IN SELECT pg_get_indexdef(i.indexrelid) AS d, c.relname FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'messages'::regclass
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) LOOP
        EXECUTE regexp_replace(regexp_replace(def.d, ' ON ONLY \S+', format(' ON %I.%I', nsp, tmp)),
                               '^CREATE (UNIQUE )?INDEX \S+',
                               format('CREATE \1INDEX %I', b.name || substr(def.relname, 9)));
    END LOOP;
    COMMIT;
    -- Writers wait from here to the commit (at the parent, so that once let
    -- through they route rows to the new partition); readers still read
    -- until the attach, which waits for those that read the default.
    EXECUTE format('LOCK TABLE %I.messages IN EXCLUSIVE MODE', nsp);
    EXECUTE format('DELETE FROM %I.%I t WHERE NOT EXISTS (SELECT 1 FROM %s d'
                   ' WHERE d.created_at = t.created_at AND d.id = t.id'
                   '   AND ROW(d.*) IS NOT DISTINCT FROM ROW(t.*))', nsp, tmp, dflt);
    EXECUTE format('INSERT INTO %I.%I SELECT d.* FROM %s d'
                   ' WHERE d.created_at >= $1 AND d.created_at < $2 AND NOT EXISTS'
                   ' (SELECT 1 FROM %I.%I t WHERE t.created_at = d.created_at AND t.id = d.id)',
                   nsp, tmp, dflt, nsp, tmp) USING b.lo, b.hi;
    EXECUTE format('DELETE FROM %s WHERE created_at >= $1 AND created_at < $2', dflt)
        USING b.lo, b.hi;
    GET DIAGNOSTICS moved = ROW_COUNT;
    EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', nsp, tmp, b.name);
    EXECUTE format('ALTER TABLE %I.messages ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                   nsp, nsp, b.name, b.lo, b.hi);
    COMMIT;
    RAISE NOTICE 'convo_maintain: moved % rows into %', moved, b.name;
END $$;

CREATE OR REPLACE PROCEDURE public.convo_maintain(months_ahead int DEFAULT 2,
                                                  batch_rows int DEFAULT 10000)
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    b record;
    taken boolean;
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
BEGIN
    -- One at a time (the schedule and a hand-run may meet); the lock is the
    -- session's, so it holds across the commits below.
    IF NOT pg_try_advisory_lock(hashtext('convo_maintain')) THEN
        RAISE NOTICE 'convo_maintain: another maintenance is running';
        RETURN;
    END IF;
    -- Months the default holds rows of, oldest first (finite times only:
    -- +-infinity have no month and stay in the default).
    FOR t IN EXECUTE format('SELECT DISTINCT date_trunc(''month'', created_at AT TIME ZONE ''UTC'')'
                            '       AT TIME ZONE ''UTC'' FROM %I.messages_default'
                            ' WHERE isfinite(created_at) ORDER BY 1', nsp) LOOP
        CALL public.convo_move_month(t, batch_rows);
    END LOOP;
    -- The months ahead.
    FOR m IN 0..months_ahead LOOP
        b := public.convo_month_bounds(now() + make_interval(months => m));
        taken := false;
        IF to_regclass(format('%I.%I', nsp, b.name)) IS NULL THEN
            BEGIN
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.messages FOR VALUES FROM (%L) TO (%L)',
                               nsp, b.name, nsp, b.lo, b.hi);
                RAISE NOTICE 'convo_maintain: created %', b.name;
            EXCEPTION WHEN check_violation THEN
                taken := true;  -- a writer put rows of that month into the default meanwhile
            END;
        END IF;
        COMMIT;
        IF taken THEN
            CALL public.convo_move_month(b.lo, batch_rows);
        END IF;
    END LOOP;
    PERFORM pg_advisory_unlock(hashtext('convo_maintain'));
END $$;

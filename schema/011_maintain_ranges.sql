-- 011_maintain_ranges: partition names unique for every month, few
-- partitions whatever the span of history, and moves out of
-- messages_default that readers do not wait for. docs/live.md explains
-- each; CALL public.convo_maintain() stays the one entry point.
--
-- Names: a month is messages_yYYYYmMM, with the suffix bc for a month
-- before the year 1 (messages_y0044m03bc is March 44 BC, messages_y0044m03
-- March 44 AD); a range that is not one month is messages_<first month>_
-- <month of its end>, e.g. messages_y1970m01_y2024m12 for 1970-01-01 up
-- to 2024-12-01. convo-seed names its months by the same rule.
--
-- Ranges: rows of the last recent_months months (24) get month partitions;
-- before those, a month holding month_rows rows (1,000) or more keeps a
-- partition of its own (the old_months (24) fullest such months), and the
-- rest get ranges of whole years, consecutive years together until a
-- range holds old_rows rows (1,000,000): sparse years share a partition,
-- a dense year has its own. A range never crosses another partition.
--
-- Moves: the copy has no foreign key of its own: attaching it clones the
-- parent's (checked by scanning the copy, taking SHARE ROW EXCLUSIVE on
-- contacts, which readers and inserts do not wait for), where a copy's
-- own key would have its triggers on contacts dropped, which needs ACCESS
-- EXCLUSIVE on contacts while messages_default is held: readers that had
-- read contacts then deadlocked with it. The last transaction (writers
-- wait, then readers of the default wait for the attach) asks for each
-- lock for at most 100 ms and otherwise gives way and tries again later,
-- so nobody queues behind it for long. A range that cannot be moved is
-- reported (WARNING) and left in the default; the others go on.

-- The name of a month's start t as convo's partition names spell it.
CREATE OR REPLACE FUNCTION public.convo_month_tag(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT 'y' || to_char(t AT TIME ZONE 'UTC', 'YYYY') || 'm' || to_char(t AT TIME ZONE 'UTC', 'MM')
           || CASE WHEN to_char(t AT TIME ZONE 'UTC', 'BC') = 'BC' THEN 'bc' ELSE '' END
$$;

-- The bounds and name of the UTC month holding t (schema 004's, with
-- names apart for BC).
CREATE OR REPLACE FUNCTION public.convo_month_bounds(t timestamptz,
    OUT lo timestamptz, OUT hi timestamptz, OUT name text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           (date_trunc('month', t AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC',
           'messages_' || public.convo_month_tag(date_trunc('month', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
$$;

-- The name of the partition for [lo, hi).
CREATE OR REPLACE FUNCTION public.convo_range_name(lo timestamptz, hi timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE WHEN (public.convo_month_bounds(lo)).lo = lo AND (public.convo_month_bounds(lo)).hi = hi
                THEN (public.convo_month_bounds(lo)).name
                ELSE 'messages_' || public.convo_month_tag(lo) || '_' || public.convo_month_tag(hi) END
$$;

-- The first step a move failed at, reported, and its copy dropped.
CREATE OR REPLACE PROCEDURE public.convo_move_give_up(nsp text, tmp text, name text, step text, err text)
LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'convo_maintain: % left in messages_default (%: %)', name, step, err;
    BEGIN
        EXECUTE format('DROP TABLE IF EXISTS %I.%I', nsp, tmp);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'convo_maintain: could not drop %: %', tmp, SQLERRM;
    END;
END $$;

-- Move the rows of [lo, hi) out of messages_default into a partition of
-- their own named name; moved := rows moved, or NULL when the range was
-- left in the default (a WARNING says why).
CREATE OR REPLACE PROCEDURE public.convo_move_range(lo timestamptz, hi timestamptz, name text,
                                                    batch_rows int, INOUT moved bigint DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
    tmp text := name || '_moving';
    dflt text;
    last_at timestamptz := '-infinity';
    last_id bigint := -9223372036854775808;
    n bigint;
    def record;
    err text;
    tries int := 0;
    done boolean := false;
BEGIN
    moved := NULL;
    dflt := format('%I.messages_default', nsp);
    IF to_regclass(format('%I.%I', nsp, name)) IS NOT NULL THEN
        CALL public.convo_move_give_up(nsp, tmp, name, 'name taken', 'a table of that name exists');
        COMMIT;
        RETURN;
    END IF;
    BEGIN
        -- A run that stopped half-way left its copy: start again.
        EXECUTE format('DROP TABLE IF EXISTS %I.%I', nsp, tmp);
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS,'
                       ' CONSTRAINT %I CHECK (created_at >= %L AND created_at < %L))',
                       nsp, tmp, nsp, name || '_range', lo, hi);
    EXCEPTION WHEN OTHERS THEN
        err := SQLERRM;
    END;
    COMMIT;
    IF err IS NOT NULL THEN
        CALL public.convo_move_give_up(nsp, tmp, name, 'create', err);
        COMMIT;
        RETURN;
    END IF;
    LOOP
        BEGIN
            EXECUTE format('WITH ins AS (INSERT INTO %I.%I SELECT * FROM %s'
                           '  WHERE created_at >= $1 AND created_at < $2 AND (created_at, id) > ($3, $4)'
                           '  ORDER BY created_at, id LIMIT $5 RETURNING created_at, id)'
                           ' SELECT count(*) OVER () AS n, created_at, id FROM ins'
                           ' ORDER BY created_at DESC, id DESC LIMIT 1', nsp, tmp, dflt)
                INTO n, last_at, last_id USING lo, hi, last_at, last_id, batch_rows;
        EXCEPTION WHEN OTHERS THEN
            err := SQLERRM;
        END;
        COMMIT;
        EXIT WHEN err IS NOT NULL OR n IS NULL OR n < batch_rows;
    END LOOP;
    -- The parent's keys and indexes, named after the partition, so that
    -- attaching only has to adopt them. No foreign key: see above.
    IF err IS NULL THEN
        BEGIN
            FOR def IN SELECT pg_get_constraintdef(oid) AS d, conname FROM pg_constraint
                        WHERE conrelid = 'messages'::regclass AND contype IN ('p', 'u') LOOP
                EXECUTE format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', nsp, tmp,
                               name || substr(def.conname, 9), def.d);
            END LOOP;
            FOR def IN SELECT pg_get_indexdef(i.indexrelid) AS d, c.relname FROM pg_index i
                         JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE i.indrelid = 'messages'::regclass
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) LOOP
                EXECUTE regexp_replace(regexp_replace(def.d, ' ON ONLY \S+', format(' ON %I.%I', nsp, tmp)),
                                       '^CREATE (UNIQUE )?INDEX \S+',
                                       format('CREATE \1INDEX %I', name || substr(def.relname, 9)));
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            err := SQLERRM;
        END;
        COMMIT;
    END IF;
    IF err IS NOT NULL THEN
        CALL public.convo_move_give_up(nsp, tmp, name, 'copy', err);
        COMMIT;
        RETURN;
    END IF;
    -- The last transaction. Writers wait from its first lock to its commit
    -- (at the parent, so that once let through they route rows to the new
    -- partition); readers of the default wait for the attach only. Each
    -- lock is asked for at most 100 ms; else the transaction gives way,
    -- pauses and tries again.
    LOOP
        BEGIN
            PERFORM set_config('lock_timeout', '100ms', true);
            EXECUTE format('LOCK TABLE %I.messages IN EXCLUSIVE MODE', nsp);
            EXECUTE format('DELETE FROM %I.%I t WHERE NOT EXISTS (SELECT 1 FROM %s d'
                           ' WHERE d.created_at = t.created_at AND d.id = t.id'
                           '   AND ROW(d.*) IS NOT DISTINCT FROM ROW(t.*))', nsp, tmp, dflt);
            EXECUTE format('INSERT INTO %I.%I SELECT d.* FROM %s d'
                           ' WHERE d.created_at >= $1 AND d.created_at < $2 AND NOT EXISTS'
                           ' (SELECT 1 FROM %I.%I t WHERE t.created_at = d.created_at AND t.id = d.id)',
                           nsp, tmp, dflt, nsp, tmp) USING lo, hi;
            EXECUTE format('DELETE FROM %s WHERE created_at >= $1 AND created_at < $2', dflt)
                USING lo, hi;
            GET DIAGNOSTICS n = ROW_COUNT;
            EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', nsp, tmp, name);
            EXECUTE format('ALTER TABLE %I.messages ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                           nsp, nsp, name, lo, hi);
            done := true;
        EXCEPTION
            WHEN lock_not_available THEN
                tries := tries + 1;
            WHEN OTHERS THEN
                err := SQLERRM;
        END;
        COMMIT;
        EXIT WHEN done OR err IS NOT NULL OR tries >= 100;
        PERFORM pg_sleep(least(0.05 * tries, 0.5));
        COMMIT;
    END LOOP;
    IF NOT done THEN
        CALL public.convo_move_give_up(nsp, tmp, name, 'attach',
                                       coalesce(err, 'locks not granted in 100 tries'));
        COMMIT;
        RETURN;
    END IF;
    moved := n;
    RAISE NOTICE 'convo_maintain: moved % rows into %', moved, name;
END $$;

-- Move the rows of the month holding t out of messages_default.
CREATE OR REPLACE PROCEDURE public.convo_move_month(t timestamptz, batch_rows int DEFAULT 10000)
LANGUAGE plpgsql AS $$
DECLARE
    b record := public.convo_month_bounds(t);
    moved bigint;
BEGIN
    CALL public.convo_move_range(b.lo, b.hi, b.name, batch_rows, moved);
END $$;

-- The ranges the rows of messages_default should move to, oldest first:
-- months from cutoff on; before it, a month of its own for each month
-- holding month_rows rows or more (the old_months fullest), and whole years
-- for the rest, consecutive years together until a range holds old_rows
-- rows. No range crosses an existing partition, a month of its own or
-- cutoff; a group of years reaches to the next of those (or to the end of
-- its last year when nothing is above it), so that later rows of those
-- years find a partition.
CREATE OR REPLACE FUNCTION public.convo_default_ranges(cutoff timestamptz, old_rows bigint,
    month_rows bigint, old_months int, OUT lo timestamptz, OUT hi timestamptz, OUT name text)
RETURNS SETOF record
LANGUAGE plpgsql AS $$
DECLARE
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
    m record;
    g_lo timestamptz; g_hi timestamptz; g_rows bigint; g_year timestamptz;
BEGIN
    FOR m IN EXECUTE format(
        'WITH parts AS (SELECT b[1]::timestamptz AS plo, b[2]::timestamptz AS phi'
        '                 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid'
        '                 CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),'
        '                      ''FROM \(''''([^'''']*)''''\) TO \(''''([^'''']*)''''\)'') b'
        '                WHERE i.inhparent = ''messages''::regclass),'
        '      months AS (SELECT date_trunc(''month'', created_at AT TIME ZONE ''UTC'') AT TIME ZONE ''UTC'' AS ms,'
        '                        count(*) AS n'
        '                   FROM %I.messages_default WHERE isfinite(created_at) AND created_at < $1'
        '                  GROUP BY 1),'
        '      own AS (SELECT ms FROM months WHERE n >= $2 ORDER BY n DESC, ms DESC LIMIT $3),'
        '      walls AS (SELECT plo, phi FROM parts'
        '                UNION ALL SELECT ms, (ms AT TIME ZONE ''UTC'' + interval ''1 month'') AT TIME ZONE ''UTC'' FROM own)'
        ' SELECT ms, n, ms IN (SELECT ms FROM own) AS own,'
        '        date_trunc(''year'', ms AT TIME ZONE ''UTC'') AT TIME ZONE ''UTC'' AS ys,'
        '        (date_trunc(''year'', ms AT TIME ZONE ''UTC'') + interval ''1 year'') AT TIME ZONE ''UTC'' AS ye,'
        '        (SELECT max(phi) FROM walls WHERE phi <= ms) AS wlo,'
        '        least($1, (SELECT min(plo) FROM walls WHERE plo > ms)) AS whi'
        '   FROM months ORDER BY ms', nsp) USING cutoff, month_rows, old_months LOOP
        IF g_lo IS NOT NULL AND (m.own OR g_hi IS DISTINCT FROM m.whi) THEN
            -- Another gap between partitions: the group reaches to its end.
            lo := g_lo; hi := g_hi; name := public.convo_range_name(lo, hi);
            RETURN NEXT;
            g_lo := NULL;
        ELSIF g_lo IS NOT NULL AND m.ys > g_year AND g_rows >= old_rows THEN
            -- A new year and the group is full: it ends where the year begins.
            lo := g_lo; hi := m.ys; name := public.convo_range_name(lo, hi);
            RETURN NEXT;
            g_lo := NULL;
        END IF;
        IF m.own THEN
            SELECT b.lo, b.hi, b.name INTO lo, hi, name FROM public.convo_month_bounds(m.ms) b;
            RETURN NEXT;
            CONTINUE;
        END IF;
        IF g_lo IS NULL THEN
            g_lo := greatest(m.ys, m.wlo);
            g_rows := 0;
            g_hi := m.whi;
        END IF;
        g_rows := g_rows + m.n;
        g_year := m.ys;
    END LOOP;
    IF g_lo IS NOT NULL THEN
        lo := g_lo; hi := g_hi; name := public.convo_range_name(lo, hi);
        RETURN NEXT;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT b.lo, b.hi, b.name FROM (SELECT DISTINCT date_trunc(''month'', created_at AT TIME ZONE ''UTC'')'
        '        AT TIME ZONE ''UTC'' AS m FROM %I.messages_default'
        '  WHERE isfinite(created_at) AND created_at >= $1) d'
        ' CROSS JOIN LATERAL public.convo_month_bounds(d.m) b ORDER BY 1', nsp) USING cutoff;
END $$;

-- What moves by earlier versions left: partitions' indexes named after the
-- copy (messages_y2020m03_moving_pkey) get the partition's own names, and
-- copies that are not partitions (a move that failed) are dropped.
CREATE OR REPLACE FUNCTION public.convo_partitions_tidy() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT n.nspname, i.relname, replace(i.relname, '_moving_', '_') AS want
               FROM pg_inherits h
               JOIN pg_index x ON x.indrelid = h.inhrelid
               JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_namespace n ON n.oid = i.relnamespace
              WHERE h.inhparent = 'messages'::regclass AND i.relname LIKE '%\_moving\_%' LOOP
        IF to_regclass(format('%I.%I', r.nspname, r.want)) IS NULL THEN
            EXECUTE format('ALTER INDEX %I.%I RENAME TO %I', r.nspname, r.relname, r.want);
        END IF;
    END LOOP;
    FOR r IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind = 'r' AND NOT c.relispartition AND c.relname ~ '^messages_y.*_moving$'
                AND n.oid = (SELECT relnamespace FROM pg_class WHERE oid = 'messages'::regclass) LOOP
        EXECUTE format('DROP TABLE %I.%I', r.nspname, r.relname);
    END LOOP;
END $$;

SELECT public.convo_partitions_tidy();

DROP PROCEDURE IF EXISTS public.convo_maintain(int, int);
CREATE OR REPLACE PROCEDURE public.convo_maintain(months_ahead int DEFAULT 2,
                                                  batch_rows int DEFAULT 10000,
                                                  recent_months int DEFAULT 24,
                                                  old_rows bigint DEFAULT 1000000,
                                                  month_rows bigint DEFAULT 1000,
                                                  old_months int DEFAULT 24)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    b record;
    taken boolean;
    moved bigint;
    cutoff timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC')
                           - make_interval(months => recent_months)) AT TIME ZONE 'UTC';
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
BEGIN
    -- One at a time (the schedule and a hand-run may meet); the lock is the
    -- session's, so it holds across the commits below.
    IF NOT pg_try_advisory_lock(hashtext('convo_maintain')) THEN
        RAISE NOTICE 'convo_maintain: another maintenance is running';
        RETURN;
    END IF;
    BEGIN
        PERFORM public.convo_partitions_tidy();
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'convo_maintain: could not tidy the partitions: %', SQLERRM;
    END;
    COMMIT;
    FOR r IN SELECT * FROM public.convo_default_ranges(cutoff, old_rows, month_rows, old_months) LOOP
        CALL public.convo_move_range(r.lo, r.hi, r.name, batch_rows, moved);
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
            EXCEPTION
                WHEN check_violation THEN
                    taken := true;  -- a writer put rows of that month into the default meanwhile
                WHEN OTHERS THEN
                    RAISE WARNING 'convo_maintain: could not create %: %', b.name, SQLERRM;
            END;
        END IF;
        COMMIT;
        IF taken THEN
            CALL public.convo_move_range(b.lo, b.hi, b.name, batch_rows, moved);
        END IF;
    END LOOP;
    PERFORM pg_advisory_unlock(hashtext('convo_maintain'));
END $$;

-- schema/adopt/2_convert.sql: the steps of ./run setup --adopt that change
-- the database, in the order ./run calls them (see 1_inspect.sql).

-- The views over the tables (pg_temp.adopt_views) go before the tables
-- change and come back after, newest first and oldest first.
CREATE FUNCTION pg_temp.adopt_views_drop(views jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE v jsonb;
BEGIN
    FOR v IN SELECT x FROM jsonb_array_elements(views) WITH ORDINALITY e(x, n) ORDER BY n DESC LOOP
        EXECUTE format('DROP %s IF EXISTS %s', CASE WHEN v->>'kind' = 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                       v->>'name');
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.adopt_views_create(views jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v jsonb;
    what text;
    stmt text;
BEGIN
    FOR v IN SELECT x FROM jsonb_array_elements(views) WITH ORDINALITY e(x, n) ORDER BY n LOOP
        what := CASE WHEN v->>'kind' = 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END;
        EXECUTE format('CREATE %s %s%s AS %s%s', what, v->>'name',
                       coalesce(' WITH (' || nullif(v->>'options', '') || ')', ''), v->>'def',
                       CASE WHEN v->>'kind' <> 'm' THEN ''
                            WHEN (v->>'populated')::boolean THEN ' WITH DATA' ELSE ' WITH NO DATA' END);
        EXECUTE format('ALTER %s %s OWNER TO %I', what, v->>'name', v->>'owner');
        FOR stmt IN SELECT jsonb_array_elements_text(v->'indexes') UNION ALL
                 SELECT jsonb_array_elements_text(v->'grants') LOOP
            EXECUTE stmt;
        END LOOP;
        IF v->>'comment' IS NOT NULL THEN
            EXECUTE format('COMMENT ON %s %s IS %L', what, v->>'name', v->>'comment');
        END IF;
    END LOOP;
END $$;

-- The new table's columns: the user's, in order, with convo's types, and
-- direction after them (an INSERT without a column list keeps working).
CREATE FUNCTION pg_temp.adopt_new_columns() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(format('%I %s%s%s', name,
                             CASE name WHEN 'id' THEN 'bigint' WHEN 'contact_id' THEN 'integer'
                                       WHEN 'content' THEN 'text' WHEN 'created_at' THEN 'timestamptz'
                                       ELSE type END,
                             CASE WHEN required OR name IN ('id', 'contact_id', 'content', 'created_at')
                                  THEN ' NOT NULL' ELSE '' END,
                             CASE WHEN name = 'created_at' THEN ' DEFAULT ' || coalesce(def, 'now()')
                                  ELSE coalesce(' DEFAULT ' || def, '') END), ', ')
           || ', direction text NOT NULL DEFAULT ''in'''
      FROM pg_temp.adopt_columns('public.messages')
$$;

-- old row o -> new row, in the new table's column order.
CREATE FUNCTION pg_temp.adopt_conv(zone text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(CASE name WHEN 'content' THEN 'coalesce(o.content, '''')'
                                WHEN 'created_at' THEN pg_temp.adopt_time_expr('o.created_at', zone)
                                ELSE format('o.%I', name) END, ', ') || ', ''in'''
      FROM pg_temp.adopt_columns('public.messages')
$$;

-- new row n -> the original row, in the original column order.
CREATE FUNCTION pg_temp.adopt_back(zone text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(CASE name
        WHEN 'content' THEN format('(CASE WHEN n.content = '''' AND EXISTS (SELECT 1 FROM public.convo_adopt_nulls x'
                                   ' WHERE x.col = ''messages.content'' AND x.id = n.id) THEN NULL'
                                   ' ELSE n.content END)::%s', type)
        WHEN 'created_at' THEN CASE WHEN typid = 'timestamp'::regtype
                                    THEN format('(n.created_at AT TIME ZONE %L)', zone) ELSE 'n.created_at' END
        WHEN 'id' THEN format('n.id::%s', type)
        ELSE format('n.%I', name) END, ', ')
      FROM pg_temp.adopt_columns('public.messages')
$$;

-- A list of names of the kind of object in the query's first column.
CREATE FUNCTION pg_temp.adopt_names(sql text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE out jsonb;
BEGIN
    EXECUTE format('SELECT coalesce(jsonb_agg(x), ''[]'') FROM (%s) s(x)', sql) INTO out;
    RETURN out;
END $$;

-- What is there before convo adds anything, for undo to keep.
CREATE FUNCTION pg_temp.adopt_inventory() RETURNS jsonb
LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'routines', pg_temp.adopt_names('SELECT p.oid::regprocedure::text FROM pg_proc p
                                          WHERE p.pronamespace = ''public''::regnamespace'),
        'relations', pg_temp.adopt_names('SELECT relname::text FROM pg_class
                                           WHERE relnamespace = ''public''::regnamespace'),
        'extensions', pg_temp.adopt_names('SELECT extname::text FROM pg_extension'),
        'contacts_constraints', pg_temp.adopt_names('SELECT conname::text FROM pg_constraint
                                                      WHERE conrelid = ''public.contacts''::regclass'),
        'contacts_triggers', pg_temp.adopt_names('SELECT tgname::text FROM pg_trigger
                                                   WHERE tgrelid = ''public.contacts''::regclass'),
        'contacts_columns', (SELECT jsonb_agg(jsonb_build_object('name', name, 'type', type, 'required', required,
                                                                 'def', def))
                               FROM pg_temp.adopt_columns('public.contacts')),
        'sequence', pg_get_serial_sequence('public.messages', 'id'),
        'sequence_type', (SELECT format_type(seqtypid, NULL) FROM pg_sequence
                           WHERE seqrelid = to_regclass(pg_get_serial_sequence('public.messages', 'id'))));
$$;

CREATE PROCEDURE pg_temp.adopt_prepare(zone text)
LANGUAGE plpgsql AS $$
DECLARE
    made text[] := '{}';
    e text;
    t timestamptz;
    r record;
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NOT NULL THEN
        RETURN;   -- resuming
    END IF;
    CREATE TABLE public.convo_adopt_state (
        one            boolean PRIMARY KEY DEFAULT true CHECK (one),
        phase          text NOT NULL,
        zone           text NOT NULL,
        copied_through bigint NOT NULL DEFAULT -9223372036854775808,
        cols           text NOT NULL,   -- the new table's column list
        conv           text NOT NULL,   -- old row o -> those columns
        back           text NOT NULL,   -- new row n -> the original row
        orig           jsonb NOT NULL,
        started_at     timestamptz NOT NULL DEFAULT now()
    );
    -- Values adopt replaced ('' for NULL), so that undo can put them back.
    CREATE TABLE public.convo_adopt_nulls (col text, id bigint, PRIMARY KEY (col, id));
    -- The ids writers touched since the trigger below; id NULL: a TRUNCATE.
    CREATE TABLE public.convo_adopt_log (seq bigserial PRIMARY KEY, id bigint);
    INSERT INTO public.convo_adopt_state (phase, zone, cols, conv, back, orig)
    SELECT 'copying', zone,
           (SELECT string_agg(format('%I', name), ', ') || ', direction' FROM pg_temp.adopt_columns('public.messages')),
           pg_temp.adopt_conv(zone), pg_temp.adopt_back(zone), pg_temp.adopt_inventory();
    -- Every extension the migrations create (013_fold: unaccent), made here
    -- so that undo knows which ones were the user's before.
    FOREACH e IN ARRAY ARRAY['pg_trgm', 'intarray', 'convo_grams', 'unaccent'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = e) THEN
            EXECUTE format('CREATE EXTENSION %I WITH SCHEMA public', e);
            made := made || e;
        END IF;
    END LOOP;
    UPDATE public.convo_adopt_state SET orig = orig || jsonb_build_object('made_extensions', to_jsonb(made));
    -- The writers' own role runs the trigger: it writes the log as its owner.
    CREATE FUNCTION public.convo_adopt_log_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            INSERT INTO public.convo_adopt_log (id) VALUES (NULL);
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO public.convo_adopt_log (id) VALUES (OLD.id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.id IS DISTINCT FROM OLD.id) THEN
            INSERT INTO public.convo_adopt_log (id) VALUES (NEW.id);
        END IF;
        RETURN NULL;
    END $f$;
    CREATE TRIGGER convo_adopt_log AFTER INSERT OR UPDATE OR DELETE ON public.messages
        FOR EACH ROW EXECUTE FUNCTION public.convo_adopt_log_change();
    CREATE TRIGGER convo_adopt_log_truncate AFTER TRUNCATE ON public.messages
        FOR EACH STATEMENT EXECUTE FUNCTION public.convo_adopt_log_change();
    CREATE SCHEMA convo_adopt;
    EXECUTE format('CREATE TABLE convo_adopt.messages (%s) PARTITION BY RANGE (created_at)',
                   pg_temp.adopt_new_columns());
    FOR t IN SELECT * FROM pg_temp.adopt_months(zone) LOOP
        EXECUTE format('CREATE TABLE convo_adopt.%I PARTITION OF convo_adopt.messages FOR VALUES FROM (%L) TO (%L)',
                       pg_temp.adopt_partition_name(t), t,
                       (t AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
    END LOOP;
    CREATE TABLE convo_adopt.messages_default PARTITION OF convo_adopt.messages DEFAULT;
    -- The owner and grants of the user's table, so that its writers may write.
    EXECUTE format('ALTER TABLE convo_adopt.messages OWNER TO %I',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'public.messages'::regclass));
    FOR r IN SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                           ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS who
               FROM pg_class c, aclexplode(c.relacl) a
              WHERE c.oid = 'public.messages'::regclass AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON convo_adopt.messages TO %s', r.privilege_type, r.who);
    END LOOP;
END $$;

-- The rows, in batches of ids, each batch committed with how far it got.
CREATE PROCEDURE pg_temp.adopt_copy(batch_rows int DEFAULT 50000)
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    n bigint;
    last bigint;
BEGIN
    SELECT * INTO s FROM public.convo_adopt_state;
    IF s.phase <> 'copying' THEN
        RETURN;
    END IF;
    last := s.copied_through;
    LOOP
        EXECUTE format('WITH b AS (SELECT * FROM public.messages o WHERE o.id > $1 ORDER BY o.id LIMIT $2),'
                       ' ins AS (INSERT INTO convo_adopt.messages (%s) SELECT %s FROM b o),'
                       ' nul AS (INSERT INTO public.convo_adopt_nulls SELECT ''messages.content'', id'
                       '         FROM b WHERE content IS NULL ON CONFLICT DO NOTHING)'
                       ' SELECT count(*), max(id) FROM b', s.cols, s.conv)
            INTO n, last USING last, batch_rows;
        EXIT WHEN n = 0;
        UPDATE public.convo_adopt_state SET copied_through = last;
        COMMIT;
        EXIT WHEN n < batch_rows;
    END LOOP;
    UPDATE public.convo_adopt_state SET phase = 'building';
    COMMIT;
END $$;

-- Keys and indexes of the new table, each committed (a rerun skips those
-- made). convo's indexes carry the names 002_indexes and 006_grams give
-- them, so that the migrations find them made; 007_time_range's check
-- likewise. A foreign key is checked over all rows at once: that holds
-- the referenced table against writers (not readers) for the check. (Checked
-- partition by partition, attaching the partitions' keys to the parent's
-- would drop their triggers on the referenced table, which waits for every
-- reader of it and makes everyone wait behind.)
CREATE PROCEDURE pg_temp.adopt_build()
LANGUAGE plpgsql AS $$
DECLARE
    def record;
BEGIN
    IF (SELECT phase FROM public.convo_adopt_state) <> 'building' THEN
        RETURN;
    END IF;
    CREATE INDEX IF NOT EXISTS convo_adopt_id ON convo_adopt.messages (id);
    COMMIT;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'convo_adopt.messages'::regclass
                      AND conname = 'messages_pkey') THEN
        ALTER TABLE convo_adopt.messages ADD CONSTRAINT messages_pkey PRIMARY KEY (created_at, id);
        ALTER TABLE convo_adopt.messages ADD CONSTRAINT messages_direction_check
            CHECK (direction IN ('in', 'out'));
        ALTER TABLE convo_adopt.messages ADD CONSTRAINT messages_created_at_supported
            CHECK (isfinite(created_at) AND created_at < '100000-01-01 00:00:00+00');
        FOR def IN SELECT conname, pg_get_constraintdef(oid) AS d FROM pg_constraint
                    WHERE conrelid = 'public.messages'::regclass AND contype = 'c' LOOP
            EXECUTE format('ALTER TABLE convo_adopt.messages ADD CONSTRAINT %I %s', def.conname, def.d);
        END LOOP;
        COMMIT;
    END IF;
    -- The user's foreign keys (convo's own on contact_id when there is none).
    FOR def IN SELECT conname, pg_get_constraintdef(oid) AS d FROM pg_constraint
                WHERE conrelid = 'public.messages'::regclass AND contype = 'f'
               UNION ALL
               SELECT 'messages_contact_id_fkey', 'FOREIGN KEY (contact_id) REFERENCES contacts(id)'
                WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'public.messages'::regclass
                                     AND contype = 'f' AND confrelid = 'public.contacts'::regclass) LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'convo_adopt.messages'::regclass
                                 AND conname = def.conname);
        EXECUTE format('ALTER TABLE convo_adopt.messages ADD CONSTRAINT %I %s', def.conname, def.d);
        COMMIT;
    END LOOP;
    CREATE INDEX IF NOT EXISTS messages_contact_time
        ON convo_adopt.messages (contact_id, created_at DESC, id DESC);
    COMMIT;
    CREATE INDEX IF NOT EXISTS messages_content_trgm
        ON convo_adopt.messages USING gin (content public.gin_trgm_ops);
    COMMIT;
    CREATE INDEX IF NOT EXISTS messages_content_grams
        ON convo_adopt.messages USING gin (public.convo_grams(content) public.gin__int_ops);
    COMMIT;
    -- The user's own indexes, under their names.
    FOR def IN SELECT c.relname, pg_get_indexdef(i.indexrelid) AS d FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'public.messages'::regclass AND NOT i.indisunique LOOP
        CONTINUE WHEN to_regclass(format('convo_adopt.%I', def.relname)) IS NOT NULL;
        EXECUTE replace(def.d, ' ON public.messages ', ' ON convo_adopt.messages ');
        COMMIT;
    END LOOP;
    ANALYZE convo_adopt.messages;
    UPDATE public.convo_adopt_state SET phase = 'catching-up';
    COMMIT;
END $$;

CREATE TEMP TABLE adopt_ids (id bigint);

-- Re-copy the rows the log names (as they are now, or gone); the count.
CREATE FUNCTION pg_temp.adopt_apply_log() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    n bigint;
BEGIN
    SELECT * INTO s FROM public.convo_adopt_state;
    TRUNCATE pg_temp.adopt_ids;
    WITH d AS (DELETE FROM public.convo_adopt_log RETURNING id)
    INSERT INTO pg_temp.adopt_ids SELECT DISTINCT id FROM d;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE pg_temp.adopt_ids;
    IF EXISTS (SELECT 1 FROM pg_temp.adopt_ids WHERE id IS NULL) THEN
        -- A TRUNCATE: start again from what the table holds now.
        TRUNCATE convo_adopt.messages;
        DELETE FROM public.convo_adopt_nulls WHERE col = 'messages.content';
        EXECUTE format('INSERT INTO convo_adopt.messages (%s) SELECT %s FROM public.messages o', s.cols, s.conv);
        INSERT INTO public.convo_adopt_nulls SELECT 'messages.content', id FROM public.messages
         WHERE content IS NULL;
        DELETE FROM pg_temp.adopt_ids WHERE id IS NULL;
    END IF;
    DELETE FROM convo_adopt.messages n USING pg_temp.adopt_ids i WHERE n.id = i.id;
    DELETE FROM public.convo_adopt_nulls x USING pg_temp.adopt_ids i
     WHERE x.col = 'messages.content' AND x.id = i.id;
    EXECUTE format('INSERT INTO convo_adopt.messages (%s) SELECT %s FROM public.messages o'
                   ' JOIN pg_temp.adopt_ids i ON i.id = o.id', s.cols, s.conv);
    INSERT INTO public.convo_adopt_nulls SELECT 'messages.content', o.id FROM public.messages o
      JOIN pg_temp.adopt_ids i ON i.id = o.id WHERE o.content IS NULL;
    RETURN n;
END $$;

-- Rounds of the log until one finds little, so that the swap has little
-- left to apply while it holds the tables.
CREATE PROCEDURE pg_temp.adopt_catch_up()
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    FOR round IN 1..20 LOOP
        n := pg_temp.adopt_apply_log();
        COMMIT;
        EXIT WHEN n < 1000;
    END LOOP;
END $$;

-- The swap: one transaction. Writers wait from its first lock to its commit.
CREATE PROCEDURE pg_temp.adopt_swap()
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    r record;
    alter_c text[] := '{}';
    renames jsonb := '[]';
    fks jsonb := '[]';
    views jsonb;
    seq text;
BEGIN
    SELECT * INTO s FROM public.convo_adopt_state;
    IF s.phase <> 'catching-up' THEN
        RAISE EXCEPTION 'the adoption is in phase %, not ready to swap', s.phase;
    END IF;
    LOCK TABLE public.messages IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE public.contacts IN ACCESS EXCLUSIVE MODE;
    PERFORM pg_temp.adopt_apply_log();
    views := pg_temp.adopt_views();
    PERFORM pg_temp.adopt_views_drop(views);

    -- contacts, in place: one rewrite.
    IF pg_temp.adopt_type('public.contacts', 'name') IS NOT NULL THEN
        INSERT INTO public.convo_adopt_nulls SELECT 'contacts.name', id FROM public.contacts WHERE name IS NULL;
        UPDATE public.contacts SET name = '' WHERE name IS NULL;
        alter_c := alter_c || 'ALTER COLUMN name TYPE text'::text || 'ALTER COLUMN name SET DEFAULT '''''::text
                           || 'ALTER COLUMN name SET NOT NULL'::text;
    ELSE
        alter_c := alter_c || 'ADD COLUMN name text NOT NULL DEFAULT '''''::text;
    END IF;
    FOR r IN SELECT name, type FROM pg_temp.adopt_columns('public.contacts') LOOP
        IF r.name = 'phone_number' AND r.type <> 'text' THEN
            alter_c := alter_c || 'ALTER COLUMN phone_number TYPE text'::text;
        ELSIF r.name IN ('created_at', 'updated_at') AND r.type = 'timestamp without time zone' THEN
            alter_c := alter_c || format('ALTER COLUMN %1$I TYPE timestamptz USING %1$I AT TIME ZONE %2$L',
                                         r.name, s.zone);
        END IF;
    END LOOP;
    alter_c := alter_c || 'ADD COLUMN last_message_at timestamptz'::text || 'ADD COLUMN last_message_id bigint'::text;
    EXECUTE 'ALTER TABLE public.contacts ' || array_to_string(alter_c, ', ');

    -- The old table: out of the way, its foreign keys kept aside (they
    -- would stop a contact's deletion for rows that live on in the new table).
    FOR r IN SELECT c.relname::text AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE i.indrelid = 'public.messages'::regclass LOOP
        renames := renames || jsonb_build_object('old', r.name, 'new', left(r.name, 50) || '_before_convo');
        EXECUTE format('ALTER INDEX public.%I RENAME TO %I', r.name, left(r.name, 50) || '_before_convo');
    END LOOP;
    FOR r IN SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
              WHERE conrelid = 'public.messages'::regclass AND contype = 'f' LOOP
        fks := fks || jsonb_build_object('name', r.name, 'def', r.def);
        EXECUTE format('ALTER TABLE public.messages DROP CONSTRAINT %I', r.name);
    END LOOP;
    DROP TRIGGER convo_adopt_log ON public.messages;
    DROP TRIGGER convo_adopt_log_truncate ON public.messages;
    DROP FUNCTION public.convo_adopt_log_change();
    DROP TABLE public.convo_adopt_log;
    ALTER TABLE public.messages RENAME TO messages_before_convo;

    -- The new one in its place.
    DROP INDEX convo_adopt.convo_adopt_id;
    FOR r IN SELECT inhrelid::regclass AS part FROM pg_inherits
              WHERE inhparent = 'convo_adopt.messages'::regclass LOOP
        EXECUTE format('ALTER TABLE %s SET SCHEMA public', r.part);
    END LOOP;
    ALTER TABLE convo_adopt.messages SET SCHEMA public;
    DROP SCHEMA convo_adopt;
    seq := s.orig->>'sequence';
    IF seq IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s AS bigint OWNED BY public.messages.id', seq);
    END IF;
    PERFORM pg_temp.adopt_views_create(views);
    UPDATE public.convo_adopt_state
       SET phase = 'swapped', orig = orig || jsonb_build_object('renames', renames, 'fks', fks, 'views', views);
END $$;

-- After convo's migrations: every pointer computed the way 004_live's
-- triggers do, under their lock (a removal at +infinity makes
-- convo_pointer_apply look the newest message up again), so that rows
-- written between the swap and the triggers' creation count too.
CREATE PROCEDURE pg_temp.adopt_settle()
LANGUAGE plpgsql AS $$
DECLARE
    ids int[];
    last int := -2147483648;
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NULL
       OR (SELECT phase FROM public.convo_adopt_state) <> 'swapped' THEN
        RETURN;
    END IF;
    LOOP
        SELECT array_agg(id ORDER BY id) INTO ids
          FROM (SELECT id FROM public.contacts WHERE id > last ORDER BY id LIMIT 5000) c;
        EXIT WHEN ids IS NULL;
        PERFORM public.convo_pointer_apply(ids,
            array_fill('infinity'::timestamptz, ARRAY[cardinality(ids)]),
            array_fill(9223372036854775807::bigint, ARRAY[cardinality(ids)]), NULL, NULL);
        last := ids[cardinality(ids)];
        COMMIT;
    END LOOP;
    ANALYZE public.messages;
    ANALYZE public.contacts;
    UPDATE public.convo_adopt_state SET phase = 'adopted';
    COMMIT;
END $$;

CREATE PROCEDURE pg_temp.adopt_finish()
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NULL THEN
        RAISE EXCEPTION 'no adoption to finish';
    END IF;
    IF (SELECT phase FROM public.convo_adopt_state) <> 'adopted' THEN
        RAISE EXCEPTION 'the adoption is not complete (phase %): run ./run setup --adopt to complete it,'
                        ' or ./run adopt-undo', (SELECT phase FROM public.convo_adopt_state);
    END IF;
    DROP TABLE public.messages_before_convo;
    DROP TABLE public.convo_adopt_nulls;
    DROP TABLE public.convo_adopt_state;
END $$;


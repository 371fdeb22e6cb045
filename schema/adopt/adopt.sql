-- schema/adopt/adopt.sql: converting a database of the user's own contacts
-- and messages tables into convo's shape in place (./run setup --adopt), and
-- back (./run adopt-undo). Not a migration: ./run loads it into one session
-- (everything here lives in pg_temp and goes with the session) and calls
-- its steps, one psql each:
--
--   adopt_plan(zone)     what would change, or an error naming what stops it
--   adopt_prepare(zone)  the state kept for undo, a trigger on messages that
--                        logs the ids writers touch, extensions, and an empty
--                        month-partitioned copy of messages in the schema
--                        convo_adopt
--   adopt_copy()         rows in batches of ids, one transaction each
--   adopt_build()        keys, foreign keys, convo's and the user's indexes
--   adopt_catch_up()     re-copies the rows the log names, until it is short
--   adopt_swap()         one short transaction: locks messages and contacts,
--                        applies the rest of the log, converts contacts, and
--                        renames old -> messages_before_convo, new -> messages
--   (./run then applies schema/NNN_*.sql through the ledger)
--   adopt_settle()       every contact's pointer recomputed under the
--                        pointer's own locking rule (004_live), phase adopted
--   adopt_finish()       drops messages_before_convo and the undo state
--   adopt_undo()         before the swap: removes what prepare made; after:
--                        brings messages_before_convo up to date with every
--                        row of messages, converted back, and restores the
--                        original tables, dropping everything convo added
--
-- Every step is one transaction or a run of them that a later call resumes
-- (public.convo_adopt_state says how far it got). Until the swap the user's
-- tables are untouched but for the log trigger; a step that fails or is
-- killed leaves them working as before.
SET client_min_messages = warning;
SET search_path = public;
-- A killed ./run ends its statement here within a second.
SET client_connection_check_interval = '1s';

-- The columns of rel, in order.
CREATE FUNCTION pg_temp.adopt_columns(rel regclass)
RETURNS TABLE (name text, type text, typid oid, required boolean, def text, identity boolean)
LANGUAGE sql STABLE AS $$
    SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypid, a.attnotnull,
           pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '' OR a.attgenerated <> ''
      FROM pg_attribute a
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum
$$;

CREATE FUNCTION pg_temp.adopt_type(rel regclass, col text) RETURNS oid
LANGUAGE sql STABLE AS $$
    SELECT typid FROM pg_temp.adopt_columns(rel) WHERE name = col
$$;

-- none (nothing to adopt: no tables, or convo's), foreign (the user's
-- tables), or the phase of an adoption under way.
CREATE FUNCTION pg_temp.adopt_status() RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    m regclass := to_regclass('public.messages');
    c regclass := to_regclass('public.contacts');
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NOT NULL THEN
        RETURN (SELECT phase FROM public.convo_adopt_state);
    END IF;
    IF m IS NULL AND c IS NULL THEN
        RETURN 'none';
    END IF;
    IF m IS NOT NULL AND c IS NOT NULL
       AND (SELECT relkind FROM pg_class WHERE oid = m) = 'p'
       AND pg_temp.adopt_type(m, 'direction') IS NOT NULL
       AND pg_temp.adopt_type(c, 'last_message_id') IS NOT NULL THEN
        RETURN 'none';
    END IF;
    RETURN 'foreign';
END $$;

-- The zone of the adoption under way, else given.
CREATE FUNCTION pg_temp.adopt_zone(given text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NOT NULL THEN
        RETURN (SELECT zone FROM public.convo_adopt_state);
    END IF;
    RETURN given;
END $$;

-- The month partitions the rows need (UTC months, as convo_month_bounds in
-- 003_partitions), and the current month and the next two.
CREATE FUNCTION pg_temp.adopt_months(zone text) RETURNS SETOF timestamptz
LANGUAGE plpgsql AS $$
DECLARE
    at text := pg_temp.adopt_time_expr('o.created_at', zone);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT DISTINCT date_trunc(''month'', t AT TIME ZONE ''UTC'') AT TIME ZONE ''UTC'''
        '  FROM (SELECT %s AS t FROM public.messages o'
        '        UNION ALL SELECT now() + make_interval(months => g) FROM generate_series(0, 2) g) s'
        ' ORDER BY 1', at);
END $$;

-- created_at as an instant: a timestamp is read in zone.
CREATE FUNCTION pg_temp.adopt_time_expr(col text, zone text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_temp.adopt_type('public.messages', 'created_at') = 'timestamp'::regtype
                THEN format('(%s AT TIME ZONE %L)', col, zone) ELSE col END
$$;

CREATE FUNCTION pg_temp.adopt_partition_name(lo timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'messages_y' || to_char(lo AT TIME ZONE 'UTC', 'YYYY') || 'm' || to_char(lo AT TIME ZONE 'UTC', 'MM')
$$;

-- The views and materialised views over contacts or messages (and over
-- those), in the order they were made: the swap drops them and makes them
-- again over the new tables, undo over the original ones. Each with what
-- making it again takes: definition, options, owner, grants, indexes, comment.
CREATE FUNCTION pg_temp.adopt_views() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE dep(oid) AS (
        SELECT w.ev_class FROM pg_depend d JOIN pg_rewrite w ON w.oid = d.objid
         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
           AND d.refobjid IN (to_regclass('public.contacts'), to_regclass('public.messages'))
           AND w.ev_class NOT IN (to_regclass('public.contacts'), to_regclass('public.messages'))
        UNION
        SELECT w.ev_class FROM dep JOIN pg_depend d ON d.refobjid = dep.oid
          JOIN pg_rewrite w ON w.oid = d.objid
         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
           AND w.ev_class <> dep.oid)
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'oid', c.oid, 'name', c.oid::regclass::text, 'kind', c.relkind,
               'def', rtrim(pg_get_viewdef(c.oid), ';'), 'options', array_to_string(c.reloptions, ', '),
               'owner', pg_get_userbyid(c.relowner), 'populated', c.relispopulated,
               'comment', obj_description(c.oid, 'pg_class'),
               'indexes', (SELECT coalesce(jsonb_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid), '[]')
                             FROM pg_index i WHERE i.indrelid = c.oid),
               'grants', (SELECT coalesce(jsonb_agg(format('GRANT %s ON %s TO %s', a.privilege_type, c.oid::regclass,
                                                          CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                                               ELSE quote_ident(pg_get_userbyid(a.grantee)) END)), '[]')
                            FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner))
           ORDER BY c.oid), '[]')
      FROM pg_class c WHERE c.oid IN (SELECT oid FROM dep)
$$;

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

-- What stops an adoption, each with what the user can do; empty when
-- nothing does.
CREATE FUNCTION pg_temp.adopt_refusals(zone text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    m regclass := to_regclass('public.messages');
    c regclass := to_regclass('public.contacts');
    r record;
    bad text;
    n bigint;
    resuming boolean := to_regclass('public.convo_adopt_state') IS NOT NULL;
    columns_ok boolean := true;
BEGIN
    IF m IS NULL OR c IS NULL THEN
        RETURN NEXT 'adopt needs both a contacts and a messages table in the schema public';
        RETURN;
    END IF;
    IF (SELECT relkind FROM pg_class WHERE oid = m) <> 'r'
       OR EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = m OR inhparent = m) THEN
        RETURN NEXT 'messages is partitioned or inherited already: adopt converts a plain table;'
                    ' copy the data into a database of convo''s with ./run import SOURCE instead';
        RETURN;
    END IF;
    -- The columns convo reads, under the names the application uses.
    FOR r IN SELECT * FROM (VALUES (c, 'id', '{int4}'), (c, 'phone_number', '{text,varchar,bpchar}'),
                                   (c, 'created_at', '{timestamp,timestamptz}'),
                                   (c, 'updated_at', '{timestamp,timestamptz}'),
                                   (m, 'id', '{int2,int4,int8}'), (m, 'contact_id', '{int4}'),
                                   (m, 'content', '{text,varchar,bpchar}'),
                                   (m, 'created_at', '{timestamp,timestamptz}')) w(rel, col, types) LOOP
        IF pg_temp.adopt_type(r.rel, r.col) IS NULL THEN
            IF r.rel = m AND r.col = 'created_at' THEN
                bad := (SELECT string_agg(name, ', ') FROM pg_temp.adopt_columns(m)
                         WHERE typid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype));
                RETURN NEXT format('messages has no created_at column%s: adopt keeps the column names'
                    ' the application uses; rename the time column (ALTER TABLE messages RENAME COLUMN %s'
                    ' TO created_at, and in the application), or copy the data into a database of'
                    ' convo''s with ./run import SOURCE',
                    coalesce(' (its time is in ' || bad || ')', ''), coalesce(split_part(bad, ', ', 1), '...'));
            ELSE
                RETURN NEXT format('%s has no column %s', r.rel, r.col);
            END IF;
            columns_ok := false;
        ELSIF (SELECT typname FROM pg_type WHERE oid = pg_temp.adopt_type(r.rel, r.col)) <> ALL (r.types::text[]) THEN
            RETURN NEXT format('%s.%s is %s; adopt converts only %s', r.rel, r.col,
                               (SELECT type FROM pg_temp.adopt_columns(r.rel) WHERE name = r.col),
                               array_to_string(r.types::text[], ', '));
            columns_ok := false;
        END IF;
    END LOOP;
    IF pg_temp.adopt_type(c, 'name') IS NOT NULL
       AND (SELECT typname FROM pg_type WHERE oid = pg_temp.adopt_type(c, 'name')) NOT IN ('text', 'varchar') THEN
        RETURN NEXT 'contacts.name is not text or varchar';
    END IF;
    FOR r IN SELECT * FROM (VALUES (c, 'last_message_at'), (c, 'last_message_id'), (m, 'direction')) w(rel, col) LOOP
        IF pg_temp.adopt_type(r.rel, r.col) IS NOT NULL THEN
            RETURN NEXT format('%s already has a column %s, which convo would add: rename it first', r.rel, r.col);
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_temp.adopt_columns(m) WHERE identity) THEN
        RETURN NEXT 'messages has an identity or generated column: adopt handles serial ids only';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = m AND i.indisunique AND i.indnkeyatts = 1
                      AND i.indkey[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = m AND attname = 'id')
                      AND i.indpred IS NULL) THEN
        RETURN NEXT 'messages.id has no unique index: adopt copies rows by id';
    END IF;
    -- Keys a table partitioned by time cannot have.
    FOR r IN SELECT i.indexrelid::regclass AS idx FROM pg_index i
              WHERE i.indrelid = m AND (i.indisunique OR i.indisexclusion)
                AND NOT (i.indnkeyatts = 1 AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                                                WHERE attrelid = m AND attname = 'id')) LOOP
        RETURN NEXT format('messages: the unique index %s cannot be kept on a table partitioned by time'
                           ' (a unique key there must hold created_at): drop it first (DROP INDEX %s)', r.idx, r.idx);
    END LOOP;
    FOR r IN SELECT k.conname, k.conrelid::regclass AS rel FROM pg_constraint k
              WHERE k.contype = 'f' AND k.confrelid = m AND k.conrelid <> m LOOP
        RETURN NEXT format('the foreign key %s of %s references messages: a table partitioned by time has no'
                           ' unique key on id alone; drop it first (ALTER TABLE %s DROP CONSTRAINT %I)',
                           r.conname, r.rel, r.rel, r.conname);
    END LOOP;
    FOR r IN SELECT t.tgname, t.tgrelid::regclass AS v FROM pg_trigger t
              WHERE t.tgrelid IN (SELECT (v->>'oid')::oid FROM jsonb_array_elements(pg_temp.adopt_views()) v) LOOP
        RETURN NEXT format('the view %s over contacts or messages has the trigger %s, which adopt would not'
                           ' carry over: drop it first and create it again after', r.v, r.tgname);
    END LOOP;
    FOR r IN SELECT tgname FROM pg_trigger WHERE tgrelid = m AND NOT tgisinternal
                AND tgname NOT LIKE 'convo\_adopt\_log%' LOOP
        RETURN NEXT format('messages has the trigger %s, which adopt would not carry over: drop it first'
                           ' and create it on the new table after', r.tgname);
    END LOOP;
    IF (SELECT relrowsecurity FROM pg_class WHERE oid = m) THEN
        RETURN NEXT 'messages has row level security, which adopt would not carry over';
    END IF;
    IF to_regclass('public.messages_before_convo') IS NOT NULL THEN
        RETURN NEXT 'a table messages_before_convo exists already (a finished adoption? ./run adopt-finish drops it)';
    END IF;
    IF to_regnamespace('convo_adopt') IS NOT NULL AND NOT resuming THEN
        RETURN NEXT 'a schema convo_adopt exists already: adopt builds the new table there';
    END IF;
    IF NOT columns_ok THEN
        RETURN;   -- the rows cannot be looked at through columns that are not there
    END IF;
    -- What convo's migrations would refuse after the swap.
    SELECT count(*) INTO n FROM public.contacts
     WHERE char_length(phone_number) NOT BETWEEN 1 AND 64;
    IF n > 0 THEN
        RETURN NEXT format('%s contacts have an empty phone number or one over 64 characters, which'
                           ' convo refuses (contacts_phone_number_length): correct them first', n);
    END IF;
    FOR r IN EXECUTE format(
        'SELECT count(*) FILTER (WHERE contact_id IS NULL) AS no_contact,'
        '       count(*) FILTER (WHERE created_at IS NULL) AS no_time,'
        '       count(*) FILTER (WHERE NOT isfinite(%1$s) OR %1$s >= ''100000-01-01 00:00:00+00'') AS bad_time,'
        '       count(*) FILTER (WHERE contact_id IS NOT NULL AND NOT EXISTS'
        '                        (SELECT 1 FROM public.contacts c WHERE c.id = o.contact_id)) AS orphans'
        '  FROM public.messages o', pg_temp.adopt_time_expr('o.created_at', zone)) LOOP
        IF r.no_contact > 0 THEN
            RETURN NEXT format('%s messages have no contact_id: give them a contact or delete them first', r.no_contact);
        END IF;
        IF r.no_time > 0 THEN
            RETURN NEXT format('%s messages have no created_at: give them a time or delete them first', r.no_time);
        END IF;
        IF r.bad_time > 0 THEN
            RETURN NEXT format('%s messages have an infinite time or one past the year 99999, which convo'
                               ' refuses (messages_created_at_supported): correct them first', r.bad_time);
        END IF;
        IF r.orphans > 0 THEN
            RETURN NEXT format('%s messages name a contact that does not exist: delete them first', r.orphans);
        END IF;
    END LOOP;
    IF NOT resuming THEN
        FOR r IN SELECT pg_temp.adopt_partition_name(t) AS p FROM pg_temp.adopt_months(zone) t
                  UNION ALL SELECT 'messages_default' LOOP
            IF to_regclass(format('public.%I', r.p)) IS NOT NULL THEN
                RETURN NEXT format('a relation %s exists already, the name of one of the new partitions', r.p);
            END IF;
        END LOOP;
    END IF;
END $$;

-- The plan: one line per change, with rows, time and disk. Raises the
-- refusals as one error.
CREATE FUNCTION pg_temp.adopt_plan(zone text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    why text;
    m regclass := 'public.messages';
    c regclass := 'public.contacts';
    nc bigint; nm bigint; nulls bigint; gaps bigint; nnames bigint := 0;
    months int; lo timestamptz; hi timestamptz;
    changes text[] := '{}';
    t record;
    secs numeric;
    disk bigint;
    tz_default text := current_setting('TimeZone');
BEGIN
    PERFORM now() AT TIME ZONE zone;   -- an unknown zone fails here
    SELECT string_agg(r, '; ') INTO why FROM pg_temp.adopt_refusals(zone) r;
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'cannot adopt this database, nothing was changed: %', why;
    END IF;
    SELECT count(*) INTO nc FROM public.contacts;
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE content IS NULL), min(%1$s), max(%1$s),'
                   '       count(*) FILTER (WHERE %2$s)'
                   '  FROM public.messages o', pg_temp.adopt_time_expr('o.created_at', zone),
                   CASE WHEN pg_temp.adopt_type(m, 'created_at') = 'timestamp'::regtype
                        THEN format('(o.created_at AT TIME ZONE %1$L) AT TIME ZONE %1$L <> o.created_at', zone)
                        ELSE 'false' END)
        INTO nm, nulls, lo, hi, gaps;
    SELECT count(*) INTO months FROM pg_temp.adopt_months(zone);
    IF to_regclass('public.convo_adopt_state') IS NOT NULL THEN
        RETURN NEXT format('adopt: resuming the adoption begun at %s (phase %s)',
                           (SELECT started_at FROM public.convo_adopt_state),
                           (SELECT phase FROM public.convo_adopt_state));
    END IF;
    RETURN NEXT format('adopt: the plan for the database %s (times without zone read as %s):',
                       current_database(), zone);
    -- contacts
    FOR t IN SELECT name, type FROM pg_temp.adopt_columns(c) ORDER BY name LOOP
        IF t.name = 'phone_number' AND t.type <> 'text' THEN
            changes := changes || format('phone_number %s -> text', t.type);
        ELSIF t.name IN ('created_at', 'updated_at') AND t.type = 'timestamp without time zone' THEN
            changes := changes || format('%s timestamp -> timestamptz (read as %s)', t.name, zone);
        ELSIF t.name = 'name' THEN
            EXECUTE 'SELECT count(*) FROM public.contacts WHERE name IS NULL' INTO nnames;
            changes := changes || format('name %s -> text NOT NULL DEFAULT '''' (%s NULL names become '''')',
                                         t.type, nnames);
        END IF;
    END LOOP;
    IF pg_temp.adopt_type(c, 'name') IS NULL THEN
        changes := changes || 'add name text NOT NULL DEFAULT '''''::text;
    END IF;
    changes := changes || 'add last_message_at timestamptz, last_message_id bigint (each contact''s latest message)'::text;
    RETURN NEXT format('  contacts (%s rows, %s): %s; rewritten in the final swap', nc,
                       pg_size_pretty(pg_total_relation_size(c)), array_to_string(changes, '; '));
    -- messages
    changes := '{}';
    IF pg_temp.adopt_type(m, 'id') <> 'int8'::regtype THEN
        changes := changes || format('id %s -> bigint (the sequence %s keeps numbering)',
                                     format_type(pg_temp.adopt_type(m, 'id'), NULL),
                                     coalesce(pg_get_serial_sequence('public.messages', 'id'), 'none'));
    END IF;
    IF pg_temp.adopt_type(m, 'created_at') = 'timestamp'::regtype THEN
        changes := changes || format('created_at timestamp -> timestamptz (read as %s)', zone);
    END IF;
    changes := changes || format('content NOT NULL (%s NULL contents become '''')', nulls);
    changes := changes || 'add direction text NOT NULL DEFAULT ''in'''::text;
    changes := changes || format('primary key (created_at, id), partitioned by month: %s partitions%s and messages_default',
                                 months, coalesce(format(' (%s .. %s)', to_char(lo AT TIME ZONE 'UTC', 'YYYY-MM'),
                                                         to_char(greatest(hi, now() + interval '2 months') AT TIME ZONE 'UTC', 'YYYY-MM')), ''));
    RETURN NEXT format('  messages (%s rows, %s): copied into a new table while writers carry on'
                       ' (a trigger logs what they change; the catch-up applies it); %s',
                       nm, pg_size_pretty(pg_total_relation_size(m)), array_to_string(changes, '; '));
    IF gaps > 0 THEN
        RETURN NEXT format('  note: %s message times do not exist in %s (a daylight-saving gap):'
                           ' they become the instant an hour later, and adopt-undo gives them back so', gaps, zone);
    END IF;
    SELECT string_agg(i.indexrelid::regclass::text, ', ') INTO why FROM pg_index i
     WHERE i.indrelid = m AND NOT i.indisunique;
    RETURN NEXT format('  indexes on the new messages: convo''s (contact and time, trigram and n-gram'
                       ' search)%s, built before the swap', coalesce(' and yours (' || why || ')', ''));
    SELECT string_agg((v->>'name') || CASE WHEN v->>'kind' = 'm' AND (v->>'populated')::boolean
                                           THEN ' (materialised: its query runs in the swap)' ELSE '' END, ', ')
      INTO why FROM jsonb_array_elements(pg_temp.adopt_views()) v;
    IF why IS NOT NULL THEN
        RETURN NEXT format('  views made again over the new tables in the swap, with their owners, grants'
                           ' and indexes: %s', why);
    END IF;
    RETURN NEXT '  swap: one short transaction locks messages and contacts, applies the last changes,'
                ' converts contacts and renames messages -> messages_before_convo, the new table -> messages';
    RETURN NEXT format('  then convo''s schema files through the ledger (triggers that keep the pointers,'
                       ' contact indexes), and the pointers of %s contacts computed', nc);
    -- About 100k rows a second to copy and 40k to index, on the machine
    -- this was measured on; the copy and its indexes take about three
    -- times the table's heap.
    secs := ceil(nm / 100000.0 + nm / 40000.0 + nc / 50000.0 + 2);
    disk := 3 * pg_relation_size(m) + pg_total_relation_size(c);
    RETURN NEXT format('  estimate: about %s s, about %s more disk while messages_before_convo is kept',
                       secs, pg_size_pretty(disk));
    IF pg_temp.adopt_type(m, 'created_at') = 'timestamp'::regtype
       AND NOT (SELECT bool_and(w AT TIME ZONE zone = w AT TIME ZONE tz_default)
                  FROM generate_series(now() - interval '30 years', now() + interval '1 year', interval '1 week') w) THEN
        RETURN NEXT format('  note: sessions here use TimeZone %s: a timestamp the application writes after'
                           ' the adoption is read in its session''s zone, not %s', tz_default, zone);
    END IF;
    RETURN NEXT '  undo: ./run adopt-undo restores the original tables (with rows written since);'
                ' ./run adopt-finish drops messages_before_convo and ends the chance to undo';
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
    FOREACH e IN ARRAY ARRAY['pg_trgm', 'intarray', 'convo_grams'] LOOP
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

-- Before the swap: what prepare made goes; the user's tables were not touched.
CREATE PROCEDURE pg_temp.adopt_undo_unswapped()
LANGUAGE plpgsql AS $$
DECLARE
    e text;
    made jsonb := (SELECT orig->'made_extensions' FROM public.convo_adopt_state);
BEGIN
    DROP TRIGGER IF EXISTS convo_adopt_log ON public.messages;
    DROP TRIGGER IF EXISTS convo_adopt_log_truncate ON public.messages;
    DROP FUNCTION IF EXISTS public.convo_adopt_log_change();
    DROP SCHEMA IF EXISTS convo_adopt CASCADE;
    DROP TABLE IF EXISTS public.convo_adopt_log;
    DROP TABLE public.convo_adopt_nulls;
    DROP TABLE public.convo_adopt_state;
    FOR e IN SELECT jsonb_array_elements_text(coalesce(made, '[]')) ORDER BY 1 LOOP
        EXECUTE format('DROP EXTENSION IF EXISTS %I', e);
    END LOOP;
END $$;

-- After the swap: the rows of messages (those written since included)
-- back into the original table, the original layout back, and every
-- object convo added dropped. One transaction: it all happens or none.
CREATE PROCEDURE pg_temp.adopt_undo_swapped()
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    r record;
    inv jsonb;
    alter_c text[] := '{}';
BEGIN
    SELECT * INTO s FROM public.convo_adopt_state;
    inv := s.orig;
    LOCK TABLE public.messages IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE public.contacts IN ACCESS EXCLUSIVE MODE;
    PERFORM pg_temp.adopt_views_drop(coalesce(inv->'views', '[]'));
    -- messages_before_convo := messages, converted back; unchanged rows stay.
    EXECUTE format('CREATE TEMP TABLE adopt_back ON COMMIT DROP AS SELECT %s FROM public.messages n', s.back);
    CREATE INDEX ON pg_temp.adopt_back (id);
    ANALYZE pg_temp.adopt_back;
    DELETE FROM public.messages_before_convo o
     WHERE NOT EXISTS (SELECT 1 FROM pg_temp.adopt_back b WHERE b.id = o.id AND b::text = o::text);
    INSERT INTO public.messages_before_convo
    SELECT b.* FROM pg_temp.adopt_back b
     WHERE NOT EXISTS (SELECT 1 FROM public.messages_before_convo o WHERE o.id = b.id);
    FOR r IN SELECT * FROM jsonb_to_recordset(inv->'fks') AS x(name text, def text) LOOP
        EXECUTE format('ALTER TABLE public.messages_before_convo ADD CONSTRAINT %I %s', r.name, r.def);
    END LOOP;
    IF inv->>'sequence' IS NOT NULL THEN
        EXECUTE format('ALTER SEQUENCE %s AS %s OWNED BY public.messages_before_convo.id',
                       inv->>'sequence', inv->>'sequence_type');
    END IF;
    DROP TABLE public.messages;
    FOR r IN SELECT * FROM jsonb_to_recordset(inv->'renames') AS x(old text, new text) LOOP
        EXECUTE format('ALTER INDEX public.%I RENAME TO %I', r.new, r.old);
    END LOOP;
    ALTER TABLE public.messages_before_convo RENAME TO messages;

    -- contacts: what convo added goes, the columns get their types back.
    FOR r IN SELECT indexrelid::regclass AS idx FROM pg_index i
              WHERE indrelid = 'public.contacts'::regclass
                AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                AND (SELECT relname::text FROM pg_class WHERE oid = i.indexrelid)
                    NOT IN (SELECT jsonb_array_elements_text(inv->'relations')) LOOP
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
    FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = 'public.contacts'::regclass
                AND conname::text NOT IN (SELECT jsonb_array_elements_text(inv->'contacts_constraints')) LOOP
        EXECUTE format('ALTER TABLE public.contacts DROP CONSTRAINT %I', r.conname);
    END LOOP;
    FOR r IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.contacts'::regclass AND NOT tgisinternal
                AND tgname::text NOT IN (SELECT jsonb_array_elements_text(inv->'contacts_triggers')) LOOP
        EXECUTE format('DROP TRIGGER %I ON public.contacts', r.tgname);
    END LOOP;
    FOR r IN SELECT c.name FROM pg_temp.adopt_columns('public.contacts') c
              WHERE c.name NOT IN (SELECT x->>'name' FROM jsonb_array_elements(inv->'contacts_columns') x) LOOP
        alter_c := alter_c || format('DROP COLUMN %I', r.name);
    END LOOP;
    FOR r IN SELECT x.name, x.type, x.required, x.def, c.type AS now_type
               FROM jsonb_to_recordset(inv->'contacts_columns') AS x(name text, type text, required boolean, def text)
               JOIN pg_temp.adopt_columns('public.contacts') c ON c.name = x.name
              WHERE x.name IN ('phone_number', 'created_at', 'updated_at', 'name') LOOP
        IF r.type <> r.now_type THEN
            alter_c := alter_c || format('ALTER COLUMN %I TYPE %s%s', r.name, r.type,
                CASE WHEN r.now_type = 'timestamp with time zone'
                     THEN format(' USING %I AT TIME ZONE %L', r.name, s.zone) ELSE '' END);
        END IF;
        alter_c := alter_c || CASE WHEN r.def IS NULL THEN format('ALTER COLUMN %I DROP DEFAULT', r.name)
                                   ELSE format('ALTER COLUMN %I SET DEFAULT %s', r.name, r.def) END
                           || format('ALTER COLUMN %I %s NOT NULL', r.name, CASE WHEN r.required THEN 'SET' ELSE 'DROP' END);
    END LOOP;
    EXECUTE 'ALTER TABLE public.contacts ' || array_to_string(alter_c, ', ');
    IF pg_temp.adopt_type('public.contacts', 'name') IS NOT NULL THEN
        UPDATE public.contacts c SET name = NULL FROM public.convo_adopt_nulls x
         WHERE x.col = 'contacts.name' AND x.id = c.id AND c.name = '';
    END IF;

    PERFORM pg_temp.adopt_views_create(coalesce(inv->'views', '[]'));

    -- convo's routines and tables, and the extensions adopt created.
    FOR r IN SELECT p.oid::regprocedure AS f, p.prokind FROM pg_proc p
              WHERE p.pronamespace = 'public'::regnamespace
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                                   AND d.objid = p.oid AND d.deptype = 'e')
                AND p.oid::regprocedure::text NOT IN (SELECT jsonb_array_elements_text(inv->'routines'))
                AND p.proname LIKE 'convo\_%' LOOP
        EXECUTE format('DROP %s %s', CASE r.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, r.f);
    END LOOP;
    FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
                AND c.relname LIKE 'convo\_%'
                AND c.relname NOT IN ('convo_adopt_state', 'convo_adopt_nulls')
                AND c.relname::text NOT IN (SELECT jsonb_array_elements_text(inv->'relations')) LOOP
        EXECUTE format('DROP TABLE %s', r.rel);
    END LOOP;
    DROP TABLE public.convo_adopt_nulls;
    DROP TABLE public.convo_adopt_state;
    FOR r IN SELECT e FROM jsonb_array_elements_text(inv->'made_extensions') e ORDER BY 1 LOOP
        EXECUTE format('DROP EXTENSION %I', r.e);
    END LOOP;
END $$;

CREATE PROCEDURE pg_temp.adopt_undo()
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('public.convo_adopt_state') IS NULL THEN
        RAISE EXCEPTION 'no adoption to undo (none was begun, or ./run adopt-finish ended it)';
    END IF;
    IF (SELECT phase FROM public.convo_adopt_state) IN ('swapped', 'adopted') THEN
        CALL pg_temp.adopt_undo_swapped();
    ELSE
        CALL pg_temp.adopt_undo_unswapped();
    END IF;
END $$;

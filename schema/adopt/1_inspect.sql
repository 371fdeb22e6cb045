-- schema/adopt/1_inspect.sql: converting a database of the user's own contacts
-- and messages tables into convo's shape in place (./run setup --adopt), and
-- back (./run adopt-undo). Not migrations: ./run loads the three files of
-- schema/adopt/ into one session (everything in them lives in pg_temp and
-- goes with the session) and calls the steps, one psql each. This file
-- looks at the database; 2_convert.sql changes it; 3_undo.sql reverts it.
--
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
--                        applies the rest of the log, converts contacts,
--                        renames old -> messages_before_convo, new -> messages,
--                        and makes the views over them again
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
-- One adoption at a time: two copies of the same rows would both land.
DO $$
BEGIN
    IF NOT pg_try_advisory_lock(hashtext('convo_adopt')) THEN
        RAISE EXCEPTION 'another ./run setup --adopt, adopt-undo or adopt-finish is at work on this database';
    END IF;
END $$;

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


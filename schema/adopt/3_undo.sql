-- schema/adopt/3_undo.sql: ./run adopt-undo (see 1_inspect.sql).

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
    -- Types of convo's own (composites, enums, domains), not a table's row type.
    FOR r IN SELECT t.oid::regtype AS typ FROM pg_type t
              WHERE t.typnamespace = 'public'::regnamespace AND t.typname LIKE 'convo\_%'
                AND t.typtype IN ('c', 'e', 'd')
                AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') LOOP
        EXECUTE format('DROP TYPE %s', r.typ);
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

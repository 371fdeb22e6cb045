-- 015_pointer_notes: the notes of schema 010 carry the arrived message's
-- direction and content, so the commit work (schema 012) writes the copy
-- on the contact from the note instead of reading the message again: a
-- one-row INSERT's commit is then one UPDATE of contacts, with no look-up
-- of messages (that look-up ran with a generic plan over every partition
-- and was pruned only when it started). A removal still looks the
-- contact's newest message up, as before.
--
-- Which note wins: a statement notes, per contact, its greatest arrival;
-- a later statement of the same transaction may edit the message an
-- earlier note carries (an edit is noted as an arrival at the row's own
-- (created_at, id), schema 012). Of two notes with the same (created_at,
-- id) the later one holds the message as it is now, so notes keep their
-- order everywhere: in the setting, by position; in the temporary table,
-- by an identity column; and before a row is noted in the table, the
-- setting's notes move there first, so the table's order is the
-- transaction's order and the setting's notes all come after it.
--
-- Names: the notes are public.convo_pointer_copy_note, kept in the setting
-- convo.pointer_notes and the temporary table pg_temp.convo_pointer_notes
-- (flagged by convo.pointer_spilled), all new: a session that created
-- schema 010's pg_temp.convo_pointer_rows keeps it, of the old type, and
-- a transaction that was under way when this file was applied may hold
-- notes of the old kind (convo.pointer_pending, convo_pointer_rows). Its
-- commit reads those as schema 012 did (a look-up of each arrival) and
-- drops the old table once it is empty.
--
-- Notes as text: each statement's notes are an array of the type cast to
-- text, braces taken off; the setting is those joined by commas, read
-- back with one cast to an array. Every element is quoted (a record has a
-- comma), and inside an element every double quote is escaped by a
-- backslash, so '","' occurs only between two elements: without it the
-- setting holds one note.

DO $$
BEGIN
    IF to_regtype('public.convo_pointer_copy_note') IS NULL THEN
        CREATE TYPE public.convo_pointer_copy_note AS
            (contact_id int, removed boolean, add_us bigint, add_id bigint,
             add_direction text, add_content text);
    END IF;
END $$;

-- The temporary table of this session's notes noted row by row or moved
-- out of the setting, in the order noted (ord), created on first use.
CREATE OR REPLACE FUNCTION public.convo_pointer_notes_table() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.convo_pointer_notes') IS NULL THEN
        CREATE TEMP TABLE convo_pointer_notes (
            ord bigint GENERATED ALWAYS AS IDENTITY,
            contact_id int, removed boolean, add_us bigint, add_id bigint,
            add_direction text, add_content text
        ) ON COMMIT DELETE ROWS;
    END IF;
END $$;

-- Move the setting's notes (PENDING) to the end of the temporary table.
CREATE OR REPLACE FUNCTION public.convo_pointer_spill(pending text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.convo_pointer_notes_table();
    INSERT INTO pg_temp.convo_pointer_notes
           (contact_id, removed, add_us, add_id, add_direction, add_content)
    SELECT u.contact_id, u.removed, u.add_us, u.add_id, u.add_direction, u.add_content
      FROM unnest(('{' || pending || '}')::public.convo_pointer_copy_note[]) WITH ORDINALITY
           u(contact_id, removed, add_us, add_id, add_direction, add_content, n)
     ORDER BY u.n;
    PERFORM set_config('convo.pointer_notes', '', true), set_config('convo.pointer_spilled', '1', true);
END $$;

-- Add a statement's notes after the transaction's earlier ones.
CREATE OR REPLACE FUNCTION public.convo_pointer_add(notes public.convo_pointer_copy_note[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_notes', true);
    more text := notes::text;
BEGIN
    more := substr(more, 2, length(more) - 2);
    IF pending IS NULL OR pending = '' THEN
        pending := more;
    ELSE
        pending := pending || ',' || more;
    END IF;
    IF length(pending) > 65536 THEN
        PERFORM public.convo_pointer_spill(pending);
    ELSE
        PERFORM set_config('convo.pointer_notes', pending, true);
    END IF;
END $$;

-- Notes of schema 010's kind left by a transaction that began before this
-- file was applied, with each arrival's direction and content looked up
-- as schema 012 did; the old temporary table goes once it is empty.
CREATE OR REPLACE FUNCTION public.convo_pointer_old_notes(pending text)
RETURNS public.convo_pointer_copy_note[]
LANGUAGE plpgsql AS $$
DECLARE
    noted public.convo_pointer_note[];
    kept public.convo_pointer_note[];
    notes public.convo_pointer_copy_note[];
BEGIN
    IF pending IS NOT NULL AND pending <> '' THEN
        noted := ('{' || pending || '}')::public.convo_pointer_note[];
    END IF;
    IF to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL THEN
        EXECUTE 'SELECT array_agg(ROW(contact_id, removed, add_us, add_id)::public.convo_pointer_note)'
                ' FROM pg_temp.convo_pointer_rows' INTO kept;
        EXECUTE 'DROP TABLE pg_temp.convo_pointer_rows';
        IF kept IS NOT NULL THEN
            PERFORM public.convo_notify(ARRAY(SELECT DISTINCT contact_id FROM unnest(kept) ORDER BY 1));
        END IF;
    END IF;
    PERFORM set_config('convo.pointer_pending', '', true);
    SELECT array_agg(ROW(o.contact_id, o.removed, o.add_us, o.add_id, m.direction, m.content)
                     ::public.convo_pointer_copy_note)
      INTO notes
      FROM unnest(coalesce(kept, '{}') || coalesce(noted, '{}')) o
      LEFT JOIN LATERAL (SELECT direction, content FROM messages
                          WHERE NOT o.removed AND created_at = public.convo_us_time(o.add_us)
                            AND id = o.add_id AND contact_id = o.contact_id
                          LIMIT 1) m ON true;
    RETURN notes;
END $$;

-- At commit (once per transaction): apply the notes.
CREATE OR REPLACE FUNCTION public.convo_pointer_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_notes', true);
    -- (NULL until a transaction of this session first sets it.)
    spilled boolean := coalesce(current_setting('convo.pointer_spilled', true), '') = '1';
    legacy text := current_setting('convo.pointer_pending', true);
    has_old boolean := (legacy IS NOT NULL AND legacy <> '')
                       OR to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL;
    notes public.convo_pointer_copy_note[]; table_notes public.convo_pointer_copy_note[];
    ids int[]; rem boolean[]; ats timestamptz[]; mids bigint[]; dirs text[]; bodies text[];
    one public.convo_pointer_copy_note;
    at timestamptz;
    moved int[];
BEGIN
    -- Armed again by the next change (after SET CONSTRAINTS ... IMMEDIATE).
    PERFORM set_config('convo.pointer_armed', '', true), set_config('convo.pointer_notes', '', true);
    IF (pending IS NULL OR pending = '') AND NOT spilled AND NOT has_old THEN
        RETURN NULL;
    END IF;
    IF NOT spilled AND NOT has_old AND position('","' IN pending) = 0 THEN
        -- One note (most transactions): statements whose plans do not
        -- depend on the number of notes.
        one := (('{' || pending || '}')::public.convo_pointer_copy_note[])[1];
        IF one.removed THEN
            PERFORM 1 FROM contacts WHERE id = one.contact_id FOR NO KEY UPDATE;
            UPDATE contacts c
               SET (last_message_at, last_message_id, last_message_direction, last_message_content) =
                   (SELECT m.created_at, m.id, m.direction, m.content FROM messages m
                     WHERE m.contact_id = c.id
                     ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
             WHERE c.id = one.contact_id;
        ELSE
            at := public.convo_us_time(one.add_us);
            UPDATE contacts c
               SET last_message_at = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN at ELSE c.last_message_at END,
                   last_message_id = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN one.add_id ELSE c.last_message_id END,
                   last_message_direction = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN one.add_direction ELSE c.last_message_direction END,
                   last_message_content = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN one.add_content ELSE c.last_message_content END
             WHERE c.id = one.contact_id;
        END IF;
        RETURN NULL;
    END IF;
    -- Every note in the order noted: old ones, the table's, the setting's.
    IF has_old THEN
        notes := public.convo_pointer_old_notes(legacy);
    END IF;
    IF spilled THEN
        PERFORM set_config('convo.pointer_spilled', '', true);
        EXECUTE 'SELECT array_agg(ROW(contact_id, removed, add_us, add_id, add_direction, add_content)'
                '::public.convo_pointer_copy_note ORDER BY ord),'
                ' array_agg(DISTINCT contact_id ORDER BY contact_id)'
                ' FROM pg_temp.convo_pointer_notes' INTO table_notes, moved;
        notes := notes || table_notes;
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_notes';
        -- Rows noted one at a time were not notified by their statements.
        IF moved IS NOT NULL THEN
            PERFORM public.convo_notify(moved);
        END IF;
    END IF;
    IF pending IS NOT NULL AND pending <> '' THEN
        notes := notes || ('{' || pending || '}')::public.convo_pointer_copy_note[];
    END IF;
    IF notes IS NULL THEN
        RETURN NULL;
    END IF;
    -- Per contact: whether a message left it, and its greatest arrival;
    -- of notes of the same message the later one (the message as it is).
    SELECT array_agg(n.contact_id ORDER BY n.contact_id), array_agg(n.rem ORDER BY n.contact_id),
           array_agg(public.convo_us_time(n.add_us) ORDER BY n.contact_id),
           array_agg(n.add_id ORDER BY n.contact_id),
           array_agg(n.add_direction ORDER BY n.contact_id), array_agg(n.add_content ORDER BY n.contact_id)
      INTO ids, rem, ats, mids, dirs, bodies
      FROM (SELECT DISTINCT ON (contact_id) contact_id, add_us, add_id, add_direction, add_content,
                   bool_or(removed) OVER (PARTITION BY contact_id) AS rem
              FROM unnest(notes) WITH ORDINALITY
                   u(contact_id, removed, add_us, add_id, add_direction, add_content, k)
             ORDER BY contact_id, add_us DESC NULLS LAST, add_id DESC NULLS LAST, k DESC) n;
    IF cardinality(ids) > 1 OR rem[1] THEN
        -- Several rows, or a read of messages to come: lock first, in order.
        PERFORM 1 FROM contacts WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    IF NOT (true = ALL (rem)) THEN
        -- Arrivals only: the greater of the pointer and the arrival (an
        -- arrival equal to the pointer is an edit of it: its copy again).
        -- Alone, this UPDATE is the lock, and under a concurrent writer READ
        -- COMMITTED re-evaluates it against the row that writer committed;
        -- the copy then stays that writer's, with its pointer.
        UPDATE contacts c
           SET last_message_at = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) <= (a.at, a.mid))
                                      THEN a.at ELSE c.last_message_at END,
               last_message_id = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) <= (a.at, a.mid))
                                      THEN a.mid ELSE c.last_message_id END,
               last_message_direction = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) <= (a.at, a.mid))
                                      THEN a.dir ELSE c.last_message_direction END,
               last_message_content = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) <= (a.at, a.mid))
                                      THEN a.body ELSE c.last_message_content END
          FROM unnest(ids, rem, ats, mids, dirs, bodies) a(id, r, at, mid, dir, body)
         WHERE c.id = a.id AND NOT a.r;
    END IF;
    IF true = ANY (rem) THEN
        -- A message left: look the newest up again, after the lock above.
        UPDATE contacts c
           SET (last_message_at, last_message_id, last_message_direction, last_message_content) =
               (SELECT m.created_at, m.id, m.direction, m.content FROM messages m
                 WHERE m.contact_id = c.id
                 ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
          FROM unnest(ids, rem) r(id, r)
         WHERE c.id = r.id AND r.r;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.convo_messages_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; notes public.convo_pointer_copy_note[];
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id),
           array_agg(ROW(contact_id, false, public.convo_time_us(created_at), id, direction, content)
                     ::public.convo_pointer_copy_note ORDER BY contact_id)
      INTO ids, notes
      FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id, direction, content
              FROM new_rows ORDER BY contact_id, created_at DESC, id DESC) n;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_add(notes);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.convo_messages_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; notes public.convo_pointer_copy_note[];
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id),
           array_agg(ROW(contact_id, true, NULL, NULL, NULL, NULL)::public.convo_pointer_copy_note
                     ORDER BY contact_id)
      INTO ids, notes
      FROM (SELECT DISTINCT contact_id FROM old_rows) o;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_add(notes);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

-- schema 012's UPDATE notes, the arrivals with their direction and content.
CREATE OR REPLACE FUNCTION public.convo_messages_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    notes public.convo_pointer_copy_note[]; touched int[];
    depth int := coalesce(nullif(current_setting('convo.pointer_updating', true), ''), '1')::int;
BEGIN
    PERFORM set_config('convo.pointer_updating', greatest(depth - 1, 0)::text, true);
    SELECT array_agg(DISTINCT contact_id ORDER BY contact_id) INTO touched
      FROM (SELECT contact_id FROM old_rows UNION ALL SELECT contact_id FROM new_rows) t;
    IF touched IS NULL THEN
        RETURN NULL;
    END IF;
    WITH gone AS (SELECT contact_id, created_at, id FROM old_rows
                  EXCEPT SELECT contact_id, created_at, id FROM new_rows),
         came AS (SELECT contact_id, created_at, id, direction, content FROM new_rows
                  EXCEPT SELECT contact_id, created_at, id, direction, content FROM old_rows),
         g AS (SELECT DISTINCT contact_id FROM gone),
         c AS (SELECT DISTINCT ON (contact_id) contact_id, created_at, id, direction, content FROM came
                ORDER BY contact_id, created_at DESC, id DESC)
    SELECT array_agg(ROW(coalesce(g.contact_id, c.contact_id), g.contact_id IS NOT NULL,
                         public.convo_time_us(c.created_at), c.id, c.direction, c.content)
                     ::public.convo_pointer_copy_note)
      INTO notes
      FROM g FULL JOIN c ON c.contact_id = g.contact_id;
    IF notes IS NOT NULL THEN
        PERFORM public.convo_pointer_add(notes);
    END IF;
    PERFORM public.convo_notify(touched);
    RETURN NULL;
END $$;

-- A row deleted from or inserted into a partition while an UPDATE or MERGE
-- runs (schema 010), noted in the table after the setting's notes.
CREATE OR REPLACE FUNCTION public.convo_messages_row_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_notes', true);
BEGIN
    -- Notified at commit, once per transaction (convo_pointer_commit).
    -- The flag set means the table exists (both go with a savepoint).
    IF pending IS NOT NULL AND pending <> '' THEN
        PERFORM public.convo_pointer_spill(pending);
    ELSIF coalesce(current_setting('convo.pointer_spilled', true), '') <> '1' THEN
        PERFORM public.convo_pointer_notes_table(), set_config('convo.pointer_spilled', '1', true);
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO pg_temp.convo_pointer_notes (contact_id, removed)
        VALUES (OLD.contact_id, true);
    ELSE
        INSERT INTO pg_temp.convo_pointer_notes
               (contact_id, removed, add_us, add_id, add_direction, add_content)
        VALUES (NEW.contact_id, false, public.convo_time_us(NEW.created_at), NEW.id,
                NEW.direction, NEW.content);
    END IF;
    RETURN NULL;
END $$;

-- schema 012's TRUNCATE, with the notes of both kinds dropped.
CREATE OR REPLACE FUNCTION public.convo_messages_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convo.pointer_pending', '', true), set_config('convo.pointer_notes', '', true),
            set_config('convo.pointer_spilled', '', true);
    IF to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_rows';
    END IF;
    IF to_regclass('pg_temp.convo_pointer_notes') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_notes';
    END IF;
    UPDATE contacts SET last_message_at = NULL, last_message_id = NULL,
                        last_message_direction = NULL, last_message_content = NULL
     WHERE last_message_id IS NOT NULL OR last_message_content IS NOT NULL;
    PERFORM pg_notify('convo_changes', '*');
    RETURN NULL;
END $$;

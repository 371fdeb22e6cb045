-- 010_pointer_commit: the latest-message pointer contacts.last_message_{at,id}
-- is brought up to date when a transaction commits, for every contact whose
-- messages it changed, whatever its isolation level and however it wrote
-- (INSERT, UPDATE, DELETE, COPY, MERGE; in one statement or many; with
-- savepoints). docs/live.md explains the mechanism; in short:
--
-- * The statement triggers of schema 005 (transition tables, one pass per
--   statement) no longer touch contacts: they only note, per contact, that
--   a message left it and the greatest (created_at, id) that arrived, in a
--   transaction-local setting (convo.pointer_pending). A savepoint rolled
--   back takes its notes with it, like its rows.
-- * A deferred constraint trigger, armed by the transaction's first changed
--   row, runs once at commit: it locks the noted contacts in id order, then
--   writes each one (a look-up of its newest message when one left it, else
--   the greater of the pointer and the arrival).
--
-- Why at commit: a contact's row lock is then the last lock a transaction
-- takes, and it takes no message row lock after it; so a transaction that
-- waits for a contact's lock never holds one another waits for, and writers
-- of the same contacts cannot deadlock through the pointer (a transaction
-- that locked a message row and waits for the contact is never waited for
-- by the contact's holder, who is committing). Why every noted contact is
-- written, even when its pointer stays: a REPEATABLE READ or SERIALIZABLE
-- transaction that would compute a pointer from a snapshot missing another
-- writer's commit then meets that writer's row version and fails with a
-- serialization failure instead.
--
-- MERGE: PostgreSQL 15 gives the statement triggers of a MERGE that moves
-- a row to another partition empty transition tables. Row triggers on the
-- partitions see those moves (a delete from one, an insert into the
-- other); they act only while an UPDATE or MERGE statement runs
-- (convo.pointer_updating, set by a BEFORE UPDATE statement trigger), and
-- note their rows in a temporary table, one insert per row, since rows
-- come one at a time. Pending notes grown past 64 kB move there too.

-- A time as microseconds since 1970 and back, exactly for every time a
-- message can hold (schema 007), whatever DateStyle or TimeZone say.
CREATE OR REPLACE FUNCTION public.convo_time_us(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (extract(epoch FROM t) * 1000000)::bigint
$$;
CREATE OR REPLACE FUNCTION public.convo_us_time(us bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (timestamp '1970-01-01' + (us / 86400000000) * interval '1 day'
            + (us % 86400000000) * interval '1 microsecond') AT TIME ZONE 'UTC'
$$;

-- One note: a message left contact_id (removed), or one arrived
-- (add_us/add_id, the greatest of the statement).
DO $$
BEGIN
    IF to_regtype('public.convo_pointer_note') IS NULL THEN
        CREATE TYPE public.convo_pointer_note AS
            (contact_id int, removed boolean, add_us bigint, add_id bigint);
    END IF;
END $$;

-- The temporary table of this session's row-by-row notes, created on
-- first use; its rows go at commit.
CREATE OR REPLACE FUNCTION public.convo_pointer_rows() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.convo_pointer_rows') IS NULL THEN
        CREATE TEMP TABLE convo_pointer_rows OF public.convo_pointer_note ON COMMIT DELETE ROWS;
    END IF;
END $$;

-- Add a statement's notes (array elements, '"(c,removed,us,id)",...').
CREATE OR REPLACE FUNCTION public.convo_pointer_note(notes text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_pending', true);
BEGIN
    IF pending IS NULL OR pending = '' THEN
        pending := notes;
    ELSE
        pending := pending || ',' || notes;
    END IF;
    IF length(pending) > 65536 THEN
        PERFORM public.convo_pointer_rows();
        INSERT INTO pg_temp.convo_pointer_rows
        SELECT * FROM unnest(('{' || pending || '}')::public.convo_pointer_note[]);
        pending := '';
    END IF;
    PERFORM set_config('convo.pointer_pending', pending, true);
END $$;

-- At commit (once per transaction): apply the notes.
CREATE OR REPLACE FUNCTION public.convo_pointer_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_pending', true);
    spilled boolean := to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL;
    ids int[]; rem boolean[]; ats timestamptz[]; mids bigint[];
    one public.convo_pointer_note;
    at timestamptz;
    moved int[];
BEGIN
    -- Armed again by the next change (after SET CONSTRAINTS ... IMMEDIATE).
    PERFORM set_config('convo.pointer_armed', '', true), set_config('convo.pointer_pending', '', true);
    IF (pending IS NULL OR pending = '') AND NOT spilled THEN
        RETURN NULL;
    END IF;
    IF spilled THEN
        EXECUTE 'SELECT concat_ws('','', nullif($1, ''''), string_agg(format(''"(%s,%s,%s,%s)"'','
                ' contact_id, removed, add_us, add_id), '',''))'
                ' FROM pg_temp.convo_pointer_rows' INTO pending USING pending;
        -- Rows noted one at a time were not notified by their statements.
        EXECUTE 'SELECT array_agg(DISTINCT contact_id ORDER BY contact_id) FROM pg_temp.convo_pointer_rows'
            INTO moved;
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_rows';
        IF moved IS NOT NULL THEN
            PERFORM public.convo_notify(moved);
        END IF;
        IF pending IS NULL OR pending = '' THEN
            RETURN NULL;
        END IF;
    END IF;
    IF position('","' IN pending) = 0 THEN
        -- One note (most transactions): no array to take apart, and
        -- statements whose plans do not depend on its size.
        one := btrim(pending, '"')::public.convo_pointer_note;
        IF one.removed THEN
            PERFORM 1 FROM contacts WHERE id = one.contact_id FOR NO KEY UPDATE;
            UPDATE contacts c
               SET (last_message_at, last_message_id) =
                   (SELECT m.created_at, m.id FROM messages m
                     WHERE m.contact_id = c.id
                     ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
             WHERE c.id = one.contact_id;
        ELSE
            at := public.convo_us_time(one.add_us);
            UPDATE contacts c
               SET last_message_at = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) < (at, one.add_id)
                                          THEN at ELSE c.last_message_at END,
                   last_message_id = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) < (at, one.add_id)
                                          THEN one.add_id ELSE c.last_message_id END
             WHERE c.id = one.contact_id;
        END IF;
        RETURN NULL;
    END IF;
    SELECT array_agg(n.contact_id ORDER BY n.contact_id), array_agg(n.rem ORDER BY n.contact_id),
           array_agg(public.convo_us_time(n.add_us) ORDER BY n.contact_id),
           array_agg(n.add_id ORDER BY n.contact_id)
      INTO ids, rem, ats, mids
      FROM (SELECT DISTINCT ON (contact_id) contact_id, add_us, add_id,
                   bool_or(removed) OVER (PARTITION BY contact_id) AS rem
              FROM unnest(('{' || pending || '}')::public.convo_pointer_note[])
             ORDER BY contact_id, add_us DESC NULLS LAST, add_id DESC NULLS LAST) n;
    IF cardinality(ids) > 1 OR rem[1] THEN
        -- Several rows, or a read of messages to come: lock first, in order.
        PERFORM 1 FROM contacts WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    IF NOT (true = ALL (rem)) THEN
        -- Arrivals only: the greater of the pointer and the arrival. Alone,
        -- this UPDATE is the lock, and under a concurrent writer READ
        -- COMMITTED re-evaluates it against the row that writer committed.
        UPDATE contacts c
           SET last_message_at = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) < (a.at, a.mid))
                                      THEN a.at ELSE c.last_message_at END,
               last_message_id = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) < (a.at, a.mid))
                                      THEN a.mid ELSE c.last_message_id END
          FROM unnest(ids, rem, ats, mids) a(id, r, at, mid)
         WHERE c.id = a.id AND NOT a.r;
    END IF;
    IF true = ANY (rem) THEN
        -- A message left: look the newest up again, after the lock above.
        UPDATE contacts c
           SET (last_message_at, last_message_id) =
               (SELECT m.created_at, m.id FROM messages m
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
    ids int[]; notes text;
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id),
           string_agg(format('"(%s,f,%s,%s)"', contact_id, public.convo_time_us(created_at), id), ',')
      INTO ids, notes
      FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id
              FROM new_rows ORDER BY contact_id, created_at DESC, id DESC) n;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_note(notes);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.convo_messages_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; notes text;
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id),
           string_agg(format('"(%s,t,,)"', contact_id), ',')
      INTO ids, notes
      FROM (SELECT DISTINCT contact_id FROM old_rows) o;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_note(notes);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

-- An UPDATE is a removal of the old versions and an arrival of the new ones,
-- for the rows whose contact, time or id changed. Every contact an updated
-- row belongs to (before or after) is notified, edits of content included.
CREATE OR REPLACE FUNCTION public.convo_messages_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    notes text; touched int[];
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
         came AS (SELECT contact_id, created_at, id FROM new_rows
                  EXCEPT SELECT contact_id, created_at, id FROM old_rows),
         g AS (SELECT DISTINCT contact_id FROM gone),
         c AS (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM came
                ORDER BY contact_id, created_at DESC, id DESC)
    SELECT string_agg(format('"(%s,%s,%s,%s)"', coalesce(g.contact_id, c.contact_id),
                             g.contact_id IS NOT NULL, public.convo_time_us(c.created_at), c.id), ',')
      INTO notes
      FROM g FULL JOIN c ON c.contact_id = g.contact_id;
    IF notes IS NOT NULL THEN
        PERFORM public.convo_pointer_note(notes);
    END IF;
    PERFORM public.convo_notify(touched);
    RETURN NULL;
END $$;

-- Before every UPDATE (or MERGE with an UPDATE action): the row triggers
-- below act until the statement's AFTER trigger.
CREATE OR REPLACE FUNCTION public.convo_messages_updating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convo.pointer_updating',
        (coalesce(nullif(current_setting('convo.pointer_updating', true), ''), '0')::int + 1)::text, true);
    RETURN NULL;
END $$;

-- A row deleted from or inserted into a partition while an UPDATE or MERGE
-- runs: a move between partitions, which a MERGE's transition tables miss.
CREATE OR REPLACE FUNCTION public.convo_messages_row_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Notified at commit, once per transaction (convo_pointer_commit).
    PERFORM public.convo_pointer_rows();
    IF TG_OP = 'DELETE' THEN
        INSERT INTO pg_temp.convo_pointer_rows VALUES (OLD.contact_id, true, NULL, NULL);
    ELSE
        INSERT INTO pg_temp.convo_pointer_rows
        VALUES (NEW.contact_id, false, public.convo_time_us(NEW.created_at), NEW.id);
    END IF;
    RETURN NULL;
END $$;

-- TRUNCATE takes an exclusive lock on messages, so no writer is half-way:
-- no contact has a message any more, and what this transaction noted
-- before is gone with the rows.
CREATE OR REPLACE FUNCTION public.convo_messages_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convo.pointer_pending', '', true);
    IF to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_rows';
    END IF;
    UPDATE contacts SET last_message_at = NULL, last_message_id = NULL
     WHERE last_message_id IS NOT NULL;
    PERFORM pg_notify('convo_changes', '*');
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS messages_track_updating ON messages;
CREATE TRIGGER messages_track_updating
    BEFORE UPDATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION public.convo_messages_updating();

DROP TRIGGER IF EXISTS messages_track_moved ON messages;
CREATE TRIGGER messages_track_moved
    AFTER INSERT OR DELETE ON messages
    FOR EACH ROW
    WHEN (coalesce(current_setting('convo.pointer_updating', true), '') NOT IN ('', '0'))
    EXECUTE FUNCTION public.convo_messages_row_moved();

-- The first changed row of a transaction queues the commit work (the WHEN
-- is evaluated as the row is written and sets the flag, so later rows
-- queue nothing); the flag goes back with a savepoint rolled back, as the
-- queued event does.
DROP TRIGGER IF EXISTS messages_pointer_commit ON messages;
CREATE CONSTRAINT TRIGGER messages_pointer_commit
    AFTER INSERT OR UPDATE OR DELETE ON messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (CASE WHEN current_setting('convo.pointer_armed', true) = '1' THEN false
               ELSE set_config('convo.pointer_armed', '1', true) = '1' END)
    EXECUTE FUNCTION public.convo_pointer_commit();

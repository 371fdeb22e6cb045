-- 004_live: an exact latest-message pointer under concurrent writers, and a
-- change notification per statement for clients that follow the data.
--
-- The pointer contacts.last_message_{at,id} must equal the contact's greatest
-- (created_at, id) after every commit, whatever runs at the same time. The
-- rule that makes it so: every statement that changes a contact's messages
-- locks that contact's row (FOR NO KEY UPDATE, in id order, so two
-- statements never deadlock on each other) and only then reads. A statement
-- in a plpgsql function takes a fresh snapshot in READ COMMITTED, so what it
-- reads after the lock is everything committed by the writers before it:
-- each of them held the same lock until its commit. The lock holder's answer
-- is therefore exact for the committed data plus its own changes, and the
-- next writer of that contact starts from it.
--
-- The pointer itself is every writer's starting point, so most changes cost
-- one row update: a new message only has to beat the pointer. Only when the
-- pointed-at message is deleted or moved does the contact's newest message
-- have to be looked up again (one probe of messages_contact_time).
-- Every change also writes the contact's row (even when the pointer stays),
-- so REPEATABLE READ or SERIALIZABLE writers of the same contact get a
-- serialization failure instead of a stale answer.
--
-- A NOTIFY on channel convo_changes per statement says which contacts
-- changed: their ids, decimal, comma-separated, at most 100; more than that,
-- or a TRUNCATE, gives '*'.

-- A database from before this file may hold pointers the old triggers got
-- wrong: repair them once, the first time this file is applied.
DO $$
BEGIN
    IF to_regprocedure('public.convo_pointer_apply(int[],timestamptz[],bigint[],timestamptz[],bigint[])') IS NULL THEN
        UPDATE contacts c
           SET last_message_at = l.created_at, last_message_id = l.id
          FROM contacts c2
          LEFT JOIN LATERAL (SELECT created_at, id FROM messages m
                              WHERE m.contact_id = c2.id
                              ORDER BY created_at DESC, id DESC LIMIT 1) l ON true
         WHERE c.id = c2.id
           AND (c.last_message_at IS DISTINCT FROM l.created_at
                OR c.last_message_id IS DISTINCT FROM l.id);
    END IF;
END $$;

-- ids: distinct contact ids, ascending. rem_*: per contact the greatest
-- (created_at, id) that left it (deleted or moved away), NULL when none;
-- the arrays themselves NULL when nothing left any (inserts).
-- add_*: the greatest that arrived (inserted or moved in), NULL when none;
-- the arrays NULL when nothing arrived (deletes). A NULL array skips its
-- UPDATE: planning the look-up below opens every partition of messages,
-- which an insert would otherwise pay for nothing.
CREATE OR REPLACE FUNCTION public.convo_pointer_apply(
    ids int[], rem_at timestamptz[], rem_id bigint[],
    add_at timestamptz[], add_id bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    IF cardinality(ids) > 1 OR rem_id[1] IS NOT NULL THEN
        -- Several rows, or a read of messages to come: lock first, in order.
        PERFORM 1 FROM contacts WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
    END IF;
    -- One contact, inserts only: this UPDATE is the lock, and under a
    -- concurrent writer READ COMMITTED re-evaluates it against the row that
    -- writer committed, so the greater of the two wins.
    IF add_id IS NOT NULL THEN
        UPDATE contacts c
           SET last_message_at = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) < (a.at, a.mid))
                                      THEN a.at ELSE c.last_message_at END,
               last_message_id = CASE WHEN a.at IS NOT NULL AND (c.last_message_id IS NULL
                                           OR (c.last_message_at, c.last_message_id) < (a.at, a.mid))
                                      THEN a.mid ELSE c.last_message_id END
          FROM unnest(ids, add_at, add_id) a(id, at, mid)
         WHERE c.id = a.id;
    END IF;
    IF rem_id IS NOT NULL THEN
        -- A pointer at (or, were it ever wrong, below) a message that left the
        -- contact: look the newest message up again, after the lock above.
        UPDATE contacts c
           SET (last_message_at, last_message_id) =
               (SELECT m.created_at, m.id FROM messages m
                 WHERE m.contact_id = c.id
                 ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
          FROM unnest(ids, rem_at, rem_id) r(id, at, mid)
         WHERE c.id = r.id AND r.mid IS NOT NULL
           AND (c.last_message_id IS NULL
                OR (c.last_message_at, c.last_message_id) <= (r.at, r.mid));
    END IF;
END $$;

-- One notification for a statement that changed these contacts.
--
-- PostgreSQL serialises the commits of every transaction that notified
-- (a database-wide lock taken before the commit record and held until the
-- WAL is flushed), so NOTIFY from each writer caps all writers together at
-- one commit per fsync. When the notifier below runs, writers leave the
-- payload in an unlogged queue instead, and the notifier sends it in its
-- own transactions, which need no flush: writers commit in groups again.
-- Without a notifier, the writer notifies itself.
CREATE UNLOGGED TABLE IF NOT EXISTS convo_notify_queue (
    id      bigserial PRIMARY KEY,
    payload text NOT NULL
);

CREATE OR REPLACE FUNCTION public.convo_notify(ids int[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    payload := CASE WHEN cardinality(ids) > 100 THEN '*' ELSE array_to_string(ids, ',') END;
    -- The notifier holds this lock exclusively while it runs.
    IF pg_try_advisory_xact_lock_shared(hashtext('convo_notifier')) THEN
        PERFORM pg_notify('convo_changes', payload);
    ELSE
        INSERT INTO convo_notify_queue (payload) VALUES (payload);
    END IF;
END $$;

-- The notifier: sends what writers queued, one notification per queued
-- statement, a few milliseconds after their commits. Runs until run_seconds pass (0 = for ever); one at a
-- time. pg_cron starts it every minute in the embedded cluster (a start
-- while one runs returns at once).
CREATE OR REPLACE PROCEDURE public.convo_notifier(run_seconds int DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
    stop timestamptz := clock_timestamp() + make_interval(secs => run_seconds);
    p text;
    n int;
    owner boolean := false;
    pause float8 := 0.002;
BEGIN
    -- One notifier at a time: later starts return at once.
    IF NOT pg_try_advisory_lock(hashtext('convo_notifier_run')) THEN
        RETURN;
    END IF;
    -- A notification is not durable anyway: no need to wait for the WAL.
    PERFORM set_config('synchronous_commit', 'off', false);
    LOOP
        -- Take over from the writers: wait for those notifying themselves
        -- to finish (newcomers see the request and queue instead), but not
        -- for long, and send what is queued meanwhile.
        IF NOT owner THEN
            BEGIN
                PERFORM set_config('lock_timeout', '50ms', true);
                PERFORM pg_advisory_lock(hashtext('convo_notifier'));
                owner := true;
            EXCEPTION WHEN lock_not_available THEN
                NULL;
            END;
        END IF;
        n := 0;
        FOR p IN WITH d AS (DELETE FROM convo_notify_queue RETURNING id, payload)
                 SELECT payload FROM d ORDER BY id LOOP
            PERFORM pg_notify('convo_changes', p);
            n := n + 1;
        END LOOP;
        COMMIT;
        EXIT WHEN run_seconds > 0 AND clock_timestamp() > stop;
        -- Idle, it backs off from 2 ms to 20 ms between looks, so a quiet
        -- database costs a fraction of a percent of a core; the first
        -- notification after a pause waits at most 20 ms.
        IF n = 0 THEN
            PERFORM pg_sleep(pause);
            pause := least(pause * 2, 0.02);
            COMMIT;
        ELSE
            pause := 0.002;
        END IF;
    END LOOP;
    IF owner THEN
        PERFORM pg_advisory_unlock(hashtext('convo_notifier'));
    END IF;
    PERFORM pg_advisory_unlock(hashtext('convo_notifier_run'));
    -- Writers that saw the lock held may still commit queue entries; the
    -- last of them are sent by a final pass a moment later.
    PERFORM pg_sleep(0.2);
    FOR p IN WITH d AS (DELETE FROM convo_notify_queue RETURNING id, payload)
             SELECT payload FROM d ORDER BY id LOOP
        PERFORM pg_notify('convo_changes', p);
    END LOOP;
    COMMIT;
END $$;

CREATE OR REPLACE FUNCTION public.convo_messages_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; at timestamptz[]; mid bigint[];
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id), array_agg(created_at ORDER BY contact_id),
           array_agg(id ORDER BY contact_id)
      INTO ids, at, mid
      FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id
              FROM new_rows ORDER BY contact_id, created_at DESC, id DESC) n;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_apply(ids, NULL, NULL, at, mid);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION public.convo_messages_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; at timestamptz[]; mid bigint[];
BEGIN
    SELECT array_agg(contact_id ORDER BY contact_id), array_agg(created_at ORDER BY contact_id),
           array_agg(id ORDER BY contact_id)
      INTO ids, at, mid
      FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id
              FROM old_rows ORDER BY contact_id, created_at DESC, id DESC) o;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM public.convo_pointer_apply(ids, at, mid, NULL, NULL);
    PERFORM public.convo_notify(ids);
    RETURN NULL;
END $$;

-- An UPDATE is a removal of the old versions and an arrival of the new ones,
-- for the rows whose contact, time or id changed. Every contact an updated
-- row belongs to (before or after) is notified, edits of content included.
CREATE OR REPLACE FUNCTION public.convo_messages_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids int[]; r_at timestamptz[]; r_id bigint[]; a_at timestamptz[]; a_id bigint[];
    touched int[];
BEGIN
    SELECT array_agg(DISTINCT contact_id ORDER BY contact_id) INTO touched
      FROM (SELECT contact_id FROM old_rows UNION ALL SELECT contact_id FROM new_rows) t;
    IF touched IS NULL THEN
        RETURN NULL;
    END IF;
    WITH gone AS (SELECT contact_id, created_at, id FROM old_rows
                  EXCEPT SELECT contact_id, created_at, id FROM new_rows),
         came AS (SELECT contact_id, created_at, id FROM new_rows
                  EXCEPT SELECT contact_id, created_at, id FROM old_rows),
         g AS (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM gone
                ORDER BY contact_id, created_at DESC, id DESC),
         c AS (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM came
                ORDER BY contact_id, created_at DESC, id DESC),
         k AS (SELECT coalesce(g.contact_id, c.contact_id) AS contact_id,
                      g.created_at AS rat, g.id AS rid, c.created_at AS aat, c.id AS aid
                 FROM g FULL JOIN c ON c.contact_id = g.contact_id)
    SELECT array_agg(contact_id ORDER BY contact_id), array_agg(rat ORDER BY contact_id),
           array_agg(rid ORDER BY contact_id), array_agg(aat ORDER BY contact_id),
           array_agg(aid ORDER BY contact_id)
      INTO ids, r_at, r_id, a_at, a_id FROM k;
    IF ids IS NOT NULL THEN
        PERFORM public.convo_pointer_apply(ids, r_at, r_id, a_at, a_id);
    END IF;
    PERFORM public.convo_notify(touched);
    RETURN NULL;
END $$;

-- TRUNCATE takes an exclusive lock on messages, so no writer is half-way:
-- no contact has a message any more.
CREATE OR REPLACE FUNCTION public.convo_messages_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contacts SET last_message_at = NULL, last_message_id = NULL
     WHERE last_message_id IS NOT NULL;
    PERFORM pg_notify('convo_changes', '*');
    RETURN NULL;
END $$;

-- The trigger names of an earlier version of this file, so a database made by it
-- gets these in their place.
DROP TRIGGER IF EXISTS messages_track_latest ON messages;
CREATE TRIGGER messages_track_latest
    AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.convo_messages_inserted();

DROP TRIGGER IF EXISTS messages_track_removed ON messages;
CREATE TRIGGER messages_track_removed
    AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.convo_messages_removed();

DROP TRIGGER IF EXISTS messages_track_updated ON messages;
CREATE TRIGGER messages_track_updated
    AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.convo_messages_updated();

DROP TRIGGER IF EXISTS messages_track_truncated ON messages;
CREATE TRIGGER messages_track_truncated
    AFTER TRUNCATE ON messages
    FOR EACH STATEMENT EXECUTE FUNCTION public.convo_messages_truncated();

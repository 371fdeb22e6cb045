-- 012_recent_row: what a row of the recent list shows, kept on the contact
-- next to its pointer: contacts.last_message_direction and
-- contacts.last_message_content are the direction and the full content of
-- the message contacts.last_message_{at,id} names, written by the same
-- commit-time UPDATE that writes the pointer (schema 010). The recent page
-- is then one range scan of contacts_last_message: no partition of
-- messages to open and plan over in a fresh backend.
--
-- NULL in either column means "not known": readers then take the message
-- from messages, as they do for a pointer they find stale (core/recent.c).
-- A content or direction edit of the pointed message is noted like an
-- arrival at the same (created_at, id), and an arrival that equals the
-- pointer refreshes the copy.

ALTER TABLE contacts ADD COLUMN IF NOT EXISTS last_message_direction text;
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS last_message_content text;

-- Existing pointers (and those the seeder loaded into its staging schema,
-- which applies this file again before it publishes): copy from the
-- message each names. One join; only rows without a copy.
UPDATE contacts c
   SET last_message_direction = m.direction, last_message_content = m.content
  FROM messages m
 WHERE c.last_message_id IS NOT NULL
   AND (c.last_message_direction IS NULL OR c.last_message_content IS NULL)
   AND m.created_at = c.last_message_at AND m.id = c.last_message_id
   AND m.contact_id = c.id;

-- schema 010's commit work, with the copy written along with the pointer.
CREATE OR REPLACE FUNCTION public.convo_pointer_commit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pending text := current_setting('convo.pointer_pending', true);
    spilled boolean := to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL;
    ids int[]; rem boolean[]; ats timestamptz[]; mids bigint[];
    one public.convo_pointer_note;
    at timestamptz;
    dir text; body text;
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
               SET (last_message_at, last_message_id, last_message_direction, last_message_content) =
                   (SELECT m.created_at, m.id, m.direction, m.content FROM messages m
                     WHERE m.contact_id = c.id
                     ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
             WHERE c.id = one.contact_id;
        ELSE
            at := public.convo_us_time(one.add_us);
            -- The arrival is this transaction's own row: one primary-key
            -- probe, pruned to its partition by the constant time.
            SELECT m.direction, m.content INTO dir, body FROM messages m
             WHERE m.created_at = at AND m.id = one.add_id AND m.contact_id = one.contact_id;
            UPDATE contacts c
               SET last_message_at = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN at ELSE c.last_message_at END,
                   last_message_id = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN one.add_id ELSE c.last_message_id END,
                   last_message_direction = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN dir ELSE c.last_message_direction END,
                   last_message_content = CASE WHEN c.last_message_id IS NULL
                                               OR (c.last_message_at, c.last_message_id) <= (at, one.add_id)
                                          THEN body ELSE c.last_message_content END
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
          FROM (SELECT u.id, u.at, u.mid, m.direction AS dir, m.content AS body
                  FROM unnest(ids, rem, ats, mids) u(id, r, at, mid)
                  LEFT JOIN LATERAL (SELECT direction, content FROM messages
                                      WHERE created_at = u.at AND id = u.mid AND contact_id = u.id
                                      LIMIT 1) m ON true
                 WHERE NOT u.r) a
         WHERE c.id = a.id;
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

-- schema 010's UPDATE notes, with edits: a row whose contact, time and id
-- stay but whose direction or content changed is noted as an arrival at
-- its own (created_at, id), which refreshes the copy when it is the
-- pointer's message and changes nothing otherwise.
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
         came AS (SELECT contact_id, created_at, id, direction, content FROM new_rows
                  EXCEPT SELECT contact_id, created_at, id, direction, content FROM old_rows),
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

-- schema 010's TRUNCATE: no pointer, no copy.
CREATE OR REPLACE FUNCTION public.convo_messages_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('convo.pointer_pending', '', true);
    IF to_regclass('pg_temp.convo_pointer_rows') IS NOT NULL THEN
        EXECUTE 'DELETE FROM pg_temp.convo_pointer_rows';
    END IF;
    UPDATE contacts SET last_message_at = NULL, last_message_id = NULL,
                        last_message_direction = NULL, last_message_content = NULL
     WHERE last_message_id IS NOT NULL OR last_message_content IS NOT NULL;
    PERFORM pg_notify('convo_changes', '*');
    RETURN NULL;
END $$;

-- 002_latest_pointer: keeps contacts.last_message_{at,id} equal to the
-- contact's greatest (created_at, id), whatever order rows arrive in.
--
-- Statement-level with transition tables, so a COPY or multi-row INSERT
-- touches each contact once. The guarded UPDATE is safe under concurrency:
-- in READ COMMITTED a concurrent update of the same contact makes PostgreSQL
-- re-check the WHERE clause against the newer row, so an older message never
-- replaces a newer pointer.

CREATE OR REPLACE FUNCTION public.convo_messages_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contacts c
       SET last_message_at = n.created_at,
           last_message_id = n.id
      FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id
              FROM new_rows
             ORDER BY contact_id, created_at DESC, id DESC) n
     WHERE c.id = n.contact_id
       AND (c.last_message_at IS NULL
            OR (c.last_message_at, c.last_message_id) < (n.created_at, n.id));
    RETURN NULL;
END $$;

-- A deleted or moved latest message hands the pointer to the next one.
CREATE OR REPLACE FUNCTION public.convo_messages_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contacts c
       SET (last_message_at, last_message_id) =
           (SELECT m.created_at, m.id FROM messages m
             WHERE m.contact_id = c.id
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
      FROM (SELECT DISTINCT contact_id, created_at, id FROM old_rows) o
     WHERE c.id = o.contact_id
       AND c.last_message_at = o.created_at AND c.last_message_id = o.id;
    RETURN NULL;
END $$;

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

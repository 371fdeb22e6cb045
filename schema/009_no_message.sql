-- 009_no_message: contacts that have no message yet, for search, which
-- shows those whose name or phone number matches after every
-- conversation, newest contact first. Few contacts are without a message,
-- so the search reads this small index backwards instead of every
-- contact. Idempotent.
CREATE INDEX IF NOT EXISTS contacts_no_message
    ON contacts (id DESC) WHERE last_message_id IS NULL;

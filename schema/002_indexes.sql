-- 002_indexes: what makes pages keyset-fast and search index-backed.

-- Recent conversations: one index range scan, newest first, any depth.
CREATE INDEX IF NOT EXISTS contacts_last_message
    ON contacts (last_message_at DESC, last_message_id DESC)
    WHERE last_message_id IS NOT NULL;

-- The digits of a phone number, so "(415) 555" finds "+14155550123".
CREATE OR REPLACE FUNCTION public.convo_digits(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT regexp_replace($1, '[^0-9]', '', 'g') $$;

CREATE INDEX IF NOT EXISTS contacts_name_trgm
    ON contacts USING gin (name public.gin_trgm_ops);
CREATE INDEX IF NOT EXISTS contacts_phone_trgm
    ON contacts USING gin (phone_number public.gin_trgm_ops);
CREATE INDEX IF NOT EXISTS contacts_phone_digits_trgm
    ON contacts USING gin (public.convo_digits(phone_number) public.gin_trgm_ops);

-- One conversation, newest first.
CREATE INDEX IF NOT EXISTS messages_contact_time
    ON messages (contact_id, created_at DESC, id DESC);

-- Substring search on content, one small index per monthly partition.
CREATE INDEX IF NOT EXISTS messages_content_trgm
    ON messages USING gin (content public.gin_trgm_ops);

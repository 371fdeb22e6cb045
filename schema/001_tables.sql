-- 001_tables: the provided contacts and messages tables, widened for the job.
-- Idempotent. Tables are created unqualified so that convo-seed can build a
-- staging copy under another search_path; functions live in public.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE IF NOT EXISTS contacts (
    id              serial PRIMARY KEY,
    phone_number    varchar(20) NOT NULL UNIQUE,
    name            text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Denormalised pointer to the contact's latest message, kept by a trigger
    -- (004_live). NULL while the contact has no message.
    last_message_at timestamptz,
    last_message_id bigint
);

-- Partitioned by time so that search walks recent months first, every
-- partition carries a small trigram index, and the seeder builds those
-- indexes in parallel. The key must hold the partition column, hence
-- (created_at, id); ids still come from one sequence and are unique.
CREATE TABLE IF NOT EXISTS messages (
    id          bigserial,
    contact_id  integer NOT NULL REFERENCES contacts (id),
    direction   text NOT NULL CHECK (direction IN ('in', 'out')),
    content     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (created_at, id)
) PARTITION BY RANGE (created_at);

-- Catches rows outside every monthly partition (far past or future).
CREATE TABLE IF NOT EXISTS messages_default PARTITION OF messages DEFAULT;

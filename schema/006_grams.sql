-- 006_grams: an index of what pg_trgm cannot see.
--
-- pg_trgm keeps only the trigrams of words, so a term of 1-2 characters,
-- punctuation, an emoji, CJK or short words glued to punctuation (`"ok"`,
-- `I'd`, `l.o`) has nothing selective to look up, and a search must read
-- every row. convo_grams(text) (a small C extension, schema/ext, built and
-- installed by ./run) gives a text's distinct case-folded 1- and 2-grams of
-- code points, spaces and punctuation included, minus the most frequent
-- ones, as an int4[]; a GIN index over it answers
-- `convo_grams(content) @> convo_grams(term)` exactly (ILIKE rechecks).
--
-- An expression index rather than a column filled by a trigger: PostgreSQL
-- computes it for every writer (INSERT, multi-row statements, COPY, UPDATE
-- of content, even with triggers disabled), the heap stays as it was, and
-- the seeder's per-partition builds pick it up like any other index. Built
-- in C it costs about a microsecond per message.
CREATE EXTENSION IF NOT EXISTS intarray WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS convo_grams WITH SCHEMA public;

CREATE INDEX IF NOT EXISTS messages_content_grams
    ON messages USING gin (public.convo_grams(content) public.gin__int_ops);

-- Names and phone numbers likewise, for terms without a trigram.
CREATE INDEX IF NOT EXISTS contacts_name_grams
    ON contacts USING gin (public.convo_grams(name) public.gin__int_ops);
CREATE INDEX IF NOT EXISTS contacts_phone_grams
    ON contacts USING gin (public.convo_grams(phone_number) public.gin__int_ops);

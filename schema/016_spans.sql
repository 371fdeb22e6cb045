-- 016_spans: phrases proven absent from the index, not by reading rows.
--
-- A phrase of common words (`"see you"`, `"call you later"`) has only
-- common trigrams and n-grams: each month holds thousands of messages with
-- its words apart, and proving the phrase absent meant reading and
-- rechecking all of them (758 ms over the 5M data set). convo_spans(text)
-- (schema/ext/convo_spans.c) gives a key for every seven characters around
-- a space, three on either side; a message holding a phrase holds its
-- windows, so a GIN index over them answers a phrase from a few entries
-- (docs/search.md#phrases).
--
-- The windows of the text as written and of its folded form, as 013 does
-- for the n-grams: a phrase is looked up by its own windows, with
-- diacritics or without, and a text that matches it holds them all.
-- Inlined, so that the index and a query's call are one expression; the
-- index is the partitioned parent's, so every month gets it, and months
-- made later too.
CREATE OR REPLACE FUNCTION public.convo_spans(text) RETURNS int4[]
LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
AS '$libdir/convo_grams', 'convo_spans';

CREATE OR REPLACE FUNCTION public.convo_spans_any(text) RETURNS int4[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.convo_spans($1) OPERATOR(public.|) public.convo_spans(public.convo_fold($1)) $$;

CREATE INDEX IF NOT EXISTS messages_content_spans
    ON messages USING gin (public.convo_spans_any(content) public.gin__int_ops);

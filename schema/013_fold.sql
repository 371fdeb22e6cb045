-- 013_fold: accents as people type them (docs/search.md#accents).
--
-- A search word without diacritics matches text as contrib's unaccent folds
-- it (`maria` finds María, `strasse` Straße); a word with diacritics matches
-- as written, case-insensitively. So the trigram and n-gram indexes are
-- over the folded text, and the old ones over the text as written are
-- dropped (writers would pay for both).
--
-- unaccent() itself is STABLE (it looks its dictionary up by name), which an
-- index expression cannot use. convo_fold_dict is the same C function
-- declared IMMUTABLE with the dictionary given by OID; convo_fold() is an SQL
-- function the planner inlines, so an index over convo_fold(content) and a
-- query's convo_fold(content) are one expression.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

CREATE OR REPLACE FUNCTION public.convo_fold_dict(regdictionary, text) RETURNS text
LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT
AS '$libdir/unaccent', 'unaccent_dict';

-- The dictionary is the extension's, wherever an earlier install put it.
DO $$
DECLARE
    dict text := (SELECT format('%I.unaccent', n.nspname) FROM pg_extension e
                    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent');
BEGIN
    EXECUTE format($f$CREATE OR REPLACE FUNCTION public.convo_fold(text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
        AS $b$ SELECT public.convo_fold_dict(%L::regdictionary, $1) $b$ $f$, dict);
END $$;

-- A search word's pattern $2 against column $1: the folded text holds the
-- folded pattern (what the indexes answer), and a pattern with diacritics
-- (folding changes it) also matches the text as written. For a word without
-- diacritics the second half is true; it is tested only on rows that pass
-- the first. Not STRICT, so that the planner inlines it and sees the first
-- half as an index condition.
CREATE OR REPLACE FUNCTION public.convo_match(text, text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT public.convo_fold($1) ILIKE public.convo_fold($2)
             AND (public.convo_fold($2) = $2 OR $1 ILIKE $2) $$;

-- The same for a pattern without letters (digits, punctuation): LIKE gives
-- ILIKE's answer without lowering the row.
CREATE OR REPLACE FUNCTION public.convo_match_caseless(text, text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT public.convo_fold($1) LIKE $2 $$;

-- The n-grams an index keeps of a text: those of the text as written and
-- those of its folded form (the same set for text without diacritics). A
-- word with diacritics is looked up by its own n-grams (`ü` by ü, which is
-- rare, not by u, which is everywhere), a word without by the folded
-- text's; either way a text that matches holds them all. Inlined like
-- convo_fold, so an index over it and a query's call are one expression.
CREATE OR REPLACE FUNCTION public.convo_grams_any(text) RETURNS int4[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.convo_grams($1) OPERATOR(public.|) public.convo_grams(public.convo_fold($1)) $$;

-- Each index again over the folded column, under its own name (./run
-- reindexes the n-gram ones by name), once: an index already over
-- convo_fold is left alone. On messages the index is the partitioned
-- parent's, so every partition gets it, and months created later (003's
-- PARTITION OF, 011's moves copying the parent's definitions, the seeder's
-- per-partition builds) too.
DO $$
DECLARE
    nsp text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = 'messages'::regclass);
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
            ('messages_content_trgm', 'messages', 'public.convo_fold(content) public.gin_trgm_ops'),
            ('contacts_name_trgm', 'contacts', 'public.convo_fold(name) public.gin_trgm_ops'),
            ('contacts_phone_trgm', 'contacts', 'public.convo_fold(phone_number) public.gin_trgm_ops'),
            ('messages_content_grams', 'messages', 'public.convo_grams_any(content) public.gin__int_ops'),
            ('contacts_name_grams', 'contacts', 'public.convo_grams_any(name) public.gin__int_ops'),
            ('contacts_phone_grams', 'contacts',
             'public.convo_grams_any(phone_number) public.gin__int_ops'))
            v(idx, tbl, expr) LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace
                        WHERE n.nspname = nsp AND i.relname = r.idx AND i.relkind IN ('i', 'I')
                          AND pg_get_indexdef(i.oid)
                              LIKE '%' || split_part(r.expr, '(', 1) || '(%') THEN
            EXECUTE format('DROP INDEX IF EXISTS %I.%I', nsp, r.idx);
            EXECUTE format('CREATE INDEX %I ON %I.%I USING gin (%s)', r.idx, nsp, r.tbl, r.expr);
        END IF;
    END LOOP;
END $$;

-- schema/ext/convo_grams--1.0.sql: the function of the convo_grams extension.
\echo Use "CREATE EXTENSION convo_grams" to load this file. \quit
CREATE FUNCTION convo_grams(text) RETURNS int4[]
    AS 'MODULE_PATHNAME', 'convo_grams'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

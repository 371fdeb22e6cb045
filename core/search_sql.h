/* core/search_sql.h - the statements search sends (search_sql.c). Every
 * step answers (contact id, position) of candidates below the frontier
 * ($1, $2); a walk adds which rows hit and which was its last. op is
 * the function that matches a column and a pattern as search does (schema
 * 013): "public.convo_match" (accents folded, docs/search.md#accents), or
 * "public.convo_match_caseless" for a term without letters (LIKE, the
 * same answer). */
#ifndef CONVO_CORE_SEARCH_SQL_H
#define CONVO_CORE_SEARCH_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* A walk of one partition: $3 rows, pattern $4. */
void core_sql_walk(char *buf, size_t len, const char *table, const char *op);
/* A trigram bitmap scan of one partition: pattern $3, LIMIT $4. */
void core_sql_bitmap(char *buf, size_t len, const char *table, const char *op);
/* The n-gram index of ntables partitions: pattern $3, LIMIT $4, n-grams $5;
 * keys names the indexed function ("public.convo_grams_any", or
 * "public.convo_spans_any" for a phrase's windows in $5). */
void core_sql_grams(char *buf, size_t len, const char *const *tables, int ntables,
                    const char *op, const char *keys);
/* A scan of ntables partitions: pattern $3, LIMIT $4, with prefilter its
 * LIKE pattern $5. */
void core_sql_scan(char *buf, size_t len, const char *const *tables, int ntables,
                   const char *op, bool prefilter);

/* The contacts walked by their latest message: $3 rows, pattern $4, phone
 * digits $5. */
extern const char core_sql_contacts_walk[];
/* The contacts' trigram indexes: pattern $3, LIMIT $4 (and digits $5). */
extern const char core_sql_contacts_bitmap[];
extern const char core_sql_contacts_bitmap_digits[];
/* The contacts' n-gram indexes: pattern $3, LIMIT $4, n-grams $5. */
extern const char core_sql_contacts_grams[];
/* The contacts with messages but a NULL pointer, each at (-infinity,
 * id): pattern $3; how 'b' (trigram indexes), 'd' (and digits $4), 'g'
 * (n-gram indexes, n-grams $4), else a scan (digits $4). */
void core_sql_contacts_orphans(char *buf, size_t len, char how);
/* Candidates (contact ids $1, message ids $2, times $3) to rows; pattern
 * $4, digits $5, the cursor ($6, $7). Columns: ordinal; contact and the
 * candidate's message as the row decoder reads them from 1; content, name,
 * phone matched (8-10); shown on an earlier page (11); when name or phone
 * match, the message the pointer names (12-15), whether it matches (16),
 * and whether the pointer is stale (17). */
extern const char core_sql_finalize[];

/* A filtered search (search_filter.c) over one partition: below the
 * cursor ($1, $2), in [$3, $4), each contact's newest message that passes
 * the filters and matches (direction $5, with: set $6 ($7 unused here),
 * ILIKE pattern $8 or "" for no text, name-matched contacts $9, phone
 * digits $10). Columns: the row decoder's from 0, then content, name, phone
 * matched (7-9). Newest first. */
enum {
    CORE_FLT_DIR = 1,   /* is: given ($5) */
    CORE_FLT_WITH = 2,  /* with: given ($6) */
    CORE_FLT_TEXT = 4,  /* text to match ($8) */
    CORE_FLT_NAMES = 8, /* and contacts matched by name or phone ($9) */
    CORE_FLT_GRAMS = 16, /* the text's n-grams ($11; "{}" when not) */
    CORE_FLT_SPANS = 32, /* the text's phrase windows instead ($11, schema 016) */
};
/* shape: the CORE_FLT_* that apply; the statement tests only those. */
void core_sql_filtered(char *buf, size_t len, const char *table, unsigned shape);
/* Filters alone (no CORE_FLT_TEXT): the partition's next $12 passing rows
 * below ($1, $2), newest first, with the same columns. */
void core_sql_filtered_slice(char *buf, size_t len, const char *table, unsigned shape);
/* A walk of the partition's next $12 rows below ($1, $2), each tested:
 * those that pass and the last one, with the columns of
 * core_sql_filtered, then hit and the row's place in the walk. */
void core_sql_filtered_walk(char *buf, size_t len, const char *table);
/* Of the contacts $12 (int4[]), those with a message at or above the
 * cursor that passes and matches (the same $1..$11): an earlier page
 * showed them. */
void core_sql_filtered_shown(char *buf, size_t len, unsigned shape);
/* The same for a few with: contacts, probed one by one: LIMIT $11. */
extern const char core_sql_filtered_with[];
/* The ids of the contacts whose name or phone contains pattern $1 (the
 * _digits one: or whose phone digits contain $2), as an int4[] literal. */
extern const char core_sql_filter_contacts[];
extern const char core_sql_filter_contacts_digits[];

/* Several words (search_filter.c, export.c; the parameters are at the
 * top of their part of search_sql.c): $1..$7 as above, $8 the contacts
 * matched by name or phone by some word, $9 the windows of the phrases
 * (CORE_FLT_SPANS) or else the n-grams of the words without a trigram of
 * their own ("{}" when none), $10 per statement, and
 * per word i: */
#define WORD_PAT(i) (11 + 3 * (int)(i))    /* ILIKE pattern */
#define WORD_IDS(i) (12 + 3 * (int)(i))    /* contacts whose name or phone hold it */
#define WORD_DIGITS(i) (13 + 3 * (int)(i)) /* phone digits pattern, or "" */
/* At most this many words: the parameters a statement takes. */
#define CORE_WORDS_MAX 16
/* Each partition's contacts' newest message that passes the filters of
 * shape (CORE_FLT_DIR, _WITH, _NAMES: $8 is not empty, _GRAMS or _SPANS) and holds
 * the k words; strong has bit i for a word with a trigram of its own. $10
 * is text, unused. Columns as core_sql_filtered's. False when memory ran
 * out (the owner frees b's data in any case). */
bool core_sql_words_filtered(struct core_strbuf *b, const char *table, unsigned shape,
                             size_t k, uint32_t strong);
/* A walk of the partition's next $10 rows below ($1, $2), each tested
 * (the filters of shape, CORE_FLT_DIR and _WITH, and the k words): those
 * that pass and the $10th, with the columns of core_sql_filtered_walk. For
 * words common together, where each contact's newest match would read
 * most of the month. */
bool core_sql_words_walk(struct core_strbuf *b, const char *table, unsigned shape, size_t k);
/* Of the contacts $10 (int4[]), those with such a message at or above
 * the cursor: an earlier page showed them. */
bool core_sql_words_shown(struct core_strbuf *b, unsigned shape, size_t k);
/* The same for a few with: contacts ($6), probed one by one; LIMIT $10. */
bool core_sql_words_with(struct core_strbuf *b, unsigned shape, size_t k);
/* export --search: every message that passes the filters (all of them
 * tested; $1, $2 unused int8, $8, $9 unused) and holds the k words, at
 * least one in its content; LIMIT $10. Columns CORE_ROW_COLUMNS. */
bool core_sql_export_words(struct core_strbuf *b, size_t k);

#endif

/* core/term_pattern.h - what search makes of a term (term.c): the patterns it
 * reaches SQL as, and what they let an index do. The checks and the two
 * patterns programs use too are in lib.h. */
#ifndef CONVO_CORE_TERM_PATTERN_H
#define CONVO_CORE_TERM_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"

/* A LIKE pattern that every row matching the term ILIKE also matches:
 * the term's digits and punctuation in place, '_' for each letter or
 * non-ASCII character. "" when the term has no character other than
 * letters, non-ASCII and spaces (the pattern would let every row through).
 * Caller frees. */
char *core_prefilter_pattern(const char *term);
/* True when pg_trgm can extract a trigram from the pattern: a run of 3
 * word characters (letters and digits of the locale, not symbols), or a
 * shorter run that meets a non-word character. */
bool core_term_indexable(const char *term);
/* True when the term holds a run of at least 3 word characters: a trigram
 * of its own. Otherwise its trigrams are those of short words padded with
 * blanks (`"ok"`, `a b`), common in any text. */
bool core_term_has_word3(const char *term);
/* True when the term holds a character that is neither a word character
 * (a letter or digit of the locale) nor a space: punctuation or a symbol,
 * which pg_trgm drops and the n-gram index of schema 006 keeps. */
bool core_term_has_symbol(const char *term);
/* True when the term's n-grams (schema 006) see what pg_trgm does not: it
 * has no trigram, only the padded trigrams of short words, or punctuation
 * and symbols, unless beside a run of five digits or more (a whole phone
 * number's trigrams are rarer than its digit pairs). Asked of the term as
 * the indexes see it (folded). */
bool core_term_wants_grams(const char *term);
/* True when the term holds a space with CORE_SPAN_SIDE characters on
 * either side: a window the phrase index of schema 016 keeps
 * (convo_spans), so a phrase of common words is looked up by what lies
 * across its spaces. */
#define CORE_SPAN_SIDE 3
bool core_term_has_span(const char *term);
/* One character lowered as the database's ILIKE lowers it (towlower in
 * C.UTF-8). */
uint32_t core_fold_char(uint32_t c);
/* The term with every character lowered as ILIKE does. Caller frees. */
char *core_term_fold(const char *term);

#endif

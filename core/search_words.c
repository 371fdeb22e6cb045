/* core/search_words.c - a search of several words (docs/search.md#words):
 * a message m of contact c matches when every word is in m's content or
 * in c's name or phone. It takes search_filter.c's path, whose months,
 * merge, cursors and budgets it shares; here are its words' patterns and
 * contact sets, and the statements that stand in for the one-text ones
 * (the same columns, so search_filter.c reads their rows as its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search_int.h"
#include "search_sql.h"
#include "strbuf.h"
#include "term_pattern.h"

/* "{a,b}" and "{c}" as "{a,b,c}" (sets of ids or n-grams; repeats do not
 * matter to ANY or @>). */
static char *array_concat(char *acc, const char *more)
{
    if (!acc)
        return strdup(more);
    if (strcmp(more, "{}") == 0)
        return acc;
    size_t n = strlen(acc);
    char *out = realloc(acc, n + strlen(more) + 1);
    if (!out) {
        free(acc);
        return NULL;
    }
    if (strcmp(out, "{}") == 0)
        strcpy(out, more);
    else
        sprintf(out + n - 1, ",%s", more + 1);
    return out;
}

/* One word: its patterns, its contacts, and how the content index finds
 * it: a phrase by its windows (into the search's spans), else by its
 * trigrams when it has its own, else by its n-grams (into the search's
 * grams). */
static enum core_status word_open(struct core_search *s, size_t i)
{
    struct word_pat *w = &s->words[i];
    const char *word = s->filter.words[i];
    w->pattern = core_like_pattern(word);
    w->digits = core_digits_pattern(word);
    if (!w->pattern || !w->digits)
        return CORE_ERR_NOMEM;
    enum core_status st = core_search_contact_ids(s->conn, word, &w->ids);
    if (st != CORE_OK)
        return st;
    if (!(s->name_ids = array_concat(s->name_ids, w->ids)))
        return CORE_ERR_NOMEM;
    /* A quoted phrase: its windows across its spaces (schema 016). */
    char *keys;
    if ((st = core_search_spans_of(s->conn, word, &keys)) != CORE_OK)
        return st;
    bool some = strcmp(keys, "{}") != 0;
    if (some) {
        s->spanned |= UINT32_C(1) << i;
        s->spans = array_concat(s->spans, keys);
    }
    free(keys);
    if (some)
        return s->spans ? CORE_OK : CORE_ERR_NOMEM;
    char *folded = core_unaccent(word); /* the trigram index's view */
    if (!folded)
        return CORE_ERR_NOMEM;
    bool strong = core_term_has_word3(folded);
    free(folded);
    if (strong) {
        s->strong |= UINT32_C(1) << i;
        return CORE_OK;
    }
    if ((st = core_search_grams_of(s->conn, word, &keys)) != CORE_OK)
        return st;
    some = strcmp(keys, "{}") != 0;
    if (some)
        s->grams = array_concat(s->grams, keys);
    free(keys);
    return s->grams || !some ? CORE_OK : CORE_ERR_NOMEM;
}

enum core_status core_search_words_open(struct core_search *s)
{
    size_t k = s->filter.nwords;
    if (!(s->words = calloc(k, sizeof *s->words)))
        return CORE_ERR_NOMEM;
    s->nwords = k;
    enum core_status st = CORE_OK;
    for (size_t i = 0; i < k && st == CORE_OK; i++)
        st = word_open(s, i);
    return st;
}

void core_search_words_free(struct core_search *s)
{
    for (size_t i = 0; i < s->nwords; i++) {
        free(s->words[i].pattern);
        free(s->words[i].digits);
        free(s->words[i].ids);
    }
    free(s->words);
    s->words = NULL;
    s->nwords = 0;
}

/* Which predicates the statements test (CORE_FLT_*). */
static unsigned words_shape(const struct core_search *s)
{
    return (s->filter.dir != CORE_DIR_ANY ? CORE_FLT_DIR : 0) |
           (s->with_ids ? CORE_FLT_WITH : 0) |
           (s->name_ids && strcmp(s->name_ids, "{}") != 0 ? CORE_FLT_NAMES : 0) |
           (s->spans ? CORE_FLT_SPANS : s->grams ? CORE_FLT_GRAMS : 0);
}

/* $8, $9 (the phrases' windows when there are phrases, else the n-grams),
 * then (after the caller's $10) the words'. */
static void params_sets(const struct core_search *s, struct core_params *p)
{
    core_param_text(p, s->name_ids ? s->name_ids : "{}");
    core_param_text(p, s->spans ? s->spans : s->grams ? s->grams : "{}");
}

static void params_words(const struct core_search *s, struct core_params *p)
{
    for (size_t i = 0; i < s->nwords; i++) {
        core_param_text(p, s->words[i].pattern);
        core_param_text(p, s->words[i].ids);
        core_param_text(p, s->words[i].digits);
    }
}

/* Run the statement built in b (NULL data: memory ran out) under name. */
static PGresult *run(struct core_search *s, struct core_strbuf *b, bool built,
                     const char *name, const struct core_params *p, enum core_status *st)
{
    PGresult *r = NULL;
    if (!built || !b->data)
        *st = CORE_ERR_NOMEM;
    else
        r = core_conn_exec(s->conn, name, b->data, p, st);
    free(b->data);
    return r;
}

PGresult *core_search_words_part(struct core_search *s, const struct core_part *pt,
                                 enum core_status *st)
{
    unsigned shape = words_shape(s);
    struct core_strbuf b = {0};
    bool built = core_sql_words_filtered(&b, pt->name, shape, s->nwords, s->strong);
    char name[64];
    snprintf(name, sizeof name, "convo_w%u_%x_%zu_%x", pt->oid, shape, s->nwords,
             (unsigned)s->strong);
    struct core_params p = {0};
    core_search_filter_base(s, s->cursor, &p);
    params_sets(s, &p);
    core_param_text(&p, "");
    params_words(s, &p);
    return run(s, &b, built, name, &p, st);
}

PGresult *core_search_words_shown(struct core_search *s, const char *ids, enum core_status *st)
{
    unsigned shape = words_shape(s);
    struct core_strbuf b = {0};
    bool built = core_sql_words_shown(&b, shape, s->nwords);
    char name[64];
    snprintf(name, sizeof name, "convo_w_shown_%x_%zu", shape, s->nwords);
    struct core_params p = {0};
    core_search_filter_base(s, s->cursor, &p);
    params_sets(s, &p);
    core_param_text(&p, ids);
    params_words(s, &p);
    return run(s, &b, built, name, &p, st);
}

PGresult *core_search_words_with(struct core_search *s, size_t limit, enum core_status *st)
{
    unsigned shape = words_shape(s);
    struct core_strbuf b = {0};
    bool built = core_sql_words_with(&b, shape, s->nwords);
    char name[64];
    snprintf(name, sizeof name, "convo_w_with_%x_%zu", shape & CORE_FLT_DIR, s->nwords);
    struct core_params p = {0};
    core_search_filter_base(s, s->cursor, &p);
    params_sets(s, &p);
    core_param_int8(&p, (int64_t)limit);
    params_words(s, &p);
    return run(s, &b, built, name, &p, st);
}

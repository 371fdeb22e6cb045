/* core/search_words.c - a search of several words (docs/search.md#words):
 * a message m of contact c matches when every word is in m's content or
 * in c's name or phone. It takes search_filter.c's path, whose months,
 * merge, cursors and budgets it shares; here are its words' patterns and
 * contact sets, and the statements that stand in for the one-text ones
 * (the same columns, so search_filter.c reads their rows as its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"
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

/* ---- a word in many names ------------------------------------------------
 *
 * The months' names arm reads the messages of every contact that some word
 * names ($8), one index probe per contact and month. A word in many names
 * (`you`: Young, Youssef, 533 contacts) costs 4 ms a month for nothing when
 * the other words rarely meet in content (`love you`, `call you later`). A
 * message of such a contact whose name holds none of the other words
 * passes only when its content holds them all; so the contacts that wrote
 * them together in some message (one read of their trigram matches over
 * every month, stopped after HOLDERS_READ rows: words common together are
 * not worth it) prune the set. Only once the months' reads have cost
 * something: a page that fills from the first months never pays for it. */
#define PRUNE_NAMES_MIN 64
#define HOLDERS_READ 5000

/* The ids of the int4[] literal lit into set: CORE_OK, CORE_ERR_NOMEM, or
 * CORE_ERR_USAGE when it holds id 0, which a set cannot (the caller then
 * leaves the names as they are). */
static enum core_status ids_parse(const char *lit, struct core_idset *set)
{
    for (const char *p = lit; *p;) {
        if (*p != '-' && (*p < '0' || *p > '9')) {
            p++;
            continue;
        }
        char *end;
        long id = strtol(p, &end, 10);
        if (id == 0)
            return CORE_ERR_USAGE;
        if (!core_idset_add(set, (int32_t)id))
            return CORE_ERR_NOMEM;
        p = end;
    }
    return CORE_OK;
}

/* b += " AND convo_match(m.content, 'pattern')" for each word with a
 * trigram of its own but word j, as literals (an E'' string reads the same
 * whatever standard_conforming_strings says); false when memory ran out or
 * there is no such word. */
static bool others_match(const struct core_search *s, size_t j, struct core_strbuf *b)
{
    bool any = false, ok = true;
    for (size_t i = 0; ok && i < s->nwords; i++) {
        if (i == j || !(s->strong >> i & 1))
            continue;
        ok = core_strbuf_printf(b, " AND public.convo_match(m.content, E'");
        for (const char *c = s->words[i].pattern; ok && *c; c++)
            ok = core_strbuf_printf(b, *c == '\'' ? "''" : *c == '\\' ? "\\\\" : "%c", *c);
        ok = ok && core_strbuf_printf(b, "')");
        any = true;
    }
    return ok && any;
}

/* Run sql (values as literals, planned for them: a rare text reads its
 * trigram matches, a common one stops early in a scan) and keep its answer
 * in *r. */
static enum core_status run_text(struct core_search *s, struct core_strbuf *sql, PGresult **r)
{
    enum core_status st = CORE_ERR_NOMEM;
    *r = sql->data ? core_conn_exec_text(s->conn, sql->data, &st) : NULL;
    free(sql->data);
    sql->data = NULL;
    return *r ? CORE_OK : st;
}

/* Whether the messages holding the other words (their conditions in
 * match) are likely at most HOLDERS_READ: the largest month's first ones,
 * scaled to all months. */
static enum core_status others_rare(struct core_search *s, const char *match, bool *rare)
{
    const struct core_part *parts;
    size_t nparts;
    enum core_status st = core_catalogue_parts(s->conn, &parts, &nparts);
    if (st != CORE_OK)
        return st;
    const struct core_part *big = NULL;
    double total = 0;
    for (size_t k = 0; k < nparts; k++) {
        total += parts[k].rows;
        if (!big || parts[k].rows > big->rows)
            big = &parts[k];
    }
    *rare = false;
    if (!big || big->rows < 1)
        return CORE_OK;
    int64_t most = (int64_t)(HOLDERS_READ * big->rows / total) + 1;
    struct core_strbuf sql = {0};
    PGresult *r;
    if (!core_strbuf_printf(&sql, "SELECT count(*)::int8 FROM (SELECT FROM ONLY %s m"
                                  " WHERE true%s LIMIT %lld) s",
                            big->name, match, (long long)most + 1)) {
        free(sql.data);
        return CORE_ERR_NOMEM;
    }
    if ((st = run_text(s, &sql, &r)) == CORE_OK) {
        *rare = PQntuples(r) == 1 && core_get_int8(r, 0, 0) <= most;
        PQclear(r);
    }
    return st;
}

/* The contacts with a message holding, in its content, every word with a
 * trigram of its own but word j, into *holders; *known false when there
 * is no such word, or they are common together. */
static enum core_status others_holders(struct core_search *s, size_t j,
                                       struct core_idset *holders, bool *known)
{
    *known = false;
    struct core_strbuf match = {0}, sql = {0};
    bool rare = false;
    enum core_status st = CORE_OK;
    if (!others_match(s, j, &match))
        st = match.data ? CORE_OK : CORE_ERR_NOMEM; /* no such word */
    else if ((st = others_rare(s, match.data, &rare)) == CORE_OK && rare &&
             !core_strbuf_printf(&sql,
                 "SELECT count(*)::int8, coalesce(array_agg(DISTINCT contact_id), '{}')::text"
                 "  FROM (SELECT contact_id FROM messages m WHERE true%s LIMIT %d) s",
                 match.data, HOLDERS_READ + 1))
        st = CORE_ERR_NOMEM;
    free(match.data);
    PGresult *r;
    if (st != CORE_OK || !rare) {
        free(sql.data);
        return st;
    }
    if ((st = run_text(s, &sql, &r)) != CORE_OK)
        return st;
    *known = PQntuples(r) == 1 && core_get_int8(r, 0, 0) <= HOLDERS_READ;
    if (*known)
        st = ids_parse(PQgetvalue(r, 0, 1), holders);
    PQclear(r);
    return st;
}

/* Whether contact id of word j's set may pass: its name or phone holds
 * another word with a trigram (then the others' holders say nothing of
 * it), or it wrote them together. */
static bool may_pass(const struct core_search *s, const struct core_idset *ids,
                     const struct core_idset *holders, size_t j, int32_t id)
{
    for (size_t i = 0; i < s->nwords; i++)
        if (i != j && (s->strong >> i & 1) && core_idset_has(&ids[i], id))
            return true;
    return core_idset_has(holders, id);
}

/* The contacts of the words' sets that may pass (all of a set that is
 * small or whose holders are not known), as an int4[] literal into *out;
 * *n of them. */
static enum core_status names_kept(const struct core_search *s, const struct core_idset *ids,
                                   const struct core_idset *holders, const bool *known,
                                   char **out, size_t *n)
{
    struct core_strbuf kept = {0};
    bool ok = core_strbuf_printf(&kept, "{");
    *n = 0;
    for (size_t j = 0; j < s->nwords && ok; j++)
        for (size_t slot = 0; slot < ids[j].cap && ok; slot++) {
            int32_t id = ids[j].slots[slot];
            if (id && (!known[j] || may_pass(s, ids, &holders[j], j, id)))
                ok = core_strbuf_printf(&kept, "%s%d", (*n)++ ? "," : "", id);
        }
    if (!ok || !core_strbuf_printf(&kept, "}")) {
        free(kept.data);
        return CORE_ERR_NOMEM;
    }
    *out = kept.data;
    return CORE_OK;
}

enum core_status core_search_words_prune(struct core_search *s)
{
    if (s->names_pruned)
        return CORE_OK;
    s->names_pruned = true;
    size_t k = s->nwords;
    bool many = false;
    for (size_t j = 0; j < k; j++)
        many |= core_search_id_count(s->words[j].ids) >= PRUNE_NAMES_MIN;
    if (!many)
        return CORE_OK;
    struct core_idset *ids = calloc(k, sizeof *ids), *holders = calloc(k, sizeof *holders);
    bool *known = calloc(k, sizeof *known);
    enum core_status st = ids && holders && known ? CORE_OK : CORE_ERR_NOMEM;
    for (size_t i = 0; i < k && st == CORE_OK; i++)
        st = ids_parse(s->words[i].ids, &ids[i]);
    /* For each word in many names, the holders of the others. */
    for (size_t j = 0; j < k && st == CORE_OK; j++)
        if (ids[j].used >= PRUNE_NAMES_MIN)
            st = others_holders(s, j, &holders[j], &known[j]);
    char *kept;
    size_t n;
    if (st == CORE_OK && (st = names_kept(s, ids, holders, known, &kept, &n)) == CORE_OK) {
        if (s->trace)
            fprintf(stderr, "convo: names kept %zu of %zu contacts\n", n,
                    core_search_id_count(s->name_ids));
        free(s->name_ids);
        s->name_ids = kept;
    }
    for (size_t i = 0; i < k && ids && holders; i++) {
        core_idset_free(&ids[i]);
        core_idset_free(&holders[i]);
    }
    free(ids);
    free(holders);
    free(known);
    return st == CORE_ERR_USAGE ? CORE_OK : st; /* an id 0: the names as they were */
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
                                 struct core_pos below, enum core_status *st)
{
    unsigned shape = words_shape(s);
    struct core_strbuf b = {0};
    bool built = core_sql_words_filtered(&b, pt->name, shape, s->nwords, s->strong);
    char name[64];
    snprintf(name, sizeof name, "convo_w%u_%x_%zu_%x", pt->oid, shape, s->nwords,
             (unsigned)s->strong);
    struct core_params p = {0};
    core_search_filter_base(s, below, &p);
    params_sets(s, &p);
    core_param_text(&p, "");
    params_words(s, &p);
    return run(s, &b, built, name, &p, st);
}

PGresult *core_search_words_walk(struct core_search *s, const struct core_part *pt,
                                 struct core_pos below, int64_t rows, enum core_status *st)
{
    unsigned shape = words_shape(s) & (CORE_FLT_DIR | CORE_FLT_WITH);
    struct core_strbuf b = {0};
    bool built = core_sql_words_walk(&b, pt->name, shape, s->nwords);
    char name[64];
    snprintf(name, sizeof name, "convo_ww%u_%x_%zu", pt->oid, shape, s->nwords);
    struct core_params p = {0};
    core_search_filter_base(s, below, &p);
    params_sets(s, &p);
    core_param_int8(&p, rows);
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

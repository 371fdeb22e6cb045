/* core/search_sets.c - what every filtered statement takes (search_filter.c,
 * search_words.c, export.c): the parameters $1..$7 of the cursor and the
 * filters, the set of contacts a text names by name, phone or phone
 * digits, and a text's n-grams and spans (search.c too). */
#include <stdlib.h>
#include <string.h>

#include "search_int.h"
#include "search_sql.h"
#include "term_pattern.h"

/* The keys an index over the text's function holds for text, as an
 * int4[] literal ("{}" when none). */
static enum core_status keys_of(struct core_conn *conn, const char *name, const char *sql,
                                const char *text, char **out)
{
    struct core_params p = {0};
    enum core_status st;
    core_param_text(&p, text);
    PGresult *r = core_conn_exec(conn, name, sql, &p, &st);
    if (!r)
        return st;
    *out = strdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "{}");
    PQclear(r);
    return *out ? CORE_OK : CORE_ERR_NOMEM;
}

enum core_status core_search_grams_of(struct core_conn *conn, const char *text, char **out)
{
    return keys_of(conn, "convo_term_grams", "SELECT public.convo_grams($1)::text", text, out);
}

enum core_status core_search_spans_of(struct core_conn *conn, const char *text, char **out)
{
    if (!core_term_has_span(text)) /* no round trip for a word */
        return (*out = strdup("{}")) ? CORE_OK : CORE_ERR_NOMEM;
    return keys_of(conn, "convo_term_spans", "SELECT public.convo_spans($1)::text", text, out);
}

/* keys of "{}" as NULL. */
static void keep_keys(char **field, char *keys)
{
    if (strcmp(keys, "{}") == 0)
        free(keys);
    else
        *field = keys;
}

enum core_status core_search_keys(struct core_search *s, const char *text, bool grams)
{
    char *keys;
    enum core_status st = core_search_spans_of(s->conn, text, &keys);
    if (st != CORE_OK)
        return st;
    keep_keys(&s->spans, keys);
    if (!grams)
        return CORE_OK;
    if ((st = core_search_grams_of(s->conn, text, &keys)) != CORE_OK)
        return st;
    keep_keys(&s->grams, keys);
    return CORE_OK;
}

enum core_status core_search_contact_ids(struct core_conn *conn, const char *text, char **out)
{
    char *pattern = core_like_pattern(text), *digits = core_digits_pattern(text);
    enum core_status st = CORE_ERR_NOMEM;
    if (pattern && digits) {
        struct core_params p = {0};
        core_param_text(&p, pattern);
        bool by_digits = digits[0] != '\0';
        if (by_digits)
            core_param_text(&p, digits);
        PGresult *r = by_digits ? core_conn_exec(conn, "convo_filter_contacts_digits",
                                                 core_sql_filter_contacts_digits, &p, &st)
                                : core_conn_exec(conn, "convo_filter_contacts",
                                                 core_sql_filter_contacts, &p, &st);
        if (r) {
            *out = strdup(PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "{}");
            st = *out ? CORE_OK : CORE_ERR_NOMEM;
            PQclear(r);
        }
    }
    free(pattern);
    free(digits);
    return st;
}

size_t core_search_id_count(const char *ids)
{
    size_t n = strcmp(ids, "{}") != 0;
    for (; *ids; ids++)
        n += *ids == ',';
    return n;
}

void core_search_filter_base(const struct core_search *s, struct core_pos below,
                             struct core_params *p)
{
    const struct core_filter *f = &s->filter;
    core_param_time(p, below.us);
    core_param_int8(p, below.id);
    core_search_filter_terms(f, s->with_ids, p);
}

void core_search_filter_terms(const struct core_filter *f, const char *with_ids,
                              struct core_params *p)
{
    core_param_time(p, f->after_us);
    core_param_time(p, f->before_us);
    core_param_text(p, f->dir == CORE_DIR_ANY ? "" : f->dir == CORE_DIR_IN ? "in"
                       : f->dir == CORE_DIR_OUT ? "out" : "none");
    core_param_text(p, with_ids ? with_ids : "{}");
    core_param_int4(p, with_ids ? 1 : 0);
}

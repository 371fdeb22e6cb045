/* core/search.c - search (placeholder until the engine lands). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct core_search {
    struct core_conn *conn;
    char *term;
    char *cursor;
};

void core_search_abandon(struct core_search *search)
{
    (void)search;
}

enum core_status core_search_open(struct core_conn *conn, const char *term,
                                  const char *cursor, struct core_search **out)
{
    *out = NULL;
    if (core_term_check(term) != CORE_OK)
        return CORE_ERR_TERM;
    struct core_search *s = calloc(1, sizeof *s);
    if (!s)
        return CORE_ERR_NOMEM;
    s->conn = conn;
    s->term = strdup(term ? term : "");
    s->cursor = cursor ? strdup(cursor) : NULL;
    *out = s;
    return CORE_OK;
}

enum core_status core_search_next(struct core_search *s, size_t limit,
                                  double budget_ms, struct core_page *out)
{
    (void)budget_ms;
    return core_recent(s->conn, s->cursor, limit, out);
}

void core_search_close(struct core_search *s)
{
    if (!s)
        return;
    free(s->term);
    free(s->cursor);
    free(s);
}

enum core_status core_search(struct core_conn *conn, const char *term,
                             const char *cursor, size_t limit,
                             struct core_page *out)
{
    struct core_search *s;
    enum core_status st = core_search_open(conn, term, cursor, &s);
    if (st != CORE_OK) {
        core_page_init(out);
        return st;
    }
    st = core_search_next(s, limit, 0, out);
    core_search_close(s);
    return st;
}

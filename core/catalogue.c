/* core/catalogue.c - the partitions of messages as search sees them: each
 * partition's name, bounds and estimated rows, read from the catalog.
 *
 * One catalogue per connection, kept as one of its users (session.h) so
 * that closing the connection frees it, and found again among them by its
 * detach function: the connection holds no pointer of its own to it. It
 * is read again every 10 s, so new months are seen within seconds, and on
 * every new session (the connection counts them), since a reconnect may
 * reach another server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue.h"
#include "cursor.h"
#include "session.h"

#define CATALOGUE_MAX_AGE_MS 10000

struct core_catalogue {
    struct core_conn_user user; /* first: detach receives it */
    struct core_part *parts;
    size_t nparts;
    double loaded_ms;           /* 0 = read again on next use */
    unsigned long session;      /* conn->session when read */
};

/* Bounds come from the catalog, so new months are seen within seconds. */
static const char parts_sql[] =
    "SELECT c.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
    "       b[1]::timestamptz, b[2]::timestamptz, c.reltuples::float8,"
    "       pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"
    "  FROM pg_inherits i"
    "  JOIN pg_class c ON c.oid = i.inhrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  LEFT JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),"
    "       'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)') b ON true"
    " WHERE i.inhparent = 'messages'::regclass";

/* The connection closes: the catalogue goes with it. */
static void catalogue_free(struct core_conn_user *user)
{
    struct core_catalogue *cat = (struct core_catalogue *)user;
    free(cat->parts);
    free(cat);
}

/* conn's catalogue, NULL when it has none yet. */
static struct core_catalogue *catalogue_found(const struct core_conn *conn)
{
    return (struct core_catalogue *)core_conn_find_user(conn, catalogue_free);
}

/* conn's catalogue, made on first use; NULL when out of memory. */
static struct core_catalogue *catalogue_of(struct core_conn *conn)
{
    struct core_catalogue *cat = catalogue_found(conn);
    if (!cat) {
        cat = calloc(1, sizeof *cat);
        if (!cat)
            return NULL;
        core_conn_attach(conn, &cat->user, catalogue_free);
    }
    return cat;
}

static enum core_status catalogue_read(struct core_conn *conn, struct core_catalogue *cat,
                                       double now)
{
    struct core_params p = {0};
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_parts", parts_sql, &p, &st);
    if (!r)
        return st;
    size_t n = (size_t)PQntuples(r);
    struct core_part *parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts) {
        PQclear(r);
        return CORE_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int k = (int)i;
        struct core_part *pt = &parts[i];
        pt->oid = (unsigned)core_get_int8(r, k, 0);
        snprintf(pt->name, sizeof pt->name, "%s", PQgetvalue(r, k, 1));
        bool dflt = core_get_bool(r, k, 5);
        pt->lo_us = dflt || PQgetisnull(r, k, 2) ? CORE_US_NINF : core_get_time(r, k, 2);
        pt->hi_us = dflt || PQgetisnull(r, k, 3) ? CORE_US_INF : core_get_time(r, k, 3);
        uint64_t bits = (uint64_t)core_get_int8(r, k, 4);
        double rows;
        memcpy(&rows, &bits, sizeof rows);
        pt->rows = rows > 0 ? rows : 0;
    }
    PQclear(r);
    free(cat->parts);
    cat->parts = parts;
    cat->nparts = n;
    cat->loaded_ms = now;
    /* Read after the statement: a reconnect inside it started a session. */
    cat->session = conn->session;
    return CORE_OK;
}

enum core_status core_catalogue_parts(struct core_conn *conn, const struct core_part **parts,
                                      size_t *count)
{
    struct core_catalogue *cat = catalogue_of(conn);
    if (!cat)
        return CORE_ERR_NOMEM;
    double now = core_now_ms();
    if (!cat->parts || cat->loaded_ms <= 0 || cat->session != conn->session ||
        now - cat->loaded_ms >= CATALOGUE_MAX_AGE_MS) {
        enum core_status st = catalogue_read(conn, cat, now);
        if (st != CORE_OK)
            return st;
    }
    *parts = cat->parts;
    *count = cat->nparts;
    return CORE_OK;
}

void core_catalogue_stale(struct core_conn *conn)
{
    struct core_catalogue *cat = catalogue_found(conn);
    if (cat)
        cat->loaded_ms = 0;
}

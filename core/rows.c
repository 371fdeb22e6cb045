/* core/rows.c - from results to pages: the row decoder every list shares
 * (one column order), keyset pages of messages with their cursor, and
 * pages of the recent list (recent.c, around.c), with their fallback for a
 * contact whose last-message pointer is stale. A failed call
 * leaves the page empty, never half filled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "page.h"
#include "rows.h"
#include "session.h"
#include "strbuf.h"

/* The newest message of each contact whose pointer is stale. Its
 * own statement, run only then: as a second LATERAL in recent.c's recent_sql it
 * doubled the cost of every page (executor set-up over every partition). */
const char core_rows_newest_sql[] =
    "SELECT c.id, c.name, c.phone_number, f.id, f.direction = 'out', f.content, f.created_at"
    " FROM unnest($1::int4[]) k(cid) JOIN contacts c ON c.id = k.cid"
    " CROSS JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "        WHERE contact_id = c.id ORDER BY created_at DESC, id DESC LIMIT 1) f";

enum core_status core_page_cursor(struct core_conn *conn, const char *cursor,
                                  enum core_cursor_kind kind, uint64_t context,
                                  struct core_pos start, struct core_pos *pos)
{
    const char *why;
    if (!cursor || !*cursor) {
        *pos = start;
        return CORE_OK;
    }
    if (core_cursor_decode(cursor, kind, context, pos, &why) == CORE_OK)
        return CORE_OK;
    snprintf(conn->err, sizeof conn->err, "invalid cursor: %s", why);
    return CORE_ERR_CURSOR;
}

size_t core_clamp_limit(size_t limit)
{
    if (limit == 0)
        return CORE_PAGE_DEFAULT;
    return limit > CORE_PAGE_MAX ? CORE_PAGE_MAX : limit;
}

struct core_row core_row_at(const PGresult *r, int k, int col, char when[CORE_TIME_LEN])
{
    struct core_row row = {
        .contact_id = core_get_int4(r, k, col),
        .name = PQgetvalue(r, k, col + 1),
        .phone_number = PQgetvalue(r, k, col + 2),
        .message_id = core_get_int8(r, k, col + 3),
        .outbound = core_get_bool(r, k, col + 4),
        .content = PQgetvalue(r, k, col + 5),
        .created_at_us = core_get_time(r, k, col + 6),
    };
    core_format_time(row.created_at_us, when);
    row.created_at = when;
    return row;
}

enum core_status core_rows_from_result(struct core_page *out, const PGresult *r,
                                       size_t limit)
{
    size_t n = (size_t)PQntuples(r);
    for (size_t i = 0; i < n && i < limit; i++) {
        char when[CORE_TIME_LEN];
        struct core_row row = core_row_at(r, (int)i, 0, when);
        enum core_status st = core_page_add(out, &row);
        if (st != CORE_OK)
            return st;
    }
    return CORE_OK;
}

enum core_status core_keyset_page(struct core_conn *conn, const char *name,
                                  const char *sql, struct core_params *p,
                                  enum core_cursor_kind kind, uint64_t context,
                                  size_t limit, struct core_page *out, double t0)
{
    enum core_status st;
    core_param_int8(p, (int64_t)limit + 1);
    PGresult *r = core_conn_exec(conn, name, sql, p, &st);
    if (!r)
        return st;
    st = core_rows_from_result(out, r, limit);
    if (st == CORE_OK && (size_t)PQntuples(r) > limit && out->count > 0)
        st = core_page_cursor_at_last(out, kind, context);
    PQclear(r);
    if (st != CORE_OK)
        core_page_free(out);   /* never half a page: a failed call leaves it empty */
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

/* Which of the first scanned rows of r are stale: column 9, and for rows
 * read from contacts alone (CORE_ROW_COPIED) what core_recent_check finds.
 * NULL with *st set when that failed. */
static bool *recent_stale(struct core_conn *conn, const PGresult *r, size_t scanned,
                          enum core_status *st)
{
    bool *stale = calloc(scanned + 1, sizeof *stale);
    if (!stale) {
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    for (size_t i = 0; i < scanned; i++)
        stale[i] = core_get_bool(r, (int)i, 9);
    *st = PQnfields(r) > 10 ? core_recent_check(conn, r, scanned, stale) : CORE_OK;
    if (*st != CORE_OK) {
        free(stale);
        return NULL;
    }
    return stale;
}

/* core_rows_newest_sql for the scanned rows of r marked stale; NULL with
 * *st == CORE_OK when there are none. */
static PGresult *recent_fallback(struct core_conn *conn, const PGresult *r, size_t scanned,
                                 const bool *stale, enum core_status *st)
{
    *st = CORE_OK;
    struct core_strbuf ids = {0};
    bool ok = true;
    for (size_t i = 0; i < scanned && ok; i++)
        if (stale[i])
            ok = core_strbuf_printf(&ids, "%s%d", ids.len ? "," : "{",
                                    core_get_int4(r, (int)i, 0));
    if (ok && ids.len == 0)
        return NULL;   /* every pointer named its contact's newest message: the usual case */
    if (!ok || !core_strbuf_printf(&ids, "}")) {
        free(ids.data);
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    struct core_params p = {0};
    core_param_text(&p, ids.data);
    PGresult *fb = core_conn_exec(conn, "convo_recent_newest", core_rows_newest_sql, &p, st);
    free(ids.data);
    return fb;
}

/* Rows of a recent statement (recent.c's recent_sql, or the reversed walk of
 * around.c): one per contact scanned; more pages when more than limit
 * contacts were scanned, the cursor (of kind) at the last contact's pointer.
 * Pages follow the pointers, so a stale one's contact is on the page its
 * pointer puts it on, in the place its newest message takes there. */
enum core_status core_recent_scan(struct core_conn *conn, const char *name, const char *sql,
                                  enum core_cursor_kind kind, struct core_params *p,
                                  size_t limit, bool newest_first, struct core_page *out,
                                  double t0)
{
    enum core_status st;
    core_param_int8(p, (int64_t)limit + 1);
    PGresult *r = core_conn_exec(conn, name, sql, p, &st);
    if (!r)
        return st;
    size_t n = (size_t)PQntuples(r), scanned = n < limit ? n : limit;
    bool *stale = recent_stale(conn, r, scanned, &st);
    PGresult *fb = stale ? recent_fallback(conn, r, scanned, stale, &st) : NULL;
    for (size_t i = 0; i < scanned && st == CORE_OK; i++) {
        const PGresult *src = r;
        int k = (int)i;
        if (stale[i]) {
            /* the contact's newest message, if it has one left */
            int32_t cid = core_get_int4(r, k, 0);
            src = NULL;
            for (int j = 0; fb && j < PQntuples(fb) && !src; j++)
                if (core_get_int4(fb, j, 0) == cid) {
                    src = fb;
                    k = j;
                }
            if (!src)
                continue;
        }
        char when[CORE_TIME_LEN];
        struct core_row row = core_row_at(src, k, 0, when);
        st = core_page_add(out, &row);
    }
    if (fb)
        core_page_sort(out, newest_first);
    PQclear(fb);
    free(stale);
    if (st == CORE_OK && n > limit) {
        struct core_pos last = {core_get_time(r, (int)limit - 1, 7),
                                core_get_int8(r, (int)limit - 1, 8)};
        char cur[CORE_CURSOR_LEN + 1];
        core_cursor_encode(kind, 0, last, cur);
        st = core_page_set_cursor(out, cur);
    }
    PQclear(r);
    if (st != CORE_OK)
        core_page_free(out);   /* never half a page: a failed call leaves it empty */
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

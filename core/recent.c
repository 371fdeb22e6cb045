/* core/recent.c - the recent-conversations list and one conversation's
 * messages: keyset pages over an index, constant cost at any depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The trigger-kept pointer makes the list one range scan of
 * contacts_last_message; the message itself is one primary-key probe into
 * the partition that holds it. LATERAL ... LIMIT 1 keeps that shape in the
 * generic plan, which is planned once per session (a merge join over every
 * partition would read a million rows for a deep page).
 *
 * A pointer should never be wrong (schema/005), but a reader must not lose a
 * conversation if one ever is: the join is outer, a pointer at no message
 * falls back to the contact's newest message (newest_sql, run only then),
 * and the page and its cursor follow the contacts scanned (columns 7 and 8),
 * not the rows joined. A contact left with no message at all is skipped. */
static const char recent_sql[] =
    "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content, m.created_at,"
    "       c.last_message_at, c.last_message_id"
    " FROM (SELECT id, name, phone_number, last_message_at, last_message_id FROM contacts"
    "        WHERE last_message_id IS NOT NULL"
    "          AND (last_message_at, last_message_id) < ($1, $2)"
    "        ORDER BY last_message_at DESC, last_message_id DESC"
    "        LIMIT $3) c"
    " LEFT JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "        WHERE created_at = c.last_message_at AND id = c.last_message_id LIMIT 1) m ON true"
    " ORDER BY c.last_message_at DESC, c.last_message_id DESC";

/* The newest message of each contact whose pointer named no message. Its
 * own statement, run only then: as a second LATERAL in recent_sql it
 * doubled the cost of every page (executor set-up over every partition). */
static const char newest_sql[] =
    "SELECT c.id, c.name, c.phone_number, f.id, f.direction = 'out', f.content, f.created_at"
    " FROM unnest($1::int4[]) k(cid) JOIN contacts c ON c.id = k.cid"
    " CROSS JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "        WHERE contact_id = c.id ORDER BY created_at DESC, id DESC LIMIT 1) f";

static const char messages_sql[] =
    "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content, m.created_at"
    " FROM messages m JOIN contacts c ON c.id = m.contact_id"
    " WHERE m.contact_id = $1 AND (m.created_at, m.id) < ($2, $3)"
    " ORDER BY m.created_at DESC, m.id DESC"
    " LIMIT $4";

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

/* Rows in the shared column order above, up to limit of them. */
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
    if (st == CORE_OK && (size_t)PQntuples(r) > limit && out->count > 0) {
        const struct core_row *last = &out->rows[out->count - 1];
        char cur[CORE_CURSOR_LEN + 1];
        core_cursor_encode(kind, context,
                           (struct core_pos){last->created_at_us, last->message_id}, cur);
        st = core_page_set_cursor(out, cur);
    }
    PQclear(r);
    if (st != CORE_OK)
        core_page_free(out);   /* never half a page: a failed call leaves it empty */
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

/* newest_sql for the scanned rows of r whose pointer named no message
 * (column 3 NULL); NULL with *st == CORE_OK when there are none. */
static PGresult *recent_fallback(struct core_conn *conn, const PGresult *r, size_t scanned,
                                 enum core_status *st)
{
    *st = CORE_OK;
    char *ids = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ids, &len);
    if (!f) {
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    int missing = 0;
    for (size_t i = 0; i < scanned; i++)
        if (PQgetisnull(r, (int)i, 3))
            fprintf(f, "%s%d", missing++ ? "," : "{", core_get_int4(r, (int)i, 0));
    fputc('}', f);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        free(ids);
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    PGresult *fb = NULL;
    if (missing) {
        struct core_params p = {0};
        core_param_text(&p, ids);
        fb = core_conn_exec(conn, "convo_recent_newest", newest_sql, &p, st);
    }
    free(ids);
    return fb;
}

/* Rows of a recent statement (recent_sql, or the reversed walk of
 * around.c): one per contact scanned; more pages when more than limit
 * contacts were scanned, the cursor (of kind) at the last contact's pointer. */
enum core_status core_recent_scan(struct core_conn *conn, const char *name, const char *sql,
                                  enum core_cursor_kind kind, struct core_params *p,
                                  size_t limit, struct core_page *out, double t0)
{
    enum core_status st;
    core_param_int8(p, (int64_t)limit + 1);
    PGresult *r = core_conn_exec(conn, name, sql, p, &st);
    if (!r)
        return st;
    size_t n = (size_t)PQntuples(r), scanned = n < limit ? n : limit;
    PGresult *fb = recent_fallback(conn, r, scanned, &st);
    for (size_t i = 0; i < scanned && st == CORE_OK; i++) {
        const PGresult *src = r;
        int k = (int)i;
        if (PQgetisnull(r, k, 3)) {
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
    PQclear(fb);
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

enum core_status core_recent(struct core_conn *conn, const char *cursor,
                             size_t limit, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    atomic_store(&conn->cancel_requested, false);
    struct core_pos pos;
    const char *why;
    if (core_cursor_decode(cursor, CORE_CURSOR_RECENT, 0, &pos, &why) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid cursor: %s", why);
        return CORE_ERR_CURSOR;
    }
    struct core_params p = {0};
    core_param_time(&p, pos.us);
    core_param_int8(&p, pos.id);
    return core_recent_scan(conn, "convo_recent", recent_sql, CORE_CURSOR_RECENT, &p,
                            core_clamp_limit(limit), out, t0);
}

enum core_status core_messages(struct core_conn *conn, int32_t contact_id,
                               const char *cursor, size_t limit,
                               struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    atomic_store(&conn->cancel_requested, false);
    struct core_pos pos;
    const char *why;
    if (core_cursor_decode(cursor, CORE_CURSOR_MESSAGES, (uint64_t)(uint32_t)contact_id,
                           &pos, &why) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid cursor: %s", why);
        return CORE_ERR_CURSOR;
    }
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    core_param_time(&p, pos.us);
    core_param_int8(&p, pos.id);
    return core_keyset_page(conn, "convo_messages", messages_sql, &p, CORE_CURSOR_MESSAGES,
                       (uint64_t)(uint32_t)contact_id, core_clamp_limit(limit), out, t0);
}

static const char contact_sql[] = "SELECT 1 FROM contacts WHERE id = $1";

enum core_status core_contact_exists(struct core_conn *conn, int32_t contact_id)
{
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_contact", contact_sql, &p, &st);
    if (!r)
        return st;
    st = PQntuples(r) > 0 ? CORE_OK : CORE_ERR_NOT_FOUND;
    if (st == CORE_ERR_NOT_FOUND)
        snprintf(conn->err, sizeof conn->err, "no contact with id %d", (int)contact_id);
    PQclear(r);
    return st;
}

/* core/around.c - the walks the terminal program needs besides the newest
 * first ones: the messages around one message (to open a search hit at any
 * depth at once), a conversation walked oldest first (newer pages below a
 * hit, or the start of a conversation without loading all of it), and the
 * recent list walked from its end (the conversation with the oldest last
 * message first). Keyset pages over the same indexes as recent.c, read
 * backwards, so every page costs the same at any depth. */
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "page.h"
#include "rows.h"
#include "session.h"

/* The anchor and what is older, newest first (messages_contact_time). */
static const char older_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE m.contact_id = $1 AND (m.created_at, m.id) <= ($2, $3)"
    " ORDER BY m.created_at DESC, m.id DESC"
    " LIMIT $4";

/* Newer than a position, oldest first: the same index read forwards. */
static const char newer_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE m.contact_id = $1 AND (m.created_at, m.id) > ($2, $3)"
    " ORDER BY m.created_at, m.id"
    " LIMIT $4";

/* recent.c's query in the other direction, with the same safety: outer
 * joins, a fallback to the contact's newest message when a pointer is
 * wrong, and pages decided by the contacts scanned (columns 7 and 8). */
static const char recent_rev_sql[] =
    "SELECT " CORE_ROW_COLUMNS ","
    "       c.last_message_at, c.last_message_id," CORE_ROW_STALE
    " FROM (SELECT id, name, phone_number, last_message_at, last_message_id FROM contacts"
    "        WHERE last_message_id IS NOT NULL"
    "          AND (last_message_at, last_message_id) > ($1, $2)"
    "        ORDER BY last_message_at, last_message_id"
    "        LIMIT $3) c"
    " LEFT JOIN LATERAL (" CORE_ROW_POINTED ") m ON true"
    " ORDER BY c.last_message_at, c.last_message_id";

enum core_status core_messages_around(struct core_conn *conn, int32_t contact_id,
                                      int64_t at_us, int64_t message_id, size_t limit,
                                      struct core_page *older, struct core_page *newer)
{
    double t0 = core_now_ms();
    core_page_init(older);
    core_page_init(newer);
    core_conn_begin(conn);
    limit = core_clamp_limit(limit);
    uint64_t ctx = (uint64_t)(uint32_t)contact_id;
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    core_param_time(&p, at_us);
    core_param_int8(&p, message_id);
    enum core_status st = core_keyset_page(conn, "convo_around_older", older_sql, &p,
                                           CORE_CURSOR_MESSAGES, ctx, limit, older, t0);
    if (st != CORE_OK)
        return st;
    struct core_params q = {0};
    core_param_int4(&q, contact_id);
    core_param_time(&q, at_us);
    core_param_int8(&q, message_id);
    st = core_keyset_page(conn, "convo_around_newer", newer_sql, &q, CORE_CURSOR_NEWER, ctx,
                          limit, newer, t0);
    if (st != CORE_OK) {
        core_page_free(older);
        core_page_free(newer);
        return st;
    }
    older->elapsed_ms = newer->elapsed_ms = core_now_ms() - t0;
    return st;
}

enum core_status core_messages_newer(struct core_conn *conn, int32_t contact_id,
                                     const char *cursor, size_t limit, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    core_conn_begin(conn);
    uint64_t ctx = (uint64_t)(uint32_t)contact_id;
    struct core_pos pos;
    enum core_status st = core_page_cursor(conn, cursor, CORE_CURSOR_NEWER, ctx,
                                           CORE_POS_BOTTOM, &pos);
    if (st != CORE_OK)
        return st;
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    core_param_time(&p, pos.us);
    core_param_int8(&p, pos.id);
    return core_keyset_page(conn, "convo_newer", newer_sql, &p, CORE_CURSOR_NEWER, ctx,
                            core_clamp_limit(limit), out, t0);
}

enum core_status core_recent_reversed(struct core_conn *conn, const char *cursor,
                                      size_t limit, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    core_conn_begin(conn);
    struct core_pos pos;
    enum core_status st = core_page_cursor(conn, cursor, CORE_CURSOR_RECENT_REV, 0,
                                           CORE_POS_BOTTOM, &pos);
    if (st != CORE_OK)
        return st;
    limit = core_clamp_limit(limit);
    struct core_params p = {0};
    core_param_time(&p, pos.us);
    core_param_int8(&p, pos.id);
    return core_recent_scan(conn, "convo_recent_rev", recent_rev_sql, CORE_CURSOR_RECENT_REV,
                            &p, limit, false, out, t0);
}

enum core_status core_recent_count(struct core_conn *conn, int64_t *out)
{
    core_conn_begin(conn);
    enum core_status st;
    struct core_params p = {0};
    PGresult *r = core_conn_exec(conn, "convo_recent_count",
                                 "SELECT count(*) FROM contacts WHERE last_message_id IS NOT NULL",
                                 &p, &st);
    if (!r)
        return st;
    *out = core_get_int8(r, 0, 0);
    PQclear(r);
    return CORE_OK;
}

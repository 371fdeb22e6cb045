/* core/recent.c - the recent-conversations list and one conversation's
 * messages: keyset pages over an index, constant cost at any depth. The
 * pages themselves are built by rows.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "page.h"
#include "rows.h"
#include "session.h"

/* The trigger-kept pointer and the copy of its message next to it (schema
 * 012) make the list one range scan of contacts_last_message: no partition
 * of messages is planned over or opened for it, which is most of what a
 * fresh backend spent on a page when each row joined its message.
 *
 * A pointer should never be wrong (schema/010), but a reader must not lose
 * a conversation or show a wrong message if one ever is: each row is
 * checked against messages in a second statement pruned to the page's
 * partitions (recent_check.c); a stale row, or one without a copy, falls
 * back to the contact's newest message (rows.c, run only then), and the
 * page and its cursor follow the contacts scanned (columns 7 and 8), not
 * the rows shown. A contact left with no message at all is skipped; one
 * with messages and no pointer comes after the last pointer
 * (recent_orphans). */
static const char recent_sql[] =
    "SELECT " CORE_ROW_COPIED
    " FROM contacts c"
    " WHERE c.last_message_id IS NOT NULL"
    "   AND (c.last_message_at, c.last_message_id) < ($1, $2)"
    " ORDER BY c.last_message_at DESC, c.last_message_id DESC"
    " LIMIT $3";

/* Contacts whose pointer is NULL although they have messages (written
 * behind the triggers' back): after every other contact, by id, each at
 * its newest message. Read only at the end of the list: there is no index
 * for them. */
static const char orphans_sql[] =
    "SELECT c.id, c.name, c.phone_number, f.id, f.direction = 'out', f.content, f.created_at"
    " FROM contacts c"
    " CROSS JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "        WHERE contact_id = c.id ORDER BY created_at DESC, id DESC LIMIT 1) f"
    " WHERE c.last_message_id IS NULL AND c.id < $1::int8"
    " ORDER BY c.id DESC LIMIT $2";

static const char messages_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE m.contact_id = $1 AND (m.created_at, m.id) < ($2, $3)"
    " ORDER BY m.created_at DESC, m.id DESC"
    " LIMIT $4";

/* The list's end: contacts with messages and no pointer, keyed (-infinity,
 * contact id) below every pointer, added to out up to limit rows (out may
 * be full already: then only the cursor); a cursor when more remain. */
static enum core_status recent_orphans(struct core_conn *conn, struct core_pos pos,
                                       size_t limit, struct core_page *out)
{
    size_t room = limit - out->count;
    struct core_params p = {0};
    core_param_int8(&p, pos.id);
    core_param_int8(&p, (int64_t)room + 1);
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_recent_orphans", orphans_sql, &p, &st);
    if (!r)
        return st;
    size_t n = (size_t)PQntuples(r);
    st = core_rows_from_result(out, r, room);
    if (st == CORE_OK && n > room) {
        /* at the last row, or where the orphans start when none fit */
        struct core_pos last = {CORE_US_NINF,
                                room ? core_get_int4(r, (int)room - 1, 0) : pos.id};
        char cur[CORE_CURSOR_LEN + 1];
        core_cursor_encode(CORE_CURSOR_RECENT, 0, last, cur);
        st = core_page_set_cursor(out, cur);
    }
    PQclear(r);
    return st;
}

enum core_status core_recent(struct core_conn *conn, const char *cursor,
                             size_t limit, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    core_conn_begin(conn);
    struct core_pos pos;
    enum core_status st = core_page_cursor(conn, cursor, CORE_CURSOR_RECENT, 0, CORE_POS_TOP, &pos);
    if (st != CORE_OK)
        return st;
    struct core_params p = {0};
    core_param_time(&p, pos.us);
    core_param_int8(&p, pos.id);
    limit = core_clamp_limit(limit);
    if (pos.us != CORE_US_NINF) {
        st = core_recent_scan(conn, "convo_recent", recent_sql, CORE_CURSOR_RECENT, &p,
                              limit, true, out, t0);
        if (st != CORE_OK || out->next_cursor)
            return st;
        pos = (struct core_pos){CORE_US_NINF, (int64_t)INT32_MAX + 1};
    }
    size_t before = out->count;
    st = recent_orphans(conn, pos, limit, out);
    if (st != CORE_OK)
        core_page_free(out);   /* never half a page */
    else if (out->count > before && before > 0)
        core_page_sort(out, true);   /* in the order of the messages shown */
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

enum core_status core_messages(struct core_conn *conn, int32_t contact_id,
                               const char *cursor, size_t limit,
                               struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    core_conn_begin(conn);
    struct core_pos pos;
    enum core_status st = core_page_cursor(conn, cursor, CORE_CURSOR_MESSAGES,
                                           (uint64_t)(uint32_t)contact_id, CORE_POS_TOP, &pos);
    if (st != CORE_OK)
        return st;
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
    core_conn_begin(conn);
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

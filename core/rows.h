/* core/rows.h - turning results into pages (rows.c): the row decoder every
 * list shares, and the two page shapes built on it (keyset pages of
 * messages, pages of the recent list). */
#ifndef CONVO_CORE_ROWS_H
#define CONVO_CORE_ROWS_H

#include "cursor.h"
#include "session.h"

/* The position a page request's cursor names: start when cursor is NULL
 * or empty (CORE_POS_TOP for the newest-first lists, CORE_POS_BOTTOM for
 * the oldest-first walks); CORE_ERR_CURSOR with conn->err saying what was
 * wrong with it. */
enum core_status core_page_cursor(struct core_conn *conn, const char *cursor,
                                  enum core_cursor_kind kind, uint64_t context,
                                  struct core_pos start, struct core_pos *pos);
/* limit as asked (0 = CORE_PAGE_DEFAULT), at most CORE_PAGE_MAX. */
size_t core_clamp_limit(size_t limit);
/* Columns: contact id, name, phone, message id, outbound, content, created_at,
 * as the statements select them (c a contact, m a message), and a message
 * joined to its contact. */
#define CORE_ROW_COLUMNS \
    "c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content, m.created_at"
#define CORE_ROW_FROM_MESSAGES " FROM messages m JOIN contacts c ON c.id = m.contact_id"
/* A recent statement's probe of the message a contact c's pointer names
 * (its own message only), and whether the pointer is stale: it names no
 * message of c, or c has a newer one (created_at >= prunes the partitions
 * below the pointer). */
#define CORE_ROW_POINTED                                                       \
    "SELECT id, direction, content, created_at FROM messages"                  \
    " WHERE created_at = c.last_message_at AND id = c.last_message_id"         \
    "   AND contact_id = c.id LIMIT 1"
#define CORE_ROW_STALE                                                         \
    " m.id IS NULL OR EXISTS (SELECT 1 FROM messages n WHERE n.contact_id = c.id" \
    "   AND n.created_at >= c.last_message_at"                                 \
    "   AND (n.created_at, n.id) > (c.last_message_at, c.last_message_id))"
/* A recent statement's columns read from contacts alone (schema 050): the
 * pointer and the copy of its message (CORE_ROW_COLUMNS of a contact c),
 * the pointer again at 7 and 8, at 9 whether the copy is missing, and at
 * 10 the copy's digest, which core_recent_check compares with messages. */
#define CORE_ROW_COPIED                                                        \
    "c.id, c.name, c.phone_number, c.last_message_id,"                         \
    " c.last_message_direction = 'out', c.last_message_content,"               \
    " c.last_message_at, c.last_message_at, c.last_message_id,"                \
    " c.last_message_direction IS NULL OR c.last_message_content IS NULL,"     \
    " md5(c.last_message_direction || ' ' || c.last_message_content)"
/* Marks stale[i] for each of the first scanned rows of r (CORE_ROW_COPIED)
 * not marked yet whose copy is not its contact's newest message. */
enum core_status core_recent_check(struct core_conn *conn, const PGresult *r, size_t scanned,
                                   bool *stale);
/* The newest message of each contact of $1 (int4[]), in the row decoder's
 * columns: for pointers found stale (prepared as "convo_recent_newest"). */
extern const char core_rows_newest_sql[];
/* Row k read from that column order starting at column col; when receives
 * the formatted time and must outlive the row. */
struct core_row core_row_at(const PGresult *r, int k, int col, char when[CORE_TIME_LEN]);
/* Rows in that column order from column 0, up to limit of them, added to out. */
enum core_status core_rows_from_result(struct core_page *out, const PGresult *r,
                                       size_t limit);
/* A keyset page of messages in the row decoder's columns; its last
 * parameter, limit + 1, is added here; the cursor (kind, context) sits at
 * the last row. */
enum core_status core_keyset_page(struct core_conn *conn, const char *name,
                                  const char *sql, struct core_params *p,
                                  enum core_cursor_kind kind, uint64_t context,
                                  size_t limit, struct core_page *out, double t0);
/* A page of a recent statement (recent.c's, or around.c's reversed walk):
 * columns of the row decoder, then the contact's pointer at 7 and 8 and
 * CORE_ROW_STALE at 9, or CORE_ROW_COPIED (11 columns: its rows are checked
 * by core_recent_check); its last parameter, limit + 1, is added here. A
 * stale pointer's contact is shown at its newest message; the page is in
 * the order of the rows shown (newest_first or oldest first). */
enum core_status core_recent_scan(struct core_conn *conn, const char *name, const char *sql,
                                  enum core_cursor_kind kind, struct core_params *p,
                                  size_t limit, bool newest_first, struct core_page *out,
                                  double t0);

#endif

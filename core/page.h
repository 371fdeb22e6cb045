/* core/page.h - building the pages core hands out (page.c): rows and
 * strings copied in, owned by the page. */
#ifndef CONVO_CORE_PAGE_H
#define CONVO_CORE_PAGE_H

#include <stdint.h>

#include "cursor.h"
#include "lib.h"

/* Start an empty page; rows are added with core_page_add. */
void core_page_init(struct core_page *page);
/* Append a row, copying its strings into the page. */
enum core_status core_page_add(struct core_page *page, const struct core_row *row);
enum core_status core_page_set_cursor(struct core_page *page, const char *cursor);
/* The page's cursor at its last row (a keyset page continues below it):
 * CORE_ERR_NOMEM when it cannot be kept, never a page that looks final. */
enum core_status core_page_cursor_at_last(struct core_page *page, enum core_cursor_kind kind,
                                          uint64_t context);
/* An instant as PostgreSQL reads it back (YYYY-MM-DD ... BC); the ISO form
 * is core_format_time() in lib.h. */
void core_format_time_sql(int64_t us, char out[CORE_TIME_LEN]);

/* The rows by (created_at, message id), newest or oldest first; the
 * cursor is left as it is. */
void core_page_sort(struct core_page *page, bool newest_first);

#endif

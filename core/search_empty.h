/* core/search_empty.h - search's source of contacts without a message
 * (search_empty.c). */
#ifndef CONVO_CORE_SEARCH_EMPTY_H
#define CONVO_CORE_SEARCH_EMPTY_H

#include "search_int.h"

/* Where the contacts without messages lie in a search's walk: at
 * (-infinity, contact id + CORE_EMPTY_BASE), below every conversation and
 * below the contacts whose pointer is missing though they have messages
 * (at (-infinity, contact id), search_sql.c), so that the two never share
 * a place. */
#define CORE_EMPTY_BASE (-4294967296LL)
static inline bool core_search_pos_empty(struct core_pos pos)
{
    return pos.us == CORE_US_NINF && pos.id < 0;
}

/* The source's first frontier below cursor: the top of the contacts
 * without messages, or the cursor when it lies among them. */
struct core_pos core_search_empty_start(struct core_pos cursor);
/* Send the step: up to need contacts below the frontier. Its result is
 * applied like a bitmap step's (a full LIMIT: more may follow). */
enum core_status core_search_empty_send(struct core_search *s, struct source *src,
                                        size_t need);
/* Final candidates of this source (positions at -infinity) to rows of
 * s->page, in batch order. */
enum core_status core_search_empty_final(struct core_search *s, const struct item *batch,
                                         size_t n);

#endif

/* core/search_page.c - a search's page rows and their places in the walk
 * (search_int.h), shared by the conversations (search_emit.c) and the
 * contacts without messages (search_empty.c). */
#include <stdlib.h>

#include "page.h"
#include "search_int.h"

enum core_status core_search_page_add(struct core_search *s, const struct core_row *row,
                                      struct core_pos key)
{
    if (s->page.count == s->capkeys) {
        size_t cap = s->capkeys ? s->capkeys * 2 : 64;
        struct core_pos *keys = realloc(s->keys, cap * sizeof *keys);
        if (!keys)
            return CORE_ERR_NOMEM;
        s->keys = keys;
        s->capkeys = cap;
    }
    enum core_status st = core_page_add(&s->page, row);
    if (st == CORE_OK)
        s->keys[s->page.count - 1] = key;
    return st;
}

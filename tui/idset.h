/* tui/idset.h - a set of contact ids that only grows until cleared: the
 * conversations with news while the list is scrolled, counted however
 * many there are (up to IDSET_MAX). */
#ifndef CONVO_TUI_IDSET_H
#define CONVO_TUI_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDSET_MAX 1000000

struct idset {
    int32_t *table;   /* open addressing; 0 = empty (ids are > 0) */
    size_t cap, n;
};

/* False when the set is full (IDSET_MAX) and id is not in it. */
bool idset_add(struct idset *s, int32_t id);
void idset_clear(struct idset *s);
void idset_free(struct idset *s);

#endif

/* core/posset.h - a set of message positions (created_at, id), what
 * identifies a message (posset.c): ids alone repeat across times. Open
 * addressing over a power-of-two table. */
#ifndef CONVO_CORE_POSSET_H
#define CONVO_CORE_POSSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* Zero-initialized is the empty set. */
struct core_posset {
    struct core_pos *slots;
    size_t cap, used;
};

bool core_posset_has(const struct core_posset *s, struct core_pos pos);
/* false when memory ran out (the set is unchanged). */
bool core_posset_add(struct core_posset *s, struct core_pos pos);
void core_posset_free(struct core_posset *s);

#endif

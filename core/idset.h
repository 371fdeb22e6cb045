/* core/idset.h - a set of contact ids (idset.c): open addressing over a
 * power-of-two table, 0 = empty slot, so ids must not be 0. */
#ifndef CONVO_CORE_IDSET_H
#define CONVO_CORE_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zero-initialized is the empty set. */
struct core_idset {
    int32_t *slots;
    size_t cap, used;
};

bool core_idset_has(const struct core_idset *s, int32_t id);
/* false when memory ran out (the set is unchanged). */
bool core_idset_add(struct core_idset *s, int32_t id);
void core_idset_free(struct core_idset *s);

#endif

/* tui/idset.c - a growing set of contact ids (idset.h): open addressing
 * with linear probing, doubled at half full, so that adding the ids of a
 * live update costs the same however many are in it. */
#include "idset.h"

#include <stdlib.h>

#include "base.h"

static size_t slot_for(const int32_t *slots, size_t cap, int32_t id)
{
    size_t i = ((uint32_t)id * 2654435761u) & (cap - 1);
    while (slots[i] != 0 && slots[i] != id)
        i = (i + 1) & (cap - 1);
    return i;
}

static void grow(struct idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    int32_t *slots = core_xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i] != 0)
            slots[slot_for(slots, cap, s->slots[i])] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
}

bool idset_add(struct idset *s, int32_t id)
{
    if (id <= 0)
        return true;   /* not a contact: nothing to count */
    if (s->cap) {
        size_t i = slot_for(s->slots, s->cap, id);
        if (s->slots[i] == id)
            return true;
    }
    if (s->n >= IDSET_MAX)
        return false;
    if ((s->n + 1) * 2 > s->cap)
        grow(s);
    s->slots[slot_for(s->slots, s->cap, id)] = id;
    s->n++;
    return true;
}

void idset_clear(struct idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}

void idset_free(struct idset *s)
{
    idset_clear(s);
}

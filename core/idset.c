/* core/idset.c - a set of contact ids for search: which conversations
 * were shown or ruled out already. Open addressing with linear probing,
 * grown to keep it at most half full. */
#include <stdlib.h>

#include "idset.h"

static size_t idset_slot(int32_t id, size_t cap)
{
    return ((uint32_t)id * 2654435761u) & (cap - 1);
}

bool core_idset_has(const struct core_idset *s, int32_t id)
{
    if (!s->cap)
        return false;
    size_t i = idset_slot(id, s->cap);
    while (s->slots[i]) {
        if (s->slots[i] == id)
            return true;
        i = (i + 1) & (s->cap - 1);
    }
    return false;
}

bool core_idset_add(struct core_idset *s, int32_t id)
{
    if ((s->used + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int32_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < s->cap; i++) {
            int32_t v = s->slots[i];
            if (!v)
                continue;
            size_t j = idset_slot(v, cap);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = v;
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t i = idset_slot(id, s->cap);
    while (s->slots[i]) {
        if (s->slots[i] == id)
            return true;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = id;
    s->used++;
    return true;
}

void core_idset_free(struct core_idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->used = 0;
}

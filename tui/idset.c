/* tui/idset.c - a growing set of contact ids (idset.h): open addressing
 * with linear probing, doubled at half full, so that adding the ids of a
 * live update costs the same however many are in it. */
#include "idset.h"

#include <stdlib.h>

#include "base.h"

static size_t probe(const int32_t *table, size_t cap, int32_t id)
{
    size_t i = ((uint32_t)id * 2654435761u) & (cap - 1);
    while (table[i] != 0 && table[i] != id)
        i = (i + 1) & (cap - 1);
    return i;
}

static void grow(struct idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    int32_t *table = core_xcalloc(cap, sizeof *table);
    for (size_t i = 0; i < s->cap; i++)
        if (s->table[i] != 0)
            table[probe(table, cap, s->table[i])] = s->table[i];
    free(s->table);
    s->table = table;
    s->cap = cap;
}

bool idset_add(struct idset *s, int32_t id)
{
    if (id <= 0)
        return true;   /* not a contact: nothing to count */
    if (s->cap) {
        size_t i = probe(s->table, s->cap, id);
        if (s->table[i] == id)
            return true;
    }
    if (s->n >= IDSET_MAX)
        return false;
    if ((s->n + 1) * 2 > s->cap)
        grow(s);
    s->table[probe(s->table, s->cap, id)] = id;
    s->n++;
    return true;
}

void idset_clear(struct idset *s)
{
    free(s->table);
    s->table = NULL;
    s->cap = s->n = 0;
}

void idset_free(struct idset *s)
{
    idset_clear(s);
}

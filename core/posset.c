/* core/posset.c - a set of message positions for follow: which messages
 * it printed. Open addressing with linear probing, grown to keep it at
 * most half full; an empty slot holds a time no message has (INT64_MIN,
 * before PostgreSQL's first instant). */
#include <stdlib.h>

#include "posset.h"

#define EMPTY INT64_MIN

static size_t posset_slot(struct core_pos pos, size_t cap)
{
    uint64_t h = (uint64_t)pos.us * 0x9e3779b97f4a7c15u ^ (uint64_t)pos.id * 0xc2b2ae3d27d4eb4fu;
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static size_t posset_find(const struct core_pos *slots, size_t cap, struct core_pos pos)
{
    size_t i = posset_slot(pos, cap);
    while (slots[i].us != EMPTY && (slots[i].us != pos.us || slots[i].id != pos.id))
        i = (i + 1) & (cap - 1);
    return i;
}

bool core_posset_has(const struct core_posset *s, struct core_pos pos)
{
    return s->cap && s->slots[posset_find(s->slots, s->cap, pos)].us != EMPTY;
}

static bool posset_grow(struct core_posset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 256;
    struct core_pos *slots = malloc(cap * sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < cap; i++)
        slots[i].us = EMPTY;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].us != EMPTY)
            slots[posset_find(slots, cap, s->slots[i])] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return true;
}

bool core_posset_add(struct core_posset *s, struct core_pos pos)
{
    if (pos.us == EMPTY)
        return false;
    if ((s->used + 1) * 2 > s->cap && !posset_grow(s))
        return false;
    size_t i = posset_find(s->slots, s->cap, pos);
    if (s->slots[i].us == EMPTY) {
        s->slots[i] = pos;
        s->used++;
    }
    return true;
}

void core_posset_free(struct core_posset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->used = 0;
}

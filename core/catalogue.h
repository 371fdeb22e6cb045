/* core/catalogue.h - the partitions of messages, as search sees them
 * (catalogue.c). */
#ifndef CONVO_CORE_CATALOGUE_H
#define CONVO_CORE_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* One monthly (or the default) partition of messages. */
struct core_part {
    unsigned oid;
    char name[160];       /* schema-qualified, quoted for SQL */
    int64_t lo_us, hi_us; /* bounds; CORE_US_NINF / CORE_US_INF when open */
    double rows;          /* the planner's estimate */
};

/* conn's partitions, read from the catalog at most every 10 s and again
 * on every new session. Valid until the next core call on conn. */
enum core_status core_catalogue_parts(struct core_conn *conn, const struct core_part **parts,
                                      size_t *count);
/* Read them again on next use: partitions may have been swapped or dropped. */
void core_catalogue_stale(struct core_conn *conn);

#endif

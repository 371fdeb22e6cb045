/* seeder/import.h - the loader's side of an import (import.c): where the
 * loader of load.c, pool.c and swap.c reads rows from the source's snapshot
 * instead of the generated plan. */
#ifndef CONVO_SEED_IMPORT_H
#define CONVO_SEED_IMPORT_H

#include <libpq-fe.h>

#include "seed.h"

/* With convo's schema staged on target: look at every source row, list the
 * bad ones (or refuse them) and plan the partitions; after it,
 * seed_import_plan() has the counts and months. */
bool seed_import_prepare(struct seed_import *im, PGconn *target, struct seed_progress *progress,
                         char *err, size_t errlen);
/* Contacts, relayed into STAGE.contacts on target (the main connection). */
bool seed_import_contacts(struct seed_import *im, PGconn *target, struct seed_progress *progress,
                          int bar, char *err, size_t errlen);
/* The month m of messages, relayed into STAGE.table on target by worker
 * (its own reader of the same snapshot); as seed_copy_month(). */
bool seed_import_month(struct seed_import *im, int worker, PGconn *target, const char *table,
                       const struct seed_month *m, struct seed_progress *progress, int bar,
                       const _Atomic bool *failed, size_t *reported, char *err, size_t errlen);
/* Every row is read: end the source's transactions and close them. */
void seed_import_end_reading(struct seed_import *im);

#endif

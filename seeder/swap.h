/* seeder/swap.h - the main connection's phases after the builds start:
 * attaching each built partition, ANALYZE, and the swap into public whose
 * COMMIT may be lost. */
#ifndef CONVO_SEED_SWAP_H
#define CONVO_SEED_SWAP_H

#include <libpq-fe.h>

#include "pool.h"

/* Whether public may be replaced: it holds no convo data, or reset. err
 * says why not. */
bool seed_swap_may_replace(PGconn *conn, bool reset, char *err, size_t errlen);
/* ATTACH each partition as soon as a worker built it, until all are or the
 * run failed (seed_run_fail() says why). */
void seed_swap_attach_all(struct seed_run *r, PGconn *conn);
/* VACUUM (ANALYZE) contacts, then ANALYZE messages, watched, on bar. */
bool seed_swap_analyze(struct seed_run *r, PGconn *conn, int bar, char *err, size_t errlen);
/* Fill in what the load left out, set the sequences, and move the staging
 * schema into public in one transaction (see seed_load's commit_lost and
 * outcome_unknown). */
bool seed_swap_publish(struct seed_run *r, PGconn *conn, char *err, size_t errlen);

#endif

/* seeder/pool.h - the shared state of one load, the workers that build the
 * partitions, and cancellation (on a failure or on Ctrl-C). */
#ifndef CONVO_SEED_POOL_H
#define CONVO_SEED_POOL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>

#include "schema.h"
#include "seed.h"

#define SEED_MAX_WORKERS 8

/* Where the rows come from when they are not the generated plan's (an
 * import, import.c): the loader calls these in place of copy.c's, each with
 * arg. */
struct seed_rows {
    /* With the schema staged on target, before any row: fill the plan
     * (counts, months) the loader was given. */
    bool (*prepare)(void *arg, PGconn *target, struct seed_progress *progress, char *err,
                    size_t errlen);
    /* As seed_copy_contacts(). */
    bool (*contacts)(void *arg, PGconn *target, struct seed_progress *progress, int bar,
                     char *err, size_t errlen);
    /* As seed_copy_month(), on the connection of worker. */
    bool (*month)(void *arg, int worker, PGconn *target, const char *table,
                  const struct seed_month *m, struct seed_progress *progress, int bar,
                  const _Atomic bool *failed, size_t *reported, char *err, size_t errlen);
    /* Every row is loaded (before ANALYZE and the swap). */
    void (*done)(void *arg);
    void *arg;
};

/* One monthly partition of messages. */
struct seed_part {
    const struct seed_month *month;
    char name[64];
    bool built, attached;
};

struct seed_run;

struct seed_worker {
    struct seed_run *run;
    int index;
    pthread_t thread;
};

struct seed_run {
    struct seed_load *load;
    const struct seed_plan *plan;
    const struct seed_bodies *bodies;
    struct seed_defs msg_defs;
    struct seed_part *parts;
    size_t nparts;
    size_t next_job;          /* next partition to build (largest first) */
    size_t *order;
    /* Progress bars: one per step of a partition build, and the main
     * connection's contacts and attaches. */
    int bar_contacts, bar_copy, bar_commit, bar_attach;
    int *bar_constraint, *bar_index;     /* per msg_defs entry */
    _Atomic bool failed;
    char err[1024];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct seed_worker workers[SEED_MAX_WORKERS];
    int started;              /* workers running, to join */
};

/* Set by seed_load_interrupt() (Ctrl-C): what runs is cancelled. */
extern volatile sig_atomic_t seed_interrupted;
/* Slot 0 is the main connection, 1.. the workers', then an import's
 * connections to its source: the main one's reader, then each worker's.
 * PQcancel is safe in a signal handler; the PGcancel objects are made when
 * a connection opens. */
#define SEED_CANCEL_SLOTS (2 * (1 + SEED_MAX_WORKERS))
#define SEED_CANCEL_SOURCE(i) (1 + SEED_MAX_WORKERS + (i))
void seed_cancel_register(int slot, PGconn *conn);
void seed_cancel_unregister(int slot);
void seed_cancel_all(void);

/* The first failure wins: its message is kept, everything is cancelled and
 * whoever waits on r->changed wakes. */
void seed_run_fail(struct seed_run *r, const char *msg);

/* One part per month of the plan, queued largest first. */
void seed_pool_plan(struct seed_run *r);
/* Start workers (1..SEED_MAX_WORKERS) building the parts, each on a
 * connection of its own; a part is marked built when its transaction
 * committed. */
void seed_pool_start(struct seed_run *r, int workers);
/* Wait for every started worker. */
void seed_pool_join(struct seed_run *r);

#endif

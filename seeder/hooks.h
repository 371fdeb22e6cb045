/* seeder/hooks.h - the points where a test build of convo-seed injects
 * faults: the final COMMIT of the swap, the moment an import's snapshot is
 * taken, and the waits tests shorten.
 *
 * convo-seed links seeder/hooks_none.c, where nothing happens and every
 * wait is the normal one. The test copy, convo-seed-test (built in
 * tests/seeder, used only by the tests), links tests/seeder/seed_hooks.c
 * instead. So no release binary reads a fault from its environment. */
#ifndef CONVO_SEED_HOOKS_H
#define CONVO_SEED_HOOKS_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Called just before COMMIT is sent on conn (sent false) and just after
 * it was sent, before its answer is read (sent true). */
void seed_hook_commit(PGconn *conn, bool sent);

enum seed_wait {
    SEED_WAIT_LOCK,        /* for a killed seeder's advisory lock */
    SEED_WAIT_RECONNECT,   /* for the server after a lost COMMIT */
};

/* Called once an import's source snapshot is exported, before any worker
 * reads from it (tests write into the source there). */
void seed_hook_snapshot(void);

/* How many seconds to wait: normal_s, unless a test shortens it. */
double seed_hook_wait_s(enum seed_wait which, double normal_s);

#endif

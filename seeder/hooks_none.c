/* seeder/hooks_none.c - convo-seed's hooks (hooks.h): no faults, normal
 * waits. Linked into the release program only; the tests' copy links
 * tests/seeder/seed_hooks.c. */
#include "hooks.h"

void seed_hook_commit(PGconn *conn, bool sent)
{
    (void)conn;
    (void)sent;
}

void seed_hook_snapshot(void)
{
}

double seed_hook_wait_s(enum seed_wait which, double normal_s)
{
    (void)which;
    return normal_s;
}

/* tests/core/force_env.c - the tests' copy of libconvo reads the step to
 * force from CONVO_FORCE_STEP (see core/force.h), at every search's open,
 * so that one test program can try each kind in turn; and refuses the
 * statement a test names (force_env.h). */
#include <stdatomic.h>
#include <stdlib.h>

#include "force.h"
#include "force_env.h"

static _Atomic long refuse_at, statements;

char core_forced_step(void)
{
    const char *force = getenv("CONVO_FORCE_STEP");
    return force ? force[0] : 0;
}

bool core_forced_refusal(void)
{
    return ++statements == refuse_at;
}

void force_refuse_statement(long n)
{
    refuse_at = n;
    statements = 0;
}

long force_statements(void)
{
    return statements;
}

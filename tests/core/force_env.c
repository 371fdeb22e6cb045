/* tests/core/force_env.c - the tests' copy of libconvo reads the step to
 * force from CONVO_FORCE_STEP (see core/force.h). Read at every search's
 * open, so that one test program can try each kind in turn. */
#include <stdlib.h>

#include "force.h"

char core_forced_step(void)
{
    const char *force = getenv("CONVO_FORCE_STEP");
    return force ? force[0] : 0;
}

/* core/force_none.c - the release library forces no search step and
 * refuses no statement (see force.h). */
#include "force.h"

char core_forced_step(void)
{
    return 0;
}

bool core_forced_refusal(void)
{
    return false;
}

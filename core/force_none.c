/* core/force_none.c - the release library forces no search step (see
 * force.h). */
#include "force.h"

char core_forced_step(void)
{
    return 0;
}

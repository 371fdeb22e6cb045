/* tui/clock.c - convo's clock for relative times (clock.h): the wall
 * clock. The tests' copy links tests/tui/clock_fixed.c instead. */
#include "clock.h"

#include "base.h"

int64_t tui_clock_now_us(void)
{
    return core_wall_us();
}

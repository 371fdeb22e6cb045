/* tests/tui/clock_fixed.c - the clock of convo-test, the tests' copy of
 * convo (tui/clock.h; convo itself links tui/clock.c): CONVO_NOW, as
 * "YYYY-MM-DD HH:MM:SS" in UTC, when set, else the wall clock. With the
 * seeder's --seed and --end it makes every relative time on a screen the
 * same on any day (tests/tui/golden.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base.h"
#include "clock.h"

int64_t tui_clock_now_us(void)
{
    static int64_t fixed = -1;
    if (fixed == -1) {
        const char *v = getenv("CONVO_NOW");
        struct tm tm = {0};
        fixed = 0;
        if (v && sscanf(v, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 6) {
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            fixed = (int64_t)timegm(&tm) * 1000000;
        }
    }
    return fixed ? fixed : core_wall_us();
}

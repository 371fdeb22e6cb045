/* tui/goto.c - the date of `t` (goto.h): parsed by core against the wall
 * clock, a mistake said on the status line. */
#include "goto.h"

#include <stdio.h>
#include <time.h>

#include "lib.h"
#include "status.h"

bool goto_when(const char *text, int64_t *us)
{
    const char *why = core_date_parse(text, core_wall_us(), us);
    if (!why)
        return true;
    status_error("bad date '%.40s': %s (2026-03-14, 2026-03-14T10:02, -3d, -2w, -1m, "
                 "yesterday, today)", text, why);
    return false;
}

void goto_describe(int64_t us, char *out, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, len, "that date");
}

/* tui/fmt.c - number and time formatting for the screen (fmt.h). */
#include "fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
static struct tm local_tm(int64_t at_us)
{
    time_t t = (time_t)(at_us / 1000000);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    return tm;
}

long fmt_day_number(int64_t at_us)
{
    struct tm tm = local_tm(at_us);
    return (long)(tm.tm_year + 1900) * 400 + tm.tm_yday;
}

void fmt_when(char *buf, size_t len, int64_t at_us, int64_t now_us)
{
    int64_t ago = (now_us - at_us) / 1000000;
    if (ago < -60) {
        /* Dated in the future (a clock ahead, a bad import): its date, never
         * "now". */
        struct tm tm = local_tm(at_us);
        strftime(buf, len, "%Y-%m-%d", &tm);
        return;
    }
    if (ago < 0)
        ago = 0;
    if (ago < 60) {
        snprintf(buf, len, "now");
    } else if (ago < 3600) {
        snprintf(buf, len, "%dm ago", (int)(ago / 60));
    } else if (ago < 86400) {
        snprintf(buf, len, "%dh ago", (int)(ago / 3600));
    } else if (ago < 7 * 86400) {
        snprintf(buf, len, "%dd ago", (int)(ago / 86400));
    } else {
        struct tm tm = local_tm(at_us);
        struct tm now = local_tm(now_us);
        if (tm.tm_year == now.tm_year)
            strftime(buf, len, "%d %b", &tm);
        else
            strftime(buf, len, "%Y-%m-%d", &tm);
    }
}

void fmt_clock(char *buf, size_t len, int64_t at_us)
{
    struct tm tm = local_tm(at_us);
    strftime(buf, len, "%H:%M", &tm);
}

void fmt_day(char *buf, size_t len, int64_t at_us)
{
    struct tm tm = local_tm(at_us);
    strftime(buf, len, "%a %d %b %Y", &tm);
}

void fmt_count(char *buf, size_t len, long long n)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
    size_t o = 0;
    if (n < 0 && o + 1 < len)
        buf[o++] = '-';
    for (int i = 0; i < nd && o + 1 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0 && o + 1 < len)
            buf[o++] = ',';
        if (o + 1 < len)
            buf[o++] = digits[i];
    }
    if (len)
        buf[o] = 0;
}

int fmt_width(const char *s)
{
    wchar_t buf[256];
    size_t n = mbstowcs(buf, s, sizeof buf / sizeof buf[0] - 1);
    if (n == (size_t)-1) {
        /* Not a UTF-8 locale: program text is UTF-8, one column a character. */
        int w = 0;
        for (; *s; s++)
            w += ((unsigned char)*s & 0xc0) != 0x80;
        return w;
    }
    buf[n] = 0;
    int w = wcswidth(buf, n);
    return w < 0 ? (int)n : w;
}

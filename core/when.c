/* core/when.c - the dates a user types to jump in time ("2026-03-14",
 * "2026-03-14T10:02", "-3d", "yesterday"), read in the viewer's time zone
 * (TZ, else the system's) into an instant. Pure: the caller gives "now",
 * so tests fix the clock. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib.h"

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* Exactly n digits at s, as a number; -1 otherwise. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Local wall-clock time tm as an instant; mktime settles DST itself
 * (tm_isdst = -1) and moves a time in a spring-forward gap past it. */
static bool local_instant(struct tm *tm, int64_t *out_us)
{
    tm->tm_isdst = -1;
    errno = 0;
    time_t t = mktime(tm);
    if (t == (time_t)-1 && errno)
        return false;
    *out_us = (int64_t)t * 1000000;
    return true;
}

static bool local_now(int64_t now_us, struct tm *tm)
{
    time_t t = (time_t)(now_us / 1000000);
    return localtime_r(&t, tm) != NULL;
}

/* YYYY-MM-DD, then optionally T or a space and HH:MM. */
static const char *parse_absolute(const char *s, int64_t *out_us)
{
    size_t n = strlen(s);
    if ((n != 10 && n != 16) || s[4] != '-' || s[7] != '-')
        return "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM";
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2), hh = 0, mm = 0;
    if (n == 16) {
        if ((s[10] != 'T' && s[10] != ' ') || s[13] != ':')
            return "expected YYYY-MM-DDTHH:MM";
        hh = digits(s + 11, 2);
        mm = digits(s + 14, 2);
    }
    if (y < 1 || m < 0 || d < 0 || hh < 0 || mm < 0)
        return "expected YYYY-MM-DD or YYYY-MM-DDTHH:MM";
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > month_days(y, m) || hh > 23 || mm > 59)
        return "no such date or time";
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                    .tm_hour = hh, .tm_min = mm};
    return local_instant(&tm, out_us) ? NULL : "outside the range of dates";
}

/* -Nd, -Nw, -Nm: N days, weeks or months before now on the local
 * calendar, at the same wall-clock time (the 31st a month back is the
 * last day of the shorter month). */
static const char *parse_relative(const char *s, int64_t now_us, int64_t *out_us)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)s[1]))
        return "expected -Nd, -Nw or -Nm";
    long v = strtol(s + 1, &end, 10);
    if (errno || v > 100000 || (*end != 'd' && *end != 'w' && *end != 'm') || end[1])
        return "expected -Nd, -Nw or -Nm (N up to 100000)";
    struct tm tm;
    if (!local_now(now_us, &tm))
        return "outside the range of dates";
    if (*end == 'm') {
        long months = (long)tm.tm_year * 12 + tm.tm_mon - v;
        tm.tm_year = (int)(months / 12);
        tm.tm_mon = (int)(months % 12);
        int last = month_days(tm.tm_year + 1900, tm.tm_mon + 1);
        if (tm.tm_mday > last)
            tm.tm_mday = last;
    } else {
        tm.tm_mday -= (int)(*end == 'w' ? v * 7 : v);
    }
    if (!local_instant(&tm, out_us))
        return "outside the range of dates";
    *out_us += now_us % 1000000;
    return NULL;
}

/* today and yesterday: the local midnight that starts that day. */
static const char *parse_day(int back, int64_t now_us, int64_t *out_us)
{
    struct tm tm;
    if (!local_now(now_us, &tm))
        return "outside the range of dates";
    tm.tm_mday -= back;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return local_instant(&tm, out_us) ? NULL : "outside the range of dates";
}

const char *core_date_parse(const char *text, int64_t now_us, int64_t *out_us)
{
    if (!text || !*text)
        return "empty date";
    if (strcmp(text, "today") == 0)
        return parse_day(0, now_us, out_us);
    if (strcmp(text, "yesterday") == 0)
        return parse_day(1, now_us, out_us);
    if (text[0] == '-')
        return parse_relative(text, now_us, out_us);
    return parse_absolute(text, out_us);
}

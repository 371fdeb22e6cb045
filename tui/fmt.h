/* tui/fmt.h - numbers and times as the screen shows them, and the width of
 * convo's own (trusted) UTF-8 text. */
#ifndef CONVO_TUI_FMT_H
#define CONVO_TUI_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Time of a message for a list row: relative when recent, else a date. */
void fmt_when(char *buf, size_t len, int64_t at_us, int64_t now_us);
void fmt_clock(char *buf, size_t len, int64_t at_us);   /* 14:05 */
void fmt_day(char *buf, size_t len, int64_t at_us);     /* Tue 14 Mar 2025 */
long fmt_day_number(int64_t at_us);                     /* local calendar day */
void fmt_count(char *buf, size_t len, long long n);     /* 12,345 */
int fmt_width(const char *s);                           /* columns of trusted UTF-8 */

#endif

/* tui/goto.h - `t`: a date typed into "go to: " (goto.c), for the list
 * and the conversation alike. */
#ifndef CONVO_TUI_GOTO_H
#define CONVO_TUI_GOTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The instant text names (core_date_parse: 2026-03-14, 2026-03-14T10:02,
 * -3d, -2w, -1m, yesterday, today, in the local time zone); false after
 * an error on the status line that names the date. */
bool goto_when(const char *text, int64_t *us);
/* The instant in local time, "2026-03-14 10:02", for the notes. */
void goto_describe(int64_t us, char *out, size_t len);

#endif

/* tui/history.h - the search box's history (XDG state directory): Up and
 * Down recall earlier terms, of this session and of earlier ones. */
#ifndef CONVO_TUI_HISTORY_H
#define CONVO_TUI_HISTORY_H

#include <stdbool.h>

#include "prompt.h"

void history_reset(void);                       /* the box opens */
void history_add(const struct prompt *p);      /* Enter kept the term */
bool history_recall(struct prompt *p, int dir); /* -1 older, +1 newer */
void history_free(void);

#endif

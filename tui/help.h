/* tui/help.h - the keys, in a box over the current view (a view: see
 * view.h). */
#ifndef CONVO_TUI_HELP_H
#define CONVO_TUI_HELP_H

#include "view.h"

extern const struct view_ops help_view;

#endif

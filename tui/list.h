/* tui/list.h - the list of conversations: the recent ones, or the rows of
 * a search typed in its box (a view: see view.h). */
#ifndef CONVO_TUI_LIST_H
#define CONVO_TUI_LIST_H

#include "view.h"

extern const struct view_ops list_view;

#endif

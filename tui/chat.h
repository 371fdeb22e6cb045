/* tui/chat.h - one conversation as a chat, opened from a row of the list
 * (a view: see view.h). */
#ifndef CONVO_TUI_CHAT_H
#define CONVO_TUI_CHAT_H

#include "view.h"

extern const struct view_ops chat_view;

#endif

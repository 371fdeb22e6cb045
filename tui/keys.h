/* tui/keys.h - every key binding in one table, for the views and for the
 * help screen drawn from it. */
#ifndef CONVO_TUI_KEYS_H
#define CONVO_TUI_KEYS_H

#include <stddef.h>

#include "view.h"

#define KEYS_CTRL(c) ((c) & 0x1f)
#define KEYS_ESC 27

enum action {
    ACT_NONE, ACT_DOWN, ACT_UP, ACT_PAGE_DOWN, ACT_PAGE_UP, ACT_HALF_DOWN,
    ACT_HALF_UP, ACT_TOP, ACT_BOTTOM, ACT_OPEN, ACT_BACK, ACT_SEARCH,
    ACT_FIND_NEXT, ACT_FIND_PREV, ACT_CLEAR, ACT_HELP, ACT_QUIT, ACT_REDRAW,
    ACT_REPLY, ACT_COPY, ACT_COPY_PHONE, ACT_GOTO, ACT_EXPORT, ACT_NEW_CONTACT,
    ACT_COUNT
};

/* Where a binding holds. */
enum { ON_LIST = 1, ON_CHAT = 2 };

struct binding {
    int key;               /* a KEY_* code or a character */
    const char *label;
    enum action action;
    unsigned views;
};

extern const struct binding keys_bindings[];
extern const size_t keys_bindings_count;
/* The action of key in the views of `on`, ACT_NONE when unbound. */
enum action keys_lookup(int key, unsigned on);
/* A key outside the text boxes, in the views of `on`: the action the view
 * carries out. Quit, help and redraw are the program's: they come back as
 * *req and ACT_NONE. Before any other action a note that is not an error
 * is cleared: the user moved on. */
enum action keys_action(const struct view_input *in, unsigned on, struct view_req *req);

#endif

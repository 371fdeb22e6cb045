/* tui/ask.h - the questions a view asks on its bottom line (ask.c): a
 * date to go to, a new contact's phone and name, a file to export to, and
 * whether to overwrite it. One box per view, over the key hints. */
#ifndef CONVO_TUI_ASK_H
#define CONVO_TUI_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "prompt.h"
#include "view.h"

enum ask_kind { ASK_NONE, ASK_GOTO, ASK_PHONE, ASK_NAME, ASK_PATH, ASK_OVERWRITE };

struct ask {
    enum ask_kind kind;         /* ASK_NONE: no question open */
    struct prompt box;
    char *held;                 /* the phone while the name is asked, the
                                   path while overwriting is */
};

enum ask_result { ASK_GOING, ASK_ANSWERED, ASK_CANCELLED };

/* Ask kind, the box holding initial (NULL: empty). */
void ask_open(struct ask *a, enum ask_kind kind, const char *initial);
void ask_close(struct ask *a);
/* A key for the open question. ASK_ANSWERED with the reply in out (for
 * ASK_OVERWRITE "y"); ASK_CANCELLED after Esc (or "n"): the box is
 * closed. */
enum ask_result ask_key(struct ask *a, const struct view_input *in, char *out, size_t len);
void ask_draw(const struct ask *a, int y);

#endif

/* tui/prompt.h - the one-line text boxes at the bottom of the screen (the
 * list's search, the conversation's find and reply): editing keys, the
 * text as UTF-8, and drawing it. */
#ifndef CONVO_TUI_PROMPT_H
#define CONVO_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "keys.h"
#include "lib.h"
#include "view.h"

/* The longest reply, in characters (core_send also limits bytes). */
#define PROMPT_MAX_CHARS CORE_SEND_MAX_BYTES

struct prompt {
    bool active;
    wchar_t buf[PROMPT_MAX_CHARS + 1];
    size_t len;
    size_t max;        /* characters; 0 = CORE_TERM_MAX_CHARS */
};

enum prompt_event {
    PROMPT_OTHER,      /* not a key of the box */
    PROMPT_EDITED,     /* the text changed */
    PROMPT_ENTER,
    PROMPT_CANCEL,     /* Esc: the box is closed and emptied */
    PROMPT_MOVE,       /* a move for the view behind the box (*move) */
};

/* A key for an open box, as every box takes it: edits, Enter, Esc (which
 * closes and empties the box), and, when move is not NULL, the move keys
 * of the views in `on` (arrows, PgDn, ...) that scroll the view behind. */
enum prompt_event prompt_input(struct prompt *p, const struct view_input *in, unsigned on,
                               enum action *move);
void prompt_utf8(const struct prompt *p, char *out, size_t len);
/* The prompt's text from UTF-8, cut at its max characters (or at a byte
 * that does not decode). */
void prompt_set_utf8(struct prompt *p, const char *text);
void prompt_draw(const struct prompt *p, int y, const char *label);

#endif

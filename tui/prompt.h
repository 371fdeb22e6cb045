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
    size_t pos;        /* the cursor, 0..len (beyond len counts as len) */
    size_t max;        /* characters; 0 = CORE_TERM_MAX_CHARS */
    size_t dropped;    /* characters typed or pasted past max since the box opened */
};

enum prompt_event {
    PROMPT_OTHER,      /* not a key of the box */
    PROMPT_EDITED,     /* the text changed */
    PROMPT_ENTER,
    PROMPT_CANCEL,     /* Esc: the box is closed and emptied */
    PROMPT_MOVE,       /* a move for the view behind the box (*move) */
    PROMPT_CURSOR,     /* the cursor moved; the text is the same */
};

/* A key for an open box, as every box takes it: edits as readline makes
 * them (Left/Right, Home/End, Ctrl-A/E/B/F/D/K/U/W, Delete), Enter, Esc
 * (which closes and empties the box), and, when move is not NULL, the
 * move keys of the views in `on` (Up/Down, PgUp/PgDn) that scroll the view
 * behind. A character past max is not taken and counted in dropped. */
enum prompt_event prompt_input(struct prompt *p, const struct view_input *in, unsigned on,
                               enum action *move);
void prompt_utf8(const struct prompt *p, char *out, size_t len);
/* The prompt's text from UTF-8, cut at its max characters (or at a byte
 * that does not decode). */
void prompt_set_utf8(struct prompt *p, const char *text);
/* The box on line y after label, the cursor kept in view; within a tenth
 * of max (a box with max set) it ends with how many characters are left. */
void prompt_draw(const struct prompt *p, int y, const char *label);
/* Empty the box (text, cursor, the dropped count). */
void prompt_clear(struct prompt *p);

#endif

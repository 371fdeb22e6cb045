/* tui/term.h - the terminal: curses set-up and restore, the colour theme,
 * the signals that end convo, the clipboard (OSC 52), and drawing convo's
 * own text in the theme's elements. Main thread only. */
#ifndef CONVO_TUI_TERM_H
#define CONVO_TUI_TERM_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* What a piece of the screen is; the theme gives each its look. */
enum elem {
    EL_TEXT, EL_DIM, EL_NAME, EL_IN, EL_OUT, EL_MATCH, EL_CTRL,
    EL_HEADER, EL_HEADER_DIM, EL_STATUS, EL_STATUS_WARN, EL_PROMPT, EL_ERROR,
    EL_COUNT
};

struct style {
    attr_t attr;
    short pair;
};

struct theme {
    struct style el[EL_COUNT][2];   /* [element][selected row?] */
    bool color;
    bool utf8;
};

extern struct theme term_theme;

/* False, with the reason, when the terminal cannot show convo (TERM unset,
 * unknown, or without cursor addressing such as TERM=dumb). */
bool term_usable(char *why, size_t len);
void term_init(bool mouse);
/* Put text on the system clipboard through the terminal (OSC 52). */
bool term_copy(const char *text, size_t len);
void term_restore(void);          /* idempotent, callable from atexit */
void term_signals(int wake_fd);   /* SIGINT/SIGTERM/SIGHUP wake the loop */
int term_quit_signal(void);       /* the signal that ended the loop, or 0 */
void term_style(enum elem e, bool sel);
/* Fill columns [x, x+w) of row y with blanks in element e. */
void term_fill(int y, int x, int w, enum elem e, bool sel);
/* Draw plain ASCII/UTF-8 program text (trusted) clipped to w columns;
 * returns the columns used. */
int term_put(int y, int x, int w, const char *s, enum elem e, bool sel);

#endif

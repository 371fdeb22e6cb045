/* tui/mask.h - names and phone numbers shown masked for recordings and
 * screen sharing (convo --mask, CONVO_MASK=1): a phone keeps its country
 * code and last two digits, a name its initials. Searching still works on
 * the real values; only what is drawn or copied is masked. No curses. */
#ifndef CONVO_TUI_MASK_H
#define CONVO_TUI_MASK_H

#include <stdbool.h>
#include <stddef.h>

/* Whether masking is on (set once at start). */
extern bool mask_on;

/* "+447466736238" -> "+44 •••• ••••38"; a number without a leading '+'
 * keeps its last two digits only ("•••• ••••53"). ASCII dots with !utf8. */
const char *mask_phone(const char *phone, bool utf8, char *buf, size_t len);
/* "Jane van Dyke" -> "J. v. D.", by the first character of each word;
 * "" stays "". */
const char *mask_name(const char *name, char *buf, size_t len);
/* What a view shows: the value itself, or masked when mask_on. */
const char *mask_shown_phone(const char *phone, bool utf8, char *buf, size_t len);
const char *mask_shown_name(const char *name, char *buf, size_t len);

#endif

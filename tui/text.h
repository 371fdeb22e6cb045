/* tui/text.h - untrusted text from the database made safe for the screen:
 * strings decoded into cells (escapes made visible, widths from wcwidth,
 * matches of a search term marked), wrapped and drawn. */
#ifndef CONVO_TUI_TEXT_H
#define CONVO_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "term.h"

enum cell_kind { CK_TEXT, CK_MATCH, CK_CTRL, CK_BREAK };

struct cell {
    wchar_t wc[CCHARW_MAX + 1];   /* base char, combining marks, 0 */
    uint8_t width;                /* 0 only for CK_BREAK */
    uint8_t kind;
    uint8_t cont;                 /* continues the escape of the cell before */
};

struct cells {
    struct cell *v;
    size_t n, cap;
};

/* One word or phrase of a search term, as highlights compare it: lower-cased
 * and, unless it has accents, folded as search folds it (docs/search.md#accents):
 * `maria` marks María, `María` only María. */
struct hl_word {
    wchar_t *w;
    size_t n;
    bool exact;        /* has accents: compared with the text as written */
    wchar_t *digits;   /* its digits when it may match a phone */
    size_t nd;
};

/* A search term prepared for highlighting: each of its words (core_term_words),
 * case-insensitive. n is 0 when there is nothing to mark. */
struct hl {
    struct hl_word *words;
    size_t n;
};

void text_hl_set(struct hl *hl, const char *term);   /* NULL or "" clears */
void text_hl_free(struct hl *hl);
/* Which words of hl occur in s (bit i for word i; a phone number also by
 * its digits), and the bits of every word: a message matches a term of
 * several words when each word is in it, as search matches. */
uint64_t text_hl_found(const struct hl *hl, const char *s, bool phone);
uint64_t text_hl_all(const struct hl *hl);

enum { TEXT_ONELINE = 1, TEXT_PHONE = 2, TEXT_NOEXCERPT = 4 };
/* Decode s (at most max_cols columns of it when > 0), make every control
 * character and escape sequence visible, attach combining marks and mark
 * matches of hl; the words of hl it holds (text_hl_found's bits). */
uint64_t text_cells_build(struct cells *out, const char *s, const struct hl *hl,
                          unsigned flags, int max_cols);
void text_cells_free(struct cells *c);
int text_cells_width(const struct cells *c, size_t from, size_t to);
/* Draw cells [from, to) at (y, x) in at most w columns, ending in an
 * ellipsis when cut; base is the element of ordinary text. Returns columns
 * used. */
int text_cells_draw(int y, int x, int w, const struct cells *c, size_t from,
                    size_t to, enum elem base, bool sel);
/* Draw an untrusted string on one line. */
int text_draw(int y, int x, int w, const char *s, const struct hl *hl,
              unsigned flags, enum elem base, bool sel);
/* s as the screen shows it, for the clipboard: every control character
 * and escape sequence in its visible form (^[, <9b>, <U+202E>, \xff), tabs
 * as spaces, line breaks kept; *escaped counts the characters so shown.
 * Caller frees. */
char *text_visible(const char *s, size_t *escaped);
/* Word-wrap cells into lines of at most w columns: pairs (from, to) are
 * appended to *lines. Returns the number of lines. */
size_t text_cells_wrap(const struct cells *c, int w, size_t **lines, size_t *nlines,
                       size_t *cap);

#endif

/* tui/prompt.c - the line editor of the text boxes (prompt.h). */
#include "prompt.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "text.h"

#define CTRL(c) KEYS_CTRL(c)
#define ESC KEYS_ESC

/* One key: PROMPT_EDITED, PROMPT_ENTER, PROMPT_CANCEL (the text left as
 * it was) or PROMPT_OTHER. */
static enum prompt_event prompt_key(struct prompt *p, int is_key, wint_t ch)
{
    if (is_key) {
        switch (ch) {
        case KEY_BACKSPACE:
            if (p->len > 0)
                p->len--;
            return PROMPT_EDITED;
        case KEY_ENTER:
            return PROMPT_ENTER;
        default:
            return PROMPT_OTHER;
        }
    }
    switch (ch) {
    case '\r':
    case '\n':
        return PROMPT_ENTER;
    case ESC:
        return PROMPT_CANCEL;
    case 0x7f:
    case CTRL('h'):
        if (p->len > 0)
            p->len--;
        return PROMPT_EDITED;
    case CTRL('u'):
        p->len = 0;
        return PROMPT_EDITED;
    case CTRL('w'):
        while (p->len > 0 && p->buf[p->len - 1] == L' ')
            p->len--;
        while (p->len > 0 && p->buf[p->len - 1] != L' ')
            p->len--;
        return PROMPT_EDITED;
    default:
        break;
    }
    if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || wcwidth((wchar_t)ch) < 0)
        return PROMPT_OTHER;
    if (p->len < (p->max ? p->max : CORE_TERM_MAX_CHARS))
        p->buf[p->len++] = (wchar_t)ch;
    return PROMPT_EDITED;
}

enum prompt_event prompt_input(struct prompt *p, const struct view_input *in, unsigned on,
                               enum action *move)
{
    enum prompt_event e = prompt_key(p, in->is_key, in->ch);
    if (e == PROMPT_CANCEL) {
        p->active = false;
        p->len = 0;
    }
    if (e == PROMPT_OTHER && move && in->is_key) {
        enum action a = keys_lookup((int)in->ch, on);
        if (a >= ACT_DOWN && a <= ACT_BOTTOM) {
            *move = a;
            return PROMPT_MOVE;
        }
    }
    return e;
}

void prompt_utf8(const struct prompt *p, char *out, size_t len)
{
    mbstate_t st;
    size_t o = 0;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; i < p->len; i++) {
        char buf[MB_LEN_MAX];
        size_t k = wcrtomb(buf, p->buf[i], &st);
        if (k == (size_t)-1 || o + k + 1 > len)
            continue;
        memcpy(out + o, buf, k);
        o += k;
    }
    out[o] = 0;
}

void prompt_set_utf8(struct prompt *p, const char *text)
{
    size_t max = p->max ? p->max : CORE_TERM_MAX_CHARS;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t left = strlen(text);
    p->len = 0;
    while (left > 0 && p->len < max) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, text, left, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
            break;
        p->buf[p->len++] = wc;
        text += k;
        left -= k;
    }
}

void prompt_draw(const struct prompt *p, int y, const char *label)
{
    static char text[PROMPT_MAX_CHARS * 4 + 1];
    term_fill(y, 0, COLS, EL_TEXT, false);
    int x = term_put(y, 0, COLS, label, EL_PROMPT, false);
    prompt_utf8(p, text, sizeof text);
    /* Show the end of a long term: that is where the typing happens. */
    struct cells c = {0};
    text_cells_build(&c, text, NULL, TEXT_ONELINE, 0);
    size_t from = 0;
    int width = text_cells_width(&c, 0, c.n);   /* of cells from .. c.n */
    while (from < c.n && width > COLS - x - 2)
        width -= c.v[from++].width;
    x += text_cells_draw(y, x, COLS - x - 1, &c, from, c.n, EL_PROMPT, false);
    text_cells_free(&c);
    term_style(EL_TEXT, true);
    if (x < COLS)
        mvaddch(y, x, ' ' | A_REVERSE);
}

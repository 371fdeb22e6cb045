/* tui/prompt.c - the line editor of the text boxes (prompt.h). */
#include "prompt.h"

#include <curses.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "term.h"
#include "text.h"

#define CTRL(c) KEYS_CTRL(c)
#define ESC KEYS_ESC

static size_t cursor(const struct prompt *p)
{
    return p->pos < p->len ? p->pos : p->len;
}

/* Remove the characters from..to (to excluded); the cursor goes to from. */
static enum prompt_event cut(struct prompt *p, size_t from, size_t to)
{
    if (to > p->len)
        to = p->len;
    if (from >= to)
        return PROMPT_CURSOR;
    memmove(p->buf + from, p->buf + to, (p->len - to) * sizeof *p->buf);
    p->len -= to - from;
    p->pos = from;
    p->dropped = 0;   /* the text is being edited down: what was cut is seen */
    return PROMPT_EDITED;
}

static enum prompt_event move_to(struct prompt *p, size_t pos)
{
    p->pos = pos > p->len ? p->len : pos;
    return PROMPT_CURSOR;
}

/* The start of the word before pos (blanks before it skipped). */
static size_t word_start(const struct prompt *p, size_t pos)
{
    while (pos > 0 && p->buf[pos - 1] == L' ')
        pos--;
    while (pos > 0 && p->buf[pos - 1] != L' ')
        pos--;
    return pos;
}

static enum prompt_event insert(struct prompt *p, wchar_t ch)
{
    size_t at = cursor(p);
    if (p->len >= (p->max ? p->max : CORE_TERM_MAX_CHARS)) {
        p->dropped++;
        return PROMPT_EDITED;
    }
    memmove(p->buf + at + 1, p->buf + at, (p->len - at) * sizeof *p->buf);
    p->buf[at] = ch;
    p->len++;
    p->pos = at + 1;
    return PROMPT_EDITED;
}

/* A curses key: the editing ones, Enter; PROMPT_OTHER for the rest. */
static enum prompt_event prompt_curses_key(struct prompt *p, wint_t ch)
{
    size_t at = cursor(p);
    switch (ch) {
    case KEY_BACKSPACE: return cut(p, at > 0 ? at - 1 : 0, at);
    case KEY_DC: return cut(p, at, at + 1);
    case KEY_LEFT: return move_to(p, at > 0 ? at - 1 : 0);
    case KEY_RIGHT: return move_to(p, at + 1);
    case KEY_HOME: return move_to(p, 0);
    case KEY_END: return move_to(p, p->len);
    case KEY_ENTER: return PROMPT_ENTER;
    default: return PROMPT_OTHER;
    }
}

/* One key: PROMPT_EDITED, PROMPT_CURSOR, PROMPT_ENTER, PROMPT_CANCEL (the
 * text left as it was) or PROMPT_OTHER. */
static enum prompt_event prompt_key(struct prompt *p, int is_key, wint_t ch)
{
    if (is_key)
        return prompt_curses_key(p, ch);
    size_t at = cursor(p);
    switch (ch) {
    case '\r':
    case '\n': return PROMPT_ENTER;
    case ESC: return PROMPT_CANCEL;
    case 0x7f:
    case CTRL('h'): return cut(p, at > 0 ? at - 1 : 0, at);
    case CTRL('d'): return cut(p, at, at + 1);
    case CTRL('a'): return move_to(p, 0);
    case CTRL('e'): return move_to(p, p->len);
    case CTRL('b'): return move_to(p, at > 0 ? at - 1 : 0);
    case CTRL('f'): return move_to(p, at + 1);
    case CTRL('k'): return cut(p, at, p->len);
    case CTRL('u'): return cut(p, 0, at);
    case CTRL('w'): return cut(p, word_start(p, at), at);
    default: break;
    }
    if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || wcwidth((wchar_t)ch) < 0)
        return PROMPT_OTHER;
    return insert(p, (wchar_t)ch);
}

void prompt_clear(struct prompt *p)
{
    p->len = p->pos = p->dropped = 0;
}

enum prompt_event prompt_input(struct prompt *p, const struct view_input *in, unsigned on,
                               enum action *move)
{
    enum prompt_event e = prompt_key(p, in->is_key, in->ch);
    if (e == PROMPT_CANCEL) {
        p->active = false;
        prompt_clear(p);
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

/* The characters from..to as UTF-8 in out. */
static void utf8_range(const struct prompt *p, size_t from, size_t to, char *out, size_t len)
{
    mbstate_t st;
    size_t o = 0;
    memset(&st, 0, sizeof st);
    for (size_t i = from; i < to && i < p->len; i++) {
        char buf[MB_LEN_MAX];
        size_t k = wcrtomb(buf, p->buf[i], &st);
        if (k == (size_t)-1 || o + k + 1 > len)
            continue;
        memcpy(out + o, buf, k);
        o += k;
    }
    out[o] = 0;
}

void prompt_utf8(const struct prompt *p, char *out, size_t len)
{
    utf8_range(p, 0, p->len, out, len);
}

void prompt_set_utf8(struct prompt *p, const char *text)
{
    size_t max = p->max ? p->max : CORE_TERM_MAX_CHARS;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t left = strlen(text);
    prompt_clear(p);
    while (left > 0 && p->len < max) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, text, left, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
            break;
        p->buf[p->len++] = wc;
        text += k;
        left -= k;
    }
    p->pos = p->len;
}

/* "96 left" within a tenth of a set max, else "". */
static void left_note(const struct prompt *p, char *out, size_t len)
{
    out[0] = '\0';
    if (p->max && p->len * 10 >= p->max * 9) {
        char n[32];
        fmt_count(n, sizeof n, (long long)(p->max - p->len));
        snprintf(out, len, " %s left ", n);
    }
}

void prompt_draw(const struct prompt *p, int y, const char *label)
{
    static char before[PROMPT_MAX_CHARS * 4 + 1], after[PROMPT_MAX_CHARS * 4 + 1];
    term_fill(y, 0, COLS, EL_TEXT, false);
    int x = term_put(y, 0, COLS, label, EL_PROMPT, false);
    char note[48];
    left_note(p, note, sizeof note);
    int room = COLS - x - 1 - (int)strlen(note);
    size_t at = cursor(p);
    utf8_range(p, 0, at, before, sizeof before);
    utf8_range(p, at, p->len, after, sizeof after);
    struct cells b = {0}, a = {0};
    text_cells_build(&b, before, NULL, TEXT_ONELINE, 0);
    text_cells_build(&a, after, NULL, TEXT_ONELINE, 0);
    /* The cursor stays in view: as much of the text before it as fits with
     * one cell for it, then what follows while there is room. */
    size_t from = 0;
    int width = text_cells_width(&b, 0, b.n);
    while (from < b.n && width > room - 1)
        width -= b.v[from++].width;
    x += text_cells_draw(y, x, room, &b, from, b.n, EL_PROMPT, false);
    int cx = x;
    if (x < COLS - 1 - (int)strlen(note))
        x += text_cells_draw(y, x, COLS - 1 - (int)strlen(note) - x, &a, 0, a.n, EL_PROMPT, false);
    int cw = a.n > 0 ? a.v[0].width : 1;
    text_cells_free(&b);
    text_cells_free(&a);
    if (note[0])
        term_put(y, COLS - (int)strlen(note), (int)strlen(note), note, EL_DIM, false);
    term_style(EL_TEXT, true);
    if (cx >= COLS)
        return;
    if (cx == x)
        mvaddch(y, cx, ' ' | A_REVERSE);
    else
        mvchgat(y, cx, cw, A_REVERSE, 0, NULL);
}

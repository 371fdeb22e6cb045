/* tui/keys.c - every key binding in one table, the help screen drawn from
 * it, and the line editor of the search boxes. */
#include "tui.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define CTRL(c) ((c) & 0x1f)
#define ESC 27

const struct binding bindings[] = {
    {'j', "j", ACT_DOWN, ON_LIST | ON_CHAT},
    {KEY_DOWN, "\u2193", ACT_DOWN, ON_LIST | ON_CHAT},
    {CTRL('n'), "Ctrl-N", ACT_DOWN, ON_LIST | ON_CHAT},
    {'k', "k", ACT_UP, ON_LIST | ON_CHAT},
    {KEY_UP, "\u2191", ACT_UP, ON_LIST | ON_CHAT},
    {CTRL('p'), "Ctrl-P", ACT_UP, ON_LIST | ON_CHAT},
    {KEY_NPAGE, "PgDn", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {' ', "Space", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {CTRL('f'), "Ctrl-F", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {KEY_PPAGE, "PgUp", ACT_PAGE_UP, ON_LIST | ON_CHAT},
    {CTRL('b'), "Ctrl-B", ACT_PAGE_UP, ON_LIST | ON_CHAT},
    {CTRL('d'), "Ctrl-D", ACT_HALF_DOWN, ON_LIST | ON_CHAT},
    {CTRL('u'), "Ctrl-U", ACT_HALF_UP, ON_LIST | ON_CHAT},
    {'g', "g", ACT_TOP, ON_LIST | ON_CHAT},
    {KEY_HOME, "Home", ACT_TOP, ON_LIST | ON_CHAT},
    {'G', "G", ACT_BOTTOM, ON_LIST | ON_CHAT},
    {KEY_END, "End", ACT_BOTTOM, ON_LIST | ON_CHAT},
    {'\r', "Enter", ACT_OPEN, ON_LIST},
    {'\n', NULL, ACT_OPEN, ON_LIST},
    {KEY_ENTER, NULL, ACT_OPEN, ON_LIST},
    {'l', "l", ACT_OPEN, ON_LIST},
    {KEY_RIGHT, "\u2192", ACT_OPEN, ON_LIST},
    {'/', "/", ACT_SEARCH, ON_LIST | ON_CHAT},
    {'n', "n", ACT_FIND_NEXT, ON_CHAT},
    {'r', "r", ACT_REPLY, ON_CHAT},
    {'y', "y", ACT_COPY, ON_LIST | ON_CHAT},
    {'Y', "Y", ACT_COPY_PHONE, ON_LIST | ON_CHAT},
    {'N', "N", ACT_FIND_PREV, ON_CHAT},
    {ESC, "Esc", ACT_CLEAR, ON_LIST},
    {'q', "q", ACT_BACK, ON_CHAT},
    {ESC, "Esc", ACT_BACK, ON_CHAT},
    {'h', "h", ACT_BACK, ON_CHAT},
    {KEY_LEFT, "\u2190", ACT_BACK, ON_CHAT},
    {'?', "?", ACT_HELP, ON_LIST | ON_CHAT},
    {KEY_F(1), "F1", ACT_HELP, ON_LIST | ON_CHAT},
    {CTRL('l'), "Ctrl-L", ACT_REDRAW, ON_LIST | ON_CHAT},
    {'q', "q", ACT_QUIT, ON_LIST},
};
const size_t bindings_count = sizeof bindings / sizeof bindings[0];

static const char *const action_help[ACT_COUNT] = {
    [ACT_DOWN] = "down one row",
    [ACT_UP] = "up one row",
    [ACT_PAGE_DOWN] = "page down",
    [ACT_PAGE_UP] = "page up",
    [ACT_HALF_DOWN] = "half a page down",
    [ACT_HALF_UP] = "half a page up",
    [ACT_TOP] = "first row / oldest message",
    [ACT_BOTTOM] = "last loaded row / newest message",
    [ACT_OPEN] = "open the conversation",
    [ACT_BACK] = "back to the list",
    [ACT_SEARCH] = "search (list) / find text (conversation)",
    [ACT_FIND_NEXT] = "next match, older",
    [ACT_FIND_PREV] = "previous match, newer",
    [ACT_CLEAR] = "clear the search filter",
    [ACT_HELP] = "this help",
    [ACT_REDRAW] = "redraw the screen",
    [ACT_REPLY] = "reply: Enter sends, Esc cancels",
    [ACT_COPY] = "copy the message text (OSC 52 clipboard)",
    [ACT_COPY_PHONE] = "copy the phone number",
    [ACT_QUIT] = "quit (also Ctrl-C; Ctrl-Z suspends)",
};

enum action keys_lookup(int key, enum view view)
{
    unsigned on = view == VIEW_CHAT ? ON_CHAT : ON_LIST;
    for (size_t i = 0; i < bindings_count; i++)
        if (bindings[i].key == key && (bindings[i].views & on))
            return bindings[i].action;
    return ACT_NONE;
}

/* The help screen: a title, the lines of the body and a footer. The body
 * is laid out for the width there is (descriptions wrapped at spaces, below
 * their keys when narrow) and scrolls when it is taller than the screen. */
#define HELP_MAX_LINES 128

struct help_line {
    char keys[80];       /* at column 2, when not empty */
    char text[96];       /* at column x */
    int x;
};

static int help_top;

static void help_push(struct help_line *l, int *n, const char *text, size_t len, int x)
{
    if (*n >= HELP_MAX_LINES)
        return;
    if (len >= sizeof l[*n].text)
        len = sizeof l[*n].text - 1;
    memcpy(l[*n].text, text, len);
    l[*n].text[len] = 0;
    l[*n].keys[0] = 0;
    l[*n].x = x;
    (*n)++;
}

/* Word-wrap ASCII text into lines of at most width bytes. */
static void help_wrap(struct help_line *l, int *n, const char *s, int x, int width)
{
    if (width < 1)
        width = 1;
    while (*s) {
        size_t len = strlen(s);
        if (len > (size_t)width) {
            len = (size_t)width;
            while (len > 0 && s[len] != ' ')
                len--;
            if (len == 0)
                len = (size_t)width;
        }
        help_push(l, n, s, len, x);
        s += len;
        while (*s == ' ')
            s++;
    }
}

/* The body lines; w is the width of the box. */
static int help_body(struct help_line *l, int w)
{
    static const enum action order[] = {
        ACT_DOWN, ACT_UP, ACT_PAGE_DOWN, ACT_PAGE_UP, ACT_HALF_DOWN, ACT_HALF_UP,
        ACT_TOP, ACT_BOTTOM, ACT_OPEN, ACT_BACK, ACT_SEARCH, ACT_FIND_NEXT,
        ACT_FIND_PREV, ACT_REPLY, ACT_COPY, ACT_COPY_PHONE, ACT_CLEAR, ACT_HELP, ACT_REDRAW,
        ACT_QUIT,
    };
    enum { NORDER = sizeof order / sizeof order[0] };
    char keys[NORDER][80];
    int inner = w - 4, n = 0, kw = 0;
    for (size_t i = 0; i < NORDER; i++) {
        size_t len = 0;
        keys[i][0] = 0;
        for (size_t b = 0; b < bindings_count; b++) {
            if (bindings[b].action != order[i] || !bindings[b].label)
                continue;
            if (strstr(keys[i], bindings[b].label) && strlen(bindings[b].label) > 1)
                continue;
            len += (size_t)snprintf(keys[i] + len, sizeof keys[i] - len, "%s%s", len ? " " : "",
                                    bindings[b].label);
            if (len >= sizeof keys[i])
                break;
        }
        if (str_width(keys[i]) > kw)
            kw = str_width(keys[i]);
    }
    kw += 2;
    /* Keys and descriptions side by side when the descriptions keep room. */
    bool wide = inner - kw >= 20;
    help_wrap(l, &n, "In the search box letters are text; Enter keeps, Esc clears.", 2, inner);
    help_push(l, &n, "", 0, 2);
    for (size_t i = 0; i < NORDER; i++) {
        int first = n;
        if (wide) {
            help_wrap(l, &n, action_help[order[i]], 2 + kw, inner - kw);
        } else {
            /* The description below its keys. */
            help_push(l, &n, "", 0, 4);
            help_wrap(l, &n, action_help[order[i]], 4, inner - 2);
        }
        if (n > first)
            memcpy(l[first].keys, keys[i], sizeof l[first].keys);
    }
    return n;
}

static void help_geometry(int n, int *w, int *h, int *vis)
{
    *w = COLS - 4 < 76 ? COLS - 4 : 76;
    *h = n + 3 < LINES - 2 ? n + 3 : LINES - 2;
    *vis = *h - 2 > 1 ? *h - 2 : 1;
}

void help_draw(void)
{
    struct help_line l[HELP_MAX_LINES];
    int w = COLS - 4 < 76 ? COLS - 4 : 76, h, vis;
    int n = help_body(l, w);
    help_geometry(n, &w, &h, &vis);
    if (help_top > n - vis)
        help_top = n - vis > 0 ? n - vis : 0;
    int x0 = (COLS - w) / 2, y0 = (LINES - h) / 2;
    for (int y = y0; y < y0 + h; y++)
        fill(y, x0, w, EL_STATUS, false);
    put_text(y0, x0 + 2, w - 4, "Keys", EL_STATUS_WARN, false);
    for (int i = 0; i < vis && help_top + i < n; i++) {
        const struct help_line *ln = &l[help_top + i];
        if (ln->keys[0])
            put_text(y0 + 1 + i, x0 + 2, ln->text[0] && ln->x > 4 ? ln->x - 3 : w - 4, ln->keys,
                     EL_STATUS_WARN, false);
        if (ln->text[0])
            put_text(y0 + 1 + i, x0 + ln->x, w - ln->x - 2, ln->text, EL_STATUS, false);
    }
    char foot[80];
    if (n <= vis)
        snprintf(foot, sizeof foot, "any key closes this help");
    else
        snprintf(foot, sizeof foot, "j/k PgDn scroll %d-%d of %d, q closes", help_top + 1,
                 help_top + vis < n ? help_top + vis : n, n);
    if ((int)strlen(foot) > w - 4)
        snprintf(foot, sizeof foot, "j/k scroll, q closes");
    put_text(y0 + h - 1, x0 + 2, w - 4, foot, EL_STATUS, false);
}

bool help_key(int is_key, wint_t ch)
{
    struct help_line l[HELP_MAX_LINES];
    int w = COLS - 4 < 76 ? COLS - 4 : 76, h, vis;
    int n = help_body(l, w);
    help_geometry(n, &w, &h, &vis);
    int max = n - vis > 0 ? n - vis : 0;
    int top = help_top;
    if (max == 0 || (!is_key && (ch == 'q' || ch == ESC || ch == '?' || ch >= 0x80))) {
        help_top = 0;
        return false;
    }
    switch (keys_lookup((int)ch, VIEW_LIST)) {
    case ACT_DOWN: top++; break;
    case ACT_UP: top--; break;
    case ACT_PAGE_DOWN: top += vis; break;
    case ACT_PAGE_UP: top -= vis; break;
    case ACT_HALF_DOWN: top += vis / 2 > 0 ? vis / 2 : 1; break;
    case ACT_HALF_UP: top -= vis / 2 > 0 ? vis / 2 : 1; break;
    case ACT_TOP: top = 0; break;
    case ACT_BOTTOM: top = max; break;
    default:
        help_top = 0;
        return false;
    }
    help_top = top < 0 ? 0 : top > max ? max : top;
    return true;
}

int prompt_key(struct prompt *p, int is_key, wint_t ch)
{
    if (is_key) {
        switch (ch) {
        case KEY_BACKSPACE:
            if (p->len > 0)
                p->len--;
            return 1;
        case KEY_ENTER:
            return 2;
        default:
            return 0;
        }
    }
    switch (ch) {
    case '\r':
    case '\n':
        return 2;
    case ESC:
        return 3;
    case 0x7f:
    case CTRL('h'):
        if (p->len > 0)
            p->len--;
        return 1;
    case CTRL('u'):
        p->len = 0;
        return 1;
    case CTRL('w'):
        while (p->len > 0 && p->buf[p->len - 1] == L' ')
            p->len--;
        while (p->len > 0 && p->buf[p->len - 1] != L' ')
            p->len--;
        return 1;
    default:
        break;
    }
    if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0) || wcwidth((wchar_t)ch) < 0)
        return 0;
    if (p->len < (p->max ? p->max : CORE_TERM_MAX_CHARS))
        p->buf[p->len++] = (wchar_t)ch;
    return 1;
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
    static char text[TUI_REPLY_MAX_CHARS * 4 + 1];
    fill(y, 0, COLS, EL_TEXT, false);
    int x = put_text(y, 0, COLS, label, EL_PROMPT, false);
    prompt_utf8(p, text, sizeof text);
    /* Show the end of a long term: that is where the typing happens. */
    struct cells c = {0};
    cells_build(&c, text, NULL, TEXT_ONELINE, 0);
    size_t from = 0;
    while (from < c.n && cells_width(&c, from, c.n) > COLS - x - 2)
        from++;
    x += cells_draw(y, x, COLS - x - 1, &c, from, c.n, EL_PROMPT, false);
    cells_free(&c);
    style_set(EL_TEXT, true);
    if (x < COLS)
        mvaddch(y, x, ' ' | A_REVERSE);
}

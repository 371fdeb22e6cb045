/* tui/help.c - the help screen: the key table of keys.c laid out in a box
 * over the current view, for the width there is, scrolling when taller
 * than the screen. Any key that does not scroll it closes it. */
#include "help.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "keys.h"
#include "term.h"

#define ESC KEYS_ESC

static const char *const action_help[ACT_COUNT] = {
    [ACT_DOWN] = "down one row",
    [ACT_UP] = "up one row",
    [ACT_PAGE_DOWN] = "page down",
    [ACT_PAGE_UP] = "page up",
    [ACT_HALF_DOWN] = "half a page down",
    [ACT_HALF_UP] = "half a page up",
    [ACT_TOP] = "first row / oldest message",
    [ACT_BOTTOM] = "the end (search: last loaded row) / newest message",
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
    [ACT_GOTO] = "go to a date (2026-03-14, -3d, yesterday...)",
    [ACT_EXPORT] = "export the conversation to a file",
    [ACT_NEW_CONTACT] = "new contact (phone, then name)",
    [ACT_QUIT] = "quit (also Ctrl-C; Ctrl-Z suspends)",
};

/* Keys that are not bindings of keys.c: the text boxes' and the mouse's. */
static const struct { const char *keys, *text; } other_help[] = {
    {"Up Down", "in the search box: earlier searches"},
    {"← → ^A ^E ^K ^U ^W", "edit a text box as readline does (Delete, ^D too)"},
    {"wheel", "scroll the list or the conversation"},
};
enum { NOTHER = sizeof other_help / sizeof other_help[0] };

/* A title, the lines of the body and a footer. The body is laid out for
 * the width there is (descriptions wrapped at spaces, below their keys
 * when narrow). */
#define HELP_MAX_LINES 128

struct help_line {
    char keys[80];       /* at column 2, when not empty */
    char text[96];       /* at column x */
    int x;
};

/* The help's state: the first body line in the box. */
struct help_state {
    int top;
};

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
        ACT_FIND_PREV, ACT_REPLY, ACT_COPY, ACT_COPY_PHONE, ACT_GOTO, ACT_EXPORT,
        ACT_NEW_CONTACT, ACT_CLEAR, ACT_HELP, ACT_REDRAW, ACT_QUIT,
    };
    enum { NORDER = sizeof order / sizeof order[0] };
    char keys[NORDER + NOTHER][80];
    const char *text[NORDER + NOTHER];
    int inner = w - 4, n = 0, kw = 0;
    for (size_t i = 0; i < NORDER; i++) {
        size_t len = 0;
        keys[i][0] = 0;
        for (size_t b = 0; b < keys_bindings_count; b++) {
            if (keys_bindings[b].action != order[i] || !keys_bindings[b].label)
                continue;
            if (strstr(keys[i], keys_bindings[b].label) && strlen(keys_bindings[b].label) > 1)
                continue;
            len += (size_t)snprintf(keys[i] + len, sizeof keys[i] - len, "%s%s", len ? " " : "",
                                    keys_bindings[b].label);
            if (len >= sizeof keys[i])
                break;
        }
        text[i] = action_help[order[i]];
    }
    for (size_t i = 0; i < NOTHER; i++) {
        snprintf(keys[NORDER + i], sizeof keys[NORDER + i], "%s", other_help[i].keys);
        text[NORDER + i] = other_help[i].text;
    }
    for (size_t i = 0; i < NORDER + NOTHER; i++)
        if (fmt_width(keys[i]) > kw)
            kw = fmt_width(keys[i]);
    kw += 2;
    /* Keys and descriptions side by side when the descriptions keep room. */
    bool wide = inner - kw >= 20;
    help_wrap(l, &n, "In the search box letters are text; Enter keeps, Esc clears.", 2, inner);
    help_wrap(l, &n, "Filters: is:in is:out after:DATE before:DATE with:NAME", 2, inner);
    for (size_t i = 0; i < NORDER + NOTHER; i++) {
        int first = n;
        if (wide) {
            help_wrap(l, &n, text[i], 2 + kw, inner - kw);
        } else {
            /* The description below its keys. */
            help_push(l, &n, "", 0, 4);
            help_wrap(l, &n, text[i], 4, inner - 2);
        }
        if (n > first)
            memcpy(l[first].keys, keys[i], sizeof l[first].keys);
    }
    return n;
}

static void help_geometry(int n, int *w, int *h, int *vis)
{
    *w = COLS - 4 < 76 ? COLS - 4 : 76;
    /* The frame with the title and the footer on it, around the body;
     * over the whole screen when it needs it. */
    *h = n + 2 < LINES ? n + 2 : LINES;
    *vis = *h - 2 > 1 ? *h - 2 : 1;
}

/* The box's frame, so that the rows below do not run into its text:
 * box-drawing characters, or ASCII when the terminal has no UTF-8. */
static void help_frame(int y0, int x0, int h, int w)
{
    bool u = term_theme.utf8;
    const char *hz = u ? "─" : "-", *vt = u ? "│" : "|";
    char top[4 * 256 + 8], bot[sizeof top];
    size_t a = 0, b = 0;
    a += (size_t)snprintf(top + a, sizeof top - a, "%s", u ? "┌" : "+");
    b += (size_t)snprintf(bot + b, sizeof bot - b, "%s", u ? "└" : "+");
    for (int i = 0; i < w - 2 && i < 256; i++) {
        a += (size_t)snprintf(top + a, sizeof top - a, "%s", hz);
        b += (size_t)snprintf(bot + b, sizeof bot - b, "%s", hz);
    }
    snprintf(top + a, sizeof top - a, "%s", u ? "┐" : "+");
    snprintf(bot + b, sizeof bot - b, "%s", u ? "┘" : "+");
    term_put(y0, x0, w, top, EL_STATUS, false);
    term_put(y0 + h - 1, x0, w, bot, EL_STATUS, false);
    for (int y = y0 + 1; y < y0 + h - 1; y++) {
        term_put(y, x0, 1, vt, EL_STATUS, false);
        term_put(y, x0 + w - 1, 1, vt, EL_STATUS, false);
    }
}

static void help_draw(struct view *v)
{
    struct help_state *hs = v->priv;
    struct help_line l[HELP_MAX_LINES];
    int w = COLS - 4 < 76 ? COLS - 4 : 76, h, vis;
    int n = help_body(l, w);
    help_geometry(n, &w, &h, &vis);
    if (hs->top > n - vis)
        hs->top = n - vis > 0 ? n - vis : 0;
    int x0 = (COLS - w) / 2, y0 = (LINES - h) / 2;
    for (int y = y0; y < y0 + h; y++)
        term_fill(y, x0, w, EL_STATUS, false);
    help_frame(y0, x0, h, w);
    term_put(y0, x0 + 2, w - 4, " Keys ", EL_STATUS_WARN, false);
    for (int i = 0; i < vis && hs->top + i < n; i++) {
        const struct help_line *ln = &l[hs->top + i];
        if (ln->keys[0])
            term_put(y0 + 1 + i, x0 + 2, ln->text[0] && ln->x > 4 ? ln->x - 3 : w - 4, ln->keys,
                     EL_STATUS_WARN, false);
        if (ln->text[0])
            term_put(y0 + 1 + i, x0 + ln->x, w - ln->x - 2, ln->text, EL_STATUS, false);
    }
    char foot[80];
    if (n <= vis)
        snprintf(foot, sizeof foot, " any key closes this help ");
    else
        snprintf(foot, sizeof foot, " j/k PgDn scroll %d-%d of %d, q closes ", hs->top + 1,
                 hs->top + vis < n ? hs->top + vis : n, n);
    if ((int)strlen(foot) > w - 4)
        snprintf(foot, sizeof foot, " j/k scroll, q closes ");
    term_put(y0 + h - 1, x0 + 2, w - 4, foot, EL_STATUS, false);
}

/* A key while the help shows: false when it closes the help. */
static bool help_keep(struct help_state *hs, int is_key, wint_t ch)
{
    struct help_line l[HELP_MAX_LINES];
    int w = COLS - 4 < 76 ? COLS - 4 : 76, h, vis;
    int n = help_body(l, w);
    help_geometry(n, &w, &h, &vis);
    int max = n - vis > 0 ? n - vis : 0;
    int top = hs->top;
    if (max == 0 || (!is_key && (ch == 'q' || ch == ESC || ch == '?' || ch >= 0x80))) {
        hs->top = 0;
        return false;
    }
    switch (keys_lookup((int)ch, ON_LIST)) {
    case ACT_DOWN: top++; break;
    case ACT_UP: top--; break;
    case ACT_PAGE_DOWN: top += vis; break;
    case ACT_PAGE_UP: top -= vis; break;
    case ACT_HALF_DOWN: top += vis / 2 > 0 ? vis / 2 : 1; break;
    case ACT_HALF_UP: top -= vis / 2 > 0 ? vis / 2 : 1; break;
    case ACT_TOP: top = 0; break;
    case ACT_BOTTOM: top = max; break;
    default:
        hs->top = 0;
        return false;
    }
    hs->top = top < 0 ? 0 : top > max ? max : top;
    return true;
}

static struct view_req help_key(struct view *v, const struct view_input *in)
{
    struct view_req req = {0};
    if (!help_keep(v->priv, in->is_key, in->ch))
        req.kind = VIEW_REQ_BACK;
    return req;
}

static void help_open(struct view *v, const struct view_req *req)
{
    (void)req;
    v->priv = core_xcalloc(1, sizeof(struct help_state));
}

static void help_close(struct view *v)
{
    free(v->priv);
    v->priv = NULL;
}

const struct view_ops help_view = {
    .name = "help",
    .worker = -1,
    .overlay = true,
    .open = help_open,
    .close = help_close,
    .draw = help_draw,
    .key = help_key,
};

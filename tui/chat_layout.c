/* tui/chat_layout.c - the open conversation as lines: a day line, a
 * header for each group of messages, the wrapped text, and the lines that
 * say more is loading. The scroll position is counted in lines from the
 * bottom, so a page of older messages arriving above the view never moves
 * what the user is reading. The view's state lives here, below every file
 * that uses it. */
#include "chat_int.h"

#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "text.h"

/* A message is laid out up to this many columns; the rest is kept (y
 * copies it) but not turned into cells, so a huge message costs its bytes
 * once, not twenty times over. */
#define CHAT_MAX_COLS 20000


void chat_layout_free(struct chat_state *c)
{
    if (c->mv) {
        for (size_t i = 0; i < c->n; i++)
            text_cells_free(&c->mv[i].cells);
    }
    free(c->mv);
    c->mv = NULL;
}

static void push_line(struct chat_state *c, uint32_t msg, int kind, size_t from, size_t to)
{
    if (c->nlines == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->lines = core_xrealloc(c->lines, c->cap * sizeof *c->lines);
    }
    c->lines[c->nlines++] = (struct line){msg, (uint8_t)kind, (uint32_t)from, (uint32_t)to};
}

/* Consecutive messages of one side, minutes apart, share one header, as
 * in chat apps; a pause starts a new one so times stay in sight. */
#define GROUP_GAP_US (10 * 60 * INT64_C(1000000))

static bool same_group(const struct core_row *a, const struct core_row *b)
{
    return a->outbound == b->outbound && !((const struct msg *)a)->sending &&
           b->created_at_us - a->created_at_us <= GROUP_GAP_US;
}

void chat_layout(struct chat_state *c)
{
    chat_layout_free(c);
    c->mv = core_xcalloc(c->n + 1, sizeof *c->mv);
    c->nlines = 0;
    push_line(c, 0, chat_holds_start(c) ? LN_START : LN_MORE, 0, 0);
    bool gap = chat_gap_open(c);
    int bw = bubble_width();
    size_t *wrap = NULL, nwrap = 0, wcap = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct core_row *m = c->msgs[i];
        struct msgview *v = &c->mv[i];
        uint64_t words = text_cells_build(&v->cells, m->content, &c->hl, 0, CHAT_MAX_COLS);
        v->match = words && ((words | c->hl_contact) & text_hl_all(&c->hl)) == text_hl_all(&c->hl);
        bool new_day = i == 0 ||
                       fmt_day_number(m->created_at_us) != fmt_day_number(c->msgs[i - 1]->created_at_us);
        if (new_day)
            push_line(c, (uint32_t)i, LN_DAY, 0, 0);
        v->first_line = c->nlines;
        if (new_day || !same_group(c->msgs[i - 1], m) || (long)i == c->match ||
            ((const struct msg *)m)->sending)
            push_line(c, (uint32_t)i, LN_META, 0, 0);
        nwrap = 0;
        text_cells_wrap(&v->cells, bw, &wrap, &nwrap, &wcap);
        for (size_t k = 0; k + 1 < nwrap; k += 2) {
            int w = text_cells_width(&v->cells, wrap[k], wrap[k + 1]);
            if (w > v->width)
                v->width = w;
            push_line(c, (uint32_t)i, LN_TEXT, wrap[k], wrap[k + 1]);
        }
        if (strlen(m->content) > (size_t)CHAT_MAX_COLS &&
            text_cells_width(&v->cells, 0, v->cells.n) >= CHAT_MAX_COLS - 1)
            push_line(c, (uint32_t)i, LN_CUT, 0, 0);
        if (gap && m->message_id == c->start.last_id && !((const struct msg *)m)->sending)
            push_line(c, (uint32_t)i, LN_GAP, 0, 0);
    }
    free(wrap);
    if (!c->newer.end)
        push_line(c, 0, LN_NEWER, 0, 0);
    c->laid_cols = COLS;
    c->relayout = false;
    if (c->keep_set) {
        /* New messages came below a view that reads older ones. */
        c->keep_set = false;
        c->off = c->keep_line < c->nlines ? c->nlines - 1 - c->keep_line : 0;
    }
}

size_t chat_max_off(struct chat_state *c)
{
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    return c->nlines > h ? c->nlines - h : 0;
}

void chat_clamp_off(struct chat_state *c)
{
    if (c->off > chat_max_off(c))
        c->off = chat_max_off(c);
    if (c->off == 0)
        c->news = 0;
}

/* Scroll so that message i shows with some lines of context below it. */
void chat_reveal(struct chat_state *c, long i)
{
    if (i < 0 || (size_t)i >= c->n)
        return;
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t line = c->mv[i].first_line;
    size_t bottom = line + h / 2;
    if (bottom >= c->nlines)
        bottom = c->nlines - 1;
    c->off = c->nlines - 1 - bottom;
    chat_clamp_off(c);
}

/* The message at the bottom of the view. */
long chat_bottom_msg(struct chat_state *c)
{
    if (c->nlines == 0 || c->n == 0)
        return -1;
    size_t b = c->nlines - 1 - (c->off < c->nlines ? c->off : c->nlines - 1);
    if (c->lines[b].kind == LN_NEWER)
        return (long)c->n - 1;
    return c->lines[b].kind == LN_MORE || c->lines[b].kind == LN_START ? 0
                                                                          : (long)c->lines[b].msg;
}

/* The message at the top of the view. */
long chat_top_msg(struct chat_state *c)
{
    if (c->nlines == 0 || c->n == 0)
        return -1;
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t b = c->nlines - 1 - (c->off < c->nlines ? c->off : c->nlines - 1);
    size_t t = b + 1 > h ? b + 1 - h : 0;
    while (t < b && c->lines[t].kind != LN_META && c->lines[t].kind != LN_TEXT)
        t++;
    if (c->lines[t].kind == LN_MORE || c->lines[t].kind == LN_START)
        return 0;
    if (c->lines[t].kind == LN_NEWER)
        return (long)c->n - 1;
    return (long)c->lines[t].msg;
}

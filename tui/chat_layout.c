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

struct chat_state chat;

void chat_layout_free(void)
{
    if (chat.mv) {
        for (size_t i = 0; i < chat.n; i++)
            text_cells_free(&chat.mv[i].cells);
    }
    free(chat.mv);
    chat.mv = NULL;
}

static void push_line(uint32_t msg, int kind, size_t from, size_t to)
{
    if (chat.nlines == chat.cap) {
        chat.cap = chat.cap ? chat.cap * 2 : 256;
        chat.lines = core_xrealloc(chat.lines, chat.cap * sizeof *chat.lines);
    }
    chat.lines[chat.nlines++] = (struct line){msg, (uint8_t)kind, (uint32_t)from, (uint32_t)to};
}

/* Consecutive messages of one side, minutes apart, share one header, as
 * in chat apps; a pause starts a new one so times stay in sight. */
#define GROUP_GAP_US (10 * 60 * INT64_C(1000000))

static bool same_group(const struct core_row *a, const struct core_row *b)
{
    return a->outbound == b->outbound && !((const struct msg *)a)->sending &&
           b->created_at_us - a->created_at_us <= GROUP_GAP_US;
}

void chat_layout(void)
{
    chat_layout_free();
    chat.mv = core_xcalloc(chat.n + 1, sizeof *chat.mv);
    chat.nlines = 0;
    push_line(0, chat.end || chat.have_start ? LN_START : LN_MORE, 0, 0);
    bool gap = chat.have_start && !chat.end;
    int bw = bubble_width();
    size_t *wrap = NULL, nwrap = 0, wcap = 0;
    for (size_t i = 0; i < chat.n; i++) {
        const struct core_row *m = chat.msgs[i];
        struct msgview *v = &chat.mv[i];
        text_cells_build(&v->cells, m->content, &chat.hl, 0, CHAT_MAX_COLS);
        for (size_t c = 0; c < v->cells.n; c++)
            if (v->cells.v[c].kind == CK_MATCH)
                v->match = true;
        bool new_day = i == 0 ||
                       fmt_day_number(m->created_at_us) != fmt_day_number(chat.msgs[i - 1]->created_at_us);
        if (new_day)
            push_line((uint32_t)i, LN_DAY, 0, 0);
        v->first_line = chat.nlines;
        if (new_day || !same_group(chat.msgs[i - 1], m) || (long)i == chat.match ||
            ((const struct msg *)m)->sending)
            push_line((uint32_t)i, LN_META, 0, 0);
        nwrap = 0;
        text_cells_wrap(&v->cells, bw, &wrap, &nwrap, &wcap);
        for (size_t k = 0; k + 1 < nwrap; k += 2) {
            int w = text_cells_width(&v->cells, wrap[k], wrap[k + 1]);
            if (w > v->width)
                v->width = w;
            push_line((uint32_t)i, LN_TEXT, wrap[k], wrap[k + 1]);
        }
        if (strlen(m->content) > (size_t)CHAT_MAX_COLS &&
            text_cells_width(&v->cells, 0, v->cells.n) >= CHAT_MAX_COLS - 1)
            push_line((uint32_t)i, LN_CUT, 0, 0);
        if (gap && m->message_id == chat.start_last_id && !((const struct msg *)m)->sending)
            push_line((uint32_t)i, LN_GAP, 0, 0);
    }
    free(wrap);
    if (!chat.newer_end)
        push_line(0, LN_NEWER, 0, 0);
    chat.laid_cols = COLS;
    chat.relayout = false;
    if (chat.keep_set) {
        /* New messages came below a view that reads older ones. */
        chat.keep_set = false;
        chat.off = chat.keep_line < chat.nlines ? chat.nlines - 1 - chat.keep_line : 0;
    }
}

size_t chat_max_off(void)
{
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    return chat.nlines > h ? chat.nlines - h : 0;
}

void chat_clamp_off(void)
{
    if (chat.off > chat_max_off())
        chat.off = chat_max_off();
    if (chat.off == 0)
        chat.news = 0;
}

/* Scroll so that message i shows with some lines of context below it. */
void chat_reveal(long i)
{
    if (i < 0 || (size_t)i >= chat.n)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t line = chat.mv[i].first_line;
    size_t bottom = line + h / 2;
    if (bottom >= chat.nlines)
        bottom = chat.nlines - 1;
    chat.off = chat.nlines - 1 - bottom;
    chat_clamp_off();
}

/* The message at the bottom of the view. */
long chat_bottom_msg(void)
{
    if (chat.nlines == 0 || chat.n == 0)
        return -1;
    size_t b = chat.nlines - 1 - (chat.off < chat.nlines ? chat.off : chat.nlines - 1);
    if (chat.lines[b].kind == LN_NEWER)
        return (long)chat.n - 1;
    return chat.lines[b].kind == LN_MORE || chat.lines[b].kind == LN_START ? 0
                                                                          : (long)chat.lines[b].msg;
}

/* The message at the top of the view. */
long chat_top_msg(void)
{
    if (chat.nlines == 0 || chat.n == 0)
        return -1;
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t b = chat.nlines - 1 - (chat.off < chat.nlines ? chat.off : chat.nlines - 1);
    size_t t = b + 1 > h ? b + 1 - h : 0;
    while (t < b && chat.lines[t].kind != LN_META && chat.lines[t].kind != LN_TEXT)
        t++;
    if (chat.lines[t].kind == LN_MORE || chat.lines[t].kind == LN_START)
        return 0;
    if (chat.lines[t].kind == LN_NEWER)
        return (long)chat.n - 1;
    return (long)chat.lines[t].msg;
}

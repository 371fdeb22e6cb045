/* tui/chat_draw.c - the open conversation on screen: inbound on the left
 * and outbound on the right, the header with the day of the topmost message
 * in view, the status bar's text and the prompt line. */
#include "chat_int.h"

#include <stdio.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "stats.h"
#include "status.h"
#include "term.h"
#include "text.h"

static void draw_line(struct chat_state *c, int y, const struct line *ln)
{
    term_fill(y, 0, COLS, EL_TEXT, false);
    const char *bar = term_theme.utf8 ? "\u2502" : "|";
    switch (ln->kind) {
    case LN_MORE:
        term_put(y, 2, COLS - 4,
                 c->older.loading ? (term_theme.utf8 ? "\u2191 loading older messages\u2026" : "^ loading older messages...")
                              : (term_theme.utf8 ? "\u2191 older messages above" : "^ older messages above"),
                 EL_DIM, false);
        return;
    case LN_NEWER:
        term_put(y, 2, COLS - 4,
                 c->newer.loading ? (term_theme.utf8 ? "\u2193 loading newer messages\u2026" : "v loading newer messages...")
                                    : (term_theme.utf8 ? "\u2193 newer messages below (G: the newest)" : "v newer messages below (G: the newest)"),
                 EL_DIM, false);
        return;
    case LN_GAP:
        term_put(y, 2, COLS - 4,
                 term_theme.utf8 ? "\u22ef loading the messages in between\u2026" : "... loading the messages in between...",
                 EL_DIM, false);
        return;
    case LN_START: {
        const char *t = "start of the conversation";
        int w = (int)strlen(t);
        term_put(y, (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, COLS, t, EL_DIM, false);
        return;
    }
    case LN_DAY: {
        char day[64], t[96];
        fmt_day(day, sizeof day, c->msgs[ln->msg]->created_at_us);
        snprintf(t, sizeof t, term_theme.utf8 ? "\u2500\u2500 %s \u2500\u2500" : "-- %s --", day);
        int w = fmt_width(t);
        term_put(y, (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, COLS, t, EL_DIM, false);
        return;
    }
    case LN_CUT: {
        char t[160], n[32];
        const struct core_row *m = c->msgs[ln->msg];
        fmt_count(n, sizeof n, (long long)strlen(m->content));
        snprintf(t, sizeof t, term_theme.utf8 ? "\u2026 shortened to fit the screen (%s bytes in all)"
                                         : "... shortened to fit the screen (%s bytes in all)", n);
        term_put(y, m->outbound ? COLS / 4 : 3, COLS * 3 / 4 - 3, t, EL_DIM, false);
        return;
    }
    default:
        break;
    }
    const struct core_row *m = c->msgs[ln->msg];
    const struct msgview *v = &c->mv[ln->msg];
    enum elem side = m->outbound ? EL_OUT : EL_IN;
    bool current = (long)ln->msg == c->match;
    if (ln->kind == LN_META) {
        char clock[16];
        fmt_clock(clock, sizeof clock, m->created_at_us);
        if (m->outbound) {
            char t[64];
            snprintf(t, sizeof t, "%s%s \u00b7 you%s", current ? "\u25b6 " : "",
                     ((const struct msg *)m)->sending ? "" : clock,
                     ((const struct msg *)m)->sending ? (term_theme.utf8 ? " \u00b7 sending\u2026" : " - sending...") : "");
            int w = fmt_width(t);
            term_put(y, COLS - 1 - w > 0 ? COLS - 1 - w : 0, w, t, side, false);
        } else {
            int x = 1;
            if (current)
                x += term_put(y, x, 2, "\u25b6 ", EL_IN, false);
            x += text_draw(y, x, COLS / 2, c->name, NULL, 0, side, false);
            char t[32];
            snprintf(t, sizeof t, " \u00b7 %s", clock);
            term_put(y, x, COLS - x, t, EL_DIM, false);
        }
        return;
    }
    int bw = bubble_width();
    if (m->outbound) {
        int x = COLS - 3 - v->width;
        if (x < 1)
            x = 1;
        text_cells_draw(y, x, bw, &v->cells, ln->from, ln->to, EL_TEXT, false);
        term_put(y, COLS - 2, 1, bar, side, false);
    } else {
        term_put(y, 1, 1, bar, side, false);
        text_cells_draw(y, 3, bw, &v->cells, ln->from, ln->to, EL_TEXT, false);
    }
}

/* The header: who this is, and the day of the topmost message in view. */
static void draw_header(struct chat_state *c, size_t bottom, int h)
{
    term_fill(0, 0, COLS, EL_HEADER, false);
    int x = term_put(0, 0, COLS, term_theme.utf8 ? " \u2190 " : " < ", EL_HEADER, false);
    x += text_draw(0, x, COLS / 2, c->name, NULL, 0, EL_HEADER, false);
    if (strcmp(c->name, c->phone) != 0) {
        x += term_put(0, x, 3, "  ", EL_HEADER, false);
        x += text_draw(0, x, COLS - x - 1, c->phone, NULL, 0, EL_HEADER_DIM, false);
    }
    /* The day of the topmost message in view stays in sight, whatever the
     * date lines scrolled away. */
    size_t top = bottom + 1 > (size_t)h ? bottom + 1 - (size_t)h : 0;
    while (top < bottom && (c->lines[top].kind == LN_MORE || c->lines[top].kind == LN_START))
        top++;
    if (c->n > 0 && top < c->nlines && c->lines[top].kind != LN_MORE &&
        c->lines[top].kind != LN_START) {
        char day[64];
        fmt_day(day, sizeof day, c->msgs[c->lines[top].msg]->created_at_us);
        int w = fmt_width(day);
        if (COLS - w - 1 > x + 2)
            term_put(0, COLS - w - 1, w, day, EL_HEADER_DIM, false);
    }
}

static void draw_status(struct chat_state *c)
{
    char left[300], n[32];
    fmt_count(n, sizeof n, (long long)c->n);
    if (c->to_top)
        snprintf(left, sizeof left, " %s messages \u00b7 loading to the oldest\u2026", n);
    else if (c->phase == CHAT_FINDING && !c->prompt.active && c->find_dir < 0)
        snprintf(left, sizeof left, " %s messages \u00b7 finding in older messages\u2026", n);
    else if (c->n == 0 && c->older.loading)
        snprintf(left, sizeof left, " loading\u2026");
    else if (c->n == 0 && c->older.end && c->newer.end)
        snprintf(left, sizeof left, " no messages yet \u00b7 r writes the first");
    else if (c->older.end && !c->newer.end)   /* from the oldest, not to the newest yet */
        snprintf(left, sizeof left, " %s message%s loaded from the oldest", n,
                 c->n == 1 ? "" : "s");
    else
        snprintf(left, sizeof left, " %s%s message%s%s", c->older.end ? "all " : "", n,
                 c->n == 1 ? "" : "s", c->older.end ? "" : " loaded \u00b7 older above");
    if (!c->newer.end) {
        size_t len = strlen(left);
        snprintf(left + len, sizeof left - len, " \u00b7 newer below");
    }
    if (c->news > 0 && c->off > 0) {
        size_t len = strlen(left);
        fmt_count(n, sizeof n, (long long)c->news);
        snprintf(left + len, sizeof left - len, " \u00b7 %s new \u2193", n);
    }
    if (c->finding) {
        size_t matches = 0, pos = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (c->mv[i].match) {
                matches++;
                if ((long)i >= c->match)
                    pos++;
            }
        }
        size_t len = strlen(left);
        if (c->match >= 0)
            snprintf(left + len, sizeof left - len, " \u00b7 match %zu of %zu%s", pos, matches,
                     c->older.end ? "" : "+");
        else
            snprintf(left + len, sizeof left - len, " \u00b7 %zu matches", matches);
    }
    /* The prompt line holds the reply box: a failed send says why here. */
    bool error;
    const char *note = status_note_text(&error);
    if (c->reply.active && note && error)
        snprintf(left, sizeof left, " %s", note);
    double since = 0, now = core_now_ms();
    bool busy = chat_busy(c, &since);
    status_bar_draw(left, c->latency_ms, busy ? now - since : -1,
                    busy && now - since >= STATUS_SPINNER_AFTER_MS);
}

static void draw_prompt_line(struct chat_state *c)
{
    int y = LINES - 1;
    if (c->reply.active) {
        prompt_draw(&c->reply, y, "reply: ");
    } else if (c->prompt.active) {
        prompt_draw(&c->prompt, y, "find: ");
    } else if (c->ask.kind != ASK_NONE && !status_note_is_error()) {
        ask_draw(&c->ask, y);
    } else {
        term_fill(y, 0, COLS, EL_TEXT, false);
        if (status_note_draw(y))
            return;
        if (c->finding)
            status_hints_draw(y, "n older match \u00b7 N newer match \u00b7 / new find \u00b7 q back");
        else
            status_hints_draw(y, "j/k scroll \u00b7 / find \u00b7 r reply \u00b7 t go to date"
                                 " \u00b7 e export \u00b7 g oldest \u00b7 G newest \u00b7 q back");
    }
}

void chat_draw(struct chat_state *c)
{
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    chat_clamp_off(c);
    int h = view_height(CHAT_TOP_LINES);
    int64_t drawn_us = core_wall_us();
    size_t bottom = c->nlines - 1 - c->off;
    draw_header(c, bottom, h);
    for (int i = 0; i < h; i++) {
        int y = h - i;   /* rows 1..h, bottom up */
        if (bottom < (size_t)i) {
            term_fill(y, 0, COLS, EL_TEXT, false);
            continue;
        }
        const struct line *ln = &c->lines[bottom - (size_t)i];
        draw_line(c, y, ln);
        if ((ln->kind == LN_META || ln->kind == LN_TEXT) &&
            c->msgs[ln->msg]->created_at_us > c->opened_us)
            stats_shown(STATS_CHAT, c->msgs[ln->msg], drawn_us);
    }
    draw_status(c);
    draw_prompt_line(c);
}

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

static void draw_line(int y, const struct line *ln)
{
    term_fill(y, 0, COLS, EL_TEXT, false);
    const char *bar = term_theme.utf8 ? "\u2502" : "|";
    switch (ln->kind) {
    case LN_MORE:
        term_put(y, 2, COLS - 4,
                 chat.loading ? (term_theme.utf8 ? "\u2191 loading older messages\u2026" : "^ loading older messages...")
                              : (term_theme.utf8 ? "\u2191 older messages above" : "^ older messages above"),
                 EL_DIM, false);
        return;
    case LN_NEWER:
        term_put(y, 2, COLS - 4,
                 chat.newer_loading ? (term_theme.utf8 ? "\u2193 loading newer messages\u2026" : "v loading newer messages...")
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
        fmt_day(day, sizeof day, chat.msgs[ln->msg]->created_at_us);
        snprintf(t, sizeof t, term_theme.utf8 ? "\u2500\u2500 %s \u2500\u2500" : "-- %s --", day);
        int w = fmt_width(t);
        term_put(y, (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, COLS, t, EL_DIM, false);
        return;
    }
    case LN_CUT: {
        char t[160], n[32];
        const struct core_row *m = chat.msgs[ln->msg];
        fmt_count(n, sizeof n, (long long)strlen(m->content));
        snprintf(t, sizeof t, term_theme.utf8 ? "\u2026 shortened to fit the screen (%s bytes in all)"
                                         : "... shortened to fit the screen (%s bytes in all)", n);
        term_put(y, m->outbound ? COLS / 4 : 3, COLS * 3 / 4 - 3, t, EL_DIM, false);
        return;
    }
    default:
        break;
    }
    const struct core_row *m = chat.msgs[ln->msg];
    const struct msgview *v = &chat.mv[ln->msg];
    enum elem side = m->outbound ? EL_OUT : EL_IN;
    bool current = (long)ln->msg == chat.match;
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
            x += text_draw(y, x, COLS / 2, chat.name, NULL, 0, side, false);
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
static void draw_header(size_t bottom, int h)
{
    term_fill(0, 0, COLS, EL_HEADER, false);
    int x = term_put(0, 0, COLS, term_theme.utf8 ? " \u2190 " : " < ", EL_HEADER, false);
    x += text_draw(0, x, COLS / 2, chat.name, NULL, 0, EL_HEADER, false);
    if (strcmp(chat.name, chat.phone) != 0) {
        x += term_put(0, x, 3, "  ", EL_HEADER, false);
        x += text_draw(0, x, COLS - x - 1, chat.phone, NULL, 0, EL_HEADER_DIM, false);
    }
    /* The day of the topmost message in view stays in sight, whatever the
     * date lines scrolled away. */
    size_t top = bottom + 1 > (size_t)h ? bottom + 1 - (size_t)h : 0;
    while (top < bottom && (chat.lines[top].kind == LN_MORE || chat.lines[top].kind == LN_START))
        top++;
    if (chat.n > 0 && top < chat.nlines && chat.lines[top].kind != LN_MORE &&
        chat.lines[top].kind != LN_START) {
        char day[64];
        fmt_day(day, sizeof day, chat.msgs[chat.lines[top].msg]->created_at_us);
        int w = fmt_width(day);
        if (COLS - w - 1 > x + 2)
            term_put(0, COLS - w - 1, w, day, EL_HEADER_DIM, false);
    }
}

static void draw_status(void)
{
    char left[300], n[32];
    fmt_count(n, sizeof n, (long long)chat.n);
    if (chat.to_top)
        snprintf(left, sizeof left, " %s messages \u00b7 loading to the oldest\u2026", n);
    else if (chat.finding && !chat.prompt.active && chat.find_dir < 0)
        snprintf(left, sizeof left, " %s messages \u00b7 finding in older messages\u2026", n);
    else if (chat.n == 0 && chat.loading)
        snprintf(left, sizeof left, " loading\u2026");
    else if (chat.n == 0 && chat.end && chat.newer_end)
        snprintf(left, sizeof left, " no messages yet \u00b7 r writes the first");
    else if (chat.end && !chat.newer_end)   /* from the oldest, not to the newest yet */
        snprintf(left, sizeof left, " %s message%s loaded from the oldest", n,
                 chat.n == 1 ? "" : "s");
    else
        snprintf(left, sizeof left, " %s%s message%s%s", chat.end ? "all " : "", n,
                 chat.n == 1 ? "" : "s", chat.end ? "" : " loaded \u00b7 older above");
    if (!chat.newer_end) {
        size_t len = strlen(left);
        snprintf(left + len, sizeof left - len, " \u00b7 newer below");
    }
    if (chat.news > 0 && chat.off > 0) {
        size_t len = strlen(left);
        fmt_count(n, sizeof n, (long long)chat.news);
        snprintf(left + len, sizeof left - len, " \u00b7 %s new \u2193", n);
    }
    if (chat.finding) {
        size_t matches = 0, pos = 0;
        for (size_t i = 0; i < chat.n; i++) {
            if (chat.mv[i].match) {
                matches++;
                if ((long)i >= chat.match)
                    pos++;
            }
        }
        size_t len = strlen(left);
        if (chat.match >= 0)
            snprintf(left + len, sizeof left - len, " \u00b7 match %zu of %zu%s", pos, matches,
                     chat.end ? "" : "+");
        else
            snprintf(left + len, sizeof left - len, " \u00b7 %zu matches", matches);
    }
    /* The prompt line holds the reply box: a failed send says why here. */
    bool error;
    const char *note = status_note_text(&error);
    if (chat.reply.active && note && error)
        snprintf(left, sizeof left, " %s", note);
    double since = 0, now = core_now_ms();
    bool busy = chat_busy(&since);
    status_bar_draw(left, chat.latency_ms, busy ? now - since : -1,
                    busy && now - since >= STATUS_SPINNER_AFTER_MS);
}

static void draw_prompt_line(void)
{
    int y = LINES - 1;
    if (chat.reply.active) {
        prompt_draw(&chat.reply, y, "reply: ");
    } else if (chat.prompt.active) {
        prompt_draw(&chat.prompt, y, "find: ");
    } else if (chat.ask.kind != ASK_NONE && !status_note_is_error()) {
        ask_draw(&chat.ask, y);
    } else {
        term_fill(y, 0, COLS, EL_TEXT, false);
        if (status_note_draw(y))
            return;
        if (chat.finding)
            status_hints_draw(y, "n older match \u00b7 N newer match \u00b7 / new find \u00b7 q back");
        else
            status_hints_draw(y, "j/k scroll \u00b7 / find \u00b7 r reply \u00b7 t go to date"
                                 " \u00b7 e export \u00b7 g oldest \u00b7 G newest \u00b7 q back");
    }
}

void chat_draw(void)
{
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    chat_clamp_off();
    int h = view_height(CHAT_TOP_LINES);
    int64_t drawn_us = core_wall_us();
    size_t bottom = chat.nlines - 1 - chat.off;
    draw_header(bottom, h);
    for (int i = 0; i < h; i++) {
        int y = h - i;   /* rows 1..h, bottom up */
        if (bottom < (size_t)i) {
            term_fill(y, 0, COLS, EL_TEXT, false);
            continue;
        }
        const struct line *ln = &chat.lines[bottom - (size_t)i];
        draw_line(y, ln);
        if ((ln->kind == LN_META || ln->kind == LN_TEXT) &&
            chat.msgs[ln->msg]->created_at_us > chat.opened_us)
            stats_shown(STATS_CHAT, chat.msgs[ln->msg], drawn_us);
    }
    draw_status();
    draw_prompt_line();
}

/* tui/list_draw.c - the list on screen: the header, the column titles,
 * the rows, the status bar's text and the prompt line; and how long a
 * search took from the keystroke to its rows drawn (CONVO_STATS). */
#include "list_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "clock.h"
#include "fmt.h"
#include "goto.h"
#include "mask.h"
#include "stats.h"
#include "status.h"
#include "term.h"
#include "text.h"

struct columns {
    int name, phone, dir, text, when;
};

static struct columns columns(void)
{
    struct columns c;
    int w = COLS;
    c.when = w >= 60 ? 10 : 7;
    c.dir = 3;
    c.phone = w >= 80 ? 15 : 0;
    c.name = w / 5;
    if (c.name > 22)
        c.name = 22;
    if (c.name < 10)
        c.name = 10;
    /* 1 margin + spaces between columns + 1 margin */
    c.text = w - 1 - c.name - 1 - (c.phone ? c.phone + 1 : 0) - c.dir - 1 - 1 - c.when - 1;
    if (c.text < 4)
        c.text = 4;
    return c;
}

static void draw_row(struct list_state *l, int y, const struct model *m, size_t i, const struct columns *c,
                     int64_t now_us)
{
    bool sel = i == m->cur;
    const struct core_row *row = row_at(m, i);
    term_fill(y, 0, COLS, EL_TEXT, sel);
    if (!row) {
        term_put(y, 1 + c->name + 1, COLS - c->name - 2,
                 term_theme.utf8 ? "loading\u2026" : "loading...", EL_DIM, sel);
        return;
    }
    int x = 1;
    /* Rows of the previous term while a new one's first rows are pending
     * are dimmed (the status bar says which term they are). */
    bool old = l->pending != NULL;
    /* Masked values show no match: the term was found in the real ones. */
    char name[256], phone[96];
    const char *shown_name = mask_shown_name(row->name, name, sizeof name);
    const char *shown_phone = mask_shown_phone(row->phone_number, term_theme.utf8, phone, sizeof phone);
    const struct hl *hl = mask_on ? NULL : &l->hl;
    if (row->name && *row->name)
        /* Who the contact is matters more than where the match is. */
        text_draw(y, x, c->name, shown_name, hl, TEXT_NOEXCERPT, old ? EL_DIM : EL_NAME, sel);
    else if (!c->phone)   /* no phone column: an unnamed contact is its number */
        text_draw(y, x, c->name, shown_phone, hl, TEXT_PHONE, EL_DIM, sel);
    else   /* the number is beside it: the cell says there is no name */
        term_put(y, x, c->name, "(no name)", EL_DIM, sel);
    x += c->name + 1;
    if (c->phone) {
        text_draw(y, x, c->phone, shown_phone, hl, TEXT_PHONE, EL_DIM, sel);
        x += c->phone + 1;
    }
    if (row->no_message) {   /* a contact found by name or phone, not written to yet */
        term_put(y, x + c->dir + 1, c->text, "no messages yet", EL_DIM, sel);
        return;
    }
    term_put(y, x, c->dir, row->outbound ? "out" : "in", row->outbound ? EL_OUT : EL_IN, sel);
    x += c->dir + 1;
    text_draw(y, x, c->text, row->content, &l->hl, 0, old ? EL_DIM : EL_TEXT, sel);
    char when[32];
    fmt_when(when, sizeof when, row->created_at_us, now_us);
    int ww = fmt_width(when);
    term_put(y, COLS - 1 - ww, ww, when, EL_DIM, sel);
}

static void draw_header(struct list_state *l)
{
    char title[300];
    term_fill(0, 0, COLS, EL_HEADER, false);
    char from[48] = "";
    if (l->shown && l->shown->dated) {
        char when[40];
        goto_describe(l->shown->dated_us, when, sizeof when);
        snprintf(from, sizeof from, " up to %s", when);
    }
    if (l->shown && l->shown->term[0]) {
        snprintf(title, sizeof title, " convo \u00b7 search%s", from);
    } else {
        snprintf(title, sizeof title, " convo \u00b7 recent conversations%s", from);
    }
    int used = term_put(0, 0, COLS, title, EL_HEADER, false);
    if (l->shown && l->shown->term[0] && used + 4 < COLS) {
        term_put(0, used, 2, " \u201c", EL_HEADER, false);
        used += 2;
        used += text_draw(0, used, COLS - used - 12 > 0 ? COLS - used - 12 : 0,
                          l->shown->term, NULL, 0, EL_HEADER, false);
        term_put(0, used, 1, "\u201d", EL_HEADER, false);
    }
    const char *hint = "? help  q quit ";
    int hw = (int)strlen(hint);
    if (COLS - hw > used + 14)
        term_put(0, COLS - hw, hw, hint, EL_HEADER_DIM, false);
}

static void draw_titles(const struct columns *c)
{
    term_fill(1, 0, COLS, EL_DIM, false);
    int x = 1;
    term_put(1, x, c->name, "NAME", EL_DIM, false);
    x += c->name + 1;
    if (c->phone) {
        term_put(1, x, c->phone, "PHONE", EL_DIM, false);
        x += c->phone + 1;
    }
    term_put(1, x, c->dir, "DIR", EL_DIM, false);
    x += c->dir + 1;
    term_put(1, x, c->text, "MESSAGE", EL_DIM, false);
    term_put(1, COLS - 5, 4, "WHEN", EL_DIM, false);
}

/* How many conversations have news above, and a space: "3 ", "1,200+ "
 * when there may be more (the set is full, or a change of anything came
 * with them), "" when nothing is known but that something changed. */
static void news_count(char *out, size_t size, const struct model *m)
{
    char n[32];
    fmt_count(n, sizeof n, (long long)m->news.n);
    if (m->news.n == 0)
        snprintf(out, size, "%s", "");
    else
        snprintf(out, size, "%s%s ", n, m->news_many ? "+" : "");
}

/* While a new term is pending, which rows the screen still shows. */
static void showing_note(struct list_state *l, char *left, size_t size)
{
    if (!l->pending || !l->shown)
        return;
    size_t len = strlen(left);
    if (!l->shown->term[0]) {
        snprintf(left + len, size - len, " \u00b7 showing recent");
        return;
    }
    /* The term is untrusted text: its printable ASCII, '?' for any other
     * byte, and "…" when it is cut. */
    char t[48];
    size_t o = 0;
    for (const char *p = l->shown->term; *p && o + 4 < sizeof t; p++)
        t[o++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    t[o] = 0;
    snprintf(left + len, size - len, " \u00b7 showing %s%s", t, l->shown->term[o] ? "\u2026" : "");
}

static void draw_status(struct list_state *l)
{
    char left[300], n[32], n2[32];
    const struct model *m = l->shown;
    double lat = 0;
    left[0] = 0;
    if (l->pending && l->pending->phase == LIST_SEARCHING) {
        fmt_count(n, sizeof n, l->pending->scanned);
        if (l->pending->back_to > 0) {
            char day[40];
            fmt_day(day, sizeof day, l->pending->back_to);
            snprintf(left, sizeof left, " searching\u2026 \u00b7 %s messages scanned \u00b7 back to %s",
                     n, day);
        } else {
            snprintf(left, sizeof left, " searching\u2026 \u00b7 %s messages scanned", n);
        }
    } else if (m && m->reversed) {
        size_t rows = model_rows(m);
        fmt_count(n, sizeof n, (long long)rows);
        fmt_count(n2, sizeof n2, (long long)(rows > m->cur ? rows - m->cur : 0));
        /* With the count, rows have their place in the whole list. */
        int64_t total = m->total >= (int64_t)rows ? m->total : -1;
        if (!model_more(m))
            total = (int64_t)rows;
        if (rows == 0) {
            snprintf(left, sizeof left, " loading the end of the list\u2026");
        } else if (total >= 0) {
            char t[32];
            fmt_count(t, sizeof t, total);
            fmt_count(n2, sizeof n2, total - (int64_t)(rows - 1 - (m->cur < rows ? m->cur : rows - 1)));
            snprintf(left, sizeof left, " %s conversation%s \u00b7 row %s", t, total == 1 ? "" : "s", n2);
        } else {
            snprintf(left, sizeof left, " end of the list \u00b7 %s oldest%s \u00b7 row %s from the end",
                     n, model_more(m) ? ", more above" : "", n2);
        }
        if (m->news.n > 0 || m->news_many) {
            size_t len = strlen(left);
            char nw[48];
            news_count(nw, sizeof nw, m);
            snprintf(left + len, sizeof left - len, " \u00b7 %snew \u2191 (g)", nw);
        }
    } else if (m) {
        size_t rows = model_rows(m);
        bool more = model_more(m);
        fmt_count(n, sizeof n, (long long)rows);
        const char *what = m->term[0] ? (rows == 1 ? "match" : "matches")
                                      : (rows == 1 ? "conversation" : "conversations");
        if (m->phase == LIST_SEARCHING) {
            fmt_count(n2, sizeof n2, m->scanned);
            snprintf(left, sizeof left, " %s %s so far \u00b7 %s scanned", n, what, n2);
        } else if (rows == 0 && more) {
            snprintf(left, sizeof left, " loading\u2026");
        } else {
            if (rows == 0)
                snprintf(left, sizeof left, " no %s", what);
            else
                snprintf(left, sizeof left, " %s %s%s", n, what, more ? ", more" : "");
        }
        if (m->top > 0 && (m->news.n > 0 || m->news_many)) {
            size_t len = strlen(left);
            char nw[48];
            news_count(nw, sizeof nw, m);
            snprintf(left + len, sizeof left - len, " \u00b7 %snew \u2191", nw);
        }
        if (rows > 0) {
            size_t len = strlen(left);
            fmt_count(n, sizeof n, (long long)m->cur + 1);
            snprintf(left + len, sizeof left - len, " \u00b7 row %s", n);
        }

    }
    /* The prompt line holds the search box: an error about what is typed
     * (a bad filter word) shows here instead, while the box keeps it. */
    bool error;
    const char *note = status_note_text(&error);
    if (l->prompt.active && note && error)
        snprintf(left, sizeof left, " %s", note);
    else
        showing_note(l, left, sizeof left);
    if (m)
        lat = m->latency_ms;
    double now = core_now_ms(), since = 0, running = -1;
    bool busy = list_busy(l, &since);
    if (l->pending)
        running = now - l->pending->t_start;
    else if (m && m->phase == LIST_SEARCHING)
        running = now - m->pages[0].t_req;
    else if (busy && now - since >= STATUS_SPINNER_AFTER_MS)
        running = now - since;
    status_bar_draw(left, lat, running, busy && now - since >= STATUS_SPINNER_AFTER_MS);
}

static void draw_prompt_line(struct list_state *l)
{
    int y = LINES - 1;
    if (l->prompt.active) {
        prompt_draw(&l->prompt, y, "/");
        return;
    }
    if (l->ask.kind != ASK_NONE && !status_note_is_error()) {
        ask_draw(&l->ask, y);
        return;
    }
    term_fill(y, 0, COLS, EL_TEXT, false);
    if (status_note_draw(y))
        return;
    if (l->shown && l->shown->term[0]) {
        int x = 1 + term_put(y, 1, COLS - 2, "filter: ", EL_DIM, false);
        x += text_draw(y, x, COLS - x - 1, l->shown->term, NULL, 0, EL_PROMPT, false);
        term_put(y, x, COLS - x - 1, "  (/ edit \u00b7 Esc clear)", EL_DIM, false);
    } else {
        status_hints_draw(y, "j/k move \u00b7 Enter open \u00b7 / search \u00b7 t go to date"
                             " \u00b7 n new contact \u00b7 ? help \u00b7 q quit");
    }
}

void list_draw(struct list_state *l)
{
    struct columns c = columns();
    int h = view_height(LIST_TOP_LINES);
    int64_t now_us = tui_clock_now_us();
    draw_header(l);
    draw_titles(&c);
    if (l->shown)
        list_scroll_into_view(l->shown);
    for (int i = 0; i < h; i++) {
        int y = LIST_TOP_LINES + i;
        size_t idx = l->shown ? l->shown->top + (size_t)i : 0;
        if (!l->shown) {
            term_fill(y, 0, COLS, EL_TEXT, false);
            continue;
        }
        size_t rows = model_rows(l->shown);
        if (idx < rows) {
            draw_row(l, y, l->shown, idx, &c, now_us);
            const struct core_row *row = row_at(l->shown, idx);
            if (row)
                stats_shown(STATS_LIST, row, now_us);
        } else {
            term_fill(y, 0, COLS, EL_TEXT, false);
            if (idx == rows && model_more(l->shown) && !l->shown->reversed && (rows > 0 || !l->pending))
                term_put(y, 1 + c.name + 1, COLS - c.name - 2,
                         term_theme.utf8 ? "loading\u2026" : "loading...", EL_DIM, false);
            else if (idx == 0 && rows == 0 && !model_more(l->shown) && !l->pending)
                term_put(y, 1 + c.name + 1, COLS - c.name - 2,
                         l->shown->term[0] ? "no conversation matches" : "no conversations yet",
                         EL_DIM, false);
        }
    }
    draw_status(l);
    draw_prompt_line(l);
}

/* Called after the screen was updated: closes a keystroke-to-results
 * measurement. */
void list_drawn(struct list_state *l, double t)
{
    if (l->measure_due > 0) {
        if (l->nsearch_lat < sizeof l->search_lat / sizeof l->search_lat[0])
            l->search_lat[l->nsearch_lat++] = t - l->measure_due;
        l->measure_due = 0;
    }
}

void list_stats(struct list_state *l, FILE *f)
{
    stats_percentiles(f, "search_keystroke_to_results_ms", l->search_lat, l->nsearch_lat, 1);
}

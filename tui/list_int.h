/* tui/list_int.h - the list view's state, shared by its files: list.c
 * (the view: keys, the search box, opening and closing), list_model.c (the
 * pages of rows: fetching them, the worker's answers, live updates) and
 * list_draw.c (the screen). Not for the rest of the program: list.h is. */
#ifndef CONVO_TUI_LIST_INT_H
#define CONVO_TUI_LIST_INT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ask.h"
#include "idset.h"
#include "lib.h"
#include "prompt.h"
#include "text.h"
#include "view.h"

/* One page of a model's rows: the cursor that fetches it always, its rows
 * only while near the viewport (list_model.c). */
struct list_page {
    char *cursor;           /* fetches this page; NULL = first page */
    struct core_page page;
    bool resident;          /* page holds rows */
    bool loading;
    bool loaded;            /* a final answer came once: count is known */
    double retry_at;        /* after a failed fetch, not before this */
    size_t start, count;
    double t_req;           /* when asked for: latency runs from here */
    bool awaiting;          /* asked and not answered yet (retries included) */
    bool quiet;             /* asked for a live update, not by a key: its time
                             * is not what the user waited */
};

/* What a model is doing. One at a time: each answer, key and connection
 * event moves it (list_model.c), and the screen says it (list_draw.c). */
enum list_phase {
    LIST_LOADING,        /* its first page asked for, no rows of it yet */
    LIST_SHOWING,        /* rows on screen; pages come as the cursor goes */
    LIST_SEARCHING,      /* the first page of a search still streaming */
    LIST_PENDING_TERM,   /* a term typed, not answered yet: the rows of
                          * the model shown stay on screen meanwhile */
    LIST_RECONNECTING,   /* its connection was lost: moves past the loaded
                          * rows are not queued until it is back */
};

struct model {
    uint64_t gen;
    enum list_phase phase;
    char *term;             /* "" = recent conversations */
    struct list_page *pages; /* the pages of rows, in order, each with its cursor */
    size_t npages, cap;
    size_t cur, top;
    size_t pending_move;
    double pending_at;      /* the last key queued in pending_move or pending_up */
    double latency_ms;
    int64_t scanned, back_to;
    double t_start;         /* the keystroke that asked for it */
    bool measured;
    /* Live updates. At the top the first page is fetched again; scrolled,
     * nothing moves and the news are counted until the user is back at
     * the top. */
    bool refresh_wanted;    /* fetch the first page again when possible */
    double refresh_after;   /* not before this (core_now_ms), searches only */
    bool stale;             /* changes arrived while scrolled */
    struct idset news;      /* distinct contacts with news, while scrolled */
    bool news_many;         /* more than can be counted, or "anything" */
    /* Keep the cursor on its conversation while pages are fetched again:
     * anchor_line is its screen line, or SIZE_MAX to keep the top. */
    bool anchored;
    int32_t anchor_id;
    size_t anchor_line;
    int32_t follow_id;      /* the conversation opened over the list, 0 none */
    /* G: the end of the recent list, fetched from the end upwards. */
    bool reversed;
    size_t pending_up;      /* moves up past the loaded rows, queued */
    int64_t total;          /* conversations in the whole list, -1 unknown */
    /* t: the rows start at a date (the first page's cursor is there);
     * g and Esc go back to the top. */
    bool dated;
    int64_t dated_us;
};

/* The list view: the rows on screen, a search typed but not answered yet,
 * and the lists put aside. */
struct list_state {
    struct model *shown, *pending, *saved;
    struct model *forward;   /* the recent list from the top, while G shows its end */
    struct prompt prompt;
    struct hl hl;
    double measure_due;      /* keystroke time of a search to time when drawn */
    struct ask ask;          /* t's date, n's phone and name */
    struct response *added;  /* the last contact added (n), its row opened */
    /* Keys that arrive together (a paste, fast typing over a slow link)
     * make one search, started when the batch of input has been read. */
    bool prompt_changed;
    double prompt_t0;        /* when the keys that changed it were read */
    /* Keystroke to results drawn, per search (CONVO_STATS). */
    double search_lat[4096];
    size_t nsearch_lat;
};

#define LIST_TOP_LINES 2   /* header, column titles (view_height) */

static inline size_t model_rows(const struct model *m)
{
    const struct list_page *last = &m->pages[m->npages - 1];
    return last->start + (last->loaded || last->resident ? last->count : 0);
}

static inline bool model_more(const struct model *m)
{
    return !m->pages[m->npages - 1].loaded;
}

/* The page holding row i (the last page for rows past the end). */
static inline size_t page_of(const struct model *m, size_t i)
{
    size_t lo = 0, hi = m->npages - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (m->pages[mid].start <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static inline const struct core_row *row_raw(const struct model *m, size_t i)
{
    const struct list_page *s = &m->pages[page_of(m, i)];
    if (!s->resident || i < s->start || i - s->start >= s->page.count)
        return NULL;
    return &s->page.rows[i - s->start];
}

/* Rows are numbered as they are drawn, from the top; a reversed model (the
 * end of the list, walked upwards) holds them bottom up. */
static inline const struct core_row *row_at(const struct model *m, size_t d)
{
    size_t rows = model_rows(m);
    if (!m->reversed)
        return row_raw(m, d);
    return d < rows ? row_raw(m, rows - 1 - d) : NULL;
}

/* ---- list_model.c ---------------------------------------------------------- */

/* t0: when the user asked for it (the keystroke), for the latency. */
struct model *list_model_new(const char *term, double t0);
void list_model_free(struct model *m);
/* A model coming back on screen gets a new generation. */
void list_model_retag(struct model *m);
void list_model_move(struct model *m, long d, bool page);
/* The cursor follows this contact's row (the conversation opened from the
 * list) until the user moves it. */
void list_model_follow(struct model *m, int32_t contact_id);
void list_scroll_into_view(struct model *m);
void list_model_tick(struct list_state *l);
/* A typed term's model, on its way: pending until its first rows come. */
struct model *list_model_pending(const char *term, double t0);
/* The list's connection is lost: moves waiting for rows are dropped, and
 * none are queued until it is back. */
void list_model_conn_lost(struct list_state *l);
void list_model_conn_back(struct list_state *l);
struct view_req list_answer(struct list_state *l, struct response *r);
void list_changes(struct list_state *l, const int32_t *ids, size_t n, bool all);
double list_due_ms(struct list_state *l);
bool list_busy(struct list_state *l, double *since);
/* For list_jump.c: a model of term whose first page is fetched by cursor
 * (NULL: from the top), a page appended to m at row start, and a request
 * for m's page k queued to the worker. */
struct model *list_model_new_at(const char *term, const char *cursor, double t0);
struct list_page *list_page_add(struct model *m, const char *cursor, size_t start);
void list_page_request(struct model *m, size_t k);

/* ---- list_jump.c ----------------------------------------------------------- */

/* G: the true end of the list; list_leave_end(), g from there, the list
 * from the top again. */
void list_go_to_end(struct list_state *l);
void list_leave_end(struct list_state *l);
/* t: the shown list (recent or the search) from the conversations last
 * active at or before us: one seek, by a cursor at that instant. */
void list_go_to_date(struct list_state *l, int64_t us);
/* g or Esc on a dated list: its rows from the top again. */
void list_leave_date(struct list_state *l);

/* ---- list_screen.c --------------------------------------------------------- */

/* The rows of the list on screen: the one thing of the terminal the model
 * needs, in a file of its own so that list_model.c calls no curses (its
 * unit test stands in for it). */
size_t list_screen_rows(void);

/* ---- list_draw.c ----------------------------------------------------------- */

void list_draw(struct list_state *l);
void list_drawn(struct list_state *l, double t);
void list_stats(struct list_state *l, FILE *f);

#endif

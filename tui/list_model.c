/* tui/list_model.c - the rows of the list: a model is one source of rows
 * (recent, or one search term) cut into pages of WORKER_PAGE rows. Every
 * page remembers the keyset cursor that fetches it, but only the pages near
 * the viewport keep their rows: the rest are freed and fetched again by
 * cursor when the user scrolls back, so memory stays bounded however far
 * the user scrolls. Here are the requests for pages, the worker's answers,
 * live updates and the moves of the cursor; the jumps to the end of the
 * list (G) and to a date (t) are in list_jump.c.
 *
 * Each transition is a plain function over the model or the list's state
 * (an answer, a move, news, the connection lost or back, a tick) that moves
 * its phase (enum list_phase); no curses here, and the database only
 * through the worker's queue, so tests/tui/test_list_model.c drives every
 * one with stand-ins. */
#include "list_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "idset.h"
#include "status.h"
#include "text.h"
#include "worker.h"

/* Pages kept around the viewport, and how far away they are dropped. */
#define KEEP_MARGIN_ROWS WORKER_PAGE
/* Moves past the loaded rows wait for them, up to this far. */
#define PENDING_MOVE_MAX (200 * WORKER_PAGE)
/* ... and up to this long after the last such key: a move that runs later
 * (rows coming back with the connection) would surprise. */
#define PENDING_MOVE_MS 1000.0
#define DROP_PAGES 3
/* A search shown at the top is fetched again at most this often. */
#define SEARCH_REFRESH_MS 250.0

struct list_page *list_page_add(struct model *m, const char *cursor, size_t start)
{
    if (m->npages == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->pages = core_xrealloc(m->pages, m->cap * sizeof *m->pages);
    }
    struct list_page *s = &m->pages[m->npages++];
    memset(s, 0, sizeof *s);
    s->cursor = cursor ? core_xstrdup(cursor) : NULL;
    s->start = start;
    return s;
}

static void page_forget(struct list_page *s)
{
    if (s->resident)
        core_page_free(&s->page);
    s->resident = false;
}

void list_model_free(struct model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->npages; i++) {
        page_forget(&m->pages[i]);
        free(m->pages[i].cursor);
    }
    free(m->pages);
    free(m->term);
    idset_free(&m->news);
    free(m);
}

void list_page_request(struct model *m, size_t k)
{
    struct list_page *s = &m->pages[k];
    struct request *req = core_xcalloc(1, sizeof *req);
    req->kind = REQ_PAGE;
    req->gen = m->gen;
    req->page_index = k;
    req->term = core_xstrdup(m->term);
    req->cursor = s->cursor ? core_xstrdup(s->cursor) : NULL;
    req->reversed = m->reversed;
    s->loading = true;
    /* A retry after a failure or a wait for the server keeps the first
     * ask's clock: the latency shown is what the user waited. */
    if (!s->awaiting) {
        s->t_req = core_now_ms();
        s->quiet = false;   /* refresh_maybe says when it is */
    }
    s->awaiting = true;
    worker_submit(WORKER_LIST, req);
}

/* A model whose first page is fetched by cursor (NULL: from the top). */
struct model *list_model_new_at(const char *term, const char *cursor, double t0)
{
    struct model *m = core_xcalloc(1, sizeof *m);
    m->gen = worker_gen_next();
    m->term = core_xstrdup(term);
    m->t_start = t0;
    list_page_add(m, cursor, 0);
    list_page_request(m, 0);
    m->pages[0].t_req = t0;
    return m;
}

struct model *list_model_pending(const char *term, double t0)
{
    struct model *m = list_model_new(term, t0);
    m->phase = LIST_PENDING_TERM;
    return m;
}

/* t0: when the user asked for it (the keystroke), for the latency. */
struct model *list_model_new(const char *term, double t0)
{
    struct model *m = core_xcalloc(1, sizeof *m);
    m->gen = worker_gen_next();
    m->term = core_xstrdup(term);
    m->t_start = t0;
    list_page_add(m, NULL, 0);
    list_page_request(m, 0);
    m->pages[0].t_req = t0;
    return m;
}

/* A model coming back on screen gets a new generation, which also makes
 * the worker drop whatever an abandoned search still had queued. */
void list_model_retag(struct model *m)
{
    if (m->pages[0].loading && m->pages[0].resident)
        m->refresh_wanted = true;   /* a refresh in flight is asked again */
    m->gen = worker_gen_next();
    for (size_t i = 0; i < m->npages; i++)
        m->pages[i].loading = m->pages[i].awaiting = false;
    m->pending_move = 0;
}

void list_scroll_into_view(struct model *m)
{
    size_t h = list_screen_rows();
    size_t rows = model_rows(m);
    if (rows > 0 && m->cur >= rows)
        m->cur = rows - 1;
    if (m->top + h > rows)
        m->top = rows > h ? rows - h : 0;
    if (m->cur < m->top)
        m->top = m->cur;
    if (m->cur >= m->top + h)
        m->top = m->cur - h + 1;
}

/* Moves past the loaded rows wait for them, unless the connection is
 * down: rows that come after it is back would move the cursor long after
 * the key. */
static bool can_queue(const struct model *m)
{
    if (!model_more(m))
        return false;
    if (m->phase == LIST_RECONNECTING) {
        status_note("moves typed while the rows loaded are dropped: the connection is lost");
        return false;
    }
    return true;
}

void list_model_move(struct model *m, long d, bool page)
{
    size_t rows = model_rows(m);
    m->anchored = false;       /* the user chose where to be */
    m->follow_id = 0;
    if (d < 0)
        m->pending_move = 0;   /* the user changed their mind */
    if (d > 0)
        m->pending_up = 0;
    if (rows == 0) {
        if (d > 0 && can_queue(m)) {
            m->pending_move += (size_t)d;
            m->pending_at = core_now_ms();
        }
        if (m->pending_move > PENDING_MOVE_MAX)
            m->pending_move = PENDING_MOVE_MAX;
        return;
    }
    long target = (long)m->cur + d;
    if (target < 0) {
        if (m->reversed && can_queue(m)) {
            /* Above the loaded rows of the end: done when they come. */
            m->pending_up += (size_t)-target;
            m->pending_at = core_now_ms();
            if (m->pending_up > PENDING_MOVE_MAX)
                m->pending_up = PENDING_MOVE_MAX;
        }
        target = 0;
    }
    if ((size_t)target >= rows) {
        if (can_queue(m)) {
            /* Keys pressed while a page loads are honoured when it comes,
             * within a few pages. */
            m->pending_move += (size_t)target - (rows - 1);
            m->pending_at = core_now_ms();
            if (m->pending_move > PENDING_MOVE_MAX)
                m->pending_move = PENDING_MOVE_MAX;
        }
        target = (long)rows - 1;
    }
    if (page) {
        long top = (long)m->top + d;
        long maxtop = (long)rows - (long)list_screen_rows();
        if (top > maxtop)
            top = maxtop;
        if (top < 0)
            top = 0;
        m->top = (size_t)top;
    }
    m->cur = (size_t)target;
    list_scroll_into_view(m);
}

/* Moves waiting for rows are dropped, and the user told why. */
static void pending_drop(struct model *m, const char *why)
{
    if (!m || (!m->pending_move && !m->pending_up))
        return;
    m->pending_move = m->pending_up = 0;
    status_note("moves typed while the rows loaded are dropped: %s", why);
}

/* Moves that waited too long for their rows do not run. */
static void pending_expire(struct model *m)
{
    if ((m->pending_move || m->pending_up) && core_now_ms() - m->pending_at > PENDING_MOVE_MS)
        pending_drop(m, "the rows came too late");
}

static void model_lost(struct model *m)
{
    if (!m)
        return;
    pending_drop(m, "the connection was lost");
    m->phase = LIST_RECONNECTING;
}

void list_model_conn_lost(struct list_state *l)
{
    model_lost(l->shown);
    model_lost(l->pending);
}

/* Back from reconnecting: what the model holds says what it is doing; the
 * requests the worker retries move it on from there. */
static void model_back(struct model *m, bool pending)
{
    if (!m || m->phase != LIST_RECONNECTING)
        return;
    if (model_rows(m) > 0 || m->pages[0].loaded)
        m->phase = LIST_SHOWING;
    else
        m->phase = pending ? LIST_PENDING_TERM : LIST_LOADING;
}

void list_model_conn_back(struct list_state *l)
{
    model_back(l->shown, false);
    model_back(l->pending, true);
}

/* ---- answers from the worker -------------------------------------------- */

static void anchor_set(struct model *m, bool keep_top)
{
    if (m->anchored || m->reversed)
        return;
    if (m->follow_id) {
        /* A conversation is open over the list: back from it, the cursor
         * is on its row, wherever the news moved it. */
        m->anchored = true;
        m->anchor_id = m->follow_id;
        m->anchor_line = keep_top ? SIZE_MAX : m->cur - m->top;
        return;
    }
    const struct core_row *row = row_at(m, m->cur);
    /* On the first row at the top the cursor stays there: the newest
     * conversation is the one to see, as in a chat app. */
    if (!row || (keep_top && m->cur == 0))
        return;
    m->anchored = true;
    m->anchor_id = row->contact_id;
    m->anchor_line = keep_top ? SIZE_MAX : m->cur - m->top;
}

void list_model_follow(struct model *m, int32_t contact_id)
{
    m->follow_id = contact_id;
    m->anchored = false;
}

/* Put the cursor back on its conversation once a page holds it; give up
 * when nothing is loading any more. */
static void anchor_restore(struct model *m)
{
    if (!m->anchored)
        return;
    bool loading = false;
    for (size_t k = 0; k < m->npages; k++) {
        const struct list_page *s = &m->pages[k];
        loading |= s->loading;
        if (!s->resident)
            continue;
        for (size_t i = 0; i < s->page.count; i++) {
            if (s->page.rows[i].contact_id != m->anchor_id)
                continue;
            m->anchored = false;
            size_t at = s->start + i;
            if (m->anchor_line == SIZE_MAX) {
                /* The top stays while the cursor follows within the
                 * screen; pushed below it, the rows scroll with it. */
                m->cur = at;
                list_scroll_into_view(m);
                return;
            }
            m->cur = at;
            m->top = m->cur >= m->anchor_line ? m->cur - m->anchor_line : 0;
            list_scroll_into_view(m);
            return;
        }
    }
    if (!loading)
        m->anchored = false;
}

/* Page k came back and no longer ends where page k+1 starts: the data
 * moved. Reusing the later pages' cursors would show a conversation twice
 * or skip one, so they go, and page k's own end cursor fetches what
 * follows. Requests still in flight for them are made stale. */
static void chain_cut(struct model *m, size_t k)
{
    struct list_page *s = &m->pages[k];
    anchor_set(m, m->top == 0);
    for (size_t j = k + 1; j < m->npages; j++) {
        page_forget(&m->pages[j]);
        free(m->pages[j].cursor);
    }
    m->npages = k + 1;
    bool gap = s->page.next_cursor && s->count > 0;
    if (gap)
        list_page_add(m, s->page.next_cursor, s->start + s->count);
    m->gen = worker_gen_next();
    for (size_t j = 0; j < m->npages; j++)
        m->pages[j].loading = false;
    worker_supersede(WORKER_LIST, m->gen);
    if (gap) {
        /* At once: the cursor's conversation may be in it, and the anchor
         * waits for it only while a page is on its way. */
        list_page_request(m, m->npages - 1);
        m->pages[m->npages - 1].quiet = true;
    }
}

static void page_fill(struct model *m, size_t k, struct response *r)
{
    struct list_page *s = &m->pages[k];
    page_forget(s);
    s->page = r->page;
    r->have_page = false;
    s->resident = true;
    size_t old = s->count;
    bool was_loaded = s->loaded;
    s->count = s->page.count;
    if (r->final) {
        s->loading = false;
        s->awaiting = false;
        s->loaded = true;
        /* From the request to the whole answer, not core's time for the
         * last budgeted step of a long search; a refresh for a live
         * update leaves the figure of the last wait the user had. */
        if (!s->quiet)
            m->latency_ms = core_now_ms() - s->t_req;
        s->quiet = false;
    }
    if (k == 0) {
        m->phase = r->final ? LIST_SHOWING : LIST_SEARCHING;
        m->scanned = s->page.scanned_rows;
        m->back_to = s->page.searched_back_to_us;
    }
    if (!r->final)
        return;
    const char *next = s->page.next_cursor && s->count > 0 ? s->page.next_cursor : NULL;
    if (k + 1 < m->npages) {
        const char *have = m->pages[k + 1].cursor;
        if (!next || !have || strcmp(next, have) != 0) {
            chain_cut(m, k);
            return;
        }
        if (was_loaded && old != s->count) {
            /* Rows came or went inside this page: shift what follows. */
            for (size_t j = k + 1; j < m->npages; j++)
                m->pages[j].start = m->pages[j - 1].start + m->pages[j - 1].count;
        }
    } else if (next) {
        list_page_add(m, next, s->start + s->count);
    }
}

static void promote_pending(struct list_state *l)
{
    if (l->shown && l->shown->term[0] == 0 && !l->saved)
        l->saved = l->shown;
    else
        list_model_free(l->shown);
    l->shown = l->pending;
    l->pending = NULL;
    if (l->shown->phase == LIST_PENDING_TERM)
        l->shown->phase = LIST_LOADING;   /* shown, without rows yet (an error) */
    text_hl_set(&l->hl, l->shown->term);
}

static void take_answer(struct list_state *l, struct response *r)
{
    struct model *m = NULL;
    if (l->pending && r->gen == l->pending->gen)
        m = l->pending;
    else if (l->shown && r->gen == l->shown->gen)
        m = l->shown;
    if (!m || r->page_index >= m->npages) {
        worker_response_free(r);
        return;
    }
    struct list_page *s = &m->pages[r->page_index];
    if (r->status != CORE_OK) {
        s->loading = false;
        s->retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        if (m == l->pending)
            promote_pending(l);
        worker_response_free(r);
        return;
    }
    if (s->loaded && !r->final) {
        /* A page fetched again: its rows are known, only the whole page
         * may replace them without moving the rows below. */
        worker_response_free(r);
        return;
    }
    if (m == l->pending && !r->final && r->page.count == 0) {
        /* Nothing to show yet: keep the old rows, report progress. */
        l->pending->phase = LIST_SEARCHING;
        l->pending->scanned = r->page.scanned_rows;
        l->pending->back_to = r->page.searched_back_to_us;
        worker_response_free(r);
        return;
    }
    /* The cursor stays on the conversation it is on as the rows come,
     * whatever was asked before the user moved it (not on row 1 at the
     * top, where the newest conversation is the one to see). */
    if (m == l->shown && r->final)
        anchor_set(m, m->top == 0);
    pending_expire(m);
    size_t rows_before = model_rows(m);
    if (m->reversed && r->page_index == 0 && r->total >= 0)
        m->total = r->total;
    page_fill(m, r->page_index, r);
    if (m->reversed) {
        /* Rows of a reversed model arrive above: what is on screen stays. */
        long delta = (long)model_rows(m) - (long)rows_before;
        long cur = (long)m->cur + delta, top = (long)m->top + delta;
        m->cur = cur > 0 ? (size_t)cur : 0;
        m->top = top > 0 ? (size_t)top : 0;
        if (m->pending_up && delta > 0) {
            size_t up = m->pending_up;
            m->pending_up = 0;
            list_model_move(m, -(long)up, false);
        }
    }
    anchor_restore(m);
    if (m == l->pending)
        promote_pending(l);
    if (r->final && r->page_index == 0 && !m->measured && m->term[0]) {
        m->measured = true;
        l->measure_due = m->t_start;
    }
    if (m->pending_move) {
        size_t d = m->pending_move;
        m->pending_move = 0;
        list_model_move(m, (long)d, false);
    }
    worker_response_free(r);
}

/* The list asks nothing of the program when its answers come. */
struct view_req list_answer(struct list_state *l, struct response *r)
{
    take_answer(l, r);
    return (struct view_req){0};
}

/* ---- live updates --------------------------------------------------------- */

static void news_clear(struct model *m)
{
    idset_clear(&m->news);
    m->news_many = false;
    m->stale = false;
}

/* Every distinct contact counts, however many: a count that stops (or a
 * bare "new") is what the user cannot act on. After a change of anything
 * (all) the ids still count, as "at least". */
static void news_add(struct model *m, const int32_t *ids, size_t n, bool all)
{
    m->stale = true;
    if (all)
        m->news_many = true;
    for (size_t i = 0; i < n; i++)
        if (!idset_add(&m->news, ids[i]))
            m->news_many = true;
}

void list_changes(struct list_state *l, const int32_t *ids, size_t n, bool all)
{
    if (l->pending)
        l->pending->refresh_wanted = true;   /* its answer may predate this */
    if (l->saved)
        news_add(l->saved, ids, n, all);
    if (l->forward)
        news_add(l->forward, ids, n, all);
    if (!l->shown)
        return;
    if (l->shown->reversed)
        news_add(l->shown, ids, n, all);
    else if (l->shown->top == 0)
        l->shown->refresh_wanted = true;
    else if (l->shown->term[0])
        l->shown->stale = true;   /* which of them match is not known yet */
    else
        news_add(l->shown, ids, n, all);
}

/* Fetch the first page again, keeping the old rows on screen until the
 * answer replaces them; one at a time, so a burst makes one or two. */
static void refresh_maybe(struct model *m)
{
    if (m->reversed)
        return;   /* the news are at the top: g shows them */
    if (m->stale && m->top == 0) {
        news_clear(m);
        m->refresh_wanted = true;
    }
    if (!m->refresh_wanted || m->pages[0].loading || core_now_ms() < m->refresh_after)
        return;
    m->refresh_wanted = false;
    if (m->term[0])
        m->refresh_after = core_now_ms() + SEARCH_REFRESH_MS;
    anchor_set(m, m->top == 0);
    bool quiet = !m->pages[0].awaiting;   /* not a user's request being retried */
    list_page_request(m, 0);
    m->pages[0].quiet = quiet;
}

double list_due_ms(struct list_state *l)
{
    if (!l->shown || !l->shown->refresh_wanted || l->shown->pages[0].loading)
        return -1;
    double d = l->shown->refresh_after - core_now_ms();
    return d > 0 ? d : 0;
}

/* ---- prefetch and forgetting -------------------------------------------- */

/* Every turn of the loop: the refresh that live updates asked for, pages
 * near the viewport fetched, pages far from it forgotten. */
void list_model_tick(struct list_state *l)
{
    struct model *m = l->shown;
    if (!m)
        return;
    refresh_maybe(m);
    size_t h = list_screen_rows();
    size_t rows = model_rows(m);
    size_t from = m->top > KEEP_MARGIN_ROWS ? m->top - KEEP_MARGIN_ROWS : 0;
    size_t to = m->top + h + KEEP_MARGIN_ROWS;
    if (m->reversed) {
        /* Drawn rows [from, to) are held at raw [rows - to, rows - from). */
        size_t rf = rows > to ? rows - to : 0;
        size_t rt = rows > from ? rows - from : 0;
        from = rf;
        to = m->top < KEEP_MARGIN_ROWS ? rows + 1 : rt;
    }
    size_t lo = page_of(m, from);
    size_t hi = to >= rows ? m->npages - 1 : page_of(m, to);
    for (size_t k = lo; k <= hi; k++) {
        struct list_page *s = &m->pages[k];
        if (!s->resident && !s->loading && core_now_ms() >= s->retry_at)
            list_page_request(m, k);
    }
    for (size_t k = 0; k < m->npages; k++) {
        struct list_page *s = &m->pages[k];
        if (s->resident && s->loaded && (k + DROP_PAGES < lo || k > hi + DROP_PAGES))
            page_forget(s);
    }
}

bool list_busy(struct list_state *l, double *since)
{
    const struct model *ms[2] = {l->shown, l->pending};
    bool busy = false;
    for (int i = 0; i < 2; i++) {
        const struct model *m = ms[i];
        if (!m)
            continue;
        for (size_t k = 0; k < m->npages; k++) {
            if (m->pages[k].loading) {
                if (!busy || m->pages[k].t_req < *since)
                    *since = m->pages[k].t_req;
                busy = true;
            }
        }
    }
    return busy;
}

/* tui/list.c - the list of conversations: recent ones, or the rows of a
 * search.
 *
 * A model is one source of rows (recent, or one search term) cut into pages
 * of WORKER_PAGE rows. Every page remembers the keyset cursor that fetches it,
 * but only the pages near the viewport keep their rows: the rest are freed
 * and fetched again by cursor when the user scrolls back, so memory stays
 * bounded however far the user scrolls. A search being typed lives in
 * `pending` until its first rows arrive; until then the previous rows stay
 * on screen. */
#include "list.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "history.h"
#include "keys.h"
#include "prompt.h"
#include "stats.h"
#include "status.h"
#include "term.h"
#include "text.h"
#include "worker.h"

/* Pages kept around the viewport, and how far away they are dropped. */
#define KEEP_MARGIN_ROWS WORKER_PAGE
/* Moves past the loaded rows wait for them, up to this far. */
#define PENDING_MOVE_MAX (200 * WORKER_PAGE)
#define DROP_SLOTS 3

struct slot {
    char *cursor;           /* fetches this page; NULL = first page */
    struct core_page page;
    bool resident;          /* page holds rows */
    bool loading;
    bool loaded;            /* a final answer came once: count is known */
    double retry_at;        /* after a failed fetch, not before this */
    size_t start, count;
    double t_req;           /* when asked for: latency runs from here */
    bool awaiting;          /* asked and not answered yet (retries included) */
};

struct model {
    uint64_t gen;
    char *term;             /* "" = recent conversations */
    struct slot *slots;
    size_t nslots, cap;
    size_t cur, top;
    size_t pending_move;
    double latency_ms;
    bool searching;         /* the first page is still streaming */
    int64_t scanned, back_to;
    double t_start;         /* the keystroke that asked for it */
    bool measured;
    char err[200];
    /* Live updates. At the top the first page is fetched again; scrolled,
     * nothing moves and the news are counted until the user is back at
     * the top. */
    bool refresh_wanted;    /* fetch the first page again when possible */
    double refresh_after;   /* not before this (core_now_ms), searches only */
    bool stale;             /* changes arrived while scrolled */
    int32_t *news_ids;      /* distinct contacts with news, while scrolled */
    size_t nnews, news_cap;
    bool news_many;         /* more than can be counted, or "anything" */
    /* Keep the cursor on its conversation while pages are fetched again:
     * anchor_line is its screen line, or SIZE_MAX to keep the top. */
    bool anchored;
    int32_t anchor_id;
    size_t anchor_line;
    /* G: the end of the recent list, fetched from the end upwards. */
    bool reversed;
    size_t pending_up;      /* moves up past the loaded rows, queued */
    int64_t total;          /* conversations in the whole list, -1 unknown */
};

#define NEWS_MAX 1000
/* A search shown at the top is fetched again at most this often. */
#define SEARCH_REFRESH_MS 250.0

static struct model *shown, *pending, *saved;
static struct model *forward;   /* the recent list from the top, while G shows its end */
static struct prompt prompt;
static struct hl hl;
static double search_lat[4096];
static size_t nsearch_lat;
static double measure_due;   /* keystroke time of a search to time when drawn */

/* Keys that arrive together (a paste, fast typing over a slow link) make
 * one search, started when the batch of input has been read. */
static bool prompt_changed;
static double prompt_t0;     /* when the keys that changed it were read */
static void search_prompt(void);
static struct view_req list_action(enum action a, int count, double at_ms);

static int view_height(void)
{
    int h = LINES - 4;
    return h < 1 ? 1 : h;
}

static size_t model_rows(const struct model *m)
{
    const struct slot *last = &m->slots[m->nslots - 1];
    return last->start + (last->loaded || last->resident ? last->count : 0);
}

static bool model_more(const struct model *m)
{
    return !m->slots[m->nslots - 1].loaded;
}

static struct slot *slot_add(struct model *m, const char *cursor, size_t start)
{
    if (m->nslots == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->slots = core_xrealloc(m->slots, m->cap * sizeof *m->slots);
    }
    struct slot *s = &m->slots[m->nslots++];
    memset(s, 0, sizeof *s);
    s->cursor = cursor ? core_xstrdup(cursor) : NULL;
    s->start = start;
    return s;
}

static void slot_drop(struct slot *s)
{
    if (s->resident)
        core_page_free(&s->page);
    s->resident = false;
}

static void model_free(struct model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nslots; i++) {
        slot_drop(&m->slots[i]);
        free(m->slots[i].cursor);
    }
    free(m->slots);
    free(m->term);
    free(m->news_ids);
    free(m);
}

static void slot_request(struct model *m, size_t k)
{
    struct slot *s = &m->slots[k];
    struct request *req = core_xcalloc(1, sizeof *req);
    req->kind = REQ_PAGE;
    req->gen = m->gen;
    req->slot = k;
    req->term = core_xstrdup(m->term);
    req->cursor = s->cursor ? core_xstrdup(s->cursor) : NULL;
    req->reversed = m->reversed;
    s->loading = true;
    /* A retry after a failure or a wait for the server keeps the first
     * ask's clock: the latency shown is what the user waited. */
    if (!s->awaiting)
        s->t_req = core_now_ms();
    s->awaiting = true;
    worker_submit(WORKER_LIST, req);
}

/* t0: when the user asked for it (the keystroke), for the latency. */
static struct model *model_new(const char *term, double t0)
{
    struct model *m = core_xcalloc(1, sizeof *m);
    m->gen = worker_gen_next();
    m->term = core_xstrdup(term);
    m->t_start = t0;
    slot_add(m, NULL, 0);
    slot_request(m, 0);
    m->slots[0].t_req = t0;
    return m;
}

/* A model coming back on screen gets a new generation, which also makes
 * the worker drop whatever an abandoned search still had queued. */
static void model_retag(struct model *m)
{
    if (m->slots[0].loading && m->slots[0].resident)
        m->refresh_wanted = true;   /* a refresh in flight is asked again */
    m->gen = worker_gen_next();
    for (size_t i = 0; i < m->nslots; i++)
        m->slots[i].loading = m->slots[i].awaiting = false;
    m->pending_move = 0;
}

/* The slot holding row i (the last slot for rows past the end). */
static size_t slot_of(const struct model *m, size_t i)
{
    size_t lo = 0, hi = m->nslots - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (m->slots[mid].start <= i)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Rows are numbered as they are drawn, from the top; a reversed model (the
 * end of the list, walked upwards) holds them bottom up. */
static const struct core_row *row_raw(const struct model *m, size_t i);

static const struct core_row *row_at(const struct model *m, size_t d)
{
    size_t rows = model_rows(m);
    if (!m->reversed)
        return row_raw(m, d);
    return d < rows ? row_raw(m, rows - 1 - d) : NULL;
}

static const struct core_row *row_raw(const struct model *m, size_t i)
{
    const struct slot *s = &m->slots[slot_of(m, i)];
    if (!s->resident || i < s->start || i - s->start >= s->page.count)
        return NULL;
    return &s->page.rows[i - s->start];
}

static void scroll_into_view(struct model *m)
{
    size_t h = (size_t)view_height();
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

static void model_move(struct model *m, long d, bool page)
{
    size_t rows = model_rows(m);
    m->anchored = false;       /* the user chose where to be */
    if (d < 0)
        m->pending_move = 0;   /* the user changed their mind */
    if (d > 0)
        m->pending_up = 0;
    if (rows == 0) {
        if (d > 0 && model_more(m))
            m->pending_move += (size_t)d;
        if (m->pending_move > PENDING_MOVE_MAX)
            m->pending_move = PENDING_MOVE_MAX;
        return;
    }
    long target = (long)m->cur + d;
    if (target < 0) {
        if (m->reversed && model_more(m)) {
            /* Above the loaded rows of the end: done when they come. */
            m->pending_up += (size_t)-target;
            if (m->pending_up > PENDING_MOVE_MAX)
                m->pending_up = PENDING_MOVE_MAX;
        }
        target = 0;
    }
    if ((size_t)target >= rows) {
        if (model_more(m)) {
            /* Keys pressed while a page loads are honoured when it comes,
             * within a few pages. */
            m->pending_move += (size_t)target - (rows - 1);
            if (m->pending_move > PENDING_MOVE_MAX)
                m->pending_move = PENDING_MOVE_MAX;
        }
        target = (long)rows - 1;
    }
    if (page) {
        long top = (long)m->top + d;
        long maxtop = (long)rows - view_height();
        if (top > maxtop)
            top = maxtop;
        if (top < 0)
            top = 0;
        m->top = (size_t)top;
    }
    m->cur = (size_t)target;
    scroll_into_view(m);
}

/* ---- answers from the worker -------------------------------------------- */

static void anchor_set(struct model *m, bool keep_top)
{
    const struct core_row *row = row_at(m, m->cur);
    /* On the first row at the top the cursor stays there: the newest
     * conversation is the one to see, as in a chat app. */
    if (m->anchored || !row || (keep_top && m->cur == 0) || m->reversed)
        return;
    m->anchored = true;
    m->anchor_id = row->contact_id;
    m->anchor_line = keep_top ? SIZE_MAX : m->cur - m->top;
}

/* Put the cursor back on its conversation once a page holds it; give up
 * when nothing is loading any more. */
static void anchor_restore(struct model *m)
{
    if (!m->anchored)
        return;
    bool loading = false;
    for (size_t k = 0; k < m->nslots; k++) {
        const struct slot *s = &m->slots[k];
        loading |= s->loading;
        if (!s->resident)
            continue;
        for (size_t i = 0; i < s->page.count; i++) {
            if (s->page.rows[i].contact_id != m->anchor_id)
                continue;
            m->anchored = false;
            size_t at = s->start + i;
            if (m->anchor_line == SIZE_MAX) {
                /* The top stays: the cursor follows within the screen. */
                if (at < m->top + (size_t)view_height())
                    m->cur = at;
                return;
            }
            m->cur = at;
            m->top = m->cur >= m->anchor_line ? m->cur - m->anchor_line : 0;
            scroll_into_view(m);
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
    struct slot *s = &m->slots[k];
    anchor_set(m, m->top == 0);
    for (size_t j = k + 1; j < m->nslots; j++) {
        slot_drop(&m->slots[j]);
        free(m->slots[j].cursor);
    }
    m->nslots = k + 1;
    if (s->page.next_cursor && s->count > 0)
        slot_add(m, s->page.next_cursor, s->start + s->count);
    m->gen = worker_gen_next();
    for (size_t j = 0; j < m->nslots; j++)
        m->slots[j].loading = false;
    worker_supersede(WORKER_LIST, m->gen);
}

static void slot_fill(struct model *m, size_t k, struct response *r)
{
    struct slot *s = &m->slots[k];
    slot_drop(s);
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
         * last budgeted step of a long search. */
        m->latency_ms = core_now_ms() - s->t_req;
    }
    if (k == 0) {
        m->searching = !r->final;
        m->scanned = s->page.scanned_rows;
        m->back_to = s->page.searched_back_to_us;
    }
    if (!r->final)
        return;
    const char *next = s->page.next_cursor && s->count > 0 ? s->page.next_cursor : NULL;
    if (k + 1 < m->nslots) {
        const char *have = m->slots[k + 1].cursor;
        if (!next || !have || strcmp(next, have) != 0) {
            chain_cut(m, k);
            return;
        }
        if (was_loaded && old != s->count) {
            /* Rows came or went inside this page: shift what follows. */
            for (size_t j = k + 1; j < m->nslots; j++)
                m->slots[j].start = m->slots[j - 1].start + m->slots[j - 1].count;
        }
    } else if (next) {
        slot_add(m, next, s->start + s->count);
    }
}

static void promote_pending(void)
{
    if (shown && shown->term[0] == 0 && !saved)
        saved = shown;
    else
        model_free(shown);
    shown = pending;
    pending = NULL;
    text_hl_set(&hl, shown->term);
}

static void take_answer(struct response *r)
{
    struct model *m = NULL;
    if (pending && r->gen == pending->gen)
        m = pending;
    else if (shown && r->gen == shown->gen)
        m = shown;
    if (!m || r->slot >= m->nslots) {
        worker_response_free(r);
        return;
    }
    struct slot *s = &m->slots[r->slot];
    if (r->status != CORE_OK) {
        s->loading = false;
        s->retry_at = core_now_ms() + 2000.0;
        snprintf(m->err, sizeof m->err, "%s", r->err);
        status_error("%s", r->err);
        if (m == pending)
            promote_pending();
        worker_response_free(r);
        return;
    }
    m->err[0] = 0;
    if (s->loaded && !r->final) {
        /* A page fetched again: its rows are known, only the whole page
         * may replace them without moving the rows below. */
        worker_response_free(r);
        return;
    }
    if (m == pending && !r->final && r->page.count == 0) {
        /* Nothing to show yet: keep the old rows, report progress. */
        pending->searching = true;
        pending->scanned = r->page.scanned_rows;
        pending->back_to = r->page.searched_back_to_us;
        worker_response_free(r);
        return;
    }
    size_t rows_before = model_rows(m);
    if (m->reversed && r->slot == 0 && r->total >= 0)
        m->total = r->total;
    slot_fill(m, r->slot, r);
    if (m->reversed) {
        /* Rows of a reversed model arrive above: what is on screen stays. */
        long delta = (long)model_rows(m) - (long)rows_before;
        long cur = (long)m->cur + delta, top = (long)m->top + delta;
        m->cur = cur > 0 ? (size_t)cur : 0;
        m->top = top > 0 ? (size_t)top : 0;
        if (m->pending_up && delta > 0) {
            size_t up = m->pending_up;
            m->pending_up = 0;
            model_move(m, -(long)up, false);
        }
    }
    anchor_restore(m);
    if (m == pending)
        promote_pending();
    if (r->final && r->slot == 0 && !m->measured && m->term[0]) {
        m->measured = true;
        measure_due = m->t_start;
    }
    if (m->pending_move) {
        size_t d = m->pending_move;
        m->pending_move = 0;
        model_move(m, (long)d, false);
    }
    worker_response_free(r);
}

/* The list asks nothing of the program when its answers come. */
static struct view_req list_answer(struct response *r)
{
    take_answer(r);
    return (struct view_req){0};
}

/* ---- live updates --------------------------------------------------------- */

static void news_clear(struct model *m)
{
    m->nnews = 0;
    m->news_many = false;
    m->stale = false;
}

static void news_add(struct model *m, const int32_t *ids, size_t n, bool all)
{
    m->stale = true;
    if (all)
        m->news_many = true;
    for (size_t i = 0; i < n && !m->news_many; i++) {
        bool seen = false;
        for (size_t j = 0; j < m->nnews && !seen; j++)
            seen = m->news_ids[j] == ids[i];
        if (seen)
            continue;
        if (m->nnews == NEWS_MAX) {
            m->news_many = true;
            break;
        }
        if (m->nnews == m->news_cap) {
            m->news_cap = m->news_cap ? m->news_cap * 2 : 16;
            m->news_ids = core_xrealloc(m->news_ids, m->news_cap * sizeof *m->news_ids);
        }
        m->news_ids[m->nnews++] = ids[i];
    }
}

static void list_changes(const int32_t *ids, size_t n, bool all)
{
    if (pending)
        pending->refresh_wanted = true;   /* its answer may predate this */
    if (saved)
        news_add(saved, ids, n, all);
    if (forward)
        news_add(forward, ids, n, all);
    if (!shown)
        return;
    if (shown->reversed)
        news_add(shown, ids, n, all);
    else if (shown->top == 0)
        shown->refresh_wanted = true;
    else if (shown->term[0])
        shown->stale = true;   /* which of them match is not known yet */
    else
        news_add(shown, ids, n, all);
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
    if (!m->refresh_wanted || m->slots[0].loading || core_now_ms() < m->refresh_after)
        return;
    m->refresh_wanted = false;
    if (m->term[0])
        m->refresh_after = core_now_ms() + SEARCH_REFRESH_MS;
    anchor_set(m, m->top == 0);
    slot_request(m, 0);
}

static double list_due_ms(void)
{
    if (!shown || !shown->refresh_wanted || shown->slots[0].loading)
        return -1;
    double d = shown->refresh_after - core_now_ms();
    return d > 0 ? d : 0;
}

/* ---- prefetch and forgetting -------------------------------------------- */

static void list_tick(void)
{
    if (prompt_changed)
        search_prompt();
    struct model *m = shown;
    if (!m)
        return;
    refresh_maybe(m);
    size_t h = (size_t)view_height();
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
    size_t lo = slot_of(m, from);
    size_t hi = to >= rows ? m->nslots - 1 : slot_of(m, to);
    for (size_t k = lo; k <= hi; k++) {
        struct slot *s = &m->slots[k];
        if (!s->resident && !s->loading && core_now_ms() >= s->retry_at)
            slot_request(m, k);
    }
    for (size_t k = 0; k < m->nslots; k++) {
        struct slot *s = &m->slots[k];
        if (s->resident && s->loaded && (k + DROP_SLOTS < lo || k > hi + DROP_SLOTS))
            slot_drop(s);
    }
}

static bool list_busy(double *since)
{
    const struct model *ms[2] = {shown, pending};
    bool busy = false;
    for (int i = 0; i < 2; i++) {
        const struct model *m = ms[i];
        if (!m)
            continue;
        for (size_t k = 0; k < m->nslots; k++) {
            if (m->slots[k].loading) {
                if (!busy || m->slots[k].t_req < *since)
                    *since = m->slots[k].t_req;
                busy = true;
            }
        }
    }
    return busy;
}

/* ---- search ------------------------------------------------------------- */

static void show_recent(void)
{
    model_free(pending);
    pending = NULL;
    if (shown && shown->term[0] == 0) {
        model_retag(shown);
    } else if (saved) {
        model_free(shown);
        shown = saved;
        saved = NULL;
        model_retag(shown);
    } else {
        model_free(shown);
        shown = model_new("", core_now_ms());
    }
    text_hl_set(&hl, NULL);
    /* An abandoned search must not keep the connection busy. */
    worker_supersede(WORKER_LIST, shown->gen);
}

static void search(const char *term)
{
    if (!*term) {
        show_recent();
        return;
    }
    if (core_term_check(term) != CORE_OK) {
        status_error("search term too long or not valid UTF-8");
        return;
    }
    if (pending && strcmp(pending->term, term) == 0)
        return;
    if (shown && strcmp(shown->term, term) == 0) {
        /* Typed back to what is on screen: the search in flight is moot. */
        if (pending) {
            model_free(pending);
            pending = NULL;
            model_retag(shown);
            worker_supersede(WORKER_LIST, shown->gen);
        }
        return;
    }
    model_free(pending);
    pending = model_new(term, prompt_t0);
}

static void search_prompt(void)
{
    char term[CORE_TERM_MAX_CHARS * 4 + 1];
    prompt_changed = false;
    prompt_utf8(&prompt, term, sizeof term);
    search(term);
}

/* A key while the search box is open: every change searches again (once
 * the keys read together are in, see list_tick). */
static struct view_req list_prompt_key(const struct view_input *in)
{
    if (in->is_key && (in->ch == KEY_UP || in->ch == KEY_DOWN)) {
        /* Earlier terms, of this session and before. */
        if (history_recall(&prompt, in->ch == KEY_UP ? -1 : 1)) {
            status_forget();
            prompt_changed = true;
            prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        }
        return (struct view_req){0};
    }
    enum action move;
    switch (prompt_input(&prompt, in, ON_LIST, &move)) {
    case PROMPT_EDITED:
        status_forget();
        prompt_changed = true;
        prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        break;
    case PROMPT_ENTER:
        prompt.active = false;
        if (prompt_changed)
            search_prompt();
        history_add(&prompt);
        if (prompt.len == 0)
            show_recent();
        break;
    case PROMPT_CANCEL:
        prompt_changed = false;
        show_recent();
        break;
    case PROMPT_MOVE:
        return list_action(move, 1, in->at_ms);
    default:
        break;
    }
    return (struct view_req){0};
}

/* ---- the end of the list ------------------------------------------------- */

/* G: the true end is the first page of the reversed order; scrolling up
 * from there loads further pages upwards. The list from the top waits. */
static void go_to_end(void)
{
    forward = shown;
    struct model *m = core_xcalloc(1, sizeof *m);
    m->gen = worker_gen_next();
    m->term = core_xstrdup("");
    m->reversed = true;
    m->total = -1;
    m->t_start = core_now_ms();
    slot_add(m, NULL, 0);
    m->cur = m->top = SIZE_MAX / 4;   /* the bottom, once rows come */
    shown = m;
    slot_request(m, 0);
    worker_supersede(WORKER_LIST, m->gen);
}

/* g from the end: the list from the top again, news included. */
static void leave_end(void)
{
    if (!forward)
        return;
    model_free(shown);
    shown = forward;
    forward = NULL;
    shown->cur = shown->top = 0;
    shown->pending_move = 0;
    model_retag(shown);
    worker_supersede(WORKER_LIST, shown->gen);
}

/* ---- actions ------------------------------------------------------------ */

/* at_ms: when the key was read. */
static struct view_req list_action(enum action a, int count, double at_ms)
{
    struct model *m = shown;
    struct view_req req = {0};
    long h = view_height();
    if (!m)
        return req;
    switch (a) {
    case ACT_DOWN: model_move(m, count, false); break;
    case ACT_UP: model_move(m, -count, false); break;
    case ACT_PAGE_DOWN: model_move(m, h * count, true); break;
    case ACT_PAGE_UP: model_move(m, -h * count, true); break;
    case ACT_HALF_DOWN: model_move(m, h / 2 > 0 ? h / 2 : 1, true); break;
    case ACT_HALF_UP: model_move(m, -(h / 2 > 0 ? h / 2 : 1), true); break;
    case ACT_TOP:
        if (m->reversed) {
            leave_end();
            break;
        }
        m->cur = m->top = 0;
        m->pending_move = 0;
        break;
    case ACT_BOTTOM: {
        if (!m->term[0] && !m->reversed && model_more(m)) {
            go_to_end();
            break;
        }
        size_t rows = model_rows(m);
        m->cur = rows ? rows - 1 : 0;
        scroll_into_view(m);
        break;
    }
    case ACT_OPEN: {
        const struct core_row *row = row_at(m, m->cur);
        if (row)
            req = (struct view_req){.kind = VIEW_REQ_OPEN, .row = row, .term = m->term,
                                    .at_ms = at_ms};
        break;
    }
    case ACT_SEARCH:
        if (m->reversed)
            leave_end();
        prompt.active = true;
        history_reset();
        status_forget();
        break;
    case ACT_COPY:
    case ACT_COPY_PHONE: {
        const struct core_row *row = row_at(m, m->cur);
        if (row && a == ACT_COPY)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = row->content,
                                    .what = "the message"};
        else if (row)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = row->phone_number,
                                    .what = row->phone_number};
        break;
    }
    case ACT_CLEAR:
        if (m->term[0] || pending) {
            prompt.len = 0;
            show_recent();
        }
        break;
    default:
        break;
    }
    return req;
}

static void list_click(int y)
{
    struct model *m = shown;
    if (!m || y < 2 || y >= 2 + view_height())
        return;
    size_t i = m->top + (size_t)(y - 2);
    if (i < model_rows(m))
        m->cur = i;
}

static void list_wheel(int dir)
{
    if (shown)
        model_move(shown, dir * 3, false);
}

/* ---- drawing ------------------------------------------------------------ */

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

static void draw_row(int y, const struct model *m, size_t i, const struct columns *c,
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
    bool old = pending != NULL;
    if (row->name && *row->name)
        /* Who the contact is matters more than where the match is. */
        text_draw(y, x, c->name, row->name, &hl, TEXT_NOEXCERPT, old ? EL_DIM : EL_NAME, sel);
    else if (!c->phone)   /* no phone column: an unnamed contact is its number */
        text_draw(y, x, c->name, row->phone_number, &hl, TEXT_PHONE, EL_DIM, sel);
    x += c->name + 1;
    if (c->phone) {
        text_draw(y, x, c->phone, row->phone_number, &hl, TEXT_PHONE, EL_DIM, sel);
        x += c->phone + 1;
    }
    term_put(y, x, c->dir, row->outbound ? "out" : "in", row->outbound ? EL_OUT : EL_IN, sel);
    x += c->dir + 1;
    text_draw(y, x, c->text, row->content, &hl, 0, old ? EL_DIM : EL_TEXT, sel);
    char when[32];
    fmt_when(when, sizeof when, row->created_at_us, now_us);
    int ww = fmt_width(when);
    term_put(y, COLS - 1 - ww, ww, when, EL_DIM, sel);
}

static void draw_header(void)
{
    char title[300];
    term_fill(0, 0, COLS, EL_HEADER, false);
    if (shown && shown->term[0]) {
        snprintf(title, sizeof title, " convo \u00b7 search");
    } else {
        snprintf(title, sizeof title, " convo \u00b7 recent conversations");
    }
    int used = term_put(0, 0, COLS, title, EL_HEADER, false);
    if (shown && shown->term[0] && used + 4 < COLS) {
        term_put(0, used, 2, " \u201c", EL_HEADER, false);
        used += 2;
        used += text_draw(0, used, COLS - used - 12 > 0 ? COLS - used - 12 : 0,
                          shown->term, NULL, 0, EL_HEADER, false);
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

/* While a new term is pending, which rows the screen still shows. */
static void showing_note(char *left, size_t size)
{
    if (!pending || !shown)
        return;
    size_t len = strlen(left);
    if (!shown->term[0]) {
        snprintf(left + len, size - len, " \u00b7 showing recent");
        return;
    }
    /* The term is untrusted text: only printable ASCII of it, else "…". */
    char t[48];
    size_t o = 0;
    for (const char *p = shown->term; *p && o + 4 < sizeof t; p++)
        t[o++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    t[o] = 0;
    snprintf(left + len, size - len, " \u00b7 showing %s%s", t, shown->term[o] ? "\u2026" : "");
}

static void draw_status(void)
{
    char left[300], n[32], n2[32];
    const struct model *m = shown;
    double lat = 0;
    left[0] = 0;
    if (pending && pending->searching) {
        fmt_count(n, sizeof n, pending->scanned);
        if (pending->back_to > 0) {
            char day[40];
            fmt_day(day, sizeof day, pending->back_to);
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
        if (m->nnews > 0 || m->news_many) {
            size_t len = strlen(left);
            fmt_count(n, sizeof n, (long long)m->nnews);
            snprintf(left + len, sizeof left - len, " \u00b7 %s%snew \u2191 (g)",
                     m->news_many ? "" : n, m->news_many ? "" : " ");
        }
    } else if (m) {
        size_t rows = model_rows(m);
        bool more = model_more(m);
        fmt_count(n, sizeof n, (long long)rows);
        const char *what = m->term[0] ? (rows == 1 ? "match" : "matches")
                                      : (rows == 1 ? "conversation" : "conversations");
        if (m->searching) {
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
        if (m->top > 0 && (m->nnews > 0 || m->news_many)) {
            size_t len = strlen(left);
            fmt_count(n, sizeof n, (long long)m->nnews);
            snprintf(left + len, sizeof left - len, " \u00b7 %s%snew \u2191",
                     m->news_many ? "" : n, m->news_many ? "" : " ");
        }
        if (rows > 0) {
            size_t len = strlen(left);
            fmt_count(n, sizeof n, (long long)m->cur + 1);
            snprintf(left + len, sizeof left - len, " \u00b7 row %s", n);
        }

    }
    showing_note(left, sizeof left);
    if (m)
        lat = m->latency_ms;
    double now = core_now_ms(), since = 0, running = -1;
    bool busy = list_busy(&since);
    if (pending)
        running = now - pending->t_start;
    else if (m && m->searching)
        running = now - m->slots[0].t_req;
    else if (busy && now - since >= STATUS_SPINNER_AFTER_MS)
        running = now - since;
    status_bar_draw(left, lat, running, busy && now - since >= STATUS_SPINNER_AFTER_MS);
}

static void draw_prompt_line(void)
{
    int y = LINES - 1;
    if (prompt.active) {
        prompt_draw(&prompt, y, "/");
        return;
    }
    term_fill(y, 0, COLS, EL_TEXT, false);
    if (status_note_draw(y))
        return;
    if (shown && shown->term[0]) {
        int x = 1 + term_put(y, 1, COLS - 2, "filter: ", EL_DIM, false);
        x += text_draw(y, x, COLS - x - 1, shown->term, NULL, 0, EL_PROMPT, false);
        term_put(y, x, COLS - x - 1, "  (/ edit \u00b7 Esc clear)", EL_DIM, false);
    } else {
        status_hints_draw(y, "j/k move \u00b7 Enter open \u00b7 / search \u00b7 ? help \u00b7 q quit");
    }
}

static void list_draw(void)
{
    struct columns c = columns();
    int h = view_height();
    int64_t now_us = core_wall_us();
    draw_header();
    draw_titles(&c);
    if (shown)
        scroll_into_view(shown);
    for (int i = 0; i < h; i++) {
        int y = 2 + i;
        size_t idx = shown ? shown->top + (size_t)i : 0;
        if (!shown) {
            term_fill(y, 0, COLS, EL_TEXT, false);
            continue;
        }
        size_t rows = model_rows(shown);
        if (idx < rows) {
            draw_row(y, shown, idx, &c, now_us);
            const struct core_row *row = row_at(shown, idx);
            if (row)
                stats_shown(STATS_LIST, row, now_us);
        } else {
            term_fill(y, 0, COLS, EL_TEXT, false);
            if (idx == rows && model_more(shown) && !shown->reversed && (rows > 0 || !pending))
                term_put(y, 1 + c.name + 1, COLS - c.name - 2,
                         term_theme.utf8 ? "loading\u2026" : "loading...", EL_DIM, false);
            else if (idx == 0 && rows == 0 && !model_more(shown) && !pending)
                term_put(y, 1 + c.name + 1, COLS - c.name - 2,
                         shown->term[0] ? "no conversation matches" : "no conversations yet",
                         EL_DIM, false);
        }
    }
    draw_status();
    draw_prompt_line();
}

/* Called after the screen was updated: closes a keystroke-to-results
 * measurement. */
static void list_drawn(double t)
{
    if (measure_due > 0) {
        if (nsearch_lat < sizeof search_lat / sizeof search_lat[0])
            search_lat[nsearch_lat++] = t - measure_due;
        measure_due = 0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void list_stats(FILE *f)
{
    if (nsearch_lat == 0)
        return;
    qsort(search_lat, nsearch_lat, sizeof search_lat[0], cmp_double);
    fprintf(f, "search_keystroke_to_results_ms n=%zu p50=%.1f p95=%.1f max=%.1f\n",
            nsearch_lat, search_lat[nsearch_lat / 2],
            search_lat[(nsearch_lat * 95) / 100 < nsearch_lat ? (nsearch_lat * 95) / 100 : nsearch_lat - 1],
            search_lat[nsearch_lat - 1]);
}

static void list_open(const struct view_req *req)
{
    (void)req;
    shown = model_new("", core_now_ms());
}

static void list_free(void)
{
    model_free(shown);
    model_free(pending);
    model_free(saved);
    model_free(forward);
    shown = pending = saved = forward = NULL;
    text_hl_free(&hl);
    history_free();
}

static struct view_req list_key(const struct view_input *in)
{
    if (prompt.active)
        return list_prompt_key(in);
    struct view_req req = {0};
    enum action a = keys_action(in, ON_LIST, &req);
    if (a != ACT_NONE)
        req = list_action(a, 1, in->at_ms);
    return req;
}

const struct view_ops list_view = {
    .name = "list",
    .worker = WORKER_LIST,
    .open = list_open,
    .close = list_free,
    .draw = list_draw,
    .key = list_key,
    .wheel = list_wheel,
    .click = list_click,
    .answer = list_answer,
    .changes = list_changes,
    .tick = list_tick,
    .busy = list_busy,
    .due_ms = list_due_ms,
    .drawn = list_drawn,
    .stats = list_stats,
};

/* tui/chat_load.c - what the open conversation holds and how it comes.
 *
 * Pages arrive newest first from core_messages(); older pages are fetched
 * when the user scrolls near the top, newer ones below a search hit, the
 * newest again on live updates. Every message is copied out of its page
 * into the view's msgs, oldest first. `/` finds text among the loaded messages
 * and fetches older pages until a match or the start; `g` fetches older
 * pages, large ones, until the start and stays at the top. */
#include "chat_int.h"

#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "status.h"
#include "worker.h"

#define TOP_PAGE_ROWS 500
/* Live updates ask for this many newest messages, more when all are new. */
#define NEWEST_ROWS 20

/* A request of this conversation (its contact, its generation); cursor is
 * copied. The caller fills in the rest and submits it. */
struct request *chat_request(struct chat_state *c, enum req_kind kind, const char *cursor, size_t limit)
{
    struct request *req = core_xcalloc(1, sizeof *req);
    req->kind = kind;
    req->gen = c->gen;
    req->contact_id = c->contact_id;
    req->cursor = cursor ? core_xstrdup(cursor) : NULL;
    req->limit = limit;
    return req;
}

void chat_edge_reset(struct chat_edge *e)
{
    free(e->cursor);
    *e = (struct chat_edge){0};
}

void chat_edge_close(struct chat_edge *e)
{
    free(e->cursor);
    e->cursor = NULL;
    e->end = true;
}

/* The next page beyond the edge may be asked for. */
static bool edge_ready(const struct chat_edge *e)
{
    return !e->loading && !e->end;
}

/* The edge moves past page p: to the page beyond it, or to the end when p
 * was the last one (no cursor, or no rows). */
static void edge_follow(struct chat_edge *e, const struct core_page *p)
{
    free(e->cursor);
    e->cursor = p->next_cursor && p->count > 0 ? core_xstrdup(p->next_cursor) : NULL;
    e->end = e->cursor == NULL;
}

/* at_ms: when the key asking for it was read. */
void chat_request_around(struct chat_state *c, const struct core_row *row, double at_ms)
{
    struct request *req = chat_request(c, REQ_AROUND, NULL, WORKER_PAGE);
    req->at_us = row->created_at_us;
    req->message_id = row->message_id;
    /* One answer for both sides: the older edge's loading stands for it
     * (the status bar's clock, the line above). */
    c->older.loading = true;
    c->phase = CHAT_LOADING;   /* nothing below nor above until it comes */
    c->newer.end = false;   /* until the answer says there is nothing newer */
    c->t_req = at_ms > 0 ? at_ms : core_now_ms();
    worker_submit(WORKER_CHAT, req);
}

static void request_newer(struct chat_state *c)
{
    if (!edge_ready(&c->newer) || c->phase == CHAT_LOADING || core_now_ms() < c->retry_at)
        return;
    struct request *req = chat_request(c, REQ_NEWER, c->newer.cursor, WORKER_PAGE);
    c->newer.loading = true;
    worker_submit(WORKER_CHAT, req);
}

void chat_request_start(struct chat_state *c)
{
    struct request *req = chat_request(c, REQ_NEWER, NULL, WORKER_PAGE);
    req->from_start = true;
    c->start.page = START_LOADING;
    worker_submit(WORKER_CHAT, req);
}

void chat_request_older(struct chat_state *c)
{
    if (!edge_ready(&c->older) || core_now_ms() < c->retry_at)
        return;
    /* Few large pages to the start: each page arriving lays out again. */
    struct request *req = chat_request(c, REQ_MESSAGES, c->older.cursor,
                                       c->to_top ? TOP_PAGE_ROWS : WORKER_PAGE);
    c->older.loading = true;
    /* A trip to the start or a find over many pages is one answer: its
     * clock runs from the key that asked for it. */
    c->t_req = c->t_key > 0 ? c->t_key : core_now_ms();
    worker_submit(WORKER_CHAT, req);
}

void chat_msg_free(struct msg *m)
{
    if (!m)
        return;
    free((char *)m->row.content);
    free((char *)m->row.created_at);
    free(m);
}

static struct msg *msg_copy(const struct core_row *r)
{
    struct msg *m = core_xcalloc(1, sizeof *m);
    m->row = *r;
    m->row.name = m->row.phone_number = NULL;
    m->row.content = core_xstrdup(r->content);
    m->row.created_at = core_xstrdup(r->created_at);
    return m;
}

/* Oldest first by (created_at, id); replies being sent last. */
static int msg_cmp(const void *a, const void *b)
{
    const struct msg *x = *(struct msg *const *)a, *y = *(struct msg *const *)b;
    if (x->sending != y->sending)
        return x->sending ? 1 : -1;
    if (x->sending)
        return x->seq < y->seq ? -1 : x->seq > y->seq;
    if (x->row.created_at_us != y->row.created_at_us)
        return x->row.created_at_us < y->row.created_at_us ? -1 : 1;
    return x->row.message_id < y->row.message_id ? -1 : x->row.message_id > y->row.message_id;
}

static bool msg_known(struct chat_state *c, const struct core_row *r)
{
    if (c->n == 0)
        return false;
    struct msg key = {.row = *r};
    const struct msg *kp = &key;
    return bsearch(&kp, c->msgs, c->n, sizeof *c->msgs, msg_cmp) != NULL;
}

static long msg_index(struct chat_state *c, int64_t id)
{
    for (size_t i = c->n; i-- > 0;)
        if (c->msgs[i]->message_id == id && !((const struct msg *)c->msgs[i])->sending)
            return (long)i;
    return -1;
}

static void msgs_sorted(struct chat_state *c)
{
    qsort(c->msgs, c->n, sizeof *c->msgs, msg_cmp);
}

/* Take the rows of p that are not shown yet; the page itself is freed by
 * the caller. Returns how many came, and in *newer how many of them are
 * newer than every message held before. The current match follows its
 * message. */
static size_t msgs_merge(struct chat_state *c, const struct core_page *p, size_t *newer)
{
    int64_t match_id = c->match >= 0 ? c->msgs[c->match]->message_id : 0;
    const struct core_row *last = NULL;
    for (size_t i = c->n; i-- > 0 && !last;)
        if (!((const struct msg *)c->msgs[i])->sending)
            last = c->msgs[i];
    size_t added = 0, after = 0;
    const struct core_row **more = core_xmalloc((p->count + 1) * sizeof *more);
    for (size_t i = 0; i < p->count; i++) {
        const struct core_row *r = &p->rows[i];
        if (msg_known(c, r))
            continue;
        struct msg probe = {.row = *r}, lastm = {.row = last ? *last : *r};
        const struct msg *pp = &probe, *lp = &lastm;
        if (!last || msg_cmp(&pp, &lp) > 0)
            after++;
        more[added++] = &msg_copy(r)->row;
    }
    if (added) {
        c->msgs = core_xrealloc(c->msgs, (c->n + added + 1) * sizeof *c->msgs);
        memcpy(c->msgs + c->n, more, added * sizeof *more);
        chat_layout_free(c);
        c->n += added;
        msgs_sorted(c);
        c->relayout = true;
        if (match_id)
            c->match = msg_index(c, match_id);
    }
    free(more);
    if (newer)
        *newer = after;
    return added;
}

/* Held messages inside the span the newest page covers that it no longer
 * holds were deleted or moved away by another writer: they go. */
static void msgs_prune(struct chat_state *c, const struct core_page *p)
{
    const struct core_row *low = p->count ? &p->rows[p->count - 1] : NULL;
    bool whole = !p->next_cursor || p->count == 0;
    int64_t match_id = c->match >= 0 ? c->msgs[c->match]->message_id : 0;
    size_t o = c->n;
    for (size_t i = c->n; i-- > 0;) {
        const struct msg *m = (const struct msg *)c->msgs[i];
        if (m->sending)
            continue;
        if (!whole) {
            struct msg lm = {.row = *low};
            const struct msg *lp = &lm, *mp = m;
            if (msg_cmp(&mp, &lp) < 0)
                break;
        }
        bool held = false;
        for (size_t k = 0; k < p->count && !held; k++)
            held = p->rows[k].message_id == m->row.message_id &&
                   p->rows[k].created_at_us == m->row.created_at_us;
        if (held)
            continue;
        if (o == c->n)
            chat_layout_free(c);
        chat_msg_free((struct msg *)c->msgs[i]);
        memmove(c->msgs + i, c->msgs + i + 1, (c->n - i - 1) * sizeof *c->msgs);
        c->n--;
        o = 0;
    }
    if (o == 0) {
        c->relayout = true;
        c->match = match_id ? msg_index(c, match_id) : -1;
    }
}

static long gap_index(struct chat_state *c);

void chat_find_walk(struct chat_state *c, int dir)
{
    c->find_dir = dir;
    if (c->phase == CHAT_SHOWING || c->phase == CHAT_FINDING)
        c->phase = dir ? CHAT_FINDING : CHAT_SHOWING;
}

/* The first answer is in, or the connection back: a find asked for
 * meanwhile walks on. */
static void phase_settle(struct chat_state *c)
{
    c->phase = c->find_dir ? CHAT_FINDING : CHAT_SHOWING;
}

void chat_conn_lost(struct chat_state *c)
{
    if (c->phase == CHAT_LOADING)
        return;   /* the worker asks again once it is back */
    if (c->find_dir) {
        c->find_dir = 0;
        status_note("the find stopped: the connection was lost (n goes on)");
    }
    c->phase = CHAT_RECONNECTING;
}

void chat_conn_back(struct chat_state *c)
{
    if (c->phase == CHAT_RECONNECTING)
        phase_settle(c);
}

/* Find a match from message `from` in direction dir (-1 older, +1 newer),
 * including `from` itself. */
void chat_find_from(struct chat_state *c, long from, int dir)
{
    if (!c->finding || c->hl.n == 0)
        return;
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    /* Older matches in the pages not loaded yet come before the first
     * page's: the scan stops at the gap and goes on when they arrive. */
    long gidx = gap_index(c);
    long stop = dir < 0 && gidx >= 0 && from > gidx ? gidx : -1;
    for (long i = from; i > stop && i < (long)c->n; i += dir) {
        if (c->mv[i].match) {
            c->match = i;
            c->relayout = true;   /* the current match gets its header */
            chat_find_walk(c, 0);
            c->wrap = false;
            chat_reveal(c, i);
            return;
        }
    }
    if (dir < 0 && !c->older.end && c->find_left == 0) {
        /* No older match is known to exist: loading the whole history to
         * find out would take long, so the user chooses to go on. */
        char n[32];
        chat_find_walk(c, 0);
        fmt_count(n, sizeof n, (long long)c->n);
        status_note("no match in the last %s messages; n again searches further", n);
    } else if ((dir < 0 && !c->older.end && stop >= 0) || (dir < 0 && !c->older.end && gidx < 0)) {
        chat_find_walk(c, -1);    /* continue when older messages arrive */
        chat_request_older(c);
    } else if (dir > 0 && !c->newer.end) {
        chat_find_walk(c, +1);    /* continue when newer messages arrive */
        request_newer(c);
    } else if (dir < 0 && c->match < 0 && from + 1 < (long)c->n) {
        /* Nothing older at all: the nearest newer match will do. */
        chat_find_from(c, from + 1, +1);
    } else {
        chat_find_walk(c, 0);
        bool any = false;
        for (size_t i = 0; i < c->n && !any; i++)
            any = c->mv[i].match;
        if (any && c->wrap) {
            /* n past the oldest match goes round to the newest, N the
             * other way, as in less and vim. */
            c->wrap = false;
            chat_find_from(c, dir < 0 ? (long)c->n - 1 : 0, dir);
            status_note(dir < 0 ? "search wrapped to the newest match"
                                : "search wrapped to the oldest match");
            return;
        }
        if (!any && c->older.end)
            status_note("no match");
        else
            status_note("no %s match", dir < 0 ? "older" : "newer");
    }
}

static void request_newest(struct chat_state *c)
{
    if (c->newest.state != NEWEST_IDLE) {
        c->newest.state = NEWEST_AGAIN;   /* one more when this one is back */
        return;
    }
    struct request *req = chat_request(c, REQ_NEWEST, NULL,
                                       c->newest.limit ? c->newest.limit : NEWEST_ROWS);
    c->newest.state = NEWEST_LOADING;
    worker_submit(WORKER_CHAT, req);
}

void chat_changes(struct chat_state *c, const int32_t *ids, size_t n, bool all)
{
    /* Below a hit the newest messages are not loaded yet: the walk down
     * reaches the new ones. */
    if (!c->newer.end)
        return;
    bool mine = all;
    for (size_t i = 0; i < n && !mine; i++)
        mine = ids[i] == c->contact_id;
    if (mine)
        request_newest(c);
}

/* The newest messages: those not held yet go at the bottom. A reader at
 * the bottom sees them; one reading older messages stays where they are
 * and is told how many came. */
static void newest_answer(struct chat_state *c, struct response *r)
{
    /* A failed one asks no more: the next change asks again. */
    bool again = c->newest.state == NEWEST_AGAIN;
    c->newest.state = NEWEST_IDLE;
    if (r->status != CORE_OK) {
        worker_response_free(r);
        return;
    }
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    size_t bottom = c->nlines > c->off ? c->nlines - 1 - c->off : 0;
    bool reading = c->off > 0;
    size_t newer = 0;
    msgs_prune(c, &r->page);
    size_t added = msgs_merge(c, &r->page, &newer);
    if (added && reading) {
        c->keep_set = true;
        c->keep_line = bottom;
        c->news += newer;
    }
    /* All of them new: there may be more in between. */
    bool gap = added == r->page.count && r->page.count > 0 && r->page.next_cursor;
    c->newest.limit = gap ? TOP_PAGE_ROWS : NEWEST_ROWS;
    worker_response_free(r);
    if (gap || again)
        request_newest(c);
}

/* A reply sent (or not): the list is told, so it shows the conversation on
 * top without waiting for the notice. */
static struct view_req send_answer(struct chat_state *c, struct response *r)
{
    struct view_req req = {0};
    struct msg *m = NULL;
    size_t at = 0;
    for (size_t i = 0; i < c->n && !m; i++) {
        struct msg *x = (struct msg *)c->msgs[i];
        if (x->sending && x->seq == r->send_seq) {
            m = x;
            at = i;
        }
    }
    if (m) {
        chat_layout_free(c);
        memmove(c->msgs + at, c->msgs + at + 1, (c->n - at - 1) * sizeof *c->msgs);
        c->n--;
        c->relayout = true;
        if (c->match >= (long)at)
            c->match = c->match > (long)at ? c->match - 1 : -1;
    }
    if (r->status == CORE_OK) {
        msgs_merge(c, &r->page, NULL);
        req = (struct view_req){.kind = VIEW_REQ_CHANGED, .contact_id = c->contact_id};
    } else {
        status_error("not sent: %s", r->err);
        if (m && c->reply.len == 0) {
            /* The text comes back into the box. */
            c->reply.max = PROMPT_MAX_CHARS;
            prompt_set_utf8(&c->reply, m->row.content);
            c->reply.active = true;
        }
    }
    chat_msg_free(m);
    worker_response_free(r);
    return req;
}

/* A page of newer messages below: what is read stays where it is. */
static void newer_answer(struct chat_state *c, struct response *r)
{
    c->newer.loading = false;
    if (r->status != CORE_OK) {
        c->retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        worker_response_free(r);
        return;
    }
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    size_t bottom = c->nlines > c->off ? c->nlines - 1 - c->off : 0;
    long before = (long)c->n;
    msgs_merge(c, &r->page, NULL);
    edge_follow(&c->newer, &r->page);
    c->relayout = true;
    c->keep_set = true;
    c->keep_line = bottom;
    worker_response_free(r);
    if (c->find_dir > 0)
        chat_find_from(c, before, +1);
}

/* g: the oldest messages, ahead of the pages in between. */
static void start_answer(struct chat_state *c, struct response *r)
{
    if (r->status != CORE_OK || r->page.count == 0 || c->older.end) {
        c->start.page = START_NONE;   /* none held: a later g asks again */
        worker_response_free(r);
        return;
    }
    c->start.page = START_HELD;
    c->start.last_id = r->page.rows[r->page.count - 1].message_id;
    msgs_merge(c, &r->page, NULL);
    if (!r->page.next_cursor)
        chat_edge_close(&c->older);   /* the whole conversation was in it */
    c->relayout = true;
    if (c->t_key > 0)
        c->latency_ms = core_now_ms() - c->t_key;
    worker_response_free(r);
}

/* The index of the newest message of the first page while the pages in
 * between are missing, else -1. */
static long gap_index(struct chat_state *c)
{
    return chat_gap_open(c) ? msg_index(c, c->start.last_id) : -1;
}

static void around_answer(struct chat_state *c, struct response *r)
{
    c->older.loading = false;
    if (r->status != CORE_OK) {
        c->retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        /* The plain way: the newest messages, then older ones. */
        chat_edge_close(&c->newer);
        worker_response_free(r);
        return;
    }
    phase_settle(c);
    int64_t anchor = r->page.count ? r->page.rows[0].message_id : 0;
    edge_follow(&c->older, &r->page);
    edge_follow(&c->newer, &r->page2);
    msgs_merge(c, &r->page, NULL);
    msgs_merge(c, &r->page2, NULL);
    c->relayout = true;
    worker_response_free(r);
    long i = anchor ? msg_index(c, anchor) : -1;
    if (c->goto_reveal) {
        /* t: the newest message at or before the date, or the first one
         * when the conversation starts after it. */
        c->goto_reveal = false;
        chat_reveal(c, i >= 0 ? i : 0);
    } else {
        chat_find_from(c, i >= 0 ? i : (long)c->n - 1, -1);
    }
    c->latency_ms = core_now_ms() - c->t_req;
}

/* Filling the gap below a reader of the first messages: the lines above
 * the view do not change, so keep those. True when page p met the first
 * page: then all is there. */
static bool gap_fill(struct chat_state *c, const struct core_page *p, long gidx)
{
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    if (!c->to_top && chat_bottom_msg(c) <= gidx) {
        c->keep_set = true;
        c->keep_line = c->nlines > c->off ? c->nlines - 1 - c->off : 0;
    }
    return p->count > 0 && msg_known(c, &p->rows[p->count - 1]);
}

/* A page of older messages above, or the first page of the newest. */
static void older_answer(struct chat_state *c, struct response *r)
{
    c->older.loading = false;
    if (r->status != CORE_OK) {
        c->retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        worker_response_free(r);
        return;
    }
    struct core_page *p = &r->page;
    double t_req = c->t_req;
    bool first = c->phase == CHAT_LOADING;
    if (first)
        phase_settle(c);
    /* The gap is measured with the edge where it was. */
    long gidx = gap_index(c);
    if (gidx >= 0 && gap_fill(c, p, gidx))
        chat_edge_close(&c->older);
    else
        edge_follow(&c->older, p);
    /* Older rows go in front; the view counts lines from the bottom, so
     * what is being read stays put. */
    long before = (long)c->n;
    msgs_merge(c, p, NULL);
    long added = (long)c->n - before;
    c->relayout = true;
    worker_response_free(r);
    if (c->find_dir < 0) {
        size_t got = added > 0 ? (size_t)added : 0;
        c->find_left -= got < c->find_left ? got : c->find_left;
        long from = c->match >= 0 ? c->match - 1 : gidx >= 0 ? gidx + added : added - 1;
        if (first)
            from = (long)c->n - 1;
        chat_find_from(c, from, -1);
    }
    /* The clock stops at the last page of the answer the key asked for. */
    if (!c->older.loading && !(c->to_top && !c->older.end)) {
        c->latency_ms = core_now_ms() - t_req;
        c->t_key = 0;
    }
}

struct view_req chat_answer(struct chat_state *c, struct response *r)
{
    struct view_req none = {0};
    switch (r->req) {
    case REQ_NEWEST: newest_answer(c, r); break;
    case REQ_SEND: return send_answer(c, r);
    case REQ_NEWER:
        if (r->from_start)
            start_answer(c, r);
        else
            newer_answer(c, r);
        break;
    case REQ_AROUND: around_answer(c, r); break;
    default: older_answer(c, r); break;
    }
    return none;
}

void chat_tick(struct chat_state *c)
{
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    if (c->to_top) {
        c->off = chat_max_off(c);
        if (c->older.end)
            c->to_top = false;
    }
    chat_clamp_off(c);
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t bottom = c->nlines - 1 - c->off;
    size_t top = bottom + 1 > h ? bottom + 1 - h : 0;
    if (top < h || c->to_top)
        chat_request_older(c);
    if (!c->newer.end && c->off < h)
        request_newer(c);
}

/* What the view held goes: a new walk of the conversation starts. */
static void msgs_forget(struct chat_state *c)
{
    chat_layout_free(c);
    for (size_t i = 0; i < c->n; i++)
        chat_msg_free((struct msg *)c->msgs[i]);
    c->n = 0;
    chat_edge_reset(&c->older);
    chat_edge_reset(&c->newer);   /* its caller says where the newer edge is */
    /* A newest page on its way belongs to the old generation: its answer
     * is dropped, so nothing is loading any more. */
    c->newest.state = NEWEST_IDLE;
    c->start.page = START_NONE;
    c->phase = CHAT_LOADING;
    c->to_top = false;
    c->match = -1;
    c->find_dir = 0;   /* LOADING: nothing walks */
    c->off = 0;
    c->relayout = true;
    c->gen = worker_gen_next();
    worker_supersede(WORKER_CHAT, c->gen);
}

void chat_go_to_date(struct chat_state *c, int64_t us)
{
    msgs_forget(c);
    /* (us, the largest id): the older side is "at or before us". */
    struct core_row at = {.created_at_us = us, .message_id = INT64_MAX};
    c->goto_reveal = true;
    chat_request_around(c, &at, core_now_ms());
}

/* G below a hit: the newest messages, as when the conversation opens. */
void chat_reset_to_newest(struct chat_state *c)
{
    msgs_forget(c);
    chat_edge_close(&c->newer);
    chat_request_older(c);
}

bool chat_busy(struct chat_state *c, double *since)
{
    if (!c->older.loading)
        return false;
    *since = c->t_req;
    return true;
}

/* tui/chat_load.c - what the open conversation holds and how it comes.
 *
 * Pages arrive newest first from core_messages(); older pages are fetched
 * when the user scrolls near the top, newer ones below a search hit, the
 * newest again on live updates. Every message is copied out of its page
 * into chat.msgs, oldest first. `/` finds text among the loaded messages
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
struct request *chat_request(enum req_kind kind, const char *cursor, size_t limit)
{
    struct request *req = core_xcalloc(1, sizeof *req);
    req->kind = kind;
    req->gen = chat.gen;
    req->contact_id = chat.contact_id;
    req->cursor = cursor ? core_xstrdup(cursor) : NULL;
    req->limit = limit;
    return req;
}

/* at_ms: when the key asking for it was read. */
void chat_request_around(const struct core_row *row, double at_ms)
{
    struct request *req = chat_request(REQ_AROUND, NULL, WORKER_PAGE);
    req->at_us = row->created_at_us;
    req->message_id = row->message_id;
    chat.loading = chat.around = true;
    chat.newer_end = false;
    chat.t_req = at_ms > 0 ? at_ms : core_now_ms();
    worker_submit(WORKER_CHAT, req);
}

static void request_newer(void)
{
    if (chat.newer_loading || chat.newer_end || chat.around || core_now_ms() < chat.retry_at)
        return;
    struct request *req = chat_request(REQ_NEWER, chat.newer_cursor, WORKER_PAGE);
    chat.newer_loading = true;
    worker_submit(WORKER_CHAT, req);
}

void chat_request_start(void)
{
    struct request *req = chat_request(REQ_NEWER, NULL, WORKER_PAGE);
    req->slot = 1;   /* the first page, not a page below a hit */
    chat.start_loading = true;
    worker_submit(WORKER_CHAT, req);
}

void chat_request_older(void)
{
    if (chat.loading || chat.end || chat.around || core_now_ms() < chat.retry_at)
        return;
    /* Few large pages to the start: each page arriving lays out again. */
    struct request *req = chat_request(REQ_MESSAGES, chat.older_cursor,
                                       chat.to_top ? TOP_PAGE_ROWS : WORKER_PAGE);
    chat.loading = true;
    /* A trip to the start or a find over many pages is one answer: its
     * clock runs from the key that asked for it. */
    chat.t_req = chat.t_key > 0 ? chat.t_key : core_now_ms();
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

static bool msg_known(const struct core_row *r)
{
    if (chat.n == 0)
        return false;
    struct msg key = {.row = *r};
    const struct msg *kp = &key;
    return bsearch(&kp, chat.msgs, chat.n, sizeof *chat.msgs, msg_cmp) != NULL;
}

static long msg_index(int64_t id)
{
    for (size_t i = chat.n; i-- > 0;)
        if (chat.msgs[i]->message_id == id && !((const struct msg *)chat.msgs[i])->sending)
            return (long)i;
    return -1;
}

static void msgs_sorted(void)
{
    qsort(chat.msgs, chat.n, sizeof *chat.msgs, msg_cmp);
}

/* Take the rows of p that are not shown yet; the page itself is freed by
 * the caller. Returns how many came, and in *newer how many of them are
 * newer than every message held before. The current match follows its
 * message. */
static size_t msgs_merge(const struct core_page *p, size_t *newer)
{
    int64_t match_id = chat.match >= 0 ? chat.msgs[chat.match]->message_id : 0;
    const struct core_row *last = NULL;
    for (size_t i = chat.n; i-- > 0 && !last;)
        if (!((const struct msg *)chat.msgs[i])->sending)
            last = chat.msgs[i];
    size_t added = 0, after = 0;
    const struct core_row **more = core_xmalloc((p->count + 1) * sizeof *more);
    for (size_t i = 0; i < p->count; i++) {
        const struct core_row *r = &p->rows[i];
        if (msg_known(r))
            continue;
        struct msg probe = {.row = *r}, lastm = {.row = last ? *last : *r};
        const struct msg *pp = &probe, *lp = &lastm;
        if (!last || msg_cmp(&pp, &lp) > 0)
            after++;
        more[added++] = &msg_copy(r)->row;
    }
    if (added) {
        chat.msgs = core_xrealloc(chat.msgs, (chat.n + added + 1) * sizeof *chat.msgs);
        memcpy(chat.msgs + chat.n, more, added * sizeof *more);
        chat_layout_free();
        chat.n += added;
        msgs_sorted();
        chat.relayout = true;
        if (match_id)
            chat.match = msg_index(match_id);
    }
    free(more);
    if (newer)
        *newer = after;
    return added;
}

/* Held messages inside the span the newest page covers that it no longer
 * holds were deleted or moved away by another writer: they go. */
static void msgs_prune(const struct core_page *p)
{
    const struct core_row *low = p->count ? &p->rows[p->count - 1] : NULL;
    bool whole = !p->next_cursor || p->count == 0;
    int64_t match_id = chat.match >= 0 ? chat.msgs[chat.match]->message_id : 0;
    size_t o = chat.n;
    for (size_t i = chat.n; i-- > 0;) {
        const struct msg *m = (const struct msg *)chat.msgs[i];
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
        if (o == chat.n)
            chat_layout_free();
        chat_msg_free((struct msg *)chat.msgs[i]);
        memmove(chat.msgs + i, chat.msgs + i + 1, (chat.n - i - 1) * sizeof *chat.msgs);
        chat.n--;
        o = 0;
    }
    if (o == 0) {
        chat.relayout = true;
        chat.match = match_id ? msg_index(match_id) : -1;
    }
}

static long gap_index(void);

/* Find a match from message `from` in direction dir (-1 older, +1 newer),
 * including `from` itself. */
void chat_find_from(long from, int dir)
{
    if (!chat.finding || chat.hl.n == 0)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    /* Older matches in the pages not loaded yet come before the first
     * page's: the scan stops at the gap and goes on when they arrive. */
    long gidx = gap_index();
    long stop = dir < 0 && gidx >= 0 && from > gidx ? gidx : -1;
    for (long i = from; i > stop && i < (long)chat.n; i += dir) {
        if (chat.mv[i].match) {
            chat.match = i;
            chat.relayout = true;   /* the current match gets its header */
            chat.find_dir = 0;
            chat.wrap = false;
            chat_reveal(i);
            return;
        }
    }
    if (dir < 0 && !chat.end && chat.find_loaded >= CHAT_FIND_OLDER_MAX) {
        /* No older match is known to exist: loading the whole history to
         * find out would take long, so the user chooses to go on. */
        char n[32];
        chat.find_dir = 0;
        chat.find_loaded = 0;
        fmt_count(n, sizeof n, (long long)chat.n);
        status_note("no match in the last %s messages; n again searches further", n);
    } else if ((dir < 0 && !chat.end && stop >= 0) || (dir < 0 && !chat.end && gidx < 0)) {
        chat.find_dir = -1;    /* continue when older messages arrive */
        chat_request_older();
    } else if (dir > 0 && !chat.newer_end) {
        chat.find_dir = +1;    /* continue when newer messages arrive */
        request_newer();
    } else if (dir < 0 && chat.match < 0 && from + 1 < (long)chat.n) {
        /* Nothing older at all: the nearest newer match will do. */
        chat_find_from(from + 1, +1);
    } else {
        chat.find_dir = 0;
        bool any = false;
        for (size_t i = 0; i < chat.n && !any; i++)
            any = chat.mv[i].match;
        if (any && chat.wrap) {
            /* n past the oldest match goes round to the newest, N the
             * other way, as in less and vim. */
            chat.wrap = false;
            chat_find_from(dir < 0 ? (long)chat.n - 1 : 0, dir);
            status_note(dir < 0 ? "search wrapped to the newest match"
                                : "search wrapped to the oldest match");
            return;
        }
        if (!any && chat.end)
            status_note("no match");
        else
            status_note("no %s match", dir < 0 ? "older" : "newer");
    }
}

static void request_newest(void)
{
    if (chat.newest_loading) {
        chat.newest_again = true;   /* one more when this one is back */
        return;
    }
    struct request *req = chat_request(REQ_NEWEST, NULL,
                                       chat.newest_limit ? chat.newest_limit : NEWEST_ROWS);
    chat.newest_loading = true;
    chat.newest_again = false;
    worker_submit(WORKER_CHAT, req);
}

void chat_changes(const int32_t *ids, size_t n, bool all)
{
    /* Below a hit the newest messages are not loaded yet: the walk down
     * reaches the new ones. */
    if (!chat.open || !chat.newer_end)
        return;
    bool mine = all;
    for (size_t i = 0; i < n && !mine; i++)
        mine = ids[i] == chat.contact_id;
    if (mine)
        request_newest();
}

/* The newest messages: those not held yet go at the bottom. A reader at
 * the bottom sees them; one reading older messages stays where they are
 * and is told how many came. */
static void newest_answer(struct response *r)
{
    chat.newest_loading = false;
    if (r->status != CORE_OK) {
        worker_response_free(r);
        return;
    }
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    size_t bottom = chat.nlines > chat.off ? chat.nlines - 1 - chat.off : 0;
    bool reading = chat.off > 0;
    size_t newer = 0;
    msgs_prune(&r->page);
    size_t added = msgs_merge(&r->page, &newer);
    if (added && reading) {
        chat.keep_set = true;
        chat.keep_line = bottom;
        chat.news += newer;
    }
    /* All of them new: there may be more in between. */
    bool gap = added == r->page.count && r->page.count > 0 && r->page.next_cursor;
    chat.newest_limit = gap ? TOP_PAGE_ROWS : NEWEST_ROWS;
    worker_response_free(r);
    if (gap || chat.newest_again)
        request_newest();
}

/* A reply sent (or not): the list is told, so it shows the conversation on
 * top without waiting for the notice. */
static struct view_req send_answer(struct response *r)
{
    struct view_req req = {0};
    struct msg *m = NULL;
    size_t at = 0;
    for (size_t i = 0; i < chat.n && !m; i++) {
        struct msg *x = (struct msg *)chat.msgs[i];
        if (x->sending && x->seq == r->slot) {
            m = x;
            at = i;
        }
    }
    if (m) {
        chat_layout_free();
        memmove(chat.msgs + at, chat.msgs + at + 1, (chat.n - at - 1) * sizeof *chat.msgs);
        chat.n--;
        chat.relayout = true;
        if (chat.match >= (long)at)
            chat.match = chat.match > (long)at ? chat.match - 1 : -1;
    }
    if (r->status == CORE_OK) {
        msgs_merge(&r->page, NULL);
        req = (struct view_req){.kind = VIEW_REQ_CHANGED, .contact_id = chat.contact_id};
    } else {
        status_error("not sent: %s", r->err);
        if (m && chat.reply.len == 0) {
            /* The text comes back into the box. */
            chat.reply.max = PROMPT_MAX_CHARS;
            prompt_set_utf8(&chat.reply, m->row.content);
            chat.reply.active = true;
        }
    }
    chat_msg_free(m);
    worker_response_free(r);
    return req;
}

/* A page of newer messages below: what is read stays where it is. */
static void newer_answer(struct response *r)
{
    chat.newer_loading = false;
    if (r->status != CORE_OK) {
        chat.retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        worker_response_free(r);
        return;
    }
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    size_t bottom = chat.nlines > chat.off ? chat.nlines - 1 - chat.off : 0;
    long before = (long)chat.n;
    msgs_merge(&r->page, NULL);
    free(chat.newer_cursor);
    chat.newer_cursor = r->page.next_cursor && r->page.count > 0 ? core_xstrdup(r->page.next_cursor) : NULL;
    chat.newer_end = chat.newer_cursor == NULL;
    chat.relayout = true;
    chat.keep_set = true;
    chat.keep_line = bottom;
    worker_response_free(r);
    if (chat.find_dir > 0)
        chat_find_from(before, +1);
}

/* g: the oldest messages, ahead of the pages in between. */
static void start_answer(struct response *r)
{
    chat.start_loading = false;
    if (r->status != CORE_OK || r->page.count == 0 || chat.end) {
        worker_response_free(r);
        return;
    }
    chat.have_start = true;
    chat.start_last_id = r->page.rows[r->page.count - 1].message_id;
    msgs_merge(&r->page, NULL);
    if (!r->page.next_cursor) {
        /* The whole conversation was in it. */
        chat.end = true;
        free(chat.older_cursor);
        chat.older_cursor = NULL;
    }
    chat.relayout = true;
    if (chat.t_key > 0)
        chat.latency_ms = core_now_ms() - chat.t_key;
    worker_response_free(r);
}

/* The index of the newest message of the first page while the pages in
 * between are missing, else -1. */
static long gap_index(void)
{
    return chat.have_start && !chat.end ? msg_index(chat.start_last_id) : -1;
}

static void around_answer(struct response *r)
{
    chat.loading = chat.around = false;
    if (r->status != CORE_OK) {
        chat.retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        /* The plain way: the newest messages, then older ones. */
        chat.newer_end = true;
        worker_response_free(r);
        return;
    }
    chat.first_answer = true;
    int64_t anchor = r->page.count ? r->page.rows[0].message_id : 0;
    free(chat.older_cursor);
    chat.older_cursor = r->page.next_cursor && r->page.count > 0 ? core_xstrdup(r->page.next_cursor) : NULL;
    chat.end = chat.older_cursor == NULL;
    free(chat.newer_cursor);
    chat.newer_cursor = r->page2.next_cursor && r->page2.count > 0 ? core_xstrdup(r->page2.next_cursor) : NULL;
    chat.newer_end = chat.newer_cursor == NULL;
    msgs_merge(&r->page, NULL);
    msgs_merge(&r->page2, NULL);
    chat.relayout = true;
    worker_response_free(r);
    long i = anchor ? msg_index(anchor) : -1;
    if (chat.goto_reveal) {
        /* t: the newest message at or before the date, or the first one
         * when the conversation starts after it. */
        chat.goto_reveal = false;
        chat_reveal(i >= 0 ? i : 0);
    } else {
        chat_find_from(i >= 0 ? i : (long)chat.n - 1, -1);
    }
    chat.latency_ms = core_now_ms() - chat.t_req;
}

struct view_req chat_answer(struct response *r)
{
    struct view_req none = {0};
    if (!chat.open || r->gen != chat.gen) {
        if (r->req == REQ_SEND && r->status != CORE_OK) {
            status_error("reply not sent: %s", r->err);
        }
        worker_response_free(r);
        return none;
    }
    if (r->req == REQ_NEWEST) {
        newest_answer(r);
        return none;
    }
    if (r->req == REQ_SEND)
        return send_answer(r);
    if (r->req == REQ_NEWER && r->slot == 1) {
        start_answer(r);
        return none;
    }
    if (r->req == REQ_NEWER) {
        newer_answer(r);
        return none;
    }
    if (r->req == REQ_AROUND) {
        around_answer(r);
        return none;
    }
    chat.loading = false;
    if (r->status != CORE_OK) {
        chat.retry_at = core_now_ms() + 2000.0;
        status_error("%s", r->err);
        worker_response_free(r);
        return none;
    }
    struct core_page *p = &r->page;
    double t_req = chat.t_req;
    bool first = !chat.first_answer;
    chat.first_answer = true;
    free(chat.older_cursor);
    chat.older_cursor = p->next_cursor && p->count > 0 ? core_xstrdup(p->next_cursor) : NULL;
    long gidx = gap_index();
    if (gidx >= 0) {
        if (chat.relayout || chat.laid_cols != COLS)
            chat_layout();
        /* Filling the gap below a reader of the first messages: the
         * lines above the view do not change, so keep those. */
        if (!chat.to_top && chat_bottom_msg() <= gidx) {
            chat.keep_set = true;
            chat.keep_line = chat.nlines > chat.off ? chat.nlines - 1 - chat.off : 0;
        }
        if (p->count > 0 && msg_known(&p->rows[p->count - 1])) {
            free(chat.older_cursor);   /* met the first page: all there */
            chat.older_cursor = NULL;
        }
    }
    chat.end = chat.older_cursor == NULL;
    /* Older rows go in front; the view counts lines from the bottom, so
     * what is being read stays put. */
    long before = (long)chat.n;
    msgs_merge(p, NULL);
    long added = (long)chat.n - before;
    chat.relayout = true;
    worker_response_free(r);
    if (chat.find_dir < 0) {
        chat.find_loaded += (size_t)(added > 0 ? added : 0);
        long from = chat.match >= 0 ? chat.match - 1 : gidx >= 0 ? gidx + added : added - 1;
        if (first)
            from = (long)chat.n - 1;
        chat_find_from(from, -1);
    }
    /* The clock stops at the last page of the answer the key asked for. */
    if (!chat.loading && !(chat.to_top && !chat.end)) {
        chat.latency_ms = core_now_ms() - t_req;
        chat.t_key = 0;
    }
    return none;
}

void chat_tick(void)
{
    if (!chat.open)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    if (chat.to_top) {
        chat.off = chat_max_off();
        if (chat.end)
            chat.to_top = false;
    }
    chat_clamp_off();
    size_t h = (size_t)view_height(CHAT_TOP_LINES);
    size_t bottom = chat.nlines - 1 - chat.off;
    size_t top = bottom + 1 > h ? bottom + 1 - h : 0;
    if (top < h || chat.to_top)
        chat_request_older();
    if (!chat.newer_end && chat.off < h)
        request_newer();
}

/* What the view held goes: a new walk of the conversation starts. */
static void msgs_forget(void)
{
    chat_layout_free();
    for (size_t i = 0; i < chat.n; i++)
        chat_msg_free((struct msg *)chat.msgs[i]);
    chat.n = 0;
    free(chat.older_cursor);
    free(chat.newer_cursor);
    chat.older_cursor = chat.newer_cursor = NULL;
    chat.end = chat.first_answer = chat.have_start = false;
    chat.loading = chat.newer_loading = chat.around = chat.start_loading = false;
    chat.to_top = false;
    chat.match = -1;
    chat.find_dir = 0;
    chat.off = 0;
    chat.relayout = true;
    chat.gen = worker_gen_next();
    worker_supersede(WORKER_CHAT, chat.gen);
}

void chat_go_to_date(int64_t us)
{
    msgs_forget();
    /* (us, the largest id): the older side is "at or before us". */
    struct core_row at = {.created_at_us = us, .message_id = INT64_MAX};
    chat.goto_reveal = true;
    chat_request_around(&at, core_now_ms());
}

/* G below a hit: the newest messages, as when the conversation opens. */
void chat_reset_to_newest(void)
{
    chat_layout_free();
    for (size_t i = 0; i < chat.n; i++)
        chat_msg_free((struct msg *)chat.msgs[i]);
    chat.n = 0;
    free(chat.older_cursor);
    free(chat.newer_cursor);
    chat.older_cursor = chat.newer_cursor = NULL;
    chat.end = chat.first_answer = false;
    chat.newer_end = true;
    chat.loading = chat.newer_loading = chat.around = false;
    chat.match = -1;
    chat.find_dir = 0;
    chat.off = 0;
    chat.relayout = true;
    chat.gen = worker_gen_next();
    worker_supersede(WORKER_CHAT, chat.gen);
    chat_request_older();
}

bool chat_busy(double *since)
{
    if (!chat.open || !chat.loading)
        return false;
    *since = chat.t_req;
    return true;
}

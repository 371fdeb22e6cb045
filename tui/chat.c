/* tui/chat.c - one conversation as a chat: oldest message at the top,
 * newest at the bottom, inbound on the left and outbound on the right.
 *
 * Pages arrive newest first from core_messages(); older pages are fetched
 * when the user scrolls near the top. The scroll position is counted in
 * lines from the bottom, so a page of older messages arriving above the
 * view never moves what the user is reading. `/` finds text among the
 * loaded messages and fetches older pages until a match or the start; `g`
 * fetches older pages, large ones, until the start and stays at the top. */
#include "chat.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "keys.h"
#include "prompt.h"
#include "stats.h"
#include "status.h"
#include "term.h"
#include "text.h"
#include "worker.h"

#define TOP_PAGE_ROWS 500
/* Live updates ask for this many newest messages, more when all are new. */
#define NEWEST_ROWS 20
/* A message is laid out up to this many columns; the rest is kept (y
 * copies it) but not turned into cells, so a huge message costs its bytes
 * once, not twenty times over. */
#define CHAT_MAX_COLS 20000

enum line_kind { LN_MORE, LN_START, LN_DAY, LN_META, LN_TEXT, LN_CUT, LN_NEWER, LN_GAP };

/* A message of the conversation, owned by the view (pages are copied and
 * freed at once). A reply being sent is one too, until the server answers. */
struct msg {
    struct core_row row;     /* first: a struct msg * is a struct core_row * */
    bool sending;
    uint64_t seq;
};

struct line {
    uint32_t msg;
    uint8_t kind;
    uint32_t from, to;   /* cells of LN_TEXT */
};

struct msgview {
    struct cells cells;
    int width;           /* widest line */
    size_t first_line;   /* its meta line */
    bool match;
};

static struct {
    bool open;
    uint64_t gen;
    int32_t contact_id;
    char *name, *phone;
    bool first_answer;               /* the newest page came */
    const struct core_row **msgs;    /* struct msg, oldest first */
    size_t n;
    bool newest_loading, newest_again;
    /* Opened at a search hit: newer messages load below as the user
     * scrolls down, until the newest. */
    char *newer_cursor;
    bool newer_end, newer_loading;
    bool around;                     /* the around answer is pending */
    /* g: the first page of the conversation comes at once; the pages in
     * between follow (the gap) while the view stays at the top. */
    bool have_start, start_loading;
    int64_t start_last_id;           /* the newest message of that page */
    size_t newest_limit;
    bool keep_set;                   /* after layout: the line at the view's */
    size_t keep_line;                /* bottom, counted from the top */
    size_t news;                     /* messages below the view, unread */
    struct prompt reply;
    uint64_t send_seq;
    int64_t opened_us;               /* wall clock, for CONVO_STATS */
    char *older_cursor;
    bool end, loading;
    bool to_top;                     /* g: load to the start, stay at the top */
    double t_req, latency_ms;
    double t_key;                    /* the key asking for a many-page answer, 0 none */
    double retry_at;                 /* after a failed fetch, not before this */
    struct msgview *mv;
    struct line *lines;
    size_t nlines, cap;
    int laid_cols;
    bool relayout;
    size_t off;                      /* lines below the bottom of the view */
    struct prompt prompt;
    struct hl hl;
    bool finding;                    /* a find term is in force */
    bool wrap;                       /* n/N: go round at the ends */
    long match;                      /* message of the current match, -1 */
    int find_dir;                    /* pending find: -1 older, +1 newer, 0 none */
    char err[200];
} chat;

static int view_height(void)
{
    int h = LINES - 3;
    return h < 1 ? 1 : h;
}

static int bubble_width(void)
{
    int w = COLS * 3 / 4;
    if (w > COLS - 6)
        w = COLS - 6;
    return w < 8 ? 8 : w;
}

/* A request of this conversation (its contact, its generation); cursor is
 * copied. The caller fills in the rest and submits it. */
static struct request *chat_request(enum req_kind kind, const char *cursor, size_t limit)
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
static void request_around(const struct core_row *row, double at_ms)
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

static void request_start(void)
{
    struct request *req = chat_request(REQ_NEWER, NULL, WORKER_PAGE);
    req->slot = 1;   /* the first page, not a page below a hit */
    chat.start_loading = true;
    worker_submit(WORKER_CHAT, req);
}

static void request_older(void)
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

static void free_layout(void);

static void msg_free(struct msg *m)
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
        free_layout();
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
            free_layout();
        msg_free((struct msg *)chat.msgs[i]);
        memmove(chat.msgs + i, chat.msgs + i + 1, (chat.n - i - 1) * sizeof *chat.msgs);
        chat.n--;
        o = 0;
    }
    if (o == 0) {
        chat.relayout = true;
        chat.match = match_id ? msg_index(match_id) : -1;
    }
}

static void free_layout(void)
{
    if (chat.mv) {
        for (size_t i = 0; i < chat.n; i++)
            text_cells_free(&chat.mv[i].cells);
    }
    free(chat.mv);
    chat.mv = NULL;
}

static void chat_close(void)
{
    free_layout();
    for (size_t i = 0; i < chat.n; i++)
        msg_free((struct msg *)chat.msgs[i]);
    free(chat.msgs);
    free(chat.lines);
    free(chat.name);
    free(chat.phone);
    free(chat.older_cursor);
    free(chat.newer_cursor);
    text_hl_free(&chat.hl);
    memset(&chat, 0, sizeof chat);
    chat.match = -1;
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

static void layout(void)
{
    free_layout();
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

static size_t max_off(void)
{
    size_t h = (size_t)view_height();
    return chat.nlines > h ? chat.nlines - h : 0;
}

static void clamp_off(void)
{
    if (chat.off > max_off())
        chat.off = max_off();
    if (chat.off == 0)
        chat.news = 0;
}

/* Scroll so that message i shows with some lines of context below it. */
static void reveal(long i)
{
    if (i < 0 || (size_t)i >= chat.n)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        layout();
    size_t h = (size_t)view_height();
    size_t line = chat.mv[i].first_line;
    size_t bottom = line + h / 2;
    if (bottom >= chat.nlines)
        bottom = chat.nlines - 1;
    chat.off = chat.nlines - 1 - bottom;
    clamp_off();
}

/* The message at the bottom of the view. */
static long bottom_msg(void)
{
    if (chat.nlines == 0 || chat.n == 0)
        return -1;
    size_t b = chat.nlines - 1 - (chat.off < chat.nlines ? chat.off : chat.nlines - 1);
    if (chat.lines[b].kind == LN_NEWER)
        return (long)chat.n - 1;
    return chat.lines[b].kind == LN_MORE || chat.lines[b].kind == LN_START ? 0
                                                                          : (long)chat.lines[b].msg;
}

static long gap_index(void);

/* The message at the top of the view. */
static long top_msg(void)
{
    if (chat.nlines == 0 || chat.n == 0)
        return -1;
    size_t h = (size_t)view_height();
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

/* Find a match from message `from` in direction dir (-1 older, +1 newer),
 * including `from` itself. */
static void find_from(long from, int dir)
{
    if (!chat.finding || chat.hl.n == 0)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        layout();
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
            reveal(i);
            return;
        }
    }
    if ((dir < 0 && !chat.end && stop >= 0) || (dir < 0 && !chat.end && gidx < 0)) {
        chat.find_dir = -1;    /* continue when older messages arrive */
        request_older();
    } else if (dir > 0 && !chat.newer_end) {
        chat.find_dir = +1;    /* continue when newer messages arrive */
        request_newer();
    } else if (dir < 0 && chat.match < 0 && from + 1 < (long)chat.n) {
        /* Nothing older at all: the nearest newer match will do. */
        find_from(from + 1, +1);
    } else {
        chat.find_dir = 0;
        bool any = false;
        for (size_t i = 0; i < chat.n && !any; i++)
            any = chat.mv[i].match;
        if (any && chat.wrap) {
            /* n past the oldest match goes round to the newest, N the
             * other way, as in less and vim. */
            chat.wrap = false;
            find_from(dir < 0 ? (long)chat.n - 1 : 0, dir);
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

static void chat_open(const struct core_row *row, const char *term, double at_ms)
{
    chat_close();
    chat.open = true;
    chat.opened_us = core_wall_us();
    chat.gen = worker_gen_next();
    chat.contact_id = row->contact_id;
    /* A contact without a name is known by its number. */
    chat.name = core_xstrdup(row->name && *row->name ? row->name : row->phone_number);
    chat.phone = core_xstrdup(row->phone_number);
    chat.match = -1;
    chat.relayout = true;
    status_forget();
    if (term && *term && (row->matched & CORE_MATCH_CONTENT)) {
        /* Opened from a search: go to the message that matched. */
        text_hl_set(&chat.hl, term);
        chat.finding = true;
        chat.find_dir = -1;
        prompt_set_utf8(&chat.prompt, term);
        /* Straight to the hit at any depth: the messages around it, then
         * pages older above and newer below as the user scrolls. */
        request_around(row, at_ms);
        return;
    }
    chat.newer_end = true;
    request_older();
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

static void chat_changes(const int32_t *ids, size_t n, bool all)
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
        layout();
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
        free_layout();
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
    msg_free(m);
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
        layout();
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
        find_from(before, +1);
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
    find_from(i >= 0 ? i : (long)chat.n - 1, -1);
    chat.latency_ms = core_now_ms() - chat.t_req;
}

static struct view_req chat_answer(struct response *r)
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
            layout();
        /* Filling the gap below a reader of the first messages: the
         * lines above the view do not change, so keep those. */
        if (!chat.to_top && bottom_msg() <= gidx) {
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
        long from = chat.match >= 0 ? chat.match - 1 : gidx >= 0 ? gidx + added : added - 1;
        if (first)
            from = (long)chat.n - 1;
        find_from(from, -1);
    }
    /* The clock stops at the last page of the answer the key asked for. */
    if (!chat.loading && !(chat.to_top && !chat.end)) {
        chat.latency_ms = core_now_ms() - t_req;
        chat.t_key = 0;
    }
    return none;
}

static void chat_tick(void)
{
    if (!chat.open)
        return;
    if (chat.relayout || chat.laid_cols != COLS)
        layout();
    if (chat.to_top) {
        chat.off = max_off();
        if (chat.end)
            chat.to_top = false;
    }
    clamp_off();
    size_t h = (size_t)view_height();
    size_t bottom = chat.nlines - 1 - chat.off;
    size_t top = bottom + 1 > h ? bottom + 1 - h : 0;
    if (top < h || chat.to_top)
        request_older();
    if (!chat.newer_end && chat.off < h)
        request_newer();
}

/* G below a hit: the newest messages, as when the conversation opens. */
static void reset_to_newest(void)
{
    free_layout();
    for (size_t i = 0; i < chat.n; i++)
        msg_free((struct msg *)chat.msgs[i]);
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
    request_older();
}

static bool chat_busy(double *since)
{
    if (!chat.open || !chat.loading)
        return false;
    *since = chat.t_req;
    return true;
}

/* Enter in the reply box: the text shows at once, marked as sending, and
 * goes to the chat worker; the answer replaces it (send_answer). */
static void reply_send(void)
{
    static char text[PROMPT_MAX_CHARS * 4 + 1];
    prompt_utf8(&chat.reply, text, sizeof text);
    size_t bytes = strlen(text);
    if (bytes == 0) {
        status_error("nothing to send (Esc closes the reply box)");
        return;
    }
    if (bytes > CORE_SEND_MAX_BYTES) {
        char n[32];
        fmt_count(n, sizeof n, (long long)bytes);
        status_error("too long to send: %s bytes, at most %d", n, CORE_SEND_MAX_BYTES);
        return;
    }
    struct msg *m = core_xcalloc(1, sizeof *m);
    m->sending = true;
    m->seq = ++chat.send_seq;
    m->row.contact_id = chat.contact_id;
    m->row.outbound = true;
    m->row.content = core_xstrdup(text);
    m->row.created_at = core_xstrdup("");
    m->row.created_at_us = core_wall_us();
    free_layout();
    chat.msgs = core_xrealloc(chat.msgs, (chat.n + 1) * sizeof *chat.msgs);
    chat.msgs[chat.n++] = &m->row;
    chat.relayout = true;
    chat.off = 0;
    chat.news = 0;
    struct request *req = chat_request(REQ_SEND, NULL, 0);
    req->slot = (size_t)m->seq;
    req->text = core_xstrdup(text);
    req->keep = true;
    worker_submit(WORKER_CHAT, req);
    chat.reply.active = false;
    chat.reply.len = 0;
    status_forget();
}

static void reply_key(const struct view_input *in)
{
    switch (prompt_input(&chat.reply, in, ON_CHAT, NULL)) {
    case PROMPT_EDITED:
        status_forget_error();
        break;
    case PROMPT_ENTER:
        reply_send();
        break;
    case PROMPT_CANCEL:
        status_forget();
        break;
    default:
        break;
    }
}

static void find_set_from_prompt(void)
{
    char term[CORE_TERM_MAX_CHARS * 4 + 1];
    prompt_utf8(&chat.prompt, term, sizeof term);
    text_hl_set(&chat.hl, term);
    chat.finding = *term != 0;
    chat.relayout = true;
    chat.match = -1;
}

static struct view_req chat_action(enum action a, int count);

/* A key while the find box or the reply box is open. */
static void chat_prompt_key(const struct view_input *in)
{
    if (chat.reply.active) {
        reply_key(in);
        return;
    }
    long anchor = bottom_msg();
    enum action move;
    switch (prompt_input(&chat.prompt, in, ON_CHAT, &move)) {
    case PROMPT_EDITED:
        status_forget();
        find_set_from_prompt();
        chat.t_key = core_now_ms();
        find_from(anchor, -1);
        if (!chat.loading && chat.find_dir >= 0)
            chat.t_key = 0;
        break;
    case PROMPT_ENTER:
        chat.prompt.active = false;
        if (chat.prompt.len == 0)
            find_set_from_prompt();
        break;
    case PROMPT_CANCEL:
        chat.find_dir = 0;
        find_set_from_prompt();
        break;
    case PROMPT_MOVE:
        (void)chat_action(move, 1);
        break;
    default:
        break;
    }
}

static struct view_req chat_action(enum action a, int count)
{
    struct view_req req = {0};
    long h = view_height();
    if (chat.relayout || chat.laid_cols != COLS)
        layout();
    /* Any other move ends a trip to the start. */
    chat.to_top = a == ACT_TOP && !chat.end;
    if (chat.to_top && !chat.have_start && !chat.start_loading)
        request_start();   /* the oldest at once; the rest fills in */
    if (chat.to_top || a == ACT_FIND_NEXT || a == ACT_FIND_PREV)
        chat.t_key = core_now_ms();
    switch (a) {
    case ACT_UP: chat.off += (size_t)count; break;
    case ACT_DOWN: chat.off = chat.off > (size_t)count ? chat.off - (size_t)count : 0; break;
    case ACT_PAGE_UP: chat.off += (size_t)(h * count); break;
    case ACT_PAGE_DOWN: chat.off = chat.off > (size_t)(h * count) ? chat.off - (size_t)(h * count) : 0; break;
    case ACT_HALF_UP: chat.off += (size_t)(h / 2 > 0 ? h / 2 : 1); break;
    case ACT_HALF_DOWN: {
        size_t d = (size_t)(h / 2 > 0 ? h / 2 : 1);
        chat.off = chat.off > d ? chat.off - d : 0;
        break;
    }
    case ACT_TOP: chat.off = max_off(); break;
    case ACT_BOTTOM:
        chat.off = 0;
        if (!chat.newer_end)
            reset_to_newest();
        break;
    case ACT_SEARCH:
        chat.prompt.active = true;
        chat.prompt.len = 0;
        status_forget();
        break;
    case ACT_COPY: {
        /* The current match, else the newest message in view. */
        long i = chat.match >= 0 ? chat.match : bottom_msg();
        if (i >= 0 && (size_t)i < chat.n)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = chat.msgs[i]->content,
                                    .what = "the message"};
        break;
    }
    case ACT_COPY_PHONE:
        req = (struct view_req){.kind = VIEW_REQ_COPY, .text = chat.phone, .what = chat.phone};
        break;
    case ACT_REPLY:
        chat.reply.active = true;
        chat.reply.max = PROMPT_MAX_CHARS;
        status_forget();
        break;
    case ACT_FIND_NEXT:
    case ACT_FIND_PREV: {
        if (!chat.finding)
            break;
        /* From where the user looks: the current match when it is in
         * view, else the bottom (n, older) or the top (N, newer). */
        long lo = top_msg(), hi = bottom_msg();
        bool seen = chat.match >= 0 && chat.match >= lo && chat.match <= hi;
        chat.wrap = true;
        if (a == ACT_FIND_NEXT)
            find_from(seen ? chat.match - 1 : hi, -1);
        else
            find_from(seen ? chat.match + 1 : lo, +1);
        if (chat.find_dir == 0)
            chat.wrap = false;
        break;
    }
    case ACT_BACK:
        status_forget();
        req.kind = VIEW_REQ_BACK;   /* main closes it (chat_leave) */
        return req;
    default:
        break;
    }
    /* Nothing more to fetch for that key: the next fetch has its own clock. */
    if (!chat.loading && !chat.to_top && chat.find_dir >= 0)
        chat.t_key = 0;
    clamp_off();
    return req;
}

static void chat_wheel(int dir)
{
    (void)chat_action(dir < 0 ? ACT_UP : ACT_DOWN, 3);
}

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
        text_draw(0, x, COLS - x - 1, chat.phone, NULL, 0, EL_HEADER_DIM, false);
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
    } else {
        term_fill(y, 0, COLS, EL_TEXT, false);
        if (status_note_draw(y))
            return;
        if (chat.finding)
            status_hints_draw(y, "n older match \u00b7 N newer match \u00b7 / new find \u00b7 q back");
        else
            status_hints_draw(y, "j/k scroll \u00b7 / find \u00b7 r reply \u00b7 g oldest \u00b7 G newest \u00b7 q back");
    }
}

static void chat_draw(void)
{
    if (chat.relayout || chat.laid_cols != COLS)
        layout();
    clamp_off();
    int h = view_height();
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

static void chat_view_open(const struct view_req *req)
{
    chat_open(req->row, req->term, req->at_ms);
}

/* Back to the list: whatever the conversation still had in flight is of
 * no use now. */
static void chat_leave(void)
{
    worker_supersede(WORKER_CHAT, worker_gen_next());
    chat_close();
}

static struct view_req chat_key(const struct view_input *in)
{
    if (chat.prompt.active || chat.reply.active) {
        chat_prompt_key(in);
        return (struct view_req){0};
    }
    struct view_req req = {0};
    enum action a = keys_action(in, ON_CHAT, &req);
    if (a != ACT_NONE)
        req = chat_action(a, 1);
    return req;
}

const struct view_ops chat_view = {
    .name = "conversation",
    .worker = WORKER_CHAT,
    .open = chat_view_open,
    .close = chat_leave,
    .draw = chat_draw,
    .key = chat_key,
    .wheel = chat_wheel,
    .answer = chat_answer,
    .changes = chat_changes,
    .tick = chat_tick,
    .busy = chat_busy,
};

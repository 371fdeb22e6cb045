/* tui/chat.c - one conversation as a chat: oldest message at the top,
 * newest at the bottom (a view: see view.h). Opening and closing, the keys,
 * the find box and the reply box, and the view's ops. What it holds and
 * how that comes is chat_load.c's, its lines chat_layout.c's, the screen
 * chat_draw.c's. */
#include "chat.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "chat_int.h"
#include "export.h"
#include "goto.h"
#include "fmt.h"
#include "keys.h"
#include "mask.h"
#include "prompt.h"
#include "status.h"
#include "text.h"
#include "worker.h"

/* What the conversation holds goes with it. */
static void chat_free(struct chat_state *c)
{
    chat_layout_free(c);
    for (size_t i = 0; i < c->n; i++)
        chat_msg_free((struct msg *)c->msgs[i]);
    free(c->msgs);
    free(c->lines);
    free(c->name);
    free(c->phone);
    free(c->real_name);
    free(c->real_phone);
    chat_edge_reset(&c->older);
    chat_edge_reset(&c->newer);
    text_hl_free(&c->hl);
    ask_close(&c->ask);
    free(c);
}

/* The find's term. A message matches as search matches in this
 * conversation: each word in its content or in the contact's name or
 * phone, one at least in the content (chat_layout.c). */
static void find_set(struct chat_state *c, const char *term)
{
    text_hl_set(&c->hl, term);
    c->hl_contact = text_hl_found(&c->hl, c->real_name, false) |
                    text_hl_found(&c->hl, c->real_phone, true);
}

static struct chat_state *chat_open(const struct core_row *row, const char *term, double at_ms)
{
    struct chat_state *c = core_xcalloc(1, sizeof *c);
    c->opened_us = core_wall_us();
    c->gen = worker_gen_next();
    c->contact_id = row->contact_id;
    /* A contact without a name is known by its number. */
    char name[256], phone[96];
    const char *shown_phone = mask_shown_phone(row->phone_number, term_theme.utf8, phone, sizeof phone);
    c->name = core_xstrdup(row->name && *row->name ? mask_shown_name(row->name, name, sizeof name)
                                                     : shown_phone);
    c->phone = core_xstrdup(shown_phone);
    c->real_name = core_xstrdup(row->name ? row->name : "");
    c->real_phone = core_xstrdup(row->phone_number ? row->phone_number : "");
    c->match = -1;
    c->relayout = true;
    status_forget();
    if (term && *term && (row->matched & CORE_MATCH_CONTENT)) {
        /* Opened from a search: go to the message that matched. */
        find_set(c, term);
        c->finding = true;
        chat_find_walk(c, -1);
        prompt_set_utf8(&c->prompt, term);
        /* Straight to the hit at any depth: the messages around it, then
         * pages older above and newer below as the user scrolls. */
        chat_request_around(c, row, at_ms);
        return c;
    }
    chat_edge_close(&c->newer);   /* it opens at the newest */
    chat_request_older(c);
    return c;
}

/* Enter in the reply box: the text shows at once, marked as sending, and
 * goes to the chat worker; the answer replaces it (send_answer). */
static void reply_send(struct chat_state *c)
{
    static char text[PROMPT_MAX_CHARS * 4 + 1];
    prompt_utf8(&c->reply, text, sizeof text);
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
    m->seq = ++c->send_seq;
    m->row.contact_id = c->contact_id;
    m->row.outbound = true;
    m->row.content = core_xstrdup(text);
    m->row.created_at = core_xstrdup("");
    m->row.created_at_us = core_wall_us();
    chat_layout_free(c);
    c->msgs = core_xrealloc(c->msgs, (c->n + 1) * sizeof *c->msgs);
    c->msgs[c->n++] = &m->row;
    c->relayout = true;
    c->off = 0;
    c->news = 0;
    struct request *req = chat_request(c, REQ_SEND, NULL, 0);
    req->send_seq = m->seq;
    req->text = core_xstrdup(text);
    req->keep = true;
    worker_submit(WORKER_CHAT, req);
    c->reply.active = false;
    prompt_clear(&c->reply);
    status_forget();
}

/* Text typed or pasted past the limit was not taken: say so, and keep a
 * cut message from going out until the user has edited it. */
static bool reply_cut(struct chat_state *c)
{
    if (!c->reply.dropped)
        return false;
    char max[32], n[32];
    fmt_count(max, sizeof max, (long long)c->reply.max);
    fmt_count(n, sizeof n, (long long)c->reply.dropped);
    status_error("a reply holds at most %s characters: %s not taken (edit it to send)", max, n);
    return true;
}

static void reply_key(struct chat_state *c, const struct view_input *in)
{
    switch (prompt_input(&c->reply, in, ON_CHAT, NULL)) {
    case PROMPT_EDITED:
        if (!reply_cut(c))
            status_forget_error();
        break;
    case PROMPT_ENTER:
        if (!reply_cut(c))
            reply_send(c);
        break;
    case PROMPT_CANCEL:
        status_forget();
        break;
    default:
        break;
    }
}

static void find_set_from_prompt(struct chat_state *c)
{
    char term[CORE_TERM_MAX_CHARS * 4 + 1];
    prompt_utf8(&c->prompt, term, sizeof term);
    find_set(c, term);
    c->finding = *term != 0;
    c->relayout = true;
    c->match = -1;
}

static struct view_req chat_action(struct chat_state *c, enum action a, int count);

/* A key while the find box or the reply box is open. */
static void chat_prompt_key(struct chat_state *c, const struct view_input *in)
{
    if (c->reply.active) {
        reply_key(c, in);
        return;
    }
    long anchor = chat_bottom_msg(c);
    enum action move;
    switch (prompt_input(&c->prompt, in, ON_CHAT, &move)) {
    case PROMPT_EDITED:
        status_forget();
        find_set_from_prompt(c);
        c->t_key = core_now_ms();
        c->find_left = CHAT_FIND_OLDER_MAX;
        chat_find_from(c, anchor, -1);
        if (!c->older.loading && c->find_dir >= 0)
            c->t_key = 0;
        break;
    case PROMPT_ENTER:
        c->prompt.active = false;
        if (c->prompt.len == 0)
            find_set_from_prompt(c);
        break;
    case PROMPT_CANCEL:
        chat_find_walk(c, 0);
        find_set_from_prompt(c);
        break;
    case PROMPT_MOVE:
        (void)chat_action(c, move, 1);
        break;
    default:
        break;
    }
}

/* ---- questions: t's date, e's file -------------------------------------- */

static void export_submit(struct chat_state *c, const char *path, bool overwrite)
{
    struct request *req = chat_request(c, REQ_EXPORT, NULL, 0);
    req->text = core_xstrdup(path);
    req->overwrite = overwrite;
    req->keep = true;   /* finished even when the view closes first */
    worker_submit(WORKER_CHAT, req);
    status_note("writing %s\u2026", path);
}

static void ask_answered(struct chat_state *c, const char *text)
{
    int64_t us;
    char when[40];
    switch (c->ask.kind) {
    case ASK_GOTO:
        if (!goto_when(text, &us))
            return;   /* the box stays open to mend the date */
        ask_close(&c->ask);
        chat_go_to_date(c, us);
        goto_describe(us, when, sizeof when);
        status_note("messages around %s (G: the newest)", when);
        return;
    case ASK_PATH:
        if (!*text) {
            status_error("no file name (Esc cancels)");
            return;
        }
        ask_close(&c->ask);
        export_submit(c, text, false);
        return;
    case ASK_OVERWRITE: {
        char *path = c->ask.held;
        c->ask.held = NULL;
        ask_close(&c->ask);
        export_submit(c, path, true);
        free(path);
        return;
    }
    default:
        ask_close(&c->ask);
        return;
    }
}

static void chat_ask_key(struct chat_state *c, const struct view_input *in)
{
    char text[4096];
    enum ask_kind kind = c->ask.kind;
    switch (ask_key(&c->ask, in, text, sizeof text)) {
    case ASK_ANSWERED:
        status_forget();
        ask_answered(c, text);
        break;
    case ASK_CANCELLED:
        ask_close(&c->ask);
        status_forget();
        if (kind == ASK_OVERWRITE)
            status_note("not written: the file is left as it was");
        break;
    default:
        status_forget_error();
        break;
    }
}

/* The export's outcome, whether or not the conversation is still open (c
 * NULL when it is not). */
static void chat_exported(struct chat_state *c, struct response *r)
{
    if (r->status == CORE_OK) {
        char n[32];
        fmt_count(n, sizeof n, (long long)r->total);
        status_note("wrote %s message%s to %s", n, r->total == 1 ? "" : "s", r->text);
    } else if (r->status == CORE_ERR_EXISTS && c && r->gen == c->gen) {
        ask_open(&c->ask, ASK_OVERWRITE, NULL);
        c->ask.held = core_xstrdup(r->text ? r->text : "");
        size_t len = strlen(c->ask.held);
        if (len > 7 && strcmp(c->ask.held + len - 7, " exists") == 0)
            c->ask.held[len - 7] = '\0';
    } else {
        status_error("not exported: %s", r->text && *r->text ? r->text : r->err);
    }
    worker_response_free(r);
}

static struct view_req chat_action(struct chat_state *c, enum action a, int count)
{
    struct view_req req = {0};
    long h = view_height(CHAT_TOP_LINES);
    if (c->relayout || c->laid_cols != COLS)
        chat_layout(c);
    /* Any other move ends a trip to the start. */
    c->to_top = a == ACT_TOP && !c->older.end;
    if (c->to_top && c->start.page == START_NONE)
        chat_request_start(c);   /* the oldest at once; the rest fills in */
    if (c->to_top || a == ACT_FIND_NEXT || a == ACT_FIND_PREV)
        c->t_key = core_now_ms();
    switch (a) {
    case ACT_UP: c->off += (size_t)count; break;
    case ACT_DOWN: c->off = c->off > (size_t)count ? c->off - (size_t)count : 0; break;
    case ACT_PAGE_UP: c->off += (size_t)(h * count); break;
    case ACT_PAGE_DOWN: c->off = c->off > (size_t)(h * count) ? c->off - (size_t)(h * count) : 0; break;
    case ACT_HALF_UP: c->off += (size_t)(h / 2 > 0 ? h / 2 : 1); break;
    case ACT_HALF_DOWN: {
        size_t d = (size_t)(h / 2 > 0 ? h / 2 : 1);
        c->off = c->off > d ? c->off - d : 0;
        break;
    }
    case ACT_TOP: c->off = chat_max_off(c); break;
    case ACT_BOTTOM:
        c->off = 0;
        if (!c->newer.end)
            chat_reset_to_newest(c);
        break;
    case ACT_SEARCH:
        c->prompt.active = true;
        prompt_clear(&c->prompt);
        status_forget();
        break;
    case ACT_COPY: {
        /* The current match, else the newest message in view. */
        long i = c->match >= 0 ? c->match : chat_bottom_msg(c);
        if (i >= 0 && (size_t)i < c->n)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = c->msgs[i]->content,
                                    .what = "the message"};
        break;
    }
    case ACT_COPY_PHONE:
        req = (struct view_req){.kind = VIEW_REQ_COPY, .text = mask_on ? NULL : c->phone,
                                .what = mask_on ? "the phone number" : c->phone};
        break;
    case ACT_GOTO:
        ask_open(&c->ask, ASK_GOTO, NULL);
        status_forget();
        break;
    case ACT_EXPORT: {
        char path[64];
        export_default_path(c->contact_id, path, sizeof path);
        ask_open(&c->ask, ASK_PATH, path);
        status_forget();
        break;
    }
    case ACT_REPLY:
        c->reply.active = true;
        c->reply.max = PROMPT_MAX_CHARS;
        status_forget();
        break;
    case ACT_FIND_NEXT:
    case ACT_FIND_PREV: {
        if (!c->finding)
            break;
        /* From where the user looks: the current match when it is in
         * view, else the bottom (n, older) or the top (N, newer). */
        long lo = chat_top_msg(c), hi = chat_bottom_msg(c);
        bool seen = c->match >= 0 && c->match >= lo && c->match <= hi;
        c->wrap = true;
        /* Each n may load its share of older pages; an n pressed while
         * the last one still loads adds its share to what is left. */
        if (a == ACT_FIND_NEXT && c->find_dir < 0)
            c->find_left += CHAT_FIND_OLDER_MAX;
        else
            c->find_left = CHAT_FIND_OLDER_MAX;
        if (a == ACT_FIND_NEXT)
            chat_find_from(c, seen ? c->match - 1 : hi, -1);
        else
            chat_find_from(c, seen ? c->match + 1 : lo, +1);
        if (c->find_dir == 0)
            c->wrap = false;
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
    if (!c->older.loading && !c->to_top && c->find_dir >= 0)
        c->t_key = 0;
    chat_clamp_off(c);
    return req;
}

static void chat_view_wheel(struct view *v, int dir)
{
    (void)chat_action(v->priv, dir < 0 ? ACT_UP : ACT_DOWN, 3);
}

static void chat_view_open(struct view *v, const struct view_req *req)
{
    v->priv = chat_open(req->row, req->term, req->at_ms);
}

/* Back to the list: whatever the conversation still had in flight is of
 * no use now. */
static void chat_leave(struct view *v)
{
    worker_supersede(WORKER_CHAT, worker_gen_next());
    chat_free(v->priv);
    v->priv = NULL;
}

static struct view_req chat_key(struct view *v, const struct view_input *in)
{
    struct chat_state *c = v->priv;
    if (c->prompt.active || c->reply.active) {
        chat_prompt_key(c, in);
        return (struct view_req){0};
    }
    if (c->ask.kind != ASK_NONE) {
        chat_ask_key(c, in);
        return (struct view_req){0};
    }
    struct view_req req = {0};
    enum action a = keys_action(in, ON_CHAT, &req);
    if (a != ACT_NONE)
        req = chat_action(c, a, 1);
    return req;
}

/* An answer after the conversation closed, or from an earlier walk of it:
 * an export's outcome and a reply that failed are still news. */
static void chat_stray(struct response *r)
{
    if (r->req == REQ_EXPORT) {
        chat_exported(NULL, r);
        return;
    }
    if (r->req == REQ_SEND && r->status != CORE_OK)
        status_error("reply not sent: %s", r->err);
    worker_response_free(r);
}

/* The worker's answers: an export's outcome and answers of an earlier walk
 * here, the rest chat_load.c's. */
static struct view_req chat_take(struct view *v, struct response *r)
{
    struct chat_state *c = v->priv;
    if (r->req == REQ_EXPORT) {
        chat_exported(c, r);
        return (struct view_req){0};
    }
    if (r->gen != c->gen) {
        chat_stray(r);
        return (struct view_req){0};
    }
    return chat_answer(c, r);
}

static void chat_view_draw(struct view *v) { chat_draw(v->priv); }
static void chat_view_tick(struct view *v) { chat_tick(v->priv); }
static bool chat_view_busy(struct view *v, double *since) { return chat_busy(v->priv, since); }
static void chat_view_lost(struct view *v) { chat_conn_lost(v->priv); }
static void chat_view_regained(struct view *v) { chat_conn_back(v->priv); }

static void chat_view_changes(struct view *v, const int32_t *ids, size_t n, bool all)
{
    chat_changes(v->priv, ids, n, all);
}

const struct view_ops chat_view = {
    .name = "conversation",
    .worker = WORKER_CHAT,
    .open = chat_view_open,
    .close = chat_leave,
    .draw = chat_view_draw,
    .key = chat_key,
    .wheel = chat_view_wheel,
    .answer = chat_take,
    .stray = chat_stray,
    .changes = chat_view_changes,
    .tick = chat_view_tick,
    .busy = chat_view_busy,
    .lost = chat_view_lost,
    .regained = chat_view_regained,
};

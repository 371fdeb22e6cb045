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

static void chat_close(void)
{
    chat_layout_free();
    for (size_t i = 0; i < chat.n; i++)
        chat_msg_free((struct msg *)chat.msgs[i]);
    free(chat.msgs);
    free(chat.lines);
    free(chat.name);
    free(chat.phone);
    free(chat.older_cursor);
    free(chat.newer_cursor);
    text_hl_free(&chat.hl);
    ask_close(&chat.ask);
    memset(&chat, 0, sizeof chat);
    chat.match = -1;
}

static void chat_open(const struct core_row *row, const char *term, double at_ms)
{
    chat_close();
    chat.open = true;
    chat.opened_us = core_wall_us();
    chat.gen = worker_gen_next();
    chat.contact_id = row->contact_id;
    /* A contact without a name is known by its number. */
    char name[256], phone[96];
    const char *shown_phone = mask_shown_phone(row->phone_number, term_theme.utf8, phone, sizeof phone);
    chat.name = core_xstrdup(row->name && *row->name ? mask_shown_name(row->name, name, sizeof name)
                                                     : shown_phone);
    chat.phone = core_xstrdup(shown_phone);
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
        chat_request_around(row, at_ms);
        return;
    }
    chat.newer_end = true;
    chat_request_older();
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
    chat_layout_free();
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
    prompt_clear(&chat.reply);
    status_forget();
}

/* Text typed or pasted past the limit was not taken: say so, and keep a
 * cut message from going out until the user has edited it. */
static bool reply_cut(void)
{
    if (!chat.reply.dropped)
        return false;
    char max[32], n[32];
    fmt_count(max, sizeof max, (long long)chat.reply.max);
    fmt_count(n, sizeof n, (long long)chat.reply.dropped);
    status_error("a reply holds at most %s characters: %s not taken (edit it to send)", max, n);
    return true;
}

static void reply_key(const struct view_input *in)
{
    switch (prompt_input(&chat.reply, in, ON_CHAT, NULL)) {
    case PROMPT_EDITED:
        if (!reply_cut())
            status_forget_error();
        break;
    case PROMPT_ENTER:
        if (!reply_cut())
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
    long anchor = chat_bottom_msg();
    enum action move;
    switch (prompt_input(&chat.prompt, in, ON_CHAT, &move)) {
    case PROMPT_EDITED:
        status_forget();
        find_set_from_prompt();
        chat.t_key = core_now_ms();
        chat.find_loaded = 0;
        chat_find_from(anchor, -1);
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

/* ---- questions: t's date, e's file -------------------------------------- */

static void export_submit(const char *path, bool overwrite)
{
    struct request *req = chat_request(REQ_EXPORT, NULL, 0);
    req->text = core_xstrdup(path);
    req->overwrite = overwrite;
    req->keep = true;   /* finished even when the view closes first */
    worker_submit(WORKER_CHAT, req);
    status_note("writing %s\u2026", path);
}

static void ask_answered(const char *text)
{
    int64_t us;
    char when[40];
    switch (chat.ask.kind) {
    case ASK_GOTO:
        if (!goto_when(text, &us))
            return;   /* the box stays open to mend the date */
        ask_close(&chat.ask);
        chat_go_to_date(us);
        goto_describe(us, when, sizeof when);
        status_note("messages around %s (G: the newest)", when);
        return;
    case ASK_PATH:
        if (!*text) {
            status_error("no file name (Esc cancels)");
            return;
        }
        ask_close(&chat.ask);
        export_submit(text, false);
        return;
    case ASK_OVERWRITE: {
        char *path = chat.ask.held;
        chat.ask.held = NULL;
        ask_close(&chat.ask);
        export_submit(path, true);
        free(path);
        return;
    }
    default:
        ask_close(&chat.ask);
        return;
    }
}

static void chat_ask_key(const struct view_input *in)
{
    char text[4096];
    enum ask_kind kind = chat.ask.kind;
    switch (ask_key(&chat.ask, in, text, sizeof text)) {
    case ASK_ANSWERED:
        status_forget();
        ask_answered(text);
        break;
    case ASK_CANCELLED:
        ask_close(&chat.ask);
        status_forget();
        if (kind == ASK_OVERWRITE)
            status_note("not written: the file is left as it was");
        break;
    default:
        status_forget_error();
        break;
    }
}

/* The export's outcome, whether or not the conversation is still open. */
static void chat_exported(struct response *r)
{
    if (r->status == CORE_OK) {
        char n[32];
        fmt_count(n, sizeof n, (long long)r->total);
        status_note("wrote %s message%s to %s", n, r->total == 1 ? "" : "s", r->text);
    } else if (r->status == CORE_ERR_EXISTS && chat.open && r->gen == chat.gen) {
        ask_open(&chat.ask, ASK_OVERWRITE, NULL);
        chat.ask.held = core_xstrdup(r->text ? r->text : "");
        size_t len = strlen(chat.ask.held);
        if (len > 7 && strcmp(chat.ask.held + len - 7, " exists") == 0)
            chat.ask.held[len - 7] = '\0';
    } else {
        status_error("not exported: %s", r->text && *r->text ? r->text : r->err);
    }
    worker_response_free(r);
}

static struct view_req chat_action(enum action a, int count)
{
    struct view_req req = {0};
    long h = view_height(CHAT_TOP_LINES);
    if (chat.relayout || chat.laid_cols != COLS)
        chat_layout();
    /* Any other move ends a trip to the start. */
    chat.to_top = a == ACT_TOP && !chat.end;
    if (chat.to_top && !chat.have_start && !chat.start_loading)
        chat_request_start();   /* the oldest at once; the rest fills in */
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
    case ACT_TOP: chat.off = chat_max_off(); break;
    case ACT_BOTTOM:
        chat.off = 0;
        if (!chat.newer_end)
            chat_reset_to_newest();
        break;
    case ACT_SEARCH:
        chat.prompt.active = true;
        prompt_clear(&chat.prompt);
        status_forget();
        break;
    case ACT_COPY: {
        /* The current match, else the newest message in view. */
        long i = chat.match >= 0 ? chat.match : chat_bottom_msg();
        if (i >= 0 && (size_t)i < chat.n)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = chat.msgs[i]->content,
                                    .what = "the message"};
        break;
    }
    case ACT_COPY_PHONE:
        req = (struct view_req){.kind = VIEW_REQ_COPY, .text = mask_on ? NULL : chat.phone,
                                .what = mask_on ? "the phone number" : chat.phone};
        break;
    case ACT_GOTO:
        ask_open(&chat.ask, ASK_GOTO, NULL);
        status_forget();
        break;
    case ACT_EXPORT: {
        char path[64];
        export_default_path(chat.contact_id, path, sizeof path);
        ask_open(&chat.ask, ASK_PATH, path);
        status_forget();
        break;
    }
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
        long lo = chat_top_msg(), hi = chat_bottom_msg();
        bool seen = chat.match >= 0 && chat.match >= lo && chat.match <= hi;
        chat.wrap = true;
        chat.find_loaded = 0;   /* each n may load its share of older pages */
        if (a == ACT_FIND_NEXT)
            chat_find_from(seen ? chat.match - 1 : hi, -1);
        else
            chat_find_from(seen ? chat.match + 1 : lo, +1);
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
    chat_clamp_off();
    return req;
}

static void chat_wheel(int dir)
{
    (void)chat_action(dir < 0 ? ACT_UP : ACT_DOWN, 3);
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
    if (chat.ask.kind != ASK_NONE) {
        chat_ask_key(in);
        return (struct view_req){0};
    }
    struct view_req req = {0};
    enum action a = keys_action(in, ON_CHAT, &req);
    if (a != ACT_NONE)
        req = chat_action(a, 1);
    return req;
}

/* The worker's answers: an export's outcome here, the rest chat_load.c's. */
static struct view_req chat_take(struct response *r)
{
    if (r->req == REQ_EXPORT) {
        chat_exported(r);
        return (struct view_req){0};
    }
    return chat_answer(r);
}

const struct view_ops chat_view = {
    .name = "conversation",
    .worker = WORKER_CHAT,
    .open = chat_view_open,
    .close = chat_leave,
    .draw = chat_draw,
    .key = chat_key,
    .wheel = chat_wheel,
    .answer = chat_take,
    .changes = chat_changes,
    .tick = chat_tick,
    .busy = chat_busy,
};

/* tui/list.c - the list of conversations as a view: recent ones, or the
 * rows of a search. The keys, the search box (a search being typed lives
 * in `pending` until its first rows arrive; until then the previous rows
 * stay on screen), opening and closing, and the view's ops. The rows
 * themselves are list_model.c's, the screen list_draw.c's. */
#include "list.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "goto.h"
#include "history.h"
#include "keys.h"
#include "list_int.h"
#include "mask.h"
#include "prompt.h"
#include "status.h"
#include "text.h"
#include "worker.h"

static void search_prompt(struct list_state *l);
static struct view_req list_action(struct list_state *l, enum action a, int count, double at_ms);

/* ---- search ------------------------------------------------------------- */

static void show_recent(struct list_state *l)
{
    list_model_free(l->pending);
    l->pending = NULL;
    if (l->shown && l->shown->term[0] == 0) {
        list_model_retag(l->shown);
    } else if (l->saved) {
        list_model_free(l->shown);
        l->shown = l->saved;
        l->saved = NULL;
        list_model_retag(l->shown);
    } else {
        list_model_free(l->shown);
        l->shown = list_model_new("", core_now_ms());
    }
    text_hl_set(&l->hl, NULL);
    /* An abandoned search must not keep the connection busy. */
    worker_supersede(WORKER_LIST, l->shown->gen);
}

static void search(struct list_state *l, const char *term)
{
    if (!*term) {
        show_recent(l);
        return;
    }
    if (core_term_check(term) != CORE_OK) {
        status_error("search term too long or not valid UTF-8");
        return;
    }
    char bad[256];
    if (core_filter_problem(term, bad, sizeof bad)) {
        status_error("%s", bad); /* the box keeps the text to mend */
        return;
    }
    if (l->pending && strcmp(l->pending->term, term) == 0)
        return;
    if (l->shown && strcmp(l->shown->term, term) == 0) {
        /* Typed back to what is on screen: the search in flight is moot. */
        if (l->pending) {
            list_model_free(l->pending);
            l->pending = NULL;
            list_model_retag(l->shown);
            worker_supersede(WORKER_LIST, l->shown->gen);
        }
        return;
    }
    list_model_free(l->pending);
    l->pending = list_model_pending(term, l->prompt_t0);
}

static void search_prompt(struct list_state *l)
{
    char term[CORE_TERM_MAX_CHARS * 4 + 1];
    l->prompt_changed = false;
    prompt_utf8(&l->prompt, term, sizeof term);
    search(l, term);
}

/* A key while the search box is open: every change searches again (once
 * the keys read together are in, see list_tick). */
static struct view_req list_prompt_key(struct list_state *l, const struct view_input *in)
{
    if (in->is_key && (in->ch == KEY_UP || in->ch == KEY_DOWN)) {
        /* Earlier terms, of this session and before. */
        if (history_recall(&l->prompt, in->ch == KEY_UP ? -1 : 1)) {
            status_forget();
            l->prompt_changed = true;
            l->prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        }
        return (struct view_req){0};
    }
    enum action move;
    switch (prompt_input(&l->prompt, in, ON_LIST, &move)) {
    case PROMPT_EDITED:
        status_forget();
        l->prompt_changed = true;
        l->prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        break;
    case PROMPT_ENTER:
        l->prompt.active = false;
        if (l->prompt_changed)
            search_prompt(l);
        history_add(&l->prompt);
        if (l->prompt.len == 0)
            show_recent(l);
        break;
    case PROMPT_CANCEL:
        l->prompt_changed = false;
        show_recent(l);
        break;
    case PROMPT_MOVE:
        return list_action(l, move, 1, in->at_ms);
    default:
        break;
    }
    return (struct view_req){0};
}

/* ---- questions: t's date, n's new contact -------------------------------- */

static void ask_answered(struct list_state *l, const char *text)
{
    int64_t us;
    char when[40];
    switch (l->ask.kind) {
    case ASK_GOTO:
        if (!goto_when(text, &us))
            return;   /* the box stays open to mend the date */
        ask_close(&l->ask);
        list_go_to_date(l, us);
        goto_describe(us, when, sizeof when);
        status_note("conversations last active at or before %s (g: back to the newest)", when);
        return;
    case ASK_PHONE: {
        char e164[CORE_PHONE_SIZE];
        const char *why = core_phone_normalize(text, e164);
        if (why) {
            status_error("invalid phone number: %s", why);
            return;
        }
        ask_close(&l->ask);
        ask_open(&l->ask, ASK_NAME, NULL);
        l->ask.held = core_xstrdup(e164);
        return;
    }
    case ASK_NAME: {
        struct request *req = core_xcalloc(1, sizeof *req);
        req->kind = REQ_CONTACT_ADD;
        req->gen = worker_gen_next();
        req->text = core_xstrdup(l->ask.held);
        req->term = core_xstrdup(text);
        req->keep = true;
        worker_submit(WORKER_LIST, req);
        ask_close(&l->ask);
        status_note("adding the contact\u2026");
        return;
    }
    default:
        ask_close(&l->ask);
        return;
    }
}

static struct view_req list_ask_key(struct list_state *l, const struct view_input *in)
{
    char text[4096];
    switch (ask_key(&l->ask, in, text, sizeof text)) {
    case ASK_ANSWERED:
        status_forget();
        ask_answered(l, text);
        break;
    case ASK_CANCELLED:
        ask_close(&l->ask);
        status_forget();
        break;
    default:
        status_forget_error();
        break;
    }
    return (struct view_req){0};
}

/* A new contact's answer: opened, so that r writes its first message. The
 * response stays until the next one, since the row is handed to main. */
static struct view_req list_added(struct list_state *l, struct response *r)
{
    worker_response_free(l->added);
    l->added = NULL;
    if (r->status != CORE_OK || r->page.count != 1) {
        status_error("contact not added: %s", r->err);
        worker_response_free(r);
        return (struct view_req){0};
    }
    l->added = r;
    const struct core_row *row = &r->page.rows[0];
    status_note("added contact %d, %s: r writes the first message", (int)row->contact_id,
                row->phone_number);
    return (struct view_req){.kind = VIEW_REQ_OPEN, .row = row, .term = "",
                             .at_ms = core_now_ms()};
}

/* ---- actions ------------------------------------------------------------ */

/* at_ms: when the key was read. */
static struct view_req list_action(struct list_state *l, enum action a, int count, double at_ms)
{
    struct model *m = l->shown;
    struct view_req req = {0};
    long h = view_height(LIST_TOP_LINES);
    if (!m)
        return req;
    switch (a) {
    case ACT_DOWN: list_model_move(m, count, false); break;
    case ACT_UP: list_model_move(m, -count, false); break;
    case ACT_PAGE_DOWN: list_model_move(m, h * count, true); break;
    case ACT_PAGE_UP: list_model_move(m, -h * count, true); break;
    case ACT_HALF_DOWN: list_model_move(m, h / 2 > 0 ? h / 2 : 1, true); break;
    case ACT_HALF_UP: list_model_move(m, -(h / 2 > 0 ? h / 2 : 1), true); break;
    case ACT_TOP:
        if (m->reversed) {
            list_leave_end(l);
            break;
        }
        if (m->dated) {
            list_leave_date(l);
            break;
        }
        m->cur = m->top = 0;
        m->pending_move = 0;
        break;
    case ACT_BOTTOM: {
        if (!m->term[0] && !m->reversed && model_more(m)) {
            list_go_to_end(l);
            break;
        }
        size_t rows = model_rows(m);
        m->cur = rows ? rows - 1 : 0;
        list_scroll_into_view(m);
        break;
    }
    case ACT_OPEN: {
        const struct core_row *row = row_at(m, m->cur);
        if (row)
            list_model_follow(m, row->contact_id);
        if (row)
            req = (struct view_req){.kind = VIEW_REQ_OPEN, .row = row, .term = m->term,
                                    .at_ms = at_ms};
        break;
    }
    case ACT_SEARCH:
        if (m->reversed)
            list_leave_end(l);
        l->prompt.active = true;
        history_reset();
        status_forget();
        break;
    case ACT_COPY:
    case ACT_COPY_PHONE: {
        const struct core_row *row = row_at(m, m->cur);
        if (row && a == ACT_COPY && row->no_message)
            status_note("no message to copy: this contact has none yet");
        else if (row && a == ACT_COPY)
            req = (struct view_req){.kind = VIEW_REQ_COPY, .text = row->content,
                                    .what = "the message"};
        else if (row)
            req = (struct view_req){.kind = VIEW_REQ_COPY,
                                    .text = mask_on ? NULL : row->phone_number,
                                    .what = mask_on ? "the phone number" : row->phone_number};
        break;
    }
    case ACT_GOTO:
        ask_open(&l->ask, ASK_GOTO, NULL);
        status_forget();
        break;
    case ACT_NEW_CONTACT:
        ask_open(&l->ask, ASK_PHONE, "+");
        status_forget();
        break;
    case ACT_CLEAR:
        if (!m->term[0] && m->dated) {
            list_leave_date(l);
            break;
        }
        if (m->term[0] || l->pending) {
            prompt_clear(&l->prompt);
            show_recent(l);
        }
        break;
    default:
        break;
    }
    return req;
}

static void list_click(struct view *v, int y)
{
    struct list_state *l = v->priv;
    struct model *m = l->shown;
    if (!m || y < LIST_TOP_LINES || y >= LIST_TOP_LINES + view_height(LIST_TOP_LINES))
        return;
    size_t i = m->top + (size_t)(y - LIST_TOP_LINES);
    list_model_follow(m, 0);
    if (i < model_rows(m))
        m->cur = i;
}

static void list_wheel(struct view *v, int dir)
{
    struct list_state *l = v->priv;
    if (l->shown)
        list_model_move(l->shown, dir * 3, false);
}

/* The list's state is made when the program starts and goes when it ends:
 * the list is the bottom of the stack. */
static void list_open(struct view *v, const struct view_req *req)
{
    (void)req;
    struct list_state *l = core_xcalloc(1, sizeof *l);
    l->shown = list_model_new("", core_now_ms());
    v->priv = l;
}

static void list_close(struct view *v)
{
    struct list_state *l = v->priv;
    list_model_free(l->shown);
    list_model_free(l->pending);
    list_model_free(l->saved);
    list_model_free(l->forward);
    text_hl_free(&l->hl);
    history_free();
    ask_close(&l->ask);
    worker_response_free(l->added);
    free(l);
    v->priv = NULL;
}

static void list_tick(struct view *v)
{
    struct list_state *l = v->priv;
    if (l->prompt_changed)
        search_prompt(l);
    list_model_tick(l);
}

static struct view_req list_key(struct view *v, const struct view_input *in)
{
    struct list_state *l = v->priv;
    if (l->prompt.active)
        return list_prompt_key(l, in);
    if (l->ask.kind != ASK_NONE)
        return list_ask_key(l, in);
    struct view_req req = {0};
    if (l->shown)
        list_model_follow(l->shown, 0);   /* the user is back on the list */
    enum action a = keys_action(in, ON_LIST, &req);
    if (a != ACT_NONE)
        req = list_action(l, a, 1, in->at_ms);
    return req;
}

/* The worker's answers: pages for the models, or a contact added. */
static struct view_req list_take(struct view *v, struct response *r)
{
    if (r->req == REQ_CONTACT_ADD)
        return list_added(v->priv, r);
    return list_answer(v->priv, r);
}

static void list_view_draw(struct view *v) { list_draw(v->priv); }
static void list_view_lost(struct view *v) { list_model_conn_lost(v->priv); }
static void list_view_regained(struct view *v) { list_model_conn_back(v->priv); }
static bool list_view_busy(struct view *v, double *since) { return list_busy(v->priv, since); }
static double list_view_due_ms(struct view *v) { return list_due_ms(v->priv); }
static void list_view_drawn(struct view *v, double t) { list_drawn(v->priv, t); }
static void list_view_stats(struct view *v, FILE *f) { list_stats(v->priv, f); }

static void list_view_changes(struct view *v, const int32_t *ids, size_t n, bool all)
{
    list_changes(v->priv, ids, n, all);
}

const struct view_ops list_view = {
    .name = "list",
    .worker = WORKER_LIST,
    .open = list_open,
    .close = list_close,
    .draw = list_view_draw,
    .key = list_key,
    .wheel = list_wheel,
    .click = list_click,
    .answer = list_take,
    .changes = list_view_changes,
    .tick = list_tick,
    .lost = list_view_lost,
    .regained = list_view_regained,
    .busy = list_view_busy,
    .due_ms = list_view_due_ms,
    .drawn = list_view_drawn,
    .stats = list_view_stats,
};

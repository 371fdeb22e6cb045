/* tui/list.c - the list of conversations as a view: recent ones, or the
 * rows of a search. The keys, the search box (a search being typed lives
 * in `pending` until its first rows arrive; until then the previous rows
 * stay on screen), opening and closing, and the view's ops. The rows
 * themselves are list_model.c's, the screen list_draw.c's. */
#include "list.h"

#include <curses.h>
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

/* Keys that arrive together (a paste, fast typing over a slow link) make
 * one search, started when the batch of input has been read. */
static bool prompt_changed;
static double prompt_t0;     /* when the keys that changed it were read */
static void search_prompt(void);
static struct view_req list_action(enum action a, int count, double at_ms);

/* ---- search ------------------------------------------------------------- */

static void show_recent(void)
{
    list_model_free(list.pending);
    list.pending = NULL;
    if (list.shown && list.shown->term[0] == 0) {
        list_model_retag(list.shown);
    } else if (list.saved) {
        list_model_free(list.shown);
        list.shown = list.saved;
        list.saved = NULL;
        list_model_retag(list.shown);
    } else {
        list_model_free(list.shown);
        list.shown = list_model_new("", core_now_ms());
    }
    text_hl_set(&list.hl, NULL);
    /* An abandoned search must not keep the connection busy. */
    worker_supersede(WORKER_LIST, list.shown->gen);
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
    char bad[256];
    if (core_filter_problem(term, bad, sizeof bad)) {
        status_error("%s", bad); /* the box keeps the text to mend */
        return;
    }
    if (list.pending && strcmp(list.pending->term, term) == 0)
        return;
    if (list.shown && strcmp(list.shown->term, term) == 0) {
        /* Typed back to what is on screen: the search in flight is moot. */
        if (list.pending) {
            list_model_free(list.pending);
            list.pending = NULL;
            list_model_retag(list.shown);
            worker_supersede(WORKER_LIST, list.shown->gen);
        }
        return;
    }
    list_model_free(list.pending);
    list.pending = list_model_new(term, prompt_t0);
}

static void search_prompt(void)
{
    char term[CORE_TERM_MAX_CHARS * 4 + 1];
    prompt_changed = false;
    prompt_utf8(&list.prompt, term, sizeof term);
    search(term);
}

/* A key while the search box is open: every change searches again (once
 * the keys read together are in, see list_tick). */
static struct view_req list_prompt_key(const struct view_input *in)
{
    if (in->is_key && (in->ch == KEY_UP || in->ch == KEY_DOWN)) {
        /* Earlier terms, of this session and before. */
        if (history_recall(&list.prompt, in->ch == KEY_UP ? -1 : 1)) {
            status_forget();
            prompt_changed = true;
            prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        }
        return (struct view_req){0};
    }
    enum action move;
    switch (prompt_input(&list.prompt, in, ON_LIST, &move)) {
    case PROMPT_EDITED:
        status_forget();
        prompt_changed = true;
        prompt_t0 = in->at_ms > 0 ? in->at_ms : core_now_ms();
        break;
    case PROMPT_ENTER:
        list.prompt.active = false;
        if (prompt_changed)
            search_prompt();
        history_add(&list.prompt);
        if (list.prompt.len == 0)
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

/* ---- questions: t's date, n's new contact -------------------------------- */

static void ask_answered(const char *text)
{
    int64_t us;
    char when[40];
    switch (list.ask.kind) {
    case ASK_GOTO:
        if (!goto_when(text, &us))
            return;   /* the box stays open to mend the date */
        ask_close(&list.ask);
        list_go_to_date(us);
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
        ask_close(&list.ask);
        ask_open(&list.ask, ASK_NAME, NULL);
        list.ask.held = core_xstrdup(e164);
        return;
    }
    case ASK_NAME: {
        struct request *req = core_xcalloc(1, sizeof *req);
        req->kind = REQ_CONTACT_ADD;
        req->gen = worker_gen_next();
        req->text = core_xstrdup(list.ask.held);
        req->term = core_xstrdup(text);
        req->keep = true;
        worker_submit(WORKER_LIST, req);
        ask_close(&list.ask);
        status_note("adding the contact\u2026");
        return;
    }
    default:
        ask_close(&list.ask);
        return;
    }
}

static struct view_req list_ask_key(const struct view_input *in)
{
    char text[4096];
    switch (ask_key(&list.ask, in, text, sizeof text)) {
    case ASK_ANSWERED:
        status_forget();
        ask_answered(text);
        break;
    case ASK_CANCELLED:
        ask_close(&list.ask);
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
static struct view_req list_added(struct response *r)
{
    worker_response_free(list.added);
    list.added = NULL;
    if (r->status != CORE_OK || r->page.count != 1) {
        status_error("contact not added: %s", r->err);
        worker_response_free(r);
        return (struct view_req){0};
    }
    list.added = r;
    const struct core_row *row = &r->page.rows[0];
    status_note("added contact %d, %s: r writes the first message", (int)row->contact_id,
                row->phone_number);
    return (struct view_req){.kind = VIEW_REQ_OPEN, .row = row, .term = "",
                             .at_ms = core_now_ms()};
}

/* ---- actions ------------------------------------------------------------ */

/* at_ms: when the key was read. */
static struct view_req list_action(enum action a, int count, double at_ms)
{
    struct model *m = list.shown;
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
            list_leave_end();
            break;
        }
        if (m->dated) {
            list_leave_date();
            break;
        }
        m->cur = m->top = 0;
        m->pending_move = 0;
        break;
    case ACT_BOTTOM: {
        if (!m->term[0] && !m->reversed && model_more(m)) {
            list_go_to_end();
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
            list_leave_end();
        list.prompt.active = true;
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
        ask_open(&list.ask, ASK_GOTO, NULL);
        status_forget();
        break;
    case ACT_NEW_CONTACT:
        ask_open(&list.ask, ASK_PHONE, "+");
        status_forget();
        break;
    case ACT_CLEAR:
        if (!m->term[0] && m->dated) {
            list_leave_date();
            break;
        }
        if (m->term[0] || list.pending) {
            prompt_clear(&list.prompt);
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
    struct model *m = list.shown;
    if (!m || y < LIST_TOP_LINES || y >= LIST_TOP_LINES + view_height(LIST_TOP_LINES))
        return;
    size_t i = m->top + (size_t)(y - LIST_TOP_LINES);
    list_model_follow(m, 0);
    if (i < model_rows(m))
        m->cur = i;
}

static void list_wheel(int dir)
{
    if (list.shown)
        list_model_move(list.shown, dir * 3, false);
}

static void list_open(const struct view_req *req)
{
    (void)req;
    list.shown = list_model_new("", core_now_ms());
}

static void list_free(void)
{
    list_model_free(list.shown);
    list_model_free(list.pending);
    list_model_free(list.saved);
    list_model_free(list.forward);
    list.shown = list.pending = list.saved = list.forward = NULL;
    text_hl_free(&list.hl);
    history_free();
    ask_close(&list.ask);
    worker_response_free(list.added);
    list.added = NULL;
}

static void list_tick(void)
{
    if (prompt_changed)
        search_prompt();
    list_model_tick();
}

static struct view_req list_key(const struct view_input *in)
{
    if (list.prompt.active)
        return list_prompt_key(in);
    if (list.ask.kind != ASK_NONE)
        return list_ask_key(in);
    struct view_req req = {0};
    if (list.shown)
        list_model_follow(list.shown, 0);   /* the user is back on the list */
    enum action a = keys_action(in, ON_LIST, &req);
    if (a != ACT_NONE)
        req = list_action(a, 1, in->at_ms);
    return req;
}

/* The worker's answers: pages for the models, or a contact added. */
static struct view_req list_take(struct response *r)
{
    if (r->req == REQ_CONTACT_ADD)
        return list_added(r);
    return list_answer(r);
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
    .answer = list_take,
    .changes = list_changes,
    .tick = list_tick,
    .lost = list_model_conn_lost,
    .busy = list_busy,
    .due_ms = list_due_ms,
    .drawn = list_drawn,
    .stats = list_stats,
};

/* tests/tui/test_list_model.c - the list's rows and cursor (tui/list_model.c)
 * as live updates move the rows: the worker, the status bar and the screen
 * size are stand-ins here, the answers are made up, so what the model does
 * with each answer is checked without a database or a terminal. */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list_int.h"
#include "status.h"
#include "worker.h"

static int failed;
/* The list's state, as the view would own it. */
static struct list_state list;

/* ---- stand-ins for worker.c, status.c and text.c ---------------------------------- */

static struct request *asked[64];
static size_t nasked;
static uint64_t gens;
static char note[256];

void worker_submit(int worker, struct request *req)
{
    (void)worker;
    if (nasked < 64)
        asked[nasked++] = req;
}

void worker_supersede(int worker, uint64_t gen)
{
    (void)worker;
    (void)gen;
}

uint64_t worker_gen_next(void) { return ++gens; }

void worker_response_free(struct response *r)
{
    if (!r)
        return;
    if (r->have_page)
        core_page_free(&r->page);
    free(r);
}

void status_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
}

void status_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
}

void text_hl_set(struct hl *hl, const char *term)
{
    (void)hl;
    (void)term;
}

/* The last request for a page, taken off the queue. */
static struct request *take_request(void)
{
    if (nasked == 0)
        return NULL;
    struct request *r = asked[--nasked];
    nasked = 0;   /* older ones are stale */
    return r;
}

static void request_free(struct request *r)
{
    if (!r)
        return;
    free(r->term);
    free(r->cursor);
    free(r);
}

/* The answer to req: a whole page of these contacts, in this order, and
 * more after them when next is set. */
static void answer_more(struct request *req, const int32_t *ids, size_t n, const char *next)
{
    struct response *r = calloc(1, sizeof *r);
    r->kind = RESP_PAGE;
    r->gen = req->gen;
    r->page_index = req->page_index;
    r->status = CORE_OK;
    r->final = true;
    r->have_page = true;
    r->req = REQ_PAGE;
    r->total = -1;
    r->page.rows = calloc(n, sizeof *r->page.rows);
    r->page.count = n;
    for (size_t i = 0; i < n; i++) {
        r->page.rows[i].contact_id = ids[i];
        r->page.rows[i].name = "";
        r->page.rows[i].phone_number = "";
        r->page.rows[i].content = "";
        r->page.rows[i].created_at = "";
    }
    r->page.next_cursor = next ? strdup(next) : NULL;
    request_free(req);
    list_answer(&list, r);
}

static void answer(struct request *req, const int32_t *ids, size_t n)
{
    answer_more(req, ids, n, NULL);
}

static int32_t cursor_contact(void)
{
    const struct core_row *row = row_at(list.shown, list.shown->cur);
    return row ? row->contact_id : -1;
}

static void expect_at(const char *what, size_t row, int32_t contact)
{
    if (list.shown->cur != row || cursor_contact() != contact) {
        printf("FAIL: %s: cursor on row %zu (contact %d), want row %zu (contact %d)\n",
               what, list.shown->cur + 1, cursor_contact(), row + 1, contact);
        failed = 1;
    }
}

/* The recent list of contacts 1..10, on screen at the top. */
static void start(void)
{
    list_model_free(list.shown);
    list.shown = list_model_new("", 0);
    static const int32_t first[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    answer(take_request(), first, 10);
}

/* Contact 99 gets a message: the first page is asked for again. */
static struct request *news_from_99(void)
{
    int32_t id = 99;
    list_changes(&list, &id, 1, false);
    list_model_tick(&list);
    return take_request();
}

/* Contacts 1..10 of more: the next page is asked for at once. */
static struct request *start_more(void)
{
    list_model_free(list.shown);
    list.shown = list_model_new("", 0);
    static const int32_t first[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    answer_more(take_request(), first, 10, "after 10");
    list_model_tick(&list);
    return take_request();
}

static const int32_t second[] = {11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

static void expect_note(const char *what, const char *want)
{
    if (!strstr(note, want)) {
        printf("FAIL: %s: the note says '%s', want '%s'\n", what, note, want);
        failed = 1;
    }
    note[0] = 0;
}

static const int32_t with_99[] = {99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

int main(void)
{
    LINES = 30;

    /* The cursor moved while the refresh was on its way: it stays with
     * the conversation it is on when the rows come. */
    start();
    struct request *req = news_from_99();
    for (int i = 0; i < 3; i++)
        list_model_move(list.shown, 1, false);
    expect_at("before the news", 3, 4);
    answer(req, with_99, 11);
    expect_at("moved while the refresh was on its way", 4, 4);

    /* Moved before the news: it follows too. */
    start();
    for (int i = 0; i < 3; i++)
        list_model_move(list.shown, 1, false);
    answer(news_from_99(), with_99, 11);
    expect_at("moved before the news", 4, 4);

    /* On row 1 at the top it stays on row 1, the newest. */
    start();
    answer(news_from_99(), with_99, 11);
    expect_at("row 1 stays row 1", 0, 99);

    /* Back from a conversation opened on row 1: its row, not row 1. */
    start();
    list_model_follow(list.shown, 1);
    answer(news_from_99(), with_99, 11);
    expect_at("the conversation opened from row 1", 1, 1);

    /* Moves past the loaded rows run when the rows come soon. */
    req = start_more();
    list_model_move(list.shown, 15, false);
    answer_more(req, second, 10, NULL);
    expect_at("a move queued for the next page", 15, 16);

    /* ... not after the connection was lost, and the user is told. */
    req = start_more();
    list_model_move(list.shown, 15, false);
    list_model_conn_lost(&list);
    expect_note("the connection lost", "the connection was lost");
    answer_more(req, second, 10, NULL);
    expect_at("a move queued before the connection was lost", 9, 10);

    /* ... nor when the rows come more than a second after the key. */
    req = start_more();
    list_model_move(list.shown, 15, false);
    list.shown->pending_at -= 5000;
    answer_more(req, second, 10, NULL);
    expect_at("a move queued 5 s before its rows came", 9, 10);
    expect_note("rows 5 s late", "too late");

    /* Scrolled, the news are counted, every distinct conversation however
     * many: 1,500 of them, each twice. */
    list_model_free(list.shown);
    list.shown = list_model_new("", 0);
    int32_t many[100];
    for (int i = 0; i < 100; i++)
        many[i] = i + 1;
    answer(take_request(), many, 100);
    list_model_move(list.shown, 60, true);
    if (list.shown->top == 0) {
        printf("FAIL: the list did not scroll\n");
        failed = 1;
    }
    for (int round = 0; round < 2; round++) {
        for (int32_t from = 1000; from < 2500; from += 100) {
            int32_t ids[100];
            for (int i = 0; i < 100; i++)
                ids[i] = from + i;
            list_changes(&list, ids, 100, false);
        }
    }
    if (list.shown->news.n != 1500 || list.shown->news_many) {
        printf("FAIL: 1,500 conversations with news counted as %zu%s\n", list.shown->news.n,
               list.shown->news_many ? " and more" : "");
        failed = 1;
    }

    list_model_free(list.shown);
    list.shown = NULL;
    if (!failed)
        printf("ok: the cursor stays with its conversation as rows arrive above; queued moves run only soon and never after a lost connection; news counted\n");
    return failed;
}

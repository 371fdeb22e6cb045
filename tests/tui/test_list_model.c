/* tests/tui/test_list_model.c - the list's rows and cursor (tui/list_model.c)
 * through each of its transitions: rows arriving above the cursor, a page
 * fetched again that no longer meets the next, moves queued for rows not
 * loaded yet, the connection lost and back, a typed search pending. The
 * worker, the status bar and the screen size are stand-ins here, the
 * answers are made up, so what the model does with each answer is checked
 * without a database or a terminal. */
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

/* ---- stand-ins for worker.c, status.c, text.c and list_draw.c ------------------- */

#define SCREEN_ROWS 26

size_t list_screen_rows(void) { return SCREEN_ROWS; }

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

/* The rows drawn, top to bottom, are these contacts: none twice, none
 * missing. */
static void expect_rows(const char *what, const int32_t *ids, size_t n)
{
    size_t rows = model_rows(list.shown);
    bool same = rows == n;
    for (size_t i = 0; same && i < n; i++) {
        const struct core_row *row = row_at(list.shown, i);
        same = row && row->contact_id == ids[i];
    }
    if (same)
        return;
    printf("FAIL: %s: rows are", what);
    for (size_t i = 0; i < rows; i++) {
        const struct core_row *row = row_at(list.shown, i);
        printf(" %d", row ? row->contact_id : -1);
    }
    printf(", want");
    for (size_t i = 0; i < n; i++)
        printf(" %d", ids[i]);
    printf("\n");
    failed = 1;
}

static void expect_phase(const char *what, const struct model *m, enum list_phase want)
{
    if (!m || m->phase != want) {
        printf("FAIL: %s: phase %d, want %d\n", what, m ? (int)m->phase : -1, (int)want);
        failed = 1;
    }
}

/* Contacts 1..20 in two pages, both loaded, the cursor on contact 12. */
static void start_two_pages(void)
{
    answer_more(start_more(), second, 10, NULL);
    for (int i = 0; i < 11; i++)
        list_model_move(list.shown, 1, false);
    expect_at("on contact 12", 11, 12);
}

/* Contact 15 gets a message: the refreshed first page starts with it, so
 * it ends a row earlier, at contact 9, and no longer meets the second page
 * (which starts after contact 10). The rows from contact 9 on are fetched
 * again by the first page's own end: 15 shows once, 10 is not lost. */
static void test_page_no_longer_meets_next(void)
{
    start_two_pages();
    static const int32_t top[] = {15, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    answer_more(news_from_99(), top, 10, "after 9");
    struct request *gap = take_request();
    if (!gap || gap->page_index != 1 || !gap->cursor || strcmp(gap->cursor, "after 9") != 0) {
        printf("FAIL: the gap after the refreshed first page is not asked for by its end "
               "(asked: page %zu from %s)\n", gap ? gap->page_index : 0,
               gap && gap->cursor ? gap->cursor : "nothing");
        failed = 1;
        request_free(gap);
        return;
    }
    static const int32_t rest[] = {10, 11, 12, 13, 14, 16, 17, 18, 19, 20};
    answer_more(gap, rest, 10, NULL);
    static const int32_t want[] = {15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                                   11, 12, 13, 14, 16, 17, 18, 19, 20};
    expect_rows("a page refetched that no longer meets the next", want, 20);
    /* Contact 12 was selected: it still is, one row further down. */
    expect_at("the selection across the refetched gap", 12, 12);
}

/* PgDn past the loaded rows: it runs when the rows come within a second,
 * not after. */
static void test_queued_page_down(void)
{
    struct request *req = start_more();
    list_model_move(list.shown, SCREEN_ROWS, true);
    expect_at("PgDn before the rows came", 9, 10);
    answer_more(req, second, 10, NULL);
    expect_at("PgDn queued, its rows came at once", 19, 20);

    req = start_more();
    list_model_move(list.shown, SCREEN_ROWS, true);
    list.shown->pending_at -= 1500;   /* the key was pressed 1.5 s ago */
    answer_more(req, second, 10, NULL);
    expect_at("PgDn queued, its rows came 1.5 s later", 9, 10);
    expect_note("PgDn 1.5 s late", "too late");
}

/* The connection is lost: moves queued are dropped, moves typed while it
 * is down are not queued, and none runs when the rows come after it is
 * back; once back, moves queue again. */
static void test_reconnect(void)
{
    struct request *req = start_more();
    list_model_move(list.shown, SCREEN_ROWS, true);
    list_model_conn_lost(&list);
    expect_phase("the connection lost", list.shown, LIST_RECONNECTING);
    expect_note("a PgDn queued, the connection lost", "the connection was lost");
    list_model_move(list.shown, SCREEN_ROWS, true);
    expect_note("a PgDn while reconnecting", "dropped");
    list_model_conn_back(&list);
    expect_phase("the connection back", list.shown, LIST_SHOWING);
    answer_more(req, second, 10, NULL);   /* the worker's retry */
    expect_at("PgDn queued before and while reconnecting, rows after it", 9, 10);

    req = start_more();
    list_model_conn_lost(&list);
    list_model_conn_back(&list);
    list_model_move(list.shown, SCREEN_ROWS, true);
    answer_more(req, second, 10, NULL);
    expect_at("PgDn queued after the connection came back", 19, 20);
}

/* A term typed: pending (the rows shown stay) until its first rows come;
 * progress without rows makes it searching, its rows put it on screen. */
static void test_pending_term(void)
{
    start();
    list_model_free(list.pending);
    list.pending = list_model_pending("apple", 0);
    expect_phase("a term typed", list.pending, LIST_PENDING_TERM);
    struct request *req = take_request();
    struct response *r = calloc(1, sizeof *r);
    r->kind = RESP_PAGE;
    r->gen = req->gen;
    r->status = CORE_OK;
    r->req = REQ_PAGE;
    r->have_page = true;
    r->page.scanned_rows = 5000;
    list_answer(&list, r);
    expect_phase("progress of the search", list.pending, LIST_SEARCHING);
    static const int32_t hits[] = {7, 3};
    answer(req, hits, 2);
    if (list.pending) {
        printf("FAIL: the search's rows came and it is still pending\n");
        failed = 1;
    }
    expect_phase("the search answered", list.shown, LIST_SHOWING);
    expect_rows("the search's rows", hits, 2);
    list_model_free(list.saved);
    list.saved = NULL;
}

int main(void)
{
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

    test_page_no_longer_meets_next();
    test_queued_page_down();
    test_reconnect();
    test_pending_term();

    list_model_free(list.shown);
    list.shown = NULL;
    if (!failed)
        printf("ok: the cursor stays with its conversation as rows arrive above; a refreshed "
               "page that no longer meets the next refetches the gap; queued moves run only "
               "soon and never after a lost connection; a typed term is pending, then "
               "searching, then shown; news counted\n");
    return failed;
}

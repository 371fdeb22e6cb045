/* tui/worker.c - database work off the main thread.
 *
 * One thread per worker, each with its own core_conn: the list worker pages
 * recent conversations and runs searches, the chat worker loads one
 * conversation, so opening a conversation never waits behind a long search.
 * Answers go to one queue; a byte on a pipe wakes the main loop's poll().
 * A request of a newer generation drops queued older ones and cancels the
 * running one (from a helper thread), so stale searches never hold the
 * connection. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "export.h"

/* A partial search answer at least this often, so progress shows. */
#define SEARCH_BUDGET_MS 40.0
#define RECONNECT_PAUSE_MS 700
#define IDLE_PING_MS 4000

struct worker {
    int id;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct request *head, *tail;
    bool quit;
    bool running;
    bool running_keep;
    uint64_t running_gen;
    _Atomic uint64_t latest_gen;
    struct core_conn *conn;
    /* Sends go to the primary through a connection of their own when
     * reads may come from a standby (opened at the first send). */
    struct core_conn *writer;
    char *conninfo;
    char server[16];   /* last role posted for the status bar */
    bool started;
    /* PQcancel opens a connection to the server: a round trip the main
     * thread must not wait for, so a small thread of its own sends it. */
    pthread_t canceller;
    pthread_cond_t cancel_cv;
    bool cancel_wanted;
    bool canceller_started;
};

static struct worker workers[WORKER_COUNT];
static pthread_mutex_t answers_mu = PTHREAD_MUTEX_INITIALIZER;
static struct response *answers_head, *answers_tail;
static int wake_pipe[2] = {-1, -1};
static _Atomic uint64_t gen_counter;

uint64_t worker_gen_next(void)
{
    return atomic_fetch_add(&gen_counter, 1) + 1;
}

static void request_free(struct request *r)
{
    if (!r)
        return;
    free(r->term);
    free(r->cursor);
    free(r->text);
    free(r);
}

void worker_response_free(struct response *r)
{
    if (!r)
        return;
    if (r->have_page)
        core_page_free(&r->page);
    if (r->have_page2)
        core_page_free(&r->page2);
    free(r->ids);
    free(r->text);
    free(r);
}

void worker_post(struct response *r)
{
    pthread_mutex_lock(&answers_mu);
    r->next = NULL;
    if (answers_tail)
        answers_tail->next = r;
    else
        answers_head = r;
    answers_tail = r;
    pthread_mutex_unlock(&answers_mu);
    ssize_t n = write(wake_pipe[1], "w", 1);
    (void)n;   /* a full pipe already wakes the loop */
}

struct response *worker_take(void)
{
    pthread_mutex_lock(&answers_mu);
    struct response *r = answers_head;
    if (r) {
        answers_head = r->next;
        if (!answers_head)
            answers_tail = NULL;
        r->next = NULL;
    }
    pthread_mutex_unlock(&answers_mu);
    return r;
}

int worker_wake_fd(void)
{
    return wake_pipe[0];
}

void worker_drain_wake(void)
{
    char buf[256];
    while (read(wake_pipe[0], buf, sizeof buf) > 0)
        ;
}

static bool stale(struct worker *w, const struct request *req)
{
    return !req->keep && req->gen < atomic_load(&w->latest_gen);
}

static void post_state(struct worker *w, enum conn_state state, const char *err)
{
    struct response *r = core_xcalloc(1, sizeof *r);
    r->kind = RESP_STATE;
    r->worker = w->id;
    r->state = state;
    if (err)
        snprintf(r->err, sizeof r->err, "%s", err);
    worker_post(r);
}

/* Sleeps up to ms unless quitting or a new request wakes the worker. */
static bool pause_ms(struct worker *w, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->mu);
    if (!w->quit)
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    bool quit = w->quit;
    pthread_mutex_unlock(&w->mu);
    return !quit;
}

/* Until the server answers again. False when quitting. */
static bool reconnect(struct worker *w)
{
    post_state(w, CONN_RECONNECTING, core_conn_error(w->conn));
    for (;;) {
        if (core_conn_reset(w->conn) == CORE_OK)
            break;
        if (!pause_ms(w, RECONNECT_PAUSE_MS))
            return false;
    }
    post_state(w, CONN_OK, NULL);
    return true;
}

static bool is_lost(struct worker *w, enum core_status st)
{
    return st == CORE_ERR_LOST || st == CORE_ERR_CONNECT || core_conn_lost(w->conn);
}

static struct response *answer_for(struct worker *w, const struct request *req)
{
    struct response *r = core_xcalloc(1, sizeof *r);
    r->kind = RESP_PAGE;
    r->worker = w->id;
    r->gen = req->gen;
    r->page_index = req->page_index;
    r->send_seq = req->send_seq;
    r->from_start = req->from_start;
    r->req = req->kind;
    return r;
}

/* A send on the primary. With a reader that may sit on a standby it goes
 * through the writer, then waits (at most 1 s) until the standby has
 * replayed it, so the list read next shows it. */
static enum core_status send_on_primary(struct worker *w, const struct request *req,
                                        struct core_page *out)
{
    if (!core_conn_prefers_standby(w->conn) && !core_conn_on_standby(w->conn))
        return core_send(w->conn, req->contact_id, req->text, out);
    if (!w->writer) {
        char err[256];
        w->writer = core_conn_open_writer(w->conninfo, err, sizeof err);
        if (!w->writer)
            return CORE_ERR_CONNECT;
    }
    enum core_status st = core_send(w->writer, req->contact_id, req->text, out);
    if (st == CORE_OK)
        (void)core_conn_catch_up(w->conn, w->writer, 1000);
    return st;
}

/* A new contact, on the primary as a send is, as a one-row page: the
 * contact without messages, to open. */
static enum core_status contact_add_on_primary(struct worker *w, const struct request *req,
                                               struct core_page *out)
{
    struct core_conn *conn = w->conn;
    if (core_conn_prefers_standby(w->conn) || core_conn_on_standby(w->conn)) {
        if (!w->writer) {
            char err[256];
            w->writer = core_conn_open_writer(w->conninfo, err, sizeof err);
            if (!w->writer)
                return CORE_ERR_CONNECT;
        }
        conn = w->writer;
    }
    struct core_contact c;
    enum core_status st = core_contact_add(conn, req->text, req->term, &c);
    if (st != CORE_OK) {
        core_contact_free(&c);   /* CORE_ERR_EXISTS names the other contact */
        return st;
    }
    if (conn != w->conn)
        (void)core_conn_catch_up(w->conn, conn, 1000);
    st = core_contact_page(&c, out);
    core_contact_free(&c);
    return st;
}

/* The status bar names the server the list reads from when a standby is
 * in play: posted when it changes. */
static void note_server(struct worker *w)
{
    const char *role = "";
    if (core_conn_prefers_standby(w->conn) || core_conn_on_standby(w->conn))
        role = core_conn_on_standby(w->conn) ? "standby" : "primary";
    if (strcmp(role, w->server) == 0)
        return;
    snprintf(w->server, sizeof w->server, "%s", role);
    struct response *r = core_xcalloc(1, sizeof *r);
    r->kind = RESP_STATE;
    r->worker = w->id;
    r->state = CONN_OK;
    r->has_server = true;
    snprintf(r->server, sizeof r->server, "%s", role);
    worker_post(r);
}

/* One attempt at a request; returns the status of the failure, if any. */
static enum core_status run_once(struct worker *w, const struct request *req)
{
    enum core_status st;
    struct response *r;
    if (req->kind != REQ_PAGE || !req->term || !*req->term) {
        r = answer_for(w, req);
        if (req->kind == REQ_MESSAGES || req->kind == REQ_NEWEST)
            st = core_messages(w->conn, req->contact_id, req->cursor,
                               req->limit ? req->limit : WORKER_PAGE, &r->page);
        else if (req->kind == REQ_SEND)
            st = send_on_primary(w, req, &r->page);
        else if (req->kind == REQ_CONTACT_ADD)
            st = contact_add_on_primary(w, req, &r->page);
        else if (req->kind == REQ_EXPORT) {
            char note[4300];
            st = export_conversation(w->conn, req->contact_id, req->text, req->overwrite,
                                     &r->total, note, sizeof note);
            r->text = core_xstrdup(note);
            /* Its own outcome, told as it is: retried it would write twice. */
            r->status = st;
            st = CORE_OK;
        }
        else if (req->kind == REQ_NEWER)
            st = core_messages_newer(w->conn, req->contact_id, req->cursor,
                                     req->limit ? req->limit : WORKER_PAGE, &r->page);
        else if (req->kind == REQ_AROUND) {
            st = core_messages_around(w->conn, req->contact_id, req->at_us, req->message_id,
                                      req->limit ? req->limit : WORKER_PAGE, &r->page, &r->page2);
            if (st == CORE_OK)
                r->have_page2 = true;
            else
                core_page_free(&r->page2);
        } else if (req->reversed) {
            st = core_recent_reversed(w->conn, req->cursor, WORKER_PAGE, &r->page);
            /* The end's rows get their place in the whole list. */
            r->total = -1;
            if (st == CORE_OK && !req->cursor && core_recent_count(w->conn, &r->total) != CORE_OK)
                r->total = -1;
        }
        else
            st = core_recent(w->conn, req->cursor, WORKER_PAGE, &r->page);
        if (st != CORE_OK) {
            free(r);
            return st;
        }
        r->have_page = true;
        r->final = true;
        r->page.complete = true;
        worker_post(r);
        return CORE_OK;
    }
    struct core_search *s = NULL;
    st = core_search_open(w->conn, req->term, req->cursor, &s);
    if (st != CORE_OK)
        return st;
    for (;;) {
        if (stale(w, req)) {
            st = CORE_ERR_CANCELLED;
            break;
        }
        r = answer_for(w, req);
        st = core_search_next(s, WORKER_PAGE, SEARCH_BUDGET_MS, &r->page);
        if (st != CORE_OK) {
            free(r);
            break;
        }
        r->have_page = true;
        r->final = r->page.complete;
        if (stale(w, req)) {
            worker_response_free(r);
            st = CORE_ERR_CANCELLED;
            break;
        }
        bool final = r->final;
        worker_post(r);   /* r belongs to the main thread from here on */
        if (final)
            break;
    }
    core_search_close(s);
    return st;
}

static void run(struct worker *w, struct request *req)
{
    int cancelled = 0;
    for (;;) {
        if (stale(w, req))
            return;
        enum core_status st = run_once(w, req);
        if (st == CORE_OK)
            return;
        /* A send is never repeated: after a lost connection its outcome
         * is unknown, and the user decides. */
        if ((req->kind == REQ_SEND || req->kind == REQ_CONTACT_ADD) &&
            st != CORE_ERR_TEXT && st != CORE_ERR_NOT_FOUND &&
            is_lost(w, st)) {
            struct response *r = answer_for(w, req);
            r->status = st;
            r->final = true;
            snprintf(r->err, sizeof r->err, req->kind == REQ_SEND
                     ? "connection lost while sending: it may or may not have been sent"
                     : "connection lost while adding: the contact may or may not exist");
            worker_post(r);
            return;
        }
        if (st == CORE_ERR_CANCELLED) {
            /* A cancel aimed at an older request can land on this one. */
            if (stale(w, req))
                return;
            if (++cancelled <= 3)
                continue;
        }
        if (st != CORE_ERR_CANCELLED && is_lost(w, st)) {
            if (!reconnect(w))
                return;
            continue;
        }
        struct response *r = answer_for(w, req);
        r->status = st;
        r->final = true;
        bool wrote = req->kind == REQ_SEND || req->kind == REQ_CONTACT_ADD;
        const char *detail = core_conn_error(wrote && w->writer ? w->writer : w->conn);
        if ((st == CORE_ERR_EXISTS || st == CORE_ERR_PHONE) && detail && *detail)
            snprintf(r->err, sizeof r->err, "%s", detail);
        else if (detail && *detail && st != CORE_ERR_TEXT && st != CORE_ERR_NOT_FOUND)
            snprintf(r->err, sizeof r->err, "%s: %s", core_status_message(st), detail);
        else
            snprintf(r->err, sizeof r->err, "%s", core_status_message(st));
        worker_post(r);
        return;
    }
}

static void ping(struct worker *w)
{
    struct core_page page;
    memset(&page, 0, sizeof page);
    /* The messages of a contact that cannot exist: one index probe. */
    enum core_status st = core_messages(w->conn, INT32_MAX, NULL, 1, &page);
    if (st == CORE_OK)
        core_page_free(&page);
    else if (is_lost(w, st))
        reconnect(w);
}

/* Statements are planned once per session, at their first run, and over
 * many partitions that takes tens of milliseconds: the walks a key may ask
 * for later are run once at start-up on a contact that cannot exist, so
 * that opening a hit or G costs only the query. */
static void warm_up(struct worker *w)
{
    struct core_page a, b;
    /* The chat worker is idle at start-up; the list worker's first page
     * must not wait. */
    if (w->id != WORKER_CHAT)
        return;
    if (core_messages_around(w->conn, INT32_MAX, 0, 0, 1, &a, &b) == CORE_OK) {
        core_page_free(&a);
        core_page_free(&b);
    }
    if (core_messages_newer(w->conn, INT32_MAX, NULL, 1, &a) == CORE_OK)
        core_page_free(&a);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    warm_up(w);
    for (;;) {
        pthread_mutex_lock(&w->mu);
        bool idle_timeout = false;
        while (!w->head && !w->quit) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += IDLE_PING_MS / 1000;
            if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT) {
                idle_timeout = true;
                break;
            }
        }
        if (w->quit) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        struct request *req = NULL;
        if (w->head) {
            req = w->head;
            w->head = req->next;
            if (!w->head)
                w->tail = NULL;
            w->running = true;
            w->running_keep = req->keep;
            w->running_gen = req->gen;
        }
        pthread_mutex_unlock(&w->mu);
        if (req) {
            run(w, req);
            note_server(w);
            request_free(req);
            pthread_mutex_lock(&w->mu);
            w->running = false;
            pthread_mutex_unlock(&w->mu);
        } else if (idle_timeout && w->id == WORKER_LIST) {
            /* Notice a lost server while the user only reads. */
            ping(w);
            note_server(w);
        }
    }
    return NULL;
}

static void *canceller_main(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->cancel_wanted && !w->quit)
            pthread_cond_wait(&w->cancel_cv, &w->mu);
        if (w->quit)
            break;
        w->cancel_wanted = false;
        pthread_mutex_unlock(&w->mu);
        core_conn_cancel(w->conn);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

bool worker_start(const char *conninfo, char *err, size_t errlen)
{
    if (pipe(wake_pipe) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return false;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    for (int i = 0; i < WORKER_COUNT; i++) {
        struct worker *w = &workers[i];
        w->id = i;
        w->conninfo = conninfo ? strdup(conninfo) : NULL;
        w->conn = core_conn_open(conninfo, err, errlen);
        if (!w->conn)
            return false;
    }
    /* Signals belong to the main thread, which owns the terminal. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int i = 0; i < WORKER_COUNT; i++) {
        struct worker *w = &workers[i];
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->cv, NULL);
        pthread_cond_init(&w->cancel_cv, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            snprintf(err, errlen, "cannot start a thread");
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return false;
        }
        w->started = true;
        if (pthread_create(&w->canceller, NULL, canceller_main, w) != 0) {
            snprintf(err, errlen, "cannot start a thread");
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            return false;
        }
        w->canceller_started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return true;
}

void worker_stop(void)
{
    for (int i = 0; i < WORKER_COUNT; i++) {
        struct worker *w = &workers[i];
        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->quit = true;
        atomic_store(&w->latest_gen, UINT64_MAX);
        bool running = w->running;
        pthread_cond_broadcast(&w->cv);
        pthread_cond_broadcast(&w->cancel_cv);
        pthread_mutex_unlock(&w->mu);
        if (running)
            core_conn_cancel(w->conn);
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    for (int i = 0; i < WORKER_COUNT; i++) {
        struct worker *w = &workers[i];
        /* A connection attempt to a silent host can outlast the user's
         * patience: such a thread is left to die with the process. */
        if (w->started && pthread_timedjoin_np(w->thread, NULL, &until) != 0)
            continue;
        w->started = false;
        if (w->canceller_started && pthread_timedjoin_np(w->canceller, NULL, &until) != 0)
            continue;
        w->canceller_started = false;
        while (w->head) {
            struct request *r = w->head;
            w->head = r->next;
            request_free(r);
        }
        if (w->conn)
            core_conn_close(w->conn);
        w->conn = NULL;
        core_conn_close(w->writer);
        w->writer = NULL;
        free(w->conninfo);
        w->conninfo = NULL;
    }
    struct response *r;
    while ((r = worker_take()))
        worker_response_free(r);
}

/* Everything older than gen is stale: drop it from the queue and cancel it
 * if it runs. Returns with w->mu held. */
static bool supersede_locked(struct worker *w, uint64_t gen)
{
    pthread_mutex_lock(&w->mu);
    if (gen <= atomic_load(&w->latest_gen))
        return false;
    atomic_store(&w->latest_gen, gen);
    struct request **pp = &w->head;
    w->tail = NULL;
    while (*pp) {
        struct request *r = *pp;
        if (r->gen < gen && !r->keep) {
            *pp = r->next;
            request_free(r);
        } else {
            w->tail = r;
            pp = &r->next;
        }
    }
    return w->running && !w->running_keep && w->running_gen < gen;
}

void worker_supersede(int id, uint64_t gen)
{
    struct worker *w = &workers[id];
    if (supersede_locked(w, gen)) {
        w->cancel_wanted = true;
        pthread_cond_signal(&w->cancel_cv);
    }
    pthread_mutex_unlock(&w->mu);
}

void worker_submit(int id, struct request *req)
{
    struct worker *w = &workers[id];
    if (supersede_locked(w, req->gen)) {
        w->cancel_wanted = true;
        pthread_cond_signal(&w->cancel_cv);
    }
    req->next = NULL;
    if (w->tail)
        w->tail->next = req;
    else
        w->head = req;
    w->tail = req;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

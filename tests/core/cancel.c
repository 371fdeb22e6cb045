/* tests/core/cancel.c - a stale search is cancelled on the server, not
 * only in core. core_conn_cancel() sets a flag that makes the search answer
 * CORE_ERR_CANCELLED whatever the server does, so a test that looks only
 * at that answer passes without PQcancel; this one looks at the server
 * (pg_stat_activity). Runs in db.sh's database of its own, after core-db:
 * it locks messages and contacts for a moment. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "internal.h"
#include "../check.h"


/* The state of backend pid as pg_stat_activity shows it now ("active",
 * "idle", ...; "" when it is gone). admin runs outside a transaction, so
 * each call reads the activity afresh. */
static void backend_state(int pid, char *state, size_t len)
{
    char q[160];
    snprintf(q, sizeof q, "SELECT coalesce(max(state), '') FROM pg_stat_activity WHERE pid = %d",
             pid);
    PGresult *r = sql_result(q);
    snprintf(state, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

/* Until backend pid is (want_active) or is not running a statement, for at
 * most 10 s (a busy machine answers in milliseconds). Whether it got there. */
static bool await_backend(int pid, bool want_active)
{
    char state[32];
    for (int i = 0; i < 200; i++) {
        backend_state(pid, state, sizeof state);
        if ((strcmp(state, "active") == 0) == want_active)
            return true;
        usleep(50000);
    }
    return false;
}

struct search_thread {
    struct core_search *s;
    bool budget;              /* next() with a budget, then close */
    enum core_status st;
    bool complete;
};

/* Everything on conn happens here, so that the main thread, which holds
 * the lock, never waits on it. */
static void *search_thread_run(void *arg)
{
    struct search_thread *t = arg;
    struct core_page page;
    t->st = core_search_next(t->s, 10, t->budget ? 200 : 0, &page);
    if (t->st == CORE_OK) {
        t->complete = page.complete;
        core_page_free(&page);
    }
    if (t->budget)
        core_search_close(t->s);
    return NULL;
}

/* The search's statement waits on a lock that another session holds, so
 * without a cancel on the server it would run until that session ends.
 * Two ways a search goes stale: core_conn_cancel() from another thread
 * (a newer keystroke in convo) while the search waits, and
 * core_search_close() of a search whose budget ran out with its statement
 * still running (core_conn_settle). Either must end the statement on the
 * server: pg_stat_activity no longer shows it active. */
static void test_cancel_reaches_server(struct core_conn *conn)
{
    PGconn *locker = PQconnectdb("");
    CHECK(PQstatus(locker) == CONNECTION_OK, "locker: %s", PQerrorMessage(locker));
    if (PQstatus(locker) != CONNECTION_OK) {
        PQfinish(locker);
        return;
    }
    for (int way = 0; way < 2; way++) {
        const char *what = way == 0 ? "core_conn_cancel" : "core_search_close";
        /* A whole search first: what core reads once per connection (the
         * partitions) is read before the lock. */
        struct core_page page;
        CHECK(core_search(conn, "zebra", NULL, 10, &page) == CORE_OK, "search: %s",
              core_conn_error(conn));
        core_page_free(&page);
        struct search_thread t = {.budget = way == 1};
        CHECK(core_search_open(conn, "zebra", NULL, &t.s) == CORE_OK, "open: %s",
              core_conn_error(conn));
        if (!t.s)
            break;
        int pid = PQbackendPID(core_conn_pg(conn));
        PQclear(PQexec(locker, "BEGIN"));
        PGresult *r = PQexec(locker, "LOCK TABLE messages, contacts IN ACCESS EXCLUSIVE MODE");
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "lock: %s", PQresultErrorMessage(r));
        PQclear(r);
        pthread_t th;
        pthread_create(&th, NULL, search_thread_run, &t);
        bool waiting = await_backend(pid, true);
        CHECK(waiting, "%s: the search's statement never waited on the lock", what);
        if (way == 0)
            core_conn_cancel(conn);
        /* way 1: the budget runs out while the statement waits, and the
         * thread closes the search with the statement still running. */
        bool ended = waiting && await_backend(pid, false);
        char state[32];
        backend_state(pid, state, sizeof state);
        CHECK(ended, "%s: the stale search's statement still %s on the server 10 s later",
              what, state);
        PQclear(PQexec(locker, "COMMIT"));
        pthread_join(th, NULL);
        if (way == 0) {
            CHECK(t.st == CORE_ERR_CANCELLED, "%s: the search answered %s", what,
                  core_status_message(t.st));
            core_search_close(t.s);
        } else {
            CHECK(t.st == CORE_OK && !t.complete, "%s: a waiting search answered %s, complete %d",
                  what, core_status_message(t.st), t.complete);
        }
    }
    PQfinish(locker);
    struct core_page page;
    CHECK(core_search(conn, "zebra", NULL, 10, &page) == CORE_OK, "search after the cancels: %s",
          core_conn_error(conn));
    core_page_free(&page);
    check_ok("a stale search's statement ends on the server (cancel from another thread,"
             " close after its budget ran out)");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    admin_connect();
    char err[256];
    struct core_conn *conn = core_conn_open(NULL, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "core_conn_open: %s\n", err);
        return 1;
    }
    test_cancel_reaches_server(conn);
    core_conn_close(conn);
    PQfinish(admin);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}

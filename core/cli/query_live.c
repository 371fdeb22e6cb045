/* core/cli/query_live.c - convo-query follow and send: the live side of
 * convo-query. follow prints one JSON line per message as it commits;
 * send inserts an outbound message. Exit codes as convo-query's, and send
 * exits 1 for a contact that does not exist, 2 for text it refuses. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "lib.h"
#include "query_live.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int live_fail(struct core_conn *conn, enum core_status st)
{
    const char *msg = conn && *core_conn_error(conn) ? core_conn_error(conn)
                                                     : core_status_message(st);
    fprintf(stderr, "convo-query: %.*s\n", (int)strcspn(msg, "\r\n"), msg);
    return st == CORE_ERR_TEXT || st == CORE_ERR_USAGE ? 2 : 1;
}

/* One line, flushed; false when stdout is gone. */
static bool print_message(const struct core_row *row, double elapsed_ms, bool with_elapsed)
{
    fputs("{\"message\": ", stdout);
    json_message(stdout, row);
    if (with_elapsed)
        printf(", \"elapsed_ms\": %.3f", elapsed_ms);
    fputs("}\n", stdout);
    return fflush(stdout) == 0 && !ferror(stdout);
}

int query_send(const char *db, long contact_id, const char *text)
{
    char err[512];
    /* Writes go to the primary even when reads go to a standby. */
    struct core_conn *conn = core_conn_open_writer(db, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "convo-query: %.*s\n", (int)strcspn(err, "\r\n"), err);
        return 1;
    }
    struct core_page page;
    enum core_status st = core_send(conn, (int32_t)contact_id, text, &page);
    int rc = 0;
    if (st != CORE_OK)
        rc = live_fail(conn, st);
    else if (page.count != 1 || !print_message(&page.rows[0], page.elapsed_ms, true))
        rc = 1, fprintf(stderr, "convo-query: cannot write output: %s\n", strerror(errno ? errno : EIO));
    core_page_free(&page);
    core_conn_close(conn);
    return rc;
}

/* Wait for the socket to be readable, at most 1 s (the mark is then read
 * again, so a lost connection is noticed). false on a stop signal. */
static bool wait_news(struct core_conn *conn)
{
    int fd = core_conn_socket(conn);
    if (fd < 0) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        return !stop_requested;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int n = poll(&pfd, 1, 1000);
    (void)n;
    return !stop_requested;
}

int query_follow(const char *db, long limit)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);   /* no SA_RESTART: poll() returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char err[512];
    struct core_conn *conn = core_conn_open(db, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "convo-query: %.*s\n", (int)strcspn(err, "\r\n"), err);
        return 1;
    }
    struct core_follow *f;
    enum core_status st = core_follow_open(conn, &f);
    if (st != CORE_OK) {
        int rc = live_fail(conn, st);
        core_conn_close(conn);
        return rc;
    }
    long printed = 0;
    int rc = 0;
    while (!stop_requested && (limit == 0 || printed < limit)) {
        struct core_page page;
        st = core_follow_next(f, &page);
        if (st == CORE_OK) {
            for (size_t i = 0; i < page.count && (limit == 0 || printed < limit); i++, printed++)
                if (!print_message(&page.rows[i], 0, false)) {
                    fprintf(stderr, "convo-query: cannot write output: %s\n",
                            strerror(errno ? errno : EIO));
                    rc = 1;
                    stop_requested = 1;
                    break;
                }
        } else if (st != CORE_ERR_LOST && st != CORE_ERR_CONNECT) {
            rc = live_fail(conn, st);   /* lost: try again after the wait */
            core_page_free(&page);
            break;
        }
        core_page_free(&page);
        if (limit && printed >= limit)
            break;
        if (!wait_news(conn))
            break;
    }
    core_follow_close(f);
    core_conn_close(conn);
    return rc;
}

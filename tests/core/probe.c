/* tests/core/probe.c - a reader that prefers a standby but sits on the
 * primary looks for the standby again every 2 s; that look must never hold
 * up the reader's own statements, even when the "standby" accepts TCP and
 * never answers.
 *
 * core-probe CONNINFO: CONNINFO lists a host that never answers first and
 * the primary second, with target_session_attrs=prefer-standby. After the
 * connect (libpq's own, slow: connect_timeout per try), three searches
 * 2.2 s apart (each with a look for the standby due) must each answer from
 * the primary in under 1.5 s. Exit 0 when all hold, 1 with one line. */
#include <stdio.h>
#include <time.h>

#include "lib.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: core-probe CONNINFO\n");
        return 2;
    }
    char err[512];
    struct core_conn *conn = core_conn_open(argv[1], err, sizeof err);
    if (!conn) {
        printf("FAIL: connect: %s\n", err);
        return 1;
    }
    if (core_conn_on_standby(conn) || !core_conn_prefers_standby(conn)) {
        printf("FAIL: not a reader on the primary that prefers a standby: %s\n",
               core_conn_server(conn));
        core_conn_close(conn);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < 3 && rc == 0; i++) {
        sleep_ms(2200);
        double t0 = core_now_ms();
        struct core_page page;
        enum core_status st = core_search(conn, "the", NULL, 10, &page);
        double took = core_now_ms() - t0;
        if (st != CORE_OK) {
            printf("FAIL: search %d: %s\n", i + 1, core_conn_error(conn));
            rc = 1;
        } else if (took > 1500) {
            printf("FAIL: search %d took %.0f ms: the look for a standby held it up\n", i + 1, took);
            rc = 1;
        } else if (core_conn_on_standby(conn)) {
            printf("FAIL: search %d: moved to a \"standby\" that never answers\n", i + 1);
            rc = 1;
        } else {
            printf("ok: search %d answered from the %s in %.0f ms\n", i + 1,
                   core_conn_server(conn), took);
        }
        core_page_free(&page);
    }
    core_conn_close(conn);
    return rc;
}

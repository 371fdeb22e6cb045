/* tests/scale/standby_walk.c - one reader walking recent pages while its
 * standby stops and starts again, plus a write through the writer.
 *
 * standby-walk STOP_CMD START_CMD EXPECTED_ROWS
 * The PG* environment holds a multi-host conninfo with
 * target_session_attrs=prefer-standby. Checks, in one process and one
 * reader connection: the walk starts on the standby; STOP_CMD (run after
 * page 2) does not make any page fail, the rest of the walk comes from the
 * primary and the walk holds EXPECTED_ROWS distinct conversations; after
 * START_CMD the reader is back on the standby within 5 s; a message written
 * through core_conn_open_writer() is on the reader's first page right after
 * core_conn_catch_up(). Exit 0 when all hold, 1 with one line otherwise. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "lib.h"

static int failf(const char *what, const char *detail)
{
    printf("FAIL: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Walks every page; runs stop_cmd after page 2. Returns rows seen, or -1. */
static long walk(struct core_conn *reader, const char *stop_cmd, int32_t *seen, long cap)
{
    char *cursor = NULL;
    long rows = 0;
    for (int page = 1;; page++) {
        struct core_page p;
        enum core_status st = core_recent(reader, cursor, 7, &p);
        if (st != CORE_OK) {
            printf("FAIL: page %d after the standby stopped: %s: %s\n", page,
                   core_status_message(st), core_conn_error(reader));
            free(cursor);
            return -1;
        }
        for (size_t i = 0; i < p.count && rows < cap; i++)
            seen[rows++] = p.rows[i].contact_id;
        free(cursor);
        cursor = p.next_cursor ? strdup(p.next_cursor) : NULL;
        core_page_free(&p);
        if (page == 2) {
            if (!core_conn_on_standby(reader))
                return failf("pages 1-2 were not read from the standby", core_conn_server(reader)), -1;
            if (system(stop_cmd) != 0)
                return failf("the stop command failed", stop_cmd), -1;
        }
        if (!cursor)
            break;
    }
    if (core_conn_on_standby(reader))
        return failf("the walk stayed on a stopped standby", core_conn_server(reader)), -1;
    return rows;
}

static int cmp_int(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A message written on the writer shows on the reader after catch-up. */
static int write_and_read(struct core_conn *reader, struct core_conn *writer)
{
    PGconn *pg = core_conn_pg(writer);
    if (!pg)
        return failf("writer lost", core_conn_error(writer));
    PGresult *r = PQexec(pg, "INSERT INTO messages (contact_id, direction, content, created_at)"
                             " SELECT min(id), 'out', 'standby walk write', now() FROM contacts"
                             " RETURNING id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return failf("insert on the writer", PQerrorMessage(pg));
    long long id = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    enum core_status st = core_conn_catch_up(reader, writer, 1000);
    if (st != CORE_OK)
        return failf("catch up within 1 s", core_conn_error(reader));
    struct core_page p;
    if ((st = core_recent(reader, NULL, 1, &p)) != CORE_OK)
        return failf("first page after the write", core_conn_error(reader));
    bool there = p.count == 1 && p.rows[0].message_id == id;
    core_page_free(&p);
    if (!there)
        return failf("the written message is not on top of the standby's list", NULL);
    if (!core_conn_on_standby(reader))
        return failf("the read after the write was not on the standby", core_conn_server(reader));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: standby-walk STOP_CMD START_CMD EXPECTED_ROWS\n");
        return 2;
    }
    long expected = atol(argv[3]);
    char err[512];
    struct core_conn *reader = core_conn_open(NULL, err, sizeof err);
    if (!reader)
        return failf("open the reader", err);
    struct core_conn *writer = core_conn_open_writer(NULL, err, sizeof err);
    if (!writer)
        return failf("open the writer", err);
    if (core_conn_on_standby(writer))
        return failf("the writer is on a standby", core_conn_server(writer));

    int32_t *seen = calloc((size_t)expected + 8, sizeof *seen);
    long rows = walk(reader, argv[1], seen, expected + 8);
    if (rows < 0)
        return 1;
    qsort(seen, (size_t)rows, sizeof *seen, cmp_int);
    for (long i = 1; i < rows; i++)
        if (seen[i] == seen[i - 1])
            return failf("a conversation showed twice across the fallback", NULL);
    if (rows != expected) {
        printf("FAIL: the walk held %ld conversations, want %ld\n", rows, expected);
        return 1;
    }
    free(seen);
    printf("ok: walk fell back to the primary without an error (%s)\n", core_conn_server(reader));

    if (system(argv[2]) != 0)
        return failf("the start command failed", argv[2]);
    bool back = false;
    for (int i = 0; i < 50 && !back; i++) {
        struct core_page p;
        if (core_recent(reader, NULL, 1, &p) == CORE_OK)
            core_page_free(&p);
        back = core_conn_on_standby(reader);
        if (!back)
            sleep_ms(100);
    }
    if (!back)
        return failf("the reader did not come back to the standby within 5 s",
                     core_conn_server(reader));
    printf("ok: back on the standby (%s)\n", core_conn_server(reader));

    if (write_and_read(reader, writer))
        return 1;
    printf("ok: a write through the writer is on the standby's first page after catch-up\n");
    core_conn_close(writer);
    core_conn_close(reader);
    return 0;
}

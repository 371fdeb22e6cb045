/* tests/seeder/seed_hooks.c - the faults of convo-seed-test, the tests'
 * copy of convo-seed (seeder/hooks.h; the release program links
 * seeder/hooks_none.c instead). Read from the environment, each a fixed
 * behaviour, never a command:
 *
 *   CONVO_SEED_TEST_COMMIT=lose-before   the connection's socket is
 *       replaced by a closed one before COMMIT is sent
 *   CONVO_SEED_TEST_COMMIT=lose-after    the same once the server has
 *       answered COMMIT (the answer is never read)
 *   CONVO_SEED_TEST_COMMIT=kill-server   the server process is stopped
 *       (SIGSTOP) before COMMIT reaches it, terminated after it was sent
 *   CONVO_SEED_TEST_COMMIT=unreachable   the database refuses new
 *       connections, then as lose-before
 *   CONVO_SEED_TEST_RECONNECT_S, CONVO_SEED_LOCK_WAIT_S  shorter waits */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hooks.h"

static bool fault_is(const char *name)
{
    const char *f = getenv("CONVO_SEED_TEST_COMMIT");
    return f && strcmp(f, name) == 0;
}

/* Run sql on the server's postgres database beside conn's session. */
static void beside(PGconn *conn, const char *sql)
{
    const char *keys[] = {"host", "port", "user", "dbname", NULL};
    const char *vals[] = {PQhost(conn), PQport(conn), PQuser(conn), "postgres", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fprintf(stderr, "convo-seed-test: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* In the socket's place, one whose other end is closed: the server sees
 * the connection end, libpq sees it closed by the server. */
static void lose(PGconn *conn, bool answered)
{
    int fd = PQsocket(conn);
    if (answered) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        poll(&pfd, 1, 10000);
    }
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
        close(pair[1]);
        dup2(pair[0], fd);
        close(pair[0]);
    }
}

void seed_hook_commit(PGconn *conn, bool sent)
{
    int pid = PQbackendPID(conn);
    char sql[256];
    if (fault_is("kill-server") && !sent) {
        kill(pid, SIGSTOP);
    } else if (fault_is("kill-server")) {
        snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
        beside(conn, sql);
        kill(pid, SIGCONT);
    } else if (fault_is("unreachable") && !sent) {
        char *db = PQescapeIdentifier(conn, PQdb(conn), strlen(PQdb(conn)));
        snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS false", db ? db : "\"\"");
        PQfreemem(db);
        beside(conn, sql);
        lose(conn, false);
    } else if (fault_is(sent ? "lose-after" : "lose-before")) {
        lose(conn, sent);
    }
}

/* CONVO_SEED_TEST_SNAPSHOT_SQL: a statement run on the database
 * CONVO_SEED_TEST_SNAPSHOT_DB names once an import's snapshot is taken
 * (import.sh writes into the source there: those rows must not be copied). */
void seed_hook_snapshot(void)
{
    const char *sql = getenv("CONVO_SEED_TEST_SNAPSHOT_SQL");
    if (!sql)
        return;
    PGconn *conn = PQconnectdb(getenv("CONVO_SEED_TEST_SNAPSHOT_DB") ? getenv("CONVO_SEED_TEST_SNAPSHOT_DB") : "");
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "convo-seed-test: the snapshot hook failed: %s", PQerrorMessage(conn));
    PQclear(res);
    PQfinish(conn);
}

double seed_hook_wait_s(enum seed_wait which, double normal_s)
{
    const char *v = getenv(which == SEED_WAIT_LOCK ? "CONVO_SEED_LOCK_WAIT_S"
                                                   : "CONVO_SEED_TEST_RECONNECT_S");
    return v && *v ? atof(v) : normal_s;
}

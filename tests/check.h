/* tests/check.h - what the C suites that run against a database share: a
 * CHECK that counts a failure and goes on, an "ok:" line that is printed
 * only while no check has failed, and set-up statements on the admin
 * connection that must succeed. Included by one file per program, whose
 * main() returns non-zero when failures is not 0. */
#ifndef CONVO_TESTS_CHECK_H
#define CONVO_TESTS_CHECK_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;
static PGconn *admin;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

/* "ok: WHAT" on stdout, unless a check has failed: after a FAIL line the
 * program never says ok again (a reader of the log would take the last
 * ok for the verdict), and main() ends with status 1. */
__attribute__((format(printf, 1, 2))) static inline void check_ok(const char *fmt, ...)
{
    if (failures)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ok: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

/* Connect admin to the database libpq's environment names; a failure
 * ends the program. */
static inline void admin_connect(void)
{
    admin = PQconnectdb("");
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(admin));
        exit(1);
    }
}

/* Run q on admin and return its result (the caller clears it); a failure
 * ends the program, naming the statement. */
static inline PGresult *sql_result(const char *q)
{
    PGresult *r = PQexec(admin, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "setup failed: %s\n%s\n", PQerrorMessage(admin), q);
        exit(1);
    }
    return r;
}

static inline void sql(const char *q)
{
    PQclear(sql_result(q));
}

#endif

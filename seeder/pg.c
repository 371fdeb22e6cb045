/* seeder/pg.c - the loader's small libpq helpers (see pg.h). */
#include "pg.h"

#include "lib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void seed_pg_error(char *err, size_t errlen, const char *what, const char *msg)
{
    if (!msg || !*msg)
        msg = "unknown error";
    if (strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    size_t n = strcspn(msg, "\n");
    if (what)
        snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
    else
        snprintf(err, errlen, "%.*s", (int)n, msg);
}

_Thread_local char seed_pg_sqlstate[6];

bool seed_pg_run(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(seed_pg_sqlstate, sizeof seed_pg_sqlstate, "%s", state ? state : "");
    }
    PQclear(res);
    return ok;
}

bool seed_pg_runf(PGconn *conn, char *err, size_t errlen, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return seed_pg_run(conn, sql, err, errlen);
}

/* conninfo is already resolved by core's rule (seeder/main.c); libpq's
 * message goes through core's redaction, since it may quote a password. */
PGconn *seed_pg_connect(const char *conninfo, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(conn) != CONNECTION_OK) {
        char safe[512];
        core_conninfo_redact(conninfo, PQerrorMessage(conn), safe, sizeof safe);
        seed_pg_error(err, errlen, "cannot connect to the database", safe);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, seed_pg_quiet_notice, NULL);
    PGresult *res = PQexec(conn, "SET client_min_messages = warning");
    PQclear(res);
    return conn;
}

void seed_pg_quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

void seed_pg_timestamp(char *buf, size_t len, int64_t unix_us)
{
    time_t secs = (time_t)(unix_us / 1000000);
    if (unix_us < 0 && unix_us % 1000000)
        secs--;
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* PostgreSQL writes years before 1 AD as 'BC' (year 0 is 1 BC); an
     * imported history may reach there. */
    long year = (long)tm.tm_year + 1900;
    snprintf(buf, len, "%04ld-%02d-%02d %02d:%02d:%02d+00%s", year > 0 ? year : 1 - year,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, year > 0 ? "" : " BC");
}

bool seed_pg_debug(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("CONVO_SEED_DEBUG") != NULL;
    return on;
}

double seed_pg_backend_cpu(PGconn *conn)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", PQbackendPID(conn));
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}


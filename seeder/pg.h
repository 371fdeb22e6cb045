/* seeder/pg.h - the loader's small libpq helpers: opening a connection by
 * an already resolved conninfo, running a statement with its error as one
 * line, and the debug output used for tuning. */
#ifndef CONVO_SEED_PG_H
#define CONVO_SEED_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema the data set is built in before it is swapped into public. */
#define STAGE "convo_stage"

/* First line of a libpq message, without the "ERROR:  " noise, after
 * "what: " when what is given. */
void seed_pg_error(char *err, size_t errlen, const char *what, const char *msg);
/* SQLSTATE of this thread's last failed seed_pg_run(). */
extern _Thread_local char seed_pg_sqlstate[6];
/* Run sql; false with err set (and seed_pg_sqlstate) when it failed. */
bool seed_pg_run(PGconn *conn, const char *sql, char *err, size_t errlen);
bool seed_pg_runf(PGconn *conn, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Connect with notices off and client_min_messages = warning; NULL with
 * err set (password redacted) on failure. */
PGconn *seed_pg_connect(const char *conninfo, char *err, size_t errlen);
/* A notice processor that drops every notice. */
void seed_pg_quiet_notice(void *arg, const char *msg);
/* unix_us as a timestamptz literal: 'YYYY-MM-DD HH:MM:SS+00' (' BC' after it
 * before year 1). */
void seed_pg_timestamp(char *buf, size_t len, int64_t unix_us);
/* CONVO_SEED_DEBUG is set: print timings on stderr, for tuning. */
bool seed_pg_debug(void);
/* CPU seconds the server process behind conn has used, when it runs on this
 * machine and we may read its /proc entry; else -1. For tuning only. */
double seed_pg_backend_cpu(PGconn *conn);

#endif

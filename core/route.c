/* core/route.c - which server a connection talks to: reads on a streaming
 * standby, writes on the primary.
 *
 * A reader opened with a multi-host conninfo and
 * target_session_attrs=prefer-standby lands on a standby when one answers,
 * else on the primary. Before each statement core checks that an idle
 * session is still alive (a standby that was stopped has closed it), so the
 * next call reconnects and falls back at once instead of failing; while a
 * reader that prefers a standby sits on the primary, core probes for a
 * standby every CORE_ROUTE_PROBE_MS and moves back to it between
 * statements. A writer is the same conninfo with
 * target_session_attrs=read-write: always the primary. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "internal.h"

/* How often a reader that prefers a standby but sits on the primary looks
 * for the standby again. */
#define CORE_ROUTE_PROBE_MS 2000.0

/* ---- conninfo with one option replaced ----------------------------------- */

static bool route_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t c = (*len + n + 1) * 2;
        char *p = realloc(*buf, c);
        if (!p)
            return false;
        *buf = p;
        *cap = c;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return true;
}

/* keyword='value' with \ and ' escaped, as libpq reads it. */
static bool route_append_pair(char **buf, size_t *len, size_t *cap, const char *key,
                              const char *val)
{
    if (!route_append(buf, len, cap, *len ? " " : "") || !route_append(buf, len, cap, key) ||
        !route_append(buf, len, cap, "='"))
        return false;
    for (const char *c = val; *c; c++) {
        char one[3] = {0};
        if (*c == '\\' || *c == '\'')
            one[0] = '\\', one[1] = *c;
        else
            one[0] = *c;
        if (!route_append(buf, len, cap, one))
            return false;
    }
    return route_append(buf, len, cap, "'");
}

/* conninfo (string or URI, "" = the environment) with target_session_attrs
 * set to attrs. NULL when conninfo does not parse (err says why) or memory
 * ran out. The caller frees the result. */
static char *route_with_attrs(const char *conninfo, const char *attrs, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
    if (!opts) {
        snprintf(err, errlen, "%s: %s", core_status_message(CORE_ERR_CONNECT),
                 perr ? perr : core_status_message(CORE_ERR_NOMEM));
        for (char *p = err; *p; p++)
            if (*p == '\n')
                *p = ' ';
        PQfreemem(perr);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = route_append(&buf, &len, &cap, "");
    for (PQconninfoOption *o = opts; ok && o->keyword; o++)
        if (o->val && strcmp(o->keyword, "target_session_attrs") != 0)
            ok = route_append_pair(&buf, &len, &cap, o->keyword, o->val);
    ok = ok && route_append_pair(&buf, &len, &cap, "target_session_attrs", attrs);
    PQconninfoFree(opts);
    if (!ok) {
        free(buf);
        snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        return NULL;
    }
    return buf;
}

/* ---- public --------------------------------------------------------------- */

struct core_conn *core_conn_open_writer(const char *conninfo, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    char *rw = route_with_attrs(core_conninfo_resolve(conninfo), "read-write", err, errlen);
    if (!rw)
        return NULL;
    struct core_conn *conn = core_conn_open(rw, err, errlen);
    free(rw);
    if (conn)
        conn->route.writer = true;
    return conn;
}

const char *core_conn_server(const struct core_conn *conn)
{
    if (!conn || !conn->pg || conn->lost || !conn->route.server[0])
        return "not connected";
    return conn->route.server;
}

bool core_conn_on_standby(const struct core_conn *conn)
{
    return conn && conn->pg && !conn->lost && conn->route.on_standby;
}

bool core_conn_prefers_standby(const struct core_conn *conn)
{
    return conn && conn->route.prefers_standby;
}

/* The server's WAL position as text, or false. */
static bool route_lsn(PGconn *pg, const char *sql, char *out, size_t outlen)
{
    PGresult *r = PQexec(pg, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
    if (ok)
        snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

enum core_status core_conn_catch_up(struct core_conn *reader, struct core_conn *writer,
                                    double timeout_ms)
{
    if (!reader || !writer)
        return CORE_ERR_USAGE;
    if (reader->busy)
        core_conn_settle(reader);
    if (writer->busy)
        core_conn_settle(writer);
    enum core_status st = core_conn_ready(reader);
    if (st != CORE_OK)
        return st;
    if (!reader->route.on_standby)
        return CORE_OK;
    if ((st = core_conn_ready(writer)) != CORE_OK)
        return st;
    char target[64], seen[64];
    if (!route_lsn(writer->pg, "SELECT pg_current_wal_lsn()::text", target, sizeof target))
        return core_conn_fail(writer, "cannot read the primary's WAL position", NULL);
    double deadline = core_now_ms() + timeout_ms;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", target);
    for (;;) {
        if (!route_lsn(reader->pg, sql, seen, sizeof seen))
            return core_conn_fail(reader, "cannot read the standby's replay position", NULL);
        if (strcmp(seen, "t") == 0)
            return CORE_OK;
        if (core_now_ms() >= deadline) {
            snprintf(reader->err, sizeof reader->err, "the standby is behind the primary");
            return CORE_ERR_QUERY;
        }
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ---- core's hooks ------------------------------------------------------- */

void core_route_started(struct core_conn *conn)
{
    PGconn *pg = conn->pg;
    const char *hs = PQparameterStatus(pg, "in_hot_standby");
    bool standby;
    if (hs) {
        standby = strcmp(hs, "on") == 0;
    } else { /* servers before 14 do not report it */
        char v[8] = "";
        standby = route_lsn(pg, "SELECT pg_is_in_recovery()::text", v, sizeof v) &&
                  strcmp(v, "true") == 0;
    }
    conn->route.on_standby = standby;
    conn->route.prefers_standby = false;
    PQconninfoOption *opts = PQconninfo(pg);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "target_session_attrs") == 0 && o->val)
            conn->route.prefers_standby = strcmp(o->val, "prefer-standby") == 0;
    PQconninfoFree(opts);
    const char *host = PQhost(pg), *port = PQport(pg);
    snprintf(conn->route.server, sizeof conn->route.server, "%s %s%s%s",
             standby ? "standby" : "primary", host && *host ? host : "localhost",
             port && *port ? ":" : "", port ? port : "");
    conn->route.probed_ms = core_now_ms();
}

/* A standby answers now (a short connection that asks for nothing else). */
static bool route_standby_answers(const struct core_conn *conn)
{
    char err[8];
    char *info = route_with_attrs(conn->conninfo, "standby", err, sizeof err);
    if (!info)
        return false;
    PGconn *probe = PQconnectdb(info);
    free(info);
    bool up = probe && PQstatus(probe) == CONNECTION_OK;
    PQfinish(probe);
    return up;
}

enum core_status core_route_need_primary(struct core_conn *conn)
{
    if (conn->route.writer || (!conn->route.on_standby && !conn->route.prefers_standby))
        return CORE_OK;
    char *rw = route_with_attrs(conn->conninfo, "read-write", conn->err, sizeof conn->err);
    if (!rw)
        return CORE_ERR_CONNECT;
    free(conn->conninfo);
    conn->conninfo = rw;
    conn->route.writer = true;
    return core_conn_reset(conn);
}

void core_route_check(struct core_conn *conn)
{
    /* Only readers that may move between servers: a single server's loss
     * is still reported (CORE_ERR_LOST) as before. A listening session is
     * watched by its own poll() on the socket: reading here would take
     * the wake-up away from it. */
    if (!conn->pg || conn->lost || conn->busy || conn->listening ||
        !(conn->route.prefers_standby || conn->route.on_standby))
        return;
    /* An idle session the standby closed (stopped, restarted) has its
     * goodbye and then end-of-file waiting: read them now, not as the
     * answer to the next statement, so the next call reconnects (to the
     * primary when the standby is gone). A socket with nothing to read
     * costs one poll(). */
    for (int i = 0; i < 4; i++) {
        struct pollfd pfd = {.fd = PQsocket(conn->pg), .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(conn->pg) || PQstatus(conn->pg) != CONNECTION_OK) {
            conn->lost = true;
            return;
        }
    }
    if (conn->route.on_standby)
        return;
    double now = core_now_ms();
    if (now - conn->route.probed_ms < CORE_ROUTE_PROBE_MS)
        return;
    conn->route.probed_ms = now;
    if (route_standby_answers(conn))
        conn->lost = true; /* the next statement reconnects, to the standby */
}

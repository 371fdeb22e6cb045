/* core/route.c - which server a connection talks to: reads on a streaming
 * standby, writes on the primary.
 *
 * A reader opened with a multi-host conninfo and
 * target_session_attrs=prefer-standby lands on a standby when one answers,
 * else on the primary. Before each statement core checks that an idle
 * session is still alive (a standby that was stopped has closed it), so the
 * next call reconnects and falls back at once instead of failing; while a
 * reader that prefers a standby sits on the primary, core probes for a
 * standby every 2 s and moves back to it between statements (that policy
 * is route_policy.c's, which conn.c asks). A writer is the same conninfo
 * with target_session_attrs=read-write: always the primary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "route.h"
#include "route_policy.h"
#include "session.h"

/* ---- public --------------------------------------------------------------- */

struct core_conn *core_conn_open_writer(const char *conninfo, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen)
        err = dummy, errlen = sizeof dummy;
    char *rw = core_route_conninfo(core_conninfo_resolve(conninfo), "read-write", err, errlen);
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
    if (!core_route_value(writer->pg, "SELECT pg_current_wal_lsn()::text", target, sizeof target))
        return core_conn_fail(writer, "cannot read the primary's WAL position", NULL);
    double deadline = core_now_ms() + timeout_ms;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", target);
    for (;;) {
        if (!core_route_value(reader->pg, sql, seen, sizeof seen))
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

enum core_status core_route_need_primary(struct core_conn *conn)
{
    if (conn->route.writer || (!conn->route.on_standby && !conn->route.prefers_standby))
        return CORE_OK;
    char *rw = core_route_conninfo(conn->conninfo, "read-write", conn->err, sizeof conn->err);
    if (!rw)
        return CORE_ERR_CONNECT;
    free(conn->conninfo);
    conn->conninfo = rw;
    conn->route.writer = true;
    return core_conn_reset(conn);
}

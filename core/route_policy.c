/* core/route_policy.c - which server a session is on, and when a reader
 * should move to another: the policy behind route.c, below the connection.
 *
 * It sees a PGconn and a struct core_route, never a core connection:
 * conn.c asks it after each connect (core_route_started) and before each
 * statement (core_route_closed, core_route_standby_back), and route.c
 * builds the conninfo of a writer with it. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "route_policy.h"
#include "strbuf.h"

/* How often a reader that prefers a standby but sits on the primary looks
 * for the standby again. */
#define CORE_ROUTE_PROBE_MS 2000.0

/* ---- conninfo with one option replaced ----------------------------------- */

/* keyword='value' with \ and ' escaped, as libpq reads it. */
static bool route_append_pair(struct core_strbuf *b, const char *key, const char *val)
{
    bool ok = core_strbuf_printf(b, "%s%s='", b->len ? " " : "", key);
    for (const char *c = val; ok && *c; c++)
        ok = core_strbuf_printf(b, "%s%c", *c == '\\' || *c == '\'' ? "\\" : "", *c);
    return ok && core_strbuf_printf(b, "'");
}

char *core_route_conninfo(const char *conninfo, const char *attrs, char *err, size_t errlen)
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
    struct core_strbuf b = {0};
    bool ok = true;
    for (PQconninfoOption *o = opts; ok && o->keyword; o++)
        if (o->val && strcmp(o->keyword, "target_session_attrs") != 0)
            ok = route_append_pair(&b, o->keyword, o->val);
    ok = ok && route_append_pair(&b, "target_session_attrs", attrs);
    PQconninfoFree(opts);
    if (!ok) {
        free(b.data);
        snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        return NULL;
    }
    return b.data;
}

/* ---- the session ---------------------------------------------------------- */

bool core_route_value(PGconn *pg, const char *sql, char *out, size_t outlen)
{
    PGresult *r = PQexec(pg, sql);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
    if (ok)
        snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return ok;
}

void core_route_started(struct core_route *route, PGconn *pg, double now_ms)
{
    const char *hs = PQparameterStatus(pg, "in_hot_standby");
    bool standby;
    if (hs) {
        standby = strcmp(hs, "on") == 0;
    } else { /* servers before 14 do not report it */
        char v[8] = "";
        standby = core_route_value(pg, "SELECT pg_is_in_recovery()::text", v, sizeof v) &&
                  strcmp(v, "true") == 0;
    }
    route->on_standby = standby;
    route->prefers_standby = false;
    PQconninfoOption *opts = PQconninfo(pg);
    for (PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, "target_session_attrs") == 0 && o->val)
            route->prefers_standby = strcmp(o->val, "prefer-standby") == 0;
    PQconninfoFree(opts);
    const char *host = PQhost(pg), *port = PQport(pg);
    snprintf(route->server, sizeof route->server, "%s %s%s%s",
             standby ? "standby" : "primary", host && *host ? host : "localhost",
             port && *port ? ":" : "", port ? port : "");
    route->probed_ms = now_ms;
}

bool core_route_closed(PGconn *pg)
{
    /* An idle session the standby closed (stopped, restarted) has its
     * goodbye and then end-of-file waiting: read them now, not as the
     * answer to the next statement, so the next call reconnects (to the
     * primary when the standby is gone). A socket with nothing to read
     * costs one poll(). */
    for (int i = 0; i < 4; i++) {
        struct pollfd pfd = {.fd = PQsocket(pg), .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK)
            return true;
    }
    return false;
}

/* ---- looking for the standby, off the reader's path ------------------------- */

/* One look: a thread of its own makes a short connection to a standby
 * (blocking, each host bounded by connect_timeout) while the reader goes
 * on; the reader reads the answer at a later statement. The thread and
 * the route each hold a reference: whichever lets go last frees it, so a
 * connection closed during a look never waits for it. */
enum probe_state { PROBE_RUNNING, PROBE_UP, PROBE_DOWN };

struct core_route_probe {
    atomic_int state;
    atomic_int refs;
    char *conninfo;     /* target_session_attrs=standby, bounded */
};

static void probe_release(struct core_route_probe *p)
{
    if (atomic_fetch_sub(&p->refs, 1) == 1) {
        free(p->conninfo);
        free(p);
    }
}

static void *probe_run(void *arg)
{
    struct core_route_probe *p = arg;
    PGconn *pg = PQconnectdb(p->conninfo);
    bool up = pg && PQstatus(pg) == CONNECTION_OK;
    PQfinish(pg);
    atomic_store(&p->state, up ? PROBE_UP : PROBE_DOWN);
    probe_release(p);
    return NULL;
}

/* A look started for conninfo, or NULL (then none runs this time). */
static struct core_route_probe *probe_start(const char *conninfo)
{
    char err[8];
    char *info = core_route_conninfo(conninfo, "standby", err, sizeof err);
    if (!info)
        return NULL;
    /* Bound each host's try (the last connect_timeout of a conninfo wins,
     * and 2 s is libpq's least) rather than wait on an unreachable host
     * for as long as TCP tries: the next look waits for this one. */
    struct core_strbuf b = {0};
    bool ok = core_strbuf_printf(&b, "%s connect_timeout=2", info);
    free(info);
    struct core_route_probe *p = ok ? calloc(1, sizeof *p) : NULL;
    if (!p) {
        free(b.data);
        return NULL;
    }
    p->conninfo = b.data;
    atomic_init(&p->state, PROBE_RUNNING);
    atomic_init(&p->refs, 2);
    pthread_attr_t attr;
    pthread_t thread;
    bool started = pthread_attr_init(&attr) == 0;
    if (started) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&thread, &attr, probe_run, p) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!started) {
        probe_release(p);
        probe_release(p);
        return NULL;
    }
    return p;
}

bool core_route_standby_back(struct core_route *route, const char *conninfo, double now_ms)
{
    struct core_route_probe *p = route->probe;
    if (p) {
        int state = atomic_load(&p->state);
        if (state == PROBE_RUNNING)
            return false;
        route->probe = NULL;
        probe_release(p);
        route->probed_ms = now_ms; /* the next look 2 s after this one's answer */
        return state == PROBE_UP;
    }
    if (now_ms - route->probed_ms < CORE_ROUTE_PROBE_MS)
        return false;
    route->probed_ms = now_ms;
    route->probe = probe_start(conninfo);
    return false;
}

void core_route_forget(struct core_route *route)
{
    if (route->probe)
        probe_release(route->probe);
    route->probe = NULL;
}

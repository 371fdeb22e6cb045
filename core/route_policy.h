/* core/route_policy.h - which server a session is on and when a reader
 * should move (route_policy.c). Below the connection: it sees a PGconn
 * and the route, never a struct core_conn; conn.c asks it. */
#ifndef CONVO_CORE_ROUTE_POLICY_H
#define CONVO_CORE_ROUTE_POLICY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct core_route_probe; /* a look for the standby under way (route_policy.c) */

/* Where a connection reads from. */
struct core_route {
    bool writer;          /* opened by core_conn_open_writer */
    bool prefers_standby; /* target_session_attrs=prefer-standby */
    bool on_standby;      /* the session is on a hot standby */
    double probed_ms;     /* last look for a standby while on the primary */
    struct core_route_probe *probe; /* the look under way, or NULL */
    char server[320];     /* "standby HOST:PORT" or "primary HOST:PORT" */
};

/* conninfo (string or URI, "" = the environment) with target_session_attrs
 * set to attrs. NULL when conninfo does not parse (err says why) or memory
 * ran out. The caller frees the result. */
char *core_route_conninfo(const char *conninfo, const char *attrs, char *err, size_t errlen);
/* The one text value sql answers on pg, into out; false when it fails. */
bool core_route_value(PGconn *pg, const char *sql, char *out, size_t outlen);
/* Note which server the new session pg is on, at now_ms. */
void core_route_started(struct core_route *route, PGconn *pg, double now_ms);
/* True when the server closed the idle session pg (a stopped standby):
 * the next statement must reconnect. */
bool core_route_closed(PGconn *pg);
/* True when a reader that prefers a standby but sits on the primary finds
 * one answering again: reconnect to move. It looks at most every 2 s, in a
 * thread of its own, and never waits: a look started at one statement is
 * answered at a later one. */
bool core_route_standby_back(struct core_route *route, const char *conninfo, double now_ms);
/* Let go of a look under way (the connection closes); it ends by itself. */
void core_route_forget(struct core_route *route);

#endif

/* core/session.h - the connection as core's modules see it (conn.c): one
 * libpq session, its prepared statements, parameters, running statements
 * synchronously or asynchronously, cancel and reconnect.
 *
 * The connection calls no module above it and holds none of their state.
 * What they need it to do for them goes through generic hooks: the
 * owner of a statement left running (told when the statement is settled),
 * users that keep the connection beyond one call (detached when it
 * closes), session hooks (run on every new session), and a flag the owner
 * sets when it polls the session's socket itself (core_conn_set_polled():
 * the probe before a statement then leaves that socket alone). A module's
 * state that lives as long as the connection is a user, found again with
 * core_conn_find_user(): the partition catalogue (catalogue.c), whether
 * the session listens and missed notifications (live.c), the session
 * that last checked a recent page (recent_check.c). */
#ifndef CONVO_CORE_SESSION_H
#define CONVO_CORE_SESSION_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>

#include "lib.h"
#include "route_policy.h"

/* Something that keeps a pointer to the connection beyond one call (an
 * open search, the partition catalogue, live.c's state). Closing the connection first
 * calls detach on each, so they can still be closed (or are freed) later. */
struct core_conn_user {
    struct core_conn_user *next, **prev;
    void (*detach)(struct core_conn_user *user);
};

/* Run on every new session, after it is set up; a failure fails the
 * connect. */
typedef enum core_status (*core_session_hook)(struct core_conn *conn);
#define CORE_SESSION_HOOKS 4

struct core_conn {
    PGconn *pg;
    char *conninfo;
    char err[512];
    char sqlstate[6];   /* of the last failed statement, "" when none */
    bool lost;
    pthread_mutex_t cancel_lock;
    PGcancel *cancel;
    /* Set by core_conn_cancel(), from any thread; read and cleared only
     * by conn.c (core_conn_begin, the statement path). */
    atomic_bool cancel_requested;
    /* Names of the statements prepared on this session. */
    char **prepared;
    size_t nprepared, capprepared;
    /* Counts the sessions started: what a module learnt on an earlier one
     * may be out of date. */
    unsigned long session;
    /* The owner of the statement still running on the server, if any, and
     * what to tell it when that statement is cancelled and drained. */
    void *busy;
    void (*abandon)(void *owner);
    /* Users still attached (see struct core_conn_user). */
    struct core_conn_user *users;
    core_session_hook hooks[CORE_SESSION_HOOKS];
    int nhooks;
    /* The owner watches the session's socket with its own poll()
     * (core_conn_set_polled()). */
    bool polled_by_owner;
    /* Which server, and whether to move back to a standby. */
    struct core_route route;
};

/* Attach a user; core_conn_detach() takes it off again. */
void core_conn_attach(struct core_conn *conn, struct core_conn_user *user,
                      void (*detach)(struct core_conn_user *user));
void core_conn_detach(struct core_conn_user *user);
/* A user attached with detach, NULL when none: how a module that keeps
 * one user per connection (catalogue.c, live.c, recent_check.c) finds its own again,
 * the detach function being the module's own. */
struct core_conn_user *core_conn_find_user(const struct core_conn *conn,
                                           void (*detach)(struct core_conn_user *user));
/* Add hook to those run on every new session (once: again is a no-op).
 * CORE_ERR_NOMEM when there are already CORE_SESSION_HOOKS. */
enum core_status core_conn_add_hook(struct core_conn *conn, core_session_hook hook);
/* The statement just sent belongs to owner: core_conn_settle() calls
 * abandon(owner) when it cancels and drains it. */
void core_conn_set_busy(struct core_conn *conn, void *owner, void (*abandon)(void *owner));
/* From now on (polled) or no longer, the owner watches the session's
 * socket with its own poll() (a listening session, whose notifications
 * wake it): the probe before a statement does not read from that socket,
 * which would take the wake-up away, and a statement lost with its server
 * is not run again on another (the session does not move). Kept across
 * reconnects. */
void core_conn_set_polled(struct core_conn *conn, bool polled);

/* A parameter list for a prepared statement: text or binary values.
 * Enough for a search of CORE_WORDS_MAX words (search_sql.h). */
#define CORE_PARAMS_MAX 64
struct core_params {
    int n;
    const char *values[CORE_PARAMS_MAX];
    int lengths[CORE_PARAMS_MAX];
    int formats[CORE_PARAMS_MAX];
    char buf[CORE_PARAMS_MAX][8];
};
void core_param_text(struct core_params *p, const char *s);
void core_param_int4(struct core_params *p, int32_t v);
void core_param_int8(struct core_params *p, int64_t v);
void core_param_time(struct core_params *p, int64_t us);

/* Every public call on the connection starts here: a cancel asked
 * before it was meant for the call before, and is forgotten. From then on
 * until the next core_conn_begin(), a cancel fails the statement running
 * (PQcancel) and every statement after it: the statement path refuses
 * them with CORE_ERR_CANCELLED, so no caller needs a test of its own
 * between statements (core_conn_cancelled() is there for the work a call
 * does between them). */
void core_conn_begin(struct core_conn *conn);
bool core_conn_cancelled(const struct core_conn *conn);

/* Make sure the session is usable, reconnecting when it was lost. */
enum core_status core_conn_ready(struct core_conn *conn);
/* Prepare sql under name once per session. */
enum core_status core_conn_prepare(struct core_conn *conn, const char *name,
                                   const char *sql);
/* Run a prepared statement, binary results. NULL on error (conn->err set,
 * *status says which). The caller clears the result. */
PGresult *core_conn_exec(struct core_conn *conn, const char *name,
                         const char *sql, const struct core_params *params,
                         enum core_status *status);
/* Run sql, which has its values as literals, planned for them (not
 * prepared: partitions pruned at plan time by those values); binary
 * results, errors and a lost reader's second try as core_conn_exec. */
PGresult *core_conn_exec_text(struct core_conn *conn, const char *sql,
                              enum core_status *status);
/* True for a reader that may move between servers (a multi-host
 * prefer-standby conninfo, or a standby): a statement it lost with its
 * server can run again after a reconnect. core_conn_exec() does so once;
 * the asynchronous form leaves it to the caller. */
bool core_conn_may_move(const struct core_conn *conn);
/* After such a loss: reconnect, trying again for a moment while a
 * stopping server still takes connections (core_conn_ready does this for
 * a reader that may move). */
enum core_status core_conn_recover(struct core_conn *conn);
/* Asynchronous form: send, then wait with a deadline, then take the result. */
enum core_status core_conn_send(struct core_conn *conn, const char *name,
                                const char *sql, const struct core_params *params);
/* True when the result is ready (or the connection failed: *status says),
 * false when the deadline (0 = none) passed first. */
bool core_conn_wait(struct core_conn *conn, double deadline_ms,
                    enum core_status *status);
PGresult *core_conn_take(struct core_conn *conn, enum core_status *status);
/* Cancel and drain whatever is still running (its owner left it busy). */
void core_conn_settle(struct core_conn *conn);
enum core_status core_conn_fail(struct core_conn *conn, const char *what,
                                const PGresult *res);

/* Binary result fields. */
int32_t core_get_int4(const PGresult *r, int row, int col);
int64_t core_get_int8(const PGresult *r, int row, int col);
int64_t core_get_time(const PGresult *r, int row, int col);
bool core_get_bool(const PGresult *r, int row, int col);

#endif

/* core/conn.c - finding the database, one libpq session, prepared
 * statements, binary parameters, cancel and reconnect.
 *
 * The bottom of core: it calls only what lies below it (route_policy.c,
 * redact.c, status.c). The modules above reach it through session.h and
 * hook in where they must be told (see there). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "cursor.h"
#include "force.h"
#include "route_policy.h"
#include "session.h"

/* ---- finding the database ----------------------------------------------- */

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

const char *core_conninfo_resolve(const char *conninfo)
{
    static char embedded[1024];
    if (conninfo && *conninfo)
        return conninfo;
    static const char *const pgvars[] = {"PGHOST", "PGHOSTADDR", "PGPORT",
                                         "PGDATABASE", "PGUSER", "PGSERVICE"};
    for (size_t i = 0; i < sizeof pgvars / sizeof pgvars[0]; i++)
        if (env_set(pgvars[i]))
            return "";
    if (env_set("DATABASE_URL"))
        return getenv("DATABASE_URL");
    /* The cluster that ./run starts in the checkout the program was built
     * in (found from the executable, so no build path is compiled in),
     * unless CONVO_STATE moved it. */
    const char *state = getenv("CONVO_STATE");
    char checkout[900];
    if (!core_checkout_dir(checkout, sizeof checkout) && !getcwd(checkout, sizeof checkout))
        snprintf(checkout, sizeof checkout, "/");   /* no checkout: ./.convo of the cwd */
    if (state && *state)
        snprintf(embedded, sizeof embedded, "host='%s/sock' port=5432 dbname=convo user=convo",
                 state);
    else
        snprintf(embedded, sizeof embedded,
                 "host='%s/.convo/sock' port=5432 dbname=convo user=convo", checkout);
    return embedded;
}

/* One line, no trailing newline. */
static void set_error(struct core_conn *conn, const char *prefix, const char *msg)
{
    char safe[sizeof conn->err];
    core_conninfo_redact(conn->conninfo, msg, safe, sizeof safe);
    snprintf(conn->err, sizeof conn->err, "%.100s%s%.400s", prefix ? prefix : "",
             prefix && *safe ? ": " : "", safe);
    for (char *p = conn->err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(conn->err);
    while (n > 0 && conn->err[n - 1] == ' ')
        conn->err[--n] = '\0';
}

static void forget_prepared(struct core_conn *conn)
{
    for (size_t i = 0; i < conn->nprepared; i++)
        free(conn->prepared[i]);
    conn->nprepared = 0;
}

static void drop_session(struct core_conn *conn)
{
    pthread_mutex_lock(&conn->cancel_lock);
    if (conn->cancel)
        PQfreeCancel(conn->cancel);
    conn->cancel = NULL;
    pthread_mutex_unlock(&conn->cancel_lock);
    if (conn->pg)
        PQfinish(conn->pg);
    conn->pg = NULL;
    forget_prepared(conn);
    conn->busy = NULL;
}

static enum core_status start_session(struct core_conn *conn)
{
    PGconn *pg = PQconnectdb(conn->conninfo);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        set_error(conn, core_status_message(CORE_ERR_CONNECT),
                  pg ? PQerrorMessage(pg) : "out of memory");
        if (pg)
            PQfinish(pg);
        return CORE_ERR_CONNECT;
    }
    /* Binary timestamps are integers only on servers built that way (all
     * since 10). */
    const char *ints = PQparameterStatus(pg, "integer_datetimes");
    if (!ints || strcmp(ints, "on") != 0) {
        set_error(conn, core_status_message(CORE_ERR_CONNECT),
                  "server without integer timestamps");
        PQfinish(pg);
        return CORE_ERR_CONNECT;
    }
    /* Statements are shaped so that their generic plans are right; planning
     * them again for every call would cost more than running them. */
    PGresult *r = PQexec(pg, "SET jit = off; SET application_name = 'convo';"
                             " SET plan_cache_mode = force_generic_plan");
    PQclear(r);
    conn->pg = pg;
    pthread_mutex_lock(&conn->cancel_lock);
    conn->cancel = PQgetCancel(pg);
    pthread_mutex_unlock(&conn->cancel_lock);
    conn->lost = false;
    conn->err[0] = '\0';
    conn->session++;
    core_route_started(&conn->route, pg, core_now_ms());
    for (int i = 0; i < conn->nhooks; i++) {
        enum core_status st = conn->hooks[i](conn);
        if (st != CORE_OK)
            return st;
    }
    return CORE_OK;
}

struct core_conn *core_conn_open(const char *conninfo, char *err, size_t errlen)
{
    struct core_conn *conn = calloc(1, sizeof *conn);
    if (!conn) {
        if (err && errlen)
            snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        return NULL;
    }
    pthread_mutex_init(&conn->cancel_lock, NULL);
    atomic_init(&conn->cancel_requested, false);
    conn->conninfo = strdup(core_conninfo_resolve(conninfo));
    if (!conn->conninfo || start_session(conn) != CORE_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s",
                     conn->conninfo ? conn->err : core_status_message(CORE_ERR_NOMEM));
        core_conn_close(conn);
        return NULL;
    }
    return conn;
}

void core_conn_close(struct core_conn *conn)
{
    if (!conn)
        return;
    if (conn->busy)
        core_conn_settle(conn);
    while (conn->users) {
        struct core_conn_user *u = conn->users;
        core_conn_detach(u);
        u->detach(u);
    }
    drop_session(conn);
    core_route_forget(&conn->route);
    free(conn->prepared);
    free(conn->conninfo);
    pthread_mutex_destroy(&conn->cancel_lock);
    free(conn);
}

PGconn *core_conn_pg(struct core_conn *conn)
{
    if (core_conn_ready(conn) != CORE_OK)
        return NULL;
    return conn->pg;
}

const char *core_conn_error(const struct core_conn *conn)
{
    return conn ? conn->err : "";
}

bool core_conn_lost(const struct core_conn *conn)
{
    return conn && conn->lost;
}

enum core_status core_conn_reset(struct core_conn *conn)
{
    drop_session(conn);
    enum core_status st = start_session(conn);
    if (st != CORE_OK)
        conn->lost = true;
    return st;
}

void core_conn_begin(struct core_conn *conn)
{
    atomic_store(&conn->cancel_requested, false);
}

bool core_conn_cancelled(const struct core_conn *conn)
{
    return atomic_load(&conn->cancel_requested);
}

/* A cancel asked during this call stops it at the next statement too. */
static enum core_status refuse_cancelled(struct core_conn *conn)
{
    if (!core_conn_cancelled(conn) && !core_forced_refusal())
        return CORE_OK;
    set_error(conn, core_status_message(CORE_ERR_CANCELLED), NULL);
    return CORE_ERR_CANCELLED;
}

void core_conn_cancel(struct core_conn *conn)
{
    if (!conn)
        return;
    atomic_store(&conn->cancel_requested, true);
    char buf[256];
    pthread_mutex_lock(&conn->cancel_lock);
    if (conn->cancel)
        PQcancel(conn->cancel, buf, sizeof buf);
    pthread_mutex_unlock(&conn->cancel_lock);
}

/* ---- what the modules above hook in ------------------------------------- */

void core_conn_attach(struct core_conn *conn, struct core_conn_user *user,
                      void (*detach)(struct core_conn_user *user))
{
    user->detach = detach;
    user->next = conn->users;
    if (conn->users)
        conn->users->prev = &user->next;
    user->prev = &conn->users;
    conn->users = user;
}

void core_conn_detach(struct core_conn_user *user)
{
    if (!user->prev)
        return;
    *user->prev = user->next;
    if (user->next)
        user->next->prev = user->prev;
    user->next = NULL;
    user->prev = NULL;
}

struct core_conn_user *core_conn_find_user(const struct core_conn *conn,
                                           void (*detach)(struct core_conn_user *user))
{
    for (struct core_conn_user *u = conn->users; u; u = u->next)
        if (u->detach == detach)
            return u;
    return NULL;
}

enum core_status core_conn_add_hook(struct core_conn *conn, core_session_hook hook)
{
    for (int i = 0; i < conn->nhooks; i++)
        if (conn->hooks[i] == hook)
            return CORE_OK;
    if (conn->nhooks == CORE_SESSION_HOOKS)
        return CORE_ERR_NOMEM;
    conn->hooks[conn->nhooks++] = hook;
    return CORE_OK;
}

void core_conn_set_polled(struct core_conn *conn, bool polled)
{
    conn->polled_by_owner = polled;
}

void core_conn_set_busy(struct core_conn *conn, void *owner, void (*abandon)(void *owner))
{
    conn->busy = owner;
    conn->abandon = abandon;
}

/* Before a statement: find a session the server closed and move a reader
 * back to its standby (route_policy.c decides). Only readers that may move
 * between servers: a single server's loss is still reported
 * (CORE_ERR_LOST) as before. A session whose owner polls its socket
 * (core_conn_set_polled()) is left to that poll(): reading here would take
 * the wake-up away from it. */
static void route_check(struct core_conn *conn)
{
    if (!conn->pg || conn->lost || conn->busy || conn->polled_by_owner ||
        !(conn->route.prefers_standby || conn->route.on_standby))
        return;
    if (core_route_closed(conn->pg)) {
        conn->lost = true;
        return;
    }
    if (conn->route.on_standby)
        return;
    if (core_route_standby_back(&conn->route, conn->conninfo, core_now_ms()))
        conn->lost = true; /* the next statement reconnects, to the standby */
}

enum core_status core_conn_ready(struct core_conn *conn)
{
    route_check(conn);
    if (conn->pg && PQstatus(conn->pg) == CONNECTION_OK && !conn->lost)
        return CORE_OK;
    if (conn->pg && core_conn_may_move(conn))
        return core_conn_recover(conn);
    return core_conn_reset(conn);
}

/* ---- statements ---------------------------------------------------------- */

/* A statement named a table, column or function the database lacks: when
 * its tables are not convo's, say so instead of the server's message. */
static bool explain_schema(struct core_conn *conn, const char *state)
{
    if (strcmp(state, "42703") != 0 && strcmp(state, "42P01") != 0 && strcmp(state, "42883") != 0)
        return false;
    char why[400];
    int shape = core_schema_shape(conn->pg, why, sizeof why);
    if (shape == CORE_SHAPE_FOREIGN) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s; convert them with ./run setup --adopt, or copy them"
                 " into a database of convo's with ./run import", why);
        set_error(conn, "this database's tables are not convo's", msg);
        return true;
    }
    if (shape == CORE_SHAPE_EMPTY || shape == CORE_SHAPE_CONVO) {
        set_error(conn, shape == CORE_SHAPE_EMPTY ? "this database has no convo tables"
                                                  : "this database's convo schema is not up to date",
                  "run ./run setup");
        return true;
    }
    return false;
}

enum core_status core_conn_fail(struct core_conn *conn, const char *what,
                                const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(conn->pg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(conn->sqlstate, sizeof conn->sqlstate, "%s", state ? state : "");
    if (!conn->pg || PQstatus(conn->pg) != CONNECTION_OK ||
        (state && (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0))) {
        conn->lost = true;
        set_error(conn, core_status_message(CORE_ERR_LOST), msg);
        return CORE_ERR_LOST;
    }
    if (state && strcmp(state, "57014") == 0) {
        set_error(conn, core_status_message(CORE_ERR_CANCELLED), NULL);
        return CORE_ERR_CANCELLED;
    }
    if (state && explain_schema(conn, state))
        return CORE_ERR_QUERY;
    set_error(conn, what, msg);
    return CORE_ERR_QUERY;
}

enum core_status core_conn_prepare(struct core_conn *conn, const char *name,
                                   const char *sql)
{
    for (size_t i = 0; i < conn->nprepared; i++)
        if (strcmp(conn->prepared[i], name) == 0)
            return CORE_OK;
    if (conn->nprepared == conn->capprepared) {
        size_t cap = conn->capprepared ? conn->capprepared * 2 : 32;
        char **p = realloc(conn->prepared, cap * sizeof *p);
        if (!p)
            return CORE_ERR_NOMEM;
        conn->prepared = p;
        conn->capprepared = cap;
    }
    PGresult *r = PQprepare(conn->pg, name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        enum core_status st = core_conn_fail(conn, "cannot prepare a statement", r);
        PQclear(r);
        return st;
    }
    PQclear(r);
    char *copy = strdup(name);
    if (!copy)
        return CORE_ERR_NOMEM;
    conn->prepared[conn->nprepared++] = copy;
    return CORE_OK;
}

void core_param_text(struct core_params *p, const char *s)
{
    p->values[p->n] = s;
    p->lengths[p->n] = 0;
    p->formats[p->n] = 0;
    p->n++;
}

void core_param_int8(struct core_params *p, int64_t v)
{
    core_put_be64(p->buf[p->n], (uint64_t)v);
    p->values[p->n] = p->buf[p->n];
    p->lengths[p->n] = 8;
    p->formats[p->n] = 1;
    p->n++;
}

void core_param_int4(struct core_params *p, int32_t v)
{
    core_put_be32(p->buf[p->n], (uint32_t)v);
    p->values[p->n] = p->buf[p->n];
    p->lengths[p->n] = 4;
    p->formats[p->n] = 1;
    p->n++;
}

void core_param_time(struct core_params *p, int64_t us)
{
    /* +-infinity map onto PostgreSQL's own infinities. */
    if (us == CORE_US_INF || us == CORE_US_NINF)
        core_param_int8(p, us);
    else
        core_param_int8(p, us - CORE_PG_EPOCH_US);
}

static uint64_t get_be(const char *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | (unsigned char)b[i];
    return v;
}

int32_t core_get_int4(const PGresult *r, int row, int col)
{
    return (int32_t)(uint32_t)get_be(PQgetvalue(r, row, col), 4);
}

int64_t core_get_int8(const PGresult *r, int row, int col)
{
    return (int64_t)get_be(PQgetvalue(r, row, col), 8);
}

int64_t core_get_time(const PGresult *r, int row, int col)
{
    int64_t v = core_get_int8(r, row, col);
    if (v == CORE_US_INF || v == CORE_US_NINF)
        return v;
    /* Past 294247 AD Unix microseconds overflow; schema 007 refuses such
     * rows, this only keeps an older database's from being undefined. */
    if (v > CORE_US_INF - 1 - CORE_PG_EPOCH_US)
        return CORE_US_INF - 1;
    return v + CORE_PG_EPOCH_US;
}

bool core_get_bool(const PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] != 0;
}

static enum core_status before_statement(struct core_conn *conn, const char *name,
                                         const char *sql)
{
    if (conn->busy)
        core_conn_settle(conn);
    enum core_status st = refuse_cancelled(conn);
    if (st != CORE_OK)
        return st;
    st = core_conn_ready(conn);
    if (st != CORE_OK)
        return st;
    return core_conn_prepare(conn, name, sql);
}

bool core_conn_may_move(const struct core_conn *conn)
{
    return !conn->polled_by_owner && !conn->route.writer &&
           (conn->route.prefers_standby || conn->route.on_standby);
}

static PGresult *exec_once(struct core_conn *conn, const char *name, const char *sql,
                           const struct core_params *params, enum core_status *status)
{
    *status = before_statement(conn, name, sql);
    if (*status != CORE_OK)
        return NULL;
    PGresult *r = PQexecPrepared(conn->pg, name, params->n, params->values,
                                 params->lengths, params->formats, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        *status = core_conn_fail(conn, "query failed", r);
        PQclear(r);
        return NULL;
    }
    return r;
}

enum core_status core_conn_recover(struct core_conn *conn)
{
    /* A standby that is shutting down may still take a connection and
     * then close it, which ends libpq's try of the host list: wait a
     * little and try again (about 0.7 s in all). */
    static const long pause_ms[] = {0, 100, 200, 400};
    enum core_status st = CORE_ERR_CONNECT;
    for (size_t i = 0; i < sizeof pause_ms / sizeof pause_ms[0] && st != CORE_OK; i++) {
        struct timespec ts = {0, pause_ms[i] * 1000000L};
        if (pause_ms[i])
            nanosleep(&ts, NULL);
        st = core_conn_reset(conn);
    }
    return st;
}

PGresult *core_conn_exec(struct core_conn *conn, const char *name,
                         const char *sql, const struct core_params *params,
                         enum core_status *status)
{
    PGresult *r = exec_once(conn, name, sql, params, status);
    /* A reader's server went away during the statement (a stopped
     * standby): once more, on whichever server answers now. Readers only
     * read, so running the statement again changes nothing. */
    if (!r && *status == CORE_ERR_LOST && core_conn_may_move(conn))
        r = exec_once(conn, name, sql, params, status);
    return r;
}

/* Unnamed and without parameters, so that it is planned with its literals
 * whatever plan_cache_mode says: for a statement whose partitions are
 * pruned by a value known only at the call. */
static PGresult *exec_text_once(struct core_conn *conn, const char *sql,
                                enum core_status *status)
{
    if (conn->busy)
        core_conn_settle(conn);
    *status = refuse_cancelled(conn);
    if (*status == CORE_OK)
        *status = core_conn_ready(conn);
    if (*status != CORE_OK)
        return NULL;
    PGresult *r = PQexecParams(conn->pg, sql, 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        *status = core_conn_fail(conn, "query failed", r);
        PQclear(r);
        return NULL;
    }
    return r;
}

PGresult *core_conn_exec_text(struct core_conn *conn, const char *sql,
                              enum core_status *status)
{
    PGresult *r = exec_text_once(conn, sql, status);
    if (!r && *status == CORE_ERR_LOST && core_conn_may_move(conn))
        r = exec_text_once(conn, sql, status);   /* as core_conn_exec */
    return r;
}

enum core_status core_conn_send(struct core_conn *conn, const char *name,
                                const char *sql, const struct core_params *params)
{
    enum core_status st = before_statement(conn, name, sql);
    if (st != CORE_OK)
        return st;
    if (!PQsendQueryPrepared(conn->pg, name, params->n, params->values,
                             params->lengths, params->formats, 1))
        return core_conn_fail(conn, "cannot send a query", NULL);
    return CORE_OK;
}

bool core_conn_wait(struct core_conn *conn, double deadline_ms,
                    enum core_status *status)
{
    *status = CORE_OK;
    for (;;) {
        if (!PQconsumeInput(conn->pg)) {
            *status = core_conn_fail(conn, "lost while waiting", NULL);
            return true;
        }
        if (!PQisBusy(conn->pg))
            return true;
        int timeout = -1;
        if (deadline_ms > 0) {
            double left = deadline_ms - core_now_ms();
            if (left <= 0)
                return false;
            timeout = (int)left + 1;
        }
        struct pollfd pfd = {.fd = PQsocket(conn->pg), .events = POLLIN};
        int n = poll(&pfd, 1, timeout);
        if (n < 0 && errno != EINTR) {
            *status = core_conn_fail(conn, "poll failed", NULL);
            return true;
        }
    }
}

PGresult *core_conn_take(struct core_conn *conn, enum core_status *status)
{
    PGresult *res = NULL, *r;
    *status = CORE_OK;
    while ((r = PQgetResult(conn->pg)) != NULL) {
        if (res)
            PQclear(res);
        res = r;
    }
    if (!res || (PQresultStatus(res) != PGRES_TUPLES_OK &&
                 PQresultStatus(res) != PGRES_COMMAND_OK)) {
        *status = core_conn_fail(conn, "query failed", res);
        PQclear(res);
        return NULL;
    }
    return res;
}

void core_conn_settle(struct core_conn *conn)
{
    void *owner = conn->busy;
    conn->busy = NULL;
    if (owner && conn->abandon)
        conn->abandon(owner);
    if (!conn->pg || PQstatus(conn->pg) != CONNECTION_OK)
        return;
    if (PQisBusy(conn->pg)) {
        char buf[256];
        pthread_mutex_lock(&conn->cancel_lock);
        if (conn->cancel)
            PQcancel(conn->cancel, buf, sizeof buf);
        pthread_mutex_unlock(&conn->cancel_lock);
    }
    PGresult *r;
    while ((r = PQgetResult(conn->pg)) != NULL)
        PQclear(r);
    if (PQstatus(conn->pg) != CONNECTION_OK)
        conn->lost = true;
}

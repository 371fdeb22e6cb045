/* core/live.c - a live database: change notifications (LISTEN on
 * convo_changes, kept across reconnects) and writing a message (core_send).
 * The notifications come from schema/005: one per statement, the changed
 * contacts' ids or "*". */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "page.h"
#include "route.h"
#include "rows.h"
#include "session.h"

#define CHANNEL "convo_changes"

/* What live.c keeps of a connection, as one of its users (session.h):
 * freed when the connection closes, found again by live_free. */
struct live_state {
    struct core_conn_user user; /* first: detach receives it */
    /* LISTEN is on: the session's socket is watched by its owner's
     * poll(), nobody else reads from it. */
    bool listening;
    /* Notifications went unheard (a reconnect): the next
     * core_changes_take() says all. */
    bool missed;
};

static void live_free(struct core_conn_user *user)
{
    free(user);
}

/* conn's live state, NULL when it has none yet. */
static struct live_state *live_found(const struct core_conn *conn)
{
    return (struct live_state *)core_conn_find_user(conn, live_free);
}

/* conn's live state, made on first use; NULL when out of memory. */
static struct live_state *live_of(struct core_conn *conn)
{
    struct live_state *live = live_found(conn);
    if (!live) {
        live = calloc(1, sizeof *live);
        if (!live)
            return NULL;
        core_conn_attach(conn, &live->user, live_free);
    }
    return live;
}

/* The owner of a listening session polls its socket (core_conn_socket()):
 * the connection is told, so that it leaves that socket alone. */
static void live_set_listening(struct core_conn *conn, struct live_state *live, bool on)
{
    live->listening = on;
    core_conn_set_polled(conn, on);
}

/* A listening session hears the server's asynchronous messages too (a
 * FATAL when it is shut down or terminated); they must not reach stderr,
 * which may be a terminal under curses. The caller sees CORE_ERR_LOST. */
static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Session hook: LISTEN again on every new session while listening. */
static enum core_status live_relisten(struct core_conn *conn)
{
    struct live_state *live = live_found(conn);
    if (!live || !live->listening)
        return CORE_OK;
    PQsetNoticeProcessor(conn->pg, quiet_notices, NULL);
    PGresult *r = PQexec(conn->pg, "LISTEN " CHANNEL);
    enum core_status st = CORE_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        st = core_conn_fail(conn, "cannot listen for changes", r);
    PQclear(r);
    /* Whatever happened while the connection was away went unheard. */
    live->missed = true;
    return st;
}

enum core_status core_listen(struct core_conn *conn)
{
    if (!conn)
        return CORE_ERR_USAGE;
    core_conn_begin(conn);
    if (conn->busy)
        core_conn_settle(conn);
    enum core_status st = core_conn_ready(conn);
    if (st != CORE_OK)
        return st;
    struct live_state *live = live_of(conn);
    if (!live)
        return CORE_ERR_NOMEM;
    if (live->listening)
        return CORE_OK;
    /* A hot standby cannot LISTEN: a reader that may sit on one moves to
     * the primary (route.c). */
    if ((st = core_route_need_primary(conn)) != CORE_OK)
        return st;
    if ((st = core_conn_add_hook(conn, live_relisten)) != CORE_OK)
        return st;
    live_set_listening(conn, live, true);
    st = live_relisten(conn);
    live->missed = false; /* a first LISTEN has missed nothing */
    if (st != CORE_OK)
        live_set_listening(conn, live, st == CORE_ERR_LOST); /* listen again on reconnect */
    return st;
}

int core_conn_socket(const struct core_conn *conn)
{
    if (!conn || !conn->pg || conn->lost || PQstatus(conn->pg) != CONNECTION_OK)
        return -1;
    return PQsocket(conn->pg);
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Add the ids of one payload ("12,345,9" or "*"). */
static enum core_status add_payload(struct core_changes *out, size_t *cap,
                                    const char *payload)
{
    if (strcmp(payload, "*") == 0) {
        out->all = true;
        return CORE_OK;
    }
    const char *p = payload;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v <= 0 || v > INT32_MAX) {
            out->all = true; /* not ours to understand: assume anything */
            return CORE_OK;
        }
        if (out->count == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            int32_t *ids = realloc(out->contact_ids, ncap * sizeof *ids);
            if (!ids)
                return CORE_ERR_NOMEM;
            out->contact_ids = ids;
            *cap = ncap;
        }
        out->contact_ids[out->count++] = (int32_t)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') {
            out->all = true;
            return CORE_OK;
        }
    }
    return CORE_OK;
}

enum core_status core_changes_take(struct core_conn *conn, struct core_changes *out)
{
    memset(out, 0, sizeof *out);
    if (!conn)
        return CORE_ERR_USAGE;
    if (!conn->pg || conn->lost || PQstatus(conn->pg) != CONNECTION_OK) {
        conn->lost = true;
        return CORE_ERR_LOST;
    }
    struct live_state *live = live_of(conn);
    if (!live)
        return CORE_ERR_NOMEM;
    /* Read until the socket is drained: a terminated session sends a
     * FATAL (handed to the notice processor) and then closes, which the
     * next read finds. */
    for (int i = 0; i < 8; i++) {
        if (!PQconsumeInput(conn->pg) || PQstatus(conn->pg) != CONNECTION_OK)
            return core_conn_fail(conn, "lost while waiting for changes", NULL);
        struct pollfd pfd = {.fd = PQsocket(conn->pg), .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            break;
    }
    out->all = live->missed;
    live->missed = false;
    size_t cap = 0;
    enum core_status st = CORE_OK;
    PGnotify *n;
    while ((n = PQnotifies(conn->pg)) != NULL) {
        if (st == CORE_OK && strcmp(n->relname, CHANNEL) == 0)
            st = add_payload(out, &cap, n->extra ? n->extra : "*");
        PQfreemem(n);
    }
    if (st != CORE_OK) {
        core_changes_free(out);
        live->missed = true; /* the next take must not pretend nothing happened */
        return st;
    }
    if (out->count > 1) {
        qsort(out->contact_ids, out->count, sizeof *out->contact_ids, cmp_id);
        size_t k = 1;
        for (size_t i = 1; i < out->count; i++)
            if (out->contact_ids[i] != out->contact_ids[k - 1])
                out->contact_ids[k++] = out->contact_ids[i];
        out->count = k;
    }
    return CORE_OK;
}

void core_live_missed(struct core_conn *conn)
{
    struct live_state *live = live_of(conn);
    if (live)
        live->missed = true;
}

void core_changes_free(struct core_changes *changes)
{
    if (!changes)
        return;
    free(changes->contact_ids);
    memset(changes, 0, sizeof *changes);
}

/* ---- writing --------------------------------------------------------------- */

/* The contact is read in the same statement, so a missing one inserts
 * nothing (no row) instead of failing on the foreign key. */
static const char send_sql[] =
    "WITH c AS (SELECT id, name, phone_number FROM contacts WHERE id = $1),"
    " ins AS (INSERT INTO messages (contact_id, direction, content)"
    "          SELECT id, 'out', $2 FROM c"
    "          RETURNING id, direction, content, created_at)"
    " SELECT c.id, c.name, c.phone_number, ins.id, ins.direction = 'out', ins.content,"
    "        ins.created_at FROM c, ins";

enum core_status core_send(struct core_conn *conn, int32_t contact_id,
                           const char *text, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    if (!conn || !text)
        return CORE_ERR_USAGE;
    core_conn_begin(conn);
    size_t len = strlen(text);
    if (len == 0 || len > CORE_SEND_MAX_BYTES || core_utf8_chars(text) < 0) {
        snprintf(conn->err, sizeof conn->err, "%s: %s", core_status_message(CORE_ERR_TEXT),
                 len == 0 ? "empty" : len > CORE_SEND_MAX_BYTES
                     ? "longer than 4096 bytes" : "not valid UTF-8");
        return CORE_ERR_TEXT;
    }
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    core_param_text(&p, text);
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_send", send_sql, &p, &st);
    /* No row: the contact was not there. A foreign key violation: it was
     * read, then deleted by a transaction that committed before the
     * insert's check (which waited for it). Either way, one answer. */
    bool gone = r ? PQntuples(r) == 0
                  : st == CORE_ERR_QUERY && strcmp(conn->sqlstate, "23503") == 0;
    if (gone) {
        PQclear(r);
        snprintf(conn->err, sizeof conn->err, "no contact with id %ld", (long)contact_id);
        return CORE_ERR_NOT_FOUND;
    }
    if (!r)
        return st;
    st = core_rows_from_result(out, r, 1);
    PQclear(r);
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

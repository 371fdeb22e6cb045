/* core/export.c - a whole conversation, or every message that contains a
 * term, streamed to a file: one statement in libpq's single-row mode, each
 * row written as it arrives, so memory stays flat at any size and a closed
 * pipe stops the statement at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_format.h"
#include "rows.h"
#include "session.h"

/* One conversation, oldest first (messages_contact_time read forwards). */
static const char conversation_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE m.contact_id = $1 ORDER BY m.created_at, m.id";

/* Every message whose content contains the term, newest first: the
 * partitions' time indexes merged and walked, so rows stream from the
 * first one. Without the LIMIT (sent as the largest bigint) the generic
 * plan scans everything and sorts it before the first row; a LIMIT
 * parameter makes the planner count on stopping early, and IS TRUE keeps
 * the trigram index (a bitmap, then a sort) out of it. */
static const char search_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE (m.content ILIKE $1) IS TRUE ORDER BY m.created_at DESC, m.id DESC LIMIT $2";

static const char contact_sql[] = "SELECT name, phone_number FROM contacts WHERE id = $1";

struct export_run {
    FILE *f;
    enum core_export_format format;
    bool transcript_heads;  /* txt of a search: a heading per change of contact */
    int32_t last_contact;
    int64_t rows;
    int write_errno;
};

/* The statement was cancelled and drained under us: nothing to keep. */
static void export_abandon(void *owner)
{
    (void)owner;
}

static bool write_failed(struct export_run *x)
{
    if (!ferror(x->f))
        return false;
    x->write_errno = errno ? errno : EIO;
    return true;
}

/* The conversation's heading (txt) from its contact; CORE_ERR_NOT_FOUND
 * when there is none. */
static enum core_status conversation_heading(struct core_conn *conn, int32_t contact_id,
                                             struct export_run *x)
{
    struct core_params p = {0};
    core_param_int4(&p, contact_id);
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_export_contact", contact_sql, &p, &st);
    if (!r)
        return st;
    st = PQntuples(r) > 0 ? CORE_OK : CORE_ERR_NOT_FOUND;
    if (st == CORE_ERR_NOT_FOUND)
        snprintf(conn->err, sizeof conn->err, "no contact with id %d", (int)contact_id);
    else if (x->format == CORE_EXPORT_TXT)
        core_export_heading(x->f, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), true);
    PQclear(r);
    return st;
}

static void write_row(struct export_run *x, const PGresult *r)
{
    char when[CORE_TIME_LEN];
    struct core_row row = core_row_at(r, 0, 0, when);
    if (x->transcript_heads && (x->rows == 0 || row.contact_id != x->last_contact))
        core_export_heading(x->f, row.name, row.phone_number, x->rows == 0);
    x->last_contact = row.contact_id;
    core_export_row(x->f, x->format, &row);
    x->rows++;
}

/* Take the rows of the statement sent, one result per row. */
static enum core_status stream_rows(struct core_conn *conn, struct export_run *x)
{
    enum core_status st = CORE_OK;
    PGresult *r;
    while (st == CORE_OK && (r = PQgetResult(conn->pg)) != NULL) {
        ExecStatusType rs = PQresultStatus(r);
        if (rs == PGRES_SINGLE_TUPLE) {
            write_row(x, r);
            if (write_failed(x))
                st = CORE_ERR_WRITE;
        } else if (rs != PGRES_TUPLES_OK) {
            st = core_conn_fail(conn, "export failed", r);
        }
        PQclear(r);
    }
    if (st == CORE_OK) {
        core_conn_set_busy(conn, NULL, NULL);
        return CORE_OK;
    }
    core_conn_settle(conn); /* cancel what is left and drain it */
    return st;
}

enum core_status core_export(struct core_conn *conn, const struct core_export_request *req,
                             FILE *f, int64_t *rows, int *write_errno)
{
    struct export_run x = {.f = f, .format = req->format,
                           .transcript_heads = req->term && req->format == CORE_EXPORT_TXT};
    *rows = 0;
    *write_errno = 0;
    core_conn_begin(conn);
    struct core_params p = {0};
    enum core_status st = CORE_OK;
    char *pattern = NULL;
    if (req->term) {
        if (core_term_check(req->term) != CORE_OK) {
            snprintf(conn->err, sizeof conn->err, "invalid search term: %s",
                     core_term_problem(req->term));
            return CORE_ERR_TERM;
        }
        pattern = core_like_pattern(req->term);
        if (!pattern)
            return CORE_ERR_NOMEM;
        core_param_text(&p, pattern);
        core_param_int8(&p, INT64_MAX);
    } else {
        st = conversation_heading(conn, req->contact_id, &x);
        core_param_int4(&p, req->contact_id);
    }
    core_export_header(f, req->format);
    if (st == CORE_OK && write_failed(&x))
        st = CORE_ERR_WRITE;
    if (st == CORE_OK)
        st = core_conn_send(conn, req->term ? "convo_export_search" : "convo_export_conversation",
                            req->term ? search_sql : conversation_sql, &p);
    if (st == CORE_OK && !PQsetSingleRowMode(conn->pg))
        st = core_conn_fail(conn, "cannot stream rows", NULL);
    if (st == CORE_OK) {
        core_conn_set_busy(conn, &x, export_abandon);
        st = stream_rows(conn, &x);
    } else {
        core_conn_settle(conn);
    }
    if (st == CORE_OK && fflush(f) != 0 && write_failed(&x))
        st = CORE_ERR_WRITE;
    if (st == CORE_ERR_WRITE)
        snprintf(conn->err, sizeof conn->err, "cannot write output: %s", strerror(x.write_errno));
    free(pattern);
    *rows = x.rows;
    *write_errno = x.write_errno;
    return st;
}

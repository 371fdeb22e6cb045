/* core/export.c - a whole conversation, or every message that a search
 * term matches, streamed to a file: one statement in libpq's single-row
 * mode, each row written as it arrives, so memory stays flat at any size
 * and a closed pipe stops the statement at once.
 *
 * A term's statement (core_sql_export_words) walks the partitions' time
 * indexes merged, newest first, so rows stream from the first one.
 * Without its LIMIT (sent as the largest bigint) the generic plan scans
 * everything and sorts it before the first row; a LIMIT parameter makes
 * the planner count on stopping early, and IS TRUE keeps the trigram
 * index (a bitmap, then a sort) out of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_format.h"
#include "rows.h"
#include "search_int.h"
#include "search_sql.h"
#include "session.h"
#include "strbuf.h"

/* One conversation, oldest first (messages_contact_time read forwards). */
static const char conversation_sql[] =
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
    " WHERE m.contact_id = $1 ORDER BY m.created_at, m.id";

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

/* What a term's export needs: its filters and words, their contact sets
 * and patterns, kept alive while the statement runs. */
struct export_term {
    struct core_filter f;
    char *with_ids;
    char **pats, **ids, **digits;
    struct core_strbuf sql;
};

static void term_free(struct export_term *t)
{
    for (size_t i = 0; i < t->f.nwords; i++) {
        free(t->pats[i]);
        free(t->ids[i]);
        free(t->digits[i]);
    }
    free(t->pats);
    free(t->ids);
    free(t->digits);
    free(t->with_ids);
    free(t->sql.data);
    core_filter_free(&t->f);
}

/* Read term into t and its statement's parameters into p. */
static enum core_status term_open(struct core_conn *conn, const char *term,
                                  struct export_term *t, struct core_params *p)
{
    if (core_term_check(term) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid search term: %s", core_term_problem(term));
        return CORE_ERR_TERM;
    }
    char why[sizeof conn->err];
    if (core_filter_parse(term, false, core_wall_us(), &t->f, why, sizeof why)) {
        snprintf(conn->err, sizeof conn->err, "%s", why);
        return CORE_ERR_TERM;
    }
    size_t k = t->f.nwords;
    if (k > CORE_WORDS_MAX) {
        snprintf(conn->err, sizeof conn->err, "invalid search term: more than %d words",
                 CORE_WORDS_MAX);
        return CORE_ERR_TERM;
    }
    enum core_status st = CORE_OK;
    if (t->f.with)
        st = core_search_contact_ids(conn, t->f.with, &t->with_ids);
    t->pats = calloc(k + 1, sizeof *t->pats);
    t->ids = calloc(k + 1, sizeof *t->ids);
    t->digits = calloc(k + 1, sizeof *t->digits);
    if (st == CORE_OK && (!t->pats || !t->ids || !t->digits))
        st = CORE_ERR_NOMEM;
    for (size_t i = 0; i < k && st == CORE_OK; i++) {
        t->pats[i] = core_like_pattern(t->f.words[i]);
        t->digits[i] = strdup("");
        /* One word must be in the content anyway: no contact set. */
        if (k > 1)
            st = core_search_contact_ids(conn, t->f.words[i], &t->ids[i]);
        else
            t->ids[i] = strdup("{}");
        if (st == CORE_OK && (!t->pats[i] || !t->ids[i] || !t->digits[i]))
            st = CORE_ERR_NOMEM;
    }
    if (st == CORE_OK && (!core_sql_export_words(&t->sql, k) || !t->sql.data))
        st = CORE_ERR_NOMEM;
    if (st != CORE_OK)
        return st;
    core_param_int8(p, 0);
    core_param_int8(p, 0);
    core_search_filter_terms(&t->f, t->with_ids, p);
    core_param_text(p, "{}");
    core_param_text(p, "{}");
    core_param_int8(p, INT64_MAX);
    for (size_t i = 0; i < k; i++) {
        core_param_text(p, t->pats[i]);
        core_param_text(p, t->ids[i]);
        core_param_text(p, t->digits[i]);
    }
    return CORE_OK;
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
    struct export_term t = {0};
    char name[48];
    if (req->term) {
        st = term_open(conn, req->term, &t, &p);
        if (st != CORE_OK) {
            term_free(&t);
            return st;
        }
        snprintf(name, sizeof name, "convo_export_words_%zu", t.f.nwords);
    } else {
        st = conversation_heading(conn, req->contact_id, &x);
        core_param_int4(&p, req->contact_id);
    }
    core_export_header(f, req->format);
    if (st == CORE_OK && write_failed(&x))
        st = CORE_ERR_WRITE;
    if (st == CORE_OK)
        st = core_conn_send(conn, req->term ? name : "convo_export_conversation",
                            req->term ? t.sql.data : conversation_sql, &p);
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
    term_free(&t);
    *rows = x.rows;
    *write_errno = x.write_errno;
    return st;
}

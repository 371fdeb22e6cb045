/* seeder/copy.c - the binary COPY of the data set: a month of messages per
 * partition (on a worker's connection) and the contacts (on the main one),
 * generated or relayed from another server's COPY TO (an import). The row
 * encoders are inline in copy.h. */
#include "copy.h"

#include <stdlib.h>

#include "pg.h"
#include "schema.h"

bool seed_copy_flush(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen)
{
    if (b->len && PQputCopyData(conn, b->data, (int)b->len) != 1) {
        seed_pg_error(err, errlen, "COPY", PQerrorMessage(conn));
        return false;
    }
    b->len = 0;
    return true;
}

bool seed_copy_end(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen)
{
    seed_copy_u16(b, 0xffff);
    return seed_copy_finish(conn, b, err, errlen);
}

bool seed_copy_finish(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen)
{
    if (!seed_copy_flush(conn, b, err, errlen))
        return false;
    if (PQputCopyEnd(conn, NULL) != 1) {
        seed_pg_error(err, errlen, "COPY", PQerrorMessage(conn));
        return false;
    }
    bool ok = true;
    PGresult *res;
    while ((res = PQgetResult(conn))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (ok)
                seed_pg_error(err, errlen, "COPY", PQresultErrorMessage(res));
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

bool seed_copy_begin(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COPY_IN;
    if (!ok)
        seed_pg_error(err, errlen, "COPY", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

bool seed_copy_month(PGconn *conn, const char *table, const struct seed_plan *plan,
                     const struct seed_bodies *bodies, const struct seed_month *m,
                     struct seed_progress *progress, int bar, const _Atomic bool *failed,
                     size_t *reported_out, char *err, size_t errlen)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "COPY " STAGE ".%s (id, contact_id, direction, content, created_at)"
             " FROM STDIN (FORMAT binary, FREEZE)", table);
    if (!seed_copy_begin(conn, sql, err, errlen))
        return false;
    struct seed_copybuf b = {0};
    seed_copy_header(&b);
    const struct seed_msg *msgs = plan->msgs;
    size_t reported = 0;
    for (size_t i = m->first; i < m->first + m->count; i++) {
        const struct seed_msg *msg = &msgs[i];
        uint32_t body = msg->body & ~SEED_MSG_OUT;
        seed_copy_u16(&b, 5);
        seed_copy_int8(&b, (int64_t)i + 1);
        seed_copy_int4(&b, msg->contact);
        if (msg->body & SEED_MSG_OUT)
            seed_copy_text(&b, "out", 3);
        else
            seed_copy_text(&b, "in", 2);
        seed_copy_text(&b, seed_body(bodies, body), bodies->len[body]);
        seed_copy_time(&b, msg->at_us);
        if (b.len > (1 << 20)) {
            if (!seed_copy_flush(conn, &b, err, errlen)) {
                free(b.data);
                return false;
            }
            /* Rows handed to the server; the last ones count when it has
             * them all. */
            size_t sent = i + 1 - m->first;
            seed_progress_add(progress, bar, sent - reported);
            reported = sent;
        }
        if (*failed)
            break;
    }
    bool ok = !*failed && seed_copy_end(conn, &b, err, errlen);
    free(b.data);
    if (!ok) {
        if (*failed)
            snprintf(err, errlen, "cancelled");
        return false;
    }
    *reported_out = reported;
    return true;
}

/* The generated contacts of the plan, as binary COPY rows. */
static bool send_plan_contacts(PGconn *conn, void *arg, struct seed_progress *progress, int bar,
                               size_t *reported, char *err, size_t errlen)
{
    const struct seed_plan *plan = arg;
    if (!seed_copy_begin(conn,
                         "COPY " STAGE ".contacts (id, phone_number, name, created_at,"
                         " updated_at, last_message_at, last_message_id)"
                         " FROM STDIN (FORMAT binary)", err, errlen))
        return false;
    bool ok = true;
    struct seed_copybuf b = {0};
    seed_copy_header(&b);
    for (size_t i = 0; ok && i < plan->ncontacts; i++) {
        const struct seed_contact *c = &plan->contacts[i];
        seed_copy_u16(&b, 7);
        seed_copy_int4(&b, (int32_t)(i + 1));
        seed_copy_text(&b, c->phone, strlen(c->phone));
        seed_copy_text(&b, c->name, strlen(c->name));
        seed_copy_time(&b, c->created_us);
        seed_copy_time(&b, c->updated_us);
        if (c->last_id) {
            seed_copy_time(&b, c->last_at_us);
            seed_copy_int8(&b, c->last_id);
        } else {
            seed_copy_null(&b);
            seed_copy_null(&b);
        }
        if (b.len > (1 << 20)) {
            ok = seed_copy_flush(conn, &b, err, errlen);
            seed_progress_add(progress, bar, i + 1 - *reported);
            *reported = i + 1;
        }
    }
    ok = ok && seed_copy_end(conn, &b, err, errlen);
    free(b.data);
    return ok;
}

bool seed_copy_contacts(PGconn *conn, const struct seed_plan *plan,
                        struct seed_progress *progress, int bar, char *err, size_t errlen)
{
    return seed_copy_contacts_with(conn, send_plan_contacts, (void *)plan, plan->ncontacts,
                                   progress, bar, err, errlen);
}

bool seed_copy_contacts_with(PGconn *conn, seed_copy_send send, void *arg, size_t total,
                             struct seed_progress *progress, int bar, char *err, size_t errlen)
{
    struct seed_defs d;
    if (!seed_defs_read(conn, "contacts", &d, err, errlen))
        return false;
    double t = seed_progress_begin(progress, bar);
    size_t reported = 0;
    /* No TRUNCATE (and so no FREEZE): messages references contacts and the
     * workers hold the parent; 100k rows of WAL are cheap. */
    bool ok = seed_pg_run(conn, "BEGIN", err, errlen);
    /* Indexes are built once after the load rather than row by row. */
    for (size_t i = 0; ok && i < d.nindexes; i++)
        ok = seed_pg_runf(conn, err, errlen, "DROP INDEX " STAGE ".contacts_%s", d.isuffix[i]);
    ok = ok && send(conn, arg, progress, bar, &reported, err, errlen);
    for (size_t i = 0; ok && i < d.nindexes; i++)
        ok = seed_pg_run(conn, d.inames[i], err, errlen);
    ok = ok && seed_pg_run(conn, "COMMIT", err, errlen);
    /* The bar stays at work through the index builds and finishes here. */
    seed_progress_end(progress, bar, ok && total > reported ? total - reported : 0, t);
    seed_defs_free(&d);
    return ok;
}

/* ---- relaying another server's COPY ------------------------------------- */

/* End the COPY open on dst with a failure (its transaction is then lost). */
static void abandon_copy(PGconn *dst)
{
    PQputCopyEnd(dst, "the source failed");
    PGresult *res;
    while ((res = PQgetResult(dst)))
        PQclear(res);
}

/* The rest of src's COPY: its rows count from the command tag. */
static bool copy_out_end(PGconn *src, unsigned long long *rows, const char *what, char *err,
                         size_t errlen)
{
    bool ok = true;
    PGresult *res;
    while ((res = PQgetResult(src))) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            *rows = strtoull(PQcmdTuples(res), NULL, 10);
        } else if (ok) {
            char why[400];
            seed_pg_error(why, sizeof why, NULL, PQresultErrorMessage(res));
            snprintf(err, errlen, "source: reading %s: %s", what, why);
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

bool seed_copy_relay(PGconn *src, const char *sql, PGconn *dst, struct seed_progress *progress,
                     int bar, size_t expect, const _Atomic bool *failed, size_t *reported,
                     const char *what, char *err, size_t errlen)
{
    PGresult *res = PQexec(src, sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        char why[400];
        seed_pg_error(why, sizeof why, NULL, PQresultErrorMessage(res));
        snprintf(err, errlen, "source: reading %s: %s", what, why);
        PQclear(res);
        abandon_copy(dst);
        return false;
    }
    PQclear(res);
    struct seed_copybuf b = {0};
    size_t messages = 0;
    bool ok = true, ended = false;
    while (ok) {
        char *data;
        int n = PQgetCopyData(src, &data, 0);
        if (n < 0) {
            ended = n == -1;
            if (!ended)
                seed_pg_error(err, errlen, "source", PQerrorMessage(src));
            ok = ended;
            break;
        }
        seed_copy_bytes(&b, data, (size_t)n);
        PQfreemem(data);
        messages++;
        if (b.len > (1 << 20)) {
            ok = seed_copy_flush(dst, &b, err, errlen);
            size_t rows = messages < expect ? messages : expect;
            seed_progress_add(progress, bar, rows - *reported);
            *reported = rows;
        }
        if (failed && *failed) {
            snprintf(err, errlen, "cancelled");
            ok = false;
        }
    }
    unsigned long long rows = 0;
    if (ended)
        ok = copy_out_end(src, &rows, what, err, errlen);
    if (ok && rows != expect) {
        snprintf(err, errlen, "source: %s gave %llu rows where the snapshot held %zu", what, rows,
                 expect);
        ok = false;
    }
    if (ok)
        ok = seed_copy_finish(dst, &b, err, errlen);
    else
        abandon_copy(dst);
    free(b.data);
    return ok;
}

/* seeder/import.c - convo-seed --from: a user's own messaging database
 * copied into convo's, through the seeder's loader (load.c).
 *
 * The source is only read, in one REPEATABLE READ READ ONLY transaction
 * whose snapshot is exported: each worker's reader joins it with SET
 * TRANSACTION SNAPSHOT, so the months read in parallel, the contacts and
 * the bad-row scan all see one state of the source however it is written
 * meanwhile. Rows flow as COPY (SELECT ...) TO STDOUT (FORMAT binary), every
 * expression already cast to convo's type on the source, relayed unchanged
 * into COPY ... FROM STDIN of the staging tables: memory stays flat and no
 * row is parsed here. Which rows, and how each convo column is read, come
 * from source.c (the shape) and badrows.c (the rows left out). */
#include "seed.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "badrows.h"
#include "copy.h"
#include "hooks.h"
#include "pg.h"
#include "pool.h"
#include "source.h"

struct seed_import {
    struct seed_import_opts opts;
    struct seed_shape shape;
    struct seed_bad bad;
    struct seed_rules rules;
    long phone_max;                       /* 0: no limit */
    PGconn *src;                          /* exports the snapshot; scans, reads contacts */
    char snapshot[64];
    char encoding[64];                    /* the target's client encoding */
    PGconn *readers[SEED_MAX_WORKERS];    /* each worker's, opened for its first month */
    struct seed_plan plan;
    char (*tids)[2][32];                  /* per month: its rows' least and greatest ctid */
    unsigned long long source_contacts, source_messages;
    struct seed_rows rows;                /* how the loader gets at all this */
};

/* A source session: the target's encoding, and the zone that times
 * without one are in. 2 when --timezone names no zone. */
static int source_session(PGconn *conn, const struct seed_import_opts *o, const char *encoding,
                          char *err, size_t errlen)
{
    if (encoding[0] && PQsetClientEncoding(conn, encoding) != 0) {
        seed_pg_error(err, errlen, "source: client encoding", PQerrorMessage(conn));
        return 1;
    }
    const char *zone[1] = {o->timezone ? o->timezone : "UTC"};
    PGresult *res = PQexecParams(conn, "SELECT set_config('TimeZone', $1, false)", 1, NULL, zone,
                                 NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : 1;
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (rc && o->timezone && state && strcmp(state, "22023") == 0) {
        snprintf(err, errlen, "--timezone: '%s' is not a time zone PostgreSQL knows", o->timezone);
        rc = 2;
    } else if (rc) {
        seed_pg_error(err, errlen, "source", PQresultErrorMessage(res));
    }
    PQclear(res);
    /* The snapshot stays open while the target builds; the source's own
     * limits must not end it half way. */
    char why[300];
    if (!rc && (!seed_pg_run(conn, "SET idle_in_transaction_session_timeout = 0", why, sizeof why)
                || !seed_pg_run(conn, "SET statement_timeout = 0", why, sizeof why))) {
        snprintf(err, errlen, "source: %s", why);
        rc = 1;
    }
    return rc;
}

static bool begin_read_only(PGconn *conn, char *err, size_t errlen)
{
    char why[300];
    if (seed_pg_run(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", why, sizeof why))
        return true;
    snprintf(err, errlen, "source: %s", why);
    return false;
}

int seed_import_open(const struct seed_import_opts *opts, struct seed_import **out, char *err,
                     size_t errlen)
{
    struct seed_import *im = core_xcalloc(1, sizeof *im);
    im->opts = *opts;
    *out = im;
    char why[512];
    im->src = seed_pg_connect(opts->source, why, sizeof why);
    if (!im->src) {
        snprintf(err, errlen, "source: %s", why);
        return 1;
    }
    seed_cancel_register(SEED_CANCEL_SOURCE(0), im->src);
    int rc = source_session(im->src, opts, "", err, errlen);
    if (rc)
        return rc;
    if (!begin_read_only(im->src, err, errlen))
        return 1;
    PGresult *res = PQexec(im->src, "SELECT pg_export_snapshot()");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, "source: exporting the snapshot", PQresultErrorMessage(res));
        PQclear(res);
        return 1;
    }
    snprintf(im->snapshot, sizeof im->snapshot, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    seed_hook_snapshot();
    if (!seed_shape_find(im->src, opts, &im->shape, err, errlen))
        return 1;
    if (im->shape.ignored[0])
        fprintf(stderr, "convo-seed: ignored source columns: %s\n", im->shape.ignored);
    return 0;
}

const struct seed_plan *seed_import_plan(const struct seed_import *im)
{
    return &im->plan;
}

/* ---- before the copy: what convo takes, the bad rows, the months ---------- */

/* The longest phone number the staged contacts.phone_number takes: its
 * varchar length, or a CHECK on its length(), whichever is less. */
static bool phone_limit(PGconn *target, long *max, char *err, size_t errlen)
{
    PGresult *res = PQexec(target,
        "SELECT coalesce(least("
        "  (SELECT CASE WHEN a.atttypmod > 4 THEN a.atttypmod - 4 END FROM pg_attribute a"
        "    WHERE a.attrelid = '" STAGE ".contacts'::regclass AND a.attname = 'phone_number'),"
        "  (SELECT min(substring(pg_get_constraintdef(k.oid)"
        "     FROM 'length\\(\\(?phone_number\\)?(?:::text)?\\) <= ([0-9]+)')::int)"
        "    FROM pg_constraint k WHERE k.conrelid = '" STAGE ".contacts'::regclass"
        "     AND k.contype = 'c')), 0)");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    if (ok)
        *max = atol(PQgetvalue(res, 0, 0));
    else
        seed_pg_error(err, errlen, "reading convo's phone_number", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

static const char *with_rules(const struct seed_import *im)
{
    return im->rules.ctes[0] ? "WITH " : "";
}

/* Whether each month's rows can be bounded by ctid: in one heap (where
 * ctids of the rows a snapshot sees do not move while it lasts) on a server
 * with TID range scans (PostgreSQL 14). */
static bool tid_bounds(const struct seed_import *im)
{
    return im->shape.m_heap && PQserverVersion(im->src) >= 140000;
}

/* One partition per UTC month that holds imported messages. Years come
 * as gmtime gives them (0 = 1 BC), as the loader names partitions. */
static bool plan_months(struct seed_import *im, char *err, size_t errlen)
{
    const struct seed_shape *s = &im->shape;
    char *sql = seed_sqlf(
        "%s%s SELECT extract(year FROM mon)::int, extract(month FROM mon)::int,"
        " (extract(epoch FROM mon AT TIME ZONE 'UTC') * 1000000)::int8,"
        " (extract(epoch FROM (mon + interval '1 month') AT TIME ZONE 'UTC') * 1000000)::int8, n,"
        " lo_tid, hi_tid"
        " FROM (SELECT date_trunc('month', %s AT TIME ZONE 'UTC') AS mon, count(*) AS n, %s"
        "       FROM %s m WHERE %s GROUP BY 1) s ORDER BY mon",
        with_rules(im), im->rules.ctes, s->m_time,
        tid_bounds(im) ? "min(m.ctid)::text AS lo_tid, max(m.ctid)::text AS hi_tid"
                       : "NULL AS lo_tid, NULL AS hi_tid",
        s->messages, im->rules.good_message);
    PGresult *res = PQexec(im->src, sql);
    free(sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, "source: counting messages by month", PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    struct seed_plan *plan = &im->plan;
    plan->nmonths = (size_t)PQntuples(res);
    plan->months = core_xcalloc(plan->nmonths, sizeof *plan->months);
    im->tids = core_xcalloc(plan->nmonths, sizeof *im->tids);
    for (size_t i = 0; i < plan->nmonths; i++) {
        struct seed_month *m = &plan->months[i];
        int year = atoi(PQgetvalue(res, (int)i, 0));
        m->year = year < 0 ? year + 1 : year;
        m->month = atoi(PQgetvalue(res, (int)i, 1));
        m->lo_us = strtoll(PQgetvalue(res, (int)i, 2), NULL, 10);
        m->hi_us = strtoll(PQgetvalue(res, (int)i, 3), NULL, 10);
        m->first = plan->nmessages;
        m->count = strtoull(PQgetvalue(res, (int)i, 4), NULL, 10);
        plan->nmessages += m->count;
        snprintf(im->tids[i][0], sizeof im->tids[i][0], "%s", PQgetvalue(res, (int)i, 5));
        snprintf(im->tids[i][1], sizeof im->tids[i][1], "%s", PQgetvalue(res, (int)i, 6));
    }
    PQclear(res);
    return true;
}

/* Rows in the snapshot, the contacts imported, and the greatest ids (the
 * sequences go on after them, bad rows' ids included). */
static bool count_rows(struct seed_import *im, char *err, size_t errlen)
{
    const struct seed_shape *s = &im->shape;
    char *sql = seed_sqlf(
        "%s%s SELECT (SELECT count(*) FROM %s c), (SELECT count(*) FROM %s c WHERE %s),"
        " (SELECT coalesce(max(%s), 0) FROM %s c),"
        " (SELECT count(*) FROM %s m), (SELECT coalesce(max(%s), 0) FROM %s m)",
        with_rules(im), im->rules.ctes, s->contacts, s->contacts, im->rules.good_contact, s->c_id,
        s->contacts, s->messages, s->m_id, s->messages);
    PGresult *res = PQexec(im->src, sql);
    free(sql);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok) {
        im->source_contacts = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
        im->plan.ncontacts = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
        im->plan.max_contact_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        im->source_messages = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
        im->plan.max_message_id = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    } else {
        seed_pg_error(err, errlen, "source: counting rows", PQresultErrorMessage(res));
    }
    PQclear(res);
    return ok;
}

/* With convo's schema staged on target: look at every source row, list the
 * bad ones (or refuse them) and plan the partitions. */
static bool import_prepare(void *arg, PGconn *target, struct seed_progress *progress, char *err,
                           size_t errlen)
{
    struct seed_import *im = arg;
    const char *enc = PQparameterStatus(target, "client_encoding");
    snprintf(im->encoding, sizeof im->encoding, "%s", enc ? enc : "UTF8");
    if (PQsetClientEncoding(im->src, im->encoding) != 0) {
        seed_pg_error(err, errlen, "source: client encoding", PQerrorMessage(im->src));
        return false;
    }
    if (!phone_limit(target, &im->phone_max, err, errlen))
        return false;
    int bar = seed_progress_bar(progress, "scan", 0, NULL);
    seed_progress_begin(progress, bar);
    if (!seed_bad_scan(im->src, &im->shape, im->phone_max, im->opts.skip_bad, &im->bad, err,
                       errlen))
        return false;
    if (im->bad.total && !im->opts.skip_bad) {
        char kinds[400];
        seed_bad_describe(&im->bad, kinds, sizeof kinds);
        snprintf(err, errlen, "%s (%llu bad row%s: %s; add --skip-bad FILE to list them and"
                 " import the rest)", im->bad.first, (unsigned long long)im->bad.total,
                 im->bad.total == 1 ? "" : "s", kinds);
        return false;
    }
    seed_rules_make(&im->shape, im->phone_max, &im->bad, &im->rules);
    if (!plan_months(im, err, errlen) || !count_rows(im, err, errlen))
        return false;
    seed_progress_finish(progress, bar);
    return true;
}

/* ---- the copy ------------------------------------------------------------- */

static bool send_contacts(PGconn *conn, void *arg, struct seed_progress *progress, int bar,
                          size_t *reported, char *err, size_t errlen)
{
    struct seed_import *im = arg;
    const struct seed_shape *s = &im->shape;
    /* A time convo needs and the source lacks: the first message's. */
    char *created = seed_sqlf("coalesce(%s%sf.t, now())", s->c_created ? s->c_created : "",
                              s->c_created ? ", " : "");
    char *updated = seed_sqlf("coalesce(%s%sf.t, now())", s->c_updated ? s->c_updated : "",
                              s->c_updated ? ", " : "");
    /* The latest-message pointer, as the live triggers would keep it. */
    char *sql = seed_sqlf(
        "COPY (WITH %s%s gm AS (SELECT %s AS cid, %s AS t, %s AS id FROM %s m WHERE %s),"
        " l AS (SELECT DISTINCT ON (cid) cid, t, id FROM gm ORDER BY cid, t DESC, id DESC),"
        " f AS (SELECT cid, min(t) AS t FROM gm GROUP BY cid)"
        " SELECT %s::int4, %s, %s, %s, %s, l.t, l.id::int8 FROM %s c"
        " LEFT JOIN f ON f.cid = %s LEFT JOIN l ON l.cid = %s WHERE %s) TO STDOUT (FORMAT binary)",
        im->rules.ctes, im->rules.ctes[0] ? "," : "", s->m_contact, s->m_time, s->m_id,
        s->messages, im->rules.good_message, s->c_id, s->c_phone, s->c_name, created, updated,
        s->contacts, s->c_id, s->c_id, im->rules.good_contact);
    free(created);
    free(updated);
    bool ok = seed_copy_begin(conn,
                              "COPY " STAGE ".contacts (id, phone_number, name, created_at,"
                              " updated_at, last_message_at, last_message_id)"
                              " FROM STDIN (FORMAT binary)", err, errlen)
              && seed_copy_relay(im->src, sql, conn, progress, bar, im->plan.ncontacts, NULL,
                                 reported, "contacts", err, errlen);
    free(sql);
    return ok;
}

static bool import_contacts(void *arg, PGconn *target, struct seed_progress *progress, int bar,
                            char *err, size_t errlen)
{
    struct seed_import *im = arg;
    return seed_copy_contacts_with(target, send_contacts, im, im->plan.ncontacts, progress, bar,
                                   err, errlen);
}

/* The worker's own reader, in the exported snapshot. */
static PGconn *reader(struct seed_import *im, int worker, char *err, size_t errlen)
{
    if (im->readers[worker])
        return im->readers[worker];
    char why[512];
    PGconn *conn = seed_pg_connect(im->opts.source, why, sizeof why);
    if (!conn) {
        snprintf(err, errlen, "source: %s", why);
        return NULL;
    }
    char *snapshot = PQescapeLiteral(conn, im->snapshot, strlen(im->snapshot));
    bool ok = snapshot && source_session(conn, &im->opts, im->encoding, err, errlen) == 0
              && begin_read_only(conn, err, errlen)
              && seed_pg_runf(conn, why, sizeof why, "SET TRANSACTION SNAPSHOT %s", snapshot);
    if (snapshot && !ok && !err[0])
        snprintf(err, errlen, "source: joining the snapshot: %s", why);
    PQfreemem(snapshot);
    if (!ok) {
        PQfinish(conn);
        return NULL;
    }
    seed_cancel_register(SEED_CANCEL_SOURCE(1 + worker), conn);
    return im->readers[worker] = conn;
}

/* The month m of messages into STAGE.table, by worker's own reader. */
static bool import_month(void *arg, int worker, PGconn *target, const char *table,
                         const struct seed_month *m, struct seed_progress *progress, int bar,
                         const _Atomic bool *failed, size_t *reported, char *err, size_t errlen)
{
    struct seed_import *im = arg;
    err[0] = '\0';
    PGconn *src = reader(im, worker, err, errlen);
    if (!src)
        return false;
    const struct seed_shape *s = &im->shape;
    char lo[48], hi[48];
    seed_pg_timestamp(lo, sizeof lo, m->lo_us);
    seed_pg_timestamp(hi, sizeof hi, m->hi_us);
    /* A time without zone converts by a function no index or partition
     * bound knows: the stored column is bounded too, two days wider than
     * any zone's offset, so the source reads only around the month. */
    char *near = s->m_time_local
        ? seed_sqlf(" AND %s >= ('%s'::timestamptz AT TIME ZONE 'UTC') - interval '2 days'"
                    " AND %s < ('%s'::timestamptz AT TIME ZONE 'UTC') + interval '2 days'",
                    s->m_time_raw, lo, s->m_time_raw, hi)
        : core_xstrdup("");
    /* Without an index on the time column every month would read the whole
     * table; a table written as messages arrive keeps a month's rows in a
     * run of pages, which a TID range scan reads alone. */
    const char (*tid)[32] = im->tids[m - im->plan.months];
    if (tid[0][0]) {
        char *bounded = seed_sqlf("%s AND m.ctid >= '%s'::tid AND m.ctid <= '%s'::tid", near,
                                  tid[0], tid[1]);
        free(near);
        near = bounded;
    }
    char *sql = seed_sqlf(
        "COPY (%s%s SELECT %s::int8, %s::int4, %s, %s, %s FROM %s m"
        " WHERE %s >= '%s' AND %s < '%s'%s AND %s) TO STDOUT (FORMAT binary)",
        with_rules(im), im->rules.ctes, s->m_id, s->m_contact, s->m_dir, s->m_content, s->m_time,
        s->messages, s->m_time, lo, s->m_time, hi, near, im->rules.good_message);
    free(near);
    if (seed_pg_debug())
        fprintf(stderr, "convo-seed: debug: %s reads %s\n", table, sql);
    char copy[256];
    snprintf(copy, sizeof copy, "COPY " STAGE ".%s (id, contact_id, direction, content,"
             " created_at) FROM STDIN (FORMAT binary, FREEZE)", table);
    *reported = 0;
    bool ok = seed_copy_begin(target, copy, err, errlen)
              && seed_copy_relay(src, sql, target, progress, bar, m->count, failed, reported, table,
                                 err, errlen);
    free(sql);
    return ok;
}

static void close_reader(PGconn **conn, int slot)
{
    if (!*conn)
        return;
    seed_cancel_unregister(slot);
    PGresult *res = PQexec(*conn, "COMMIT");
    PQclear(res);
    PQfinish(*conn);
    *conn = NULL;
}

/* Every row is read: end the source's transactions and close them. */
static void end_reading(struct seed_import *im)
{
    for (int i = 0; i < SEED_MAX_WORKERS; i++)
        close_reader(&im->readers[i], SEED_CANCEL_SOURCE(1 + i));
    close_reader(&im->src, SEED_CANCEL_SOURCE(0));
}

static void import_done(void *arg)
{
    end_reading(arg);
}

const struct seed_rows *seed_import_rows(struct seed_import *im)
{
    im->rows = (struct seed_rows){.prepare = import_prepare, .contacts = import_contacts,
                                  .month = import_month, .done = import_done, .arg = im};
    return &im->rows;
}

/* ---- the summary ---------------------------------------------------------- */

void seed_import_describe(const struct seed_import *im, FILE *out)
{
    const struct seed_plan *plan = &im->plan;
    fprintf(out, "  source     %s and %s, snapshot %s: %llu contacts, %llu messages\n",
            im->shape.contacts_name, im->shape.messages_name, im->snapshot, im->source_contacts,
            im->source_messages);
    fprintf(out, "  imported   %zu contacts, %zu messages in %zu monthly partitions\n",
            plan->ncontacts, plan->nmessages, plan->nmonths);
    if (im->bad.total) {
        char kinds[400];
        seed_bad_describe(&im->bad, kinds, sizeof kinds);
        fprintf(out, "  left out   %llu bad rows (%s), listed in %s\n",
                (unsigned long long)im->bad.total, kinds, im->opts.skip_bad);
        fprintf(stderr, "convo-seed: left out %llu bad rows, listed in %s: %s\n",
                (unsigned long long)im->bad.total, im->opts.skip_bad, kinds);
    }
}

void seed_import_free(struct seed_import *im)
{
    if (!im)
        return;
    end_reading(im);
    seed_shape_free(&im->shape);
    seed_rules_free(&im->rules);
    seed_plan_free(&im->plan);
    free(im->tids);
    free(im);
}

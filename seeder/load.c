/* seeder/load.c - builds the data set in a staging schema and swaps it in.
 *
 * Why this shape: a trigram GIN over 5M rows takes ~2 minutes on one core and
 * PostgreSQL 15 cannot parallelise it. So every monthly partition is built as
 * a standalone table by one of two workers, each with its own connection, in
 * ONE transaction: CREATE TABLE, COPY ... FREEZE, then its indexes. Under
 * wal_level=minimal a table created in the same transaction skips WAL, and the
 * index builds of one partition overlap the COPY and builds of another. The
 * main connection meanwhile loads contacts and ATTACHes each finished
 * partition (a matching index is attached, not rebuilt; a CHECK matching the
 * range spares the scan). One short transaction then moves the staging tables
 * into public. Any failure drops the staging schema: public is untouched.
 *
 * Index and constraint definitions are read from the staging parent that the
 * schema files created, so a new index in schema/ is built per partition too.
 *
 * The phases live apart: pg.c (libpq helpers), schema.c (the schema files and
 * the staging copy), copy.c (binary COPY), pool.c (the workers and
 * cancelling), swap.c (attach, ANALYZE, the swap and its COMMIT). This file
 * runs them in order and cleans up after a failure. An import (import.c)
 * brings its rows through the same phases (struct seed_rows, pool.h). */
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copy.h"
#include "hooks.h"
#include "migrate.h"
#include "pg.h"
#include "pool.h"
#include "schema.h"
#include "swap.h"

/* The swap drops the public relations it replaces, CASCADE: refuse when
 * that would take along what others built on them. */
static bool reset_takes_nothing_else(PGconn *conn, const struct seed_load *load, char *err,
                                     size_t errlen)
{
    char deps[400];
    if (!seed_foreign_dependents(conn, load->replace, load->nreplace, deps, sizeof deps, err,
                                 errlen))
        return false;
    if (deps[0])
        snprintf(err, errlen, "--reset would drop what convo did not create: %s;"
                 " nothing was changed (name each with --replace NAME to let it go)", deps);
    return !deps[0];
}

bool seed_load_check(struct seed_load *load, char *err, size_t errlen)
{
    PGconn *conn = seed_pg_connect(load->conninfo, err, errlen);
    if (!conn)
        return false;
    bool ok = seed_migrate(conn, false, stderr, err, errlen)
              && seed_swap_may_replace(conn, load->reset, err, errlen)
              && (!load->reset || reset_takes_nothing_else(conn, load, err, errlen));
    PQfinish(conn);
    return ok;
}

/* The lock that makes one seeder per database. A seeder killed with
 * SIGKILL leaves a server process that holds it until it notices (at its
 * next message to the client), so wait for it a while before refusing. */
static bool take_seed_lock(PGconn *conn, char *err, size_t errlen)
{
    double until = seed_now() + seed_hook_wait_s(SEED_WAIT_LOCK, 10.0);
    for (;;) {
        PGresult *res = PQexec(conn, "SELECT pg_try_advisory_lock(hashtext('convo-seed')),"
                                     " (SELECT min(pid) FROM pg_locks WHERE locktype = 'advisory'"
                                     "   AND objid = hashtext('convo-seed')::oid AND granted)");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
            PQclear(res);
            return false;
        }
        bool mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        if (!mine && (seed_interrupted || seed_now() >= until)) {
            snprintf(err, errlen, "another convo-seed is loading this database (server process %s)",
                     PQgetvalue(res, 0, 1));
        }
        PQclear(res);
        if (mine)
            return true;
        if (seed_interrupted || seed_now() >= until)
            return false;
        usleep(200 * 1000);
    }
}

/* The main connection, holding the seed lock, with public checked again
 * under it; NULL with err set. */
static PGconn *load_open(struct seed_load *load, char *err, size_t errlen)
{
    PGconn *conn = seed_pg_connect(load->conninfo, err, errlen);
    if (!conn)
        return NULL;
    seed_cancel_register(0, conn);
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(load->marker, sizeof load->marker, "convo-seed %lld.%09ld pid %d",
                 (long long)ts.tv_sec, (long)ts.tv_nsec, (int)getpid());
    }

    /* One seeder per database: a second would drop the first one's stage.
     * Under the lock, look at the data again: another seeder or writer may
     * have filled the database since seed_load_check(). */
    if (!take_seed_lock(conn, err, errlen)
        || !seed_swap_may_replace(conn, load->reset, err, errlen)) {
        seed_cancel_unregister(0);
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

/* Every phase to come, shown waiting until it starts. The index bars
 * follow the definitions read back from the schema. */
static void declare_bars(struct seed_run *r, int *bar_analyze, int *bar_swap)
{
    struct seed_progress *progress = r->load->progress;
    const struct seed_plan *plan = r->plan;
    r->bar_contacts = seed_progress_bar(progress, "contacts", plan->ncontacts, "rows");
    r->bar_copy = seed_progress_bar(progress, "copy", plan->nmessages, "rows");
    r->bar_constraint = core_xcalloc(r->msg_defs.nconstraints + 1, sizeof *r->bar_constraint);
    r->bar_index = core_xcalloc(r->msg_defs.nindexes + 1, sizeof *r->bar_index);
    for (size_t i = 0; i < r->msg_defs.nconstraints + r->msg_defs.nindexes; i++) {
        bool con = i < r->msg_defs.nconstraints;
        size_t k = con ? i : i - r->msg_defs.nconstraints;
        char name[48];
        snprintf(name, sizeof name, "index %s",
                 con ? r->msg_defs.cnames[k] : r->msg_defs.isuffix[k]);
        *(con ? &r->bar_constraint[k] : &r->bar_index[k]) =
            seed_progress_bar(progress, name, plan->nmessages, "rows");
    }
    r->bar_commit = seed_progress_bar(progress, "commit", plan->nmessages, "rows");
    r->bar_attach = seed_progress_bar(progress, "attach", plan->nmessages, "rows");
    *bar_analyze = seed_progress_bar(progress, "analyze", plan->ncontacts + plan->nmessages,
                                     "rows");
    *bar_swap = seed_progress_bar(progress, "swap", 0, NULL);
}

/* Each finished when its last rows were done; this only makes sure. */
static void finish_bars(struct seed_run *r)
{
    struct seed_progress *progress = r->load->progress;
    seed_progress_finish(progress, r->bar_contacts);
    for (size_t i = 0; i < r->msg_defs.nconstraints; i++)
        seed_progress_finish(progress, r->bar_constraint[i]);
    for (size_t i = 0; i < r->msg_defs.nindexes; i++)
        seed_progress_finish(progress, r->bar_index[i]);
    seed_progress_finish(progress, r->bar_copy);
    seed_progress_finish(progress, r->bar_commit);
    seed_progress_finish(progress, r->bar_attach);
}

/* After a failure: roll back on the main connection (a new one if it was
 * lost) and drop the staging schema; public is untouched. */
static void load_abandon(struct seed_load *load, PGconn **connp, char *err, size_t errlen)
{
    PGconn *conn = *connp;
    seed_cancel_unregister(0);
    if (seed_interrupted)
        snprintf(err, errlen, "interrupted");
    if (conn && PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = seed_pg_connect(load->conninfo, (char[256]){0}, 256);
    }
    if (conn) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        bool gone = PQresultStatus(res) != PGRES_COMMAND_OK;
        PQclear(res);
        if (gone) {
            PQfinish(conn);
            conn = seed_pg_connect(load->conninfo, (char[256]){0}, 256);
        }
    }
    if (conn) {
        PGresult *res = PQexec(conn, "DROP SCHEMA IF EXISTS " STAGE " CASCADE");
        PQclear(res);
    }
    *connp = conn;
}

static void run_free(struct seed_run *r)
{
    seed_defs_free(&r->msg_defs);
    free(r->parts);
    free(r->order);
    free(r->bar_constraint);
    free(r->bar_index);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
}

bool seed_load_run(struct seed_load *load, const struct seed_plan *plan,
                   const struct seed_bodies *bodies, char *err, size_t errlen)
{
    struct seed_run r = {.load = load, .plan = plan, .bodies = bodies};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.changed, NULL);
    bool ok = false;

    PGconn *conn = load_open(load, err, errlen);
    if (!conn)
        goto out;

    /* Stage: the schema files applied to an empty staging schema. */
    struct seed_progress *progress = load->progress;
    int bar = seed_progress_bar(progress, "schema", 0, NULL);
    seed_progress_begin(progress, bar);
    if (!seed_schema_stage(conn, &r.msg_defs, err, errlen))
        goto fail;
    seed_progress_finish(progress, bar);
    /* An import learns its rows only now: what convo's schema accepts is
     * known once it is staged. */
    const struct seed_rows *rows = load->rows;
    if (rows && !rows->prepare(rows->arg, conn, progress, err, errlen))
        goto fail;

    int bar_analyze, bar_swap;
    declare_bars(&r, &bar_analyze, &bar_swap);
    seed_pool_plan(&r);
    seed_pool_start(&r, load->workers);

    /* Meanwhile: contacts, then each partition as soon as it is built. */
    {
        char why[512];
        if (rows ? !rows->contacts(rows->arg, conn, progress, r.bar_contacts, why, sizeof why)
                 : !seed_copy_contacts(conn, plan, progress, r.bar_contacts, why, sizeof why)) {
            char msg[600];
            snprintf(msg, sizeof msg, "loading contacts: %s", why);
            seed_run_fail(&r, msg);
        }
    }
    seed_swap_attach_all(&r, conn);
    seed_pool_join(&r);
    /* Every row is read: an import ends the source's transaction here. */
    if (rows)
        rows->done(rows->arg);
    if (r.failed) {
        snprintf(err, errlen, "%s", r.err);
        goto fail;
    }
    finish_bars(&r);

    if (seed_interrupted || !seed_swap_analyze(&r, conn, bar_analyze, err, errlen))
        goto fail;
    if (seed_interrupted)
        goto fail;
    seed_progress_begin(progress, bar_swap);
    if (!seed_swap_publish(&r, conn, err, errlen))
        goto fail;
    seed_progress_finish(progress, bar_swap);
    if (seed_pg_debug())
        fprintf(stderr, "convo-seed: debug: main server CPU %.1f s\n", seed_pg_backend_cpu(conn));
    ok = true;
    goto out;

fail:
    load_abandon(load, &conn, err, errlen);
out:
    seed_cancel_unregister(0);
    seed_pool_join(&r);
    if (conn)
        PQfinish(conn);
    run_free(&r);
    return ok;
}

/* seeder/pool.c - the workers that build the partitions, and cancelling.
 *
 * Each worker takes the largest month not yet taken and builds it on its own
 * connection in ONE transaction: CREATE TABLE, COPY ... FREEZE, its
 * constraints and indexes, COMMIT. A failure anywhere (or Ctrl-C) cancels
 * every connection's statement, so the load stops at once. */
#include "pool.h"

#include <stdio.h>
#include <stdlib.h>

#include "copy.h"
#include "pg.h"

/* ---- cancelling: on failure, or on Ctrl-C ------------------------------- */

#define MAX_CONNS SEED_CANCEL_SLOTS
static PGcancel *volatile cancels[MAX_CONNS];
volatile sig_atomic_t seed_interrupted;

void seed_cancel_register(int slot, PGconn *conn)
{
    cancels[slot] = PQgetCancel(conn);
}

void seed_cancel_unregister(int slot)
{
    PGcancel *c = cancels[slot];
    cancels[slot] = NULL;
    if (c)
        PQfreeCancel(c);
}

void seed_cancel_all(void)
{
    char buf[128];
    for (int i = 0; i < MAX_CONNS; i++) {
        PGcancel *c = cancels[i];
        if (c)
            PQcancel(c, buf, sizeof buf);
    }
}

void seed_load_interrupt(void)
{
    seed_interrupted = 1;
    seed_cancel_all();
}

void seed_run_fail(struct seed_run *r, const char *msg)
{
    pthread_mutex_lock(&r->lock);
    if (!r->failed) {
        r->failed = true;
        snprintf(r->err, sizeof r->err, "%s", seed_interrupted ? "interrupted" : msg);
        seed_cancel_all();
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

/* One step of a partition build, timed on its phase's bar; with
 * CONVO_SEED_DEBUG set, also one line per step on stderr (for tuning). */
static bool build_step(struct seed_run *r, PGconn *conn, const struct seed_part *p, int bar,
                       const char *step, const char *sql, char *err, size_t errlen)
{
    double t = seed_progress_begin(r->load->progress, bar);
    bool ok = seed_pg_run(conn, sql, err, errlen);
    double now = seed_progress_end(r->load->progress, bar, ok ? p->month->count : 0, t);
    if (seed_pg_debug())
        fprintf(stderr, "convo-seed: debug: %s %s %.2f s\n", p->name, step, now - t);
    return ok;
}

/* Build one partition: create, COPY, index, all in one transaction. */
static bool build_part(struct seed_run *r, int worker, PGconn *conn, struct seed_part *p,
                       char *err, size_t errlen)
{
    struct seed_progress *progress = r->load->progress;
    const struct seed_month *m = p->month;
    char lo[40], hi[40];
    seed_pg_timestamp(lo, sizeof lo, m->lo_us);
    seed_pg_timestamp(hi, sizeof hi, m->hi_us);
    double t = seed_progress_begin(progress, r->bar_copy);
    if (!seed_pg_run(conn, "BEGIN", err, errlen)
        || !seed_pg_runf(conn, err, errlen,
                         "CREATE TABLE " STAGE ".%s (LIKE " STAGE ".messages"
                         " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", p->name)
        || !seed_pg_runf(conn, err, errlen,
                         "ALTER TABLE " STAGE ".%s ADD CONSTRAINT %s_range"
                         " CHECK (created_at >= '%s' AND created_at < '%s')",
                         p->name, p->name, lo, hi))
        return false;

    size_t reported;
    const struct seed_rows *rows = r->load->rows;
    if (rows ? !rows->month(rows->arg, worker, conn, p->name, m, progress, r->bar_copy,
                            &r->failed, &reported, err, errlen)
             : !seed_copy_month(conn, p->name, r->plan, r->bodies, m, progress, r->bar_copy,
                                &r->failed, &reported, err, errlen))
        return false;
    double now = seed_progress_end(progress, r->bar_copy, m->count - reported, t);
    if (seed_pg_debug())
        fprintf(stderr, "convo-seed: debug: %s copy %.2f s\n", p->name, now - t);

    char sql[1024];
    const struct seed_defs *d = &r->msg_defs;
    for (size_t i = 0; i < d->nconstraints; i++) {
        snprintf(sql, sizeof sql, "ALTER TABLE " STAGE ".%s ADD CONSTRAINT %s_%s %s",
                 p->name, p->name, d->cnames[i], d->constraints[i]);
        if (!build_step(r, conn, p, r->bar_constraint[i], d->cnames[i], sql, err, errlen))
            return false;
    }
    for (size_t i = 0; i < d->nindexes; i++) {
        snprintf(sql, sizeof sql, "CREATE INDEX %s_%s ON " STAGE ".%s %s",
                 p->name, d->isuffix[i], p->name, d->indexes[i]);
        if (!build_step(r, conn, p, r->bar_index[i], d->isuffix[i], sql, err, errlen))
            return false;
    }
    return build_step(r, conn, p, r->bar_commit, "commit", "COMMIT", err, errlen);
}

static void *worker_main(void *arg)
{
    struct seed_worker *w = arg;
    struct seed_run *r = w->run;
    char err[512];
    PGconn *conn = seed_pg_connect(r->load->conninfo, err, sizeof err);
    if (!conn) {
        seed_run_fail(r, err);
        return NULL;
    }
    /* Two builds share two cores: parallel index workers would only contend. */
    if (!seed_pg_run(conn, "SET search_path = " STAGE ", public", err, sizeof err)
        || !seed_pg_run(conn, "SET max_parallel_maintenance_workers = 0", err, sizeof err)) {
        seed_run_fail(r, err);
        PQfinish(conn);
        return NULL;
    }
    seed_cancel_register(1 + w->index, conn);

    for (;;) {
        if (seed_interrupted) {
            seed_run_fail(r, "interrupted");
            break;
        }
        pthread_mutex_lock(&r->lock);
        if (r->failed || r->next_job >= r->nparts) {
            pthread_mutex_unlock(&r->lock);
            break;
        }
        struct seed_part *p = &r->parts[r->order[r->next_job++]];
        pthread_mutex_unlock(&r->lock);

        if (!build_part(r, w->index, conn, p, err, sizeof err)) {
            char msg[600];
            snprintf(msg, sizeof msg, "building %s: %s", p->name, err);
            seed_run_fail(r, msg);
            break;
        }
        pthread_mutex_lock(&r->lock);
        p->built = true;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
    }
    seed_cancel_unregister(1 + w->index);
    if (seed_pg_debug())
        fprintf(stderr, "convo-seed: debug: worker %d server CPU %.1f s\n", w->index,
                seed_pg_backend_cpu(conn));
    PQfinish(conn);
    return NULL;
}

static int cmp_part_size(const void *a, const void *b, void *arg)
{
    const struct seed_part *parts = arg;
    size_t x = parts[*(const size_t *)a].month->count;
    size_t y = parts[*(const size_t *)b].month->count;
    return (x < y) - (x > y);
}

void seed_pool_plan(struct seed_run *r)
{
    const struct seed_plan *plan = r->plan;
    r->nparts = plan->nmonths;
    r->parts = core_xcalloc(r->nparts, sizeof *r->parts);
    r->order = core_xmalloc(r->nparts * sizeof *r->order);
    for (size_t i = 0; i < r->nparts; i++) {
        r->parts[i].month = &plan->months[i];
        seed_month_name(r->parts[i].name, sizeof r->parts[i].name, plan->months[i].year,
                        plan->months[i].month);
        r->order[i] = i;
    }
    /* Largest first, so the two workers finish together. */
    qsort_r(r->order, r->nparts, sizeof *r->order, cmp_part_size, r->parts);
}

void seed_pool_start(struct seed_run *r, int workers)
{
    int n = workers < 1 ? 1 : workers > SEED_MAX_WORKERS ? SEED_MAX_WORKERS : workers;
    for (int i = 0; i < n; i++) {
        r->workers[i] = (struct seed_worker){.run = r, .index = i};
        if (pthread_create(&r->workers[i].thread, NULL, worker_main, &r->workers[i]) != 0) {
            seed_run_fail(r, "cannot start a worker thread");
            break;
        }
        r->started++;
    }
}

void seed_pool_join(struct seed_run *r)
{
    for (int i = 0; i < r->started; i++)
        pthread_join(r->workers[i].thread, NULL);
    r->started = 0;
}

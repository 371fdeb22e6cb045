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
 * schema files created, so a new index in schema/ is built per partition too. */
#include "seed.h"

#include "conn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGE "convo_stage"
#define PG_EPOCH_US 946684800000000LL   /* 2000-01-01 in Unix microseconds */


/* ---- small libpq helpers ------------------------------------------------ */

/* First line of a libpq message, without the "ERROR:  " noise. */
static void one_line(char *err, size_t errlen, const char *what, const char *msg)
{
    if (!msg || !*msg)
        msg = "unknown error";
    if (strncmp(msg, "ERROR:  ", 8) == 0)
        msg += 8;
    size_t n = strcspn(msg, "\n");
    if (what)
        snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
    else
        snprintf(err, errlen, "%.*s", (int)n, msg);
}

/* SQLSTATE of this thread's last failed run_sql(). */
static _Thread_local char last_sqlstate[6];

static bool run_sql(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        one_line(err, errlen, NULL, PQresultErrorMessage(res));
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(last_sqlstate, sizeof last_sqlstate, "%s", state ? state : "");
    }
    PQclear(res);
    return ok;
}

static bool run_fmt(PGconn *conn, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool run_fmt(PGconn *conn, char *err, size_t errlen, const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return run_sql(conn, sql, err, errlen);
}

/* conninfo is already resolved by core's rule (seeder/main.c); libpq's
 * message goes through core's redaction, since it may quote a password. */
static PGconn *connect_db(const char *conninfo, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(conninfo ? conninfo : "");
    if (PQstatus(conn) != CONNECTION_OK) {
        char safe[512];
        core_conninfo_redact(conninfo, PQerrorMessage(conn), safe, sizeof safe);
        one_line(err, errlen, "cannot connect to the database", safe);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, NULL, NULL);
    PGresult *res = PQexec(conn, "SET client_min_messages = warning");
    PQclear(res);
    return conn;
}

static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/* ---- binary COPY encoding ----------------------------------------------- */

struct copybuf {
    char *data;
    size_t len, cap;
};

static void cb_reserve(struct copybuf *b, size_t n)
{
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->data = core_xrealloc(b->data, b->cap);
    }
}

static void cb_bytes(struct copybuf *b, const void *p, size_t n)
{
    cb_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void cb_u16(struct copybuf *b, uint16_t v)
{
    unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    cb_bytes(b, x, 2);
}

static void cb_u32(struct copybuf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    cb_bytes(b, x, 4);
}

static void cb_u64(struct copybuf *b, uint64_t v)
{
    cb_u32(b, (uint32_t)(v >> 32));
    cb_u32(b, (uint32_t)v);
}

static void cb_int4(struct copybuf *b, int32_t v)
{
    cb_u32(b, 4);
    cb_u32(b, (uint32_t)v);
}

static void cb_int8(struct copybuf *b, int64_t v)
{
    cb_u32(b, 8);
    cb_u64(b, (uint64_t)v);
}

static void cb_time(struct copybuf *b, int64_t unix_us)
{
    cb_int8(b, unix_us - PG_EPOCH_US);
}

static void cb_text(struct copybuf *b, const char *s, size_t n)
{
    cb_u32(b, (uint32_t)n);
    cb_bytes(b, s, n);
}

static void cb_null(struct copybuf *b)
{
    cb_u32(b, 0xffffffffu);
}

static void cb_header(struct copybuf *b)
{
    cb_bytes(b, "PGCOPY\n\377\r\n\0", 11);
    cb_u32(b, 0);
    cb_u32(b, 0);
}

static bool copy_flush(PGconn *conn, struct copybuf *b, char *err, size_t errlen)
{
    if (b->len && PQputCopyData(conn, b->data, (int)b->len) != 1) {
        one_line(err, errlen, "COPY", PQerrorMessage(conn));
        return false;
    }
    b->len = 0;
    return true;
}

static bool copy_end(PGconn *conn, struct copybuf *b, char *err, size_t errlen)
{
    cb_u16(b, 0xffff);
    if (!copy_flush(conn, b, err, errlen))
        return false;
    if (PQputCopyEnd(conn, NULL) != 1) {
        one_line(err, errlen, "COPY", PQerrorMessage(conn));
        return false;
    }
    bool ok = true;
    PGresult *res;
    while ((res = PQgetResult(conn))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            if (ok)
                one_line(err, errlen, "COPY", PQresultErrorMessage(res));
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

static bool copy_begin(PGconn *conn, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, sql);
    bool ok = PQresultStatus(res) == PGRES_COPY_IN;
    if (!ok)
        one_line(err, errlen, "COPY", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

/* ---- the schema files --------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = core_xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = core_xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Apply every schema/NNN*.sql in order, under the current search_path. */
static bool apply_schema(PGconn *conn, char *err, size_t errlen)
{
    DIR *dir = opendir(seed_schema_dir);
    if (!dir) {
        snprintf(err, errlen, "cannot open the schema folder %s: %s", seed_schema_dir,
                 strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && len > 4
            && strcmp(de->d_name + len - 4, ".sql") == 0) {
            names = core_xrealloc(names, (count + 1) * sizeof *names);
            names[count++] = strdup(de->d_name);
        }
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, cmp_str);
    bool ok = count > 0;
    if (!ok)
        snprintf(err, errlen, "no schema files in %s", seed_schema_dir);
    for (size_t i = 0; ok && i < count; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", seed_schema_dir, names[i]);
        char *sql = read_file(path, err, errlen);
        if (!sql) {
            ok = false;
            break;
        }
        char why[400];
        if (!run_sql(conn, sql, why, sizeof why)) {
            snprintf(err, errlen, "schema %s: %s", names[i], why);
            ok = false;
        }
        free(sql);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return ok;
}

/* ---- definitions read back from the staging parent ----------------------- */

struct defs {
    char **constraints;       /* "PRIMARY KEY (created_at, id)" etc. */
    char **cnames;            /* suffix for the partition's constraint name */
    size_t nconstraints;
    char **indexes;           /* "USING gin (content public.gin_trgm_ops)" */
    char **inames;            /* full CREATE INDEX of the parent, for contacts */
    char **isuffix;
    size_t nindexes;
};

static void defs_free(struct defs *d)
{
    for (size_t i = 0; i < d->nconstraints; i++) {
        free(d->constraints[i]);
        free(d->cnames[i]);
    }
    for (size_t i = 0; i < d->nindexes; i++) {
        free(d->indexes[i]);
        free(d->inames[i]);
        free(d->isuffix[i]);
    }
    free(d->constraints);
    free(d->cnames);
    free(d->indexes);
    free(d->inames);
    free(d->isuffix);
    memset(d, 0, sizeof *d);
}

static char *suffix_of(const char *name, const char *table)
{
    size_t n = strlen(table);
    if (strncmp(name, table, n) == 0 && name[n] == '_')
        return strdup(name + n + 1);
    return strdup(name);
}

/* Unique/primary-key constraints and the other indexes of STAGE.table. */
static bool read_defs(PGconn *conn, const char *table, struct defs *d, char *err,
                      size_t errlen)
{
    memset(d, 0, sizeof *d);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
             " WHERE conrelid = '" STAGE ".%s'::regclass AND contype IN ('p', 'u')"
             " ORDER BY contype, conname", table);
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        one_line(err, errlen, NULL, PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    d->nconstraints = (size_t)PQntuples(res);
    d->constraints = core_xcalloc(d->nconstraints, sizeof *d->constraints);
    d->cnames = core_xcalloc(d->nconstraints, sizeof *d->cnames);
    for (size_t i = 0; i < d->nconstraints; i++) {
        d->cnames[i] = suffix_of(PQgetvalue(res, (int)i, 0), table);
        d->constraints[i] = strdup(PQgetvalue(res, (int)i, 1));
    }
    PQclear(res);

    snprintf(sql, sizeof sql,
             "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
             " JOIN pg_class c ON c.oid = i.indexrelid"
             " WHERE i.indrelid = '" STAGE ".%s'::regclass"
             " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
             " ORDER BY c.relname", table);
    res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        one_line(err, errlen, NULL, PQresultErrorMessage(res));
        PQclear(res);
        defs_free(d);
        return false;
    }
    d->nindexes = (size_t)PQntuples(res);
    d->indexes = core_xcalloc(d->nindexes, sizeof *d->indexes);
    d->inames = core_xcalloc(d->nindexes, sizeof *d->inames);
    d->isuffix = core_xcalloc(d->nindexes, sizeof *d->isuffix);
    for (size_t i = 0; i < d->nindexes; i++) {
        const char *def = PQgetvalue(res, (int)i, 1);
        const char *using = strstr(def, " USING ");
        d->isuffix[i] = suffix_of(PQgetvalue(res, (int)i, 0), table);
        d->inames[i] = strdup(def);
        d->indexes[i] = strdup(using ? using + 1 : "");
        if (!using || strncmp(def, "CREATE INDEX ", 13) != 0) {
            snprintf(err, errlen, "cannot reuse the definition of index %s",
                     PQgetvalue(res, (int)i, 0));
            PQclear(res);
            defs_free(d);
            return false;
        }
    }
    PQclear(res);
    return true;
}

/* ---- cancelling: on failure, or on Ctrl-C ------------------------------- */

/* One slot per connection (main + workers). PQcancel is safe in a signal
 * handler; the PGcancel objects are made when a connection opens. */
#define MAX_CONNS 9
static PGcancel *volatile cancels[MAX_CONNS];
static volatile sig_atomic_t interrupted;

static void cancel_register(int slot, PGconn *conn)
{
    cancels[slot] = PQgetCancel(conn);
}

static void cancel_unregister(int slot)
{
    PGcancel *c = cancels[slot];
    cancels[slot] = NULL;
    if (c)
        PQfreeCancel(c);
}

static void cancel_all(void)
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
    interrupted = 1;
    cancel_all();
}

/* ---- the shared state of one load --------------------------------------- */

struct part {
    const struct seed_month *month;
    char name[64];
    bool built, attached;
};

struct run {
    struct seed_load *load;
    const struct seed_plan *plan;
    const struct seed_bodies *bodies;
    struct defs msg_defs;
    struct part *parts;
    size_t nparts;
    size_t next_job;          /* next partition to build (largest first) */
    size_t *order;
    /* Progress bars: one per step of a partition build, and the main
     * connection's contacts and attaches. */
    int bar_contacts, bar_copy, bar_commit, bar_attach;
    int *bar_constraint, *bar_index;     /* per msg_defs entry */
    _Atomic bool failed;
    char err[1024];
    pthread_mutex_t lock;
    pthread_cond_t changed;
};

static void run_fail(struct run *r, const char *msg)
{
    pthread_mutex_lock(&r->lock);
    if (!r->failed) {
        r->failed = true;
        snprintf(r->err, sizeof r->err, "%s", interrupted ? "interrupted" : msg);
        cancel_all();
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void format_ts(char *buf, size_t len, int64_t unix_us)
{
    time_t secs = (time_t)(unix_us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S+00", &tm);
}

/* Build one partition: create, COPY, index, all in one transaction. */
static bool debug_on(void)
{
    static int on = -1;
    if (on < 0)
        on = getenv("CONVO_SEED_DEBUG") != NULL;
    return on;
}

/* One step of a partition build, timed on its phase's bar; with
 * CONVO_SEED_DEBUG set, also one line per step on stderr (for tuning). */
static bool build_step(struct run *r, PGconn *conn, const struct part *p, int bar,
                       const char *step, const char *sql, char *err, size_t errlen)
{
    double t = seed_progress_begin(r->load->progress, bar);
    bool ok = run_sql(conn, sql, err, errlen);
    double now = seed_progress_end(r->load->progress, bar, ok ? p->month->count : 0, t);
    if (debug_on())
        fprintf(stderr, "convo-seed: debug: %s %s %.2f s\n", p->name, step, now - t);
    return ok;
}

/* CPU seconds the server process behind conn has used, when it runs on this
 * machine and we may read its /proc entry; else -1. For tuning only. */
static double backend_cpu(PGconn *conn)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", PQbackendPID(conn));
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static bool build_part(struct run *r, PGconn *conn, struct part *p, char *err, size_t errlen)
{
    struct seed_progress *progress = r->load->progress;
    const struct seed_month *m = p->month;
    char lo[40], hi[40];
    format_ts(lo, sizeof lo, m->lo_us);
    format_ts(hi, sizeof hi, m->hi_us);
    double t = seed_progress_begin(progress, r->bar_copy);
    if (!run_sql(conn, "BEGIN", err, errlen)
        || !run_fmt(conn, err, errlen,
                    "CREATE TABLE " STAGE ".%s (LIKE " STAGE ".messages"
                    " INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", p->name)
        || !run_fmt(conn, err, errlen,
                    "ALTER TABLE " STAGE ".%s ADD CONSTRAINT %s_range"
                    " CHECK (created_at >= '%s' AND created_at < '%s')",
                    p->name, p->name, lo, hi))
        return false;

    char sql[1024];
    snprintf(sql, sizeof sql,
             "COPY " STAGE ".%s (id, contact_id, direction, content, created_at)"
             " FROM STDIN (FORMAT binary, FREEZE)", p->name);
    if (!copy_begin(conn, sql, err, errlen))
        return false;
    struct copybuf b = {0};
    cb_header(&b);
    const struct seed_msg *msgs = r->plan->msgs;
    size_t reported = 0;
    for (size_t i = m->first; i < m->first + m->count; i++) {
        const struct seed_msg *msg = &msgs[i];
        uint32_t body = msg->body & ~SEED_MSG_OUT;
        cb_u16(&b, 5);
        cb_int8(&b, (int64_t)i + 1);
        cb_int4(&b, msg->contact);
        if (msg->body & SEED_MSG_OUT)
            cb_text(&b, "out", 3);
        else
            cb_text(&b, "in", 2);
        cb_text(&b, seed_body(r->bodies, body), r->bodies->len[body]);
        cb_time(&b, msg->at_us);
        if (b.len > (1 << 20)) {
            if (!copy_flush(conn, &b, err, errlen)) {
                free(b.data);
                return false;
            }
            /* Rows handed to the server; the last ones count when it has
             * them all. */
            size_t sent = i + 1 - m->first;
            seed_progress_add(progress, r->bar_copy, sent - reported);
            reported = sent;
        }
        if (r->failed)
            break;
    }
    bool ok = !r->failed && copy_end(conn, &b, err, errlen);
    free(b.data);
    if (!ok) {
        if (r->failed)
            snprintf(err, errlen, "cancelled");
        return false;
    }
    double now = seed_progress_end(progress, r->bar_copy, m->count - reported, t);
    if (debug_on())
        fprintf(stderr, "convo-seed: debug: %s copy %.2f s\n", p->name, now - t);

    const struct defs *d = &r->msg_defs;
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

struct worker {
    struct run *run;
    int index;
    pthread_t thread;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *r = w->run;
    char err[512];
    PGconn *conn = connect_db(r->load->conninfo, err, sizeof err);
    if (!conn) {
        run_fail(r, err);
        return NULL;
    }
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    /* Two builds share two cores: parallel index workers would only contend. */
    if (!run_sql(conn, "SET search_path = " STAGE ", public", err, sizeof err)
        || !run_sql(conn, "SET max_parallel_maintenance_workers = 0", err, sizeof err)) {
        run_fail(r, err);
        PQfinish(conn);
        return NULL;
    }
    cancel_register(1 + w->index, conn);

    for (;;) {
        if (interrupted) {
            run_fail(r, "interrupted");
            break;
        }
        pthread_mutex_lock(&r->lock);
        if (r->failed || r->next_job >= r->nparts) {
            pthread_mutex_unlock(&r->lock);
            break;
        }
        struct part *p = &r->parts[r->order[r->next_job++]];
        pthread_mutex_unlock(&r->lock);

        if (!build_part(r, conn, p, err, sizeof err)) {
            char msg[600];
            snprintf(msg, sizeof msg, "building %s: %s", p->name, err);
            run_fail(r, msg);
            break;
        }
        pthread_mutex_lock(&r->lock);
        p->built = true;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
    }
    cancel_unregister(1 + w->index);
    if (debug_on())
        fprintf(stderr, "convo-seed: debug: worker %d server CPU %.1f s\n", w->index,
                backend_cpu(conn));
    PQfinish(conn);
    return NULL;
}

/* ---- contacts ------------------------------------------------------------ */

static bool load_contacts(struct run *r, PGconn *conn, char *err, size_t errlen)
{
    struct defs d;
    if (!read_defs(conn, "contacts", &d, err, errlen))
        return false;
    struct seed_progress *progress = r->load->progress;
    double t = seed_progress_begin(progress, r->bar_contacts);
    size_t reported = 0;
    /* No TRUNCATE (and so no FREEZE): messages references contacts and the
     * workers hold the parent; 100k rows of WAL are cheap. */
    bool ok = run_sql(conn, "BEGIN", err, errlen);
    /* Indexes are built once after the load rather than row by row. */
    for (size_t i = 0; ok && i < d.nindexes; i++)
        ok = run_fmt(conn, err, errlen, "DROP INDEX " STAGE ".contacts_%s", d.isuffix[i]);
    ok = ok && copy_begin(conn,
                          "COPY " STAGE ".contacts (id, phone_number, name, created_at,"
                          " updated_at, last_message_at, last_message_id)"
                          " FROM STDIN (FORMAT binary)", err, errlen);
    if (ok) {
        struct copybuf b = {0};
        cb_header(&b);
        for (size_t i = 0; ok && i < r->plan->ncontacts; i++) {
            const struct seed_contact *c = &r->plan->contacts[i];
            cb_u16(&b, 7);
            cb_int4(&b, (int32_t)(i + 1));
            cb_text(&b, c->phone, strlen(c->phone));
            cb_text(&b, c->name, strlen(c->name));
            cb_time(&b, c->created_us);
            cb_time(&b, c->updated_us);
            if (c->last_id) {
                cb_time(&b, c->last_at_us);
                cb_int8(&b, c->last_id);
            } else {
                cb_null(&b);
                cb_null(&b);
            }
            if (b.len > (1 << 20)) {
                ok = copy_flush(conn, &b, err, errlen);
                seed_progress_add(progress, r->bar_contacts, i + 1 - reported);
                reported = i + 1;
            }
        }
        ok = ok && copy_end(conn, &b, err, errlen);
        free(b.data);
    }
    for (size_t i = 0; ok && i < d.nindexes; i++)
        ok = run_sql(conn, d.inames[i], err, errlen);
    ok = ok && run_sql(conn, "COMMIT", err, errlen);
    /* The bar stays at work through the index builds and finishes here. */
    seed_progress_end(progress, r->bar_contacts, ok ? r->plan->ncontacts - reported : 0, t);
    defs_free(&d);
    return ok;
}

/* ---- ANALYZE, watched --------------------------------------------------- */

/* How far conn's ANALYZE got: the pass (0: the partitioned parent, sampled
 * across all its partitions; 1: each partition on its own; PostgreSQL 15
 * does both, in that order) and the rows of the partitions that pass has
 * been through, in OID order (the order they were built) as ANALYZE takes
 * them. Partition sizes come from reltuples, which the index builds set. */
static const char watch_sql[] =
    "WITH a AS (SELECT relid = '" STAGE ".messages'::regclass AS parent, relid,"
    "                  current_child_table_relid AS child, child_tables_total AS ct,"
    "                  child_tables_done AS cd, sample_blks_total AS bt,"
    "                  sample_blks_scanned AS bs"
    "           FROM pg_stat_progress_analyze WHERE pid = $1),"
    " parts AS (SELECT c.oid, greatest(c.reltuples, 0)::float8 AS n"
    "           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    "           WHERE i.inhparent = '" STAGE ".messages'::regclass),"
    " cur AS (SELECT a.*, CASE WHEN a.parent THEN a.child ELSE a.relid END AS rel FROM a)"
    " SELECT (NOT parent)::int,"
    "   CASE WHEN parent AND child = 0"
    "        THEN CASE WHEN ct > 0 AND cd >= ct THEN (SELECT sum(n) FROM parts) ELSE 0 END"
    "        ELSE (SELECT coalesce(sum(n), 0) FROM parts WHERE oid < rel)"
    "           + (SELECT coalesce(sum(n), 0) FROM parts WHERE oid = rel)"
    "             * CASE WHEN bt > 0 THEN bs::float8 / bt ELSE 0 END"
    "   END"
    " FROM cur";

static void watch_analyze(struct run *r, PGconn *watch, int pid, int bar, uint64_t base)
{
    char pidtext[16];
    snprintf(pidtext, sizeof pidtext, "%d", pid);
    const char *params[1] = {pidtext};
    PGresult *res = PQexecParams(watch, watch_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        double rows = atof(PQgetvalue(res, 0, 1)), all = (double)r->plan->nmessages;
        if (rows > all)
            rows = all;
        /* The parent's pass samples about as much as one partition's. */
        double first = 1.0 / ((double)r->nparts + 1);
        double done = atoi(PQgetvalue(res, 0, 0)) ? all * first + rows * (1 - first)
                                                  : rows * first;
        seed_progress_set(r->load->progress, bar, base + (uint64_t)done);
        if (debug_on())
            fprintf(stderr, "convo-seed: debug: analyze pass %s, %.0f rows\n",
                    PQgetvalue(res, 0, 0), rows);
    } else if (debug_on()) {
        fprintf(stderr, "convo-seed: debug: analyze progress: %s", PQerrorMessage(watch));
    }
    PQclear(res);
}

/* ANALYZE messages on conn; meanwhile a second connection, when one can be
 * had, reads how far it got a few times a second. */
static bool analyze_messages(struct run *r, PGconn *conn, int bar, uint64_t base,
                             char *err, size_t errlen)
{
    char why[256];
    PGconn *watch = connect_db(r->load->conninfo, why, sizeof why);
    if (!PQsendQuery(conn, "ANALYZE " STAGE ".messages")) {
        one_line(err, errlen, NULL, PQerrorMessage(conn));
        PQfinish(watch);
        return false;
    }
    bool lost = false;
    while (!lost && PQisBusy(conn)) {
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
        int n = poll(&pfd, 1, 250);
        if (n > 0)
            lost = !PQconsumeInput(conn);
        else if (n == 0 && watch)
            watch_analyze(r, watch, PQbackendPID(conn), bar, base);
    }
    PQfinish(watch);
    bool ok = !lost;
    if (lost)
        one_line(err, errlen, NULL, PQerrorMessage(conn));
    PGresult *res;
    while ((res = PQgetResult(conn))) {
        if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
            one_line(err, errlen, NULL, PQresultErrorMessage(res));
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

/* ---- the whole load ------------------------------------------------------ */

/* Whether public already holds convo data: 1 rows, 2 the tables only,
 * 0 neither, -1 on error (err set). */
static int public_holds(PGconn *conn, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn,
        "SELECT (to_regclass('public.messages') IS NOT NULL"
        "        AND EXISTS (SELECT 1 FROM public.messages))"
        "    OR (to_regclass('public.contacts') IS NOT NULL"
        "        AND EXISTS (SELECT 1 FROM public.contacts))");
    int holds = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        holds = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    } else {
        /* EXISTS (SELECT ...) of a missing table fails when parsed: ask again
         * (inside a transaction, after a savepoint the caller set). */
        PQclear(res);
        res = PQexec(conn, PQtransactionStatus(conn) == PQTRANS_INERROR
                               ? "ROLLBACK TO SAVEPOINT convo_seed_check" : "SELECT 1");
        PQclear(res);
        res = PQexec(conn,
            "SELECT to_regclass('public.messages') IS NOT NULL"
            " OR to_regclass('public.contacts') IS NOT NULL");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            one_line(err, errlen, "cannot inspect the database", PQresultErrorMessage(res));
            holds = -1;
        } else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
            holds = 2;
        }
    }
    PQclear(res);
    return holds;
}

/* Refuse a database that holds data unless reset; err says why. */
static bool may_replace(PGconn *conn, bool reset, char *err, size_t errlen)
{
    int holds = public_holds(conn, err, errlen);
    if (holds < 0 || reset)
        return holds >= 0;
    if (holds == 1)
        snprintf(err, errlen, "the database already holds data; add --reset to replace it");
    else if (holds == 2)
        snprintf(err, errlen, "the database already has convo tables; add --reset to replace them");
    return holds == 0;
}

bool seed_load_check(struct seed_load *load, char *err, size_t errlen)
{
    PGconn *conn = connect_db(load->conninfo, err, errlen);
    if (!conn)
        return false;
    bool ok = may_replace(conn, load->reset, err, errlen);
    PQfinish(conn);
    return ok;
}

static int cmp_part_size(const void *a, const void *b, void *arg)
{
    const struct part *parts = arg;
    size_t x = parts[*(const size_t *)a].month->count;
    size_t y = parts[*(const size_t *)b].month->count;
    return (x < y) - (x > y);
}

static const char *rel_kind_word(char kind)
{
    switch (kind) {
    case 'v': return "VIEW";
    case 'm': return "MATERIALIZED VIEW";
    case 'S': return "SEQUENCE";
    case 'f': return "FOREIGN TABLE";
    default: return "TABLE";
    }
}

/* ---- the final COMMIT, whose outcome may be unknown ----------------------- */

/* Faults for tests only. CONVO_SEED_TEST_COMMIT: "lose-before" drops the
 * connection before COMMIT is sent, "lose-after" once the server has
 * answered it (the answer is never read). CONVO_SEED_TEST_COMMIT_BEFORE and
 * _AFTER: shell commands run just before and just after COMMIT is sent,
 * with CONVO_SEED_BACKEND_PID set to the server process doing it. */
static void commit_fault(PGconn *conn, bool sent)
{
    const char *cmd = getenv(sent ? "CONVO_SEED_TEST_COMMIT_AFTER" : "CONVO_SEED_TEST_COMMIT_BEFORE");
    if (cmd) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", PQbackendPID(conn));
        setenv("CONVO_SEED_BACKEND_PID", pid, 1);
        if (system(cmd) != 0)
            fprintf(stderr, "convo-seed: test hook failed: %s\n", cmd);
    }
    const char *f = getenv("CONVO_SEED_TEST_COMMIT");
    if (!f || strcmp(f, sent ? "lose-after" : "lose-before") != 0)
        return;
    int fd = PQsocket(conn);
    if (sent) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        poll(&pfd, 1, 10000);
    }
    /* In the socket's place, one whose other end is closed: the server sees
     * the connection end, libpq sees it closed by the server. */
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
        close(pair[1]);
        dup2(pair[0], fd);
        close(pair[0]);
    }
}

/* Whether public holds the data marked with marker: 1 yes, 0 no, -1 the
 * server could not be reached within the wait. */
static int find_marker(const char *conninfo, const char *marker)
{
    const char *env = getenv("CONVO_SEED_TEST_RECONNECT_S");
    double wait = env ? atof(env) : 15.0, until = seed_now() + wait;
    for (;;) {
        char why[256];
        PGconn *c = connect_db(conninfo, why, sizeof why);
        if (c) {
            PGresult *res = PQexec(c, "SELECT coalesce(obj_description("
                                      "to_regclass('public.contacts'), 'pg_class'), '')");
            int found = PQresultStatus(res) == PGRES_TUPLES_OK
                            ? strcmp(PQgetvalue(res, 0, 0), marker) == 0 : -1;
            PQclear(res);
            PQfinish(c);
            if (found >= 0)
                return found;
        }
        if (interrupted || seed_now() >= until)
            return -1;
        usleep(500 * 1000);
    }
}

/* COMMIT the swap. 1 committed, 0 not (err set), -1 the server went away
 * before answering and it could not be asked again (err set). When the
 * connection is lost during COMMIT, a new one looks for marker, which the
 * transaction wrote. */
static int commit_swap(struct seed_load *load, PGconn *conn, const char *marker,
                       char *err, size_t errlen)
{
    commit_fault(conn, false);
    bool sent = PQsendQuery(conn, "COMMIT") == 1;
    while (sent && PQflush(conn) > 0) {
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLOUT};
        poll(&pfd, 1, 1000);
    }
    if (sent)
        commit_fault(conn, true);
    int outcome = -1;   /* no answer yet */
    PGresult *res;
    while (sent && (res = PQgetResult(conn))) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            outcome = strcmp(PQcmdStatus(res), "COMMIT") == 0;
            if (!outcome)
                snprintf(err, errlen, "COMMIT: the transaction was rolled back");
        } else if (PQstatus(conn) == CONNECTION_OK && state && strncmp(state, "08", 2) != 0
                   && strncmp(state, "57P", 3) != 0) {
            /* The server answered: it did not commit. */
            outcome = 0;
            one_line(err, errlen, "COMMIT", PQresultErrorMessage(res));
        }
        PQclear(res);
    }
    if (outcome >= 0)
        return outcome;
    /* Lost: the COMMIT may or may not have happened. */
    load->commit_lost = true;
    outcome = find_marker(load->conninfo, marker);
    if (outcome == 1)
        return 1;
    if (outcome == 0)
        snprintf(err, errlen, "the connection was lost during the final COMMIT; reconnected and"
                 " found the new data was not committed");
    else
        snprintf(err, errlen, "the connection was lost during the final COMMIT and the database"
                 " could not be reached again: whether the new data was committed is unknown"
                 " (it was if public.contacts carries the comment '%s')", marker);
    load->outcome_unknown = outcome < 0;
    return outcome;
}

/* Move everything in the staging schema to public, replacing what is there:
 * tables (and each partition, which does not follow its parent), views, and
 * sequences no table owns (owned ones move with their table). */
static int swap_once(struct seed_load *load, PGconn *conn, bool nowait, char *err,
                     size_t errlen)
{
    last_sqlstate[0] = '\0';
    if (!run_sql(conn, "BEGIN", err, errlen)
        || !run_sql(conn, "SET LOCAL lock_timeout = '20s'", err, errlen))
        return false;
    /* Each staging relation, with the kind of the public one it replaces. */
    PGresult *res = PQexec(conn,
        "SELECT s.relname, s.relkind, s.relispartition, p.relkind FROM pg_class s"
        " LEFT JOIN pg_class p ON p.relname = s.relname"
        "  AND p.relnamespace = 'public'::regnamespace"
        "  AND p.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        " WHERE s.relnamespace = '" STAGE "'::regnamespace"
        "   AND (s.relkind IN ('r', 'p', 'v', 'm')"
        "        OR (s.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend d"
        "             WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid"
        "               AND d.deptype IN ('a', 'i'))))"
        " ORDER BY s.relispartition, s.relkind = 'p' DESC, s.relname");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        one_line(err, errlen, NULL, PQresultErrorMessage(res));
        PQclear(res);
        return 0;
    }
    int n = PQntuples(res);

    /* Take every lock at once, contacts before messages as readers do;
     * dropping messages alone would lock contacts (its foreign key) last and
     * deadlock with a reader that holds contacts. */
    char lock[2048] = "LOCK TABLE ";
    size_t len = strlen(lock);
    int nlock = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            const char *old = PQgetvalue(res, i, 3);
            if (strcmp(PQgetvalue(res, i, 2), "t") == 0 || old[0] != (pass ? 'p' : 'r'))
                continue;
            char *ident = PQescapeIdentifier(conn, PQgetvalue(res, i, 0),
                                             strlen(PQgetvalue(res, i, 0)));
            len += (size_t)snprintf(lock + len, sizeof lock - len, "%spublic.%s",
                                    nlock++ ? ", " : "", ident);
            PQfreemem(ident);
        }
    snprintf(lock + len, sizeof lock - len, " IN ACCESS EXCLUSIVE MODE%s",
             nowait ? " NOWAIT" : "");
    bool ok = nlock == 0 || run_sql(conn, lock, err, errlen);
    /* Someone may have filled the database since the first look: with
     * every table locked, look again (a later busy retry is no use). */
    if (ok && !load->reset) {
        ok = run_sql(conn, "SAVEPOINT convo_seed_check", err, errlen)
             && may_replace(conn, false, err, errlen);
        if (!ok)
            last_sqlstate[0] = '\0';
    }

    for (int i = 0; ok && i < n; i++) {
        const char *old = PQgetvalue(res, i, 3);
        if (strcmp(PQgetvalue(res, i, 2), "t") == 0 || !old[0])
            continue;
        char *ident = PQescapeIdentifier(conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        ok = run_fmt(conn, err, errlen, "DROP %s IF EXISTS public.%s CASCADE",
                     rel_kind_word(old[0]), ident);
        PQfreemem(ident);
    }
    for (int i = 0; ok && i < n; i++) {
        char *ident = PQescapeIdentifier(conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        ok = run_fmt(conn, err, errlen, "ALTER %s " STAGE ".%s SET SCHEMA public",
                     rel_kind_word(PQgetvalue(res, i, 1)[0]), ident);
        PQfreemem(ident);
    }
    PQclear(res);
    ok = ok && run_sql(conn, "DROP SCHEMA " STAGE " CASCADE", err, errlen);
    /* The mark by which a new connection can tell whether COMMIT happened. */
    ok = ok && run_fmt(conn, err, errlen, "COMMENT ON TABLE public.contacts IS '%s'",
                       load->marker);
    if (ok && interrupted) {
        snprintf(err, errlen, "interrupted");
        ok = false;
    }
    if (ok)
        return commit_swap(load, conn, load->marker, err, errlen);
    if (!ok) {
        char state[6];
        memcpy(state, last_sqlstate, sizeof state);
        PGresult *rb = PQexec(conn, "ROLLBACK");
        PQclear(rb);
        memcpy(last_sqlstate, state, sizeof state);
    }
    return 0;
}

/* The swap waits for no one at first (NOWAIT, retried), so readers never
 * queue behind it; only then does it wait its turn. A deadlock or lock
 * timeout rolls back and tries again: the staging schema is still whole. */
static bool swap_in(struct seed_load *load, PGconn *conn, char *err, size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        bool nowait = attempt < 12;
        int done = swap_once(load, conn, nowait, err, errlen);
        if (done)
            return done > 0;
        if (load->commit_lost)
            return false;
        bool busy = strcmp(last_sqlstate, "55P03") == 0 || strcmp(last_sqlstate, "40P01") == 0;
        if (!busy || interrupted || attempt >= 17)
            return false;
        if (nowait)
            usleep(250 * 1000);
    }
}

/* The lock that makes one seeder per database. A seeder killed with
 * SIGKILL leaves a server process that holds it until it notices (at its
 * next message to the client), so wait for it a while before refusing. */
static bool take_seed_lock(PGconn *conn, char *err, size_t errlen)
{
    const char *env = getenv("CONVO_SEED_LOCK_WAIT_S");
    double until = seed_now() + (env ? atof(env) : 10.0);
    for (;;) {
        PGresult *res = PQexec(conn, "SELECT pg_try_advisory_lock(hashtext('convo-seed')),"
                                     " (SELECT min(pid) FROM pg_locks WHERE locktype = 'advisory'"
                                     "   AND objid = hashtext('convo-seed')::oid AND granted)");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            one_line(err, errlen, NULL, PQresultErrorMessage(res));
            PQclear(res);
            return false;
        }
        bool mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        if (!mine && (interrupted || seed_now() >= until)) {
            snprintf(err, errlen, "another convo-seed is loading this database (server process %s)",
                     PQgetvalue(res, 0, 1));
        }
        PQclear(res);
        if (mine)
            return true;
        if (interrupted || seed_now() >= until)
            return false;
        usleep(200 * 1000);
    }
}

bool seed_load_run(struct seed_load *load, const struct seed_plan *plan,
                   const struct seed_bodies *bodies, char *err, size_t errlen)
{
    struct run r = {.load = load, .plan = plan, .bodies = bodies};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.changed, NULL);
    struct worker workers[8];
    int nworkers = load->workers < 1 ? 1 : load->workers > 8 ? 8 : load->workers;
    int started = 0;
    bool ok = false;

    PGconn *conn = connect_db(load->conninfo, err, errlen);
    if (!conn)
        goto out;
    PQsetNoticeProcessor(conn, quiet_notice, NULL);
    cancel_register(0, conn);
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(load->marker, sizeof load->marker, "convo-seed %lld.%09ld pid %d",
                 (long long)ts.tv_sec, (long)ts.tv_nsec, (int)getpid());
    }

    /* One seeder per database: a second would drop the first one's stage.
     * Under the lock, look at the data again: another seeder or writer may
     * have filled the database since seed_load_check(). */
    if (!take_seed_lock(conn, err, errlen) || !may_replace(conn, load->reset, err, errlen)) {
        cancel_unregister(0);
        PQfinish(conn);
        conn = NULL;
        goto out;
    }

    /* Stage: the schema files applied to an empty staging schema. */
    struct seed_progress *progress = load->progress;
    int bar = seed_progress_bar(progress, "schema", 0, NULL);
    seed_progress_begin(progress, bar);
    if (!run_sql(conn, "DROP SCHEMA IF EXISTS " STAGE " CASCADE", err, errlen)
        || !run_sql(conn, "CREATE SCHEMA " STAGE, err, errlen)
        || !run_sql(conn, "SET search_path = " STAGE ", public", err, errlen)
        || !apply_schema(conn, err, errlen))
        goto fail;
    /* Months the schema prepared ahead are rebuilt from our data or re-added
     * after the load. */
    {
        PGresult *res = PQexec(conn,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = '" STAGE ".messages'::regclass"
            "   AND c.relname <> 'messages_default'");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            one_line(err, errlen, NULL, PQresultErrorMessage(res));
            PQclear(res);
            goto fail;
        }
        for (int i = 0; i < PQntuples(res); i++)
            if (!run_fmt(conn, err, errlen, "DROP TABLE " STAGE ".%s", PQgetvalue(res, i, 0))) {
                PQclear(res);
                goto fail;
            }
        PQclear(res);
    }
    if (!read_defs(conn, "messages", &r.msg_defs, err, errlen))
        goto fail;
    seed_progress_finish(progress, bar);

    /* Every phase to come, shown waiting until it starts. The index bars
     * follow the definitions read back from the schema. */
    r.bar_contacts = seed_progress_bar(progress, "contacts", plan->ncontacts, "rows");
    r.bar_copy = seed_progress_bar(progress, "copy", plan->nmessages, "rows");
    r.bar_constraint = core_xcalloc(r.msg_defs.nconstraints + 1, sizeof *r.bar_constraint);
    r.bar_index = core_xcalloc(r.msg_defs.nindexes + 1, sizeof *r.bar_index);
    for (size_t i = 0; i < r.msg_defs.nconstraints + r.msg_defs.nindexes; i++) {
        bool con = i < r.msg_defs.nconstraints;
        size_t k = con ? i : i - r.msg_defs.nconstraints;
        char name[48];
        snprintf(name, sizeof name, "index %s", con ? r.msg_defs.cnames[k] : r.msg_defs.isuffix[k]);
        *(con ? &r.bar_constraint[k] : &r.bar_index[k]) =
            seed_progress_bar(progress, name, plan->nmessages, "rows");
    }
    r.bar_commit = seed_progress_bar(progress, "commit", plan->nmessages, "rows");
    r.bar_attach = seed_progress_bar(progress, "attach", plan->nmessages, "rows");
    int bar_analyze = seed_progress_bar(progress, "analyze", plan->ncontacts + plan->nmessages,
                                        "rows");
    int bar_swap = seed_progress_bar(progress, "swap", 0, NULL);

    r.nparts = plan->nmonths;
    r.parts = core_xcalloc(r.nparts, sizeof *r.parts);
    r.order = core_xmalloc(r.nparts * sizeof *r.order);
    for (size_t i = 0; i < r.nparts; i++) {
        r.parts[i].month = &plan->months[i];
        snprintf(r.parts[i].name, sizeof r.parts[i].name, "messages_y%04dm%02d",
                 plan->months[i].year, plan->months[i].month);
        r.order[i] = i;
    }
    /* Largest first, so the two workers finish together. */
    qsort_r(r.order, r.nparts, sizeof *r.order, cmp_part_size, r.parts);

    for (int i = 0; i < nworkers; i++) {
        workers[i] = (struct worker){.run = &r, .index = i};
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0) {
            run_fail(&r, "cannot start a worker thread");
            break;
        }
        started++;
    }

    /* Meanwhile: contacts, then each partition as soon as it is built. */
    {
        char why[512];
        if (!load_contacts(&r, conn, why, sizeof why)) {
            char msg[600];
            snprintf(msg, sizeof msg, "loading contacts: %s", why);
            run_fail(&r, msg);
        }
    }
    for (size_t attached = 0; attached < r.nparts;) {
        pthread_mutex_lock(&r.lock);
        struct part *ready = NULL;
        while (!r.failed && !ready) {
            for (size_t i = 0; i < r.nparts && !ready; i++)
                if (r.parts[i].built && !r.parts[i].attached)
                    ready = &r.parts[i];
            if (!ready && !r.failed)
                pthread_cond_wait(&r.changed, &r.lock);
        }
        bool failed = r.failed;
        pthread_mutex_unlock(&r.lock);
        if (failed)
            break;
        char lo[40], hi[40], why[512];
        format_ts(lo, sizeof lo, ready->month->lo_us);
        format_ts(hi, sizeof hi, ready->month->hi_us);
        double t = seed_progress_begin(progress, r.bar_attach);
        if (!run_fmt(conn, why, sizeof why,
                     "ALTER TABLE " STAGE ".messages ATTACH PARTITION " STAGE ".%s"
                     " FOR VALUES FROM ('%s') TO ('%s')", ready->name, lo, hi)
            || !run_fmt(conn, why, sizeof why, "ALTER TABLE " STAGE ".%s DROP CONSTRAINT %s_range",
                        ready->name, ready->name)) {
            char msg[600];
            snprintf(msg, sizeof msg, "attaching %s: %s", ready->name, why);
            run_fail(&r, msg);
            break;
        }
        seed_progress_end(progress, r.bar_attach, ready->month->count, t);
        ready->attached = true;
        attached++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    started = 0;
    if (r.failed) {
        snprintf(err, errlen, "%s", r.err);
        goto fail;
    }
    /* Each finished when its last rows were done; this only makes sure. */
    seed_progress_finish(progress, r.bar_contacts);
    for (size_t i = 0; i < r.msg_defs.nconstraints; i++)
        seed_progress_finish(progress, r.bar_constraint[i]);
    for (size_t i = 0; i < r.msg_defs.nindexes; i++)
        seed_progress_finish(progress, r.bar_index[i]);
    seed_progress_finish(progress, r.bar_copy);
    seed_progress_finish(progress, r.bar_commit);
    seed_progress_finish(progress, r.bar_attach);

    if (interrupted)
        goto fail;
    {
        double t = seed_progress_begin(progress, bar_analyze);
        if (!run_sql(conn, "VACUUM (ANALYZE) " STAGE ".contacts", err, errlen))
            goto fail;
        seed_progress_add(progress, bar_analyze, plan->ncontacts);
        if (!analyze_messages(&r, conn, bar_analyze, plan->ncontacts, err, errlen))
            goto fail;
        seed_progress_set(progress, bar_analyze, plan->ncontacts + plan->nmessages);
        seed_progress_end(progress, bar_analyze, 0, t);
    }

    if (interrupted)
        goto fail;
    seed_progress_begin(progress, bar_swap);
    /* Idempotent schema files fill in what the load left out (months ahead). */
    if (!apply_schema(conn, err, errlen)
        || !run_fmt(conn, err, errlen,
                    "SELECT setval(pg_get_serial_sequence('" STAGE ".contacts', 'id'), %zu),"
                    " setval(pg_get_serial_sequence('" STAGE ".messages', 'id'), %zu)",
                    plan->ncontacts, plan->nmessages ? plan->nmessages : 1)
        || !swap_in(load, conn, err, errlen))
        goto fail;
    seed_progress_finish(progress, bar_swap);
    if (debug_on())
        fprintf(stderr, "convo-seed: debug: main server CPU %.1f s\n", backend_cpu(conn));
    ok = true;
    goto out;

fail:
    cancel_unregister(0);
    if (interrupted)
        snprintf(err, errlen, "interrupted");
    if (conn && PQstatus(conn) != CONNECTION_OK) {
        PQfinish(conn);
        conn = connect_db(load->conninfo, (char[256]){0}, 256);
    }
    if (conn) {
        PGresult *res = PQexec(conn, "ROLLBACK");
        bool gone = PQresultStatus(res) != PGRES_COMMAND_OK;
        PQclear(res);
        if (gone) {
            PQfinish(conn);
            conn = connect_db(load->conninfo, (char[256]){0}, 256);
        }
    }
    if (conn) {
        PGresult *res = PQexec(conn, "DROP SCHEMA IF EXISTS " STAGE " CASCADE");
        PQclear(res);
    }
out:
    cancel_unregister(0);
    for (int i = 0; i < started; i++)
        pthread_join(workers[i].thread, NULL);
    if (conn)
        PQfinish(conn);
    defs_free(&r.msg_defs);
    free(r.parts);
    free(r.order);
    free(r.bar_constraint);
    free(r.bar_index);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.changed);
    return ok;
}

/* seeder/live.c - convo-seed --live: realistic traffic into an existing
 * database, for the demo ("watch the list move") and as the load of the
 * live tests and the write benchmark.
 *
 * Every message is an ordinary one-row INSERT in a transaction of its own,
 * sent from several connections (threads), so it goes through the same
 * triggers (pointer, notification) as any client's. Conversations are
 * sessions of 1-40 turns, the speaker switching 82% of the time, bodies
 * taken as consecutive lines of the body list (CSV dialogues stay together).
 * Most sessions continue an existing conversation, picked with heavy-tailed
 * weights by how recently it was active (a Zipf law over that rank, as chat
 * traffic concentrates on a few busy conversations); some start a new one
 * with a new contact. The pace is open-loop: each connection keeps its share
 * of RATE on a fixed schedule and catches up when behind; RATE 0 means as
 * fast as the database allows. */
#include "seed.h"
#include "pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ZIPF_S 0.9
#define NEW_CONTACT_SHARE 0.03
#define OPEN_SESSIONS 12
/* Commit latency histogram: buckets 1% apart from 10 us to about 100 s. */
#define HIST_BUCKETS 1700
#define HIST_BASE_US 10.0
#define HIST_STEP 1.01

static atomic_bool live_stop;

struct live_hist {
    uint64_t n[HIST_BUCKETS];
    uint64_t total;
};

static void hist_add(struct live_hist *h, double us)
{
    int b = us <= HIST_BASE_US ? 0 : (int)(log(us / HIST_BASE_US) / log(HIST_STEP));
    if (b >= HIST_BUCKETS)
        b = HIST_BUCKETS - 1;
    h->n[b]++;
    h->total++;
}

static double hist_quantile(const struct live_hist *h, double q)
{
    if (!h->total)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)h->total), seen = 0;
    for (int b = 0; b < HIST_BUCKETS; b++) {
        seen += h->n[b];
        if (seen >= want && want > 0)
            return HIST_BASE_US * pow(HIST_STEP, b + 1) / 1000.0; /* ms, bucket top */
    }
    return HIST_BASE_US * pow(HIST_STEP, HIST_BUCKETS) / 1000.0;
}

struct live_shared {
    const struct seed_live *opt;
    const struct seed_bodies *bodies;
    int32_t *contacts;        /* by recency rank */
    struct seed_zipf zipf;    /* over contacts, most active first */
    atomic_uint_fast64_t sent, failed, created;
    FILE *ids;                /* --ids: what was written, a line each */
    pthread_mutex_t ids_lock;
};

struct session {
    int32_t contact;
    int turns_left;
    bool outbound;
    size_t body;
};

struct live_worker {
    struct live_shared *sh;
    int index;
    pthread_t thread;
    struct seed_rng rng;
    PGconn *conn;
    struct live_hist hist;
    struct session open[OPEN_SESSIONS];
    char err[256];
};

/* --ids: "contact ID" or "message CREATED_AT ID", so that what live traffic
 * wrote can be found again and removed exactly. */
static void note_id(struct live_shared *sh, const char *kind, const char *a, const char *b)
{
    if (!sh->ids)
        return;
    pthread_mutex_lock(&sh->ids_lock);
    fprintf(sh->ids, b ? "%s %s\t%s\n" : "%s %s\n", kind, a, b);
    fflush(sh->ids);
    pthread_mutex_unlock(&sh->ids_lock);
}

static int32_t pick_contact(struct live_worker *w)
{
    return w->sh->contacts[seed_zipf_pick(&w->sh->zipf, &w->rng)];
}

/* A new contact for a new conversation; 0 when it could not be made. */
static int32_t new_contact(struct live_worker *w)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        char name[96], phone[24];
        seed_people_name(&w->rng, name, sizeof name);
        seed_people_phone(&w->rng, phone, sizeof phone);
        const char *params[2] = {phone, name};
        PGresult *r = PQexecParams(w->conn,
            "INSERT INTO contacts (phone_number, name) VALUES ($1, $2)"
            " ON CONFLICT (phone_number) DO NOTHING RETURNING id", 2, NULL, params, NULL, NULL, 0);
        int32_t id = 0;
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
            id = (int32_t)atol(PQgetvalue(r, 0, 0));
            note_id(w->sh, "contact", PQgetvalue(r, 0, 0), NULL);
        }
        else if (PQresultStatus(r) != PGRES_TUPLES_OK)
            seed_pg_error(w->err, sizeof w->err, NULL, PQresultErrorMessage(r));
        PQclear(r);
        if (id) {
            atomic_fetch_add(&w->sh->created, 1);
            return id;
        }
    }
    return 0;
}

static void session_start(struct live_worker *w, struct session *s)
{
    bool fresh = seed_rng_chance(&w->rng, NEW_CONTACT_SHARE);
    s->contact = fresh ? new_contact(w) : 0;
    if (!s->contact)
        s->contact = pick_contact(w);
    /* 1-40 turns, most sessions short. */
    s->turns_left = 1 + (int)fmin(39.0, floor(-log(1.0 - seed_rng_unit(&w->rng)) * 6.0));
    s->outbound = seed_rng_chance(&w->rng, 0.5);
    s->body = seed_rng_below(&w->rng, w->sh->bodies->count);
}

/* One message, one transaction. Returns false on a lost connection. */
static bool send_turn(struct live_worker *w, struct session *s)
{
    const struct seed_bodies *b = w->sh->bodies;
    char cid[16];
    snprintf(cid, sizeof cid, "%ld", (long)s->contact);
    const char *params[3] = {cid, s->outbound ? "out" : "in", seed_body(b, s->body % b->count)};
    double t0 = seed_now();
    PGresult *r = PQexecPrepared(w->conn, "live_insert", 3, params, NULL, NULL, 0);
    double us = (seed_now() - t0) * 1e6;
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok) {
        note_id(w->sh, "message", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
        hist_add(&w->hist, us);
        atomic_fetch_add(&w->sh->sent, 1);
    } else {
        atomic_fetch_add(&w->sh->failed, 1);
        seed_pg_error(w->err, sizeof w->err, NULL, PQresultErrorMessage(r));
    }
    PQclear(r);
    s->body++;
    if (seed_rng_chance(&w->rng, 0.82))
        s->outbound = !s->outbound;
    if (--s->turns_left <= 0)
        session_start(w, s);
    return PQstatus(w->conn) == CONNECTION_OK;
}

static void *worker_main(void *arg)
{
    struct live_worker *w = arg;
    const struct seed_live *opt = w->sh->opt;
    PGresult *r = PQprepare(w->conn, "live_insert",
                            "INSERT INTO messages (contact_id, direction, content)"
                            " VALUES ($1::int4, $2, $3) RETURNING created_at, id", 3, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        seed_pg_error(w->err, sizeof w->err, NULL, PQresultErrorMessage(r));
        PQclear(r);
        atomic_store(&live_stop, true);
        return NULL;
    }
    PQclear(r);
    for (int i = 0; i < OPEN_SESSIONS; i++)
        session_start(w, &w->open[i]);
    double per_conn = opt->rate / opt->connections;
    double start = seed_now(), next = start;
    while (!atomic_load(&live_stop)) {
        if (opt->duration > 0 && seed_now() - start >= opt->duration)
            break;
        if (per_conn > 0) {
            double wait = next - seed_now();
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
                nanosleep(&ts, NULL);
                continue;
            }
            next += 1.0 / per_conn;
        }
        /* Turns of the open sessions interleave, as conversations do. */
        struct session *s = &w->open[seed_rng_below(&w->rng, OPEN_SESSIONS)];
        if (!send_turn(w, s)) {
            atomic_store(&live_stop, true);
            break;
        }
    }
    return NULL;
}

static void on_stop(int sig)
{
    (void)sig;
    atomic_store(&live_stop, true);
}

/* Contacts by recency, most recent first, and their Zipf weights. */
static bool load_contacts(PGconn *conn, struct live_shared *sh, char *err, size_t errlen)
{
    PGresult *r = PQexec(conn, "SELECT id FROM contacts"
                               " ORDER BY last_message_at DESC NULLS LAST, last_message_id DESC, id");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, NULL, PQresultErrorMessage(r));
        PQclear(r);
        return false;
    }
    size_t n = (size_t)PQntuples(r);
    if (n == 0) {
        snprintf(err, errlen, "the database has no contacts: seed it first");
        PQclear(r);
        return false;
    }
    sh->contacts = core_xmalloc(n * sizeof *sh->contacts);
    for (size_t i = 0; i < n; i++)
        sh->contacts[i] = (int32_t)atol(PQgetvalue(r, (int)i, 0));
    seed_zipf_init(&sh->zipf, n, ZIPF_S);
    PQclear(r);
    return true;
}

/* The line that sums up a run: rate, commit latency, contacts, failures. */
static void live_report(struct live_shared *sh, const struct live_hist *total, double secs,
                        int connections)
{
    const struct seed_live *opt = sh->opt;
    char target[32];
    snprintf(target, sizeof target, "%.0f/s", opt->rate);
    printf("convo-seed: live: %llu messages in %.1f s = %.0f/s (target %s) on %d connections,"
           " commit latency p50 %.2f ms, p99 %.2f ms; %llu new contacts, %llu failed\n",
           (unsigned long long)atomic_load(&sh->sent), secs,
           secs > 0 ? (double)atomic_load(&sh->sent) / secs : 0, opt->rate > 0 ? target : "max",
           connections, hist_quantile(total, 0.5), hist_quantile(total, 0.99),
           (unsigned long long)atomic_load(&sh->created),
           (unsigned long long)atomic_load(&sh->failed));
    fflush(stdout);
}

int seed_live_run(const struct seed_live *opt, const struct seed_bodies *bodies,
                  char *err, size_t errlen)
{
    struct live_shared sh = {.opt = opt, .bodies = bodies};
    PGconn *main_conn = seed_pg_connect(opt->conninfo, err, errlen);
    if (!main_conn)
        return 1;
    bool ok = load_contacts(main_conn, &sh, err, errlen);
    PQfinish(main_conn);
    if (!ok)
        return 1;
    pthread_mutex_init(&sh.ids_lock, NULL);
    if (opt->ids_path && !(sh.ids = fopen(opt->ids_path, "a"))) {
        snprintf(err, errlen, "cannot write %s: %s", opt->ids_path, strerror(errno));
        free(sh.contacts);
        free(sh.zipf.cdf);
        return 1;
    }

    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int n = opt->connections;
    struct live_worker *w = core_xcalloc((size_t)n, sizeof *w);
    int started = 0;
    for (int i = 0; i < n; i++) {
        w[i].sh = &sh;
        w[i].index = i;
        seed_rng_init(&w[i].rng, opt->seed * 1000003ULL + (uint64_t)i);
        w[i].conn = seed_pg_connect(opt->conninfo, err, errlen);
        if (!w[i].conn) {
            atomic_store(&live_stop, true);
            break;
        }
        PQclear(PQexec(w[i].conn, "SET application_name = 'convo-seed --live'"));
        if (opt->async_commit)
            PQclear(PQexec(w[i].conn, "SET synchronous_commit = off"));
        if (pthread_create(&w[i].thread, NULL, worker_main, &w[i]) != 0) {
            snprintf(err, errlen, "cannot start a thread");
            PQfinish(w[i].conn);   /* the joins below cover only those started */
            atomic_store(&live_stop, true);
            break;
        }
        started++;
    }
    double t0 = seed_now(), last = t0;
    uint64_t last_sent = 0;
    while (started == n && !atomic_load(&live_stop)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double now = seed_now();
        if (opt->duration > 0 && now - t0 >= opt->duration + 1)
            break;
        if (now - last >= 5 && opt->progress) {
            uint64_t s = atomic_load(&sh.sent);
            fprintf(stderr, "convo-seed: live: %.0f s, %.0f/s over the last %.0f s\n",
                    now - t0, (double)(s - last_sent) / (now - last), now - last);
            last = now;
            last_sent = s;
        }
    }
    atomic_store(&live_stop, true);
    struct live_hist total = {0};
    int rc = started == n ? 0 : 1;
    for (int i = 0; i < started; i++) {
        pthread_join(w[i].thread, NULL);
        for (int b = 0; b < HIST_BUCKETS; b++)
            total.n[b] += w[i].hist.n[b];
        total.total += w[i].hist.total;
        if (PQstatus(w[i].conn) != CONNECTION_OK) {
            snprintf(err, errlen, "lost the connection: %s",
                     w[i].err[0] ? w[i].err : "server closed it");
            rc = 1;
        } else if (w[i].hist.total == 0 && w[i].err[0]) {
            snprintf(err, errlen, "%s", w[i].err);
            rc = 1;
        }
        PQfinish(w[i].conn);
    }
    double secs = seed_now() - t0;
    if (opt->duration > 0 && secs > opt->duration)
        secs = opt->duration;
    live_report(&sh, &total, secs, n);
    if (atomic_load(&sh.failed) && !rc) {
        for (int i = 0; i < started; i++)
            if (w[i].err[0]) {
                fprintf(stderr, "convo-seed: live: a message failed: %s\n", w[i].err);
                break;
            }
    }
    free(w);
    free(sh.contacts);
    free(sh.zipf.cdf);
    if (sh.ids && fclose(sh.ids) != 0 && !rc) {
        snprintf(err, errlen, "cannot write %s: %s", opt->ids_path, strerror(errno));
        rc = 1;
    }
    pthread_mutex_destroy(&sh.ids_lock);
    return rc;
}

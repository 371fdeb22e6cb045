/* seeder/swap.c - from built partitions to the data set in public:
 * ATTACH each partition (a matching index is attached, not rebuilt; the
 * CHECK matching the range spares the scan), ANALYZE while a second
 * connection watches its progress, then one short transaction that moves
 * the staging tables into public. When the connection drops during that
 * COMMIT, a new one asks whether it happened (the commit-unknown case);
 * the tests make it drop there through hooks.h. */
#include "swap.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hooks.h"
#include "pg.h"

void seed_swap_attach_all(struct seed_run *r, PGconn *conn)
{
    struct seed_progress *progress = r->load->progress;
    for (size_t attached = 0; attached < r->nparts;) {
        pthread_mutex_lock(&r->lock);
        struct seed_part *ready = NULL;
        while (!r->failed && !ready) {
            for (size_t i = 0; i < r->nparts && !ready; i++)
                if (r->parts[i].built && !r->parts[i].attached)
                    ready = &r->parts[i];
            if (!ready && !r->failed)
                pthread_cond_wait(&r->changed, &r->lock);
        }
        bool failed = r->failed;
        pthread_mutex_unlock(&r->lock);
        if (failed)
            break;
        char lo[40], hi[40], why[512];
        seed_pg_timestamp(lo, sizeof lo, ready->month->lo_us);
        seed_pg_timestamp(hi, sizeof hi, ready->month->hi_us);
        double t = seed_progress_begin(progress, r->bar_attach);
        if (!seed_pg_runf(conn, why, sizeof why,
                          "ALTER TABLE " STAGE ".messages ATTACH PARTITION " STAGE ".%s"
                          " FOR VALUES FROM ('%s') TO ('%s')", ready->name, lo, hi)
            || !seed_pg_runf(conn, why, sizeof why,
                             "ALTER TABLE " STAGE ".%s DROP CONSTRAINT %s_range",
                             ready->name, ready->name)) {
            char msg[600];
            snprintf(msg, sizeof msg, "attaching %s: %s", ready->name, why);
            seed_run_fail(r, msg);
            break;
        }
        seed_progress_end(progress, r->bar_attach, ready->month->count, t);
        ready->attached = true;
        attached++;
    }
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

static void watch_analyze(struct seed_run *r, PGconn *watch, int pid, int bar, uint64_t base)
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
        if (seed_pg_debug())
            fprintf(stderr, "convo-seed: debug: analyze pass %s, %.0f rows\n",
                    PQgetvalue(res, 0, 0), rows);
    } else if (seed_pg_debug()) {
        fprintf(stderr, "convo-seed: debug: analyze progress: %s", PQerrorMessage(watch));
    }
    PQclear(res);
}

/* ANALYZE messages on conn; meanwhile a second connection, when one can be
 * had, reads how far it got a few times a second. */
static bool analyze_messages(struct seed_run *r, PGconn *conn, int bar, uint64_t base,
                             char *err, size_t errlen)
{
    char why[256];
    PGconn *watch = seed_pg_connect(r->load->conninfo, why, sizeof why);
    if (!PQsendQuery(conn, "ANALYZE " STAGE ".messages")) {
        seed_pg_error(err, errlen, NULL, PQerrorMessage(conn));
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
        seed_pg_error(err, errlen, NULL, PQerrorMessage(conn));
    PGresult *res;
    while ((res = PQgetResult(conn))) {
        if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
            seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

bool seed_swap_analyze(struct seed_run *r, PGconn *conn, int bar, char *err, size_t errlen)
{
    const struct seed_plan *plan = r->plan;
    struct seed_progress *progress = r->load->progress;
    double t = seed_progress_begin(progress, bar);
    if (!seed_pg_run(conn, "VACUUM (ANALYZE) " STAGE ".contacts", err, errlen))
        return false;
    seed_progress_add(progress, bar, plan->ncontacts);
    if (!analyze_messages(r, conn, bar, plan->ncontacts, err, errlen))
        return false;
    seed_progress_set(progress, bar, plan->ncontacts + plan->nmessages);
    seed_progress_end(progress, bar, 0, t);
    return true;
}

/* ---- what may be replaced ------------------------------------------------- */

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
            seed_pg_error(err, errlen, "cannot inspect the database", PQresultErrorMessage(res));
            holds = -1;
        } else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
            holds = 2;
        }
    }
    PQclear(res);
    return holds;
}

/* Refuse a database that holds data unless reset; err says why. */
bool seed_swap_may_replace(PGconn *conn, bool reset, char *err, size_t errlen)
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

/* Whether public holds the data marked with marker: 1 yes, 0 no, -1 the
 * server could not be reached within the wait. */
static int find_marker(const char *conninfo, const char *marker)
{
    double until = seed_now() + seed_hook_wait_s(SEED_WAIT_RECONNECT, 15.0);
    for (;;) {
        char why[256];
        PGconn *c = seed_pg_connect(conninfo, why, sizeof why);
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
        if (seed_interrupted || seed_now() >= until)
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
    seed_hook_commit(conn, false);
    bool sent = PQsendQuery(conn, "COMMIT") == 1;
    while (sent && PQflush(conn) > 0) {
        struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLOUT};
        poll(&pfd, 1, 1000);
    }
    if (sent)
        seed_hook_commit(conn, true);
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
            seed_pg_error(err, errlen, "COMMIT", PQresultErrorMessage(res));
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
    seed_pg_sqlstate[0] = '\0';
    if (!seed_pg_run(conn, "BEGIN", err, errlen)
        || !seed_pg_run(conn, "SET LOCAL lock_timeout = '20s'", err, errlen))
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
        seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
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
    bool ok = nlock == 0 || seed_pg_run(conn, lock, err, errlen);
    /* Someone may have filled the database since the first look: with
     * every table locked, look again (a later busy retry is no use). */
    if (ok && !load->reset) {
        ok = seed_pg_run(conn, "SAVEPOINT convo_seed_check", err, errlen)
             && seed_swap_may_replace(conn, false, err, errlen);
        if (!ok)
            seed_pg_sqlstate[0] = '\0';
    }

    for (int i = 0; ok && i < n; i++) {
        const char *old = PQgetvalue(res, i, 3);
        if (strcmp(PQgetvalue(res, i, 2), "t") == 0 || !old[0])
            continue;
        char *ident = PQescapeIdentifier(conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        ok = seed_pg_runf(conn, err, errlen, "DROP %s IF EXISTS public.%s CASCADE",
                          rel_kind_word(old[0]), ident);
        PQfreemem(ident);
    }
    for (int i = 0; ok && i < n; i++) {
        char *ident = PQescapeIdentifier(conn, PQgetvalue(res, i, 0), strlen(PQgetvalue(res, i, 0)));
        ok = seed_pg_runf(conn, err, errlen, "ALTER %s " STAGE ".%s SET SCHEMA public",
                          rel_kind_word(PQgetvalue(res, i, 1)[0]), ident);
        PQfreemem(ident);
    }
    PQclear(res);
    ok = ok && seed_pg_run(conn, "DROP SCHEMA " STAGE " CASCADE", err, errlen);
    /* The mark by which a new connection can tell whether COMMIT happened. */
    ok = ok && seed_pg_runf(conn, err, errlen, "COMMENT ON TABLE public.contacts IS '%s'",
                            load->marker);
    if (ok && seed_interrupted) {
        snprintf(err, errlen, "interrupted");
        ok = false;
    }
    if (ok)
        return commit_swap(load, conn, load->marker, err, errlen);
    if (!ok) {
        char state[6];
        memcpy(state, seed_pg_sqlstate, sizeof state);
        PGresult *rb = PQexec(conn, "ROLLBACK");
        PQclear(rb);
        memcpy(seed_pg_sqlstate, state, sizeof state);
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
        bool busy = strcmp(seed_pg_sqlstate, "55P03") == 0 || strcmp(seed_pg_sqlstate, "40P01") == 0;
        if (!busy || seed_interrupted || attempt >= 17)
            return false;
        if (nowait)
            usleep(250 * 1000);
    }
}

bool seed_swap_publish(struct seed_run *r, PGconn *conn, char *err, size_t errlen)
{
    const struct seed_plan *plan = r->plan;
    /* The next id of each is one past the greatest loaded (1 when none). */
    long long contacts = plan->max_contact_id ? plan->max_contact_id : (long long)plan->ncontacts;
    long long messages = plan->max_message_id ? plan->max_message_id : (long long)plan->nmessages;
    /* Idempotent schema files fill in what the load left out (months
     * ahead), with public off the search path: 013 knows an index already
     * over the folded text by its definition, which names the function with
     * its schema only then. With public on the path it would drop and build
     * again the trigram and n-gram indexes of every month just built (half
     * of a 5M seed's time). */
    if (!seed_pg_run(conn, "SET search_path = " STAGE, err, errlen)
        || !seed_schema_apply(conn, err, errlen)
        || !seed_pg_run(conn, "SET search_path = " STAGE ", public", err, errlen)
        || !seed_pg_runf(conn, err, errlen,
                         "SELECT setval(pg_get_serial_sequence('" STAGE ".contacts', 'id'), %lld, %s),"
                         " setval(pg_get_serial_sequence('" STAGE ".messages', 'id'), %lld, %s)",
                         contacts > 0 ? contacts : 1, contacts > 0 ? "true" : "false",
                         messages > 0 ? messages : 1, messages > 0 ? "true" : "false")
        || !swap_in(r->load, conn, err, errlen))
        return false;
    return true;
}

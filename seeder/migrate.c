/* seeder/migrate.c - the schema ledger (see migrate.h). */
#include "migrate.h"

#include "lib.h"
#include "seed.h"

#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "schema.h"

#define LEDGER "public.convo_schema_migrations"

/* ---- the files ------------------------------------------------------------- */

struct migration {
    int version;
    char *name;         /* 008_phone_text.sql */
    char *sql;
    char checksum[65];  /* sha256, hex */
    bool applied;
};

struct migrations {
    struct migration *m;
    size_t n;
};

static void migrations_free(struct migrations *ms)
{
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->m[i].name);
        free(ms->m[i].sql);
    }
    free(ms->m);
    ms->m = NULL;
    ms->n = 0;
}

/* The server's sha256 of the file's bytes: the same in every client. */
static bool checksum(PGconn *conn, struct migration *m, size_t len, char *err, size_t errlen)
{
    const Oid types[1] = {17};   /* bytea */
    const char *values[1] = {m->sql};
    const int lengths[1] = {(int)len}, formats[1] = {1};
    PGresult *res = PQexecParams(conn, "SELECT encode(sha256($1), 'hex')", 1, types, values,
                                 lengths, formats, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok)
        snprintf(m->checksum, sizeof m->checksum, "%s", PQgetvalue(res, 0, 0));
    else
        seed_pg_error(err, errlen, m->name, PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

static bool migrations_read(PGconn *conn, struct migrations *ms, char *err, size_t errlen)
{
    char **names;
    size_t count;
    if (!seed_schema_list(&names, &count, err, errlen))
        return false;
    ms->m = core_xcalloc(count, sizeof *ms->m);
    bool ok = true;
    for (size_t i = 0; ok && i < count; i++) {
        struct migration *m = &ms->m[ms->n++];
        m->version = atoi(names[i]);
        m->name = core_xstrdup(names[i]);
        size_t len;
        m->sql = seed_schema_read(names[i], &len, err, errlen);
        ok = m->sql && checksum(conn, m, len, err, errlen);
        if (ok && i > 0 && ms->m[i - 1].version == m->version) {
            snprintf(err, errlen, "schema files %s and %s share version %d",
                     ms->m[i - 1].name, m->name, m->version);
            ok = false;
        }
    }
    seed_schema_list_free(names, count);
    if (!ok)
        migrations_free(ms);
    return ok;
}

static struct migration *by_version(struct migrations *ms, int version)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->m[i].version == version)
            return &ms->m[i];
    return NULL;
}

/* ---- the ledger ------------------------------------------------------------ */

/* Mark the files the ledger has; every difference goes into err, and then
 * false. */
static bool ledger_compare(PGconn *conn, struct migrations *ms, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SELECT version, name, checksum FROM " LEDGER " ORDER BY version");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, "cannot read the schema ledger", PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    char diff[1024] = "";
    size_t used = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *name = PQgetvalue(res, i, 1), *sum = PQgetvalue(res, i, 2);
        struct migration *m = by_version(ms, atoi(PQgetvalue(res, i, 0)));
        const char *sep = used ? ", " : "";
        if (!m)
            used += (size_t)snprintf(diff + used, sizeof diff - used,
                                     "%s%s (applied, not among the files)", sep, name);
        else if (strcmp(m->name, name) != 0)
            used += (size_t)snprintf(diff + used, sizeof diff - used,
                                     "%sversion %d (applied as %s, the file is %s)",
                                     sep, m->version, name, m->name);
        else if (strcmp(m->checksum, sum) != 0)
            used += (size_t)snprintf(diff + used, sizeof diff - used,
                                     "%s%s (applied with sha256 %.12s, the file has %.12s)",
                                     sep, name, sum, m->checksum);
        else
            m->applied = true;
        if (used >= sizeof diff)
            break;
    }
    PQclear(res);
    if (diff[0]) {
        char why[200];
        const char *where = seed_schema_folder(why, sizeof why);
        snprintf(err, errlen, "the schema this database applied differs from %s: %s;"
                 " nothing was changed (a migration is never edited once applied:"
                 " a change is a new file)", where ? where : "the schema files", diff);
        return false;
    }
    return true;
}

/* One file and its ledger row in one transaction, after waiting for any
 * other migrator; skipped when that one applied the same file meanwhile. */
static bool apply_one(PGconn *conn, const struct migration *m, bool *applied, char *err,
                      size_t errlen)
{
    char why[512];
    *applied = false;
    if (!seed_pg_run(conn, "BEGIN", why, sizeof why)
        || !seed_pg_run(conn, "SET LOCAL search_path = public", why, sizeof why)
        || !seed_pg_run(conn, "SELECT pg_advisory_xact_lock(hashtext('" LEDGER "'))", why, sizeof why)
        || !seed_pg_run(conn, "CREATE TABLE IF NOT EXISTS " LEDGER " ("
                              " version int PRIMARY KEY, name text NOT NULL,"
                              " checksum text NOT NULL,"
                              " applied_at timestamptz NOT NULL DEFAULT now())", why, sizeof why))
        goto fail;

    char version[16];
    snprintf(version, sizeof version, "%d", m->version);
    const char *params[3] = {version, m->name, m->checksum};
    PGresult *res = PQexecParams(conn, "SELECT checksum = $2 FROM " LEDGER " WHERE version = $1",
                                 2, NULL, (const char *[]){version, m->checksum}, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(why, sizeof why, NULL, PQresultErrorMessage(res));
        PQclear(res);
        goto fail;
    }
    if (PQntuples(res) == 1) {
        bool same = *PQgetvalue(res, 0, 0) == 't';
        PQclear(res);
        if (!same) {
            snprintf(why, sizeof why, "another migrator recorded a different %s", m->name);
            goto fail;
        }
        return seed_pg_run(conn, "COMMIT", err, errlen);
    }
    PQclear(res);

    if (!seed_pg_run(conn, m->sql, why, sizeof why))
        goto fail;
    res = PQexecParams(conn, "INSERT INTO " LEDGER " (version, name, checksum) VALUES ($1, $2, $3)",
                       3, NULL, params, NULL, NULL, 0);
    bool recorded = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!recorded)
        seed_pg_error(why, sizeof why, NULL, PQresultErrorMessage(res));
    PQclear(res);
    if (!recorded || !seed_pg_run(conn, "COMMIT", why, sizeof why))
        goto fail;
    *applied = true;
    return true;

fail:
    PQclear(PQexec(conn, "ROLLBACK"));
    snprintf(err, errlen, "schema %s: %s (the database was left as it was before this file)",
             m->name, why);
    return false;
}

static bool refuse_foreign(PGconn *conn, char *err, size_t errlen)
{
    char why[512];
    int shape = core_schema_shape(conn, why, sizeof why);
    if (shape < 0)
        snprintf(err, errlen, "cannot inspect the database: %s", why);
    else if (shape == CORE_SHAPE_FOREIGN)
        snprintf(err, errlen, "this database holds tables convo did not create (%s);"
                 " nothing was changed: copy them into a database of convo's with"
                 " ./run import SOURCE, or convert them in place with ./run setup --adopt", why);
    return shape >= 0 && shape != CORE_SHAPE_FOREIGN;
}

static bool ledger_exists(PGconn *conn, bool *exists, char *err, size_t errlen)
{
    PGresult *res = PQexec(conn, "SELECT to_regclass('" LEDGER "') IS NOT NULL");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    if (ok)
        *exists = *PQgetvalue(res, 0, 0) == 't';
    else
        seed_pg_error(err, errlen, "cannot inspect the database", PQresultErrorMessage(res));
    PQclear(res);
    return ok;
}

bool seed_migrate(PGconn *conn, bool check_only, FILE *log, char *err, size_t errlen)
{
    bool has_ledger;
    if (!ledger_exists(conn, &has_ledger, err, errlen))
        return false;
    if (!has_ledger && !refuse_foreign(conn, err, errlen))
        return false;
    struct migrations ms = {0};
    if (!migrations_read(conn, &ms, err, errlen))
        return false;
    bool ok = !has_ledger || ledger_compare(conn, &ms, err, errlen);

    char pending[512] = "";
    size_t used = 0;
    for (size_t i = 0; ok && i < ms.n; i++) {
        if (ms.m[i].applied)
            continue;
        if (check_only) {
            if (used < sizeof pending)
                used += (size_t)snprintf(pending + used, sizeof pending - used, "%s%s",
                                         used ? ", " : "", ms.m[i].name);
            continue;
        }
        bool applied;
        ok = apply_one(conn, &ms.m[i], &applied, err, errlen);
        if (ok && applied && log)
            fprintf(log, "convo-seed: schema %s applied\n", ms.m[i].name);
    }
    if (ok && pending[0]) {
        snprintf(err, errlen, "the database lacks schema %s (./run setup applies it)", pending);
        ok = false;
    }
    migrations_free(&ms);
    return ok;
}

/* ---- what --reset would take with it --------------------------------------- */

static const char dependents_sql[] =
    "WITH parts AS (SELECT inhrelid AS oid FROM pg_inherits"
    "               WHERE inhparent = to_regclass('public.messages')),"
    " targets AS (SELECT to_regclass('public.contacts') AS oid"
    "             UNION SELECT to_regclass('public.messages') UNION SELECT oid FROM parts),"
    " convo AS (SELECT oid FROM targets UNION SELECT c.oid FROM pg_class c"
    "           WHERE c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'convo\\_%'),"
    " dep AS (SELECT k.conrelid AS oid, 'foreign key ' || k.conname AS what"
    "         FROM pg_constraint k"
    "         WHERE k.contype = 'f' AND k.conparentid = 0"
    "           AND k.confrelid IN (SELECT oid FROM targets)"
    "           AND k.conrelid NOT IN (SELECT oid FROM convo)"
    "         UNION SELECT w.ev_class, 'view' FROM pg_depend d"
    "         JOIN pg_rewrite w ON w.oid = d.objid"
    "         WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass"
    "           AND d.refobjid IN (SELECT oid FROM targets)"
    "           AND w.ev_class NOT IN (SELECT oid FROM convo))"
    " SELECT d.oid::regclass::text || ' (' || string_agg(what, ', ' ORDER BY what) || ')'"
    " FROM dep d WHERE d.oid::regclass::text <> ALL ($1::text[])"
    " GROUP BY d.oid ORDER BY 1";

/* items as a text[] literal: {"a","b"}. */
static char *text_array(const char *const *items, size_t n)
{
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(items[i]) + 3;
    char *out = core_xmalloc(cap), *w = out;
    *w++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        *w++ = '"';
        for (const char *p = items[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                *w++ = '\\';
            *w++ = *p;
        }
        *w++ = '"';
    }
    *w++ = '}';
    *w = '\0';
    return out;
}

bool seed_foreign_dependents(PGconn *conn, const char *const *keep, size_t nkeep,
                             char *out, size_t outlen, char *err, size_t errlen)
{
    char *array = text_array(keep, nkeep);
    PGresult *res = PQexecParams(conn, dependents_sql, 1, NULL, (const char *[]){array}, NULL,
                                 NULL, 0);
    free(array);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, "cannot inspect the database", PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < PQntuples(res) && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
                                 PQgetvalue(res, i, 0));
    PQclear(res);
    return true;
}

/* seeder/schema.c - the schema files (the project's schema/ unless
 * --schema), applied to the staging schema, and the definitions read back
 * from it so that every partition gets the parent's indexes. */
#include "schema.h"

#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

const char *seed_schema_dir;   /* --schema; else the checkout's schema/ */

const char *seed_schema_folder(char *err, size_t errlen)
{
    static char dir[4096];
    if (seed_schema_dir)
        return seed_schema_dir;
    if (!core_checkout_dir(dir, sizeof dir - 8)) {
        snprintf(err, errlen, "cannot find the schema folder (no convo checkout above this"
                 " program); pass --schema DIR");
        return NULL;
    }
    strcat(dir, "/schema");
    return dir;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *seed_schema_read(const char *name, size_t *len, char *err, size_t errlen)
{
    const char *where = seed_schema_folder(err, errlen);
    if (!where)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", where, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, used = 0;
    char *buf = core_xmalloc(cap);
    size_t n;
    while ((n = fread(buf + used, 1, cap - used - 1, f)) > 0) {
        used += n;
        if (cap - used - 1 == 0) {
            cap *= 2;
            buf = core_xrealloc(buf, cap);
        }
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, errlen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
}

bool seed_schema_list(char ***names, size_t *count, char *err, size_t errlen)
{
    const char *where = seed_schema_folder(err, errlen);
    if (!where)
        return false;
    DIR *dir = opendir(where);
    if (!dir) {
        snprintf(err, errlen, "cannot open the schema folder %s: %s", where, strerror(errno));
        return false;
    }
    *names = NULL;
    *count = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && len > 4
            && strcmp(de->d_name + len - 4, ".sql") == 0) {
            *names = core_xrealloc(*names, (*count + 1) * sizeof **names);
            (*names)[(*count)++] = core_xstrdup(de->d_name);
        }
    }
    closedir(dir);
    if (*count)
        qsort(*names, *count, sizeof **names, cmp_str);
    else
        snprintf(err, errlen, "no schema files in %s", where);
    return *count > 0;
}

void seed_schema_list_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

bool seed_schema_apply(PGconn *conn, char *err, size_t errlen)
{
    char **names;
    size_t count;
    if (!seed_schema_list(&names, &count, err, errlen))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < count; i++) {
        char *sql = seed_schema_read(names[i], NULL, err, errlen);
        if (!sql) {
            ok = false;
            break;
        }
        char why[400];
        if (!seed_pg_run(conn, sql, why, sizeof why)) {
            snprintf(err, errlen, "schema %s: %s", names[i], why);
            ok = false;
        }
        free(sql);
    }
    seed_schema_list_free(names, count);
    return ok;
}

bool seed_schema_stage(PGconn *conn, struct seed_defs *msg_defs, char *err, size_t errlen)
{
    if (!seed_pg_run(conn, "DROP SCHEMA IF EXISTS " STAGE " CASCADE", err, errlen)
        || !seed_pg_run(conn, "CREATE SCHEMA " STAGE, err, errlen)
        || !seed_pg_run(conn, "SET search_path = " STAGE ", public", err, errlen)
        || !seed_schema_apply(conn, err, errlen))
        return false;
    /* Months the schema prepared ahead are rebuilt from our data or re-added
     * after the load. */
    {
        PGresult *res = PQexec(conn,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = '" STAGE ".messages'::regclass"
            "   AND c.relname <> 'messages_default'");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
            PQclear(res);
            return false;
        }
        for (int i = 0; i < PQntuples(res); i++)
            if (!seed_pg_runf(conn, err, errlen, "DROP TABLE " STAGE ".%s",
                              PQgetvalue(res, i, 0))) {
                PQclear(res);
                return false;
            }
        PQclear(res);
    }
    if (!seed_defs_read(conn, "messages", msg_defs, err, errlen))
        return false;
    return true;
}

/* ---- definitions read back from the staging parent ----------------------- */

void seed_defs_free(struct seed_defs *d)
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
        return core_xstrdup(name + n + 1);
    return core_xstrdup(name);
}

bool seed_defs_read(PGconn *conn, const char *table, struct seed_defs *d, char *err,
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
        seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    d->nconstraints = (size_t)PQntuples(res);
    d->constraints = core_xcalloc(d->nconstraints, sizeof *d->constraints);
    d->cnames = core_xcalloc(d->nconstraints, sizeof *d->cnames);
    for (size_t i = 0; i < d->nconstraints; i++) {
        d->cnames[i] = suffix_of(PQgetvalue(res, (int)i, 0), table);
        d->constraints[i] = core_xstrdup(PQgetvalue(res, (int)i, 1));
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
        seed_pg_error(err, errlen, NULL, PQresultErrorMessage(res));
        PQclear(res);
        seed_defs_free(d);
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
        d->inames[i] = core_xstrdup(def);
        d->indexes[i] = core_xstrdup(using ? using + 1 : "");
        if (!using || strncmp(def, "CREATE INDEX ", 13) != 0) {
            snprintf(err, errlen, "cannot reuse the definition of index %s",
                     PQgetvalue(res, (int)i, 0));
            PQclear(res);
            seed_defs_free(d);
            return false;
        }
    }
    PQclear(res);
    return true;
}

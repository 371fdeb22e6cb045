/* seeder/source.c - what a user's own messaging database looks like.
 *
 * Each convo column is looked for under the names such databases use (the
 * plain schema and its obvious variants), or where --map says. A column
 * convo needs that is missing, found twice, or of a type that cannot hold
 * it refuses the shape with the --map that would settle it: guessing wrong
 * would import every row wrongly. Columns convo has no place for are listed.
 * Only the catalog is read. */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

char *seed_sqlf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("convo-seed: error: out of memory\n", stderr);
        exit(1);
    }
    return s;
}

/* ---- convo's columns and the names they go by ---------------------------- */

enum field_type { TYPE_INT, TYPE_TEXT, TYPE_TIME, TYPE_DIRECTION };

struct field {
    const char *table, *column;
    const char *what;            /* "time column" */
    const char *const *names;    /* looked for, in this order; NULL-terminated */
    enum field_type type;
    bool required;
};

static const char *const n_id[] = {"id", NULL};
static const char *const n_phone[] = {"phone_number", "phone", NULL};
static const char *const n_name[] = {"name", NULL};
static const char *const n_created[] = {"created_at", NULL};
static const char *const n_updated[] = {"updated_at", NULL};
static const char *const n_contact[] = {"contact_id", NULL};
static const char *const n_content[] = {"content", "body", NULL};
static const char *const n_time[] = {"created_at", "timestamp", "sent_at", NULL};
static const char *const n_dir[] = {"direction", "is_outgoing", "outgoing", "from_me", NULL};

enum { F_C_ID, F_C_PHONE, F_C_NAME, F_C_CREATED, F_C_UPDATED,
       F_M_ID, F_M_CONTACT, F_M_CONTENT, F_M_TIME, F_M_DIR, F_COUNT };

static const struct field fields[F_COUNT] = {
    {"contacts", "id", "id column", n_id, TYPE_INT, true},
    {"contacts", "phone_number", "phone number column", n_phone, TYPE_TEXT, true},
    {"contacts", "name", "name column", n_name, TYPE_TEXT, false},
    {"contacts", "created_at", "creation time column", n_created, TYPE_TIME, false},
    {"contacts", "updated_at", "update time column", n_updated, TYPE_TIME, false},
    {"messages", "id", "id column", n_id, TYPE_INT, true},
    {"messages", "contact_id", "contact column", n_contact, TYPE_INT, true},
    {"messages", "content", "content column", n_content, TYPE_TEXT, true},
    {"messages", "created_at", "time column", n_time, TYPE_TIME, true},
    {"messages", "direction", "direction column", n_dir, TYPE_DIRECTION, false},
};

bool seed_map_parse(const char *arg, struct seed_map *map, char *err, size_t errlen)
{
    memset(map, 0, sizeof *map);
    const char *eq = strchr(arg, '=');
    const char *dot = memchr(arg, '.', eq ? (size_t)(eq - arg) : 0);
    if (!eq || !eq[1] || eq == arg) {
        snprintf(err, errlen, "--map wants TABLE.COLUMN=SOURCE_COLUMN or TABLE=SOURCE_TABLE,"
                 " not '%s'", arg);
        return false;
    }
    size_t tlen = (size_t)((dot ? dot : eq) - arg);
    if (!(tlen == 8 && (strncmp(arg, "contacts", 8) == 0 || strncmp(arg, "messages", 8) == 0))) {
        snprintf(err, errlen, "--map '%s': the table is contacts or messages", arg);
        return false;
    }
    memcpy(map->table, arg, tlen);
    map->source = eq + 1;
    if (!dot)
        return true;
    size_t clen = (size_t)(eq - dot - 1);
    for (int i = 0; i < F_COUNT; i++)
        if (strcmp(fields[i].table, map->table) == 0 && strlen(fields[i].column) == clen
            && strncmp(fields[i].column, dot + 1, clen) == 0) {
            memcpy(map->column, dot + 1, clen);
            return true;
        }
    snprintf(err, errlen, "--map '%s': %s has no column %.*s (it has %s)", arg, map->table,
             (int)clen, dot + 1,
             map->table[0] == 'c' ? "id, phone_number, name, created_at, updated_at"
                                  : "id, contact_id, content, created_at, direction");
    return false;
}

static const char *mapped(const struct seed_import_opts *o, const char *table, const char *column)
{
    for (size_t i = 0; i < o->nmaps; i++)
        if (strcmp(o->maps[i].table, table) == 0 && strcmp(o->maps[i].column, column) == 0)
            return o->maps[i].source;
    return NULL;
}

/* ---- the source's tables -------------------------------------------------- */

struct column {
    char *name, *type;
    char category;
    bool used;
};

struct table {
    char *sql, *name;            /* quoted and qualified; as the user knows it */
    struct column *cols;
    int ncols;
};

static void table_free(struct table *t)
{
    for (int i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].type);
    }
    free(t->cols);
    free(t->sql);
    free(t->name);
    memset(t, 0, sizeof *t);
}

static PGresult *query1(PGconn *src, const char *sql, const char *param)
{
    const char *params[1] = {param};
    return PQexecParams(src, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
}

#define RELATION_SQL \
    "SELECT c.oid, format('%I.%I', n.nspname, c.relname), c.relname FROM pg_class c" \
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')"

/* The table that holds convo's table `want`: the one --map names, else the
 * one the search path finds, else the only one so named in any schema. */
static bool find_table(PGconn *src, const struct seed_import_opts *o, const char *want,
                       struct table *t, char *oid, size_t oidlen, char *err, size_t errlen)
{
    const char *map = mapped(o, want, "");
    PGresult *res = query1(src, RELATION_SQL " AND c.oid = to_regclass($1)", map ? map : want);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0 && !map) {
        PQclear(res);
        res = query1(src, RELATION_SQL " AND c.relname = $1 AND NOT c.relispartition"
                          " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                          " AND n.nspname !~ '^pg_' ORDER BY 2", want);
    }
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char why[300];
        seed_pg_error(why, sizeof why, NULL, PQresultErrorMessage(res));
        snprintf(err, errlen, "%s: %s%s%s: %s", want, map ? "--map " : "", map ? want : "",
                 map ? "=" : "", why);
        PQclear(res);
        return false;
    }
    int n = PQntuples(res);
    if (n == 1) {
        snprintf(oid, oidlen, "%s", PQgetvalue(res, 0, 0));
        t->sql = core_xstrdup(PQgetvalue(res, 0, 1));
        t->name = core_xstrdup(map ? map : PQgetvalue(res, 0, 2));
    } else if (map) {
        snprintf(err, errlen, "%s: --map %s=%s: the source has no table %s", want, want, map, map);
    } else if (n == 0) {
        snprintf(err, errlen, "%s: the source has no table %s; add --map %s=TABLE", want, want,
                 want);
    } else {
        snprintf(err, errlen, "%s: the source has %d tables named %s (%s, %s%s);"
                 " add --map %s=SCHEMA.TABLE", want, n, want, PQgetvalue(res, 0, 1),
                 PQgetvalue(res, 1, 1), n > 2 ? ", ..." : "", want);
    }
    PQclear(res);
    return n == 1;
}

/* Whether the table is one heap: a plain table or materialized view
 * without children (a view or foreign table has no ctid of its own). */
static bool is_heap(PGconn *src, const char *oid)
{
    PGresult *res = query1(src, "SELECT relkind IN ('r', 'm') AND NOT EXISTS (SELECT 1"
                                " FROM pg_inherits WHERE inhparent = $1::oid)"
                                " FROM pg_class WHERE oid = $1::oid", oid);
    bool heap = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return heap;
}

/* The table's columns, domains seen as their base types. */
static bool read_columns(PGconn *src, const char *oid, struct table *t, char *err, size_t errlen)
{
    PGresult *res = query1(src,
        "SELECT a.attname, coalesce(b.typname, y.typname), coalesce(b.typcategory, y.typcategory)"
        " FROM pg_attribute a JOIN pg_type y ON y.oid = a.atttypid"
        " LEFT JOIN pg_type b ON y.typtype = 'd' AND b.oid = y.typbasetype"
        " WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped"
        " ORDER BY a.attnum", oid);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        seed_pg_error(err, errlen, "reading the source's columns", PQresultErrorMessage(res));
        PQclear(res);
        return false;
    }
    t->ncols = PQntuples(res);
    t->cols = core_xcalloc((size_t)t->ncols, sizeof *t->cols);
    for (int i = 0; i < t->ncols; i++) {
        t->cols[i].name = core_xstrdup(PQgetvalue(res, i, 0));
        t->cols[i].type = core_xstrdup(PQgetvalue(res, i, 1));
        t->cols[i].category = PQgetvalue(res, i, 2)[0];
    }
    PQclear(res);
    return true;
}

static struct column *column_named(struct table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

/* Why column c cannot hold field f's values, or NULL when it can. */
static const char *type_misfit(const struct field *f, const struct column *c)
{
    bool integer = strcmp(c->type, "int2") == 0 || strcmp(c->type, "int4") == 0
                   || strcmp(c->type, "int8") == 0;
    bool time = strcmp(c->type, "timestamp") == 0 || strcmp(c->type, "timestamptz") == 0
                || strcmp(c->type, "date") == 0;
    switch (f->type) {
    case TYPE_INT: return integer ? NULL : "an integer";
    case TYPE_TEXT: return c->category == 'S' ? NULL : "text";
    case TYPE_TIME: return time ? NULL : "a timestamp";
    case TYPE_DIRECTION:
        return c->category == 'S' || c->category == 'B' ? NULL : "a boolean or in/out text";
    }
    return NULL;
}

/* The column of t that holds field f; NULL when it has none (err set when
 * that refuses the shape, or for a column that does not fit). */
static struct column *place(const struct seed_import_opts *o, const struct field *f,
                            struct table *t, char *err, size_t errlen)
{
    const char *map = mapped(o, f->table, f->column);
    struct column *c = NULL;
    if (map) {
        c = column_named(t, map);
        if (!c) {
            snprintf(err, errlen, "%s: --map %s.%s=%s: %s has no column %s", f->table, f->table,
                     f->column, map, t->name, map);
            return NULL;
        }
    } else {
        char found[256] = "", tried[256] = "";
        int n = 0;
        for (const char *const *name = f->names; *name; name++) {
            struct column *k = column_named(t, *name);
            size_t len = strlen(tried);
            snprintf(tried + len, sizeof tried - len, "%s%s", len ? ", " : "", *name);
            if (k) {
                len = strlen(found);
                snprintf(found + len, sizeof found - len, "%s%s", n++ ? ", " : "", *name);
                c = k;
            }
        }
        if (n > 1) {
            snprintf(err, errlen, "%s: more than one %s (%s); add --map %s.%s=COLUMN", f->table,
                     f->what, found, f->table, f->column);
            return NULL;
        }
        if (!c) {
            if (f->required)
                snprintf(err, errlen, "%s: no %s (tried %s); add --map %s.%s=COLUMN", f->table,
                         f->what, tried, f->table, f->column);
            return NULL;
        }
    }
    const char *want = type_misfit(f, c);
    if (want) {
        snprintf(err, errlen, "%s: column %s is %s, not %s; add --map %s.%s=COLUMN", f->table,
                 c->name, c->type, want, f->table, f->column);
        return NULL;
    }
    c->used = true;
    return c;
}

/* ---- the expressions ------------------------------------------------------ */

static char *quoted(PGconn *src, const char *alias, const struct column *c)
{
    char *ident = PQescapeIdentifier(src, c->name, strlen(c->name));
    char *s = seed_sqlf("%s.%s", alias, ident ? ident : "\"\"");
    PQfreemem(ident);
    return s;
}

static void set_expr(PGconn *src, struct seed_shape *s, int f, const struct column *c)
{
    const char *alias = f < F_M_ID ? "c" : "m";
    /* Required fields always have a column: place() refused the shape. */
    char *col = c ? quoted(src, alias, c) : core_xstrdup("NULL");
    switch (f) {
    case F_C_ID: s->c_id = col; return;
    case F_C_PHONE: s->c_phone = seed_sqlf("%s::text", col); break;
    case F_C_NAME:
        s->c_name = c ? seed_sqlf("coalesce(%s::text, '')", col) : core_xstrdup("''::text");
        break;
    case F_C_CREATED: s->c_created = c ? seed_sqlf("%s::timestamptz", col) : NULL; break;
    case F_C_UPDATED: s->c_updated = c ? seed_sqlf("%s::timestamptz", col) : NULL; break;
    case F_M_ID: s->m_id = col; return;
    case F_M_CONTACT: s->m_contact = col; return;
    case F_M_CONTENT: s->m_content = seed_sqlf("%s::text", col); break;
    case F_M_TIME:
        /* A time without zone is an instant in the session's TimeZone
         * (UTC, or --timezone), which the cast applies. */
        s->m_time = seed_sqlf("%s::timestamptz", col);
        s->m_time_raw = col;
        s->m_time_local = c && strcmp(c->type, "timestamptz") != 0;
        return;
    case F_M_DIR:
        if (!c) {
            s->m_dir = core_xstrdup("'in'::text");
        } else if (c->category == 'B') {
            s->m_dir = seed_sqlf("CASE WHEN %s THEN 'out' ELSE 'in' END", col);
        } else {
            s->m_dir = seed_sqlf("CASE WHEN %s IS NULL THEN 'in'"
                                 " WHEN lower(btrim(%s::text)) IN ('in', 'out')"
                                 " THEN lower(btrim(%s::text)) END", col, col, col);
            s->m_dir_raw = seed_sqlf("%s::text", col);
        }
        break;
    }
    free(col);
}

static void list_unused(const struct table *t, char **list)
{
    for (int i = 0; i < t->ncols; i++) {
        if (t->cols[i].used)
            continue;
        char *next = seed_sqlf("%s%s%s.%s", *list, **list ? ", " : "", t->name, t->cols[i].name);
        free(*list);
        *list = next;
    }
}

bool seed_shape_find(PGconn *src, const struct seed_import_opts *opts, struct seed_shape *s,
                     char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    struct table tables[2] = {{0}};
    char oid[2][32];
    bool ok = find_table(src, opts, "contacts", &tables[0], oid[0], sizeof oid[0], err, errlen)
              && find_table(src, opts, "messages", &tables[1], oid[1], sizeof oid[1], err, errlen)
              && read_columns(src, oid[0], &tables[0], err, errlen)
              && read_columns(src, oid[1], &tables[1], err, errlen);
    for (int f = 0; ok && f < F_COUNT; f++) {
        err[0] = '\0';
        struct column *c = place(opts, &fields[f], &tables[f >= F_M_ID], err, errlen);
        ok = c || !err[0];
        if (ok)
            set_expr(src, s, f, c);
    }
    if (ok) {
        s->contacts = core_xstrdup(tables[0].sql);
        s->messages = core_xstrdup(tables[1].sql);
        s->contacts_name = core_xstrdup(tables[0].name);
        s->messages_name = core_xstrdup(tables[1].name);
        s->m_heap = is_heap(src, oid[1]);
        s->ignored = core_xstrdup("");
        list_unused(&tables[0], &s->ignored);
        list_unused(&tables[1], &s->ignored);
    }
    table_free(&tables[0]);
    table_free(&tables[1]);
    if (!ok)
        seed_shape_free(s);
    return ok;
}

void seed_shape_free(struct seed_shape *s)
{
    char **all[] = {&s->contacts, &s->messages, &s->contacts_name, &s->messages_name, &s->c_id,
                    &s->c_phone, &s->c_name, &s->c_created, &s->c_updated, &s->m_id,
                    &s->m_contact, &s->m_content, &s->m_time, &s->m_time_raw, &s->m_dir,
                    &s->m_dir_raw, &s->ignored};
    for (size_t i = 0; i < COUNT(all); i++) {
        free(*all[i]);
        *all[i] = NULL;
    }
}

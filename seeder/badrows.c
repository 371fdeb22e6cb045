/* seeder/badrows.c - the source rows convo cannot store.
 *
 * They are found by SQL on the source, in the import's snapshot, before a
 * row is copied: a phone number convo's contacts.phone_number refuses, the
 * second contact with a phone number (the one with the lowest id keeps it),
 * a message without content, without an existing contact or whose contact
 * is left out, a time outside what messages holds (its CHECK: finite,
 * before 100000 AD), a direction that is neither in nor out. The same
 * conditions, negated, select the rows that are copied, so what is listed
 * and what is left out cannot differ. */
#include "badrows.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg.h"

/* A time messages takes: its CHECK messages_created_at_supported, in schema/. */
static char *time_ok(const char *t)
{
    return seed_sqlf("%s IS NOT NULL AND isfinite(%s) AND %s < '100000-01-01 00:00:00+00'", t, t,
                     t);
}

/* The contacts left out: bad_contacts(id, kind, reason). */
static char *contacts_ctes(const struct seed_shape *s, long phone_max)
{
    char limit[200] = "";
    if (phone_max > 0)
        snprintf(limit, sizeof limit, " WHEN length(phone) > %ld THEN 'phone_number has '"
                 " || length(phone) || ' characters, more than %ld'", phone_max, phone_max);
    return seed_sqlf(
        "cv AS (SELECT %s AS id, %s AS phone FROM %s c),"
        " ck AS (SELECT id, phone, CASE WHEN phone IS NULL THEN 'phone_number is NULL'"
        "   WHEN phone = '' THEN 'phone_number is empty'%s END AS invalid FROM cv),"
        " cd AS (SELECT id, invalid, CASE WHEN invalid IS NULL THEN min(id) OVER"
        "   (PARTITION BY invalid IS NULL, phone COLLATE \"C\") END AS keeper FROM ck),"
        " bad_contacts AS (SELECT id, CASE WHEN invalid IS NULL THEN %d ELSE %d END AS kind,"
        "   coalesce(invalid, 'phone_number duplicates contact ' || keeper) AS reason"
        "   FROM cd WHERE invalid IS NOT NULL OR id <> keeper)",
        s->c_id, s->c_phone, s->contacts, limit, SEED_BAD_DUP_PHONE, SEED_BAD_PHONE);
}

/* Every bad row: table, id, kind, reason; contacts first, by id. */
static char *scan_sql(const struct seed_shape *s, long phone_max)
{
    char *ctes = contacts_ctes(s, phone_max);
    char *t_ok = time_ok("t");
    char *sql = seed_sqlf(
        "WITH %s,"
        " mv AS (SELECT %s AS id, %s AS contact, %s IS NULL AS no_content, %s AS t,"
        "   %s::text AS t_raw, %s AS dir, %s AS dir_raw FROM %s m),"
        " cs AS (SELECT cv.id, bool_or(b.id IS NOT NULL) AS left_out FROM cv"
        "   LEFT JOIN bad_contacts b ON b.id = cv.id GROUP BY cv.id),"
        " mk AS (SELECT mv.*, CASE WHEN no_content THEN %d WHEN cs.id IS NULL THEN %d"
        "   WHEN cs.left_out THEN %d WHEN NOT (%s) THEN %d WHEN dir IS NULL THEN %d END AS kind"
        "   FROM mv LEFT JOIN cs ON cs.id = mv.contact)"
        " SELECT 'contacts', id, kind, reason FROM bad_contacts"
        " UNION ALL"
        " SELECT 'messages', id, kind, CASE kind"
        "   WHEN %d THEN 'content is NULL'"
        "   WHEN %d THEN CASE WHEN contact IS NULL THEN 'contact_id is NULL'"
        "                ELSE 'contact ' || contact || ' does not exist' END"
        "   WHEN %d THEN 'contact ' || contact || ' is left out (a bad row)'"
        "   WHEN %d THEN CASE WHEN t_raw IS NULL THEN 'created_at is NULL'"
        "                ELSE 'created_at ' || t_raw || ' is outside what convo stores' END"
        "   ELSE 'direction ' || quote_literal(dir_raw) || ' is neither in nor out' END"
        " FROM mk WHERE kind IS NOT NULL"
        " ORDER BY 1, 2",
        ctes, s->m_id, s->m_contact, s->m_content, s->m_time, s->m_time_raw, s->m_dir,
        s->m_dir_raw ? s->m_dir_raw : "NULL::text", s->messages,
        SEED_BAD_CONTENT, SEED_BAD_CONTACT, SEED_BAD_LEFT_OUT, t_ok, SEED_BAD_TIME,
        SEED_BAD_DIRECTION, SEED_BAD_CONTENT, SEED_BAD_CONTACT, SEED_BAD_LEFT_OUT, SEED_BAD_TIME);
    free(ctes);
    free(t_ok);
    return sql;
}

/* A reason on one line of the list, whatever the source's text holds. */
static void write_line(FILE *f, const char *table, const char *id, const char *reason)
{
    fprintf(f, "%s\t%s\t", table, id);
    for (const char *p = reason; *p; p++)
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p, f);
    fputc('\n', f);
}

static void count_row(struct seed_bad *bad, PGresult *row, FILE *list)
{
    int kind = atoi(PQgetvalue(row, 0, 2));
    if (kind >= 0 && kind < SEED_BAD_KINDS)
        bad->count[kind]++;
    if (!bad->total++)
        snprintf(bad->first, sizeof bad->first, "%s id %s: %s", PQgetvalue(row, 0, 0),
                 PQgetvalue(row, 0, 1), PQgetvalue(row, 0, 3));
    if (list)
        write_line(list, PQgetvalue(row, 0, 0), PQgetvalue(row, 0, 1), PQgetvalue(row, 0, 3));
}

/* Stream the scan's rows one at a time: memory stays flat however many. */
static bool run_scan(PGconn *src, const char *sql, FILE *list, struct seed_bad *bad, char *err,
                     size_t errlen)
{
    if (!PQsendQuery(src, sql) || !PQsetSingleRowMode(src)) {
        seed_pg_error(err, errlen, "source", PQerrorMessage(src));
        return false;
    }
    bool ok = true;
    PGresult *res;
    while ((res = PQgetResult(src))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE && ok) {
            count_row(bad, res, list);
        } else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && ok) {
            seed_pg_error(err, errlen, "source: looking for bad rows", PQresultErrorMessage(res));
            ok = false;
        }
        PQclear(res);
    }
    return ok;
}

bool seed_bad_scan(PGconn *src, const struct seed_shape *s, long phone_max, const char *list,
                   struct seed_bad *bad, char *err, size_t errlen)
{
    memset(bad, 0, sizeof *bad);
    char *tmp = NULL;
    FILE *f = NULL;
    if (list) {
        tmp = seed_sqlf("%s.XXXXXX", list);
        int fd = mkstemp(tmp);
        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!f) {
            snprintf(err, errlen, "--skip-bad: cannot write %s: %s", list, strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp);
            }
            free(tmp);
            return false;
        }
    }
    char *sql = scan_sql(s, phone_max);
    bool ok = run_scan(src, sql, f, bad, err, errlen);
    free(sql);
    if (f) {
        bool written = fflush(f) == 0 && !ferror(f);
        written = fclose(f) == 0 && written;
        if (ok && !written)
            snprintf(err, errlen, "--skip-bad: cannot write %s: %s", list, strerror(errno));
        ok = ok && written;
        if (ok && rename(tmp, list) != 0) {
            snprintf(err, errlen, "--skip-bad: cannot write %s: %s", list, strerror(errno));
            ok = false;
        }
        if (!ok)
            unlink(tmp);
        free(tmp);
    }
    return ok;
}

void seed_bad_describe(const struct seed_bad *bad, char *buf, size_t len)
{
    static const char *const names[SEED_BAD_KINDS] = {
        [SEED_BAD_PHONE] = "bad phone number",
        [SEED_BAD_DUP_PHONE] = "duplicate phone number",
        [SEED_BAD_CONTENT] = "NULL content",
        [SEED_BAD_CONTACT] = "missing contact",
        [SEED_BAD_LEFT_OUT] = "contact left out",
        [SEED_BAD_TIME] = "time convo cannot store",
        [SEED_BAD_DIRECTION] = "direction neither in nor out",
    };
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < SEED_BAD_KINDS && n < len; k++)
        if (bad->count[k])
            n += (size_t)snprintf(buf + n, len - n, "%s%s: %llu", n ? ", " : "", names[k],
                                  (unsigned long long)bad->count[k]);
}

void seed_rules_make(const struct seed_shape *s, long phone_max, const struct seed_bad *bad,
                     struct seed_rules *rules)
{
    bool contacts = bad->count[SEED_BAD_PHONE] || bad->count[SEED_BAD_DUP_PHONE]
                    || bad->count[SEED_BAD_CONTACT] || bad->count[SEED_BAD_LEFT_OUT];
    char *t_ok = time_ok(s->m_time);
    char *rest = seed_sqlf("%s IS NOT NULL AND %s AND %s IS NOT NULL", s->m_content, t_ok,
                           s->m_dir);
    free(t_ok);
    if (!contacts) {
        rules->ctes = core_xstrdup("");
        rules->good_contact = core_xstrdup("true");
        rules->good_message = rest;
        return;
    }
    rules->ctes = contacts_ctes(s, phone_max);
    rules->good_contact = seed_sqlf("NOT EXISTS (SELECT 1 FROM bad_contacts b WHERE b.id = %s)",
                                    s->c_id);
    rules->good_message = seed_sqlf("%s AND %s IN (SELECT id FROM cv EXCEPT"
                                    " SELECT id FROM bad_contacts)", rest, s->m_contact);
    free(rest);
}

void seed_rules_free(struct seed_rules *rules)
{
    free(rules->ctes);
    free(rules->good_contact);
    free(rules->good_message);
    memset(rules, 0, sizeof *rules);
}

/* tests/live/walk.c - recent and search pages walked while another
 * connection inserts, deletes and moves messages between pages. Every page
 * must equal the brute-force oracle run at that moment from the page's
 * cursor; across the walk no conversation shows twice unless it moved down
 * past the cursor, and none is missing unless it moved up past it. Runs in
 * a database of its own (PGDATABASE, made by walk.sh). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../check.h"

#define CONTACTS 150
#define TERM "hello"

/* Each conversation's anchor: its latest message, or with a term its latest
 * message containing the term. */
static const char anchors_sql[] =
    "SELECT DISTINCT ON (contact_id) contact_id, id,"
    "       (extract(epoch FROM created_at) * 1000000)::int8"
    "  FROM messages WHERE $1 = '' OR content ILIKE '%%' || $1 || '%%'"
    " ORDER BY contact_id, created_at DESC, id DESC";

struct anchor {
    int contact;
    long long id, us;
};

/* The oracle's page: up to limit anchors below pos, newest first. */
static int cmp_anchor(const void *a, const void *b)
{
    const struct anchor *x = a, *y = b;
    if (x->us != y->us)
        return x->us < y->us ? 1 : -1;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static size_t anchors(const char *term, struct anchor *out)
{
    const char *params[1] = {term};
    PGresult *r = PQexecParams(admin, anchors_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oracle: %s", PQerrorMessage(admin));
        exit(1);
    }
    size_t n = (size_t)PQntuples(r);
    for (size_t i = 0; i < n; i++)
        out[i] = (struct anchor){atoi(PQgetvalue(r, (int)i, 0)), atoll(PQgetvalue(r, (int)i, 1)),
                                 atoll(PQgetvalue(r, (int)i, 2))};
    PQclear(r);
    qsort(out, n, sizeof *out, cmp_anchor);
    return n;
}

/* Where each contact stands now (0 = no anchor). */
static void positions(const char *term, struct anchor *pos)
{
    static struct anchor all[CONTACTS + 1];
    memset(pos, 0, (CONTACTS + 1) * sizeof *pos);
    size_t n = anchors(term, all);
    for (size_t i = 0; i < n; i++)
        pos[all[i].contact] = all[i];
}

static bool below(struct anchor a, long long us, long long id)
{
    return a.us < us || (a.us == us && a.id < id);
}

/* One change by "another client", chosen by k. */
static void mutate(unsigned k)
{
    char q[600];
    int c = 1 + (int)(k * 7919u % CONTACTS), d = 1 + (int)(k * 104729u % CONTACTS);
    switch (k % 6) {
    case 0:
        snprintf(q, sizeof q, "INSERT INTO messages (contact_id, direction, content)"
                 " VALUES (%d, 'in', 'hello again %u')", c, k);
        break;
    case 1:
        snprintf(q, sizeof q, "DELETE FROM messages WHERE id = (SELECT last_message_id"
                 " FROM contacts WHERE id = %d)", c);
        break;
    case 2:
        snprintf(q, sizeof q, "UPDATE messages SET created_at = created_at - interval '%u hours'"
                 " WHERE id = (SELECT last_message_id FROM contacts WHERE id = %d)", 1 + k % 200, c);
        break;
    case 3:
        snprintf(q, sizeof q, "UPDATE messages SET contact_id = %d WHERE id = (SELECT id FROM messages"
                 " WHERE contact_id = %d ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 1)", d, c);
        break;
    case 4:
        snprintf(q, sizeof q, "INSERT INTO messages (contact_id, direction, content, created_at)"
                 " VALUES (%d, 'out', 'late hello %u', now() - interval '%u hours')", c, k, k % 300);
        break;
    default:
        snprintf(q, sizeof q, "UPDATE messages SET created_at = now() WHERE id = (SELECT id FROM messages"
                 " WHERE contact_id = %d ORDER BY created_at, id LIMIT 1)", c);
        break;
    }
    sql(q);
}

static void walk(struct core_conn *conn, const char *term, size_t limit, unsigned seed)
{
    static struct anchor all[CONTACTS + 1], start[CONTACTS + 1], now[CONTACTS + 1];
    int shown[CONTACTS + 1] = {0};
    bool up[CONTACTS + 1] = {0}, down[CONTACTS + 1] = {0};
    long long cur_us = CORE_US_INF, cur_id = INT64_MAX;
    char *cursor = NULL;
    positions(term, start);
    int pages = 0;
    for (unsigned k = seed;; k++) {
        struct anchor before[CONTACTS + 1];
        positions(term, before);
        size_t n = anchors(term, all), want = 0;
        struct core_page page;
        enum core_status st = *term ? core_search(conn, term, cursor, limit, &page)
                                    : core_recent(conn, cursor, limit, &page);
        CHECK(st == CORE_OK, "page: %s", core_conn_error(conn));
        if (st != CORE_OK)
            break;
        pages++;
        /* The oracle from the same position. */
        for (size_t i = 0; i < n && want < limit; i++) {
            if (!below(all[i], cur_us, cur_id))
                continue;
            CHECK(want < page.count && page.rows[want].contact_id == all[i].contact
                      && page.rows[want].message_id == all[i].id,
                  "%s page %d row %zu: got contact %d message %lld, oracle contact %d message %lld",
                  *term ? term : "recent", pages, want,
                  want < page.count ? page.rows[want].contact_id : -1,
                  want < page.count ? (long long)page.rows[want].message_id : -1LL,
                  all[i].contact, all[i].id);
            want++;
        }
        CHECK(page.count == want, "page %d has %zu rows, oracle %zu", pages, page.count, want);
        for (size_t i = 0; i < page.count; i++)
            shown[page.rows[i].contact_id]++;
        free(cursor);
        cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
        if (page.count) {
            cur_us = page.rows[page.count - 1].created_at_us;
            cur_id = page.rows[page.count - 1].message_id;
        }
        core_page_free(&page);
        if (!cursor)
            break;
        /* Changes between pages; note who crossed the cursor. */
        mutate(k);
        mutate(k * 3 + 1);
        positions(term, now);
        for (int c = 1; c <= CONTACTS; c++) {
            bool was_below = before[c].contact && below(before[c], cur_us, cur_id);
            bool is_below = now[c].contact && below(now[c], cur_us, cur_id);
            up[c] |= was_below && !is_below;
            down[c] |= !was_below && is_below && before[c].contact;
        }
    }
    free(cursor);
    int dups = 0, gaps = 0;
    for (int c = 1; c <= CONTACTS; c++) {
        CHECK(shown[c] <= 1 || down[c], "contact %d shown %d times and never moved down",
              c, shown[c]);
        bool exists = start[c].contact || now[c].contact;
        CHECK(shown[c] || !exists || up[c] || !now[c].contact,
              "contact %d never shown and never moved up", c);
        dups += shown[c] > 1;
        gaps += exists && !shown[c];
    }
    check_ok("%s walk by %zu over %d pages with 2 changes each: every page equals the oracle;"
             " %d shown again after moving down, %d missed after moving up",
             *term ? "search \"" TERM "\"" : "recent", limit, pages, dups, gaps);
}

int main(void)
{
    admin = PQconnectdb("");
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(admin));
        return 1;
    }
    char q[1024];
    snprintf(q, sizeof q,
             "INSERT INTO contacts (phone_number, name) SELECT '+1555600' || lpad(g::text, 4, '0'),"
             " 'Walker ' || g FROM generate_series(1, %d) g;"
             "INSERT INTO messages (contact_id, direction, content, created_at)"
             " SELECT 1 + (g * 7) %% %d, 'in', CASE WHEN g %% 3 = 0 THEN 'hello ' ELSE 'bye ' END || g,"
             " now() - g * interval '7 minutes' FROM generate_series(1, 3000) g", CONTACTS, CONTACTS);
    sql(q);
    char err[256];
    struct core_conn *conn = core_conn_open("", err, sizeof err);
    if (!conn) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    walk(conn, "", 7, 1);
    walk(conn, "", 2, 1000);
    walk(conn, TERM, 7, 2000);
    walk(conn, TERM, 3, 3000);
    PGresult *r = sql_result("SELECT count(*) FROM contacts c LEFT JOIN (SELECT DISTINCT ON (contact_id)"
                      " contact_id, created_at, id FROM messages ORDER BY contact_id, created_at DESC,"
                      " id DESC) l ON l.contact_id = c.id WHERE c.last_message_id IS DISTINCT FROM l.id"
                      " OR c.last_message_at IS DISTINCT FROM l.created_at");
    CHECK(strcmp(PQgetvalue(r, 0, 0), "0") == 0, "%s pointers wrong after the walks",
          PQgetvalue(r, 0, 0));
    PQclear(r);
    core_conn_close(conn);
    PQfinish(admin);
    return failures ? 1 : 0;
}

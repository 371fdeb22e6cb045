/* tests/live/walk.c - recent and search pages walked while another
 * connection inserts, deletes, moves and redirects messages and renames
 * contacts between pages. Every page must equal the brute-force oracle run
 * at that moment from the page's cursor; across the walk no conversation
 * shows twice unless it moved down past the cursor, and none is missing
 * unless it moved up past it. The terms cover one word, several words, a
 * phrase, a word in names (with one that a few contacts wrote: walk.sh
 * runs this once more with the months read at once, which prunes the
 * contacts the names match), each filter and filters alone, and a word with
 * accents (the data's `HÉLLO`, names gaining `Héllo` and named `Wälker`
 * fold to hello and walker). Runs in a
 * database of its own (PGDATABASE, made by walk.sh). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../check.h"

#define CONTACTS 150
#define WHERE_MAX 8192

/* Each conversation's anchor: its latest message that passes the term's
 * oracle, a condition over messages m and contacts c. */
static const char anchors_sql[] =
    "SELECT DISTINCT ON (m.contact_id) m.contact_id, m.id,"
    "       (extract(epoch FROM m.created_at) * 1000000)::int8"
    "  FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE %s"
    " ORDER BY m.contact_id, m.created_at DESC, m.id DESC";

/* Word w (no % _ or \) in column col as search matches (docs/search.md#accents):
 * the column as unaccent folds it holds the folded word, and a word with
 * accents also matches the column as written; case never counts. */
static void match_sql(char *out, size_t len, const char *col, const char *w)
{
    snprintf(out, len,
             "(public.unaccent(%s) ILIKE '%%' || public.unaccent($w$%s$w$) || '%%'"
             " AND (public.unaccent($w$%s$w$) = $w$%s$w$ OR %s ILIKE '%%' || $w$%s$w$ || '%%'))",
             col, w, w, w, col, w);
}

/* A word in the contact's name or phone, digits too (docs/search.md): the
 * with: filter's rule, and half of a word's. */
static void contact_sql(char *out, size_t len, const char *w)
{
    char name[512], phone[512];
    match_sql(name, sizeof name, "c.name", w);
    match_sql(phone, sizeof phone, "c.phone_number", w);
    snprintf(out, len,
             "(%s OR %s"
             " OR ($w$%s$w$ ~ '^[0-9+(). -]*[0-9][0-9+(). -]*$' AND public.convo_digits(c.phone_number)"
             "     LIKE '%%' || regexp_replace($w$%s$w$, '[^0-9]', '', 'g') || '%%'))",
             name, phone, w, w);
}

/* A word of the text: in the content, or in the name or phone. */
static void word_sql(char *out, size_t len, const char *w)
{
    char content[512], contact[1536];
    match_sql(content, sizeof content, "m.content", w);
    contact_sql(contact, sizeof contact, w);
    snprintf(out, len, "(%s OR %s)", content, contact);
}

/* A term walked and its oracle: the text's words (each must match) and
 * the filters' condition as SQL. */
struct walk_term {
    const char *term;
    const char *words[3];
    const char *with;   /* the with: text, or NULL */
    const char *filter; /* SQL over m, or NULL; %s takes a date */
    int days;           /* the date in filter: this many days ago, at midnight UTC */
};

static const struct walk_term terms[] = {
    {"", {NULL}, NULL, NULL, 0},
    {"hello", {"hello"}, NULL, NULL, 0},
    {"hello again", {"hello", "again"}, NULL, NULL, 0},
    {"\"late hello\"", {"late hello"}, NULL, NULL, 0},
    {"walker 3 bye", {"walker", "3", "bye"}, NULL, NULL, 0},
    {"hello is:in", {"hello"}, NULL, "m.direction = 'in'", 0},
    {"is:out", {NULL}, NULL, "m.direction = 'out'", 0},
    {"after:%s hello", {"hello"}, NULL, "m.created_at >= '%s'::timestamptz", 5},
    {"before:%s is:in bye", {"bye"}, NULL,
     "m.created_at < '%s'::timestamptz AND m.direction = 'in'", 3},
    {"with:\"walker 1\" hello", {"hello"}, "walker 1", NULL, 0},
    {"with:wälker bye", {"bye"}, "wälker", NULL, 0},
    {"Héllo", {"Héllo"}, NULL, NULL, 0},
    {"walker cheers", {"walker", "cheers"}, NULL, NULL, 0},
};

/* The term as typed and its oracle, with its date (if any) filled in. */
static void term_text(const struct walk_term *t, char *term, size_t tlen, char *where, size_t wlen)
{
    char date[32] = "";
    if (t->days) {
        char q[160];
        snprintf(q, sizeof q, "SELECT to_char((now() AT TIME ZONE 'UTC')::date - %d, 'YYYY-MM-DD')",
                 t->days);
        PGresult *r = sql_result(q);
        snprintf(date, sizeof date, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    snprintf(term, tlen, t->term, date);
    size_t n = (size_t)snprintf(where, wlen, "true");
    char part[4096];
    for (size_t i = 0; i < 3 && t->words[i]; i++) {
        word_sql(part, sizeof part, t->words[i]);
        n += (size_t)snprintf(where + n, wlen - n, " AND %s", part);
    }
    if (t->with) {
        contact_sql(part, sizeof part, t->with);
        n += (size_t)snprintf(where + n, wlen - n, " AND %s", part);
    }
    if (t->filter) {
        snprintf(part, sizeof part, t->filter, date);
        snprintf(where + n, wlen - n, " AND %s", part);
    }
}

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

static size_t anchors(const char *where, struct anchor *out)
{
    char q[sizeof anchors_sql + WHERE_MAX];
    snprintf(q, sizeof q, anchors_sql, where);
    PGresult *r = PQexec(admin, q);
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
static void positions(const char *where, struct anchor *pos)
{
    static struct anchor all[CONTACTS + 1];
    memset(pos, 0, (CONTACTS + 1) * sizeof *pos);
    size_t n = anchors(where, all);
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
    switch (k % 8) {
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
    case 5:
        snprintf(q, sizeof q, "UPDATE messages SET direction = CASE direction WHEN 'in' THEN 'out'"
                 " ELSE 'in' END WHERE id = (SELECT last_message_id FROM contacts WHERE id = %d)", c);
        break;
    case 6: /* a name that gains or loses a word of the terms, with an accent */
        snprintf(q, sizeof q, "UPDATE contacts SET name = CASE WHEN name LIKE 'Héllo %%'"
                 " THEN substr(name, 7) ELSE 'Héllo ' || name END WHERE id = %d", c);
        break;
    default:
        snprintf(q, sizeof q, "UPDATE messages SET created_at = now() WHERE id = (SELECT id FROM messages"
                 " WHERE contact_id = %d ORDER BY created_at, id LIMIT 1)", c);
        break;
    }
    sql(q);
}

/* The walk's record of each contact: how often it was shown, and whether
 * it crossed the cursor upwards (or came into the answer above it) or
 * downwards between pages. */
struct crossings {
    int shown[CONTACTS + 1];
    bool up[CONTACTS + 1], down[CONTACTS + 1];
};

static void note_crossings(struct crossings *x, const struct anchor *before,
                           const struct anchor *now, long long us, long long id)
{
    for (int c = 1; c <= CONTACTS; c++) {
        bool was_below = before[c].contact && below(before[c], us, id);
        bool is_below = now[c].contact && below(now[c], us, id);
        x->up[c] |= (was_below || !before[c].contact) && now[c].contact && !is_below;
        x->down[c] |= !was_below && is_below && before[c].contact;
    }
}

/* One page against the oracle from the same position; the rows it expected. */
static size_t check_page(const struct core_page *page, const char *where, const char *term,
                         size_t limit, long long us, long long id, int pageno)
{
    static struct anchor all[CONTACTS + 1];
    size_t n = anchors(where, all), want = 0;
    for (size_t i = 0; i < n && want < limit; i++) {
        if (!below(all[i], us, id))
            continue;
        CHECK(want < page->count && page->rows[want].contact_id == all[i].contact
                  && page->rows[want].message_id == all[i].id,
              "%s page %d row %zu: got contact %d message %lld, oracle contact %d message %lld",
              *term ? term : "recent", pageno, want,
              want < page->count ? page->rows[want].contact_id : -1,
              want < page->count ? (long long)page->rows[want].message_id : -1LL,
              all[i].contact, all[i].id);
        want++;
    }
    CHECK(page->count == want, "%s page %d has %zu rows, oracle %zu", *term ? term : "recent",
          pageno, page->count, want);
    return want;
}

static void walk(struct core_conn *conn, const struct walk_term *t, size_t limit, unsigned seed)
{
    static struct anchor start[CONTACTS + 1], now[CONTACTS + 1], before[CONTACTS + 1];
    static char where[WHERE_MAX];
    char term[128];
    struct crossings x = {0};
    long long cur_us = CORE_US_INF, cur_id = INT64_MAX;
    char *cursor = NULL;
    int pages = 0;
    term_text(t, term, sizeof term, where, sizeof where);
    positions(where, start);
    for (unsigned k = seed;; k++) {
        positions(where, before);
        struct core_page page;
        enum core_status st = core_search(conn, term, cursor, limit, &page);
        CHECK(st == CORE_OK, "%s page: %s", term, core_conn_error(conn));
        if (st != CORE_OK)
            break;
        check_page(&page, where, term, limit, cur_us, cur_id, ++pages);
        for (size_t i = 0; i < page.count; i++)
            x.shown[page.rows[i].contact_id]++;
        free(cursor);
        cursor = page.next_cursor ? strdup(page.next_cursor) : NULL;
        if (page.count) {
            cur_us = page.rows[page.count - 1].created_at_us;
            cur_id = page.rows[page.count - 1].message_id;
        }
        core_page_free(&page);
        if (!cursor || failures)
            break;
        /* Changes between pages; note who crossed the cursor. */
        mutate(k);
        mutate(k * 3 + 1);
        positions(where, now);
        note_crossings(&x, before, now, cur_us, cur_id);
    }
    free(cursor);
    int dups = 0, gaps = 0, seen = 0;
    for (int c = 1; c <= CONTACTS; c++) {
        CHECK(x.shown[c] <= 1 || x.down[c], "%s: contact %d shown %d times and never moved down",
              term, c, x.shown[c]);
        bool exists = start[c].contact || now[c].contact;
        CHECK(x.shown[c] || !exists || x.up[c] || !now[c].contact,
              "%s: contact %d never shown and never moved up past the cursor", term, c);
        dups += x.shown[c] > 1;
        gaps += exists && !x.shown[c];
        seen += x.shown[c] > 0;
    }
    CHECK(pages > 2, "%s: %d pages of %zu, a weak walk", *term ? term : "recent", pages, limit);
    check_ok("%s walk by %zu over %d pages with 2 changes each: every page equals the oracle;"
             " %d shown, %d again after moving down, %d missed after moving up past it",
             *term ? term : "recent", limit, pages, seen, dups, gaps);
}

int main(void)
{
    setenv("TZ", "UTC", 1); /* the dates of after: and before: */
    admin_connect();
    char q[1024];
    snprintf(q, sizeof q,
             "INSERT INTO contacts (phone_number, name) SELECT '+1555600' || lpad(g::text, 4, '0'),"
             " CASE WHEN g %% 10 = 0 THEN 'Wälker ' ELSE 'Walker ' END || g"
             " FROM generate_series(1, %d) g;"
             "INSERT INTO messages (contact_id, direction, content, created_at)"
             " SELECT 1 + (g * 7) %% %d, CASE WHEN g %% 5 < 2 THEN 'out' ELSE 'in' END,"
             " CASE WHEN g %% 9 = 0 THEN 'HÉLLO ' WHEN g %% 3 = 0 THEN 'hello ' ELSE 'bye ' END || g,"
             " now() - g * interval '7 minutes' FROM generate_series(1, 3000) g;"
             /* A word that a fifth of the contacts wrote: beside `walker`,
              * in every name, the others are pruned (search_words.c). */
             "UPDATE messages SET content = 'cheers ' || content"
             " WHERE contact_id %% 5 = 0 AND id %% 4 = 0;"
             "ANALYZE", CONTACTS, CONTACTS); /* pruning scales by the months' rows */
    sql(q);
    char err[256];
    struct core_conn *conn = core_conn_open("", err, sizeof err);
    if (!conn) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    walk(conn, &terms[0], 7, 1);
    walk(conn, &terms[0], 2, 1000);
    for (size_t i = 1; i < sizeof terms / sizeof *terms; i++)
        walk(conn, &terms[i], i % 2 ? 7 : 3, 2000 + 1000 * (unsigned)i);
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

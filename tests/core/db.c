/* tests/core/db.c - core against a real server: every page of recent,
 * search and messages, walked to the end, must equal a brute-force SQL
 * oracle on a randomized data set; plus cursors, bad terms, live inserts,
 * cancel and reconnect (the cancel on the server: cancel.c). Runs in a
 * database of its own (db.sh). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "internal.h"
#include "../check.h"

static long long total_messages; /* after make_data; rows are only added later */

/* A conversation as the tests compare them. */
struct conv {
    int contact;
    long long message;
};

struct list {
    struct conv *v;
    size_t n, cap;
};

static void list_add(struct list *l, int contact, long long message)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (struct conv){contact, message};
}

/* The oracle: straight from the definition of a match (core_like_pattern
 * and core_digits_pattern in core/lib.h), escaping and digit rules done in
 * SQL, independent of core's own code; contacts that match by name or
 * phone but have no message come after every conversation. A pattern
 * without accents matches the column as unaccent folds it, one with accents
 * the column as written (docs/search.md#accents). */
#define MATCH(col)                                                             \
    "(public.unaccent(" col ") ILIKE public.unaccent(p.pat)"                  \
    " AND (public.unaccent(p.pat) = p.pat OR " col " ILIKE p.pat))"
static const char oracle_sql[] =
    "WITH p AS (SELECT '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pat,"
    "                  CASE WHEN $1 ~ '^[0-9+().\\- ]*$' AND $1 ~ '[0-9]'"
    "                       THEN '%' || regexp_replace($1, '[^0-9]', '', 'g') || '%' END AS dig),"
    " hits AS ("
    "  SELECT m.contact_id, m.created_at, m.id FROM messages m, p WHERE " MATCH("m.content")
    "  UNION ALL"
    "  SELECT c.id, c.last_message_at, c.last_message_id FROM contacts c, p"
    "   WHERE c.last_message_id IS NOT NULL AND (" MATCH("c.name") " OR " MATCH("c.phone_number")
    "      OR regexp_replace(c.phone_number, '[^0-9]', '', 'g') LIKE p.dig)),"
    " best AS (SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM hits"
    "          ORDER BY contact_id, created_at DESC, id DESC)"
    " SELECT contact_id, id FROM ("
    "  SELECT contact_id, id, created_at, 0 AS tail FROM best"
    "  UNION ALL"   /* contacts without messages: last, newest contact first, message id 0 */
    "  SELECT c.id, 0, NULL, 1 FROM contacts c, p"
    "   WHERE c.last_message_id IS NULL AND (" MATCH("c.name") " OR " MATCH("c.phone_number")
    "      OR regexp_replace(c.phone_number, '[^0-9]', '', 'g') LIKE p.dig)) x"
    " ORDER BY tail, created_at DESC, id DESC, contact_id DESC";

static const char oracle_recent_sql[] =
    "SELECT contact_id, id FROM (SELECT DISTINCT ON (contact_id) contact_id, created_at, id"
    "  FROM messages ORDER BY contact_id, created_at DESC, id DESC) s"
    " ORDER BY created_at DESC, id DESC";

static struct list oracle(const char *term)
{
    struct list l = {0};
    const char *vals[1] = {term};
    PGresult *r = *term ? PQexecParams(admin, oracle_sql, 1, NULL, vals, NULL, NULL, 0)
                        : PQexec(admin, oracle_recent_sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "oracle failed: %s\n", PQerrorMessage(admin));
        exit(1);
    }
    for (int i = 0; i < PQntuples(r); i++)
        list_add(&l, atoi(PQgetvalue(r, i, 0)), atoll(PQgetvalue(r, i, 1)));
    PQclear(r);
    return l;
}

static bool same(const struct list *a, const struct list *b, const char *what)
{
    if (a->n != b->n) {
        fprintf(stderr, "  %s: %zu rows, oracle %zu\n", what, a->n, b->n);
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].contact != b->v[i].contact || a->v[i].message != b->v[i].message) {
            fprintf(stderr, "  %s: row %zu is (%d,%lld), oracle (%d,%lld)\n", what, i,
                    a->v[i].contact, a->v[i].message, b->v[i].contact, b->v[i].message);
            return false;
        }
    }
    return true;
}

/* Adds the page's rows to l, moves *cursor to the page's next cursor and
 * frees the page; false when there is no next page. */
static bool take_page(struct list *l, struct core_page *page, char **cursor)
{
    for (size_t i = 0; i < page->count; i++)
        list_add(l, page->rows[i].contact_id, (long long)page->rows[i].message_id);
    free(*cursor);
    *cursor = page->next_cursor ? strdup(page->next_cursor) : NULL;
    core_page_free(page);
    return *cursor != NULL;
}

/* Walk every page of a search; budget > 0 walks each page in slices. */
static struct list walk(struct core_conn *conn, const char *term, size_t limit,
                        double budget, enum core_status *status)
{
    struct list l = {0};
    char *cursor = NULL;
    *status = CORE_OK;
    for (int pages = 0; pages < 100000; pages++) {
        struct core_search *s;
        struct core_page page;
        /* Literal: each term is one text as typed (blanks, quotes), the
         * engine's own case; several words are tests/core/words.sh's. */
        enum core_status st = core_search_open_with(conn, term, cursor, CORE_SEARCH_LITERAL, &s);
        if (st != CORE_OK) {
            *status = st;
            break;
        }
        size_t prev = 0;
        for (;;) {
            st = core_search_next(s, limit, budget, &page);
            if (st != CORE_OK)
                break;
            /* Each answer is a prefix of the page: it only grows. */
            CHECK(page.count >= prev, "partial answers shrank for [%s]", term);
            CHECK(page.scanned_rows <= total_messages, "[%s] scanned %lld rows of %lld", term,
                  (long long)page.scanned_rows, total_messages);
            prev = page.count;
            if (page.complete)
                break;
            core_page_free(&page);
        }
        core_search_close(s);
        if (st != CORE_OK) {
            *status = st;
            break;
        }
        CHECK(page.count <= limit, "page larger than limit");
        if (!take_page(&l, &page, &cursor))
            break;
    }
    free(cursor);
    return l;
}

/* Rows as other programs write them: COPY, a multi-row INSERT, UPDATEs of
 * content (the n-gram index must follow each), with punctuation, emoji and
 * CJK that only the n-gram index can find. */
static void other_writers(void)
{
    PGresult *r = sql_result("SELECT min(id) FROM contacts");
    int base = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    r = PQexec(admin, "COPY messages (contact_id, direction, content, created_at) FROM STDIN");
    CHECK(PQresultStatus(r) == PGRES_COPY_IN, "COPY: %s", PQerrorMessage(admin));
    PQclear(r);
    const char *bodies[] = {"copied 🦊 fox", "COPIED 東京 row", "a_b~c", "x\\y \"ok\"", "I'd say so",
                            "l.o.l", "🦊", "zq!"};
    for (int i = 0; i < 40; i++) {
        char line[256];
        int n = snprintf(line, sizeof line, "%d\tin\t%s %d\t2025-%02d-%02d 12:00:00+00\n",
                         base + (i * 7) % 260, bodies[i % 8], i, 1 + i % 8, 1 + i % 28);
        PQputCopyData(admin, line, n);
    }
    PQputCopyEnd(admin, NULL);
    r = PQgetResult(admin);
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "COPY: %s", PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(admin)))
        PQclear(r);
    sql("UPDATE messages SET content = content || ' ~🐙~ tab_UPD'"
        " WHERE id IN (SELECT id FROM messages ORDER BY id DESC OFFSET 5 LIMIT 30)");
    sql("UPDATE messages SET content = 'was zq, now plain' WHERE content LIKE 'zq!%'");
}

static void make_data(unsigned seed)
{
    char q[4096];
    snprintf(q, sizeof q, "SELECT setseed(%f)", (double)(seed % 1000) / 1000.0);
    sql(q);
    /* Five of eight months get a partition, in two runs of adjacent months
     * (one scan step may read a run); the others land in the default one,
     * as rows outside the partitioned range would. */
    sql("SELECT public.convo_month_partition((date '2025-01-01' + make_interval(months => m))::date)"
        "  FROM unnest(ARRAY[0, 1, 2, 5, 6]) m");
    sql("INSERT INTO contacts (phone_number, name)"
        " SELECT CASE i % 4 WHEN 0 THEN '+1 (415) 555-' || lpad(i::text, 4, '0')"
        "               WHEN 1 THEN '+1415555' || lpad(i::text, 4, '0')"
        "               WHEN 2 THEN '020 7946 ' || lpad(i::text, 4, '0')"
        "               ELSE '+33.1.23.45.' || lpad(i::text, 4, '0') END,"
        "  (ARRAY['Ana', 'ANNA', 'José', 'JOSÉ Silva', 'Zoë', 'O''Brien', '100% Real', 'under_score',"
        "         'back\\slash', 'Café Owner', 'cafe owner', 'Bob', '', 'Élise', 'x', 'Li'])[1 + i % 16]"
        "   || CASE WHEN i % 3 = 0 THEN ' ' || i ELSE '' END"
        " FROM generate_series(1, 300) i");
    /* Ties on created_at (whole hours) and ids that do not follow time. */
    sql("INSERT INTO messages (contact_id, direction, content, created_at)"
        " SELECT (SELECT min(id) FROM contacts) + floor(260 * random())::int,"
        "        CASE WHEN random() < 0.5 THEN 'in' ELSE 'out' END,"
        "        (SELECT string_agg((ARRAY['hello', 'world', 'the', 'cat', 'CAFÉ', 'café', 'Cafe',"
        "           'naïve', '100%', '50_50', 'back\\slash', 'it''s', '\"quoted\"', '415-555', '(415)',"
        "           'zebra', 'a', 'b', 'ab', 'x%y', '_', '\\', 'ÉCOLE', 'école', 'tab\there',"
        "           'the cat', 'then', 'other', 'Ωmega', '日本'])[1 + floor(30 * random())::int], ' ')"
        "           FROM generate_series(1, 1 + (i % 5)) k WHERE i > -k),"
        "        timestamptz '2025-01-01' + date_trunc('hour', random() * interval '240 days')"
        " FROM generate_series(1, 2500) i");
    /* At a month's lower bound: two rows at exactly midnight (the smaller
     * id first) and an older one inserted after them, so that a cursor at
     * the bound must still find the bound's smaller id below it. Once where
     * the month before has a partition, once where it is the default one. */
    sql("INSERT INTO messages (contact_id, direction, content, created_at)"
        " SELECT (SELECT min(id) FROM contacts) + 270 + k, 'in', 'the brinkword ' || k,"
        "        CASE WHEN k IN (2, 5) THEN b - interval '3 days' ELSE b END"
        "   FROM unnest(ARRAY[0, 1, 2, 3, 4, 5],"
        "               ARRAY[timestamptz '2025-02-01', '2025-02-01', '2025-02-01',"
        "                     '2025-06-01', '2025-06-01', '2025-06-01']) WITH ORDINALITY u(k, b, o)"
        "  ORDER BY o");
    other_writers();
    sql("ANALYZE");
    PGresult *r = sql_result("SELECT count(*) FROM messages");
    total_messages = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
}

static const char *terms[] = {
    "a", "b", "ab", "e", "t", "the", "cat", "the cat", "hello world", "CAFÉ", "café", "cafe",
    "AFÉ", "école", "ÉCOLE", "naïve", "NAÏVE", "Ωmega", "ωMEGA", "日本", "%", "_", "\\", "'", "\"",
    "100%", "50_50", "x%y", "x_y", "back\\slash", "it's", "\"quoted\"", "415", "(415) 555",
    "415-555", "4155550", "+1", "555 0", "1.23.45", "33", "7946 01", "zzz", "qq", "q",
    "Ana", "anna", "josé", "JOSÉ", "zoë", "o'brien", "li", "x", " ", "  ", "then", "hello",
    "zebra", "world", "ow", "é", "tab\there", "real", "score", "Élise", "brinkword", "kword",
    /* Written by COPY and UPDATE after the load (see other_writers). */
    "🦊", "東京", "東", "copied", "a_b", "_b~", "~", "🐙", "~🐙~", "b_u", "tab_upd", "zq", "q!",
    "ok\"", "l.o", "I'd", ".l", "\\", "x\\y", "日本", "本",
    /* Short words beside punctuation: weak trigrams, prefiltered scans. */
    "\"q", "d\"", "t's", "'s", "O'B", "s \"", "(4", "5)", "é\"", "_5", "0%", "\\s",
};

/* Each way of reading a partition must give the same pages; the default
 * lets the cost model mix them. */
static void test_search_oracle(struct core_conn *conn, const char *force)
{
    size_t limits[] = {1, 7, 50};
    if (force)
        setenv("CONVO_FORCE_STEP", force, 1);
    else
        unsetenv("CONVO_FORCE_STEP");
    for (size_t t = 0; t < sizeof terms / sizeof terms[0]; t++) {
        struct list want = oracle(terms[t]);
        for (size_t k = force ? 1 : 0; k < 3; k++) {
            if (limits[k] == 1 && want.n > 40)
                continue;
            enum core_status st;
            struct list got = walk(conn, terms[t], limits[k], 0, &st);
            char what[256];
            snprintf(what, sizeof what, "search [%s] limit %zu", terms[t], limits[k]);
            CHECK(st == CORE_OK, "%s: %s", what, core_conn_error(conn));
            CHECK(same(&got, &want, what), "%s differs from the oracle", what);
            free(got.v);
        }
        /* Incremental: tiny budgets, every answer a prefix (every term with
         * the steps the cost model picks, a quarter of them per forced kind). */
        if (!force || t % 4 == 0) {
            enum core_status st;
            struct list got = walk(conn, terms[t], 20, 0.01, &st);
            CHECK(st == CORE_OK && same(&got, &want, terms[t]), "budgeted search [%s] differs",
                  terms[t]);
            free(got.v);
        }
        free(want.v);
    }
    unsetenv("CONVO_FORCE_STEP");
    check_ok("%zu search terms equal the oracle (steps: %s)", sizeof terms / sizeof terms[0],
             force ? force : "chosen by cost");
}

static void test_recent_and_messages(struct core_conn *conn)
{
    struct list want = oracle("");
    size_t limits[] = {1, 7, 50, 1000};
    for (size_t k = 0; k < 4; k++) {
        struct list got = {0};
        char *cursor = NULL;
        for (;;) {
            struct core_page page;
            enum core_status st = core_recent(conn, cursor, limits[k], &page);
            CHECK(st == CORE_OK, "recent: %s", core_conn_error(conn));
            if (st != CORE_OK)
                break;
            if (!take_page(&got, &page, &cursor))
                break;
        }
        CHECK(same(&got, &want, "recent"), "recent with limit %zu differs", limits[k]);
        free(got.v);
        /* The empty search term is the recent list, cursors and all. */
        enum core_status st;
        got = walk(conn, "", limits[k], 0, &st);
        CHECK(st == CORE_OK && same(&got, &want, "empty term"), "empty term differs from recent");
        free(got.v);
    }
    free(want.v);

    /* Messages of a few contacts, newest first. */
    PGresult *r = sql_result("SELECT contact_id FROM messages GROUP BY 1 ORDER BY count(*) DESC LIMIT 3");
    for (int c = 0; c < PQntuples(r); c++) {
        int contact = atoi(PQgetvalue(r, c, 0));
        char q[256];
        snprintf(q, sizeof q, "SELECT contact_id, id FROM messages WHERE contact_id = %d"
                              " ORDER BY created_at DESC, id DESC", contact);
        PGresult *o = PQexec(admin, q);
        struct list exp = {0}, got = {0};
        for (int i = 0; i < PQntuples(o); i++)
            list_add(&exp, contact, atoll(PQgetvalue(o, i, 1)));
        PQclear(o);
        char *cursor = NULL;
        for (;;) {
            struct core_page page;
            enum core_status st = core_messages(conn, contact, cursor, 4, &page);
            CHECK(st == CORE_OK, "messages: %s", core_conn_error(conn));
            if (st != CORE_OK)
                break;
            if (!take_page(&got, &page, &cursor))
                break;
        }
        CHECK(same(&got, &exp, "messages"), "messages of %d differ", contact);
        free(exp.v);
        free(got.v);
    }
    PQclear(r);
    check_ok("recent and messages equal the oracle");
}

/* New messages arrive between pages: nothing twice, and only conversations
 * that received a message meanwhile may be missing. */
static void test_live_inserts(struct core_conn *conn)
{
    const char *term = "a";
    struct list before = oracle(term);
    struct list got = {0};
    char touched[100000] = {0};
    char *cursor = NULL;
    int round = 0;
    PGresult *r = sql_result("SELECT min(id) FROM contacts");
    int base = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    for (;;) {
        struct core_page page;
        enum core_status st = core_search(conn, term, cursor, 5, &page);
        CHECK(st == CORE_OK, "live search: %s", core_conn_error(conn));
        if (st != CORE_OK)
            break;
        if (!take_page(&got, &page, &cursor))
            break;
        /* Two new messages on top, one matching; one late arrival with an
         * old timestamp. */
        int a = base + (round * 37) % 280, b = base + (round * 53 + 11) % 280,
            c = base + (round * 71 + 5) % 280;
        touched[a - base] = touched[b - base] = touched[c - base] = 1;
        char q[512];
        snprintf(q, sizeof q,
                 "INSERT INTO messages (contact_id, direction, content, created_at) VALUES"
                 " (%d, 'in', 'a new match', now()), (%d, 'out', 'nothing here', now()),"
                 " (%d, 'in', 'late arrival', timestamptz '2025-01-01' + interval '%d hours')",
                 a, b, c, (round * 97) % 5000);
        sql(q);
        round++;
    }
    free(cursor);
    char *shown = calloc(100000, 1);
    for (size_t i = 0; i < got.n; i++) {
        int k = got.v[i].contact - base;
        CHECK(!shown[k], "contact %d shown twice while messages arrived", got.v[i].contact);
        shown[k] = 1;
    }
    for (size_t i = 0; i < before.n; i++) {
        int k = before.v[i].contact - base;
        CHECK(shown[k] || touched[k], "contact %d missed though it got no new message",
              before.v[i].contact);
    }
    check_ok("live inserts over %d pages: no duplicate, no unexplained gap", round);
    free(shown);
    free(before.v);
    free(got.v);
}

static void test_bad_input(struct core_conn *conn)
{
    struct core_page page;
    struct core_search *s;
    char recent_cursor[128] = "", search_cursor[128] = "", other_cursor[128] = "";
    if (core_recent(conn, NULL, 3, &page) == CORE_OK && page.next_cursor)
        snprintf(recent_cursor, sizeof recent_cursor, "%s", page.next_cursor);
    core_page_free(&page);
    if (core_search(conn, "a", NULL, 3, &page) == CORE_OK && page.next_cursor)
        snprintf(search_cursor, sizeof search_cursor, "%s", page.next_cursor);
    core_page_free(&page);
    if (core_search(conn, "b", NULL, 3, &page) == CORE_OK && page.next_cursor)
        snprintf(other_cursor, sizeof other_cursor, "%s", page.next_cursor);
    core_page_free(&page);
    CHECK(*recent_cursor && *search_cursor && *other_cursor, "no cursors to test with");

    /* Foreign cursors. */
    CHECK(core_recent(conn, search_cursor, 3, &page) == CORE_ERR_CURSOR, "search cursor on recent");
    CHECK(strstr(core_conn_error(conn), "cursor") != NULL, "error names the cursor: %s",
          core_conn_error(conn));
    CHECK(core_search_open(conn, "a", recent_cursor, &s) == CORE_ERR_CURSOR, "recent cursor on search");
    CHECK(core_search_open(conn, "a", other_cursor, &s) == CORE_ERR_CURSOR, "cursor of another term");
    CHECK(core_search_open(conn, "", search_cursor, &s) == CORE_ERR_CURSOR, "search cursor on empty term");
    CHECK(core_messages(conn, 1, recent_cursor, 3, &page) == CORE_ERR_CURSOR, "recent cursor on messages");
    /* Edited by hand. */
    char edited[128];
    snprintf(edited, sizeof edited, "%s", search_cursor);
    edited[10] = edited[10] == 'A' ? 'B' : 'A';
    CHECK(core_search_open(conn, "a", edited, &s) == CORE_ERR_CURSOR, "edited cursor accepted");
    CHECK(core_recent(conn, "garbage", 3, &page) == CORE_ERR_CURSOR, "garbage cursor accepted");
    /* The right one still works. */
    CHECK(core_search_open(conn, "a", search_cursor, &s) == CORE_OK, "own cursor refused");
    core_search_close(s);
    /* Another case of the same term continues the walk. */
    CHECK(core_search_open(conn, "A", search_cursor, &s) == CORE_OK, "cursor of 'a' refused for 'A'");
    core_search_close(s);
    struct list want = oracle("café"), got = {0};
    char *cursor = NULL;
    const char *cases[] = {"café", "CAFÉ", "Café", "cAFé"};
    for (int i = 0; i < 1000; i++) {
        if (core_search(conn, cases[i % 4], cursor, 3, &page) != CORE_OK) {
            CHECK(0, "mixed-case walk: %s", core_conn_error(conn));
            break;
        }
        if (!take_page(&got, &page, &cursor))
            break;
    }
    CHECK(same(&got, &want, "mixed case"), "a walk changing the term's case differs");
    free(cursor);
    free(got.v);
    free(want.v);

    /* Terms. */
    char longterm[260];
    memset(longterm, 'a', 201);
    longterm[201] = '\0';
    CHECK(core_search_open(conn, longterm, NULL, &s) == CORE_ERR_TERM, "201 characters accepted");
    CHECK(strstr(core_conn_error(conn), "200") != NULL, "error says the limit: %s", core_conn_error(conn));
    longterm[200] = '\0';
    CHECK(core_search(conn, longterm, NULL, 5, &page) == CORE_OK, "200 characters refused");
    core_page_free(&page);
    CHECK(core_search_open(conn, "caf\xc3", NULL, &s) == CORE_ERR_TERM, "invalid UTF-8 accepted");
    check_ok("foreign, edited cursors and bad terms refused");
}

static void test_lost_and_cancel(struct core_conn *conn)
{
    struct core_page page;
    CHECK(core_recent(conn, NULL, 3, &page) == CORE_OK, "recent before loss");
    core_page_free(&page);
    int pid = PQbackendPID(core_conn_pg(conn));
    char q[128];
    snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", pid);
    sql(q);
    usleep(100000);
    enum core_status st = core_recent(conn, NULL, 3, &page);
    CHECK(st == CORE_ERR_LOST, "loss not reported: %s", core_status_message(st));
    CHECK(core_conn_lost(conn), "core_conn_lost false after loss");
    CHECK(*core_conn_error(conn), "no message after loss");
    st = core_recent(conn, NULL, 3, &page);
    CHECK(st == CORE_OK && page.count == 3, "no reconnect: %s", core_conn_error(conn));
    CHECK(!core_conn_lost(conn), "still lost after reconnect");
    core_page_free(&page);

    /* The same mid-search: the search reports the loss, then goes on. */
    struct core_search *s;
    CHECK(core_search_open(conn, "the", NULL, &s) == CORE_OK, "open");
    snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", PQbackendPID(core_conn_pg(conn)));
    sql(q);
    usleep(100000);
    st = core_search_next(s, 10, 0, &page);
    CHECK(st == CORE_ERR_LOST, "search did not report the loss: %s", core_status_message(st));
    st = core_search_next(s, 10, 0, &page);
    CHECK(st == CORE_OK && page.count == 10, "search did not recover: %s", core_conn_error(conn));
    core_page_free(&page);
    core_search_close(s);

    /* A cancel stops the search it hits; the next search runs. */
    CHECK(core_search_open(conn, "zebra", NULL, &s) == CORE_OK, "open");
    core_conn_cancel(conn);
    st = core_search_next(s, 10, 0, &page);
    CHECK(st == CORE_ERR_CANCELLED, "cancel ignored: %s", core_status_message(st));
    core_search_close(s);
    CHECK(core_search(conn, "zebra", NULL, 10, &page) == CORE_OK, "search after cancel");
    core_page_free(&page);
    check_ok("lost connection reported and reconnected; cancel");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *seed_env = getenv("CORE_TEST_SEED");
    unsigned seed = seed_env ? (unsigned)atoi(seed_env) : (unsigned)getpid();
    printf("seed %u (set CORE_TEST_SEED to repeat)\n", seed);
    admin_connect();
    make_data(seed);
    char err[256];
    struct core_conn *conn = core_conn_open(NULL, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "core_conn_open: %s\n", err);
        return 1;
    }
    test_recent_and_messages(conn);
    test_search_oracle(conn, NULL);
    test_search_oracle(conn, "walk");
    test_search_oracle(conn, "bitmap");
    test_search_oracle(conn, "scan");
    test_search_oracle(conn, "grams");
    test_bad_input(conn);
    test_lost_and_cancel(conn);
    test_live_inserts(conn);
    core_conn_close(conn);

    /* A search outliving its connection, with a statement still running. */
    conn = core_conn_open(NULL, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "core_conn_open: %s\n", err);
        return 1;
    }
    struct core_search *s = NULL;
    struct core_page page;
    CHECK(core_search_open(conn, "zq", NULL, &s) == CORE_OK, "open");
    if (s && core_search_next(s, 5, 0.001, &page) == CORE_OK)
        core_page_free(&page);
    core_conn_close(conn);
    CHECK(core_search_next(s, 5, 0, &page) == CORE_ERR_USAGE, "search on a closed connection");
    core_search_close(s);
    PQfinish(admin);
    if (failures) {
        fprintf(stderr, "%d check(s) failed (seed %u)\n", failures, seed);
        return 1;
    }
    return 0;
}

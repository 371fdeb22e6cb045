/* tests/core/faults.c - every statement of every read may fail. Each call
 * below (pages of recent, of a conversation, of searches with words,
 * phrases, names, digits and filters, an export) is run once to learn its
 * answer, then again on a fresh connection with its first statement
 * refused, then its second, and so on until one runs through untouched
 * (tests/core/force_env.h). Each refused run must answer
 * CORE_ERR_CANCELLED with nothing half-built (or, if it could do without
 * the statement, the same answer); the same connection must then give the
 * whole answer again. Under the sanitizer build, a refused run that leaks
 * or frees twice fails too. Reads the suites' seeded database; writes
 * nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "force_env.h"
#include "lib.h"
#include "../check.h"

enum op_kind { OP_RECENT, OP_REVERSED, OP_MESSAGES, OP_NEWER, OP_AROUND, OP_COUNT, OP_SEARCH, OP_EXPORT };

struct op {
    enum op_kind kind;
    char term[128];
    double budget_ms; /* search: 0 = each page at once */
};

/* What a run answered: "contact:message" per row, "|" after each page. */
struct answer {
    char *text;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void say(struct answer *a, const char *fmt, ...)
{
    char piece[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof piece)
        n = sizeof piece - 1;
    if (a->len + (size_t)n + 1 > a->cap) {
        a->cap = (a->len + (size_t)n + 1) * 2;
        a->text = realloc(a->text, a->cap);
    }
    memcpy(a->text + a->len, piece, (size_t)n + 1);
    a->len += (size_t)n;
}

static int32_t talker;            /* the contact with the most messages */
static int64_t middle_us, middle_id; /* one of its messages, halfway */

/* A page into the answer; false (the page freed) when it was the last. */
static bool add_page(struct answer *a, struct core_page *page, char **cursor)
{
    for (size_t i = 0; i < page->count; i++)
        say(a, "%d:%lld ", page->rows[i].contact_id, (long long)page->rows[i].message_id);
    say(a, "|");
    free(*cursor);
    *cursor = page->next_cursor ? strdup(page->next_cursor) : NULL;
    core_page_free(page);
    return *cursor != NULL;
}

/* A failed call must leave its page empty ("never half a page"). */
static enum core_status failed(enum core_status st, const struct core_page *page, const char *what)
{
    CHECK(page->count == 0 && page->next_cursor == NULL, "%s failed (%d) with %zu rows left", what,
          st, page->count);
    return st;
}

static enum core_status search_page(struct core_conn *conn, const struct op *op,
                                    const char *cursor, struct core_page *page)
{
    struct core_search *s;
    enum core_status st = core_search_open(conn, op->term, cursor, &s);
    if (st != CORE_OK)
        return st;
    for (;;) {
        memset(page, 0, sizeof *page);
        st = core_search_next(s, 15, op->budget_ms, page);
        if (st != CORE_OK || page->complete)
            break;
        core_page_free(page);
    }
    core_search_close(s);
    return st;
}

static enum core_status export_rows(struct core_conn *conn, const struct op *op, struct answer *a)
{
    FILE *f = tmpfile();
    if (!f)
        return CORE_ERR_NOMEM;
    struct core_export_request req = {.contact_id = talker, .term = op->term[0] ? op->term : NULL,
                                      .format = CORE_EXPORT_JSONL};
    int64_t rows = 0;
    int err = 0;
    enum core_status st = core_export(conn, &req, f, &rows, &err);
    if (st == CORE_OK)
        say(a, "%lld rows, %ld bytes", (long long)rows, ftell(f));
    fclose(f);
    return st;
}

/* Three pages (two of a conversation) of op, into a. */
static enum core_status run(struct core_conn *conn, const struct op *op, struct answer *a)
{
    a->len = 0;
    say(a, "%s", ""); /* the text is "" even when nothing follows */
    if (op->kind == OP_EXPORT)
        return export_rows(conn, op, a);
    if (op->kind == OP_COUNT) {
        int64_t n = 0;
        enum core_status st = core_recent_count(conn, &n);
        say(a, "%lld", (long long)n);
        return st;
    }
    struct core_page page, newer;
    if (op->kind == OP_AROUND) {
        memset(&page, 0, sizeof page);
        memset(&newer, 0, sizeof newer);
        enum core_status st = core_messages_around(conn, talker, middle_us, middle_id, 10, &page, &newer);
        if (st != CORE_OK)
            return failed(failed(st, &page, "around (older)"), &newer, "around (newer)");
        char *c = NULL;
        add_page(a, &page, &c);
        free(c);
        c = NULL;
        add_page(a, &newer, &c);
        free(c);
        return CORE_OK;
    }
    char *cursor = NULL;
    enum core_status st = CORE_OK;
    int pages = op->kind == OP_MESSAGES || op->kind == OP_NEWER ? 2 : 3;
    for (int k = 0; k < pages && st == CORE_OK; k++) {
        memset(&page, 0, sizeof page);
        switch (op->kind) {
        case OP_RECENT: st = core_recent(conn, cursor, 20, &page); break;
        case OP_REVERSED: st = core_recent_reversed(conn, cursor, 20, &page); break;
        case OP_MESSAGES: st = core_messages(conn, talker, cursor, 30, &page); break;
        case OP_NEWER: st = core_messages_newer(conn, talker, cursor, 30, &page); break;
        default: st = search_page(conn, op, cursor, &page); break;
        }
        if (st != CORE_OK) {
            failed(st, &page, op->term[0] ? op->term : "a page");
            break;
        }
        if (!add_page(a, &page, &cursor))
            break;
    }
    free(cursor);
    return st;
}

static struct core_conn *open_conn(void)
{
    char err[256];
    struct core_conn *conn = core_conn_open(NULL, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "core_conn_open: %s\n", err);
        exit(1);
    }
    return conn;
}

static void refuse_each(const struct op *op, const char *name)
{
    struct answer want = {0}, got = {0};
    struct core_conn *conn = open_conn();
    force_refuse_statement(0);
    enum core_status st = run(conn, op, &want);
    core_conn_close(conn);
    CHECK(st == CORE_OK, "%s: %d without a fault", name, st);
    if (st != CORE_OK)
        return;
    long n = 1;
    for (; n < 400; n++) {
        conn = open_conn();
        force_refuse_statement(n);
        st = run(conn, op, &got);
        bool refused = force_statements() >= n;
        force_refuse_statement(0);
        if (!refused) {
            CHECK(st == CORE_OK && strcmp(got.text, want.text) == 0, "%s: %ld statements, then %d",
                  name, n - 1, st);
            core_conn_close(conn);
            break;
        }
        CHECK(st == CORE_ERR_CANCELLED || (st == CORE_OK && strcmp(got.text, want.text) == 0),
              "%s: statement %ld refused: %d, %s", name, n, st, st == CORE_OK ? got.text : "");
        st = run(conn, op, &got);
        CHECK(st == CORE_OK && strcmp(got.text, want.text) == 0,
              "%s: after statement %ld was refused, the connection answered %d:\n  %s\nnot\n  %s",
              name, n, st, got.text, want.text);
        core_conn_close(conn);
    }
    CHECK(n > 1 && n < 400, "%s: %ld statements", name, n - 1);
    check_ok("%s: each of its %ld statements refused in turn", name, n - 1);
    free(want.text);
    free(got.text);
}

/* The first value of q, or "" when it has no row. */
static void sql_value(const char *q, char *out, size_t len)
{
    PGresult *r = sql_result(q);
    snprintf(out, len, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    admin_connect();
    char v[64], name[64], digits[64];
    sql_value("SELECT contact_id FROM messages GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", v,
              sizeof v);
    talker = atoi(v);
    CHECK(talker > 0, "the database has no messages");
    char q[512];
    snprintf(q, sizeof q, "SELECT (extract(epoch FROM created_at) * 1e6)::bigint || ' ' || id"
             " FROM messages WHERE contact_id = %d ORDER BY created_at, id"
             " OFFSET (SELECT count(*) / 2 FROM messages WHERE contact_id = %d) LIMIT 1",
             talker, talker);
    sql_value(q, v, sizeof v);
    long long us = 0, id = 0;
    sscanf(v, "%lld %lld", &us, &id);
    middle_us = us;
    middle_id = id;
    /* A piece of a name and of a phone number that the data has. */
    sql_value("SELECT lower(left(name, 3)) FROM contacts WHERE length(name) >= 3"
              " AND last_message_id IS NOT NULL ORDER BY id LIMIT 1", name, sizeof name);
    sql_value("SELECT right(regexp_replace(phone_number, '[^0-9]', '', 'g'), 4) FROM contacts"
              " WHERE last_message_id IS NOT NULL ORDER BY id DESC LIMIT 1", digits, sizeof digits);

    struct op ops[32];
    const char *names[32];
    size_t n = 0;
#define OP(k, label, ...)                                                              \
    do {                                                                               \
        ops[n] = (struct op){.kind = (k)};                                             \
        snprintf(ops[n].term, sizeof ops[n].term, __VA_ARGS__);                        \
        names[n++] = (label);                                                          \
    } while (0)
    OP(OP_RECENT, "recent", "%s", "");
    OP(OP_REVERSED, "recent oldest first", "%s", "");
    OP(OP_COUNT, "recent count", "%s", "");
    OP(OP_MESSAGES, "a conversation", "%s", "");
    OP(OP_NEWER, "a conversation oldest first", "%s", "");
    OP(OP_AROUND, "around a message", "%s", "");
    OP(OP_SEARCH, "search a word", "%s", "you");
    OP(OP_SEARCH, "search two words", "%s", "you the");
    OP(OP_SEARCH, "search a phrase", "%s", "\"are you\"");
    OP(OP_SEARCH, "search a name", "%s", name);
    OP(OP_SEARCH, "search digits", "%s", digits);
    OP(OP_SEARCH, "search nothing there", "%s", "zqxjzqxj");
    OP(OP_SEARCH, "search is:in", "%s", "is:in you");
    OP(OP_SEARCH, "search is:out after: words", "%s", "is:out after:-90d you the");
    OP(OP_SEARCH, "search with:", "with:%s you", name);
    OP(OP_SEARCH, "search filters alone", "%s", "is:in before:-10d");
    OP(OP_EXPORT, "export a conversation", "%s", "");
    OP(OP_EXPORT, "export a search", "%s", "you");
    ops[n] = (struct op){.kind = OP_SEARCH, .budget_ms = 0.5};
    snprintf(ops[n].term, sizeof ops[n].term, "you");
    names[n++] = "search a word in slices of 0.5 ms";
    for (size_t i = 0; i < n; i++)
        refuse_each(&ops[i], names[i]);
    PQfinish(admin);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}

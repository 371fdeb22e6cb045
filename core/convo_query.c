/* core/convo_query.c - convo-query: core's answers as JSON, for scripts,
 * tests and benchmarks. Exit 0 ok, 1 database error, 2 usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lib.h"

static const char usage_text[] =
    "usage: convo-query [-d CONNINFO] recent [--limit N] [--after CURSOR]\n"
    "       convo-query [-d CONNINFO] search TERM [--limit N] [--after CURSOR] [--budget MS]\n"
    "       convo-query [-d CONNINFO] messages CONTACT_ID [--limit N] [--after CURSOR]\n"
    "CONNINFO is a libpq conninfo string or URI; without it the PG* variables,\n"
    "then DATABASE_URL, then the embedded cluster of ./run are used.\n";

static int usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "convo-query: %s\n", msg);
    fputs(usage_text, stderr);
    return 2;
}

static bool parse_count(const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > max)
        return false;
    *out = v;
    return true;
}

static int fail(enum core_status st, struct core_conn *conn)
{
    const char *msg = conn && *core_conn_error(conn) ? core_conn_error(conn)
                                                     : core_status_message(st);
    fprintf(stderr, "convo-query: %s\n", msg);
    return st == CORE_ERR_CURSOR || st == CORE_ERR_TERM || st == CORE_ERR_USAGE ? 2 : 1;
}

int main(int argc, char **argv)
{
    const char *db = NULL, *after = NULL, *cmd = NULL, *arg = NULL;
    long limit = 0, budget = 0;
    bool have_arg = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "-d") == 0 || strcmp(a, "--db") == 0) {
            if (!more)
                return usage("missing value for --db");
            db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            db = a + 5;
        } else if (strcmp(a, "--limit") == 0) {
            if (!more || !parse_count(argv[++i], CORE_PAGE_MAX, &limit) || limit == 0)
                return usage("--limit takes a number from 1 to 1000");
        } else if (strcmp(a, "--after") == 0) {
            if (!more)
                return usage("missing value for --after");
            after = argv[++i];
        } else if (strcmp(a, "--budget") == 0) {
            if (!more || !parse_count(argv[++i], 3600000, &budget))
                return usage("--budget takes milliseconds");
        } else if (strcmp(a, "--") == 0 && cmd && !have_arg && more) {
            arg = argv[++i];
            have_arg = true;
        } else if (a[0] == '-' && a[1] != '\0' && !(cmd && !have_arg && strcmp(cmd, "recent") != 0)) {
            fprintf(stderr, "convo-query: unknown option %s\n", a);
            return usage(NULL);
        } else if (!cmd) {
            cmd = a;
        } else if (!have_arg && strcmp(cmd, "recent") != 0) {
            arg = a;
            have_arg = true;
        } else {
            return usage("too many arguments");
        }
    }
    if (!cmd)
        return usage("missing command");
    bool recent = strcmp(cmd, "recent") == 0, search = strcmp(cmd, "search") == 0,
         messages = strcmp(cmd, "messages") == 0;
    if (!recent && !search && !messages)
        return usage("unknown command");
    if ((search || messages) && !have_arg)
        return usage(search ? "search needs a TERM" : "messages needs a CONTACT_ID");
    long contact = 0;
    if (messages && !parse_count(arg, 2147483647L, &contact))
        return usage("CONTACT_ID must be a positive integer");
    if (search && core_term_check(arg) != CORE_OK) {
        fprintf(stderr, "convo-query: invalid search term: invalid UTF-8 or longer than %d characters\n",
                CORE_TERM_MAX_CHARS);
        return 2;
    }

    char err[512];
    struct core_conn *conn = core_conn_open(db, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "convo-query: %s\n", err);
        return 1;
    }
    struct core_page page;
    enum core_status st;
    if (recent) {
        st = core_recent(conn, after, (size_t)limit, &page);
    } else if (messages) {
        st = core_messages(conn, (int32_t)contact, after, (size_t)limit, &page);
    } else {
        struct core_search *s;
        st = core_search_open(conn, arg, after, &s);
        if (st == CORE_OK) {
            st = core_search_next(s, (size_t)limit, (double)budget, &page);
            core_search_close(s);
        }
    }
    if (st != CORE_OK) {
        int rc = fail(st, conn);
        core_conn_close(conn);
        return rc;
    }
    json_page(stdout, messages ? "messages" : "conversations", &page, search);
    core_page_free(&page);
    core_conn_close(conn);
    return fflush(stdout) == 0 ? 0 : 1;
}

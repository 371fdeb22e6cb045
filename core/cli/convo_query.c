/* core/cli/convo_query.c - convo-query: core's answers as JSON, for scripts,
 * tests and benchmarks. Exit 0 ok, 1 database or output error, 2 usage
 * error; every error is one line on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "lib.h"
#include "query_live.h"
#include "query_power.h"

static const char usage_text[] =
    "usage: convo-query [-d CONNINFO] recent [--limit N] [--after CURSOR | --before DATE]\n"
    "       convo-query [-d CONNINFO] search TERM [--limit N] [--after CURSOR] [--budget MS]\n"
    "                   [--literal]   (TERM may hold is:in is:out after:DATE before:DATE with:NAME)\n"
    "       convo-query [-d CONNINFO] messages CONTACT_ID [--limit N] [--after CURSOR | --before DATE]\n"
    "       convo-query [-d CONNINFO] export CONTACT_ID [--format jsonl|csv|txt]\n"
    "       convo-query [-d CONNINFO] export --search TERM [--format jsonl|csv|txt]\n"
    "       convo-query [-d CONNINFO] contact add PHONE [NAME]\n"
    "       convo-query [-d CONNINFO] follow [--limit N]\n"
    "       convo-query [-d CONNINFO] send CONTACT_ID TEXT\n"
    "       convo-query [-d CONNINFO] server\n"
    "       convo-query [-d CONNINFO] ping      (connect, print {\"connected\": true})\n"
    "CONNINFO is a libpq conninfo string or URI; without it the PG* variables,\n"
    "then DATABASE_URL, then the embedded cluster of ./run are used.\n"
    "server: which server reads and writes go to (with several hosts and\n"
    "target_session_attrs=prefer-standby, reads go to a standby).\n"
    "--before DATE: start at the newest row strictly before DATE, which is\n"
    "YYYY-MM-DD or YYYY-MM-DDTHH:MM in the time zone of TZ, or -Nd, -Nw, -Nm,\n"
    "today, yesterday; --cursor is another name for --after.\n"
    "export: a conversation oldest first, or every message whose content\n"
    "contains TERM newest first (default format jsonl).\n"
    "contact add: PHONE is + and 8-15 digits (spaces, dashes, parentheses\n"
    "and dots allowed), stored in E.164; prints the contact as JSON.\n";

#define BUDGET_MAX 3600000L

/* A usage error: one line naming what was wrong, exit 2. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int usage(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    for (char *p = line; *p; p++)   /* an argument may hold a newline */
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "convo-query: %s (see convo-query --help)\n", line);
    return 2;
}

/* A database or output error: one line, exit 1. Only the first line of msg
 * is printed (libpq messages may carry DETAIL and HINT lines). */
static int fail_line(const char *msg)
{
    size_t n = strcspn(msg, "\r\n");
    fprintf(stderr, "convo-query: %.*s\n", (int)n, msg);
    return 1;
}

static bool parse_count(const char *s, long min, long max, long *out)
{
    char *end;
    if (*s < '0' || *s > '9')   /* no sign, no leading blanks */
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int fail(enum core_status st, struct core_conn *conn)
{
    const char *msg = conn && *core_conn_error(conn) ? core_conn_error(conn)
                                                     : core_status_message(st);
    size_t n = strcspn(msg, "\r\n");
    fprintf(stderr, "convo-query: %.*s\n", (int)n, msg);
    return st == CORE_ERR_CURSOR || st == CORE_ERR_TERM || st == CORE_ERR_USAGE ? 2 : 1;
}

/* Write len bytes and close stdout; 0 or 1 after a one-line message. */
static int write_output(const char *buf, size_t len)
{
    errno = 0;
    if (len && fwrite(buf, 1, len, stdout) != len)
        goto err;
    if (fflush(stdout) != 0 || ferror(stdout))
        goto err;
    if (fclose(stdout) != 0)
        goto err;
    return 0;
err:;
    int e = errno ? errno : EIO;
    fprintf(stderr, "convo-query: cannot write output: %s\n", strerror(e));
    return 1;
}

/* Close an open_memstream() the output was rendered into, then write it in
 * one go (write_output); buf and len are the stream's. */
static int write_rendered(FILE *mem, char **buf, size_t *len)
{
    bool failed = ferror(mem) != 0;
    if (fclose(mem) != 0 || failed) {
        free(*buf);
        return fail_line(core_status_message(CORE_ERR_NOMEM));
    }
    int rc = write_output(*buf, *len);
    free(*buf);
    return rc;
}

/* 1 after a message when contact_id names no contact, else 0. */
static int check_contact(struct core_conn *conn, long contact_id)
{
    enum core_status st = core_contact_exists(conn, (int32_t)contact_id);
    if (st == CORE_ERR_NOT_FOUND) {
        fprintf(stderr, "convo-query: no contact with id %ld\n", contact_id);
        return 1;
    }
    return st == CORE_OK ? 0 : fail(st, conn);
}

/* {"reads_from": ..., "standby": bool, "writes_to": ...}: the reader a
 * command uses and the writer that sends would use. */
static int print_server(const char *db)
{
    char err[512];
    struct core_conn *reader = core_conn_open(db, err, sizeof err);
    if (!reader)
        return fail_line(err);
    struct core_conn *writer = core_conn_open_writer(db, err, sizeof err);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) {
        core_conn_close(reader);
        core_conn_close(writer);
        return fail_line(core_status_message(CORE_ERR_NOMEM));
    }
    fputs("{\"reads_from\": ", mem);
    json_string(mem, core_conn_server(reader));
    fprintf(mem, ", \"standby\": %s, \"writes_to\": ",
            core_conn_on_standby(reader) ? "true" : "false");
    if (writer)
        json_string(mem, core_conn_server(writer));
    else
        fputs("null", mem);
    fputs("}\n", mem);
    core_conn_close(reader);
    core_conn_close(writer);
    return write_rendered(mem, &buf, &len);
}

/* follow [--limit N] and send CONTACT_ID TEXT, after the connection flags;
 * argv[0] is the command. */
static int live_main(const char *db, int argc, char **argv)
{
    bool follow = strcmp(argv[0], "follow") == 0;
    long limit = 0;
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && follow && strcmp(a, "--limit") == 0) {
            if (i + 1 >= argc || !parse_count(argv[i + 1], 1, 1000000000L, &limit))
                return usage("--limit must be 1..1000000000, got %s",
                             i + 1 < argc && *argv[i + 1] ? argv[i + 1] : "nothing");
            i++;
        } else if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = true;
        } else if (!dashdash && a[0] == '-' && a[1] != '\0' && !(npos == 1 && !follow)) {
            return usage("unknown option %s", a);
        } else if (!follow && npos < 2) {
            pos[npos++] = a;
        } else {
            return usage("unexpected argument %s", a);
        }
    }
    if (follow)
        return query_follow(db, limit);
    if (npos < 2)
        return usage("send needs a CONTACT_ID and a TEXT");
    long contact = 0;
    if (!parse_count(pos[0], 1, 2147483647L, &contact))
        return usage("CONTACT_ID must be an integer 1..2147483647, got %s", *pos[0] ? pos[0] : "''");
    return query_send(db, contact, pos[1]);
}

/* contact add PHONE [NAME], after the connection flags; argv[0] is
 * "contact". */
static int contact_main(const char *db, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "add") != 0)
        return usage("contact needs a subcommand: contact add PHONE [NAME]");
    if (argc < 3)
        return usage("contact add needs a PHONE");
    if (argc > 4)
        return usage("unexpected argument %s", argv[4]);
    return query_contact_add(db, argv[2], argc == 4 ? argv[3] : NULL);
}

/* follow, send and contact have arguments of their own: the exit status of the
 * command when argv names one after the connection flags, else -1. */
static int live_dispatch(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--db") == 0) && i + 1 < argc) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--db=", 5) == 0)
            continue;
        bool contact = strcmp(argv[i], "contact") == 0;
        if (contact || strcmp(argv[i], "follow") == 0 || strcmp(argv[i], "send") == 0) {
            const char *db = NULL;
            for (int k = 1; k < i; k++)
                db = strncmp(argv[k], "--db=", 5) == 0 ? argv[k] + 5
                   : (k + 1 < i && argv[k][0] == '-') ? argv[++k] : db;
            return contact ? contact_main(db, argc - i, argv + i)
                           : live_main(db, argc - i, argv + i);
        }
        break;
    }
    return -1;
}

/* The command line of recent, search, messages, server and ping. */
struct query_args {
    const char *db, *after, *cmd, *arg, *before, *format, *search;
    long limit, budget;
    bool have_arg, budget_given, literal;
};

/* Read argv into q: -1 when it parsed, else the exit status (after --help
 * or a usage error). */
static int parse_args(int argc, char **argv, struct query_args *q)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool more = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return write_output(usage_text, sizeof usage_text - 1);
        } else if (strcmp(a, "-d") == 0 || strcmp(a, "--db") == 0) {
            if (!more)
                return usage("%s needs a CONNINFO", a);
            q->db = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            q->db = a + 5;
        } else if (strcmp(a, "--limit") == 0) {
            if (!more)
                return usage("--limit needs a number 1..%d", CORE_PAGE_MAX);
            const char *v = argv[++i];
            if (!parse_count(v, 1, CORE_PAGE_MAX, &q->limit))
                return usage("--limit must be 1..%d, got %s", CORE_PAGE_MAX,
                             *v ? v : "''");
        } else if (strcmp(a, "--after") == 0 || strcmp(a, "--cursor") == 0) {
            if (!more || !*argv[i + 1])
                return usage("%s needs a cursor", a);
            q->after = argv[++i];
        } else if (strcmp(a, "--before") == 0 || strcmp(a, "--format") == 0 ||
                   strcmp(a, "--search") == 0) {
            if (!more)
                return usage("%s needs a %s", a, a[2] == 'b' ? "DATE" : a[2] == 'f'
                             ? "format (jsonl, csv or txt)" : "TERM");
            const char **slot = a[2] == 'b' ? &q->before : a[2] == 'f' ? &q->format : &q->search;
            *slot = argv[++i];
        } else if (strcmp(a, "--budget") == 0) {
            if (!more)
                return usage("--budget needs milliseconds 0..%ld", BUDGET_MAX);
            const char *v = argv[++i];
            if (!parse_count(v, 0, BUDGET_MAX, &q->budget))
                return usage("--budget must be 0..%ld milliseconds, got %s", BUDGET_MAX,
                             *v ? v : "''");
            q->budget_given = true;
        } else if (strcmp(a, "--literal") == 0) {
            q->literal = true;
        } else if (strcmp(a, "--") == 0 && q->cmd && !q->have_arg && more) {
            q->arg = argv[++i];
            q->have_arg = true;
        } else if (a[0] == '-' && a[1] != '\0' &&
                   !(q->cmd && !q->have_arg && strcmp(q->cmd, "recent") != 0)) {
            return usage("unknown option %s", a);
        } else if (!q->cmd) {
            q->cmd = a;
        } else if (!q->have_arg && strcmp(q->cmd, "recent") != 0 &&
                   strcmp(q->cmd, "server") != 0 &&
                   !(strcmp(q->cmd, "export") == 0 && q->search)) {
            q->arg = a;
            q->have_arg = true;
        } else {
            return usage("unexpected argument %s", a);
        }
    }
    return -1;
}

/* ping: connect, print {"connected": true}. */
static int run_ping(const char *db)
{
    char err[512];
    struct core_conn *conn = core_conn_open(db, err, sizeof err);
    if (!conn)
        return fail_line(err);
    core_conn_close(conn);
    static const char ok[] = "{\"connected\": true}\n";
    return write_output(ok, sizeof ok - 1);
}

/* recent, search or messages (contact): one page as JSON; before is the
 * cursor --before made, or NULL. */
static int run_page(const struct query_args *q, long contact, const char *before)
{
    bool messages = strcmp(q->cmd, "messages") == 0, search = strcmp(q->cmd, "search") == 0;
    char err[512];
    struct core_conn *conn = core_conn_open(q->db, err, sizeof err);
    if (!conn)
        return fail_line(err);
    struct core_page page;
    enum core_status st;
    const char *cursor = before ? before : q->after;
    if (strcmp(q->cmd, "recent") == 0) {
        st = core_recent(conn, cursor, (size_t)q->limit, &page);
    } else if (messages) {
        st = core_messages(conn, (int32_t)contact, cursor, (size_t)q->limit, &page);
    } else {
        struct core_search *s;
        st = core_search_open_with(conn, q->arg, q->after,
                                   q->literal ? CORE_SEARCH_LITERAL : 0, &s);
        if (st == CORE_OK) {
            st = core_search_next(s, (size_t)q->limit, (double)q->budget, &page);
            core_search_close(s);
        }
    }
    if (st != CORE_OK) {
        int rc = fail(st, conn);
        core_conn_close(conn);
        return rc;
    }
    /* An empty first page of messages: say so when the contact is missing. */
    if (messages && page.count == 0 && !q->after) {   /* --before too: check */
        int rc = check_contact(conn, contact);
        if (rc) {
            core_page_free(&page);
            core_conn_close(conn);
            return rc;
        }
    }
    core_conn_close(conn);

    /* Render in memory, then write once, so a failed write is reported
     * with the errno of the write itself. */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) {
        core_page_free(&page);
        return fail_line(core_status_message(CORE_ERR_NOMEM));
    }
    json_page(mem, messages ? "messages" : "conversations", &page, search);
    core_page_free(&page);
    return write_rendered(mem, &buf, &len);
}

/* export CONTACT_ID | export --search TERM, [--format F]. */
static int run_export(const struct query_args *q)
{
    enum core_export_format format = CORE_EXPORT_JSONL;
    if (q->format && !query_export_format(q->format, &format))
        return usage("--format must be jsonl, csv or txt, got %s", *q->format ? q->format : "''");
    if (q->limit || q->after || q->budget_given || q->before)
        return usage("export takes only CONTACT_ID or --search TERM, and --format");
    if (q->search && q->have_arg)
        return usage("export takes a CONTACT_ID or --search TERM, not both");
    if (q->search) {
        if (core_term_check(q->search) != CORE_OK) {
            fprintf(stderr, "convo-query: invalid search term: %s\n",
                    core_term_problem(q->search));
            return 2;
        }
        return query_export(q->db, 0, q->search, format);
    }
    long contact = 0;
    if (!q->have_arg)
        return usage("export needs a CONTACT_ID or --search TERM");
    if (!parse_count(q->arg, 1, 2147483647L, &contact))
        return usage("CONTACT_ID must be an integer 1..2147483647, got %s", *q->arg ? q->arg : "''");
    return query_export(q->db, contact, NULL, format);
}

int main(int argc, char **argv)
{
    int live_rc = live_dispatch(argc, argv);
    if (live_rc >= 0)
        return live_rc;
    struct query_args q = {0};
    int rc = parse_args(argc, argv, &q);
    if (rc >= 0)
        return rc;
    if (!q.cmd)
        return usage("missing command (recent, search, messages, follow, send or server)");
    if (strcmp(q.cmd, "server") == 0)
        return print_server(q.db);
    bool recent = strcmp(q.cmd, "recent") == 0, search = strcmp(q.cmd, "search") == 0,
         messages = strcmp(q.cmd, "messages") == 0, ping = strcmp(q.cmd, "ping") == 0;
    bool export = strcmp(q.cmd, "export") == 0;
    if (!recent && !search && !messages && !ping && !export)
        return usage("unknown command %s", q.cmd);
    if (q.format && !export)
        return usage("--format applies to export only, not %s", q.cmd);
    if (q.search && !export)
        return usage("--search applies to export only, not %s (use search TERM)", q.cmd);
    if (q.before && !recent && !messages)
        return usage("--before applies to recent and messages only, not %s", q.cmd);
    if (q.before && q.after)
        return usage("--before starts a walk, --after continues one: give one of them");
    if (export)
        return run_export(&q);
    if (ping && (q.have_arg || q.limit || q.after || q.budget_given))
        return usage("ping takes no arguments");
    if (ping)
        return run_ping(q.db);
    if ((search || messages) && !q.have_arg)
        return usage(search ? "search needs a TERM" : "messages needs a CONTACT_ID");
    long contact = 0;
    if (messages && !parse_count(q.arg, 1, 2147483647L, &contact))
        return usage("CONTACT_ID must be an integer 1..2147483647, got %s",
                     *q.arg ? q.arg : "''");
    if (search && core_term_check(q.arg) != CORE_OK) {
        fprintf(stderr, "convo-query: invalid search term: %s\n", core_term_problem(q.arg));
        return 2;
    }
    if (q.budget_given && !search)
        return usage("--budget applies to search only, not %s", q.cmd);
    if (q.literal && !search)
        return usage("--literal applies to search only, not %s", q.cmd);
    char bad[256];
    if (search && !q.literal && core_filter_problem(q.arg, bad, sizeof bad)) {
        fprintf(stderr, "convo-query: %s\n", bad);
        return 2;
    }
    char before[CORE_CURSOR_SIZE];
    if (q.before) {
        int64_t at;
        const char *why = core_date_parse(q.before, core_wall_us(), &at);
        if (why)
            return usage("bad date '%s' for --before: %s", q.before, why);
        if (messages)
            core_messages_cursor_at((int32_t)contact, at, false, before);
        else
            core_recent_cursor_at(at, false, before);
    }
    return run_page(&q, contact, q.before ? before : NULL);
}

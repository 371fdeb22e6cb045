/* core/cli/convo_bench.c - convo-bench: convo's queries against the naive
 * baseline, side by side, in one process and one run, over a fixed
 * workload (or the terms of a file, --terms). Prints p50/p99/max per case
 * and the speed-up, as a table or one JSON object per line (--json), and
 * exits 1 when any of convo's pages differs from the baseline's rows. */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "json.h"

static int runs = 50;       /* convo repetitions per case */
static int naive_runs = 1;  /* baseline repetitions per case */
static bool skip_naive;
static bool as_json;        /* one JSON object per line per case */
static int mismatches;

/* ---- the baseline: what a first attempt looks like ------------------------ */

/* Latest message per contact with DISTINCT ON, re-sorted, OFFSET paging. */
static const char naive_recent_sql[] =
    "SELECT contact_id, id FROM ("
    " SELECT DISTINCT ON (contact_id) contact_id, created_at, id FROM messages"
    "  ORDER BY contact_id, created_at DESC, id DESC) s"
    " ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 50";

/* One match over the joined tables (convo_match: accents folded unless the
 * term has some, docs/search.md#accents); a contact matched by name or
 * phone has every message as a hit, so its newest message is its anchor. */
static const char naive_search_sql[] =
    "SELECT contact_id, id FROM ("
    " SELECT DISTINCT ON (m.contact_id) m.contact_id, m.created_at, m.id"
    "   FROM messages m JOIN contacts c ON c.id = m.contact_id"
    "  WHERE public.convo_match(m.content, $1) OR public.convo_match(c.name, $1) OR public.convo_match(c.phone_number, $1)"
    "     OR ($2 <> '' AND regexp_replace(c.phone_number, '[^0-9]', '', 'g') LIKE $2)"
    "  ORDER BY m.contact_id, m.created_at DESC, m.id DESC) s"
    " ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET $3";

/* The same with search's filter words (core_filter_parse): direction $4
 * ('' any), [$5, $6), contacts whose name or phone contain $7 ('' any, its
 * digits $8); $1 is the text's pattern ('%%' without text: every message). */
static const char naive_filtered_sql[] =
    "SELECT contact_id, id FROM ("
    " SELECT DISTINCT ON (m.contact_id) m.contact_id, m.created_at, m.id"
    "   FROM messages m JOIN contacts c ON c.id = m.contact_id"
    "  WHERE ($4 = '' OR m.direction = $4)"
    "    AND m.created_at >= $5::timestamptz AND m.created_at < $6::timestamptz"
    "    AND ($7 = '' OR public.convo_match(c.name, $7) OR public.convo_match(c.phone_number, $7)"
    "         OR ($8 <> '' AND regexp_replace(c.phone_number, '[^0-9]', '', 'g') LIKE $8))"
    "    AND (public.convo_match(m.content, $1) OR public.convo_match(c.name, $1) OR public.convo_match(c.phone_number, $1)"
    "         OR ($2 <> '' AND regexp_replace(c.phone_number, '[^0-9]', '', 'g') LIKE $2))"
    "  ORDER BY m.contact_id, m.created_at DESC, m.id DESC) s"
    " ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET $3";

struct ids {
    int n;
    int contact[CORE_PAGE_MAX];
    long long message[CORE_PAGE_MAX];
};

static double naive(PGconn *pg, const char *sqltext, int nparams, const char **vals,
                    struct ids *out)
{
    double best = INFINITY;
    for (int r = 0; r < naive_runs; r++) {
        double t0 = core_now_ms();
        PGresult *res = PQexecParams(pg, sqltext, nparams, NULL, vals, NULL, NULL, 0);
        double t = core_now_ms() - t0;
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            fprintf(stderr, "convo-bench: baseline failed: %s", PQerrorMessage(pg));
            exit(1);
        }
        out->n = PQntuples(res);
        for (int i = 0; i < out->n && i < CORE_PAGE_MAX; i++) {
            out->contact[i] = atoi(PQgetvalue(res, i, 0));
            out->message[i] = atoll(PQgetvalue(res, i, 1));
        }
        PQclear(res);
        if (t < best)
            best = t;
    }
    return best;
}

static void page_ids(const struct core_page *p, struct ids *out)
{
    out->n = (int)p->count;
    for (size_t i = 0; i < p->count && i < CORE_PAGE_MAX; i++) {
        out->contact[i] = p->rows[i].contact_id;
        out->message[i] = (long long)p->rows[i].message_id;
    }
}

static bool ids_equal(const struct ids *a, const struct ids *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (a->contact[i] != b->contact[i] || a->message[i] != b->message[i])
            return false;
    return true;
}

/* The baseline's time for its query, and whether its rows equal mine (a
 * difference counts in mismatches); -1 and true when it is skipped. */
static double baseline(PGconn *pg, const char *sqltext, int nparams, const char **vals,
                       const struct ids *mine, bool *same)
{
    *same = true;
    if (skip_naive)
        return -1;
    struct ids base;
    base.n = 0;
    double nv = naive(pg, sqltext, nparams, vals, &base);
    *same = ids_equal(mine, &base);
    if (!*same)
        mismatches++;
    return nv;
}

/* The baseline of the search page that starts at row offset. */
static double baseline_search(PGconn *pg, const char *term, int offset,
                              const struct ids *mine, bool *same)
{
    *same = true;
    if (skip_naive)
        return -1;
    struct core_filter f;
    char err[256];
    if (core_filter_parse(term, false, core_wall_us(), &f, err, sizeof err)) {
        core_filter_free(&f);
        fprintf(stderr, "convo-bench: %s\n", err);
        exit(2);
    }
    char *pat = core_like_pattern(f.text), *dig = core_digits_pattern(f.text), off[32];
    char *wpat = f.with ? core_like_pattern(f.with) : NULL;
    char *wdig = f.with ? core_digits_pattern(f.with) : NULL;
    char after[CORE_TIME_LEN], before[CORE_TIME_LEN];
    core_format_time(f.after_us, after);
    core_format_time(f.before_us, before);
    snprintf(off, sizeof off, "%d", offset);
    const char *dir = f.dir == CORE_DIR_ANY ? "" : f.dir == CORE_DIR_IN ? "in"
                      : f.dir == CORE_DIR_OUT ? "out" : "none";
    const char *vals[8] = {pat, dig, off, dir, after, before, wpat ? wpat : "", wdig ? wdig : ""};
    double nv = f.any ? baseline(pg, naive_filtered_sql, 8, vals, mine, same)
                      : baseline(pg, naive_search_sql, 3, vals, mine, same);
    free(pat);
    free(dig);
    free(wpat);
    free(wdig);
    core_filter_free(&f);
    return nv;
}

/* ---- statistics --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double p50, p99, max;
};

static struct stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    struct stats s = {v[(n - 1) / 2], v[(int)ceil(0.99 * n) - 1], v[n - 1]};
    return s;
}

/* {"kind", "case", "term", "p50_ms", "p99_ms", "max_ms", "first_p99_ms",
 * "rows", "naive_ms", "equal", "scanned_rows"}; null where not measured. */
static void json_row(const char *kind, const char *label, const char *term, struct stats s,
                     double first, int rows, double naive_ms, bool same, long long scanned)
{
    printf("{\"kind\": ");
    json_string(stdout, kind);
    printf(", \"case\": ");
    json_string(stdout, label);
    printf(", \"term\": ");
    json_string(stdout, term);
    printf(", \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"first_p99_ms\": ",
           s.p50, s.p99, s.max);
    if (first >= 0)
        printf("%.3f", first);
    else
        printf("null");
    printf(", \"rows\": %d, \"naive_ms\": ", rows);
    if (naive_ms >= 0)
        printf("%.3f, \"equal\": %s", naive_ms, same ? "true" : "false");
    else
        printf("null, \"equal\": null");
    printf(", \"scanned_rows\": ");
    if (scanned >= 0)
        printf("%lld}\n", scanned);
    else
        printf("null}\n");
}

static void row(const char *kind, const char *label, const char *term, struct stats s,
                double first, int rows, double naive_ms, bool same, const char *note,
                long long scanned)
{
    if (as_json) {
        json_row(kind, label, term, s, first, rows, naive_ms, same, scanned);
        return;
    }
    char nv[32] = "-", sp[32] = "-", fa[32] = "-";
    if (naive_ms >= 0) {
        snprintf(nv, sizeof nv, "%.1f", naive_ms);
        snprintf(sp, sizeof sp, "%.0fx", naive_ms / (s.p50 > 0.001 ? s.p50 : 0.001));
    }
    if (first >= 0)
        snprintf(fa, sizeof fa, "%.2f", first);
    /* printf pads bytes; the column is counted in characters. */
    long chars = core_utf8_chars(label);
    int pad = chars >= 0 && chars < 25 ? 25 - (int)chars : 0;
    printf("| %-8s | %s%*s | %8.2f | %8.2f | %8.2f | %8s | %4d | %10s | %7s | %-4s | %s\n", kind,
           label, pad, "", s.p50, s.p99, s.max, fa, rows, nv, sp,
           naive_ms < 0 ? "-" : same ? "same" : "DIFF", note ? note : "");
}

/* ---- cases -------------------------------------------------------------------- */

static void die_status(struct core_conn *conn, enum core_status st)
{
    fprintf(stderr, "convo-bench: %s: %s\n", core_status_message(st), core_conn_error(conn));
    exit(1);
}

static void bench_recent(struct core_conn *conn, PGconn *pg)
{
    /* Cursors of pages 1, 2, 100 and the last, found by walking. */
    int want[] = {1, 2, 100, 2000, -1};
    char *cursors[5] = {0};
    int pageno[5] = {1, 2, 100, 2000, 0};
    char *cursor = NULL;
    int page = 1, found = 0;
    for (;;) {
        for (int k = 0; k < 4; k++)
            if (want[k] == page) {
                cursors[k] = cursor ? strdup(cursor) : NULL;
                found |= 1 << k;
            }
        struct core_page p;
        enum core_status st = core_recent(conn, cursor, 50, &p);
        if (st != CORE_OK)
            die_status(conn, st);
        char *next = p.next_cursor ? strdup(p.next_cursor) : NULL;
        core_page_free(&p);
        if (!next) {
            cursors[4] = cursor;
            pageno[4] = page;
            break;
        }
        free(cursor);
        cursor = next;
        page++;
    }
    for (int k = 0; k < 5; k++) {
        if (k < 4 && !(found & (1 << k)))
            continue;
        double *t = malloc(sizeof(double) * (size_t)runs * 4);
        int n = runs * 4;
        struct ids mine = {0};
        struct core_page warm; /* statements are prepared once per session */
        if (core_recent(conn, cursors[k], 50, &warm) == CORE_OK)
            core_page_free(&warm);
        for (int r = 0; r < n; r++) {
            struct core_page p;
            double t0 = core_now_ms();
            enum core_status st = core_recent(conn, cursors[k], 50, &p);
            t[r] = core_now_ms() - t0;
            if (st != CORE_OK)
                die_status(conn, st);
            page_ids(&p, &mine);
            core_page_free(&p);
        }
        struct stats s = summarize(t, n);
        free(t);
        char off[32];
        snprintf(off, sizeof off, "%d", (pageno[k] - 1) * 50);
        const char *vals[1] = {off};
        bool same;
        double nv = baseline(pg, naive_recent_sql, 1, vals, &mine, &same);
        char label[32];
        snprintf(label, sizeof label, "page %d%s", pageno[k], k == 4 ? " (last)" : "");
        row("recent", label, "", s, -1, mine.n, nv, same, NULL, -1);
        fflush(stdout);
    }
    for (int k = 0; k < 5; k++)
        if (k != 4 || cursors[4] != cursors[3])
            free(cursors[k]);
}

/* Times n complete pages of term from cursor into t, keeping the last
 * page's ids and rows scanned. With stop_slow, full scans slower than a
 * second stop repeating after three runs. Returns the runs made. */
static int time_search(struct core_conn *conn, const char *term, const char *cursor,
                       double *t, int n, bool stop_slow, struct ids *mine, int64_t *scanned)
{
    for (int r = 0; r < n; r++) {
        struct core_page p;
        double t0 = core_now_ms();
        enum core_status st = core_search(conn, term, cursor, 50, &p);
        t[r] = core_now_ms() - t0;
        if (st != CORE_OK)
            die_status(conn, st);
        page_ids(&p, mine);
        *scanned = p.scanned_rows;
        core_page_free(&p);
        if (stop_slow && t[r] > 1000 && r >= 2)
            return r + 1;
    }
    return n;
}

/* A complete first page, and separately what a typist sees first: the
 * answer within a 40 ms budget. */
static void bench_search(struct core_conn *conn, PGconn *pg, const char *kind,
                         const char *term)
{
    int n = runs;
    double *t = malloc(sizeof(double) * (size_t)n), *f = malloc(sizeof(double) * (size_t)n);
    struct ids mine = {0};
    int64_t scanned = 0;
    struct core_page warm; /* statements are prepared once per session */
    if (core_search(conn, term, NULL, 50, &warm) == CORE_OK)
        core_page_free(&warm);
    /* Full scans are slow by nature: a few runs of them are enough. */
    n = time_search(conn, term, NULL, t, n, true, &mine, &scanned);
    bool partial_seen = false;
    for (int r = 0; r < n; r++) {
        struct core_search *s;
        struct core_page p;
        double t0 = core_now_ms();
        enum core_status st = core_search_open(conn, term, NULL, &s);
        if (st == CORE_OK)
            st = core_search_next(s, 50, 40, &p);
        f[r] = core_now_ms() - t0;
        if (st != CORE_OK)
            die_status(conn, st);
        partial_seen |= !p.complete;
        core_page_free(&p);
        core_search_close(s);
    }
    struct stats s = summarize(t, n);
    struct stats fs = summarize(f, n);
    bool same;
    double nv = baseline_search(pg, term, 0, &mine, &same);
    char label[64], note[96];
    snprintf(label, sizeof label, "\"%s\"", term);
    snprintf(note, sizeof note, "scanned %lld%s", (long long)scanned,
             partial_seen ? ", partial within 40 ms" : "");
    row(kind, label, term, s, fs.p99, mine.n, nv, same, note, (long long)scanned);
    fflush(stdout);
    free(t);
    free(f);
}

/* A page deep in a search: the cursor of page `page` found by walking,
 * then that page timed; the baseline pages with OFFSET. */
static void bench_search_deep(struct core_conn *conn, PGconn *pg, const char *term, int page)
{
    char *cursor = NULL;
    for (int i = 1; i < page; i++) {
        struct core_page p;
        enum core_status st = core_search(conn, term, cursor, 50, &p);
        if (st != CORE_OK)
            die_status(conn, st);
        free(cursor);
        cursor = p.next_cursor ? strdup(p.next_cursor) : NULL;
        core_page_free(&p);
        if (!cursor)
            return;
    }
    double *t = malloc(sizeof(double) * (size_t)runs);
    struct ids mine = {0};
    int64_t scanned;
    time_search(conn, term, cursor, t, runs, false, &mine, &scanned);
    struct stats s = summarize(t, runs);
    bool same;
    double nv = baseline_search(pg, term, (page - 1) * 50, &mine, &same);
    char label[64];
    snprintf(label, sizeof label, "\"%s\" page %d", term, page);
    row("deep", label, term, s, -1, mine.n, nv, same, NULL, (long long)scanned);
    fflush(stdout);
    free(t);
    free(cursor);
}

/* How fast a running full scan stops when cancelled from another thread. */
struct cancel_arg {
    struct core_conn *conn;
    double at;
};

#include <pthread.h>
#include <unistd.h>
static void *cancel_later(void *p)
{
    struct cancel_arg *a = p;
    usleep(30000);
    a->at = core_now_ms();
    core_conn_cancel(a->conn);
    return NULL;
}

static void bench_cancel(struct core_conn *conn, const char *term)
{
    double lat[5];
    for (int r = 0; r < 5; r++) {
        struct cancel_arg a = {conn, 0};
        pthread_t th;
        struct core_page p;
        struct core_search *s;
        if (core_search_open(conn, term, NULL, &s) != CORE_OK)
            die_status(conn, CORE_ERR_QUERY);
        pthread_create(&th, NULL, cancel_later, &a);
        enum core_status st = core_search_next(s, 50, 0, &p);
        double end = core_now_ms();
        pthread_join(th, NULL);
        core_search_close(s);
        lat[r] = st == CORE_ERR_CANCELLED ? end - a.at : -1;
        if (st == CORE_OK)
            core_page_free(&p);
    }
    struct stats s = summarize(lat, 5);
    char label[64];
    snprintf(label, sizeof label, "\"%s\"", term);
    row("cancel", label, term, s, -1, 0, -1, true, "ms from cancel to return (-1 = finished first)",
        -1);
}

static const char *usage_text =
    "usage: convo-bench [-d CONNINFO] [--runs N] [--naive-runs N] [--no-naive] [--quick]\n"
    "                   [--terms FILE] [--json] [--recent-only]\n";

/* The terms of FILE: UTF-8, one per line, taken literally (only the line
 * end, LF or CRLF, is removed); blank lines are skipped. Exits 2 with the
 * file and line on anything else. */
static char **read_terms(const char *path, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "convo-bench: --terms %s: cannot open it\n", path);
        exit(2);
    }
    char **terms = NULL, *line = NULL;
    size_t n = 0, cap = 0, lcap = 0;
    ssize_t len;
    for (long lineno = 1; (len = getline(&line, &lcap, f)) >= 0; lineno++) {
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0)
            continue;
        if ((size_t)len != strlen(line) || core_term_check(line) != CORE_OK) {
            fprintf(stderr, "convo-bench: --terms %s line %ld: %s\n", path, lineno,
                    (size_t)len != strlen(line) ? "holds a NUL byte"
                    : core_utf8_chars(line) < 0 ? "invalid UTF-8"
                                                : "longer than 200 characters");
            exit(2);
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            terms = core_xrealloc(terms, cap * sizeof *terms);
        }
        terms[n++] = core_xstrdup(line);
    }
    free(line);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "convo-bench: --terms %s: no terms\n", path);
        exit(2);
    }
    *count = n;
    return terms;
}

static int finish(struct core_conn *conn, PGconn *pg)
{
    if (!as_json)
        printf("\np50/p99/max: complete first page of 50, in-process over the Unix socket.\n"
               "first ms: p99 of the first answer with a 40 ms budget (rows, or none yet and how\n"
               "far back the search has looked). naive: the baseline, same rows required.\n");
    core_conn_close(conn);
    PQfinish(pg);
    if (mismatches) {
        fprintf(as_json ? stderr : stdout, "\nconvo-bench: %d case(s) differ from the baseline\n",
                mismatches);
        return 1;
    }
    return 0;
}

struct bench_opts {
    const char *db, *terms_file;
    bool quick, recent_only;
};

/* The flags into opts and the globals above; false on a usage error. */
static bool parse_args(int argc, char **argv, struct bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "--db")) && i + 1 < argc)
            o->db = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--naive-runs") && i + 1 < argc)
            naive_runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-naive"))
            skip_naive = true;
        else if (!strcmp(argv[i], "--quick"))
            o->quick = true;
        else if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if (!strcmp(argv[i], "--terms") && i + 1 < argc)
            o->terms_file = argv[++i];
        else if (!strcmp(argv[i], "--recent-only"))
            o->recent_only = true;
        else
            return false;
    }
    return runs >= 1 && naive_runs >= 1;
}

/* Phone and name fragments taken from the data itself. */
struct samples {
    char phone[64], phone_fmt[64], phone_digits[64], name[64];
};

static void take_samples(const char *ph, const char *nm, struct samples *smp)
{
    snprintf(smp->phone, sizeof smp->phone, "555");
    snprintf(smp->phone_fmt, sizeof smp->phone_fmt, "555");
    snprintf(smp->phone_digits, sizeof smp->phone_digits, "555");
    char d[32];
    size_t nd = 0;
    for (const char *c = ph; *c && nd < sizeof d - 1; c++)
        if (*c >= '0' && *c <= '9')
            d[nd++] = *c;
    d[nd] = '\0';
    if (nd >= 7) {
        snprintf(smp->phone_digits, sizeof smp->phone_digits, "%.6s", d + nd - 7);
        snprintf(smp->phone_fmt, sizeof smp->phone_fmt, "(%.3s) %.3s-%.1s", d + nd - 7,
                 d + nd - 4, d + nd - 1);
    }
    snprintf(smp->phone, sizeof smp->phone, "%.8s", ph);
    snprintf(smp->name, sizeof smp->name, "%.4s", nm);
}

/* The baseline's own session (the same database as core's), after saying
 * how big the data set is; NULL after a message. */
static PGconn *open_baseline(const char *db, struct samples *smp)
{
    PGconn *pg = PQconnectdb(core_conninfo_resolve(db));
    if (PQstatus(pg) != CONNECTION_OK) {
        fprintf(stderr, "convo-bench: %s", PQerrorMessage(pg));
        return NULL;
    }
    PQclear(PQexec(pg, "SET jit = off"));
    PGresult *r = PQexec(pg, "SELECT (SELECT count(*) FROM contacts), (SELECT count(*) FROM messages),"
                             " (SELECT phone_number FROM contacts ORDER BY id OFFSET 777 LIMIT 1),"
                             " (SELECT name FROM contacts WHERE name <> '' ORDER BY id OFFSET 333 LIMIT 1)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fprintf(stderr, "convo-bench: %s", PQerrorMessage(pg));
        return NULL;
    }
    fprintf(as_json ? stderr : stdout,
            "convo-bench: %s contacts, %s messages; convo %d runs per case, baseline %s\n\n",
            PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), runs,
            skip_naive ? "skipped" : naive_runs == 1 ? "1 run" : "best of several runs");
    take_samples(PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), smp);
    PQclear(r);
    return pg;
}

/* The fixed workload after the recent list: every kind of term, typing,
 * deep pages, cancel. */
static void bench_cases(struct core_conn *conn, PGconn *pg, const struct samples *smp,
                        bool quick)
{
    struct {
        const char *kind, *term;
    } cases[] = {
        {"common", "the"}, {"common", "you"}, {"common", "and"},
        {"mid", "pizza"}, {"mid", "movie"}, {"mid", "guitar"}, {"mid", "weekend"},
        /* Generator words (seeder/text.c) near the end of their Zipf lists:
         * 2.5k-5.2k messages each in the default data set (seed 1). */
        {"mid", "tiramisu"}, {"mid", "notarize"}, {"mid", "Córdoba"},
        /* Rare phrases that do match, seed 1: 9, 12, 16 messages, then
         * 115, 146, 318. Tail words of two lists, so some seed always
         * makes them, and as rare as a rare word in a real corpus. */
        {"rare", "underrated kindergarten"}, {"rare", "overpriced puppy"},
        {"rare", "awesome spreadsheet"}, {"rare", "kayak starts"},
        {"rare", "aquarium sounds"}, {"rare", "hiroshi wants"},
        /* Rare words the generator never makes: 0 rows. */
        {"rare", "zebra"}, {"rare", "quixotic"}, {"rare", "xylophone"},
        {"absent", "qwxz"}, {"absent", "xyzzyplugh"}, {"absent", "zq"},
        {"short", "a"}, {"short", "e"}, {"short", "q"}, {"short", "th"}, {"short", "qx"},
        {"special", "100%"}, {"special", "50_50"}, {"special", "back\\slash"},
        {"special", "it's"}, {"special", "\"ok\""}, {"special", "%"}, {"special", "_"},
        /* Short words beside punctuation: their only trigrams are common. */
        {"special", "'re"}, {"special", "l.o"}, {"special", "I'd"}, {"special", "a b"},
        {"special", "\\"}, {"nonascii", "café"}, {"nonascii", "CAFÉ"}, {"nonascii", "naïve"},
        {"nonascii", "日本"},
        {"phone", smp->phone}, {"phone", smp->phone_fmt}, {"phone", smp->phone_digits},
        {"name", smp->name},
    };
    size_t ncases = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < ncases; i++) {
        if (quick && i % 3)
            continue;
        bench_search(conn, pg, cases[i].kind, cases[i].term);
    }
    /* Typing, one character at a time. */
    const char *typed[] = {"weekend", "favorite", "basketball"};
    for (size_t w = 0; w < 3; w++) {
        if (quick && w)
            break;
        char prefix[32];
        for (size_t len = 1; len <= strlen(typed[w]); len++) {
            snprintf(prefix, sizeof prefix, "%.*s", (int)len, typed[w]);
            bench_search(conn, pg, "typed", prefix);
        }
    }
    bench_search_deep(conn, pg, "the", 20);
    bench_search_deep(conn, pg, "pizza", 20);
    bench_search_deep(conn, pg, "a", 20);
    bench_cancel(conn, "zq");
}

int main(int argc, char **argv)
{
    struct bench_opts o = {0};
    if (!parse_args(argc, argv, &o)) {
        fputs(usage_text, stderr);
        return 2;
    }
    size_t nterms = 0;
    char **terms = o.terms_file ? read_terms(o.terms_file, &nterms) : NULL;
    char err[512];
    struct core_conn *conn = core_conn_open(o.db, err, sizeof err);
    if (!conn) {
        fprintf(stderr, "convo-bench: %s\n", err);
        return 1;
    }
    struct samples smp;
    PGconn *pg = open_baseline(o.db, &smp);
    if (!pg)
        return 1;
    if (!as_json) {
        printf("| case     | query                     |  p50 ms  |  p99 ms  |  max ms  | first ms | rows |   naive ms | speedup | rows | notes\n");
        printf("|----------|---------------------------|----------|----------|----------|----------|------|------------|---------|------|------\n");
    }
    if (terms) {
        for (size_t i = 0; i < nterms; i++) {
            bench_search(conn, pg, "terms", terms[i]);
            free(terms[i]);
        }
        free(terms);
        return finish(conn, pg);
    }
    bench_recent(conn, pg);
    if (!o.recent_only)
        bench_cases(conn, pg, &smp, o.quick);
    return finish(conn, pg);
}

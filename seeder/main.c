/* seeder/main.c - convo-seed: fills the convo database with a realistic data
 * set, from message_content.csv or from its own text generator. */
#include "seed.h"

#include "lib.h"
#include "migrate.h"
#include "pg.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONTACTS 100000
#define DEFAULT_MESSAGES 5000000
#define MAX_CONTACTS 5000000
#define MAX_MESSAGES 50000000
/* Generated text: enough turns that well over 180,000 are distinct. */
#define GENERATED_BODIES 320000

static void usage(FILE *out)
{
    fputs("usage: convo-seed [--contacts N] [--messages N] [--csv FILE] [--seed S]\n"
          "                  [--end TIME] [--reset] [--db CONNINFO] [--schema DIR] [--jobs N]\n"
          "       convo-seed --csv FILE --print-bodies\n"
          "       convo-seed --migrate [--check] [--db CONNINFO] [--schema DIR]\n"
          "       convo-seed --live RATE [--duration S] [--connections N] [--csv FILE] [--db CONNINFO]\n"
          "       convo-seed --from SOURCE [--map TABLE.COLUMN=SOURCE_COLUMN ...] [--timezone ZONE]\n"
          "                  [--skip-bad FILE] [--reset] [--db CONNINFO] [--jobs N]\n"
          "\n"
          "  --contacts N    contacts to create (default 100000)\n"
          "  --messages N    messages to create (default 5000000, at least N contacts)\n"
          "  --csv FILE      take message bodies from FILE (one per line), else generate them\n"
          "  --seed S        make the data set reproducible (with --end, exactly)\n"
          "  --end TIME      the newest message is at most TIME (UTC, 'YYYY-MM-DD HH:MM:SS'\n"
          "                  or Unix seconds; default now)\n"
          "  --reset         replace the data already in the database (convo's tables only)\n"
          "  --replace NAME  with --reset: also let go a relation convo did not create that\n"
          "                  depends on its tables (a foreign key, a view); repeatable\n"
          "  --db CONNINFO   libpq conninfo or URI (default: PG* variables, else DATABASE_URL)\n"
          "  --schema DIR    the schema migrations to apply (default: schema/ of the checkout\n"
          "                  convo-seed was built in)\n"
          "  --jobs N        partitions built at once, one connection each (default 2)\n"
          "  --print-bodies  print each CSV body as a JSON string per line, touch no database\n"
          "  --migrate       apply the schema files the database's ledger lacks, and stop;\n"
          "                  --check: change nothing, fail if any is missing\n"
          "  --live RATE     write RATE messages a second (0 = as fast as possible) into the\n"
          "                  existing data, one INSERT transaction each, until --duration S\n"
          "                  seconds pass or Ctrl-C; --connections N (default 8) at once;\n"
          "                  --async-commit: synchronous_commit = off (commits may be lost\n"
          "                  in a server crash, never half-applied); --ids FILE appends\n"
          "                  each row written ('contact ID', 'message CREATED_AT<TAB>ID')\n"
          "  --from SOURCE   import the contacts and messages of the database SOURCE (libpq\n"
          "                  conninfo or URL), which is only read, instead of generating them\n"
          "  --map T.C=S     convo's column C of table T (contacts or messages) is the source's\n"
          "                  column S; --map T=S: convo's table T is the source's table S\n"
          "  --timezone ZONE the zone of source times without one (default UTC)\n"
          "  --skip-bad FILE leave out the rows convo cannot store, listed in FILE (table, id,\n"
          "                  reason; tab-separated), instead of stopping at the first\n",
          out);
}

/* A mistake on the command line: one line, exit 2 (other failures exit 1). */
static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "convo-seed: error: ");
    fprintf(stderr, fmt, arg);
    fputs(" (see convo-seed --help)\n", stderr);
    exit(2);
}

/* Digits only: strtoll alone would take ' 5', '+5' and '-0'. */
static long long parse_count(const char *opt, const char *s, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s < '0' || *s > '9' || errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "convo-seed: error: %s must be a whole number from %lld to %lld,"
                " not '%s' (see convo-seed --help)\n", opt, lo, hi, s);
        exit(2);
    }
    return v;
}

/* --end: 'YYYY-MM-DD[ HH:MM:SS]' (or with 'T') in UTC, or Unix seconds (digits,
 * optionally after '-'), from 1900 to 9999 AD so that three years of history
 * before it stay inside what PostgreSQL, partition names and 64-bit
 * microseconds hold. */
#define END_MIN_S (-2208988800LL)   /* 1900-01-01 00:00:00 UTC */
#define END_MAX_S 253402300799LL    /* 9999-12-31 23:59:59 UTC */

static int64_t parse_end(const char *s)
{
    const char *digits = *s == '-' ? s + 1 : s;
    if (*digits >= '0' && *digits <= '9' && strspn(digits, "0123456789") == strlen(digits)) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno || v < END_MIN_S || v > END_MAX_S)
            usage_error("--end in Unix seconds must be from -2208988800 (1900) to 253402300799"
                        " (9999-12-31), not '%s'", s);
        return (int64_t)v * 1000000;
    }
    static const char *const formats[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"};
    struct tm tm;
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0] && (!rest || *rest); i++) {
        memset(&tm, 0, sizeof tm);
        /* strptime takes any number of digits for %Y; exactly four here. */
        if (strspn(s, "0123456789") != 4)
            break;
        rest = strptime(s, formats[i], &tm);
    }
    if (!rest || *rest)
        usage_error("--end must be 'YYYY-MM-DD HH:MM:SS' (UTC) or Unix seconds, not '%s'", s);
    /* strptime takes any day up to 31 and seconds up to 61, and timegm
     * carries them over (Feb 30 becomes Mar 1): a time that does not come
     * back as written is not a day of the calendar. */
    struct tm written = tm;
    long long secs = (long long)timegm(&tm);
    if (tm.tm_year != written.tm_year || tm.tm_mon != written.tm_mon ||
        tm.tm_mday != written.tm_mday || tm.tm_hour != written.tm_hour ||
        tm.tm_min != written.tm_min || tm.tm_sec != written.tm_sec)
        usage_error("--end is not a time of the calendar (no such day or second): '%s'", s);
    if (tm.tm_year + 1900 < 1900 || secs < END_MIN_S || secs > END_MAX_S)
        usage_error("--end must be from 1900-01-01 to 9999-12-31, not '%s'", s);
    return (int64_t)secs * 1000000;
}

static void on_signal(int sig)
{
    (void)sig;
    seed_load_interrupt();
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Wall time of every phase; phases that overlapped (the partition builds,
 * contacts and attaches) also get the wall time of the stretch they shared
 * and the work each took, summed over the connections that did it. */
static void print_phases(struct seed_progress *progress)
{
    int n = seed_progress_count(progress);
    struct seed_phase_stat *st = core_xcalloc((size_t)n + 1, sizeof *st);
    for (int i = 0; i < n; i++)
        seed_progress_stat(progress, i, &st[i]);
    printf("  time per phase (wall; work = summed over connections):\n");
    for (int i = 0; i < n;) {
        int end = i + 1;
        double last = st[i].ended;
        while (end < n && st[end].started && st[end].started < last) {
            if (st[end].ended > last)
                last = st[end].ended;
            end++;
        }
        for (int k = i; k < end; k++) {
            printf("    %-19s %6.1f s", st[k].name, st[k].wall);
            if (st[k].total && st[k].wall > 0) {
                char rate[16];
                seed_human(rate, sizeof rate, (double)st[k].done / st[k].wall);
                printf("  %7s %s/s", rate, st[k].unit);
            }
            if (end - i > 1)
                printf("  work %5.1f s, %d connection%s", st[k].busy, st[k].connections,
                       st[k].connections == 1 ? "" : "s");
            putchar('\n');
        }
        if (end - i > 1)
            printf("    %-19s %6.1f s  (%s .. %s, overlapping)\n", "together",
                   last - st[i].started, st[i].name, st[end - 1].name);
        i = end;
    }
    free(st);
}

static void print_summary(const struct seed_plan *plan, const struct seed_bodies *bodies,
                          size_t distinct, uint64_t seed, struct seed_progress *progress,
                          double total)
{
    size_t n = plan->ncontacts;
    uint32_t *counts = core_xmalloc(n * sizeof *counts);
    for (size_t i = 0; i < n; i++)
        counts[i] = plan->contacts[i].messages;
    qsort(counts, n, sizeof *counts, cmp_u32);
    uint64_t top = 0;
    size_t top_n = n / 100 ? n / 100 : 1;
    for (size_t i = n - top_n; i < n; i++)
        top += counts[i];
    size_t under10 = 0;
    for (size_t i = 0; i < n && counts[i] < 10; i++)
        under10++;
    char first[32] = "-", last[32] = "-";
    if (plan->nmessages) {
        time_t a = (time_t)(plan->msgs[0].at_us / 1000000);
        time_t b = (time_t)(plan->msgs[plan->nmessages - 1].at_us / 1000000);
        struct tm tm;
        strftime(first, sizeof first, "%Y-%m-%d", gmtime_r(&a, &tm));
        strftime(last, sizeof last, "%Y-%m-%d %H:%M", gmtime_r(&b, &tm));
    }
    uint64_t out = 0;
    for (size_t i = 0; i < plan->nmessages; i++)
        out += (plan->msgs[i].body & SEED_MSG_OUT) != 0;

    printf("convo-seed: done in %.1f s (seed %llu)\n", total, (unsigned long long)seed);
    printf("  contacts   %zu\n", n);
    printf("  messages   %zu (%.0f%% outbound), %s .. %s UTC, %zu monthly partitions\n",
           plan->nmessages, plan->nmessages ? 100.0 * (double)out / (double)plan->nmessages : 0,
           first, last, plan->nmonths);
    printf("  bodies     %zu (%zu distinct)\n", bodies->count, distinct);
    printf("  per contact: min %u, median %u, p90 %u, p99 %u, max %u;"
           " %.0f%% have under 10; the top 1%% hold %.0f%% of messages\n",
           counts[0], counts[n / 2], counts[(size_t)((double)n * 0.9)],
           counts[(size_t)((double)n * 0.99)], counts[n - 1],
           100.0 * (double)under10 / (double)n,
           plan->nmessages ? 100.0 * (double)top / (double)plan->nmessages : 0);
    print_phases(progress);
    free(counts);
}

/* What the command line asked for. */
struct seed_args {
    long long ncontacts, nmessages;
    const char *csv, *db;
    bool reset, print_bodies, have_seed, migrate, check;
    const char **replace;
    size_t nreplace;
    uint64_t seed;
    int64_t end_us;
    int jobs;
    struct seed_live live;    /* live.rate >= 0: --live */
    struct seed_import_opts import;   /* import.source set: --from */
    const char *generate_opt; /* the first option that only generated data takes */
};

/* --from's own options, and those it does not go with. */
static void check_import_args(const struct seed_args *a)
{
    const struct seed_import_opts *im = &a->import;
    if (!im->source) {
        if (im->nmaps || im->timezone || im->skip_bad)
            usage_error("%s", "--map, --timezone and --skip-bad go with --from SOURCE");
        return;
    }
    if (!im->source[0])
        usage_error("%s", "--from needs a conninfo or URL of the database to read");
    if (a->generate_opt)
        usage_error("--from does not go with %s (the rows come from the source)", a->generate_opt);
    if (a->live.rate >= 0)
        usage_error("%s", "--from does not go with --live");
    for (size_t i = 0; i < im->nmaps; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(im->maps[i].table, im->maps[k].table) == 0
                && strcmp(im->maps[i].column, im->maps[k].column) == 0)
                usage_error("--map gives %s twice", im->maps[i].column[0] ? im->maps[i].column
                                                                          : im->maps[i].table);
}

static void add_map(struct seed_import_opts *im, const char *arg)
{
    char err[300];
    if (im->nmaps == SEED_MAX_MAPS)
        usage_error("%s", "too many --map options");
    if (!seed_map_parse(arg, &im->maps[im->nmaps], err, sizeof err))
        usage_error("%s", err);
    im->nmaps++;
}

/* Fill a from argv. A mistake exits 2 with one line; --help exits 0. */
static void parse_args(int argc, char **argv, struct seed_args *a)
{
    bool messages_given = false;
    enum { OPT_PRINT = 1000, OPT_END, OPT_SCHEMA, OPT_JOBS, OPT_LIVE, OPT_DURATION, OPT_CONNS,
           OPT_ASYNC, OPT_IDS, OPT_MIGRATE, OPT_CHECK, OPT_REPLACE, OPT_FROM, OPT_MAP,
           OPT_TIMEZONE, OPT_SKIP_BAD };
    static const struct option options[] = {
        {"contacts", required_argument, NULL, 'c'},
        {"messages", required_argument, NULL, 'm'},
        {"csv", required_argument, NULL, 'f'},
        {"seed", required_argument, NULL, 's'},
        {"reset", no_argument, NULL, 'r'},
        {"db", required_argument, NULL, 'd'},
        {"print-bodies", no_argument, NULL, OPT_PRINT},
        {"end", required_argument, NULL, OPT_END},
        {"schema", required_argument, NULL, OPT_SCHEMA},
        {"jobs", required_argument, NULL, OPT_JOBS},
        {"live", required_argument, NULL, OPT_LIVE},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"connections", required_argument, NULL, OPT_CONNS},
        {"async-commit", no_argument, NULL, OPT_ASYNC},
        {"ids", required_argument, NULL, OPT_IDS},
        {"migrate", no_argument, NULL, OPT_MIGRATE},
        {"check", no_argument, NULL, OPT_CHECK},
        {"replace", required_argument, NULL, OPT_REPLACE},
        {"from", required_argument, NULL, OPT_FROM},
        {"map", required_argument, NULL, OPT_MAP},
        {"timezone", required_argument, NULL, OPT_TIMEZONE},
        {"skip-bad", required_argument, NULL, OPT_SKIP_BAD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct seed_live *live = &a->live;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
        if (!a->generate_opt)
            a->generate_opt = opt == 'c' ? "--contacts" : opt == 'm' ? "--messages"
                            : opt == 'f' ? "--csv" : opt == 's' ? "--seed"
                            : opt == OPT_PRINT ? "--print-bodies" : opt == OPT_END ? "--end" : NULL;
        switch (opt) {
        case 'c': a->ncontacts = parse_count("--contacts", optarg, 1, MAX_CONTACTS); break;
        case 'm':
            a->nmessages = parse_count("--messages", optarg, 1, MAX_MESSAGES);
            messages_given = true;
            break;
        case 'f': a->csv = optarg; break;
        case 's':
            a->seed = (uint64_t)parse_count("--seed", optarg, 0, 9223372036854775807LL);
            a->have_seed = true;
            break;
        case 'r': a->reset = true; break;
        case 'd': a->db = optarg; break;
        case OPT_PRINT: a->print_bodies = true; break;
        case OPT_END: a->end_us = parse_end(optarg); break;
        case OPT_SCHEMA: seed_schema_dir = optarg; break;
        case OPT_JOBS: a->jobs = (int)parse_count("--jobs", optarg, 1, 8); break;
        case OPT_LIVE: live->rate = (double)parse_count("--live", optarg, 0, 1000000); break;
        case OPT_DURATION: live->duration = (double)parse_count("--duration", optarg, 1, 31536000); break;
        case OPT_ASYNC: live->async_commit = true; break;
        case OPT_CONNS: live->connections = (int)parse_count("--connections", optarg, 1, 64); break;
        case OPT_IDS: live->ids_path = optarg; break;
        case OPT_MIGRATE: a->migrate = true; break;
        case OPT_CHECK: a->check = true; break;
        case OPT_REPLACE:
            if (!*optarg)
                usage_error("%s", "--replace needs a relation name");
            a->replace = core_xrealloc(a->replace, (a->nreplace + 1) * sizeof *a->replace);
            a->replace[a->nreplace++] = optarg;
            break;
        case OPT_FROM: a->import.source = optarg; break;
        case OPT_MAP: add_map(&a->import, optarg); break;
        case OPT_TIMEZONE: a->import.timezone = optarg; break;
        case OPT_SKIP_BAD: a->import.skip_bad = optarg; break;
        case 'h': usage(stdout); exit(0);
        case ':': usage_error("%s needs a value", argv[optind - 1]); break;
        default: usage_error("unknown option '%s'", argv[optind - 1]); break;
        }
    }
    if (optind < argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (a->check && !a->migrate)
        usage_error("%s", "--check goes with --migrate");
    if (a->nreplace && !a->reset)
        usage_error("%s", "--replace goes with --reset");
    if (a->print_bodies && !a->csv)
        usage_error("%s", "--print-bodies needs --csv FILE");
    if (a->nmessages < a->ncontacts) {
        fprintf(stderr, "convo-seed: error: --messages (%lld) must be at least --contacts (%lld):"
                " every contact gets a message%s\n", a->nmessages, a->ncontacts,
                messages_given ? "" : " (give --messages too)");
        exit(2);
    }

    if (live->rate < 0 && (live->duration > 0 || live->connections != 8 || live->async_commit
                           || live->ids_path))
        usage_error("%s", "--duration, --connections, --async-commit and --ids go with --live RATE");
    check_import_args(a);
}

/* --print-bodies: each body as a JSON string on a line of its own. */
static int print_bodies(struct seed_bodies *bodies)
{
    for (size_t i = 0; i < bodies->count; i++) {
        core_json_string(stdout, seed_body(bodies, i), bodies->len[i]);
        putchar('\n');
    }
    seed_bodies_free(bodies);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "convo-seed: error: cannot write the bodies: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* The generated bodies, unless --csv gave them. */
static void generate_bodies(const struct seed_args *a, struct seed_bodies *bodies)
{
    if (!a->csv) {
        struct seed_rng rng;
        seed_rng_init(&rng, a->seed);
        seed_text_generate(&rng, GENERATED_BODIES, bodies);
    }
}

/* --live: write into the existing data until the duration ends or a signal. */
static int run_live(struct seed_args *a, const char *conninfo, struct seed_bodies *bodies)
{
    char err[600];
    generate_bodies(a, bodies);
    a->live.conninfo = conninfo;
    a->live.seed = a->seed;
    a->live.progress = isatty(STDERR_FILENO);
    int rc = seed_live_run(&a->live, bodies, err, sizeof err);
    if (rc)
        fprintf(stderr, "convo-seed: error: %s\n", err);
    seed_bodies_free(bodies);
    return rc;
}

/* --migrate: the schema files the ledger lacks, nothing else. */
static int run_migrate(const struct seed_args *a, const char *conninfo)
{
    char err[1200];
    PGconn *conn = seed_pg_connect(conninfo, err, sizeof err);
    bool ok = conn && seed_migrate(conn, a->check, stderr, err, sizeof err);
    if (!ok)
        fprintf(stderr, "convo-seed: error: %s\n", err);
    PQfinish(conn);
    return ok ? 0 : 1;
}

/* Run the load with Ctrl-C cancelling it cleanly (a second one kills), and
 * say how it ended when it did not succeed or its COMMIT was lost. */
static bool load_and_tell(struct seed_load *load, const struct seed_plan *plan,
                          const struct seed_bodies *bodies)
{
    char err[1200];
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    bool ok = seed_load_run(load, plan, bodies, err, sizeof err);
    seed_progress_close(load->progress);
    if (!ok && load->outcome_unknown)
        fprintf(stderr, "convo-seed: error: %s\n", err);
    else if (!ok)
        fprintf(stderr, "convo-seed: error: %s (the database was left as it was)\n", err);
    else if (load->commit_lost)
        fprintf(stderr, "convo-seed: the connection was lost during the final COMMIT;"
                " reconnected and found the new data committed\n");
    return ok;
}

/* The seed: check the target, plan the data set, load it, and summarize. */
static int run_load(const struct seed_args *a, const char *conninfo, struct seed_bodies *bodies)
{
    char err[1200];
    struct seed_progress *progress = seed_progress_new(stderr);
    struct seed_load load = {.conninfo = conninfo, .reset = a->reset,
                             .replace = a->replace, .nreplace = a->nreplace,
                             .workers = a->jobs, .progress = progress};
    double t0 = seed_now();
    if (!seed_load_check(&load, err, sizeof err)) {
        fprintf(stderr, "convo-seed: error: %s\n", err);
        seed_bodies_free(bodies);
        seed_progress_free(progress);
        return 1;
    }

    int bar = seed_progress_bar(progress, "generate", (uint64_t)a->nmessages, "rows");
    seed_progress_begin(progress, bar);
    generate_bodies(a, bodies);
    struct seed_plan plan;
    seed_plan_build(&plan, bodies, (size_t)a->ncontacts, (size_t)a->nmessages, a->seed,
                    a->end_us, progress, bar);
    seed_progress_finish(progress, bar);

    bool ok = load_and_tell(&load, &plan, bodies);
    if (ok) {
        print_summary(&plan, bodies, seed_bodies_distinct(bodies), a->seed, progress,
                      seed_now() - t0);
    }
    seed_plan_free(&plan);
    seed_bodies_free(bodies);
    seed_progress_free(progress);
    return ok ? 0 : 1;
}

/* --from: the source's rows through the same load, and its summary. */
static int run_import(struct seed_args *a, const char *conninfo)
{
    char err[1200];
    struct seed_progress *progress = seed_progress_new(stderr);
    struct seed_load load = {.conninfo = conninfo, .reset = a->reset,
                             .replace = a->replace, .nreplace = a->nreplace,
                             .workers = a->jobs, .progress = progress};
    double t0 = seed_now();
    struct seed_import *im = NULL;
    /* The source's shape first: a shape it cannot place changes nothing. */
    int rc = seed_import_open(&a->import, &im, err, sizeof err);
    if (rc == 2) {
        usage_error("%s", err);
    } else if (rc || !seed_load_check(&load, err, sizeof err)) {
        fprintf(stderr, "convo-seed: error: %s\n", err);
        seed_import_free(im);
        seed_progress_free(progress);
        return 1;
    }
    load.rows = seed_import_rows(im);
    bool ok = load_and_tell(&load, seed_import_plan(im), NULL);
    if (ok) {
        printf("convo-seed: imported in %.1f s\n", seed_now() - t0);
        seed_import_describe(im, stdout);
        print_phases(progress);
    }
    seed_import_free(im);
    seed_progress_free(progress);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    struct seed_args a = {.ncontacts = DEFAULT_CONTACTS, .nmessages = DEFAULT_MESSAGES,
                          .jobs = 2, .live = {.rate = -1, .connections = 8}};
    parse_args(argc, argv, &a);
    if (a.import.source) {
        int rc = run_import(&a, core_conninfo_resolve(a.db));
        free(a.replace);
        return rc;
    }

    char err[600];
    struct seed_bodies bodies = {0};
    struct seed_csv_stats stats;
    if (a.csv) {
        if (!seed_csv_read(a.csv, &bodies, &stats, err, sizeof err)) {
            fprintf(stderr, "convo-seed: error: %s\n", err);
            return 1;
        }
        fprintf(stderr, "convo-seed: %s: %zu bodies from %zu lines: %zu unquoted,"
                " %zu kept verbatim (%zu with stray quotes), %zu blank lines skipped\n",
                a.csv, stats.bodies, stats.lines, stats.unquoted, stats.verbatim,
                stats.stray_quotes, stats.blank);
        if (a.print_bodies)
            return print_bodies(&bodies);
    }

    if (!a.have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        a.seed = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec
                 ^ ((uint64_t)getpid() << 32);
        a.seed %= 1000000000000ULL;
    }
    if (!a.end_us)
        a.end_us = core_wall_us();

    /* The database is found as every convo program finds it: --db, else
     * the PG* variables, else DATABASE_URL, else ./run's embedded cluster. */
    const char *conninfo = core_conninfo_resolve(a.db);
    int rc;
    if (a.migrate)
        rc = run_migrate(&a, conninfo);
    else if (a.live.rate >= 0)
        rc = run_live(&a, conninfo, &bodies);
    else
        rc = run_load(&a, conninfo, &bodies);
    free(a.replace);
    return rc;
}

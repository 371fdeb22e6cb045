/* seeder/seed.h - convo-seed: message bodies (CSV or generated), the
 * in-memory data set, progress, and the entry points of the loader and of
 * live traffic. The loader's own modules have their headers (pg.h,
 * schema.h, copy.h, pool.h, swap.h). */
#ifndef CONVO_SEED_H
#define CONVO_SEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base.h"

/* Elements of a fixed array. */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random numbers: splitmix64-seeded xoshiro256** ---------------------- */

struct seed_rng {
    uint64_t s[4];
};

void seed_rng_init(struct seed_rng *rng, uint64_t seed);
uint64_t seed_rng_next(struct seed_rng *rng);
/* Uniform in [0, n). */
uint64_t seed_rng_below(struct seed_rng *rng, uint64_t n);
/* Uniform in [0, 1). */
double seed_rng_unit(struct seed_rng *rng);
bool seed_rng_chance(struct seed_rng *rng, double p);

/* Ranks 0..n-1 drawn with weight (rank + 1)^-s (Zipf): words of a list,
 * contacts of --live. */
struct seed_zipf {
    double *cdf;   /* cumulative, normalised; the owner frees it */
    size_t n;
};
void seed_zipf_init(struct seed_zipf *z, size_t n, double s);
size_t seed_zipf_pick(const struct seed_zipf *z, struct seed_rng *rng);

/* ---- message bodies ------------------------------------------------------ */

/* A growing list of NUL-terminated strings in one buffer. */
struct seed_bodies {
    char *text;
    size_t text_len, text_cap;
    size_t *start;            /* start[i] = offset of body i in text */
    uint32_t *len;            /* byte length of body i, without the NUL */
    size_t count, cap;
};

void seed_bodies_add(struct seed_bodies *b, const char *s, size_t len);
static inline const char *seed_body(const struct seed_bodies *b, size_t i)
{
    return b->text + b->start[i];
}
size_t seed_bodies_distinct(const struct seed_bodies *b);
void seed_bodies_free(struct seed_bodies *b);

/* ---- the CSV reader (csv.c) ---------------------------------------------- */

struct seed_csv_stats {
    size_t lines;             /* physical lines seen */
    size_t bodies;            /* bodies kept */
    size_t unquoted;          /* well-formed quoted fields, unquoted */
    size_t verbatim;          /* lines kept as they were (after trimming) */
    size_t stray_quotes;      /* verbatim lines that hold a quote character */
    size_t blank;             /* lines blank after trimming, skipped */
};

/* Parse a whole file image. Returns false with a one-line message in err for
 * a binary file (NUL byte), text that is not UTF-8, or no bodies at all. */
bool seed_csv_parse(const char *data, size_t len, struct seed_bodies *out,
                    struct seed_csv_stats *stats, char *err, size_t errlen);
/* Read and parse path; err names the file and the cause. */
bool seed_csv_read(const char *path, struct seed_bodies *out,
                   struct seed_csv_stats *stats, char *err, size_t errlen);

/* ---- the text generator (text.c) ----------------------------------------- */

/* Fill out with count chat turns drawn from rng. */
void seed_text_generate(struct seed_rng *rng, size_t count, struct seed_bodies *out);

/* ---- people (people.c) --------------------------------------------------- */

/* A realistic display name into buf (may be empty: an unknown number). */
void seed_people_name(struct seed_rng *rng, char *buf, size_t buflen);
/* A well-formed E.164 number (not yet checked for uniqueness). */
void seed_people_phone(struct seed_rng *rng, char *buf, size_t buflen);

/* ---- the data set (plan.c) ----------------------------------------------- */

struct seed_contact {
    char phone[20];
    char *name;               /* points into the plan's name buffer */
    int64_t created_us, updated_us;
    int64_t last_at_us;       /* 0 = no message */
    int64_t last_id;
    uint32_t messages;
};

/* 16 bytes; ids are index + 1, so they grow with time. */
struct seed_msg {
    int64_t at_us;            /* microseconds since the Unix epoch */
    int32_t contact;          /* contact id, 1-based */
    uint32_t body;            /* bit 31: outbound; low bits: body index */
};
#define SEED_MSG_OUT 0x80000000u

struct seed_month {
    int year, month;          /* calendar month (UTC) */
    int64_t lo_us, hi_us;     /* [lo, hi) */
    size_t first, count;      /* slice of plan.msgs */
};

struct seed_plan {
    size_t ncontacts, nmessages;
    struct seed_contact *contacts;     /* [ncontacts], id = index + 1 */
    char *names;
    struct seed_msg *msgs;             /* sorted by time, id = index + 1 */
    struct seed_month *months;
    size_t nmonths;
    /* The sequences go on after these ids; 0 = after the counts (an import
     * keeps the source's ids). */
    int64_t max_contact_id, max_message_id;
};

struct seed_progress;

void seed_plan_build(struct seed_plan *plan, const struct seed_bodies *bodies,
                     size_t ncontacts, size_t nmessages, uint64_t seed,
                     int64_t end_us, struct seed_progress *progress, int bar);
void seed_plan_free(struct seed_plan *plan);
/* The name of the partition of a month (year astronomical, month 1-12). */
void seed_month_name(char *buf, size_t size, int year, int month);

/* ---- progress (progress.c) ----------------------------------------------- */

/* One bar per phase. Phases may overlap and several connections may work on
 * one at once: begin/end bracket one connection's piece of work, so the
 * phase has a wall time (first begin to finish) and a busy time (summed). */
struct seed_progress *seed_progress_new(FILE *out);
/* Declare a phase of total units (0 = no count); shown as waiting until its
 * first begin. Returns its bar, -1 when there is no room. */
int seed_progress_bar(struct seed_progress *p, const char *name, uint64_t total,
                      const char *unit);
/* A connection starts on the phase; returns the time to pass to end. */
double seed_progress_begin(struct seed_progress *p, int bar);
/* Units done meanwhile (add), or all units done so far (set, never back). */
void seed_progress_add(struct seed_progress *p, int bar, uint64_t done);
void seed_progress_set(struct seed_progress *p, int bar, uint64_t done);
/* The connection stops, done more units; the phase finishes by itself when
 * all its units are done and no one works on it. Returns the time now. */
double seed_progress_end(struct seed_progress *p, int bar, uint64_t done, double since);
/* Finish the phase now; returns its wall seconds. */
double seed_progress_finish(struct seed_progress *p, int bar);
/* Stop redrawing and leave the last frame on the terminal. */
void seed_progress_close(struct seed_progress *p);
void seed_progress_free(struct seed_progress *p);

struct seed_phase_stat {
    char name[32];
    char unit[16];
    uint64_t total, done;
    bool finished;
    double wall, busy;        /* seconds */
    double started, ended;    /* seed_now() times, 0 = not yet */
    int connections;          /* most that worked on it at once */
};
int seed_progress_count(struct seed_progress *p);
void seed_progress_stat(struct seed_progress *p, int bar, struct seed_phase_stat *st);
/* Monotonic seconds. */
static inline double seed_now(void)
{
    return core_now_ms() / 1e3;
}
/* 950, 12k, 1.25M */
void seed_human(char *buf, size_t len, double v);

/* ---- the loader (load.c) ------------------------------------------------- */

struct seed_load {
    const char *conninfo;
    bool reset;
    const char *const *replace;   /* --replace: relations of others --reset may take along */
    size_t nreplace;
    int workers;
    struct seed_progress *progress;   /* the loader adds its phases' bars */
    char marker[64];          /* written in the swap: tells whether COMMIT happened */
    bool commit_lost;         /* set: the connection dropped during the final COMMIT */
    bool outcome_unknown;     /* set: ... and the server could not be asked after */
    const struct seed_rows *rows; /* set: the rows come from elsewhere (pool.h) */
};

/* Check the target: reachable, its schema brought up to the ledger (a
 * database of tables convo did not create is refused), empty unless reset,
 * and with reset nothing of others' depending on what it replaces unless
 * named in replace. err gets one line. */
bool seed_load_check(struct seed_load *load, char *err, size_t errlen);
/* Build the staging copy and swap it in; on failure public is untouched. */
bool seed_load_run(struct seed_load *load, const struct seed_plan *plan,
                   const struct seed_bodies *bodies, char *err, size_t errlen);

/* From a signal handler: cancel what runs; the load then fails and cleans up. */
void seed_load_interrupt(void);

/* ---- live traffic (live.c) ---------------------------------------------- */

struct seed_live {
    const char *conninfo;
    double rate;              /* messages per second in all; 0 = as fast as possible */
    double duration;          /* seconds; 0 = until SIGINT or SIGTERM */
    int connections;
    uint64_t seed;
    bool progress;            /* a line on stderr every 5 s */
    bool async_commit;        /* synchronous_commit = off on its sessions */
    const char *ids_path;     /* --ids FILE: each row written, appended */
};

/* Send one-message INSERT transactions until the duration ends or a signal
 * comes; prints the achieved rate and the commit latency. 0, or 1 with a
 * one-line message in err. */
int seed_live_run(const struct seed_live *opt, const struct seed_bodies *bodies,
                  char *err, size_t errlen);

/* ---- import from another database (source.c, badrows.c, import.c) ------ */

/* --map TABLE=SOURCE_TABLE or --map TABLE.COLUMN=SOURCE_COLUMN. */
struct seed_map {
    char table[16];           /* contacts or messages */
    char column[16];          /* one of convo's columns; "" maps the table */
    const char *source;       /* the source's table or column */
};

#define SEED_MAX_MAPS 16

struct seed_import_opts {
    const char *source;       /* libpq conninfo or URL of the database read */
    struct seed_map maps[SEED_MAX_MAPS];
    size_t nmaps;
    const char *timezone;     /* the zone of times without one; NULL = UTC */
    const char *skip_bad;     /* list bad rows in this file and leave them out;
                                 NULL = a bad row stops the import */
};

/* Parse one --map argument; false with err saying what is wrong. */
bool seed_map_parse(const char *arg, struct seed_map *map, char *err, size_t errlen);

struct seed_import;
struct seed_rows;

/* Open the source in one REPEATABLE READ READ ONLY transaction and find its
 * tables and columns (notes on stderr: the source columns left aside).
 * 0, or 2 (--timezone names no zone) or 1 (unreachable, a shape it cannot
 * place) with one line in err. Nothing is written anywhere. */
int seed_import_open(const struct seed_import_opts *opts, struct seed_import **out,
                     char *err, size_t errlen);
/* What seed_load_run() takes to load the source's rows: the plan it
 * fills (counts and months, once the schema is staged) and the rows. */
const struct seed_plan *seed_import_plan(const struct seed_import *im);
const struct seed_rows *seed_import_rows(struct seed_import *im);
/* What the summary says: the snapshot read, the bad rows left out. */
void seed_import_describe(const struct seed_import *im, FILE *out);
void seed_import_free(struct seed_import *im);

/* The folder of schema migrations (NNN_*.sql) applied to the staging schema
 * (schema.c; main.c sets it from --schema). NULL: schema/ of the checkout
 * convo-seed was built in, found from the executable. */
extern const char *seed_schema_dir;

#endif

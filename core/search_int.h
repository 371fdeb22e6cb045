/* core/search_int.h - one search's state, shared by the files of search:
 * search.c (opening, running, the public calls), search_step.c (sending
 * a step and applying its answer) and search_emit.c (turning final
 * candidates into rows). */
#ifndef CONVO_CORE_SEARCH_INT_H
#define CONVO_CORE_SEARCH_INT_H

#include "catalogue.h"
#include "cursor.h"
#include "filter.h"
#include "idset.h"
#include "session.h"

/* SRC_EMPTY: contacts without a message (search_empty.c), last. */
enum source_kind { SRC_PART, SRC_CONTACTS, SRC_EMPTY };
enum step_mode { STEP_WALK, STEP_BITMAP };

/* A scan or n-gram step reads at most this many partitions, in a
 * statement of at most this many bytes. */
#define SCAN_BATCH_MAX 16
#define SCAN_BATCH_SQL 8192

struct source {
    enum source_kind kind;
    struct core_part part;
    struct core_pos frontier;
    bool done;
    int64_t walk_step;
    /* Rows of this partition examined: known (full walk steps) and
     * estimated (from the month's share of its row count). */
    int64_t read_exact;
    double read_est;
};

/* One word of a search of several (search_words.c). */
struct word_pat {
    char *pattern;      /* ILIKE pattern */
    char *digits;       /* LIKE pattern over phone digits, or "" */
    char *ids;          /* contacts whose name or phone hold it, int4[] literal */
};

struct item {
    struct core_pos pos;
    int32_t contact;
};

struct core_search {
    struct core_conn_user user; /* first: detach receives it */
    struct core_conn *conn;     /* NULL once the connection was closed */
    char *term;
    char *pattern;      /* ILIKE pattern */
    char *digits;       /* LIKE pattern over phone digits, or "" */
    char *prefilter;    /* LIKE pattern every match also matches, or "" */
    bool indexable;     /* messages: trigram scan possible */
    bool weak;          /* indexable, but only by short words' trigrams */
    bool caseless;      /* no ASCII letter, all ASCII: LIKE is ILIKE */
    char *grams;        /* the term's indexed n-grams ("{..}", schema 006), or NULL */
    char *spans;        /* the term's phrase windows ("{..}", schema 016), or NULL:
                         * its partitions' index steps use them, not grams */
    char force;         /* tests only: core_forced_step() (force.h) */
    bool contacts_indexable;
    bool recent;        /* empty term */
    bool trace;         /* CONVO_TRACE set: each step and batch on stderr */
    char *recent_cursor;
    uint64_t context;
    struct core_pos cursor;

    struct source *sources;
    size_t nsources;
    struct item *items;
    size_t nitems, capitems;
    struct core_idset seen;     /* contacts already emitted or ruled out */

    struct core_page page;
    /* Each page row's key: where the walk placed it (its anchor, unless a
     * stale pointer put it elsewhere; see core_sql_finalize). Cursors are
     * made of keys. */
    struct core_pos *keys;
    size_t capkeys;
    bool orphans;       /* the contacts source reads its NULL pointers next */
    bool orphans_done;  /* and has read them */
    bool complete;
    bool failed;
    int resent;         /* steps sent again after their server went away */
    /* The statement running on the server for this search. */
    int inflight;       /* source index, -1 = none */
    enum step_mode inflight_mode;
    bool inflight_grams; /* a bitmap step over the n-gram index */
    bool inflight_scan; /* a bitmap-mode step read by a scan */
    bool inflight_orphans; /* the contacts with messages and a NULL pointer */
    int64_t inflight_rows; /* rows the step covers, for progress */
    int64_t inflight_limit; /* bitmap steps: LIMIT sent */
    /* Scan steps may read the next untouched partitions too: one
     * statement (one set of parallel workers) for several months. */
    int *batch;         /* source indexes after the inflight one */
    int nbatch;
    int64_t walked_rows, walked_hits; /* over message partitions */
    double grams_rows, grams_hits;    /* what grams steps covered and found */
    /* What steps really cost here, to choose the next one. */
    double sent_ms;
    double walk_ms, bitmap_ms, bitmap_rows, scan_ms, scan_rows;
    /* A search with filter words (search_filter.c). */
    bool filtered;
    struct core_filter filter;
    char *with_ids;     /* int4[] literal of the with: contacts, or NULL */
    char *name_ids;     /* contacts matched by name or phone, or NULL */
    int64_t scanned;    /* rows of the partitions read */
    int64_t searched_back; /* searched_back_to_us of a filtered page */
    struct core_filter_walk *walk; /* its months, between partial answers */
    /* Several words (search_words.c): name_ids holds the contacts of any
     * word, grams the n-grams of the words without a trigram, spans the
     * windows of the phrases. */
    struct word_pat *words;
    size_t nwords;      /* 0: one text (or none) */
    uint32_t strong;    /* bit i: word i has a trigram of its own (and no spans) */
    uint32_t spanned;   /* bit i: word i is a phrase with windows in s->spans */
    bool names_pruned;  /* core_search_words_prune has run */
};

/* ---- shared by the files of search --------------------------------------- */

/* The global frontier: rows at or after it are known. */
static inline struct core_pos global_frontier(const struct core_search *s)
{
    struct core_pos g = CORE_POS_BOTTOM;
    for (size_t i = 0; i < s->nsources; i++)
        if (!s->sources[i].done && core_pos_cmp(s->sources[i].frontier, g) > 0)
            g = s->sources[i].frontier;
    return g;
}

static inline size_t rows_needed(const struct core_search *s, size_t limit)
{
    return limit > s->page.count ? limit - s->page.count : 0;
}

/* search_step.c: choose the next step over source idx, send it and leave
 * it running (the connection is busy with it until its result is taken). */
enum core_status core_search_send(struct core_search *s, int idx, size_t limit);
/* search_step.c: the result r of the step in flight: candidates found,
 * frontiers moved, costs measured. */
enum core_status core_search_apply(struct core_search *s, PGresult *r);
/* search_emit.c: move every final candidate, newest first, into the page,
 * up to limit rows. */
enum core_status core_search_emit(struct core_search *s, size_t limit);
/* search_page.c: add row to the page with its place in the walk (what cursors are made
 * of: every row of the page has one). */
enum core_status core_search_page_add(struct core_search *s, const struct core_row *row,
                                      struct core_pos key);

/* search_filter.c: a filtered search's patterns and contact sets. */
enum core_status core_search_filter_open(struct core_search *s);
/* search_filter.c: the filtered search's page, up to limit rows; by
 * deadline (core_now_ms(), 0 = none) a partial one (s->complete false),
 * its rows final, continued by the next call. */
enum core_status core_search_filter_run(struct core_search *s, size_t limit, double deadline);
/* search_filter.c: what a partial filtered page holds between calls. */
void core_search_filter_free(struct core_search *s);
/* search_sets.c: the parameters $1..$7 of every filtered statement; rows
 * below `below` ($1, $2: the cursor, or where a slice of a month ended). */
void core_search_filter_base(const struct core_search *s, struct core_pos below,
                             struct core_params *p);
/* search_sets.c: $3..$7 alone (the range, direction, with: set), for a
 * statement of the filters outside a search (export --search). */
void core_search_filter_terms(const struct core_filter *f, const char *with_ids,
                              struct core_params *p);
/* search_sets.c: the n-grams of text that the index of schema 006 holds
 * (the server computes them, as the index's are), an int4[] literal into
 * *out, "{}" when every one is too common to be indexed (caller frees). */
enum core_status core_search_grams_of(struct core_conn *conn, const char *text, char **out);
/* search_sets.c: the same for the windows across text's spaces that the
 * phrase index of schema 016 holds (convo_spans); "{}" without a space
 * between three characters on either side, asked of no server. */
enum core_status core_search_spans_of(struct core_conn *conn, const char *text, char **out);
/* search_sets.c: text's spans into s->spans and, when grams, its n-grams
 * into s->grams; each left NULL for "{}". */
enum core_status core_search_keys(struct core_search *s, const char *text, bool grams);
/* search_sets.c: how many ids an int4[] literal holds. */
size_t core_search_id_count(const char *ids);
/* search_sets.c: the ids of the contacts whose name, phone or phone
 * digits hold text, an int4[] literal into *out (caller frees). */
enum core_status core_search_contact_ids(struct core_conn *conn, const char *text, char **out);

/* search_words.c: several words' patterns and contact sets. */
enum core_status core_search_words_open(struct core_search *s);
void core_search_words_free(struct core_search *s);
/* search_words.c: the statements of several words, with the columns of
 * the one-text ones: a partition's answer below `below`, a walk of its
 * next `rows` rows below it, the contacts of ids an earlier page showed,
 * the page of a few with: contacts. */
PGresult *core_search_words_part(struct core_search *s, const struct core_part *pt,
                                 struct core_pos below, enum core_status *st);
PGresult *core_search_words_walk(struct core_search *s, const struct core_part *pt,
                                 struct core_pos below, int64_t rows, enum core_status *st);
PGresult *core_search_words_shown(struct core_search *s, const char *ids, enum core_status *st);
/* search_words.c: once, the contacts matched by name or phone that
 * cannot pass left out of s->name_ids (a word in many names beside a
 * rare one). */
enum core_status core_search_words_prune(struct core_search *s);
PGresult *core_search_words_with(struct core_search *s, size_t limit, enum core_status *st);

#endif

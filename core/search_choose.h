/* core/search_choose.h - which step a search takes next (search_choose.c).
 *
 * A pure function of the term and of what the steps so far measured: no
 * connection, no clock, so the choice is tested over densities and costs
 * without a server (tests/core/step.c). search_step.c fills the input,
 * sends the statement the answer names, and measures its cost. */
#ifndef CONVO_CORE_SEARCH_CHOOSE_H
#define CONVO_CORE_SEARCH_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum core_step_kind {
    CORE_STEP_CONTACTS_WALK,   /* the contacts by latest message, each tested */
    CORE_STEP_CONTACTS_BITMAP, /* the contacts' trigram indexes */
    CORE_STEP_CONTACTS_GRAMS,  /* the contacts' n-gram indexes */
    CORE_STEP_WALK,            /* a partition's newest rows below the frontier */
    CORE_STEP_BITMAP,          /* a partition's matches by its trigram index */
    CORE_STEP_GRAMS,           /* a partition's matches by its n-gram index */
    CORE_STEP_SCAN,            /* a (parallel) scan of a partition */
};

/* A scan or n-gram step reads up to this many partition rows with the
 * untouched partitions that follow its own: one statement for several
 * months saves starting workers for each, while a cancel still stops it
 * at once. */
#define CORE_STEP_BATCH_ROWS 1500000.0

struct core_step_input {
    /* The term. */
    bool grams;              /* it has n-grams in the index of schema 006 */
    bool spans;              /* it has windows in the phrase index of schema 016,
                              * which its partitions' n-gram steps read instead */
    bool indexable;          /* it has a trigram (core_term_indexable) */
    bool weak;               /* indexable, but only by short words' trigrams */
    bool contacts_indexable; /* and names and phone numbers too */
    bool digits;             /* phone-like: matched against phone digits too */
    bool prefilter;          /* has a prefilter pattern (core_prefilter_pattern) */
    char force;              /* tests: 'w', 'b', 's' or 'g' forces a kind; 0 */
    /* The source and the page. */
    bool contacts;           /* the contacts, else a message partition */
    double left;             /* the partition's rows still below its frontier */
    size_t need;             /* rows the page still needs */
    /* Measured over the message partitions so far: rows walked and the
     * matches among them, rows covered by n-gram steps and their matches,
     * and the time walk, bitmap (trigram and n-gram) and scan steps took
     * for the rows they covered. */
    int64_t walked_rows, walked_hits;
    double grams_rows, grams_hits;
    double walk_ms;
    double bitmap_rows, bitmap_ms;
    double scan_rows, scan_ms;
};

struct core_step {
    enum core_step_kind kind;
    /* What the measurements say a partition walk should read next (256 ..
     * 32768 rows), or 0 when they say nothing: the source keeps its own.
     * Set even when a forced kind is not a walk. */
    int64_t walk_step;
    /* Steps other than walks: the LIMIT they send. */
    int64_t limit;
    /* Scan and n-gram steps: read the untouched partitions that follow in
     * the same statement, up to batch_rows rows in all. */
    bool batch;
    double batch_rows;
};

struct core_step core_search_choose_step(const struct core_step_input *in);

#endif

/* tests/core/step.c - search's choice of its next step
 * (core_search_choose_step, core/search_choose.c) over measured densities
 * and costs, no database: each kind of step is chosen where it should be,
 * and the boundaries between them fall where the cost model puts them.
 * The db suite forces each kind against a server and compares with an
 * oracle; this checks which kind is chosen unforced. */
#include <stdio.h>
#include <string.h>

#include "search_choose.h"

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                  \
        }                                                                \
    } while (0)

/* A page of 50 over a partition of 100,000 rows below its frontier, for
 * a term with a trigram of its own, before any step was measured. */
static struct core_step_input fresh(void)
{
    return (struct core_step_input){
        .indexable = true,
        .contacts_indexable = true,
        .left = 100000,
        .need = 50,
    };
}

/* The term as walks have measured it: rows walked, matches among them,
 * the time they took. */
static struct core_step_input walked(struct core_step_input in, int64_t rows, int64_t hits,
                                     double ms)
{
    in.walked_rows = rows;
    in.walked_hits = hits;
    in.walk_ms = ms;
    return in;
}

static void test_contacts(void)
{
    struct core_step_input in = fresh();
    in.contacts = true;
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_CONTACTS_BITMAP);
    CHECK(st.limit == 51 && st.walk_step == 0);

    in.indexable = in.contacts_indexable = false; /* "ab": no trigram, no n-grams */
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_CONTACTS_WALK && st.walk_step == 0);

    in.grams = true; /* "#1": its n-grams are indexed */
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_GRAMS);
    in.digits = true; /* phone-like: digits need the walk or the trigram */
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_WALK);
    in.contacts_indexable = in.indexable = true;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_BITMAP);

    /* Short words' trigrams only: the n-grams serve names better... */
    in.digits = false;
    in.weak = true;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_GRAMS);
    /* ...unless a test forces the trigram bitmap or a scan. */
    in.force = 'b';
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_BITMAP);
    in.force = 's';
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_CONTACTS_BITMAP);
}

static void test_first_step_walks(void)
{
    /* Nothing measured yet: every kind of term starts with a walk of the
     * partition's own step size. */
    struct core_step_input in = fresh();
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK && st.walk_step == 0);
    in.indexable = false;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_WALK);
    in.grams = true;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_WALK);
}

static void test_common_term_walks(void)
{
    /* "the": half the rows match; 153 more rows fill the page. */
    struct core_step_input in = walked(fresh(), 1000, 500, 1.0);
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK);
    CHECK(st.walk_step == 256); /* never below 256 rows */
    in.indexable = false;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_WALK);
}

static void test_rare_term_fetches(void)
{
    /* No match in 10,000 rows: walking the rest (100 ms at 0.001 ms a row)
     * loses to the trigram bitmap (estimated 0.325 ms). */
    struct core_step_input in = walked(fresh(), 10000, 0, 10.0);
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_BITMAP);
    CHECK(st.limit == 4 * 50 + 256 && !st.batch && st.walk_step == 0);

    /* Without a trigram or n-grams: a scan (71 ms), several months at once. */
    in.indexable = false;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_SCAN);
    CHECK(st.batch && st.batch_rows == CORE_STEP_BATCH_ROWS);

    /* With n-grams: the n-gram index, one partition until a bitmap step
     * has been measured, then a run of months whose matches fit the LIMIT. */
    in.grams = true;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_GRAMS && !st.batch);
    in.bitmap_rows = 100000;
    in.bitmap_ms = 5;
    in.grams_rows = 89999;
    in.grams_hits = 0;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_GRAMS && st.batch);
    /* density (0 + 0.5) / (10000 + 89999 + 1): 456 / 2 / 0.000005 rows,
     * capped. */
    CHECK(st.batch_rows == CORE_STEP_BATCH_ROWS);
    in.grams_hits = 99.5; /* density 0.001: 228,000 rows */
    st = core_search_choose_step(&in);
    CHECK(st.batch_rows > 227999 && st.batch_rows < 228001);
}

static void test_scan_after_bitmap(void)
{
    /* An indexable term whose trigrams proved common: the bitmap cost
     * 0.01 ms a row (1,000 ms for the partition), a scan would cost 71 ms,
     * walking 100 ms. The first scan is a trial of one partition... */
    struct core_step_input in = walked(fresh(), 10000, 0, 10.0);
    in.bitmap_rows = 1000;
    in.bitmap_ms = 10;
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_SCAN && !st.batch);
    /* ...then, measured, scans read several months at once. */
    in.scan_rows = 100000;
    in.scan_ms = 50;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_SCAN && st.batch);
    /* A term with n-grams never scans (its index reads only candidates):
     * with the index measured this dear, it walks. */
    in.grams = true;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_WALK);
    /* A bitmap that proved cheap stays. */
    in.grams = false;
    in.bitmap_ms = 0.1;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_BITMAP);
}

static void test_weak_and_prefilter_estimates(void)
{
    /* Short words' trigrams ("ok"): before a bitmap is measured it is
     * estimated at 0.0001 ms a row, 10.3 ms here; a walk of the partition
     * at 0.00005 ms a row costs 5 ms: walk. */
    struct core_step_input in = walked(fresh(), 10000, 0, 0.5);
    in.weak = true;
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK);
    CHECK(st.walk_step == 32768); /* at most 32768 rows a step */
    /* Walking at 0.001 ms a row (100 ms): the bitmap. */
    in.walk_ms = 10;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_BITMAP);

    /* No trigram, with a prefilter: a scan estimated at 2 + 0.00007 ms a
     * row (9 ms) beats walking at 0.0001 ms a row (10 ms)... */
    in = walked(fresh(), 10000, 0, 1.0);
    in.indexable = false;
    in.prefilter = true;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_SCAN);
    /* ...and loses to it at 0.00008 ms a row (8 ms); without the
     * prefilter the scan is estimated at 1 + 0.7 of a walk (6.6 ms). */
    in.walk_ms = 0.8;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_WALK);
    in.prefilter = false;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_SCAN);
}

static void test_boundaries(void)
{
    /* Exact in binary: density 0.25, 12 rows to walk at 12 ms a row (144
     * ms) against a scan measured at 9 ms a row over 16 rows (144 ms). A
     * tie walks; a scan a little cheaper is taken. */
    struct core_step_input in = walked(fresh(), 2, 0, 24.0);
    in.indexable = false;
    in.need = 1;
    in.left = 16;
    in.scan_rows = 1;
    in.scan_ms = 9;
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK && st.walk_step == 256);
    in.scan_ms = 8.9375;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_SCAN);

    /* A partition with nothing left below its frontier is walked (its
     * walk ends it), however cheap the other step. */
    in.left = 0;
    in.scan_ms = 0;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK && st.walk_step == 256);

    /* The rows to walk never exceed what is left: 1,000 of 100,000 here
     * would be 7,650,000 rows at this density. */
    in = walked(fresh(), 100000, 0, 0.0);
    in.left = 1000;
    in.bitmap_rows = 1;
    in.bitmap_ms = 1000;
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK && st.walk_step == 1000);
}

static void test_forced(void)
{
    /* CONVO_FORCE_STEP: the kind is forced, the measured walk step is
     * still reported. */
    struct core_step_input in = walked(fresh(), 1000, 500, 1.0);
    in.force = 'b';
    struct core_step st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_BITMAP && st.walk_step == 256);
    in.force = 's';
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_SCAN && st.batch);
    in.grams = true; /* 's' and 'b' set the n-grams aside, 'g' uses them */
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_SCAN);
    in.force = 'g';
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_GRAMS);
    in.grams = false; /* 'g' without n-grams: the trigram bitmap, or a scan */
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_BITMAP);
    in.indexable = false;
    CHECK(core_search_choose_step(&in).kind == CORE_STEP_SCAN);
    in = walked(fresh(), 10000, 0, 10.0);
    in.force = 'w';
    st = core_search_choose_step(&in);
    CHECK(st.kind == CORE_STEP_WALK && st.walk_step == 0);
}

int main(void)
{
    test_contacts();
    test_first_step_walks();
    test_common_term_walks();
    test_rare_term_fetches();
    test_scan_after_bitmap();
    test_weak_and_prefilter_estimates();
    test_boundaries();
    test_forced();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("ok: core step");
    return 0;
}

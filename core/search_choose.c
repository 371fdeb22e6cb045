/* core/search_choose.c - the choice of search's next step, by cost.
 *
 * Walks measure the term's density; from it, the rows a walk would still
 * read to fill the page, and what the steps so far cost per row, the
 * choice is the cheaper of walking on and fetching the rest of the
 * partition's matches at once: through its trigram index (bitmap), its
 * n-gram index (grams), or, without a useful index, by a scan. Before any
 * walk there is nothing to go on: the first step of a partition walks. */
#include "search_choose.h"

/* What a bitmap step costs per partition row, before one has been
 * measured, when the term's only trigrams are short words' (one row in
 * eight holds the word "ok"): about 28 ms for 280,000 rows, most of it
 * lowering candidates for ILIKE. */
#define WEAK_BITMAP_MS_PER_ROW 0.0001

/* What a prefiltered (parallel) scan step costs per partition row, before
 * one has been measured: about 20 ms for a partition of 280,000 rows when
 * few rows hold the term's punctuation. */
#define SCAN_PREFILTERED_MS_PER_ROW 0.00007

/* The contacts: their indexes when the term can use them. Short words
 * beside punctuation (`#1`) have only common trigrams in names and phone
 * numbers too: their n-grams serve them. */
static struct core_step choose_contacts(const struct core_step_input *in, bool grams)
{
    struct core_step step = {.kind = CORE_STEP_CONTACTS_WALK};
    if (grams && !in->digits && (!in->contacts_indexable || in->weak))
        step.kind = CORE_STEP_CONTACTS_GRAMS;
    else if (in->contacts_indexable)
        step.kind = CORE_STEP_CONTACTS_BITMAP;
    if (step.kind != CORE_STEP_CONTACTS_WALK)
        step.limit = (int64_t)in->need + 1;
    return step;
}

/* A partition: walk on, or fetch the rest of its matches? Sets *fetch and
 * *scan (fetch by a scan rather than an index) and step->walk_step. */
static void choose_by_cost(const struct core_step_input *in, bool grams, bool indexable,
                           struct core_step *step, bool *fetch, bool *scan)
{
    /* What the walks so far say about the term, and what the steps so far
     * cost: walk until the page is full, or fetch this partition's
     * matches through its trigram index (or, without a trigram, by a scan
     * of the partition)? */
    double left = in->left;
    double density = ((double)in->walked_hits + 0.5) / (double)in->walked_rows;
    double per_row = in->walk_ms > 0 ? in->walk_ms / (double)in->walked_rows : 0.0007;
    double to_walk = 1.5 * (double)(in->need + 1) / density;
    if (to_walk > left)
        to_walk = left;
    double walk_cost = to_walk * per_row;
    double scan_cost = in->scan_rows > 0 ? in->scan_ms / in->scan_rows * left
                     : in->prefilter ? 2.0 + left * SCAN_PREFILTERED_MS_PER_ROW
                                     : 1.0 + left * per_row * 0.7;
    double other_cost = scan_cost;
    if (indexable) {
        /* A scan is tried only once a bitmap has shown what the term's
         * trigrams really cost: rare terms never pay one. */
        double bitmap_cost = in->bitmap_rows > 0 ? in->bitmap_ms / in->bitmap_rows * left
                           : in->weak && !grams ? 0.3 + left * WEAK_BITMAP_MS_PER_ROW
                                                : 0.3 + density * left * 0.005;
        /* The n-gram index reads only candidates: no scan beats it. */
        *scan = !grams && in->bitmap_rows > 0 && scan_cost < bitmap_cost;
        if (!*scan)
            other_cost = bitmap_cost;
    }
    if (other_cost < walk_cost && left > 0)
        *fetch = true;
    else
        step->walk_step = to_walk < 256 ? 256 : to_walk > 32768 ? 32768 : (int64_t)to_walk;
}

struct core_step core_search_choose_step(const struct core_step_input *in)
{
    /* The n-gram index serves terms the trigram index cannot, and the
     * phrase index phrases of common words (forcing a trigram bitmap or a
     * scan, for tests, sets them aside). Contacts have no phrase index. */
    bool unforced = in->force != 'b' && in->force != 's';
    if (in->contacts)
        return choose_contacts(in, in->grams && unforced);
    bool grams = (in->grams || in->spans) && unforced;
    bool indexable = in->indexable || grams;
    struct core_step step = {.kind = CORE_STEP_WALK};
    bool fetch = false, scan = !indexable;
    if (in->walked_rows > 0)
        choose_by_cost(in, grams, indexable, &step, &fetch, &scan);
    if (in->force == 'w' || in->force == 'b' || in->force == 's' || in->force == 'g') {
        fetch = in->force != 'w';
        scan = in->force == 's' || !indexable;
    }
    if (!fetch)
        return step;
    step.limit = (int64_t)(4 * in->need + 256);
    if (scan) {
        step.kind = CORE_STEP_SCAN;
        /* The first scan of an indexable term is a trial: one partition,
         * so a wrong guess costs little. */
        step.batch = !indexable || in->scan_rows > 0 || in->force == 's';
        step.batch_rows = CORE_STEP_BATCH_ROWS;
    } else if (grams) {
        step.kind = CORE_STEP_GRAMS;
        /* After one n-gram step, a rare term reads a run of months in one
         * statement: the matches expected in it stay under the LIMIT. */
        double density = ((double)in->walked_hits + in->grams_hits + 0.5) /
                         ((double)in->walked_rows + in->grams_rows + 1);
        double max_rows = (double)step.limit / 2 / density;
        step.batch = in->bitmap_rows > 0;
        step.batch_rows = max_rows < CORE_STEP_BATCH_ROWS ? max_rows : CORE_STEP_BATCH_ROWS;
    } else {
        step.kind = CORE_STEP_BITMAP;
    }
    return step;
}

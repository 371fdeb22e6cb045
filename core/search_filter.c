/* core/search_filter.c - a search with filter words (is:, after:,
 * before:, with:; filter.c reads them). The filters are predicates of
 * one statement per partition (search_sql.c, core_sql_filtered), and
 * only the months that overlap [after, before) and lie at or below the
 * cursor are read. A conversation's anchor is its newest message that
 * passes the filters and matches (by content, or any such message of a
 * contact matched by name or phone): each partition answers its
 * contacts' newest such message, and the partitions are merged newest
 * first, so a contact's first row is its anchor. With no text every
 * message that passes matches; with: narrows the contacts.
 *
 * Partitions are read in the order of their upper bounds (the default
 * partition, unbounded, first); a row is final once it lies at or above
 * the upper bound of every partition not read yet. A month is read whole
 * (each contact's newest match through its index) or, newest first, in
 * slices of passing rows (filters alone) or walks of rows each tested (a
 * common text): then a row is final once it also lies at or above where
 * the read ended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "force.h"
#include "page.h"
#include "rows.h"
#include "search_int.h"
#include "search_sql.h"
#include "strbuf.h"
#include "term_pattern.h"

enum core_status core_search_filter_open(struct core_search *s)
{
    const struct core_filter *f = &s->filter;
    bool words = f->nwords > 1;
    const char *text = words ? "" : f->text;
    s->pattern = *text ? core_like_pattern(text) : strdup("");
    s->digits = core_digits_pattern(text);
    if (!s->pattern || !s->digits)
        return CORE_ERR_NOMEM;
    s->trace = getenv("CONVO_TRACE") != NULL;
    enum core_status st = CORE_OK;
    if (f->with)
        st = core_search_contact_ids(s->conn, f->with, &s->with_ids);
    if (st == CORE_OK && words)
        return core_search_words_open(s);
    if (st == CORE_OK && *text)
        st = core_search_contact_ids(s->conn, text, &s->name_ids);
    /* A text pg_trgm cannot see (see search_term in search.c): its
     * n-grams, when the index of schema 006 holds some; a phrase: its
     * windows in the index of schema 016. */
    if (st == CORE_OK && *text) {
        char *folded = core_unaccent(text); /* as the indexes see it */
        if (!folded)
            return CORE_ERR_NOMEM;
        st = core_search_keys(s, text, core_term_wants_grams(folded));
        free(folded);
    }
    return st;
}

struct hit {
    struct core_pos pos;
    int32_t contact;
    int res, row;   /* which result, which row */
};

static int hit_cmp_desc(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    return -core_pos_cmp(x->pos, y->pos);
}

static int part_cmp_desc(const void *a, const void *b)
{
    const struct core_part *x = a, *y = b;
    return x->hi_us < y->hi_us ? 1 : x->hi_us > y->hi_us ? -1 : 0;
}

/* The partitions this search reads, by upper bound, newest first. */
static enum core_status filter_parts(struct core_search *s, struct core_part **out, size_t *n)
{
    const struct core_part *parts;
    size_t nparts;
    enum core_status st = core_catalogue_parts(s->conn, &parts, &nparts);
    if (st != CORE_OK)
        return st;
    *out = calloc(nparts ? nparts : 1, sizeof **out);
    if (!*out)
        return CORE_ERR_NOMEM;
    *n = 0;
    const struct core_filter *f = &s->filter;
    for (size_t i = 0; i < nparts; i++) {
        const struct core_part *pt = &parts[i];
        if (pt->lo_us != CORE_US_NINF && pt->lo_us > s->cursor.us)
            continue; /* above the cursor (see build_sources in search.c) */
        if (pt->hi_us != CORE_US_INF && pt->hi_us <= f->after_us)
            continue; /* entirely before after: */
        if (pt->lo_us != CORE_US_NINF && pt->lo_us >= f->before_us)
            continue; /* entirely at or after before: */
        (*out)[(*n)++] = *pt;
    }
    if (*n > 1)
        qsort(*out, *n, sizeof **out, part_cmp_desc);
    return CORE_OK;
}

/* The parameters $1..$10 of the filtered statements: rows below `below`. */
static void filter_params(const struct core_search *s, struct core_pos below,
                          struct core_params *p)
{
    core_search_filter_base(s, below, p);
    core_param_text(p, s->pattern);
    core_param_text(p, s->name_ids ? s->name_ids : "{}");
    core_param_text(p, s->digits);
}

/* Which predicates this search's statements test (CORE_FLT_*). */
static unsigned filter_shape(const struct core_search *s)
{
    return (s->filter.dir != CORE_DIR_ANY ? CORE_FLT_DIR : 0) |
           (s->with_ids ? CORE_FLT_WITH : 0) | (*s->pattern ? CORE_FLT_TEXT : 0) |
           (s->name_ids && strcmp(s->name_ids, "{}") != 0 ? CORE_FLT_NAMES : 0) |
           (!*s->pattern ? 0 : s->spans ? CORE_FLT_SPANS : s->grams ? CORE_FLT_GRAMS : 0);
}

/* $11: what the content arm looks up in the index that shape names. */
static const char *filter_keys(const struct core_search *s)
{
    return s->spans ? s->spans : s->grams ? s->grams : "{}";
}

/* Below a cursor: the contacts of r that an earlier page showed (a
 * passing match at or above the cursor) join the seen set. */
static enum core_status drop_shown(struct core_search *s, const PGresult *r)
{
    if (core_pos_cmp(s->cursor, CORE_POS_TOP) >= 0 || PQntuples(r) == 0)
        return CORE_OK;
    struct core_strbuf ids = {0};
    bool ok = core_strbuf_printf(&ids, "{");
    for (int k = 0; ok && k < PQntuples(r); k++)
        ok = core_strbuf_printf(&ids, "%s%d", k ? "," : "", core_get_int4(r, k, 0));
    if (!ok || !core_strbuf_printf(&ids, "}")) {
        free(ids.data);
        return CORE_ERR_NOMEM;
    }
    enum core_status st;
    PGresult *shown;
    if (s->nwords) {
        shown = core_search_words_shown(s, ids.data, &st);
    } else {
        unsigned shape = filter_shape(s);
        char sql[2048], name[48];
        core_sql_filtered_shown(sql, sizeof sql, shape);
        snprintf(name, sizeof name, "convo_flt_shown_%x", shape);
        struct core_params p = {0};
        filter_params(s, s->cursor, &p);
        core_param_text(&p, filter_keys(s));
        core_param_text(&p, ids.data);
        shown = core_conn_exec(s->conn, name, sql, &p, &st);
    }
    free(ids.data);
    if (!shown)
        return st;
    for (int k = 0; k < PQntuples(shown) && st == CORE_OK; k++)
        if (!core_idset_add(&s->seen, core_get_int4(shown, k, 0)))
            st = CORE_ERR_NOMEM;
    PQclear(shown);
    return st;
}

/* How a month is read: filters alone in slices of passing rows; a text or
 * several words by a walk of its rows, each tested, or all its matches at
 * once through its indexes. */
enum read_kind { READ_MONTH, READ_SLICE, READ_WALK };

/* Filters alone read a month in slices of this many rows, newest first,
 * down to where the page ends, rather than every contact's newest row. */
#define SLICE_ROWS 500
/* A text's first walk, before anything is known of its density. */
#define WALK_FIRST 256
#define WALK_MAX 32768
/* Several words: what reading months at once may cost before the
 * contacts matched by name are pruned. */
#define PRUNE_AFTER_MS 4.0

static bool sliced(const struct core_search *s)
{
    return !s->nwords && !(filter_shape(s) & CORE_FLT_TEXT);
}

/* One partition's rows below `below`: the next slice or walk of `rows`
 * rows, or each contact's newest match. */
static PGresult *read_part(struct core_search *s, const struct core_part *pt, enum read_kind kind,
                           struct core_pos below, int64_t rows, enum core_status *st)
{
    static const char *const kinds[] = {"month", "slice", "walk"};
    double t0 = core_now_ms();
    PGresult *r;
    if (kind == READ_MONTH && s->nwords) {
        r = core_search_words_part(s, pt, below, st);
    } else if (kind == READ_WALK && s->nwords) {
        r = core_search_words_walk(s, pt, below, rows, st);
    } else {
        unsigned shape = filter_shape(s);
        char sql[4096], name[48];
        if (kind == READ_SLICE)
            core_sql_filtered_slice(sql, sizeof sql, pt->name, shape);
        else if (kind == READ_WALK)
            core_sql_filtered_walk(sql, sizeof sql, pt->name);
        else
            core_sql_filtered(sql, sizeof sql, pt->name, shape);
        snprintf(name, sizeof name, "convo_fl%c%u_%x", kinds[kind][0], pt->oid,
                 kind == READ_WALK ? 0 : shape);
        struct core_params p = {0};
        filter_params(s, below, &p);
        core_param_text(&p, kind == READ_MONTH ? filter_keys(s) : "{}");
        if (kind != READ_MONTH)
            core_param_int8(&p, rows);
        r = core_conn_exec(s->conn, name, sql, &p, st);
    }
    if (r && s->trace)
        fprintf(stderr, "convo: filter %-5s %-28s %5d rows %8.2f ms\n", kinds[kind], pt->name,
                PQntuples(r), core_now_ms() - t0);
    return r;
}

static enum core_status add_row(struct core_search *s, const PGresult *r, int k)
{
    if (s->page.count == s->capkeys) {
        size_t cap = s->capkeys ? s->capkeys * 2 : 64;
        struct core_pos *keys = realloc(s->keys, cap * sizeof *keys);
        if (!keys)
            return CORE_ERR_NOMEM;
        s->keys = keys;
        s->capkeys = cap;
    }
    char when[CORE_TIME_LEN];
    struct core_row row = core_row_at(r, k, 0, when);
    row.matched = (core_get_bool(r, k, 7) ? CORE_MATCH_CONTENT : 0) |
                  (core_get_bool(r, k, 8) ? CORE_MATCH_NAME : 0) |
                  (core_get_bool(r, k, 9) ? CORE_MATCH_PHONE : 0);
    enum core_status st = core_page_add(&s->page, &row);
    if (st == CORE_OK)
        s->keys[s->page.count - 1] = (struct core_pos){row.created_at_us, row.message_id};
    return st;
}

/* Move the hits at or above floor into the page, newest first, each
 * contact once; *n hits stay pending. */
static enum core_status emit(struct core_search *s, PGresult **res, struct hit *hits,
                             size_t *n, struct core_pos floor, size_t limit)
{
    if (*n > 1)
        qsort(hits, *n, sizeof *hits, hit_cmp_desc);
    size_t i = 0;
    enum core_status st = CORE_OK;
    for (; i < *n && s->page.count < limit && st == CORE_OK; i++) {
        if (core_pos_cmp(hits[i].pos, floor) < 0)
            break;
        if (core_idset_has(&s->seen, hits[i].contact))
            continue;
        if (!core_idset_add(&s->seen, hits[i].contact))
            return CORE_ERR_NOMEM;
        st = add_row(s, res[hits[i].res], hits[i].row);
    }
    if (i < *n)
        memmove(hits, hits + i, (*n - i) * sizeof *hits);
    *n -= i;
    return st;
}

/* with: names this many contacts at most: probe each (its index on
 * (contact_id, created_at, id)) instead of reading the months. */
#define WITH_PROBE_MAX 256

/* The page of a few with: contacts, in one statement. */
static enum core_status run_with(struct core_search *s, size_t limit)
{
    enum core_status st;
    double t0 = core_now_ms();
    PGresult *r;
    if (s->nwords) {
        r = core_search_words_with(s, limit, &st);
    } else {
        struct core_params p = {0};
        filter_params(s, s->cursor, &p);
        core_param_int8(&p, (int64_t)limit);
        r = core_conn_exec(s->conn, "convo_flt_with", core_sql_filtered_with, &p, &st);
    }
    if (!r)
        return st;
    if (s->trace)
        fprintf(stderr, "convo: filter %-28s %5d rows %8.2f ms\n", "with: contacts",
                PQntuples(r), core_now_ms() - t0);
    for (int k = 0; k < PQntuples(r) && st == CORE_OK; k++)
        st = add_row(s, r, k);
    PQclear(r);
    s->scanned = 0; /* index probes: no partition read */
    s->searched_back = 0;
    return st;
}

static enum core_status finish(struct core_search *s, size_t limit)
{
    s->complete = true;
    if (s->page.count >= limit && s->page.count > 0) {
        char cur[CORE_CURSOR_LEN + 1];
        core_cursor_encode(CORE_CURSOR_SEARCH, s->context, s->keys[s->page.count - 1], cur);
        return core_page_set_cursor(&s->page, cur);
    }
    return CORE_OK;
}

/* Where the walk of the months is, between calls of a page: the
 * partitions, the next to read (from its top, or below `at` once a slice
 * of it was read), the answers so far, and the rows not final yet. */
struct core_filter_walk {
    struct core_part *parts;
    size_t nparts, next;
    struct core_pos at;
    PGresult **res;
    size_t nres, capres;
    struct hit *hits;
    size_t nhits, caphits;
    /* What walks have shown of the text's density, and what walking and
     * reading a month's matches at once cost per row, so far. */
    int64_t walked, walked_hits, fetched;
    double walk_ms, fetch_ms;
    int64_t month_walked;  /* rows of the month being read walked so far */
    int64_t month_counted; /* and counted in scanned */
};

void core_search_filter_free(struct core_search *s)
{
    struct core_filter_walk *w = s->walk;
    if (!w)
        return;
    for (size_t k = 0; k < w->nres; k++)
        PQclear(w->res[k]);
    free(w->res);
    free(w->hits);
    free(w->parts);
    free(w);
    s->walk = NULL;
}

static enum core_status walk_start(struct core_search *s)
{
    struct core_filter_walk *w = calloc(1, sizeof *w);
    if (!w)
        return CORE_ERR_NOMEM;
    s->walk = w;
    w->at = s->cursor;
    return filter_parts(s, &w->parts, &w->nparts);
}

/* Keep r and its rows (those of column hit true, when hit >= 0) as
 * pending hits; *kept counts them. */
static enum core_status walk_keep(struct core_filter_walk *w, PGresult *r, int hit, int *kept)
{
    if (w->nres == w->capres) {
        size_t cap = w->capres ? w->capres * 2 : 16;
        PGresult **res = realloc(w->res, cap * sizeof *res);
        if (!res) {
            PQclear(r);
            return CORE_ERR_NOMEM;
        }
        w->res = res;
        w->capres = cap;
    }
    int i = (int)w->nres;
    w->res[w->nres++] = r;
    int n = PQntuples(r);
    if (w->nhits + (size_t)n > w->caphits) {
        size_t cap = (w->nhits + (size_t)n) * 2;
        struct hit *h = realloc(w->hits, cap * sizeof *h);
        if (!h)
            return CORE_ERR_NOMEM;
        w->hits = h;
        w->caphits = cap;
    }
    *kept = 0;
    for (int k = 0; k < n; k++) {
        if (hit >= 0 && !core_get_bool(r, k, hit))
            continue;
        w->hits[w->nhits++] = (struct hit){
            .pos = {core_get_time(r, k, 6), core_get_int8(r, k, 3)},
            .contact = core_get_int4(r, k, 0), .res = i, .row = k};
        ++*kept;
    }
    return CORE_OK;
}

/* A text or several words: walk on through the month, or read the rest
 * of its matches at once through its indexes? Walk first; then by what the walks so far say
 * of the text's density and what each way has cost per row (the rule of
 * search_choose.c): a common text fills the page within a few hundred
 * rows, a rare one is read from its index. *rows: how far to walk. */
static enum read_kind text_read(const struct core_filter_walk *w, const struct core_part *pt,
                                size_t need, int64_t *rows)
{
    /* The tests walk every month in short walks, or read each at once. */
    char force = core_forced_step();
    if (force == 'b')
        return READ_MONTH;
    if (w->walked == 0 || force == 'w') {
        *rows = WALK_FIRST;
        return READ_WALK;
    }
    double density = ((double)w->walked_hits + 0.5) / (double)w->walked;
    double left = (double)pt->rows - (double)w->month_walked;
    if (left < 1)
        left = 1;
    double to_walk = 1.5 * (double)(need + 1) / density;
    if (to_walk > left)
        to_walk = left;
    double walk_cost = to_walk * w->walk_ms / (double)w->walked;
    double fetch_cost = w->fetched > 0 ? w->fetch_ms / (double)w->fetched * left
                                       : 0.3 + density * left * 0.005;
    if (fetch_cost < walk_cost)
        return READ_MONTH;
    *rows = to_walk < WALK_FIRST ? WALK_FIRST : to_walk > WALK_MAX ? WALK_MAX : (int64_t)to_walk;
    return READ_WALK;
}

/* Where a slice or walk of r ended, and whether the month may hold more
 * below it: a slice that filled, a walk that reached its last row. */
static bool read_more(const PGresult *r, enum read_kind kind, int64_t rows, struct core_pos *end)
{
    int n = PQntuples(r);
    if (kind == READ_MONTH || n == 0)
        return false;
    *end = (struct core_pos){core_get_time(r, n - 1, 6), core_get_int8(r, n - 1, 3)};
    if (kind == READ_SLICE)
        return n == SLICE_ROWS;
    return core_get_int8(r, n - 1, 11) == rows;
}

/* Read the walk's next partition (or a slice or walk of it) and move
 * what became final into the page. */
static enum core_status walk_step(struct core_search *s, size_t limit)
{
    struct core_filter_walk *w = s->walk;
    const struct core_part *pt = &w->parts[w->next];
    size_t need = limit > s->page.count ? limit - s->page.count : 1;
    int64_t rows = 0;
    enum read_kind kind = sliced(s) ? READ_SLICE : text_read(w, pt, need, &rows);
    if (kind == READ_SLICE)
        rows = SLICE_ROWS;
    enum core_status st;
    /* Reading months at once has cost something: leave out the contacts
     * that cannot pass before reading more (search_words.c). The tests
     * that read every month at once prune at once. */
    if (kind == READ_MONTH && s->nwords &&
        (w->fetch_ms >= PRUNE_AFTER_MS || core_forced_step() == 'b') &&
        (st = core_search_words_prune(s)) != CORE_OK)
        return st;
    double t0 = core_now_ms();
    PGresult *r = read_part(s, pt, kind, w->at, rows, &st);
    if (!r)
        return st;
    double ms = core_now_ms() - t0;
    struct core_pos end;
    bool more = read_more(r, kind, rows, &end);
    int kept;
    if ((st = drop_shown(s, r)) != CORE_OK) {
        PQclear(r);
        return st;
    }
    /* From here r belongs to the walk, even when keeping it fails. */
    if ((st = walk_keep(w, r, kind == READ_WALK ? 10 : -1, &kept)) != CORE_OK)
        return st;
    if (kind == READ_WALK) {
        int64_t walked = more ? rows : PQntuples(r) ? core_get_int8(r, PQntuples(r) - 1, 11) : 0;
        w->walked += walked;
        w->month_walked += walked;
        w->walked_hits += kept;
        w->walk_ms += ms;
    } else if (kind == READ_MONTH) {
        double left = (double)pt->rows - (double)w->month_walked;
        w->fetched += left > 1 ? (int64_t)left : 1;
        w->fetch_ms += ms;
    }
    /* No partition after this one holds a row at or above its bound. */
    size_t after = w->next + 1;
    struct core_pos floor = {after < w->nparts ? w->parts[after].hi_us : CORE_US_NINF, INT64_MIN};
    if (more) {
        /* More of this month may pass, below where this read ended: above
         * both, the rows are final. scanned counts a month's rows once it
         * is done, a read's rows until then. */
        int64_t read = kind == READ_WALK ? rows : PQntuples(r);
        s->scanned += read;
        w->month_counted += read;
        w->at = end;
        if (core_pos_cmp(w->at, floor) > 0)
            floor = w->at;
    } else {
        if ((int64_t)pt->rows > w->month_counted)
            s->scanned += (int64_t)pt->rows - w->month_counted;
        w->next++;
        w->at = s->cursor;
        w->month_walked = w->month_counted = 0;
    }
    s->searched_back = w->next < w->nparts ? w->parts[w->next].hi_us : 0;
    return emit(s, w->res, w->hits, &w->nhits, floor, limit);
}

enum core_status core_search_filter_run(struct core_search *s, size_t limit, double deadline)
{
    /* The tests read the months for a few with: contacts too. */
    bool months = core_forced_step() == 'm';
    if (s->with_ids && !months && core_search_id_count(s->with_ids) <= WITH_PROBE_MAX) {
        enum core_status st = run_with(s, limit);
        return st == CORE_OK ? finish(s, limit) : st;
    }
    enum core_status st = s->walk ? CORE_OK : walk_start(s);
    struct core_filter_walk *w = s->walk;
    while (st == CORE_OK && w->next < w->nparts && s->page.count < limit) {
        /* After a cancel the month's statement is refused (conn.c). */
        size_t month = w->next;
        st = walk_step(s, limit);
        /* Out of budget: the rows so far are final; the next call goes on,
         * here or from a cursor at the next month's bound. Only after a
         * whole month that ends at or below the cursor: those above it (the
         * default partition) are read again from such a cursor, and the
         * walk must get further each time. */
        bool past = w->next > month && w->parts[month].hi_us <= s->cursor.us;
        if (st == CORE_OK && past && deadline > 0 && core_now_ms() >= deadline &&
            w->next < w->nparts && s->page.count < limit)
            return CORE_OK;
    }
    if (st != CORE_OK)
        return st;
    if (w->next >= w->nparts)
        s->searched_back = 0;
    core_search_filter_free(s);
    return finish(s, limit);
}

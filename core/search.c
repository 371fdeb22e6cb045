/* core/search.c - search that answers every term fast.
 *
 * Neither of PostgreSQL's ways to answer `content ILIKE '%term%'` is fast
 * for every term: walking messages newest first finds a common term at once
 * and a rare one only after reading everything; the trigram index finds a
 * rare term at once and a common one only after fetching and sorting every
 * match. The planner cannot tell which case it is in. So core decides
 * itself, per monthly partition, from what the search has seen so far:
 *
 * - The search is a merge of sources: every partition of messages (newest
 *   first) and the contacts (matched by name or phone, ordered by their
 *   latest message). Each source has a frontier: everything at or after it
 *   (and before the cursor) has been examined. A found row is final once it
 *   is at or after every source's frontier.
 * - The next step always advances the source with the greatest frontier, so
 *   rows come out newest first and every answer is a true prefix.
 * - A step is either a walk (the newest N rows below the frontier, read in
 *   index order, each tested; exact cost, exact progress) or, for terms
 *   with a trigram, a bitmap scan of the partition's own small trigram
 *   index. Walks measure the term's density; when the density says the rest
 *   of a partition holds too few matches to fill the page, the bitmap scan
 *   reads just those matches instead of the whole partition.
 * - Every step runs asynchronously: when the time budget runs out the
 *   answer so far goes back to the caller, the statement keeps running, and
 *   the next call picks it up. A cancel stops it at once.
 * - A conversation's anchor is its newest match overall, so on later pages
 *   a candidate is checked (one statement for the whole batch) against
 *   matches above the cursor; the same statement fetches the rows' text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "cursor.h"
#include "idset.h"
#include "page.h"
#include "rows.h"
#include "search_sql.h"
#include "search_step.h"
#include "session.h"
#include "strbuf.h"
#include "term_pattern.h"

enum source_kind { SRC_PART, SRC_CONTACTS };
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
    char force;         /* tests: CONVO_FORCE_STEP=walk|bitmap|scan */
    bool contacts_indexable;
    bool recent;        /* empty term */
    char *recent_cursor;
    uint64_t context;
    struct core_pos cursor;

    struct source *sources;
    size_t nsources;
    struct item *items;
    size_t nitems, capitems;
    struct core_idset seen;     /* contacts already emitted or ruled out */

    struct core_page page;
    bool complete;
    bool failed;
    /* The statement running on the server for this search. */
    int inflight;       /* source index, -1 = none */
    enum step_mode inflight_mode;
    bool inflight_grams; /* a bitmap step over the n-gram index */
    bool inflight_scan; /* a bitmap-mode step read by a scan */
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
};

/* ---- small helpers ------------------------------------------------------- */

static bool add_item(struct core_search *s, struct core_pos pos, int32_t contact)
{
    if (core_idset_has(&s->seen, contact))
        return true;
    if (s->nitems == s->capitems) {
        size_t cap = s->capitems ? s->capitems * 2 : 256;
        struct item *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            return false;
        s->items = items;
        s->capitems = cap;
    }
    s->items[s->nitems++] = (struct item){pos, contact};
    return true;
}

static int item_cmp_desc(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return -core_pos_cmp(x->pos, y->pos);
}

static struct core_pos pos_min(struct core_pos a, struct core_pos b)
{
    return core_pos_cmp(a, b) < 0 ? a : b;
}

/* ---- statements -------------------------------------------------------------- */

/* Untouched partitions that follow src back in time without a gap, each
 * wholly below src's frontier, so that one position test serves them all.
 * A gap between months holds rows of the default partition: it ends the
 * batch. */
static int scan_batch(const struct core_search *s, const struct source *src, int *out,
                      double max_rows)
{
    const struct core_part *pt = &src->part;
    if (pt->lo_us == CORE_US_NINF || pt->hi_us == CORE_US_INF)
        return 0;
    int n = 0;
    double rows = pt->rows;
    int64_t below = pt->lo_us;
    while (n < SCAN_BATCH_MAX - 1) {
        int best = -1;
        for (size_t i = 0; i < s->nsources; i++) {
            const struct source *c = &s->sources[i];
            if (c->kind != SRC_PART || c->done || c == src || c->part.lo_us == CORE_US_NINF ||
                c->part.hi_us == CORE_US_INF || c->part.hi_us != below ||
                c->frontier.us != c->part.hi_us || c->frontier.id != INT64_MIN)
                continue;
            best = (int)i;
            break;
        }
        if (best < 0 || rows + s->sources[best].part.rows > max_rows)
            break;
        rows += s->sources[best].part.rows;
        below = s->sources[best].part.lo_us;
        out[n++] = best;
    }
    return n;
}

/* ---- opening ------------------------------------------------------------------ */

static enum core_status build_sources(struct core_search *s)
{
    const struct core_part *parts;
    size_t nparts;
    enum core_status st = core_catalogue_parts(s->conn, &parts, &nparts);
    if (st != CORE_OK)
        return st;
    s->sources = calloc(nparts + 1, sizeof *s->sources);
    s->batch = calloc(SCAN_BATCH_MAX, sizeof *s->batch);
    if (!s->sources || !s->batch)
        return CORE_ERR_NOMEM;
    struct source *src = &s->sources[0];
    src->kind = SRC_CONTACTS;
    src->frontier = s->cursor;
    src->walk_step = 256;
    s->nsources = 1;
    for (size_t i = 0; i < nparts; i++) {
        const struct core_part *pt = &parts[i];
        /* Rows at a month's lower bound with an id below the cursor's lie
         * below the cursor: only a month starting after it is skipped. */
        if (pt->lo_us != CORE_US_NINF && pt->lo_us > s->cursor.us)
            continue; /* entirely above the cursor */
        src = &s->sources[s->nsources++];
        src->kind = SRC_PART;
        src->part = *pt;
        src->frontier = pos_min(s->cursor, (struct core_pos){pt->hi_us, INT64_MIN});
        src->walk_step = 1024;
    }
    return CORE_OK;
}

/* The term's n-grams that the index of schema 006 holds (the server
 * computes them, so they are folded exactly as the index's are); none
 * when every one is too common to be indexed. */
static enum core_status term_grams(struct core_search *s)
{
    struct core_params p = {0};
    enum core_status st;
    core_param_text(&p, s->term);
    PGresult *r = core_conn_exec(s->conn, "convo_term_grams",
                                 "SELECT public.convo_grams($1)::text", &p, &st);
    if (!r)
        return st;
    const char *v = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "{}";
    if (strcmp(v, "{}") != 0 && !(s->grams = strdup(v)))
        st = CORE_ERR_NOMEM;
    PQclear(r);
    return st;
}

/* What the search makes of its term: its patterns, what indexes it can
 * use, how to compare (LIKE or ILIKE), its n-grams when they may help. */
static enum core_status search_term(struct core_search *s, const char *term)
{
    s->pattern = core_like_pattern(term);
    s->digits = core_digits_pattern(term);
    s->prefilter = core_prefilter_pattern(term);
    if (!s->pattern || !s->digits || !s->prefilter)
        return CORE_ERR_NOMEM;
    s->indexable = core_term_indexable(term);
    s->weak = s->indexable && !core_term_has_word3(term);
    const char *force = getenv("CONVO_FORCE_STEP");
    s->force = force ? force[0] : 0;
    /* ILIKE lowers every row it reads; a term without letters gives the
     * same answer with LIKE, four times cheaper. */
    s->caseless = true;
    for (const unsigned char *c = (const unsigned char *)term; *c; c++)
        if (*c >= 0x80 || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
            s->caseless = false;
    if (s->caseless)
        s->prefilter[0] = '\0'; /* LIKE is exact already */
    /* pg_trgm drops punctuation: `.com` or `e-mail` look up words that
     * are common (`come`, `mail...`) while their n-grams (`.c`, `-m`) are
     * rare. */
    bool punct = false;
    for (const unsigned char *c = (const unsigned char *)term; *c; c++)
        punct |= *c < 0x80 && *c > ' ' && !(*c >= '0' && *c <= '9') &&
                 !((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z');
    if (!s->indexable || s->weak || punct) {
        enum core_status st = term_grams(s);
        if (st != CORE_OK)
            return st;
    }
    size_t ndigits = *s->digits ? strlen(s->digits) - 2 : 0;
    s->contacts_indexable = s->indexable && (ndigits == 0 || ndigits >= 3);
    return CORE_OK;
}

/* The connection closes first: the search answers CORE_ERR_USAGE from now
 * on, and may still be closed. */
static void search_detach(struct core_conn_user *user)
{
    struct core_search *s = (struct core_search *)user;
    s->conn = NULL;
}

enum core_status core_search_open(struct core_conn *conn, const char *term,
                                  const char *cursor, struct core_search **out)
{
    *out = NULL;
    if (!term)
        term = "";
    if (core_term_check(term) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid search term: %s",
                 core_term_problem(term));
        return CORE_ERR_TERM;
    }
    atomic_store(&conn->cancel_requested, false);
    struct core_search *s = calloc(1, sizeof *s);
    if (!s)
        return CORE_ERR_NOMEM;
    s->conn = conn;
    core_conn_attach(conn, &s->user, search_detach);
    s->inflight = -1;
    core_page_init(&s->page);
    s->term = strdup(term);
    if (!s->term)
        goto nomem;
    if (!*term) {
        s->recent = true;
        struct core_pos pos;
        const char *why;
        if (core_cursor_decode(cursor, CORE_CURSOR_RECENT, 0, &pos, &why) != CORE_OK) {
            snprintf(conn->err, sizeof conn->err, "invalid cursor: %s", why);
            core_search_close(s);
            return CORE_ERR_CURSOR;
        }
        s->recent_cursor = cursor ? strdup(cursor) : NULL;
        if (cursor && !s->recent_cursor)
            goto nomem;   /* not page 1 instead of page N */
        *out = s;
        return CORE_OK;
    }
    s->context = core_term_context(term);
    const char *why;
    if (core_cursor_decode(cursor, CORE_CURSOR_SEARCH, s->context, &s->cursor, &why) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid cursor: %s", why);
        core_search_close(s);
        return CORE_ERR_CURSOR;
    }
    enum core_status st = search_term(s, term);
    if (st == CORE_OK)
        st = build_sources(s);
    if (st != CORE_OK) {
        core_search_close(s);
        return st;
    }
    *out = s;
    return CORE_OK;
nomem:
    core_search_close(s);
    return CORE_ERR_NOMEM;
}

/* ---- steps ------------------------------------------------------------------------ */

/* The global frontier: rows at or after it are known. */
static struct core_pos global_frontier(const struct core_search *s)
{
    struct core_pos g = CORE_POS_BOTTOM;
    for (size_t i = 0; i < s->nsources; i++)
        if (!s->sources[i].done && core_pos_cmp(s->sources[i].frontier, g) > 0)
            g = s->sources[i].frontier;
    return g;
}

static int next_source(const struct core_search *s)
{
    int best = -1;
    for (size_t i = 0; i < s->nsources; i++) {
        if (s->sources[i].done)
            continue;
        if (best < 0 || core_pos_cmp(s->sources[i].frontier, s->sources[best].frontier) > 0)
            best = (int)i;
    }
    return best;
}

/* Rows of a partition still below its frontier, assuming rows spread
 * evenly over its month. */
static double rows_left(const struct source *src)
{
    const struct core_part *pt = &src->part;
    if (pt->lo_us == CORE_US_NINF || pt->hi_us == CORE_US_INF)
        return pt->rows;
    if (src->frontier.us >= pt->hi_us)
        return pt->rows;
    double span = (double)(pt->hi_us - pt->lo_us);
    double left = (double)(src->frontier.us - pt->lo_us);
    return left <= 0 ? 0 : pt->rows * left / span;
}

static size_t rows_needed(const struct core_search *s, size_t limit)
{
    return limit > s->page.count ? limit - s->page.count : 0;
}

/* The connection cancelled and drained our statement: the step is simply
 * sent again, frontiers only move on results. */
static void search_abandon(void *owner)
{
    struct core_search *s = owner;
    s->inflight = -1;
}

/* What the choice of the next step over src depends on. */
static struct core_step_input step_input(const struct core_search *s, const struct source *src,
                                         size_t need)
{
    return (struct core_step_input){
        .grams = s->grams != NULL,
        .indexable = s->indexable,
        .weak = s->weak,
        .contacts_indexable = s->contacts_indexable,
        .digits = *s->digits != '\0',
        .prefilter = *s->prefilter != '\0',
        .force = s->force,
        .contacts = src->kind == SRC_CONTACTS,
        .left = src->kind == SRC_PART ? rows_left(src) : 0,
        .need = need,
        .walked_rows = s->walked_rows,
        .walked_hits = s->walked_hits,
        .grams_rows = s->grams_rows,
        .grams_hits = s->grams_hits,
        .walk_ms = s->walk_ms,
        .bitmap_rows = s->bitmap_rows,
        .bitmap_ms = s->bitmap_ms,
        .scan_rows = s->scan_rows,
        .scan_ms = s->scan_ms,
    };
}

/* A statement being put together: its parameters, prepared name, text
 * (sql points at buf or at a constant) and the rows it covers. */
struct step_stmt {
    struct core_params p;
    char name[48];
    char buf[SCAN_BATCH_SQL];
    const char *sql;
    int64_t covered;
};

static void stmt_contacts(struct core_search *s, struct source *src,
                          const struct core_step *step, struct step_stmt *q)
{
    if (step->kind == CORE_STEP_CONTACTS_WALK) {
        core_param_int8(&q->p, src->walk_step);
        core_param_text(&q->p, s->pattern);
        core_param_text(&q->p, s->digits);
        snprintf(q->name, sizeof q->name, "convo_cw");
        q->sql = core_sql_contacts_walk;
        q->covered = src->walk_step;
        if (src->walk_step < 65536)
            src->walk_step *= 4;
        return;
    }
    core_param_text(&q->p, s->pattern);
    s->inflight_limit = step->limit;
    core_param_int8(&q->p, s->inflight_limit);
    if (step->kind == CORE_STEP_CONTACTS_GRAMS) {
        s->inflight_grams = true;
        core_param_text(&q->p, s->grams);
        snprintf(q->name, sizeof q->name, "convo_cg");
        q->sql = core_sql_contacts_grams;
    } else if (*s->digits) {
        core_param_text(&q->p, s->digits);
        snprintf(q->name, sizeof q->name, "convo_cbd");
        q->sql = core_sql_contacts_bitmap_digits;
    } else {
        snprintf(q->name, sizeof q->name, "convo_cb");
        q->sql = core_sql_contacts_bitmap;
    }
}

/* src's partition and, when the step may, the untouched ones that follow
 * it (s->batch): their names into tables, their rows into q->covered. */
static int stmt_tables(struct core_search *s, const struct source *src,
                       const struct core_step *step, const char **tables, struct step_stmt *q)
{
    tables[0] = src->part.name;
    s->nbatch = step->batch ? scan_batch(s, src, s->batch, step->batch_rows) : 0;
    for (int i = 0; i < s->nbatch; i++) {
        tables[i + 1] = s->sources[s->batch[i]].part.name;
        q->covered += (int64_t)s->sources[s->batch[i]].part.rows;
    }
    return 1 + s->nbatch;
}

/* A step that fetches a partition's matches: bitmap, grams or scan. */
static void stmt_fetch(struct core_search *s, struct source *src, const struct core_step *step,
                       double left, struct step_stmt *q)
{
    const char *op = s->caseless ? "LIKE" : "ILIKE";
    bool scan = step->kind == CORE_STEP_SCAN;
    core_param_text(&q->p, s->pattern);
    s->inflight_limit = step->limit;
    core_param_int8(&q->p, s->inflight_limit);
    bool pre = scan && *s->prefilter;
    if (pre)
        core_param_text(&q->p, s->prefilter);
    s->inflight_grams = step->kind == CORE_STEP_GRAMS;
    if (s->inflight_grams)
        core_param_text(&q->p, s->grams);
    snprintf(q->name, sizeof q->name, "convo_%s%s%u",
             s->inflight_grams ? "g" : !scan ? "b" : pre ? "sp" : "s",
             s->caseless ? "c" : "", src->part.oid);
    q->covered = (int64_t)left;
    q->sql = q->buf;
    if (step->kind == CORE_STEP_BITMAP) {
        core_sql_bitmap(q->buf, sizeof q->buf, src->part.name, op);
        return;
    }
    const char *tables[SCAN_BATCH_MAX];
    int ntables = stmt_tables(s, src, step, tables, q);
    if (scan)
        core_sql_scan(q->buf, sizeof q->buf, tables, ntables, op, pre);
    else
        core_sql_grams(q->buf, sizeof q->buf, tables, ntables, op);
    if (s->nbatch) /* partitions come and go: the text names it */
        snprintf(q->name + strlen(q->name), sizeof q->name - strlen(q->name), "_%016llx",
                 (unsigned long long)core_hash64(q->buf, strlen(q->buf), 0));
}

static void stmt_walk(struct core_search *s, struct source *src, struct step_stmt *q)
{
    core_param_int8(&q->p, src->walk_step);
    core_param_text(&q->p, s->pattern);
    snprintf(q->name, sizeof q->name, "convo_w%s%u", s->caseless ? "c" : "", src->part.oid);
    core_sql_walk(q->buf, sizeof q->buf, src->part.name, s->caseless ? "LIKE" : "ILIKE");
    q->sql = q->buf;
    q->covered = src->walk_step;
    if (src->walk_step < 65536)
        src->walk_step *= 2;
}

/* Choose the next step over source idx (search_step.c), send it, and
 * leave it running: the connection is busy with it until run() takes its
 * result. */
static enum core_status send_step(struct core_search *s, int idx, size_t limit)
{
    struct source *src = &s->sources[idx];
    struct core_step_input in = step_input(s, src, rows_needed(s, limit));
    struct core_step step = core_search_choose_step(&in);
    if (step.walk_step)
        src->walk_step = step.walk_step;
    struct step_stmt q; /* not zeroed: buf is 8 kB */
    q.p = (struct core_params){0};
    q.covered = 0;
    core_param_time(&q.p, src->frontier.us);
    core_param_int8(&q.p, src->frontier.id);
    s->inflight_grams = false;
    if (src->kind == SRC_CONTACTS)
        stmt_contacts(s, src, &step, &q);
    else if (step.kind == CORE_STEP_WALK)
        stmt_walk(s, src, &q);
    else
        stmt_fetch(s, src, &step, in.left, &q);
    s->sent_ms = core_now_ms();
    enum core_status st = core_conn_send(s->conn, q.name, q.sql, &q.p);
    if (st != CORE_OK)
        return st;
    s->inflight = idx;
    s->inflight_mode = step.kind == CORE_STEP_WALK || step.kind == CORE_STEP_CONTACTS_WALK
                     ? STEP_WALK : STEP_BITMAP;
    s->inflight_scan = step.kind == CORE_STEP_SCAN;
    if (!s->inflight_scan && !s->inflight_grams)
        s->nbatch = 0;
    s->inflight_rows = q.covered;
    core_conn_set_busy(s->conn, s, search_abandon);
    return CORE_OK;
}

static enum core_status apply_step(struct core_search *s, PGresult *r)
{
    struct source *src = &s->sources[s->inflight];
    int n = PQntuples(r);
    double took = core_now_ms() - s->sent_ms;
    if (getenv("CONVO_TRACE"))
        fprintf(stderr, "convo: %-6s %-28s %5d rows %8.2f ms%s%.0d\n",
                s->inflight_mode == STEP_WALK ? "walk" : s->inflight_scan ? "scan"
                : s->inflight_grams ? "grams" : "bitmap",
                src->kind == SRC_CONTACTS ? "contacts" : src->part.name, n, took,
                s->nbatch ? " and partitions: " : "", s->nbatch);
    if (src->kind == SRC_PART && s->inflight_mode == STEP_BITMAP && s->inflight_scan) {
        s->scan_ms += took;
        s->scan_rows += (double)s->inflight_rows;
    } else if (src->kind == SRC_PART && s->inflight_mode == STEP_BITMAP) {
        s->bitmap_ms += took;
        s->bitmap_rows += (double)s->inflight_rows;
        if (s->inflight_grams) { /* every match of the rows covered */
            s->grams_rows += (double)s->inflight_rows;
            s->grams_hits += n;
        }
    }
    if (s->inflight_mode == STEP_WALK) {
        int64_t hits = 0;
        bool ended = true;
        for (int i = 0; i < n; i++) {
            struct core_pos pos = {core_get_time(r, i, 1), core_get_int8(r, i, 2)};
            int32_t flags = core_get_int4(r, i, 3);
            if (flags & 2) {
                /* The last row of a full step: the source goes on below. */
                src->frontier = pos;
                ended = false;
            }
            if (flags & 1) {
                hits++;
                if (!add_item(s, pos, core_get_int4(r, i, 0)))
                    return CORE_ERR_NOMEM;
            }
        }
        int64_t read = s->inflight_rows;
        if (ended && src->kind == SRC_PART) {
            double left = rows_left(src);
            read = left < (double)read ? (int64_t)left : read;
        }
        if (src->kind == SRC_PART) {
            src->read_est += (double)read;
            if (!ended)
                src->read_exact += s->inflight_rows;
            s->walked_rows += read;
            s->walked_hits += hits;
            s->walk_ms += took;
        }
        src->done = ended;
        return CORE_OK;
    }
    for (int i = 0; i < n; i++) {
        struct core_pos pos = {core_get_time(r, i, 1), core_get_int8(r, i, 2)};
        if (!add_item(s, pos, core_get_int4(r, i, 0)))
            return CORE_ERR_NOMEM;
    }
    if (src->kind == SRC_PART) {
        src->read_est += rows_left(src);
        for (int i = 0; i < s->nbatch; i++)
            s->sources[s->batch[i]].read_est += s->sources[s->batch[i]].part.rows;
    }
    /* A full LIMIT means older matches may remain below the last one. */
    bool full = n > 0 && n >= s->inflight_limit;
    struct core_pos last = full ? (struct core_pos){core_get_time(r, n - 1, 1),
                                                    core_get_int8(r, n - 1, 2)}
                                : CORE_POS_BOTTOM;
    if (!full || (s->nbatch && last.us < src->part.lo_us))
        src->done = true;
    else
        src->frontier = last;
    /* The batch: wholly above the last row read means done; holding it
     * means searched down to it; wholly below it means not yet read. */
    for (int i = 0; i < s->nbatch; i++) {
        struct source *b = &s->sources[s->batch[i]];
        if (!full || last.us < b->part.lo_us)
            b->done = true;
        else if (last.us < b->part.hi_us)
            b->frontier = last;
    }
    s->nbatch = 0;
    return CORE_OK;
}

/* ---- turning candidates into rows --------------------------------------------- */

static enum core_status finalize(struct core_search *s, const struct item *batch, size_t n)
{
    struct core_strbuf ids = {0}, mids = {0}, ats = {0};
    bool ok = core_strbuf_printf(&ids, "{") && core_strbuf_printf(&mids, "{") && core_strbuf_printf(&ats, "{");
    for (size_t i = 0; ok && i < n; i++) {
        char when[CORE_TIME_LEN];
        core_format_time_sql(batch[i].pos.us, when);
        const char *sep = i ? "," : "";
        ok = core_strbuf_printf(&ids, "%s%d", sep, (int)batch[i].contact) &&
             core_strbuf_printf(&mids, "%s%lld", sep, (long long)batch[i].pos.id) &&
             core_strbuf_printf(&ats, "%s\"%s\"", sep, when);
    }
    ok = ok && core_strbuf_printf(&ids, "}") && core_strbuf_printf(&mids, "}") && core_strbuf_printf(&ats, "}");
    enum core_status st = CORE_ERR_NOMEM;
    PGresult *r = NULL;
    int *order = NULL;
    if (!ok)
        goto out;
    struct core_params p = {0};
    core_param_text(&p, ids.data);
    core_param_text(&p, mids.data);
    core_param_text(&p, ats.data);
    core_param_text(&p, s->pattern);
    core_param_text(&p, s->digits);
    core_param_time(&p, s->cursor.us);
    core_param_int8(&p, s->cursor.id);
    r = core_conn_exec(s->conn, "convo_finalize", core_sql_finalize, &p, &st);
    if (!r)
        goto out;
    order = malloc(n * sizeof *order);
    if (!order) {
        st = CORE_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = -1;
    for (int i = 0; i < PQntuples(r); i++) {
        int32_t ord = core_get_int4(r, i, 0);
        if (ord >= 1 && (size_t)ord <= n)
            order[ord - 1] = i;
    }
    st = CORE_OK;
    for (size_t i = 0; i < n && st == CORE_OK; i++) {
        int k = order[i];
        if (k < 0 || core_get_bool(r, k, 11))
            continue; /* gone meanwhile, or shown on an earlier page */
        char when[CORE_TIME_LEN];
        struct core_row row = core_row_at(r, k, 1, when);
        row.matched = (core_get_bool(r, k, 8) ? CORE_MATCH_CONTENT : 0) |
                      (core_get_bool(r, k, 9) ? CORE_MATCH_NAME : 0) |
                      (core_get_bool(r, k, 10) ? CORE_MATCH_PHONE : 0);
        st = core_page_add(&s->page, &row);
    }
out:
    free(order);
    PQclear(r);
    free(ids.data);
    free(mids.data);
    free(ats.data);
    return st;
}

/* Move every final candidate, newest first, into the page. */
static enum core_status emit(struct core_search *s, size_t limit)
{
    for (;;) {
        size_t need = rows_needed(s, limit);
        if (need == 0 || s->nitems == 0)
            return CORE_OK;
        struct core_pos g = global_frontier(s);
        qsort(s->items, s->nitems, sizeof *s->items, item_cmp_desc);
        struct item *batch = malloc(need * sizeof *batch);
        struct core_idset inbatch = {0};
        if (!batch)
            return CORE_ERR_NOMEM;
        size_t nb = 0;
        enum core_status st = CORE_OK;
        for (size_t i = 0; i < s->nitems && nb < need; i++) {
            const struct item *it = &s->items[i];
            if (core_pos_cmp(it->pos, g) < 0)
                break;
            if (core_idset_has(&s->seen, it->contact) || core_idset_has(&inbatch, it->contact))
                continue;
            if (!core_idset_add(&inbatch, it->contact)) {
                st = CORE_ERR_NOMEM;
                break;
            }
            batch[nb++] = *it;
        }
        if (st == CORE_OK && nb) {
            double t0 = core_now_ms();
            st = finalize(s, batch, nb);
            if (getenv("CONVO_TRACE"))
                fprintf(stderr, "convo: final  %-28zu %5zu rows %8.2f ms\n", nb, s->page.count,
                        core_now_ms() - t0);
        }
        /* Only now are they settled: shown, or ruled out for this walk. */
        for (size_t i = 0; st == CORE_OK && i < nb; i++)
            if (!core_idset_add(&s->seen, batch[i].contact))
                st = CORE_ERR_NOMEM;
        core_idset_free(&inbatch);
        free(batch);
        if (st != CORE_OK)
            return st;
        size_t w = 0;
        for (size_t i = 0; i < s->nitems; i++)
            if (!core_idset_has(&s->seen, s->items[i].contact))
                s->items[w++] = s->items[i];
        s->nitems = w;
        if (nb == 0)
            return CORE_OK;
    }
}

/* ---- running ------------------------------------------------------------------------ */

static void finish(struct core_search *s, size_t limit)
{
    s->complete = true;
    if (s->page.count >= limit && s->page.count > 0) {
        const struct core_row *last = &s->page.rows[s->page.count - 1];
        char cur[CORE_CURSOR_LEN + 1];
        core_cursor_encode(CORE_CURSOR_SEARCH, s->context,
                           (struct core_pos){last->created_at_us, last->message_id}, cur);
        core_page_set_cursor(&s->page, cur);
    }
}

static enum core_status run(struct core_search *s, size_t limit, double deadline)
{
    struct core_conn *conn = s->conn;
    enum core_status st;
    for (;;) {
        if (atomic_load(&conn->cancel_requested)) {
            if (s->inflight >= 0)
                core_conn_settle(conn);
            snprintf(conn->err, sizeof conn->err, "%s", core_status_message(CORE_ERR_CANCELLED));
            return CORE_ERR_CANCELLED;
        }
        if (s->inflight >= 0) {
            bool ready = core_conn_wait(conn, deadline, &st);
            if (st != CORE_OK) {
                s->inflight = -1;
                conn->busy = NULL;
                return st;
            }
            if (!ready)
                return CORE_OK;
            PGresult *r = core_conn_take(conn, &st);
            conn->busy = NULL;
            if (!r) {
                s->inflight = -1;
                return st;
            }
            st = apply_step(s, r);
            PQclear(r);
            s->inflight = -1;
            if (st != CORE_OK)
                return st;
        }
        st = emit(s, limit);
        if (st != CORE_OK)
            return st;
        if (s->page.count >= limit) {
            finish(s, limit);
            return CORE_OK;
        }
        int idx = next_source(s);
        if (idx < 0) {
            finish(s, limit);
            return CORE_OK;
        }
        /* Sent even when the budget is spent: the server works on it while
         * the caller draws what it has. */
        st = send_step(s, idx, limit);
        if (st != CORE_OK)
            return st;
    }
}

/* Messages examined so far: never more than the partitions hold. */
static int64_t scanned_rows(const struct core_search *s)
{
    int64_t total = 0;
    for (size_t i = 0; i < s->nsources; i++) {
        const struct source *src = &s->sources[i];
        if (src->kind != SRC_PART)
            continue;
        double cap = src->part.rows > 0 ? src->part.rows : (double)src->read_exact;
        double est = src->read_est < cap ? src->read_est : cap;
        total += src->read_exact > (int64_t)est ? src->read_exact : (int64_t)est;
    }
    return total;
}

/* Messages are searched completely from the cursor down to this instant;
 * 0 when every partition is done. */
static int64_t searched_back_to(const struct core_search *s)
{
    int64_t back = CORE_US_NINF;
    for (size_t i = 0; i < s->nsources; i++) {
        const struct source *src = &s->sources[i];
        if (src->kind == SRC_PART && !src->done && src->frontier.us > back)
            back = src->frontier.us;
    }
    if (back == CORE_US_NINF)
        return 0;
    if (back == CORE_US_INF) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    return back;
}

enum core_status core_search_next(struct core_search *s, size_t limit,
                                  double budget_ms, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    if (!s->conn)
        return CORE_ERR_USAGE; /* its connection was closed */
    if (s->recent)
        return core_recent(s->conn, s->recent_cursor, limit, out);
    limit = core_clamp_limit(limit);
    if (!s->complete) {
        enum core_status st = run(s, limit, budget_ms > 0 ? t0 + budget_ms : 0);
        if (st != CORE_OK) {
            /* Partitions may have been swapped or dropped: look again. */
            core_catalogue_stale(s->conn);
            return st;
        }
    }
    for (size_t i = 0; i < s->page.count; i++) {
        enum core_status st = core_page_add(out, &s->page.rows[i]);
        if (st != CORE_OK) {
            core_page_free(out);
            return st;
        }
    }
    /* A partial answer can be continued statelessly too, from its last
     * row: every row returned is final. */
    const char *cursor = s->page.next_cursor;
    char partial[CORE_CURSOR_LEN + 1];
    if (!s->complete && s->page.count > 0) {
        const struct core_row *last = &s->page.rows[s->page.count - 1];
        core_cursor_encode(CORE_CURSOR_SEARCH, s->context,
                           (struct core_pos){last->created_at_us, last->message_id}, partial);
        cursor = partial;
    }
    if (core_page_set_cursor(out, cursor) != CORE_OK) {
        core_page_free(out);
        return CORE_ERR_NOMEM;
    }
    out->complete = s->complete;
    out->scanned_rows = scanned_rows(s);
    out->searched_back_to_us = searched_back_to(s);
    out->elapsed_ms = core_now_ms() - t0;
    return CORE_OK;
}

void core_search_close(struct core_search *s)
{
    if (!s)
        return;
    if (s->conn && s->conn->busy == s)
        core_conn_settle(s->conn);
    core_conn_detach(&s->user);
    free(s->term);
    free(s->pattern);
    free(s->digits);
    free(s->prefilter);
    free(s->grams);
    free(s->recent_cursor);
    free(s->sources);
    free(s->batch);
    free(s->items);
    core_idset_free(&s->seen);
    core_page_free(&s->page);
    free(s);
}

enum core_status core_search(struct core_conn *conn, const char *term,
                             const char *cursor, size_t limit,
                             struct core_page *out)
{
    struct core_search *s;
    enum core_status st = core_search_open(conn, term, cursor, &s);
    if (st != CORE_OK) {
        core_page_init(out);
        return st;
    }
    st = core_search_next(s, limit, 0, out);
    core_search_close(s);
    return st;
}

/* core/search_step.c - one step of a search: the choice of the next step
 * (search_choose.c) turned into a statement with its parameters and sent,
 * and its answer applied: candidates found, frontiers moved, what the step
 * cost measured for the next choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "search_empty.h"
#include "search_int.h"
#include "search_sql.h"
#include "search_choose.h"

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
        .spans = s->spans != NULL,
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
    if (s->orphans) {
        /* the index the contacts' own steps use (search_choose.c) */
        char how = step->kind == CORE_STEP_CONTACTS_GRAMS ? 'g'
                 : step->kind == CORE_STEP_CONTACTS_BITMAP ? (*s->digits ? 'd' : 'b') : 's';
        core_param_text(&q->p, s->pattern);
        if (how != 'b')
            core_param_text(&q->p, how == 'g' ? s->grams : s->digits);
        snprintf(q->name, sizeof q->name, "convo_co%c", how);
        core_sql_contacts_orphans(q->buf, sizeof q->buf, how);
        q->sql = q->buf;
        s->inflight_orphans = true;
        s->inflight_limit = INT64_MAX;
        return;
    }
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
    const char *op = s->caseless ? "public.convo_match_caseless" : "public.convo_match";
    bool scan = step->kind == CORE_STEP_SCAN;
    core_param_text(&q->p, s->pattern);
    s->inflight_limit = step->limit;
    core_param_int8(&q->p, s->inflight_limit);
    bool pre = scan && *s->prefilter;
    if (pre)
        core_param_text(&q->p, s->prefilter);
    s->inflight_grams = step->kind == CORE_STEP_GRAMS;
    if (s->inflight_grams)
        core_param_text(&q->p, s->spans ? s->spans : s->grams);
    snprintf(q->name, sizeof q->name, "convo_%s%s%u",
             s->inflight_grams ? (s->spans ? "p" : "g") : !scan ? "b" : pre ? "sp" : "s",
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
        core_sql_grams(q->buf, sizeof q->buf, tables, ntables, op,
                       s->spans ? "public.convo_spans_any" : "public.convo_grams_any");
    if (s->nbatch) /* partitions come and go: the text names it */
        snprintf(q->name + strlen(q->name), sizeof q->name - strlen(q->name), "_%016llx",
                 (unsigned long long)core_hash64(q->buf, strlen(q->buf), 0));
}

static void stmt_walk(struct core_search *s, struct source *src, struct step_stmt *q)
{
    core_param_int8(&q->p, src->walk_step);
    core_param_text(&q->p, s->pattern);
    snprintf(q->name, sizeof q->name, "convo_w%s%u", s->caseless ? "c" : "", src->part.oid);
    core_sql_walk(q->buf, sizeof q->buf, src->part.name,
                  s->caseless ? "public.convo_match_caseless" : "public.convo_match");
    q->sql = q->buf;
    q->covered = src->walk_step;
    if (src->walk_step < 65536)
        src->walk_step *= 2;
}

/* The contacts without messages: one kind of step, applied as a bitmap
 * step's answer. */
static enum core_status send_empty(struct core_search *s, int idx, size_t limit)
{
    s->sent_ms = core_now_ms();
    s->inflight_grams = false;
    s->nbatch = 0;
    enum core_status st = core_search_empty_send(s, &s->sources[idx], rows_needed(s, limit));
    if (st != CORE_OK)
        return st;
    s->inflight = idx;
    s->inflight_mode = STEP_BITMAP;
    s->inflight_scan = false;
    s->inflight_rows = 0;
    core_conn_set_busy(s->conn, s, search_abandon);
    return CORE_OK;
}

/* Choose the next step over source idx (search_choose.c), send it, and
 * leave it running: the connection is busy with it until run() takes its
 * result. */
enum core_status core_search_send(struct core_search *s, int idx, size_t limit)
{
    struct source *src = &s->sources[idx];
    if (src->kind == SRC_EMPTY)
        return send_empty(s, idx, limit);
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
    s->inflight_orphans = false;
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
    s->inflight_mode = !s->inflight_orphans && (step.kind == CORE_STEP_WALK ||
                                                step.kind == CORE_STEP_CONTACTS_WALK)
                     ? STEP_WALK : STEP_BITMAP;
    s->inflight_scan = step.kind == CORE_STEP_SCAN;
    if (!s->inflight_scan && !s->inflight_grams)
        s->nbatch = 0;
    s->inflight_rows = q.covered;
    core_conn_set_busy(s->conn, s, search_abandon);
    return CORE_OK;
}

/* The contacts by pointer are done: their NULL pointers come next, at the
 * bottom (below the cursor, when it lies among them already). */
static void contacts_done(struct core_search *s, struct source *src)
{
    if (src->kind != SRC_CONTACTS || !src->done || s->orphans_done)
        return;
    if (s->orphans) {
        s->orphans = false;
        s->orphans_done = true;
        return;
    }
    s->orphans = true;
    src->done = false;
    src->frontier = s->cursor.us == CORE_US_NINF ? s->cursor
                                                 : (struct core_pos){CORE_US_NINF, INT64_MAX};
}

static enum core_status apply(struct core_search *s, PGresult *r);

enum core_status core_search_apply(struct core_search *s, PGresult *r)
{
    struct source *src = &s->sources[s->inflight];
    enum core_status st = apply(s, r);
    if (st == CORE_OK)
        contacts_done(s, src);
    return st;
}

static enum core_status apply(struct core_search *s, PGresult *r)
{
    struct source *src = &s->sources[s->inflight];
    int n = PQntuples(r);
    double took = core_now_ms() - s->sent_ms;
    if (s->trace)
        fprintf(stderr, "convo: %-6s %-28s %5d rows %8.2f ms%s%.0d\n",
                s->inflight_orphans ? "nulls"
                : s->inflight_mode == STEP_WALK ? "walk" : s->inflight_scan ? "scan"
                : s->inflight_grams ? "grams" : "bitmap",
                src->kind == SRC_CONTACTS ? "contacts" : src->kind == SRC_EMPTY ? "no messages"
                : src->part.name, n, took,
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

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

#include "internal.h"

struct core_part {
    unsigned oid;
    char name[160];
    int64_t lo_us, hi_us;
    double rows;
};

enum source_kind { SRC_PART, SRC_CONTACTS };
enum step_mode { STEP_WALK, STEP_BITMAP };

/* What a bitmap step costs per partition row, before one has been
 * measured, when the term's only trigrams are short words' (one row in
 * eight holds the word "ok"): about 28 ms for 280,000 rows, most of it
 * lowering candidates for ILIKE. */
#define WEAK_BITMAP_MS_PER_ROW 0.0001

/* A scan step reads up to this many partition rows: one statement for
 * several months saves starting workers for each, while a cancel still
 * stops it at once. */
#define SCAN_BATCH_ROWS 1500000.0
#define SCAN_BATCH_MAX 16
#define SCAN_BATCH_SQL 8192

/* What a prefiltered (parallel) scan step costs per partition row, before
 * one has been measured: about 20 ms for a partition of 280,000 rows when
 * few rows hold the term's punctuation. */
#define SCAN_PREFILTERED_MS_PER_ROW 0.00007

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

/* Contact ids already emitted or ruled out: open addressing, 0 = empty. */
struct idset {
    int32_t *slots;
    size_t cap, used;
};

struct core_search {
    struct core_conn *conn;     /* NULL once the connection was closed */
    struct core_search *next_open, **prev_open;
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
    struct idset seen;

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

static bool idset_has(const struct idset *s, int32_t id)
{
    if (!s->cap)
        return false;
    size_t i = ((uint32_t)id * 2654435761u) & (s->cap - 1);
    while (s->slots[i]) {
        if (s->slots[i] == id)
            return true;
        i = (i + 1) & (s->cap - 1);
    }
    return false;
}

static bool idset_add(struct idset *s, int32_t id)
{
    if ((s->used + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        int32_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return false;
        for (size_t i = 0; i < s->cap; i++) {
            int32_t v = s->slots[i];
            if (!v)
                continue;
            size_t j = ((uint32_t)v * 2654435761u) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = v;
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t i = ((uint32_t)id * 2654435761u) & (s->cap - 1);
    while (s->slots[i]) {
        if (s->slots[i] == id)
            return true;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = id;
    s->used++;
    return true;
}

static bool add_item(struct core_search *s, struct core_pos pos, int32_t contact)
{
    if (idset_has(&s->seen, contact))
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

/* ---- partitions ------------------------------------------------------------ */

/* Bounds come from the catalog, so new months are seen within seconds. */
static const char parts_sql[] =
    "SELECT c.oid::int8, quote_ident(n.nspname) || '.' || quote_ident(c.relname),"
    "       b[1]::timestamptz, b[2]::timestamptz, c.reltuples::float8,"
    "       pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"
    "  FROM pg_inherits i"
    "  JOIN pg_class c ON c.oid = i.inhrelid"
    "  JOIN pg_namespace n ON n.oid = c.relnamespace"
    "  LEFT JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),"
    "       'FROM \\(''([^'']*)''\\) TO \\(''([^'']*)''\\)') b ON true"
    " WHERE i.inhparent = 'messages'::regclass";

static enum core_status load_parts(struct core_conn *conn)
{
    double now = core_now_ms();
    if (conn->parts && conn->parts_loaded_ms > 0 && now - conn->parts_loaded_ms < 10000)
        return CORE_OK;
    struct core_params p = {0};
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_parts", parts_sql, &p, &st);
    if (!r)
        return st;
    size_t n = (size_t)PQntuples(r);
    struct core_part *parts = calloc(n ? n : 1, sizeof *parts);
    if (!parts) {
        PQclear(r);
        return CORE_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int k = (int)i;
        struct core_part *pt = &parts[i];
        pt->oid = (unsigned)core_get_int8(r, k, 0);
        snprintf(pt->name, sizeof pt->name, "%s", PQgetvalue(r, k, 1));
        bool dflt = core_get_bool(r, k, 5);
        pt->lo_us = dflt || PQgetisnull(r, k, 2) ? CORE_US_NINF : core_get_time(r, k, 2);
        pt->hi_us = dflt || PQgetisnull(r, k, 3) ? CORE_US_INF : core_get_time(r, k, 3);
        uint64_t bits = (uint64_t)core_get_int8(r, k, 4);
        double rows;
        memcpy(&rows, &bits, sizeof rows);
        pt->rows = rows > 0 ? rows : 0;
    }
    PQclear(r);
    free(conn->parts);
    conn->parts = parts;
    conn->nparts = n;
    conn->parts_loaded_ms = now;
    return CORE_OK;
}

/* ---- statements -------------------------------------------------------------- */

/* Walk: the newest $3 rows below ($1,$2), each tested. Returns the hits
 * and, when the step read all $3 rows, the last one read (rn = $3) so that
 * the next step starts there. row_number() rides on the index order: no
 * sort, no second pass. */
static void walk_sql(char *buf, size_t len, const char *table, const char *op)
{
    snprintf(buf, len,
             "SELECT contact_id, created_at, id, (rn = $3)::int4 * 2 + hit::int4 FROM ("
             " SELECT contact_id, created_at, id, content %s $4 AS hit,"
             "        row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn"
             "   FROM ONLY %s WHERE (created_at, id) < ($1, $2)"
             "  ORDER BY created_at DESC, id DESC LIMIT $3) s"
             " WHERE hit OR rn = $3",
             op, table);
}

/* Bitmap: the partition's matches below ($1,$2), newest $4 of them. The
 * OFFSET 0 fence keeps the planner from turning it into a walk, and keeps
 * the position test out of the scan (ANDed with a btree bitmap over the
 * whole partition it would cost more than the trigram part). */
static void bitmap_sql(char *buf, size_t len, const char *table, const char *op)
{
    snprintf(buf, len,
             "SELECT contact_id, created_at, id FROM ("
             " SELECT contact_id, created_at, id FROM ONLY %s"
             "  WHERE content %s $3 OFFSET 0) s"
             " WHERE (created_at, id) < ($1, $2)"
             " ORDER BY created_at DESC, id DESC LIMIT $4",
             table, op);
}

/* Grams: the partition's rows whose rare 1-2-grams include all of the
 * term's ($5), through the n-gram index of schema 006; exact for terms
 * pg_trgm cannot see (1-2 characters, punctuation, emoji, CJK, short words
 * beside punctuation). IS TRUE keeps the trigram index out of it. */
static void grams_sql(char *buf, size_t len, const char *const *tables, int ntables,
                      const char *op)
{
    size_t n = (size_t)snprintf(buf, len, "SELECT contact_id, created_at, id FROM (");
    for (int i = 0; i < ntables && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n,
                              "%s SELECT contact_id, created_at, id FROM ONLY %s"
                              "  WHERE public.convo_grams(content) OPERATOR(public.@>) $5::int4[]"
                              "    AND (content %s $3) IS TRUE",
                              i ? " UNION ALL" : "", tables[i], op);
    if (n < len)
        snprintf(buf + n, len - n,
                 " OFFSET 0) s WHERE (created_at, id) < ($1, $2)"
                 " ORDER BY created_at DESC, id DESC LIMIT $4");
}

/* Scan: for a term without trigrams, once walking shows it to be rare, a
 * (parallel) sequential scan of the partition reads rows cheaper than the
 * index-ordered walk. IS TRUE keeps the trigram index out of it: without a
 * trigram it would read the whole index. It also serves terms whose only
 * trigrams are common (`"ok"`, `l.o`, `I'd`: short words next to
 * punctuation), where the bitmap reads most of the partition anyway. With a
 * prefilter ($5, see core_prefilter_pattern) ILIKE lowers only the rows
 * that hold the term's punctuation; the planner keeps the written order of
 * two quals of equal cost, and AND stops at the first false. */
static void scan_sql(char *buf, size_t len, const char *const *tables, int ntables,
                     const char *op, bool prefilter)
{
    size_t n = (size_t)snprintf(buf, len, "SELECT contact_id, created_at, id FROM (");
    for (int i = 0; i < ntables && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n,
                              "%s SELECT contact_id, created_at, id FROM ONLY %s"
                              "  WHERE (%scontent %s $3) IS TRUE",
                              i ? " UNION ALL" : "", tables[i],
                              prefilter ? "content LIKE $5 AND " : "", op);
    if (n < len)
        snprintf(buf + n, len - n,
                 " OFFSET 0) s WHERE (created_at, id) < ($1, $2)"
                 " ORDER BY created_at DESC, id DESC LIMIT $4");
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

#define CONTACT_MATCH                                                       \
    "(name ILIKE $4 OR phone_number ILIKE $4"                               \
    " OR ($5 <> '' AND public.convo_digits(phone_number) LIKE $5))"

static const char contacts_walk_sql[] =
    "SELECT id, last_message_at, last_message_id, (rn = $3)::int4 * 2 + hit::int4 FROM ("
    " SELECT id, last_message_at, last_message_id, " CONTACT_MATCH " AS hit,"
    "        row_number() OVER (ORDER BY last_message_at DESC, last_message_id DESC) AS rn"
    "   FROM contacts WHERE last_message_id IS NOT NULL"
    "    AND (last_message_at, last_message_id) < ($1, $2)"
    "  ORDER BY last_message_at DESC, last_message_id DESC LIMIT $3) s"
    " WHERE hit OR rn = $3";

/* Each arm of the OR has its own trigram index; the position test stays
 * outside the fence, for the reason given at bitmap_sql. */
static const char contacts_bitmap_sql[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE name ILIKE $3 OR phone_number ILIKE $3 OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

static const char contacts_bitmap_digits_sql[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE name ILIKE $3 OR phone_number ILIKE $3"
    "     OR public.convo_digits(phone_number) LIKE $5 OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

static const char contacts_grams_sql[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE (public.convo_grams(name) OPERATOR(public.@>) $5::int4[]"
    "      OR public.convo_grams(phone_number) OPERATOR(public.@>) $5::int4[])"
    "    AND (name ILIKE $3 OR phone_number ILIKE $3) IS TRUE OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

/* Candidates in, rows out: the anchor message and contact, which fields
 * matched, and whether the conversation's anchor lies at or above the
 * cursor (then an earlier page showed it). */
static const char finalize_sql[] =
    "SELECT k.ord::int4, c.id, c.name, c.phone_number, m.id, m.direction = 'out',"
    "       m.content, m.created_at,"
    "       m.content ILIKE $4, c.name ILIKE $4,"
    "       (c.phone_number ILIKE $4 OR ($5 <> '' AND public.convo_digits(c.phone_number) LIKE $5)),"
    "       (c.last_message_at, c.last_message_id) >= ($6, $7) AND ("
    "          c.name ILIKE $4 OR c.phone_number ILIKE $4"
    "          OR ($5 <> '' AND public.convo_digits(c.phone_number) LIKE $5)"
    "          OR EXISTS (SELECT 1 FROM messages x WHERE x.contact_id = c.id"
    "                       AND x.created_at >= $6"  /* prunes partitions */
    "                       AND (x.created_at, x.id) >= ($6, $7) AND x.content ILIKE $4))"
    "  FROM unnest($1::int4[], $2::int8[], $3::timestamptz[]) WITH ORDINALITY k(cid, mid, at, ord)"
    "  JOIN contacts c ON c.id = k.cid"
    "  CROSS JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "         WHERE created_at = k.at AND id = k.mid LIMIT 1) m";

/* ---- opening ------------------------------------------------------------------ */

static enum core_status build_sources(struct core_search *s)
{
    enum core_status st = load_parts(s->conn);
    if (st != CORE_OK)
        return st;
    struct core_conn *conn = s->conn;
    s->sources = calloc(conn->nparts + 1, sizeof *s->sources);
    s->batch = calloc(SCAN_BATCH_MAX, sizeof *s->batch);
    if (!s->sources || !s->batch)
        return CORE_ERR_NOMEM;
    struct source *src = &s->sources[0];
    src->kind = SRC_CONTACTS;
    src->frontier = s->cursor;
    src->walk_step = 256;
    s->nsources = 1;
    for (size_t i = 0; i < conn->nparts; i++) {
        const struct core_part *pt = &conn->parts[i];
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
    s->next_open = conn->searches;
    if (conn->searches)
        conn->searches->prev_open = &s->next_open;
    s->prev_open = &conn->searches;
    conn->searches = s;
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
    s->pattern = core_like_pattern(term);
    s->digits = core_digits_pattern(term);
    s->prefilter = core_prefilter_pattern(term);
    if (!s->pattern || !s->digits || !s->prefilter)
        goto nomem;
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
        enum core_status gst = term_grams(s);
        if (gst != CORE_OK) {
            core_search_close(s);
            return gst;
        }
    }
    size_t ndigits = *s->digits ? strlen(s->digits) - 2 : 0;
    s->contacts_indexable = s->indexable && (ndigits == 0 || ndigits >= 3);
    enum core_status st = build_sources(s);
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

static enum core_status send_step(struct core_search *s, int idx, size_t limit)
{
    struct source *src = &s->sources[idx];
    struct core_params p = {0};
    char name[48], sql[SCAN_BATCH_SQL];
    size_t need = rows_needed(s, limit);
    core_param_time(&p, src->frontier.us);
    core_param_int8(&p, src->frontier.id);
    enum step_mode mode = STEP_WALK;
    /* The n-gram index serves terms the trigram index cannot (forcing a
     * trigram bitmap or a scan, for tests, sets it aside). */
    bool grams = s->grams && s->force != 'b' && s->force != 's';
    bool indexable = s->indexable || grams;
    bool scan = !indexable;
    int64_t covered = 0;
    s->inflight_grams = false;

    if (src->kind == SRC_CONTACTS) {
        /* Short words beside punctuation (`#1`) have only common trigrams
         * in names and phone numbers too. */
        if (grams && !*s->digits && (!s->contacts_indexable || s->weak)) {
            mode = STEP_BITMAP;
            s->inflight_grams = true;
            core_param_text(&p, s->pattern);
            s->inflight_limit = (int64_t)need + 1;
            core_param_int8(&p, s->inflight_limit);
            core_param_text(&p, s->grams);
            snprintf(name, sizeof name, "convo_cg");
            snprintf(sql, sizeof sql, "%s", contacts_grams_sql);
        } else if (s->contacts_indexable) {
            mode = STEP_BITMAP;
            core_param_text(&p, s->pattern);
            s->inflight_limit = (int64_t)need + 1;
            core_param_int8(&p, s->inflight_limit);
            const char *q = contacts_bitmap_sql;
            snprintf(name, sizeof name, "convo_cb");
            if (*s->digits) {
                core_param_text(&p, s->digits);
                q = contacts_bitmap_digits_sql;
                snprintf(name, sizeof name, "convo_cbd");
            }
            snprintf(sql, sizeof sql, "%s", q);
        } else {
            core_param_int8(&p, src->walk_step);
            core_param_text(&p, s->pattern);
            core_param_text(&p, s->digits);
            snprintf(name, sizeof name, "convo_cw");
            snprintf(sql, sizeof sql, "%s", contacts_walk_sql);
            covered = src->walk_step;
            if (src->walk_step < 65536)
                src->walk_step *= 4;
        }
    } else {
        double left = rows_left(src);
        if (s->walked_rows > 0) {
            /* What the walks so far say about the term, and what the steps
             * so far cost: walk until the page is full, or fetch this
             * partition's matches through its trigram index (or, without a
             * trigram, by a scan of the partition)? */
            double density = ((double)s->walked_hits + 0.5) / (double)s->walked_rows;
            double per_row = s->walk_ms > 0 ? s->walk_ms / (double)s->walked_rows : 0.0007;
            double to_walk = 1.5 * (double)(need + 1) / density;
            if (to_walk > left)
                to_walk = left;
            double walk_cost = to_walk * per_row;
            double scan_cost = s->scan_rows > 0 ? s->scan_ms / s->scan_rows * left
                             : *s->prefilter ? 2.0 + left * SCAN_PREFILTERED_MS_PER_ROW
                                             : 1.0 + left * per_row * 0.7;
            double other_cost = scan_cost;
            if (indexable) {
                /* A scan is tried only once a bitmap has shown what the
                 * term's trigrams really cost: rare terms never pay one. */
                double bitmap_cost = s->bitmap_rows > 0 ? s->bitmap_ms / s->bitmap_rows * left
                                   : s->weak && !grams ? 0.3 + left * WEAK_BITMAP_MS_PER_ROW
                                             : 0.3 + density * left * 0.005;
                /* The n-gram index reads only candidates: no scan beats it. */
                scan = !grams && s->bitmap_rows > 0 && scan_cost < bitmap_cost;
                if (!scan)
                    other_cost = bitmap_cost;
            }
            if (other_cost < walk_cost && left > 0) {
                mode = STEP_BITMAP;
            } else {
                src->walk_step = to_walk < 256 ? 256 : to_walk > 32768 ? 32768 : (int64_t)to_walk;
            }
        }
        if (s->force == 'w' || s->force == 'b' || s->force == 's' || s->force == 'g') {
            mode = s->force == 'w' ? STEP_WALK : STEP_BITMAP;
            scan = s->force == 's' || !indexable;
        }
        const char *op = s->caseless ? "LIKE" : "ILIKE";
        if (mode == STEP_BITMAP) {
            core_param_text(&p, s->pattern);
            s->inflight_limit = (int64_t)(4 * need + 256);
            core_param_int8(&p, s->inflight_limit);
            bool pre = scan && *s->prefilter;
            if (pre)
                core_param_text(&p, s->prefilter);
            s->inflight_grams = grams && !scan;
            if (s->inflight_grams)
                core_param_text(&p, s->grams);
            snprintf(name, sizeof name, "convo_%s%s%u",
                     s->inflight_grams ? "g" : !scan ? "b" : pre ? "sp" : "s",
                     s->caseless ? "c" : "", src->part.oid);
            covered = (int64_t)left;
            if (scan) {
                const char *tables[SCAN_BATCH_MAX];
                tables[0] = src->part.name;
                /* The first scan of an indexable term is a trial: one
                 * partition, so a wrong guess costs little. */
                bool sure = !indexable || s->scan_rows > 0 || s->force == 's';
                s->nbatch = sure ? scan_batch(s, src, s->batch, SCAN_BATCH_ROWS) : 0;
                for (int i = 0; i < s->nbatch; i++) {
                    tables[i + 1] = s->sources[s->batch[i]].part.name;
                    covered += (int64_t)s->sources[s->batch[i]].part.rows;
                }
                scan_sql(sql, sizeof sql, tables, 1 + s->nbatch, op, pre);
                if (s->nbatch) /* partitions come and go: the text names it */
                    snprintf(name + strlen(name), sizeof name - strlen(name), "_%016llx",
                             (unsigned long long)core_hash64(sql, strlen(sql), 0));
            } else if (s->inflight_grams) {
                /* After one grams step, a rare term reads a run of months
                 * in one statement: the matches expected in it stay under
                 * the LIMIT. */
                const char *tables[SCAN_BATCH_MAX];
                tables[0] = src->part.name;
                double density = ((double)s->walked_hits + s->grams_hits + 0.5) /
                                 ((double)s->walked_rows + s->grams_rows + 1);
                double max_rows = (double)s->inflight_limit / 2 / density;
                s->nbatch = s->bitmap_rows > 0
                          ? scan_batch(s, src, s->batch, max_rows < SCAN_BATCH_ROWS ? max_rows
                                                                                   : SCAN_BATCH_ROWS)
                          : 0;
                for (int i = 0; i < s->nbatch; i++) {
                    tables[i + 1] = s->sources[s->batch[i]].part.name;
                    covered += (int64_t)s->sources[s->batch[i]].part.rows;
                }
                grams_sql(sql, sizeof sql, tables, 1 + s->nbatch, op);
                if (s->nbatch)
                    snprintf(name + strlen(name), sizeof name - strlen(name), "_%016llx",
                             (unsigned long long)core_hash64(sql, strlen(sql), 0));
            } else {
                bitmap_sql(sql, sizeof sql, src->part.name, op);
            }
        } else {
            core_param_int8(&p, src->walk_step);
            core_param_text(&p, s->pattern);
            snprintf(name, sizeof name, "convo_w%s%u", s->caseless ? "c" : "", src->part.oid);
            walk_sql(sql, sizeof sql, src->part.name, op);
            covered = src->walk_step;
            if (src->walk_step < 65536)
                src->walk_step *= 2;
        }
    }
    s->sent_ms = core_now_ms();
    enum core_status st = core_conn_send(s->conn, name, sql, &p);
    if (st != CORE_OK)
        return st;
    s->inflight = idx;
    s->inflight_mode = mode;
    s->inflight_scan = mode == STEP_BITMAP && src->kind == SRC_PART && scan;
    if (!s->inflight_scan && !s->inflight_grams)
        s->nbatch = 0;
    s->inflight_rows = covered;
    s->conn->busy = s;
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

struct strbuf {
    char *data;
    size_t len, cap;
};

static bool sb_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static bool sb_printf(struct strbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL,
                          b->data ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if (b->data && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return true;
        }
        size_t cap = (b->cap ? b->cap : 256);
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return false;
        b->data = d;
        b->cap = cap;
    }
}

static enum core_status finalize(struct core_search *s, const struct item *batch, size_t n)
{
    struct strbuf ids = {0}, mids = {0}, ats = {0};
    bool ok = sb_printf(&ids, "{") && sb_printf(&mids, "{") && sb_printf(&ats, "{");
    for (size_t i = 0; ok && i < n; i++) {
        char when[CORE_TIME_LEN];
        core_format_time_sql(batch[i].pos.us, when);
        const char *sep = i ? "," : "";
        ok = sb_printf(&ids, "%s%d", sep, (int)batch[i].contact) &&
             sb_printf(&mids, "%s%lld", sep, (long long)batch[i].pos.id) &&
             sb_printf(&ats, "%s\"%s\"", sep, when);
    }
    ok = ok && sb_printf(&ids, "}") && sb_printf(&mids, "}") && sb_printf(&ats, "}");
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
    r = core_conn_exec(s->conn, "convo_finalize", finalize_sql, &p, &st);
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
        struct idset inbatch = {0};
        if (!batch)
            return CORE_ERR_NOMEM;
        size_t nb = 0;
        enum core_status st = CORE_OK;
        for (size_t i = 0; i < s->nitems && nb < need; i++) {
            const struct item *it = &s->items[i];
            if (core_pos_cmp(it->pos, g) < 0)
                break;
            if (idset_has(&s->seen, it->contact) || idset_has(&inbatch, it->contact))
                continue;
            if (!idset_add(&inbatch, it->contact)) {
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
            if (!idset_add(&s->seen, batch[i].contact))
                st = CORE_ERR_NOMEM;
        free(inbatch.slots);
        free(batch);
        if (st != CORE_OK)
            return st;
        size_t w = 0;
        for (size_t i = 0; i < s->nitems; i++)
            if (!idset_has(&s->seen, s->items[i].contact))
                s->items[w++] = s->items[i];
        s->nitems = w;
        if (nb == 0)
            return CORE_OK;
    }
}

/* ---- running ------------------------------------------------------------------------ */

void core_search_abandon(struct core_search *s)
{
    /* The step is simply sent again: frontiers only move on results. */
    s->inflight = -1;
}

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
    if (back == CORE_US_INF)
        return core_wall_us();
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
            s->conn->parts_loaded_ms = 0;
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

void core_search_detach_all(struct core_conn *conn)
{
    for (struct core_search *s = conn->searches; s; s = s->next_open) {
        s->conn = NULL;
        s->prev_open = NULL;
    }
    conn->searches = NULL;
}

void core_search_close(struct core_search *s)
{
    if (!s)
        return;
    if (s->conn && s->conn->busy == s)
        core_conn_settle(s->conn);
    if (s->prev_open) {
        *s->prev_open = s->next_open;
        if (s->next_open)
            s->next_open->prev_open = s->prev_open;
    }
    free(s->term);
    free(s->pattern);
    free(s->digits);
    free(s->prefilter);
    free(s->grams);
    free(s->recent_cursor);
    free(s->sources);
    free(s->batch);
    free(s->items);
    free(s->seen.slots);
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

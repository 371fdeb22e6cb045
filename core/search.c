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
 * - A step is one of seven kinds (enum core_step_kind, search_choose.h):
 *   over a partition, a walk (the newest N rows below the frontier, read in
 *   index order, each tested; exact cost, exact progress), a bitmap scan of
 *   its own trigram index, a probe of its n-gram index (terms trigrams
 *   cannot see), or a scan; over the contacts, a walk by latest message, or
 *   their trigram or n-gram indexes. Walks measure the term's density; when
 *   it says the rest of a partition holds too few matches to fill the page,
 *   an index step reads just those matches instead of the whole partition
 *   (the choice is search_choose.c, pure and unit-tested). Filtered terms
 *   (is:, after:, before:, with:) take search_filter.c's path, and the
 *   contacts without messages are a last source (search_empty.c).
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

#include "force.h"
#include "page.h"
#include "rows.h"
#include "search_empty.h"
#include "search_int.h"
#include "search_sql.h"
#include "term_pattern.h"

static struct core_pos pos_min(struct core_pos a, struct core_pos b)
{
    return core_pos_cmp(a, b) < 0 ? a : b;
}

/* ---- opening ------------------------------------------------------------------ */

static enum core_status build_sources(struct core_search *s)
{
    const struct core_part *parts;
    size_t nparts;
    enum core_status st = core_catalogue_parts(s->conn, &parts, &nparts);
    if (st != CORE_OK)
        return st;
    s->sources = calloc(nparts + 2, sizeof *s->sources);
    s->batch = calloc(SCAN_BATCH_MAX, sizeof *s->batch);
    if (!s->sources || !s->batch)
        return CORE_ERR_NOMEM;
    struct source *src = &s->sources[0];
    src->kind = SRC_CONTACTS;
    src->frontier = s->cursor;
    src->walk_step = 256;
    s->nsources = 1;
    /* A cursor among the contacts without messages: every conversation
     * was shown before it. */
    bool tail = core_search_pos_empty(s->cursor);
    src->done = tail;
    for (size_t i = 0; i < nparts && !tail; i++) {
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
    src = &s->sources[s->nsources++];
    src->kind = SRC_EMPTY;
    src->frontier = core_search_empty_start(s->cursor);
    return CORE_OK;
}

/* What the search makes of its term: its patterns, what indexes it can
 * use, how to compare (LIKE or ILIKE), its n-grams when they may help. */
static enum core_status search_term(struct core_search *s, const char *term)
{
    /* The indexes and the prefilter see the text folded (schema 013), so
     * what they can do is a question about the folded term. */
    char *folded = core_unaccent(term);
    s->pattern = core_like_pattern(term);
    s->digits = core_digits_pattern(term);
    s->prefilter = folded ? core_prefilter_pattern(folded) : NULL;
    if (!s->pattern || !s->digits || !s->prefilter) {
        free(folded);
        return CORE_ERR_NOMEM;
    }
    s->indexable = core_term_indexable(folded);
    s->weak = s->indexable && !core_term_has_word3(folded);
    bool grams = core_term_wants_grams(folded);
    free(folded);
    s->force = core_forced_step();
    s->trace = getenv("CONVO_TRACE") != NULL;
    /* ILIKE lowers every row it reads; a term without letters gives the
     * same answer with LIKE, four times cheaper. */
    s->caseless = true;
    for (const unsigned char *c = (const unsigned char *)term; *c; c++)
        if (*c >= 0x80 || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
            s->caseless = false;
    if (s->caseless)
        s->prefilter[0] = '\0'; /* LIKE is exact already */
    /* pg_trgm drops punctuation and symbols: `.com` or `e-mail` look up
     * words that are common (`come`, `mail...`) while their n-grams (`.c`,
     * `-m`) are rare; `€€€` or `🦊🦊🦊` has no trigram at all. And a
     * phrase of common words is found by what lies across its spaces
     * (schema 016), which no trigram or n-gram sees. */
    enum core_status st = core_search_keys(s, term, grams);
    if (st != CORE_OK)
        return st;
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

/* A term with filter words: its own statements (search_filter.c). Its
 * cursors are not those of the same term searched literally. */
static enum core_status open_filtered(struct core_search *s, const char *term,
                                      const char *cursor)
{
    s->filtered = true;
    s->context = core_term_context(term) ^ UINT64_C(0x66696c7465727321); /* "filters!" */
    if (core_page_cursor(s->conn, cursor, CORE_CURSOR_SEARCH, s->context, CORE_POS_TOP,
                         &s->cursor) != CORE_OK)
        return CORE_ERR_CURSOR;
    return core_search_filter_open(s);
}

enum core_status core_search_open(struct core_conn *conn, const char *term,
                                  const char *cursor, struct core_search **out)
{
    return core_search_open_with(conn, term, cursor, 0, out);
}

enum core_status core_search_open_with(struct core_conn *conn, const char *term,
                                       const char *cursor, unsigned flags,
                                       struct core_search **out)
{
    *out = NULL;
    if (!term)
        term = "";
    if (core_term_check(term) != CORE_OK) {
        snprintf(conn->err, sizeof conn->err, "invalid search term: %s",
                 core_term_problem(term));
        return CORE_ERR_TERM;
    }
    core_conn_begin(conn);
    struct core_search *s = calloc(1, sizeof *s);
    if (!s)
        return CORE_ERR_NOMEM;
    s->conn = conn;
    core_conn_attach(conn, &s->user, search_detach);
    s->inflight = -1;
    core_page_init(&s->page);
    char why[sizeof conn->err];
    if (core_filter_parse(term, (flags & CORE_SEARCH_LITERAL) != 0, core_wall_us(), &s->filter,
                          why, sizeof why)) {
        snprintf(conn->err, sizeof conn->err, "%s", why);
        core_search_close(s);
        return CORE_ERR_TERM;
    }
    if (s->filter.nwords > CORE_WORDS_MAX) {
        snprintf(conn->err, sizeof conn->err, "invalid search term: more than %d words",
                 CORE_WORDS_MAX);
        core_search_close(s);
        return CORE_ERR_TERM;
    }
    /* The text searched: its one word, or the words joined. Cursors
     * belong to the whole term (s->context). */
    s->term = strdup(s->filter.text);
    if (!s->term)
        goto nomem;
    /* Filters or several words: search_filter.c's statements. */
    if (s->filter.any || s->filter.nwords > 1) {
        enum core_status st = open_filtered(s, term, cursor);
        if (st != CORE_OK) {
            core_search_close(s);
            return st;
        }
        *out = s;
        return CORE_OK;
    }
    const char *text = s->term;
    if (!*text) {
        s->recent = true;
        struct core_pos pos;
        if (core_page_cursor(conn, cursor, CORE_CURSOR_RECENT, 0, CORE_POS_TOP, &pos) != CORE_OK) {
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
    if (core_page_cursor(conn, cursor, CORE_CURSOR_SEARCH, s->context, CORE_POS_TOP,
                         &s->cursor) != CORE_OK) {
        core_search_close(s);
        return CORE_ERR_CURSOR;
    }
    enum core_status st = search_term(s, text);
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

/* ---- running ------------------------------------------------------------------------ */

/* The source with the greatest frontier: the one the next step advances. */
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

/* A cursor of this search at pos, into page. */
static enum core_status cursor_at(const struct core_search *s, struct core_page *page,
                                  struct core_pos pos)
{
    char cur[CORE_CURSOR_LEN + 1];
    core_cursor_encode(CORE_CURSOR_SEARCH, s->context, pos, cur);
    return core_page_set_cursor(page, cur);
}

/* The page is complete; a full one continues below its last row (a
 * cursor that cannot be kept is an error, not the end of the results). */
static enum core_status finish(struct core_search *s, size_t limit)
{
    s->complete = true;
    if (s->page.count >= limit && s->page.count > 0)
        return cursor_at(s, &s->page, s->keys[s->page.count - 1]);
    return CORE_OK;
}

/* A step lost with its server: true when it can be sent again (a reader
 * that may move to another server, at most twice per search); frontiers
 * move only on results, so nothing is skipped or read twice. */
static bool resend(struct core_search *s, enum core_status st)
{
    if (st != CORE_ERR_LOST || !core_conn_may_move(s->conn) || s->resent >= 2)
        return false;
    s->resent++;
    s->inflight = -1;
    s->nbatch = 0;
    return true; /* the next send reconnects (core_conn_ready) */
}

static enum core_status run(struct core_search *s, size_t limit, double deadline)
{
    struct core_conn *conn = s->conn;
    enum core_status st;
    for (;;) {
        if (core_conn_cancelled(conn)) {
            if (s->inflight >= 0)
                core_conn_settle(conn);
            snprintf(conn->err, sizeof conn->err, "%s", core_status_message(CORE_ERR_CANCELLED));
            return CORE_ERR_CANCELLED;
        }
        if (s->inflight >= 0) {
            bool ready = core_conn_wait(conn, deadline, &st);
            if (st != CORE_OK) {
                core_conn_set_busy(conn, NULL, NULL);
                if (resend(s, st))
                    continue;
                s->inflight = -1;
                return st;
            }
            if (!ready)
                return CORE_OK;
            PGresult *r = core_conn_take(conn, &st);
            core_conn_set_busy(conn, NULL, NULL);
            if (!r) {
                if (resend(s, st))
                    continue;
                s->inflight = -1;
                return st;
            }
            st = core_search_apply(s, r);
            PQclear(r);
            s->inflight = -1;
            if (st != CORE_OK)
                return st;
        }
        st = core_search_emit(s, limit);
        if (st != CORE_OK)
            return st;
        int idx = next_source(s);
        if (s->page.count >= limit || idx < 0)
            return finish(s, limit);
        /* Sent even when the budget is spent: the server works on it while
         * the caller draws what it has. */
        st = core_search_send(s, idx, limit);
        if (st != CORE_OK && !resend(s, st))
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
    if (s->filtered && !s->complete) {
        enum core_status st = core_search_filter_run(s, limit,
                                                     budget_ms > 0 ? t0 + budget_ms : 0);
        if (st != CORE_OK) {
            core_catalogue_stale(s->conn);
            return st;
        }
    } else if (!s->complete) {
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
    /* A partial answer can be continued statelessly too: from its last
     * row (every row returned is final), or, when it has none yet, from
     * where the search stopped (everything at or above the global frontier
     * was examined and held no conversation not shown before). */
    enum core_status st;
    if (!s->complete && out->count > 0)
        st = cursor_at(s, out, s->keys[out->count - 1]);
    else if (!s->complete && s->filtered) /* the months above were read */
        st = cursor_at(s, out, (struct core_pos){s->searched_back, INT64_MIN});
    else if (!s->complete)
        st = cursor_at(s, out, global_frontier(s));
    else
        st = core_page_set_cursor(out, s->page.next_cursor);
    if (st != CORE_OK) {
        core_page_free(out);
        return CORE_ERR_NOMEM;
    }
    out->complete = s->complete;
    out->scanned_rows = s->filtered ? s->scanned : scanned_rows(s);
    out->searched_back_to_us = s->filtered ? s->searched_back : searched_back_to(s);
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
    free(s->spans);
    free(s->recent_cursor);
    core_search_filter_free(s);
    core_search_words_free(s);
    core_filter_free(&s->filter);
    free(s->with_ids);
    free(s->name_ids);
    free(s->sources);
    free(s->batch);
    free(s->items);
    free(s->keys);
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

/* core/search_emit.c - from final candidates to rows: one statement per
 * batch fetches each candidate's message and contact, says which fields
 * matched, and drops a conversation an earlier page showed (its anchor,
 * the newest match, lies above the cursor). */
#include <stdio.h>
#include <stdlib.h>

#include "page.h"
#include "rows.h"
#include "search_empty.h"
#include "search_int.h"
#include "search_sql.h"
#include "strbuf.h"

static int item_cmp_desc(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    return -core_pos_cmp(x->pos, y->pos);
}

/* What became of a candidate: shown or ruled out (its conversation is
 * settled), or dropped (its message is gone: the contact's other
 * candidates stay). */
enum outcome { SETTLED, DROPPED };

/* A page row at key: the contact of core_sql_finalize's row k, the message
 * of row km of src from column col (id, outbound, content, created_at). */
static enum core_status emit_row(struct core_search *s, const PGresult *r, int k,
                                 const PGresult *src, int km, int col, unsigned matched,
                                 struct core_pos key)
{
    char when[CORE_TIME_LEN];
    struct core_row row = {
        .contact_id = core_get_int4(r, k, 1),
        .name = PQgetvalue(r, k, 2),
        .phone_number = PQgetvalue(r, k, 3),
        .message_id = core_get_int8(src, km, col),
        .outbound = core_get_bool(src, km, col + 1),
        .content = PQgetvalue(src, km, col + 2),
        .created_at_us = core_get_time(src, km, col + 3),
        .matched = matched,
    };
    core_format_time(row.created_at_us, when);
    row.created_at = when;
    return core_search_page_add(s, &row, key);
}

/* One candidate's row k: shown at its key, or what else became of it. A
 * conversation found by name or phone shows the contact's newest message
 * (the pointer's, or from fb when the pointer is stale) at the place the
 * walk found it (its pointer's, unless a content match is newer): with a
 * stale pointer the two differ, and only the place can be found again by
 * the pages after this one (see core_sql_finalize). */
static enum core_status settle(struct core_search *s, const PGresult *r, int k,
                               const PGresult *fb, const struct item *it, enum outcome *out)
{
    *out = SETTLED;
    if (k < 0 || core_get_bool(r, k, 11))
        return CORE_OK; /* the contact is gone, or an earlier page showed it */
    unsigned who = (core_get_bool(r, k, 9) ? CORE_MATCH_NAME : 0) |
                   (core_get_bool(r, k, 10) ? CORE_MATCH_PHONE : 0);
    if (!who) {
        if (PQgetisnull(r, k, 4)) {
            *out = DROPPED; /* deleted meanwhile: an older match may stand */
            return CORE_OK;
        }
        unsigned content = core_get_bool(r, k, 8) ? CORE_MATCH_CONTENT : 0;
        return emit_row(s, r, k, r, k, 4, content | who, it->pos);
    }
    if (!core_get_bool(r, k, 17)) {
        unsigned content = core_get_bool(r, k, 16) ? CORE_MATCH_CONTENT : 0;
        return emit_row(s, r, k, r, k, 12, content | who, it->pos);
    }
    int32_t cid = core_get_int4(r, k, 1);
    for (int j = 0; fb && j < PQntuples(fb); j++)
        if (core_get_int4(fb, j, 0) == cid)
            return emit_row(s, r, k, fb, j, 3, who, it->pos);
    return CORE_OK; /* no message left: not a conversation */
}

/* The newest messages of the contacts of r whose pointer is stale (column
 * 17); NULL with *st == CORE_OK when there are none (the usual case). */
static PGresult *stale_newest(struct core_search *s, const PGresult *r, enum core_status *st)
{
    *st = CORE_OK;
    struct core_strbuf ids = {0};
    bool ok = true;
    for (int i = 0; i < PQntuples(r) && ok; i++)
        if (core_get_bool(r, i, 17))
            ok = core_strbuf_printf(&ids, "%s%d", ids.len ? "," : "{", core_get_int4(r, i, 1));
    if (ok && ids.len == 0)
        return NULL;
    if (!ok || !core_strbuf_printf(&ids, "}")) {
        free(ids.data);
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    struct core_params p = {0};
    core_param_text(&p, ids.data);
    PGresult *fb = core_conn_exec(s->conn, "convo_recent_newest", core_rows_newest_sql, &p, st);
    free(ids.data);
    return fb;
}

static enum core_status finalize(struct core_search *s, const struct item *batch, size_t n,
                                 enum outcome *outcome)
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
    PGresult *r = NULL, *fb = NULL;
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
    fb = stale_newest(s, r, &st);
    if (st != CORE_OK)
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
    for (size_t i = 0; i < n && st == CORE_OK; i++)
        st = settle(s, r, order[i], fb, &batch[i], &outcome[i]);
out:
    free(order);
    PQclear(fb);
    PQclear(r);
    free(ids.data);
    free(mids.data);
    free(ats.data);
    return st;
}

/* Take out the candidate of contact at pos. */
static void item_drop(struct core_search *s, int32_t contact, struct core_pos pos)
{
    for (size_t i = 0; i < s->nitems; i++)
        if (s->items[i].contact == contact && core_pos_cmp(s->items[i].pos, pos) == 0) {
            s->items[i] = s->items[--s->nitems];
            return;
        }
}

enum core_status core_search_emit(struct core_search *s, size_t limit)
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
        enum outcome *outcome = malloc(need * sizeof *outcome);
        if (!outcome) {
            free(batch);
            return CORE_ERR_NOMEM;
        }
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
            /* Sorted: contacts without messages (at -infinity) come last. */
            size_t conv = 0;
            while (conv < nb && !core_search_pos_empty(batch[conv].pos))
                conv++;
            st = conv ? finalize(s, batch, conv, outcome) : CORE_OK;
            for (size_t i = conv; i < nb; i++)
                outcome[i] = SETTLED;
            if (st == CORE_OK && conv < nb)
                st = core_search_empty_final(s, batch + conv, nb - conv);
            if (s->trace)
                fprintf(stderr, "convo: final  %-28zu %5zu rows %8.2f ms\n", nb, s->page.count,
                        core_now_ms() - t0);
        }
        /* Only now are they settled: shown, or ruled out for this walk;
         * or their candidate dropped, the contact still open. */
        for (size_t i = 0; st == CORE_OK && i < nb; i++) {
            if (outcome[i] == DROPPED)
                item_drop(s, batch[i].contact, batch[i].pos);
            else if (!core_idset_add(&s->seen, batch[i].contact))
                st = CORE_ERR_NOMEM;
        }
        core_idset_free(&inbatch);
        free(batch);
        free(outcome);
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

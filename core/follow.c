/* core/follow.c - new messages as they commit, for convo-query follow.
 *
 * Message ids come from a sequence when a row is inserted, not when it
 * commits, so a message may commit after others with greater ids. A follow
 * therefore never asks "ids above the last one printed": it asks the
 * changed contacts for every id above the start mark and drops the ids it
 * printed already. Those are kept as ranges of consecutive ids, which merge
 * as late commits fill the holes, so memory grows only with ids that never
 * commit (rolled back or deleted before they were seen), not with traffic. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "page.h"
#include "rows.h"
#include "session.h"

struct range {
    int64_t lo, hi;
};

struct core_follow {
    struct core_conn *conn;
    int64_t low;             /* every id <= low is old or printed */
    struct range *printed;   /* ids > low already printed, ascending, disjoint */
    size_t nprinted, cap;
};

static const char start_sql[] =
    "SELECT coalesce(pg_sequence_last_value("
    "pg_get_serial_sequence('messages', 'id')::regclass), 0)::int8";

#define FOLLOW_COLS "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES

static const char some_sql[] =
    FOLLOW_COLS " WHERE m.contact_id = ANY ($2::int4[]) AND m.id > $1 ORDER BY m.id";
static const char all_sql[] = FOLLOW_COLS " WHERE m.id > $1 ORDER BY m.id";

/* Index of the first range with hi >= id - 1 (the one id could join). */
static size_t range_find(const struct core_follow *f, int64_t id)
{
    size_t lo = 0, hi = f->nprinted;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f->printed[mid].hi < id - 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool printed_has(const struct core_follow *f, int64_t id)
{
    if (id <= f->low)
        return true;
    size_t i = range_find(f, id + 1);
    return i < f->nprinted && f->printed[i].lo <= id && id <= f->printed[i].hi;
}

static enum core_status printed_add(struct core_follow *f, int64_t id)
{
    size_t i = range_find(f, id);
    if (i < f->nprinted && f->printed[i].lo <= id + 1) {
        struct range *r = &f->printed[i];
        if (id < r->lo)
            r->lo = id;
        if (id > r->hi)
            r->hi = id;
        if (i + 1 < f->nprinted && f->printed[i + 1].lo <= r->hi + 1) {
            r->hi = f->printed[i + 1].hi;
            memmove(&f->printed[i + 1], &f->printed[i + 2],
                    (f->nprinted - i - 2) * sizeof *f->printed);
            f->nprinted--;
        }
    } else {
        if (f->nprinted == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 16;
            struct range *p = realloc(f->printed, cap * sizeof *p);
            if (!p)
                return CORE_ERR_NOMEM;
            f->printed = p;
            f->cap = cap;
        }
        memmove(&f->printed[i + 1], &f->printed[i], (f->nprinted - i) * sizeof *f->printed);
        f->printed[i] = (struct range){id, id};
        f->nprinted++;
    }
    /* The first range touching the mark moves the mark. */
    if (f->nprinted && f->printed[0].lo <= f->low + 1) {
        f->low = f->printed[0].hi;
        memmove(&f->printed[0], &f->printed[1], (f->nprinted - 1) * sizeof *f->printed);
        f->nprinted--;
    }
    return CORE_OK;
}

enum core_status core_follow_open(struct core_conn *conn, struct core_follow **out)
{
    *out = NULL;
    /* Listen first: what commits after the mark is read is then heard. */
    enum core_status st = core_listen(conn);
    if (st != CORE_OK)
        return st;
    struct core_params p = {0};
    PGresult *r = core_conn_exec(conn, "convo_follow_start", start_sql, &p, &st);
    if (!r)
        return st;
    struct core_follow *f = calloc(1, sizeof *f);
    if (!f) {
        PQclear(r);
        return CORE_ERR_NOMEM;
    }
    f->conn = conn;
    f->low = core_get_int8(r, 0, 0);
    PQclear(r);
    *out = f;
    return CORE_OK;
}

/* The ids of changes as one int4[] literal ("{1,2,3}"). Caller frees. */
static char *id_array(const struct core_changes *ch)
{
    char *s = malloc(ch->count * 12 + 3);
    if (!s)
        return NULL;
    size_t n = 0;
    s[n++] = '{';
    for (size_t i = 0; i < ch->count; i++)
        n += (size_t)sprintf(s + n, "%s%ld", i ? "," : "", (long)ch->contact_ids[i]);
    s[n++] = '}';
    s[n] = '\0';
    return s;
}

enum core_status core_follow_next(struct core_follow *f, struct core_page *out)
{
    double t0 = core_now_ms();
    core_page_init(out);
    struct core_changes ch;
    enum core_status st = core_changes_take(f->conn, &ch);
    if (st == CORE_ERR_LOST && core_conn_reset(f->conn) == CORE_OK)
        st = core_changes_take(f->conn, &ch); /* says all: read everything new */
    if (st != CORE_OK)
        return st;
    if (!ch.all && ch.count == 0)
        return CORE_OK;
    struct core_params p = {0};
    core_param_int8(&p, f->low);
    char *ids = NULL;
    if (!ch.all) {
        ids = id_array(&ch);
        if (!ids) {
            core_changes_free(&ch);
            return CORE_ERR_NOMEM;
        }
        core_param_text(&p, ids);
    }
    PGresult *r = core_conn_exec(f->conn, ch.all ? "convo_follow_all" : "convo_follow_some",
                                 ch.all ? all_sql : some_sql, &p, &st);
    free(ids);
    core_changes_free(&ch);
    if (!r) {
        if (st == CORE_ERR_LOST)
            f->conn->missed = true; /* ask everything again on reconnect */
        return st;
    }
    for (int i = 0; i < PQntuples(r) && st == CORE_OK; i++) {
        int64_t id = core_get_int8(r, i, 3);
        if (printed_has(f, id))
            continue;
        char when[CORE_TIME_LEN];
        struct core_row row = core_row_at(r, i, 0, when);
        st = core_page_add(out, &row);
        if (st == CORE_OK)
            st = printed_add(f, id);
    }
    PQclear(r);
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

void core_follow_close(struct core_follow *f)
{
    if (!f)
        return;
    free(f->printed);
    free(f);
}

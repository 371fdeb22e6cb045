/* core/follow.c - new messages as they commit, for convo-query follow.
 *
 * "New" is what the server says committed after the follow started: a row
 * whose inserting transaction the start snapshot does not see (still open
 * then, or begun later). Ids cannot say it: they come from a sequence when
 * a row is inserted, not when it commits, a writer may choose its own (below
 * the sequence), and they are unique only together with created_at. On
 * each notification the changed contacts are asked for their new rows, and
 * those printed already are dropped, by (created_at, id): an edit of a
 * printed message is not printed again, another message with the same id
 * is. The set of printed positions grows with what was printed (16 bytes a
 * message, half full at most). */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "live.h"
#include "page.h"
#include "posset.h"
#include "rows.h"
#include "session.h"

struct core_follow {
    struct core_conn *conn;
    char *start;                 /* the start snapshot, pg_snapshot text */
    struct core_posset printed;  /* positions printed */
};

static const char start_sql[] = "SELECT pg_current_snapshot()::text";

/* xmin is a 32-bit xid; pg_visible_in_snapshot takes a 64-bit one. A live
 * row's xid lies within 2^31 of the next one, so its epoch is the next
 * xid's, or the one before when its low half is above the next's. */
#define FOLLOW_NEW                                                                   \
    " NOT pg_visible_in_snapshot((((x.nx >> 32)"                                     \
    "     - (m.xmin::text::int8 > (x.nx & 4294967295))::int4) << 32"                 \
    "     | m.xmin::text::int8)::text::xid8, $1::pg_snapshot)"
#define FOLLOW_FROM                                                                  \
    "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES                                \
    " CROSS JOIN (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::int8 AS nx) x"

static const char some_sql[] =
    FOLLOW_FROM " WHERE m.contact_id = ANY ($2::int4[]) AND" FOLLOW_NEW
    " ORDER BY m.id, m.created_at";
static const char all_sql[] = FOLLOW_FROM " WHERE" FOLLOW_NEW " ORDER BY m.id, m.created_at";

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
    f->start = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!f->start) {
        free(f);
        return CORE_ERR_NOMEM;
    }
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
    core_param_text(&p, f->start);
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
            core_live_missed(f->conn); /* ask everything again on reconnect */
        return st;
    }
    for (int i = 0; i < PQntuples(r) && st == CORE_OK; i++) {
        char when[CORE_TIME_LEN];
        struct core_row row = core_row_at(r, i, 0, when);
        struct core_pos pos = {row.created_at_us, row.message_id};
        if (core_posset_has(&f->printed, pos))
            continue;
        st = core_page_add(out, &row);
        if (st == CORE_OK && !core_posset_add(&f->printed, pos))
            st = CORE_ERR_NOMEM;
    }
    PQclear(r);
    out->elapsed_ms = core_now_ms() - t0;
    return st;
}

void core_follow_close(struct core_follow *f)
{
    if (!f)
        return;
    core_posset_free(&f->printed);
    free(f->start);
    free(f);
}

/* core/recent_check.c - the check of the rows a recent statement read from
 * contacts alone (the pointer and its copy, schema 012): each row must
 * still be its contact's newest message, as the copy shows it. One
 * statement for the page, against the partitions at or after the oldest
 * pointer of the page only, and each row probes only the months up to now:
 * that nothing lies beyond is one look at the time index for the page.
 *
 * A session's first check is planned for its values (the oldest pointer a
 * literal): the planner prunes the older partitions before it opens them,
 * so a fresh backend (a one-shot convo-query) never loads them. Later
 * checks run the prepared statement: its generic plan, built once per
 * session over every partition, prunes at executor start-up and is not
 * planned again, which is cheaper for a session that reads many pages. */
#include <stdlib.h>

#include "base.h"
#include "rows.h"
#include "strbuf.h"

/* The contacts whose row is wrong: their newest message at or after the
 * pointer's time is not the pointer's message as the copy reads (it is
 * gone, another contact's, edited behind the triggers' back, or a newer
 * one exists). Each row probes the partitions from the pointer's to
 * FUTURE's (pruned at run time by the pointer's time); the months after
 * FUTURE, empty unless messages were dated ahead, are looked at once for
 * the page through their time index (an InitPlan), and only when they
 * hold a message is each row's contact looked for there. That saves a
 * probe of each empty month ahead (and of the default partition) per row:
 * 150 buffers for page 1 instead of 450. IDS, US, MIDS and SUMS: arrays of
 * contact ids, pointer times (microseconds), pointer ids and the copies'
 * digests; OLDEST: the oldest pointer time; FUTURE: a time after now. */
#define CHECK_SQL(IDS, US, MIDS, SUMS, OLDEST, FUTURE)                                  \
    "SELECT k.cid FROM unnest(" IDS "::int4[], " US "::int8[], " MIDS "::int8[], "     \
    SUMS "::text[]) k(cid, us, mid, sum)"                                               \
    " CROSS JOIN LATERAL (SELECT public.convo_us_time(k.us) AS at) t"                   \
    " LEFT JOIN LATERAL (SELECT m.created_at, m.id,"                                    \
    "                           md5(m.direction || ' ' || m.content) AS sum FROM messages m" \
    "         WHERE m.created_at >= " OLDEST " AND m.created_at < " FUTURE                \
    "           AND m.contact_id = k.cid AND m.created_at >= t.at"                      \
    "         ORDER BY m.created_at DESC, m.id DESC LIMIT 1) p ON true"                 \
    " WHERE (p.created_at, p.id, p.sum) IS DISTINCT FROM (t.at, k.mid, k.sum)"          \
    "    OR ((SELECT EXISTS (SELECT 1 FROM messages a WHERE a.created_at >= " FUTURE "))" \
    "        AND EXISTS (SELECT 1 FROM messages a WHERE a.created_at >= " FUTURE          \
    "                      AND a.contact_id = k.cid))"
static const char check_literal[] =
    CHECK_SQL("'%s'", "'%s'", "'%s'", "'%s'", "public.convo_us_time(%lld)",
              "public.convo_us_time(%lld)");
static const char check_prepared[] =
    CHECK_SQL("$1", "$2", "$3", "$4", "$5::timestamptz", "$6::timestamptz");

/* How far ahead of this machine's clock "ahead" starts: a server clock
 * that far behind or ahead costs time (rows fall back), never rows. */
#define CHECK_AHEAD_US (3600LL * 1000000)

/* The session on which the connection last checked a page, kept as one
 * of its users (session.h) and found again by its detach function: from
 * its second page on, a session runs the prepared check. */
struct checked {
    struct core_conn_user user; /* first: detach receives it */
    unsigned long session;
};

static void checked_free(struct core_conn_user *user)
{
    free(user);
}

/* conn's record, made on first use; NULL when out of memory (each check
 * is then planned for its values, which costs time, never rows). */
static struct checked *checked_of(struct core_conn *conn)
{
    struct checked *c = (struct checked *)core_conn_find_user(conn, checked_free);
    if (!c && (c = calloc(1, sizeof *c)) != NULL)
        core_conn_attach(conn, &c->user, checked_free);
    return c;
}

/* The check of arrays ids, us, mids, sums and oldest: planned for them on a
 * session's first, prepared on the later ones. */
static PGresult *check_run(struct core_conn *conn, const char *ids, const char *us,
                           const char *mids, const char *sums, int64_t oldest,
                           enum core_status *st)
{
    int64_t future = core_wall_us() + CHECK_AHEAD_US;
    struct checked *seen = checked_of(conn);
    if (seen && seen->session == conn->session && conn->session) {
        struct core_params p = {0};
        core_param_text(&p, ids);
        core_param_text(&p, us);
        core_param_text(&p, mids);
        core_param_text(&p, sums);
        core_param_time(&p, oldest);
        core_param_time(&p, future);
        return core_conn_exec(conn, "convo_recent_check", check_prepared, &p, st);
    }
    struct core_strbuf sql = {0};
    if (!core_strbuf_printf(&sql, check_literal, ids, us, mids, sums, (long long)oldest,
                            (long long)future, (long long)future, (long long)future)) {
        *st = CORE_ERR_NOMEM;
        return NULL;
    }
    PGresult *c = core_conn_exec_text(conn, sql.data, st);
    free(sql.data);
    if (c && seen)
        seen->session = conn->session;
    return c;
}

/* Append the number v, or the text s, to the array literal b (results
 * come in binary: numbers are formatted here; the digests are hex). */
static bool add_number(struct core_strbuf *b, long long v)
{
    return core_strbuf_printf(b, "%s%lld", b->len ? "," : "{", v);
}

static bool add_text(struct core_strbuf *b, const char *s)
{
    return core_strbuf_printf(b, "%s%s", b->len ? "," : "{", s);
}

static bool close_array(struct core_strbuf *b)
{
    return core_strbuf_printf(b, "}");
}

enum core_status core_recent_check(struct core_conn *conn, const PGresult *r, size_t scanned,
                                   bool *stale)
{
    struct core_strbuf ids = {0}, us = {0}, mids = {0}, sums = {0};
    int64_t oldest = 0;
    bool ok = true, any = false;
    for (size_t i = 0; i < scanned && ok; i++) {
        if (stale[i])
            continue;
        int64_t at = core_get_time(r, (int)i, 7);
        if (!any || at < oldest)
            oldest = at;
        any = true;
        ok = add_number(&ids, core_get_int4(r, (int)i, 0)) && add_number(&us, at)
             && add_number(&mids, core_get_int8(r, (int)i, 8))
             && add_text(&sums, PQgetvalue(r, (int)i, 10));
    }
    enum core_status st = CORE_OK;
    if (!any)
        goto done;
    if (!ok || !close_array(&ids) || !close_array(&us) || !close_array(&mids)
        || !close_array(&sums)) {
        st = CORE_ERR_NOMEM;
        goto done;
    }
    PGresult *c = check_run(conn, ids.data, us.data, mids.data, sums.data, oldest, &st);
    for (int j = 0; c && j < PQntuples(c); j++) {
        int32_t cid = core_get_int4(c, j, 0);
        for (size_t i = 0; i < scanned; i++)
            if (core_get_int4(r, (int)i, 0) == cid)
                stale[i] = true;
    }
    PQclear(c);
done:
    free(ids.data);
    free(us.data);
    free(mids.data);
    free(sums.data);
    return st;
}

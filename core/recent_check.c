/* core/recent_check.c - the check of the rows a recent statement read from
 * contacts alone (the pointer and its copy, schema 050): each row must
 * still be its contact's newest message, as the copy shows it. One
 * statement for the page, against the partitions at or after the oldest
 * pointer of the page only: that bound is a parameter, so the planner
 * prunes the partitions below it before it opens them, and a fresh
 * backend never loads the older ones. */
#include <stdlib.h>

#include "rows.h"
#include "strbuf.h"

/* The contacts whose row is wrong: the message is gone, is another
 * contact's, reads otherwise, or the contact has a newer one. Arrays of
 * contact ids, pointer times (microseconds), pointer ids and the copies'
 * digests, then the oldest pointer time, as literals (the statement is
 * planned for them: core_conn_exec_text). */
static const char check_fmt[] =
    "SELECT k.cid FROM unnest('%s'::int4[], '%s'::int8[], '%s'::int8[], '%s'::text[])"
    "      k(cid, us, mid, sum)"
    " CROSS JOIN LATERAL (SELECT public.convo_us_time(k.us) AS at) t"
    " LEFT JOIN LATERAL (SELECT md5(m.direction || ' ' || m.content) AS sum FROM messages m"
    "         WHERE m.created_at >= public.convo_us_time(%lld) AND m.created_at = t.at"
    "           AND m.id = k.mid AND m.contact_id = k.cid LIMIT 1) p ON true"
    " WHERE p.sum IS DISTINCT FROM k.sum"
    "    OR EXISTS (SELECT 1 FROM messages n WHERE n.created_at >= public.convo_us_time(%lld)"
    "         AND n.contact_id = k.cid AND n.created_at >= t.at"
    "         AND (n.created_at, n.id) > (t.at, k.mid))";

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
    struct core_strbuf sql = {0};
    if (!core_strbuf_printf(&sql, check_fmt, ids.data, us.data, mids.data, sums.data,
                            (long long)oldest, (long long)oldest)) {
        st = CORE_ERR_NOMEM;
        goto done;
    }
    PGresult *c = core_conn_exec_text(conn, sql.data, &st);
    free(sql.data);
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

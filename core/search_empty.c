/* core/search_empty.c - search's last source: contacts that have no
 * message yet, matched by name or phone number. They come after every
 * conversation: their position is (-infinity, contact id +
 * CORE_EMPTY_BASE), below every message's, so the merge of sources reaches
 * them only once every other source is done, and a cursor among them
 * continues with the next contact id down (newest contact first). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "rows.h"
#include "search_empty.h"
#include "strbuf.h"

#define EMPTY_MATCH                                                          \
    "(public.convo_match(name, $2) OR public.convo_match(phone_number, $2)"                                \
    " OR ($3 <> '' AND public.convo_digits(phone_number) LIKE $3))"

/* Below the frontier's id, newest contact first (contacts_no_message,
 * schema 009): answers (contact id, position) as every step does. */
static const char empty_step_sql[] =
    "SELECT id, '-infinity'::timestamptz, id::int8 - 4294967296 AS pos FROM contacts"
    " WHERE last_message_id IS NULL AND id < $1::int8 + 4294967296 AND " EMPTY_MATCH
    " ORDER BY contacts.id DESC LIMIT $4";

/* Candidates to rows; one that got a message meanwhile moved to the top
 * of the results (above the cursor) and is left out, as is one with
 * messages behind a missing pointer (search finds it as a conversation). */
static const char empty_final_sql[] =
    "SELECT k.ord::int4, c.id, c.name, c.phone_number, public.convo_match(c.name, $2),"
    "       (public.convo_match(c.phone_number, $2) OR ($3 <> '' AND public.convo_digits(c.phone_number) LIKE $3))"
    "  FROM unnest($1::int4[]) WITH ORDINALITY k(cid, ord)"
    "  JOIN contacts c ON c.id = k.cid"
    " WHERE c.last_message_id IS NULL"
    "   AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id)"
    " ORDER BY k.ord";

struct core_pos core_search_empty_start(struct core_pos cursor)
{
    struct core_pos top = {CORE_US_NINF, CORE_EMPTY_BASE + INT32_MAX + 1LL};
    return core_pos_cmp(cursor, top) < 0 ? cursor : top;
}

enum core_status core_search_empty_send(struct core_search *s, struct source *src,
                                        size_t need)
{
    struct core_params p = {0};
    core_param_int8(&p, src->frontier.id);
    core_param_text(&p, s->pattern);
    core_param_text(&p, s->digits);
    s->inflight_limit = need > 0 ? (int64_t)need : 1;
    core_param_int8(&p, s->inflight_limit);
    return core_conn_send(s->conn, "convo_empty", empty_step_sql, &p);
}

enum core_status core_search_empty_final(struct core_search *s, const struct item *batch,
                                         size_t n)
{
    struct core_strbuf ids = {0};
    bool ok = core_strbuf_printf(&ids, "{");
    for (size_t i = 0; ok && i < n; i++)
        ok = core_strbuf_printf(&ids, "%s%d", i ? "," : "", (int)batch[i].contact);
    if (!ok || !core_strbuf_printf(&ids, "}")) {
        free(ids.data);
        return CORE_ERR_NOMEM;
    }
    struct core_params p = {0};
    core_param_text(&p, ids.data);
    core_param_text(&p, s->pattern);
    core_param_text(&p, s->digits);
    enum core_status st;
    PGresult *r = core_conn_exec(s->conn, "convo_empty_final", empty_final_sql, &p, &st);
    free(ids.data);
    if (!r)
        return st;
    for (int i = 0; i < PQntuples(r) && st == CORE_OK; i++) {
        struct core_row row = {
            .contact_id = core_get_int4(r, i, 1),
            .name = PQgetvalue(r, i, 2),
            .phone_number = PQgetvalue(r, i, 3),
            .content = "",
            .created_at = "",
            .created_at_us = CORE_US_NINF,
            .matched = (core_get_bool(r, i, 4) ? CORE_MATCH_NAME : 0) |
                       (core_get_bool(r, i, 5) ? CORE_MATCH_PHONE : 0),
            .no_message = true,
        };
        /* Its place, as the empty step gave it: (-infinity, contact id). */
        st = core_search_page_add(s, &row,
                                  (struct core_pos){CORE_US_NINF, row.contact_id + CORE_EMPTY_BASE});
    }
    PQclear(r);
    return st;
}

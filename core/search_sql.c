/* core/search_sql.c - the statements search sends: the SQL of each kind
 * of step over a partition (built per partition, since a partition is
 * named in the text), the contacts' steps, and the statement that turns
 * candidates into rows. search_step.c decides which to send and with
 * which parameters; the parameter numbers below are theirs. */
#include <stdio.h>

#include "rows.h"
#include "search_sql.h"

/* Walk: the newest $3 rows below ($1,$2), each tested. Returns the hits
 * and, when the step read all $3 rows, the last one read (rn = $3) so that
 * the next step starts there. row_number() rides on the index order: no
 * sort, no second pass. */
void core_sql_walk(char *buf, size_t len, const char *table, const char *op)
{
    snprintf(buf, len,
             "SELECT contact_id, created_at, id, (rn = $3)::int4 * 2 + hit::int4 FROM ("
             " SELECT contact_id, created_at, id, %s(content, $4) AS hit,"
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
void core_sql_bitmap(char *buf, size_t len, const char *table, const char *op)
{
    snprintf(buf, len,
             "SELECT contact_id, created_at, id FROM ("
             " SELECT contact_id, created_at, id FROM ONLY %s"
             "  WHERE %s(content, $3) OFFSET 0) s"
             " WHERE (created_at, id) < ($1, $2)"
             " ORDER BY created_at DESC, id DESC LIMIT $4",
             table, op);
}

/* Grams: the partition's rows whose rare 1-2-grams include all of the
 * term's ($5), through the n-gram index of schema 006; exact for terms
 * pg_trgm cannot see (1-2 characters, punctuation, emoji, CJK, short words
 * beside punctuation). Or, keys "public.convo_spans_any", the rows holding
 * all of a phrase's windows across its spaces (schema 016). IS TRUE keeps
 * the trigram index out of it, and convo_one_process() (schema 014)
 * parallel workers, which cost more to start than the few rows cost to
 * read. */
void core_sql_grams(char *buf, size_t len, const char *const *tables, int ntables,
                    const char *op, const char *keys)
{
    size_t n = (size_t)snprintf(buf, len, "SELECT contact_id, created_at, id FROM (");
    for (int i = 0; i < ntables && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n,
                              "%s SELECT contact_id, created_at, id FROM ONLY %s"
                              "  WHERE %s(content) OPERATOR(public.@>) $5::int4[]"
                              "    AND (%s(content, $3)) IS TRUE AND public.convo_one_process()",
                              i ? " UNION ALL" : "", tables[i], keys, op);
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
void core_sql_scan(char *buf, size_t len, const char *const *tables, int ntables,
                     const char *op, bool prefilter)
{
    size_t n = (size_t)snprintf(buf, len, "SELECT contact_id, created_at, id FROM (");
    for (int i = 0; i < ntables && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n,
                              "%s SELECT contact_id, created_at, id FROM ONLY %s"
                              "  WHERE (%s%s(content, $3)) IS TRUE",
                              i ? " UNION ALL" : "", tables[i],
                              prefilter ? "public.convo_fold(content) LIKE $5 AND " : "", op);
    if (n < len)
        snprintf(buf + n, len - n,
                 " OFFSET 0) s WHERE (created_at, id) < ($1, $2)"
                 " ORDER BY created_at DESC, id DESC LIMIT $4");
}

#define CONTACT_MATCH                                                       \
    "(public.convo_match(name, $4) OR public.convo_match(phone_number, $4)"                               \
    " OR ($5 <> '' AND public.convo_digits(phone_number) LIKE $5))"

const char core_sql_contacts_walk[] =
    "SELECT id, last_message_at, last_message_id, (rn = $3)::int4 * 2 + hit::int4 FROM ("
    " SELECT id, last_message_at, last_message_id, " CONTACT_MATCH " AS hit,"
    "        row_number() OVER (ORDER BY last_message_at DESC, last_message_id DESC) AS rn"
    "   FROM contacts WHERE last_message_id IS NOT NULL"
    "    AND (last_message_at, last_message_id) < ($1, $2)"
    "  ORDER BY last_message_at DESC, last_message_id DESC LIMIT $3) s"
    " WHERE hit OR rn = $3";

/* Each arm of the OR has its own trigram index; the position test stays
 * outside the fence, for the reason given at core_sql_bitmap. */
const char core_sql_contacts_bitmap[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE public.convo_match(name, $3) OR public.convo_match(phone_number, $3) OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

const char core_sql_contacts_bitmap_digits[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE public.convo_match(name, $3) OR public.convo_match(phone_number, $3)"
    "     OR public.convo_digits(phone_number) LIKE $5 OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

const char core_sql_contacts_grams[] =
    "SELECT id, last_message_at, last_message_id FROM ("
    " SELECT id, last_message_at, last_message_id FROM contacts"
    "  WHERE (public.convo_grams_any(name) OPERATOR(public.@>) $5::int4[]"
    "      OR public.convo_grams_any(phone_number) OPERATOR(public.@>) $5::int4[])"
    "    AND (public.convo_match(name, $3) OR public.convo_match(phone_number, $3)) IS TRUE OFFSET 0) s"
    " WHERE last_message_id IS NOT NULL AND (last_message_at, last_message_id) < ($1, $2)"
    " ORDER BY 2 DESC, 3 DESC LIMIT $4";

/* The contacts whose pointer is NULL although they have messages (written
 * behind the triggers' back), matched by name or phone: each at
 * (-infinity, its id), below every message, and below the frontier ($1,
 * $2). Read once, at the end of the contacts, through the same index as
 * the contacts' own steps (how: 'b' trigram, 'd' trigram and digits $4,
 * 'g' n-grams $4, else a scan with digits $4); pattern $3. */
void core_sql_contacts_orphans(char *buf, size_t len, char how)
{
    const char *match =
        how == 'b' ? "public.convo_match(name, $3) OR public.convo_match(phone_number, $3)"
        : how == 'd' ? "public.convo_match(name, $3) OR public.convo_match(phone_number, $3)"
                       " OR public.convo_digits(phone_number) LIKE $4"
        : how == 'g' ? "(public.convo_grams_any(name) OPERATOR(public.@>) $4::int4[]"
                       "  OR public.convo_grams_any(phone_number) OPERATOR(public.@>) $4::int4[])"
                       " AND (public.convo_match(name, $3) OR public.convo_match(phone_number, $3)) IS TRUE"
                     : "(public.convo_match(name, $3) OR public.convo_match(phone_number, $3)"
                       "  OR ($4 <> '' AND public.convo_digits(phone_number) LIKE $4)) IS TRUE";
    snprintf(buf, len,
             "SELECT id, '-infinity'::timestamptz, id::int8 FROM ("
             " SELECT id, last_message_id FROM contacts WHERE %s OFFSET 0) c"
             " WHERE last_message_id IS NULL"
             "   AND ('-infinity'::timestamptz, id::int8) < ($1, $2)"
             "   AND EXISTS (SELECT 1 FROM messages m WHERE m.contact_id = c.id)",
             match);
}

#define NAME_OR_PHONE                                                         \
    "(public.convo_match(c.name, $4) OR public.convo_match(c.phone_number, $4)"                             \
    " OR ($5 <> '' AND public.convo_digits(c.phone_number) LIKE $5))"

/* Candidates in, rows out: the candidate's message (NULL when it is gone),
 * which fields match, whether an earlier page showed the conversation,
 * and, when name or phone match, the message the contact's pointer names
 * and whether the pointer is stale (it names no message of the contact, or
 * one is newer: then search_emit.c reads the contact's newest message).
 *
 * A conversation's place in a walk is where the walk finds it: at the
 * newest of its content matches and, when name or phone match, its
 * pointer P ((-infinity, contact id) when NULL). With fresh pointers that
 * is its anchor; with a stale one, the row still shows the true newest
 * message, at that place. An earlier page (above cursor C) showed it
 * exactly when the place is >= C: name or phone match and P >= C, or a
 * content match >= C (one probe per partition from C's month on).
 * Subqueries that only a name or phone match needs are gated by it. */
const char core_sql_finalize[] =
    "SELECT k.ord::int4, c.id, c.name, c.phone_number, m.id, m.direction = 'out',"
    "       m.content, m.created_at,"
    "       public.convo_match(m.content, $4), public.convo_match(c.name, $4),"
    "       (public.convo_match(c.phone_number, $4) OR ($5 <> '' AND public.convo_digits(c.phone_number) LIKE $5)),"
    "       (" NAME_OR_PHONE
    "        AND (coalesce(c.last_message_at, '-infinity'),"
    "             coalesce(c.last_message_id, c.id)) >= ($6, $7))"
    "       OR EXISTS (SELECT 1 FROM messages x WHERE x.contact_id = c.id"
    "                    AND x.created_at >= $6"  /* prunes partitions */
    "                    AND (x.created_at, x.id) >= ($6, $7) AND public.convo_match(x.content, $4)),"
    "       p.id, p.direction = 'out', p.content, p.created_at, public.convo_match(p.content, $4),"
    "       " NAME_OR_PHONE " AND (p.id IS NULL"
    "          OR EXISTS (SELECT 1 FROM messages n WHERE n.contact_id = c.id"
    "                       AND n.created_at >= c.last_message_at"
    "                       AND (n.created_at, n.id) > (c.last_message_at, c.last_message_id)))"
    "  FROM unnest($1::int4[], $2::int8[], $3::timestamptz[]) WITH ORDINALITY k(cid, mid, at, ord)"
    "  JOIN contacts c ON c.id = k.cid"
    "  LEFT JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "         WHERE created_at = k.at AND id = k.mid AND contact_id = k.cid LIMIT 1) m ON true"
    "  LEFT JOIN LATERAL (SELECT id, direction, content, created_at FROM messages"
    "         WHERE " NAME_OR_PHONE " AND created_at = c.last_message_at"
    "           AND id = c.last_message_id AND contact_id = c.id LIMIT 1) p ON true";

/* A message m passes the filters and matches: direction $5 ('' any),
 * contact in the with: set $6 unless $7 = 0, and, with text $8 (''
 * none), convo_match(content, $8) or a contact matched by name or
 * phone ($9).
 * The sets are hashed subplans: one hash per statement, not a scan of
 * the array per row. */
#define FILTER_PASS(m)                                                          \
    " ($5 = '' OR " m ".direction = $5)"                                        \
    " AND ($7 = 0 OR " m ".contact_id IN (SELECT unnest($6::int4[])))"          \
    " AND ($8 = '' OR public.convo_match(" m ".content, $8)"                      \
    "      OR " m ".contact_id IN (SELECT unnest($9::int4[])))"

/* The filters of shape (CORE_FLT_*) on message m, and only those: a
 * predicate that cannot apply is left out rather than ORed away, so that
 * the plan can use the trigram index for the text. IS TRUE keeps the
 * with: set a hashed subplan: pulled up into a semi join, it is planned
 * for the ten ids a generic plan guesses and loops over thousands for
 * every row (1.4 s for a first name's 4,584 contacts in one month). */
static void filter_pred(char *buf, size_t len, const char *m, unsigned shape)
{
    snprintf(buf, len, "%s%s%s%s%s%s%s%s%s%s",
             shape & CORE_FLT_DIR ? " AND " : "", shape & CORE_FLT_DIR ? m : "",
             shape & CORE_FLT_DIR ? ".direction = $5" : "",
             shape & CORE_FLT_WITH ? " AND (" : "", shape & CORE_FLT_WITH ? m : "",
             shape & CORE_FLT_WITH ? ".contact_id IN (SELECT unnest($6::int4[]))) IS TRUE" : "",
             !(shape & CORE_FLT_TEXT) ? ""
             : shape & CORE_FLT_NAMES ? " AND (public.convo_match(" : " AND public.convo_match(",
             shape & CORE_FLT_TEXT ? m : "",
             shape & CORE_FLT_TEXT ? ".content, $8)" : "",
             !(shape & CORE_FLT_TEXT) || !(shape & CORE_FLT_NAMES) ? ""
             : " OR contact_id IN (SELECT unnest($9::int4[])))");
}

/* Every parameter named once with its type, whatever the shape leaves
 * out (a one-time filter, true). */
#define FILTER_PARAMS                                                           \
    " ($5::text IS NOT NULL AND $6::int4[] IS NOT NULL AND $7::int4 IS NOT NULL" \
    "  AND $8::text IS NOT NULL AND $9::int4[] IS NOT NULL AND $11::int4[] IS NOT NULL)"

#define FILTER_COLS " contact_id, id, direction, content, created_at"
#define FILTER_POS " (created_at, id) < ($1, $2) AND created_at >= $3 AND created_at < $4"
/* Around a content arm's match: its position and filters stay outside the
 * fence. A generic plan knows neither the pattern nor the range, and
 * with them inside it walks a small partition's primary key and tests
 * every row (50 ms for 67,000 rows) where the trigram bitmap reads a few
 * pages (0.5 ms). */
#define CONTENT_FENCE " OFFSET 0"

/* The partition's rows that pass and match, in arms that each can use
 * an index: the content (trigram, or the n-grams $11 for a term pg_trgm
 * cannot see, or a phrase's windows $11), and the contacts matched by name or phone (their index
 * on contact_id). */
static void filter_arms(char *buf, size_t len, const char *table, unsigned shape)
{
    char base[512];
    filter_pred(base, sizeof base, "m", shape & (CORE_FLT_DIR | CORE_FLT_WITH));
    if (!(shape & CORE_FLT_TEXT)) {
        snprintf(buf, len, "SELECT" FILTER_COLS " FROM ONLY %s m WHERE" FILTER_POS "%s",
                 table, base);
        return;
    }
    const char *keys = shape & CORE_FLT_SPANS ? "public.convo_spans_any"
                     : shape & CORE_FLT_GRAMS ? "public.convo_grams_any" : NULL;
    char content[160];
    if (keys)
        snprintf(content, sizeof content, "%s(m.content) OPERATOR(public.@>) $11::int4[]"
                                          " AND (public.convo_match(m.content, $8)) IS TRUE",
                 keys);
    else
        snprintf(content, sizeof content, "public.convo_match(m.content, $8)");
    size_t n = (size_t)snprintf(buf, len,
                                "SELECT" FILTER_COLS " FROM (SELECT" FILTER_COLS " FROM ONLY %s m"
                                " WHERE %s" CONTENT_FENCE ") m WHERE" FILTER_POS "%s",
                                table, content, base);
    if ((shape & CORE_FLT_NAMES) && n < len)
        snprintf(buf + n, len - n,
                 " UNION ALL SELECT" FILTER_COLS " FROM ONLY %s m WHERE" FILTER_POS "%s"
                 " AND m.contact_id = ANY($9::int4[])",
                 table, base);
}

/* The statement over arms: each contact's newest row of them, with its
 * contact and what matched. */
static void filtered_of(char *buf, size_t len, const char *arms)
{
    snprintf(buf, len,
             "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content,"
             "       m.created_at, $8 <> '' AND public.convo_match(m.content, $8),"
             "       $8 <> '' AND public.convo_match(c.name, $8),"
             "       $8 <> '' AND (public.convo_match(c.phone_number, $8)"
             "                     OR ($10 <> '' AND public.convo_digits(c.phone_number) LIKE $10))"
             "  FROM (SELECT DISTINCT ON (contact_id)" FILTER_COLS " FROM (%s) a"
             "         ORDER BY contact_id, created_at DESC, id DESC) m"
             "  JOIN contacts c ON c.id = m.contact_id"
             " WHERE" FILTER_PARAMS
             " ORDER BY m.created_at DESC, m.id DESC",
             arms);
}

void core_sql_filtered(char *buf, size_t len, const char *table, unsigned shape)
{
    char arms[2048];
    filter_arms(arms, sizeof arms, table, shape);
    filtered_of(buf, len, arms);
}

/* Filters alone: the partition's next $12 passing rows below ($1, $2),
 * newest first, each with its contact (repeats and all: the caller keeps
 * each contact's first). A walk of the time index that stops where the
 * page does, where each contact's newest row would read the whole month. */
void core_sql_filtered_slice(char *buf, size_t len, const char *table, unsigned shape)
{
    char base[512];
    filter_pred(base, sizeof base, "m", shape & (CORE_FLT_DIR | CORE_FLT_WITH));
    snprintf(buf, len,
             "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content,"
             "       m.created_at, false, false, false"
             "  FROM (SELECT" FILTER_COLS " FROM ONLY %s m WHERE" FILTER_POS "%s"
             "         ORDER BY created_at DESC, id DESC LIMIT $12) m"
             "  JOIN contacts c ON c.id = m.contact_id"
             " WHERE" FILTER_PARAMS " AND $10::text IS NOT NULL"
             " ORDER BY m.created_at DESC, m.id DESC",
             table, base);
}

/* A walk of the partition's next $12 rows below ($1, $2) in the month's
 * range, newest first, each tested (the filters, and the text in content
 * or the contact matched by name or phone): the rows that pass and, to
 * say where the walk ended, the $12th row. Columns as core_sql_filtered's,
 * then hit and the row's place in the walk. For a common text, where each
 * contact's newest match would read most of the month. */
void core_sql_filtered_walk(char *buf, size_t len, const char *table)
{
    snprintf(buf, len,
             "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content,"
             "       m.created_at, $8 <> '' AND public.convo_match(m.content, $8),"
             "       $8 <> '' AND public.convo_match(c.name, $8),"
             "       $8 <> '' AND (public.convo_match(c.phone_number, $8)"
             "                     OR ($10 <> '' AND public.convo_digits(c.phone_number) LIKE $10)),"
             "       m.hit, m.rn"
             "  FROM (SELECT w.*, (" FILTER_PASS("w") ") IS TRUE AS hit,"
             "               row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn"
             "          FROM (SELECT" FILTER_COLS " FROM ONLY %s WHERE" FILTER_POS
             "                 ORDER BY created_at DESC, id DESC LIMIT $12) w) m"
             "  JOIN contacts c ON c.id = m.contact_id"
             " WHERE (m.hit OR m.rn = $12) AND" FILTER_PARAMS
             " ORDER BY m.created_at DESC, m.id DESC",
             table);
}

void core_sql_filtered_shown(char *buf, size_t len, unsigned shape)
{
    char px[512];
    filter_pred(px, sizeof px, "x", shape);
    snprintf(buf, len,
             "SELECT k.cid FROM unnest($12::int4[]) k(cid)"
             " WHERE" FILTER_PARAMS " AND $10::text IS NOT NULL"
             "   AND EXISTS (SELECT 1 FROM messages x WHERE x.contact_id = k.cid"
             "          AND x.created_at >= $1 AND (x.created_at, x.id) >= ($1, $2)"
             "          AND x.created_at >= $3 AND x.created_at < $4%s)",
             px);
}

const char core_sql_filter_contacts[] =
    "SELECT coalesce(array_agg(id ORDER BY id), '{}')::text FROM contacts"
    " WHERE public.convo_match(name, $1) OR public.convo_match(phone_number, $1)";

/* The same and the phone digits ($2): a statement of its own, since the
 * digits index given '' reads every entry (100 ms for 100,000 contacts). */
const char core_sql_filter_contacts_digits[] =
    "SELECT coalesce(array_agg(id ORDER BY id), '{}')::text FROM contacts"
    " WHERE public.convo_match(name, $1) OR public.convo_match(phone_number, $1)"
    "    OR public.convo_digits(phone_number) LIKE $2";

/* A few with: contacts ($6): each one's newest message that passes the
 * filters and matches, one index probe per contact (newest first, until
 * a match), kept when it lies below the cursor (at or above it, an
 * earlier page showed the conversation). $7 is 1; LIMIT $11. */
const char core_sql_filtered_with[] =
    "SELECT c.id, c.name, c.phone_number, m.id, m.direction = 'out', m.content,"
    "       m.created_at, $8 <> '' AND public.convo_match(m.content, $8),"
    "       $8 <> '' AND public.convo_match(c.name, $8),"
    "       $8 <> '' AND (public.convo_match(c.phone_number, $8)"
    "                     OR ($10 <> '' AND public.convo_digits(c.phone_number) LIKE $10))"
    "  FROM contacts c"
    "  CROSS JOIN LATERAL (SELECT id, direction, content, created_at FROM messages m"
    "         WHERE m.contact_id = c.id AND m.created_at >= $3 AND m.created_at < $4"
    "           AND" FILTER_PASS("m")
    "         ORDER BY m.created_at DESC, m.id DESC LIMIT 1) m"
    " WHERE $7 <> 0 AND c.id = ANY($6::int4[]) AND (m.created_at, m.id) < ($1, $2)"
    " ORDER BY m.created_at DESC, m.id DESC LIMIT $11";

/* ---- several words (docs/search.md#words) ------------------------------------
 *
 * A message m of contact c matches when every word is in m's content or
 * in c's name or phone. The statements below take the parameters of the
 * filtered search ($1..$7, see core_sql_filtered), the contacts matched by
 * name or phone by any word $8, the n-grams of the words pg_trgm cannot
 * see $9, $10 (per statement), and per word i (from 0) its ILIKE pattern
 * WORD_PAT(i), the contacts whose name or phone hold it WORD_IDS(i), and
 * its phone digits pattern WORD_DIGITS(i) ("" when none). */

/* The one place a word meets a column: a case-insensitive substring. */
static bool word_match(struct core_strbuf *b, const char *column, int param)
{
    return core_strbuf_printf(b, "public.convo_match(%s, $%d)", column, param);
}

static bool digits_match(struct core_strbuf *b, const char *column, int param)
{
    return core_strbuf_printf(b, "($%d <> '' AND public.convo_digits(%s) LIKE $%d)", param,
                              column, param);
}

/* Every parameter named once with its type; $10's type is the
 * statement's. */
static bool words_params(struct core_strbuf *b, size_t k, const char *p10)
{
    bool ok = core_strbuf_printf(b, " ($5::text IS NOT NULL AND $6::int4[] IS NOT NULL"
                                    " AND $7::int4 IS NOT NULL AND $8::int4[] IS NOT NULL"
                                    " AND $9::int4[] IS NOT NULL AND $10::%s IS NOT NULL",
                                 p10);
    for (size_t i = 0; ok && i < k; i++)
        ok = core_strbuf_printf(b, " AND $%d::text IS NOT NULL AND $%d::int4[] IS NOT NULL"
                                   " AND $%d::text IS NOT NULL",
                                WORD_PAT(i), WORD_IDS(i), WORD_DIGITS(i));
    return ok && core_strbuf_printf(b, ")");
}

/* " AND" each word in m's content or m's contact among the word's. */
static bool words_pred(struct core_strbuf *b, const char *m, size_t k)
{
    char column[32];
    snprintf(column, sizeof column, "%s.content", m);
    bool ok = true;
    for (size_t i = 0; ok && i < k; i++)
        ok = core_strbuf_printf(b, " AND (") && word_match(b, column, WORD_PAT(i)) &&
             core_strbuf_printf(b, " OR %s.contact_id IN (SELECT unnest($%d::int4[])))", m,
                                WORD_IDS(i));
    return ok;
}

/* The direction and with: filters of shape on m. */
static bool words_filters(struct core_strbuf *b, const char *m, unsigned shape)
{
    bool ok = true;
    if (shape & CORE_FLT_DIR)
        ok = core_strbuf_printf(b, " AND %s.direction = $5", m);
    if (ok && (shape & CORE_FLT_WITH))
        ok = core_strbuf_printf(b, " AND (%s.contact_id IN (SELECT unnest($6::int4[]))) IS TRUE", m);
    return ok;
}

/* Whether some word is in column (" OR" between words). */
static bool words_any(struct core_strbuf *b, const char *column, size_t k, bool digits)
{
    bool ok = core_strbuf_printf(b, "(");
    for (size_t i = 0; ok && i < k; i++) {
        ok = (!i || core_strbuf_printf(b, " OR ")) && word_match(b, column, WORD_PAT(i));
        if (ok && digits)
            ok = core_strbuf_printf(b, " OR ") && digits_match(b, column, WORD_DIGITS(i));
    }
    return ok && core_strbuf_printf(b, ")");
}

/* The arm of the messages holding every word in their content: the
 * phrase index for the phrases' windows ($9 with CORE_FLT_SPANS), the
 * trigram index for the words with a trigram of their own (strong, bit
 * i), the others rechecked (IS TRUE keeps them out of the index: a word
 * without a trigram would read all of it); with neither, the n-gram index
 * ($9) when it holds some of the words' n-grams. */
static bool arm_content(struct core_strbuf *b, const char *table, unsigned shape, size_t k,
                        uint32_t strong)
{
    bool ok = core_strbuf_printf(b, "SELECT" FILTER_COLS " FROM (SELECT" FILTER_COLS
                                    " FROM ONLY %s m WHERE true",
                                 table);
    bool keys = (shape & CORE_FLT_SPANS) || (!strong && (shape & CORE_FLT_GRAMS));
    if (ok && keys)
        ok = core_strbuf_printf(b, " AND public.%s(m.content) OPERATOR(public.@>) $9::int4[]",
                                shape & CORE_FLT_SPANS ? "convo_spans_any" : "convo_grams_any");
    for (size_t i = 0; ok && i < k; i++) {
        bool plain = (strong >> i & 1) || (!strong && !keys);
        ok = core_strbuf_printf(b, plain ? " AND " : " AND (") &&
             word_match(b, "m.content", WORD_PAT(i)) &&
             core_strbuf_printf(b, plain ? "" : ") IS TRUE");
    }
    return ok && core_strbuf_printf(b, CONTENT_FENCE ") m WHERE" FILTER_POS) &&
           words_filters(b, "m", shape);
}

/* The arm of the messages of contacts matched by name or phone by some
 * word ($8, their index on contact_id), every word tested. */
static bool arm_names(struct core_strbuf *b, const char *table, unsigned shape, size_t k)
{
    return core_strbuf_printf(b, " UNION ALL SELECT" FILTER_COLS " FROM ONLY %s m WHERE"
                                 FILTER_POS " AND m.contact_id = ANY($8::int4[])",
                              table) &&
           words_filters(b, "m", shape) && words_pred(b, "m", k);
}

/* The row decoder's columns from 0, then content, name, phone matched. */
static bool words_columns(struct core_strbuf *b, size_t k)
{
    return core_strbuf_printf(b, "SELECT c.id, c.name, c.phone_number, m.id,"
                                 " m.direction = 'out', m.content, m.created_at, ") &&
           words_any(b, "m.content", k, false) && core_strbuf_printf(b, ", ") &&
           words_any(b, "c.name", k, false) && core_strbuf_printf(b, ", ") &&
           words_any(b, "c.phone_number", k, true);
}

bool core_sql_words_filtered(struct core_strbuf *b, const char *table, unsigned shape,
                             size_t k, uint32_t strong)
{
    bool ok = words_columns(b, k) &&
              core_strbuf_printf(b, "  FROM (SELECT DISTINCT ON (contact_id)" FILTER_COLS
                                    " FROM (") &&
              arm_content(b, table, shape, k, strong);
    if (ok && (shape & CORE_FLT_NAMES))
        ok = arm_names(b, table, shape, k);
    return ok &&
           core_strbuf_printf(b, ") a ORDER BY contact_id, created_at DESC, id DESC) m"
                                 "  JOIN contacts c ON c.id = m.contact_id WHERE") &&
           words_params(b, k, "text") &&
           core_strbuf_printf(b, " ORDER BY m.created_at DESC, m.id DESC");
}

bool core_sql_words_walk(struct core_strbuf *b, const char *table, unsigned shape, size_t k)
{
    return words_columns(b, k) &&
           core_strbuf_printf(b, ", m.hit, m.rn"
                                 "  FROM (SELECT w.*, (true") &&
           words_filters(b, "w", shape) && words_pred(b, "w", k) &&
           core_strbuf_printf(b, ") IS TRUE AS hit,"
                                 " row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn"
                                 " FROM (SELECT" FILTER_COLS " FROM ONLY %s WHERE" FILTER_POS
                                 " ORDER BY created_at DESC, id DESC LIMIT $10) w) m"
                                 "  JOIN contacts c ON c.id = m.contact_id"
                                 " WHERE (m.hit OR m.rn = $10) AND",
                              table) &&
           words_params(b, k, "int8") &&
           core_strbuf_printf(b, " ORDER BY m.created_at DESC, m.id DESC");
}

bool core_sql_words_shown(struct core_strbuf *b, unsigned shape, size_t k)
{
    return core_strbuf_printf(b, "SELECT k.cid FROM unnest($10::int4[]) k(cid) WHERE") &&
           words_params(b, k, "int4[]") &&
           core_strbuf_printf(b, " AND EXISTS (SELECT 1 FROM messages x"
                                 " WHERE x.contact_id = k.cid AND x.created_at >= $1"
                                 " AND (x.created_at, x.id) >= ($1, $2)"
                                 " AND x.created_at >= $3 AND x.created_at < $4") &&
           words_filters(b, "x", shape) && words_pred(b, "x", k) &&
           core_strbuf_printf(b, ")");
}

bool core_sql_words_with(struct core_strbuf *b, unsigned shape, size_t k)
{
    return words_columns(b, k) &&
           core_strbuf_printf(b, "  FROM contacts c CROSS JOIN LATERAL ("
                                 "SELECT" FILTER_COLS " FROM messages m"
                                 " WHERE m.contact_id = c.id AND m.created_at >= $3"
                                 " AND m.created_at < $4") &&
           words_filters(b, "m", shape & CORE_FLT_DIR) && words_pred(b, "m", k) &&
           core_strbuf_printf(b, " ORDER BY m.created_at DESC, m.id DESC LIMIT 1) m"
                                 " WHERE c.id = ANY($6::int4[])"
                                 " AND (m.created_at, m.id) < ($1, $2) AND") &&
           words_params(b, k, "int8") &&
           core_strbuf_printf(b, " ORDER BY m.created_at DESC, m.id DESC LIMIT $10");
}

/* Every message that passes the filters, holds every word in its content
 * or its contact's name or phone, and at least one in its content,
 * newest first: the partitions' time indexes merged and walked (see
 * export.c for the LIMIT and IS TRUE). */
bool core_sql_export_words(struct core_strbuf *b, size_t k)
{
    bool ok = core_strbuf_printf(b, "SELECT " CORE_ROW_COLUMNS CORE_ROW_FROM_MESSAGES
                                    " WHERE m.created_at >= $3 AND m.created_at < $4"
                                    " AND (($5 = '' OR m.direction = $5)"
                                    " AND ($7 = 0 OR m.contact_id IN (SELECT unnest($6::int4[])))") &&
              words_pred(b, "m", k);
    if (ok && k)
        ok = core_strbuf_printf(b, " AND ") && words_any(b, "m.content", k, false);
    return ok && core_strbuf_printf(b, ") IS TRUE AND") && words_params(b, k, "int8") &&
           core_strbuf_printf(b, " AND ($1::int8 IS NOT NULL AND $2::int8 IS NOT NULL)"
                                 " ORDER BY m.created_at DESC, m.id DESC LIMIT $10");
}

/* core/shape.c - whether a database's contacts and messages are convo's:
 * the check before the schema ledger writes anything (seeder/migrate.c),
 * and the explanation a reader gives when its statements do not fit the
 * tables it finds (conn.c). */
#include "lib.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

static const char shape_sql[] =
    "WITH c AS (SELECT to_regclass('public.contacts') AS oid),"
    "     m AS (SELECT to_regclass('public.messages') AS oid),"
    "     want(rel, col, o) AS (VALUES ('c', 'name', 1), ('c', 'last_message_at', 2),"
    "                                  ('c', 'last_message_id', 3), ('m', 'direction', 4))"
    " SELECT to_regclass('public.convo_schema_migrations') IS NOT NULL,"
    "        (SELECT oid FROM c) IS NOT NULL, (SELECT oid FROM m) IS NOT NULL,"
    "        coalesce((SELECT relkind::text FROM pg_class WHERE oid = (SELECT oid FROM m)), ''),"
    "        coalesce((SELECT string_agg(col, ', ' ORDER BY o) FROM want w"
    "                   WHERE rel = 'c' AND NOT EXISTS (SELECT 1 FROM pg_attribute a"
    "                     WHERE a.attrelid = (SELECT oid FROM c) AND a.attname = w.col"
    "                       AND NOT a.attisdropped)), ''),"
    "        coalesce((SELECT string_agg(col, ', ' ORDER BY o) FROM want w"
    "                   WHERE rel = 'm' AND NOT EXISTS (SELECT 1 FROM pg_attribute a"
    "                     WHERE a.attrelid = (SELECT oid FROM m) AND a.attname = w.col"
    "                       AND NOT a.attisdropped)), '')";

static void add_reason(char *why, size_t whylen, const char *fmt, const char *arg)
{
    size_t used = strlen(why);
    if (used && used + 2 < whylen)
        used += (size_t)snprintf(why + used, whylen - used, "; ");
    if (used < whylen)
        snprintf(why + used, whylen - used, fmt, arg);
}

int core_schema_shape(struct pg_conn *pg, char *why, size_t whylen)
{
    why[0] = '\0';
    PGresult *res = PQexec(pg, shape_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(why, whylen, "%s", PQresultErrorMessage(res));
        why[strcspn(why, "\n")] = '\0';
        PQclear(res);
        return -1;
    }
    bool ledger = *PQgetvalue(res, 0, 0) == 't';
    bool contacts = *PQgetvalue(res, 0, 1) == 't';
    bool messages = *PQgetvalue(res, 0, 2) == 't';
    bool partitioned = strcmp(PQgetvalue(res, 0, 3), "p") == 0;
    if (contacts && !messages)
        add_reason(why, whylen, "%s", "contacts without a messages table");
    if (messages && !contacts)
        add_reason(why, whylen, "%s", "messages without a contacts table");
    if (contacts && *PQgetvalue(res, 0, 4))
        add_reason(why, whylen, "contacts: no column %s", PQgetvalue(res, 0, 4));
    if (messages && !partitioned)
        add_reason(why, whylen, "%s", "messages: not partitioned by time");
    if (messages && *PQgetvalue(res, 0, 5))
        add_reason(why, whylen, "messages: no column %s", PQgetvalue(res, 0, 5));
    PQclear(res);
    if (why[0])
        return CORE_SHAPE_FOREIGN;
    if (ledger)
        return CORE_SHAPE_LEDGER;
    return contacts ? CORE_SHAPE_CONVO : CORE_SHAPE_EMPTY;
}

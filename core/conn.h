/* core/conn.h - the raw libpq handle behind a core connection.
 *
 * For the seeder only: it reuses core's way of finding and opening the
 * database, then streams COPY on the PGconn itself. */
#ifndef CONVO_CORE_CONN_H
#define CONVO_CORE_CONN_H

#include <libpq-fe.h>

#include "lib.h"

/* The PGconn behind conn; NULL when the connection is lost. Valid until the
 * next core call on conn, which may reconnect. */
PGconn *core_conn_pg(struct core_conn *conn);

/* The conninfo string core would use for conninfo (NULL or "" = the
 * environment, then DATABASE_URL, then the embedded cluster). Static
 * storage or conninfo itself. */
const char *core_conninfo_resolve(const char *conninfo);

#endif

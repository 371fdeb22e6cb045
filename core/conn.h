/* core/conn.h - the raw libpq handle behind a core connection.
 *
 * Not for the programs (they use lib.h only; the seeder opens sessions of
 * its own with core_conninfo_resolve()): tests inspect or end the session
 * through it. */
#ifndef CONVO_CORE_CONN_H
#define CONVO_CORE_CONN_H

#include <libpq-fe.h>

#include "lib.h"

/* The PGconn behind conn, reconnecting first when the session was lost;
 * NULL when that fails. Valid until the next core call on conn, which may
 * reconnect. (core_conninfo_resolve() is in lib.h.) */
PGconn *core_conn_pg(struct core_conn *conn);

#endif

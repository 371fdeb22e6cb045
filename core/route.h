/* core/route.h - what core's modules ask of route.c besides lib.h. */
#ifndef CONVO_CORE_ROUTE_H
#define CONVO_CORE_ROUTE_H

#include "lib.h"

/* From now on conn asks for the primary (target_session_attrs=read-write)
 * and reconnects there if it sits on a standby: LISTEN needs it. */
enum core_status core_route_need_primary(struct core_conn *conn);

#endif

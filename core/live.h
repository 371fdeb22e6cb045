/* core/live.h - what core's modules ask of live.c besides lib.h. */
#ifndef CONVO_CORE_LIVE_H
#define CONVO_CORE_LIVE_H

#include "lib.h"

/* Changes heard on conn were not read (the statement that read them was
 * lost): the next core_changes_take() says all. */
void core_live_missed(struct core_conn *conn);

#endif

/* core/cli/query_live.h - convo-query's follow and send commands. */
#ifndef CONVO_CORE_QUERY_LIVE_H
#define CONVO_CORE_QUERY_LIVE_H

/* limit 0 = until SIGINT or SIGTERM (exit 0). */
int query_follow(const char *db, long limit);
int query_send(const char *db, long contact_id, const char *text);

#endif

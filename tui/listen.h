/* tui/listen.h - a thread with a connection of its own that LISTENs for
 * changes and posts them to the main loop as RESP_CHANGES answers (see
 * worker.h); it listens again after a reconnect and then says that
 * anything may have changed. */
#ifndef CONVO_TUI_LISTEN_H
#define CONVO_TUI_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

bool listen_start(const char *conninfo, char *err, size_t errlen);
void listen_stop(void);

#endif

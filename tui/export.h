/* tui/export.h - a conversation written to a file (export.c), on the chat
 * worker's thread: no curses. */
#ifndef CONVO_TUI_EXPORT_H
#define CONVO_TUI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"

/* The default file for a contact's conversation: convo-ID.txt in the
 * current directory. */
void export_default_path(int32_t contact_id, char *out, size_t len);
/* contact_id's conversation as a transcript (core_export, txt) to path
 * (~/ is the home directory). It is written beside path under another
 * name and moved into place whole, so a failure leaves nothing
 * half-written and an existing file is replaced only when overwrite:
 * otherwise CORE_ERR_EXISTS. *rows counts the messages; err says what went
 * wrong, or on success the absolute path written. */
enum core_status export_conversation(struct core_conn *conn, int32_t contact_id,
                                     const char *path, bool overwrite, int64_t *rows,
                                     char *err, size_t errlen);

#endif

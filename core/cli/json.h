/* core/cli/json.h - the JSON the CLIs print. */
#ifndef CONVO_CORE_JSON_H
#define CONVO_CORE_JSON_H

#include <stdio.h>

#include "lib.h"

/* A JSON string literal: quotes, backslashes and control characters escaped;
 * other bytes as they are (text from the database is valid UTF-8). */
void json_string(FILE *f, const char *s);
/* {"<key>": [...], "next_cursor": ..., "elapsed_ms": N[, progress]} */
void json_page(FILE *f, const char *key, const struct core_page *page, bool search);

/* {"message_id": N, "contact_id": N, "name", "phone_number", "direction",
 * "content", "created_at"} for follow and send. */
void json_message(FILE *f, const struct core_row *row);

#endif

/* core/cli/json.h - the JSON the CLIs print. */
#ifndef CONVO_CORE_JSON_H
#define CONVO_CORE_JSON_H

#include <stdio.h>

#include "lib.h"

/* s up to its NUL as a JSON string literal, escaped as core_json_string()
 * escapes (base.h); NULL prints "". */
void json_string(FILE *f, const char *s);
/* {"<key>": [...], "next_cursor": ..., "elapsed_ms": N[, progress]} */
void json_page(FILE *f, const char *key, const struct core_page *page, bool search);

/* {"message_id": N, "contact_id": N, "name", "phone_number", "direction",
 * "content", "created_at"} for follow and send. */
void json_message(FILE *f, const struct core_row *row);

#endif

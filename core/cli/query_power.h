/* core/cli/query_power.h - convo-query's export and contact add. */
#ifndef CONVO_CORE_QUERY_POWER_H
#define CONVO_CORE_QUERY_POWER_H

#include "lib.h"

/* export: the conversation of contact_id, or every message containing
 * term (when not NULL), to stdout in format. A closed pipe ends it
 * quietly with 0. */
int query_export(const char *db, long contact_id, const char *term,
                 enum core_export_format format);
/* contact add PHONE [NAME]: the new contact as JSON; 1 naming the contact
 * that has the number already, 2 for a malformed number. */
int query_contact_add(const char *db, const char *phone, const char *name);
/* "jsonl", "csv" or "txt" into *out; false for anything else. */
bool query_export_format(const char *name, enum core_export_format *out);

#endif

/* seeder/migrate.h - the schema ledger of a database.
 *
 * public.convo_schema_migrations (version, name, checksum, applied_at) says
 * which of schema/NNN_name.sql a database has: each file is applied once, in
 * a transaction of its own that also records it, with the sha256 of its bytes.
 * A file is never edited once applied: a change is a new file, and a
 * database whose recorded checksums differ from the files is refused.
 *
 * Before the first write the database is looked at: empty, convo's own
 * tables from before the ledger (the files are idempotent, so they are
 * applied again and recorded), or tables convo did not create, which are
 * refused with what differs. */
#ifndef CONVO_SEED_MIGRATE_H
#define CONVO_SEED_MIGRATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bring the database up to the schema files: apply each one the ledger does
 * not have, in order, one transaction each; applied ones are named on log
 * (when not NULL). Refuses, before any write, a database of tables convo did
 * not create and one whose applied files differ from seed_schema_dir's.
 * check_only: change nothing, and fail if anything would be applied. */
bool seed_migrate(PGconn *conn, bool check_only, FILE *log, char *err, size_t errlen);

/* For --reset: the relations convo did not create that depend on contacts
 * or messages (a foreign key, a view), which the swap would drop or cut
 * loose, except those named in keep (count nkeep). Empty when there are
 * none; "conversations (foreign key conversations_contact_id_fkey), ..."
 * otherwise. false on error, err set. */
bool seed_foreign_dependents(PGconn *conn, const char *const *keep, size_t nkeep,
                             char *out, size_t outlen, char *err, size_t errlen);

#endif

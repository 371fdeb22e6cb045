/* seeder/schema.h - the schema files, the staging copy they build, and the
 * index and constraint definitions read back from it. */
#ifndef CONVO_SEED_SCHEMA_H
#define CONVO_SEED_SCHEMA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* Definitions read back from a staging table. */
struct seed_defs {
    char **constraints;       /* "PRIMARY KEY (created_at, id)" etc. */
    char **cnames;            /* suffix for the partition's constraint name */
    size_t nconstraints;
    char **indexes;           /* "USING gin (content public.gin_trgm_ops)" */
    char **inames;            /* full CREATE INDEX of the parent, for contacts */
    char **isuffix;
    size_t nindexes;
};

/* The folder of the schema files: --schema DIR, else schema/ of the checkout
 * the program was built in (found from the executable); NULL with err. */
const char *seed_schema_folder(char *err, size_t errlen);
/* The names of the folder's NNN*.sql files, sorted; false with err set when there are
 * none or the folder cannot be read. */
bool seed_schema_list(char ***names, size_t *count, char *err, size_t errlen);
void seed_schema_list_free(char **names, size_t count);
/* One file's bytes, NUL-terminated (len without the NUL); NULL with err. */
char *seed_schema_read(const char *name, size_t *len, char *err, size_t errlen);
/* Apply every seed_schema_dir/NNN*.sql in order, under the current
 * search_path (the staging copy; public goes through the ledger, migrate.h). */
bool seed_schema_apply(PGconn *conn, char *err, size_t errlen);
/* An empty STAGE schema with the schema files applied, without the months
 * they prepare ahead; *msg_defs gets the definitions of its messages. */
bool seed_schema_stage(PGconn *conn, struct seed_defs *msg_defs, char *err, size_t errlen);
/* Unique/primary-key constraints and the other indexes of STAGE.table. */
bool seed_defs_read(PGconn *conn, const char *table, struct seed_defs *d, char *err,
                    size_t errlen);
void seed_defs_free(struct seed_defs *d);

#endif

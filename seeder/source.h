/* seeder/source.h - the shape of a user's own messaging database: which of
 * its tables and columns hold convo's contacts and messages (found by name,
 * or given by --map), and the SQL that reads each convo column from them. */
#ifndef CONVO_SEED_SOURCE_H
#define CONVO_SEED_SOURCE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "seed.h"

/* SQL over the source, every expression already in convo's type, over the
 * aliases c (the contacts table) and m (the messages table). */
struct seed_shape {
    char *contacts, *messages;           /* the tables, schema-qualified and quoted */
    char *contacts_name, *messages_name; /* the same as the user knows them */
    char *c_id;                          /* integer */
    char *c_phone, *c_name;              /* text; c_name '' when missing */
    char *c_created, *c_updated;         /* timestamptz; NULL when missing */
    char *m_id, *m_contact;              /* integer */
    char *m_content;                     /* text */
    char *m_time;                        /* timestamptz */
    char *m_time_raw;                    /* the time column as it is stored */
    bool m_time_local;                   /* ... a time without zone (or a date) */
    char *m_dir;                         /* 'in' or 'out'; NULL for a text that is neither */
    char *m_dir_raw;                     /* a text direction column, else NULL */
    bool m_heap;                         /* messages is one heap (no partitions, no
                                            children, not a view): ctid bounds its rows */
    char *ignored;                       /* "contacts.foo, messages.bar", or "" */
};

/* Find the tables and columns on src (catalog reads only). False with err
 * naming the table and column it could not place and the --map that would. */
bool seed_shape_find(PGconn *src, const struct seed_import_opts *opts, struct seed_shape *s,
                     char *err, size_t errlen);
void seed_shape_free(struct seed_shape *s);

/* printf into a new string (the caller frees it). */
char *seed_sqlf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

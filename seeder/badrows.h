/* seeder/badrows.h - the source rows convo cannot store: which they are and
 * why, and the SQL conditions that leave them out of the copy. */
#ifndef CONVO_SEED_BADROWS_H
#define CONVO_SEED_BADROWS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "source.h"

enum seed_bad_kind {
    SEED_BAD_PHONE,           /* phone number NULL, empty or longer than convo allows */
    SEED_BAD_DUP_PHONE,       /* a phone number an earlier contact has */
    SEED_BAD_CONTENT,         /* message content NULL */
    SEED_BAD_CONTACT,         /* a message whose contact does not exist */
    SEED_BAD_LEFT_OUT,        /* a message whose contact is itself a bad row */
    SEED_BAD_TIME,            /* NULL, infinite or past what convo stores */
    SEED_BAD_DIRECTION,       /* a text direction that is neither in nor out */
    SEED_BAD_KINDS
};

struct seed_bad {
    uint64_t count[SEED_BAD_KINDS];
    uint64_t total;
    char first[400];          /* "messages id 42: content is NULL" */
};

/* The conditions, over the source, that a row must meet to be imported. */
struct seed_rules {
    char *ctes;               /* "cv AS (...), ..., bad_contacts AS (...)" for the
                                 conditions to use, or "" when no contact is left
                                 out and none is missing */
    char *good_contact;       /* over c */
    char *good_message;       /* over m */
};

/* Every bad row of the snapshot, contacts first, each by id: counted into
 * *bad and, when list is given, written there one a line ("table TAB id TAB
 * reason"; the file appears whole or not at all). phone_max: the longest
 * phone number convo takes, 0 for no limit. */
bool seed_bad_scan(PGconn *src, const struct seed_shape *s, long phone_max, const char *list,
                   struct seed_bad *bad, char *err, size_t errlen);
/* The counts as "NULL content: 1, duplicate phone: 2". */
void seed_bad_describe(const struct seed_bad *bad, char *buf, size_t len);
/* The conditions that leave out exactly the rows the scan found. */
void seed_rules_make(const struct seed_shape *s, long phone_max, const struct seed_bad *bad,
                     struct seed_rules *rules);
void seed_rules_free(struct seed_rules *rules);

#endif

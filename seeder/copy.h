/* seeder/copy.h - PostgreSQL's binary COPY format: the row encoders (inline:
 * they run for every field of millions of rows), and COPY of a month of
 * messages or of all contacts. */
#ifndef CONVO_SEED_COPY_H
#define CONVO_SEED_COPY_H

#include <libpq-fe.h>
#include <string.h>

#include "seed.h"

/* The bytes of one COPY not yet handed to libpq. */
struct seed_copybuf {
    char *data;
    size_t len, cap;
};

static inline void seed_copy_reserve(struct seed_copybuf *b, size_t n)
{
    if (b->len + n > b->cap) {
        while (b->len + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 1 << 20;
        b->data = core_xrealloc(b->data, b->cap);
    }
}

static inline void seed_copy_bytes(struct seed_copybuf *b, const void *p, size_t n)
{
    seed_copy_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void seed_copy_u16(struct seed_copybuf *b, uint16_t v)
{
    seed_copy_reserve(b, 2);
    core_put_be16(b->data + b->len, v);
    b->len += 2;
}

static inline void seed_copy_u32(struct seed_copybuf *b, uint32_t v)
{
    seed_copy_reserve(b, 4);
    core_put_be32(b->data + b->len, v);
    b->len += 4;
}

static inline void seed_copy_u64(struct seed_copybuf *b, uint64_t v)
{
    seed_copy_reserve(b, 8);
    core_put_be64(b->data + b->len, v);
    b->len += 8;
}

/* Fields: a length word, then the value. */
static inline void seed_copy_int4(struct seed_copybuf *b, int32_t v)
{
    seed_copy_u32(b, 4);
    seed_copy_u32(b, (uint32_t)v);
}

static inline void seed_copy_int8(struct seed_copybuf *b, int64_t v)
{
    seed_copy_u32(b, 8);
    seed_copy_u64(b, (uint64_t)v);
}

static inline void seed_copy_time(struct seed_copybuf *b, int64_t unix_us)
{
    seed_copy_int8(b, unix_us - CORE_PG_EPOCH_US);
}

static inline void seed_copy_text(struct seed_copybuf *b, const char *s, size_t n)
{
    seed_copy_u32(b, (uint32_t)n);
    seed_copy_bytes(b, s, n);
}

static inline void seed_copy_null(struct seed_copybuf *b)
{
    seed_copy_u32(b, 0xffffffffu);
}

static inline void seed_copy_header(struct seed_copybuf *b)
{
    seed_copy_bytes(b, "PGCOPY\n\377\r\n\0", 11);
    seed_copy_u32(b, 0);
    seed_copy_u32(b, 0);
}

/* Start COPY ... FROM STDIN with sql; hand over what b holds; end it with
 * the trailer and read the outcome. Each: false with err set. */
bool seed_copy_begin(PGconn *conn, const char *sql, char *err, size_t errlen);
bool seed_copy_flush(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen);
bool seed_copy_end(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen);
/* The same without adding the trailer: b's bytes end a stream that holds
 * its own (one relayed from another server's COPY TO). */
bool seed_copy_finish(PGconn *conn, struct seed_copybuf *b, char *err, size_t errlen);

/* COPY ... FREEZE the messages of month m into STAGE.table, created in this
 * transaction. Rows count on bar as they reach the server; *reported says
 * how many did. Stops, with err "cancelled", once *failed is set. */
bool seed_copy_month(PGconn *conn, const char *table, const struct seed_plan *plan,
                     const struct seed_bodies *bodies, const struct seed_month *m,
                     struct seed_progress *progress, int bar, const _Atomic bool *failed,
                     size_t *reported, char *err, size_t errlen);
/* Load every contact into STAGE.contacts in one transaction, its indexes
 * dropped first and built after; bar counts the rows. */
bool seed_copy_contacts(PGconn *conn, const struct seed_plan *plan,
                        struct seed_progress *progress, int bar, char *err, size_t errlen);
/* The same load around rows that send provides: it runs the COPY into
 * STAGE.contacts, adding to bar as rows go out and keeping *reported at
 * what it added; the rest of total counts when the indexes are built. */
typedef bool (*seed_copy_send)(PGconn *conn, void *arg, struct seed_progress *progress, int bar,
                               size_t *reported, char *err, size_t errlen);
bool seed_copy_contacts_with(PGconn *conn, seed_copy_send send, void *arg, size_t total,
                             struct seed_progress *progress, int bar, char *err, size_t errlen);

/* Run sql, a COPY ... TO STDOUT (FORMAT binary), on src and pass what it
 * sends, unchanged (it brings the binary header and trailer), into the COPY
 * FROM STDIN already begun on dst, then end that. The source must give
 * exactly expect rows (what says which rows, in the error otherwise). Rows
 * count on bar as they go (the server sends one a message); *reported says
 * how many did. Stops, with err "cancelled", once *failed is set. */
bool seed_copy_relay(PGconn *src, const char *sql, PGconn *dst, struct seed_progress *progress,
                     int bar, size_t expect, const _Atomic bool *failed, size_t *reported,
                     const char *what, char *err, size_t errlen);

#endif

/* core/base.h - the small helpers every convo program may use, kept once
 * here: clocks, the checkout a program was built in, allocation that
 * never returns NULL, UTF-8 checks, JSON
 * string escaping, a 64-bit hash, big-endian encoding and PostgreSQL's
 * epoch. No database, no curses; part of libconvo, and with core/lib.h the
 * second public header. Everything carries core's prefix. */
#ifndef CONVO_CORE_BASE_H
#define CONVO_CORE_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- time ----------------------------------------------------------------- */

/* PostgreSQL's binary timestamps count microseconds from 2000-01-01 UTC;
 * this is that instant in Unix microseconds. */
#define CORE_PG_EPOCH_US INT64_C(946684800000000)

/* Monotonic milliseconds (CLOCK_MONOTONIC): for durations and deadlines. */
double core_now_ms(void);
/* Wall-clock microseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t core_wall_us(void);

/* ---- where the program was built ------------------------------------------ */

/* The convo checkout the running program was built in, found from the
 * executable's own path (/proc/self/exe), never from a path compiled in:
 * the nearest folder above it holding both meson.build and schema/
 * (build/tui/convo -> the checkout). False, buf "", when there is none
 * (a copy installed elsewhere, or a build folder outside the checkout). */
bool core_checkout_dir(char *buf, size_t len);

/* ---- allocation ----------------------------------------------------------- */

/* malloc, calloc, realloc and strdup that never return NULL: out of memory
 * they call the handler, which must not return. A size of 0 allocates 1
 * byte; core_xstrdup(NULL) is "". */
void *core_xmalloc(size_t size);
void *core_xcalloc(size_t count, size_t size);
void *core_xrealloc(void *ptr, size_t size);
char *core_xstrdup(const char *s);
/* The out-of-memory handler, given the size that failed; NULL restores the
 * default, which prints "PROGRAM: error: out of memory (N bytes)" on stderr
 * and exits 1. A program with a terminal to restore sets its own. */
void core_set_oom_handler(void (*handler)(size_t size));

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Length (1..4) of the well-formed UTF-8 character at s, which has len
 * bytes left, or 0 when it is not one: a stray continuation byte, a
 * truncated sequence, an overlong form, a surrogate or above U+10FFFF. */
size_t core_utf8_len(const unsigned char *s, size_t len);
/* The same, also giving the character in *cp when it is one. */
size_t core_utf8_next(const unsigned char *s, size_t len, uint32_t *cp);
/* Number of characters of a NUL-terminated string, or -1 when it is not
 * well-formed UTF-8 (as core_utf8_len judges). */
long core_utf8_chars(const char *text);
/* Decode one character at s into *out and return its length; 0 at the NUL
 * or on a malformed lead or continuation byte. Lenient: overlong forms and
 * surrogates decode. */
size_t core_utf8_decode(const unsigned char *s, uint32_t *out);

/* ---- JSON ----------------------------------------------------------------- */

/* len bytes of s as a JSON string literal, quotes included: '"' and '\' are
 * escaped, \n \r \t by name, the other bytes below 0x20 and 0x7f as \u00XX;
 * every other byte is written as it is, so UTF-8 stays UTF-8 (and invalid
 * bytes stay invalid: give it checked text). */
void core_json_string(FILE *f, const char *s, size_t len);

/* ---- hashing -------------------------------------------------------------- */

/* A keyed 64-bit hash of len bytes (splitmix64 finalizer over 8-byte
 * blocks). Stable across runs and machines: cursors carry it. Not a MAC
 * against an attacker. */
uint64_t core_hash64(const void *data, size_t len, uint64_t seed);

/* ---- big-endian encoding (the wire order of PostgreSQL's binary formats) -- */

static inline void core_put_be16(void *dst, uint16_t v)
{
    unsigned char *b = dst;
    b[0] = (unsigned char)(v >> 8);
    b[1] = (unsigned char)v;
}

static inline void core_put_be32(void *dst, uint32_t v)
{
    unsigned char *b = dst;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static inline void core_put_be64(void *dst, uint64_t v)
{
    core_put_be32(dst, (uint32_t)(v >> 32));
    core_put_be32((unsigned char *)dst + 4, (uint32_t)v);
}

#endif

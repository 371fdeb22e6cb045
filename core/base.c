/* core/base.c - the small helpers every convo program shares (see base.h):
 * clocks, the checkout, allocation wrappers, UTF-8 checks, JSON strings, the hash. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "base.h"

#include <errno.h>    /* program_invocation_short_name */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- time ----------------------------------------------------------------- */

double core_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t core_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- where the program was built ------------------------------------------ */

static bool is_checkout(const char *dir)
{
    char path[4096 + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/meson.build", dir);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    snprintf(path, sizeof path, "%s/schema", dir);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool core_checkout_dir(char *buf, size_t len)
{
    char dir[4096];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    if (len)
        buf[0] = '\0';
    if (n <= 0)
        return false;
    dir[n] = '\0';
    for (char *slash; (slash = strrchr(dir, '/')) && slash > dir;) {
        *slash = '\0';   /* the folder above */
        if (is_checkout(dir)) {
            if ((size_t)snprintf(buf, len, "%s", dir) >= len) {
                buf[0] = '\0';
                return false;
            }
            return true;
        }
    }
    return false;
}

/* ---- allocation ----------------------------------------------------------- */

static void (*oom_handler)(size_t size);

void core_set_oom_handler(void (*handler)(size_t size))
{
    oom_handler = handler;
}

static void *oom(size_t size)
{
    if (oom_handler)
        oom_handler(size);
    fprintf(stderr, "%s: error: out of memory (%zu bytes)\n", program_invocation_short_name,
            size);
    exit(1);
}

void *core_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    return p ? p : oom(size);
}

void *core_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    return p ? p : oom(count * size);
}

void *core_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    return p ? p : oom(size);
}

char *core_xstrdup(const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    return memcpy(core_xmalloc(n), s, n);
}

/* ---- UTF-8 ---------------------------------------------------------------- */

size_t core_utf8_len(const unsigned char *s, size_t len)
{
    uint32_t cp;
    return core_utf8_next(s, len, &cp);
}

size_t core_utf8_next(const unsigned char *s, size_t len, uint32_t *out)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *out = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *out = cp;
    return n;
}

long core_utf8_chars(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    long n = 0;
    /* A sequence never runs past the NUL: NUL is not a continuation byte. */
    while (*s) {
        size_t len = core_utf8_len(s, 4);
        if (!len)
            return -1;
        s += len;
        n++;
    }
    return n;
}

size_t core_utf8_decode(const unsigned char *s, uint32_t *out)
{
    unsigned c = s[0];
    size_t len;
    if (c < 0x80) {
        *out = c;
        return c ? 1 : 0;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, c &= 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    *out = c;
    return len;
}

/* ---- JSON ----------------------------------------------------------------- */

void core_json_string(FILE *f, const char *s, size_t len)
{
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                putc(c, f);
        }
    }
    putc('"', f);
}

/* ---- hashing -------------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t core_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = mix64(seed ^ (len * UINT64_C(0x9e3779b97f4a7c15)));
    while (len > 0) {
        uint64_t block = 0;
        size_t n = len < 8 ? len : 8;
        for (size_t i = 0; i < n; i++)
            block |= (uint64_t)p[i] << (8 * i);
        h = mix64(h ^ block) + UINT64_C(0x9e3779b97f4a7c15);
        p += n;
        len -= n;
    }
    return mix64(h);
}

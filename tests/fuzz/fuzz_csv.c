/* tests/fuzz/fuzz_csv.c - libFuzzer target: the seeder's CSV reader.
 *
 * Differential: every line of the input (ended by LF, CRLF or a lone CR)
 * is trimmed and, when it is exactly one well-formed quoted field,
 * unquoted, by a second reading written here from the rules in the README; the reader must return exactly those bodies,
 * in order. So it never returns more bodies than lines and never loses a
 * non-blank line. Input with a NUL byte or invalid UTF-8 must be refused
 * with a message naming the line. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seed.h"

static bool blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
    while (*n && blank((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && blank((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* The unquoted text of "..." with "" inside, else NULL. */
static char *unquote(const char *s, size_t n, size_t *out_n)
{
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return NULL;
    char *out = malloc(n);
    size_t o = 0;
    for (size_t i = 1; i < n - 1; i++) {
        if (s[i] == '"') {
            if (i + 1 >= n - 1 || s[i + 1] != '"') {
                free(out);
                return NULL;
            }
            i++;
        }
        out[o++] = s[i];
    }
    *out_n = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seed_bodies bodies = {0};
    struct seed_csv_stats st;
    char err[256] = "";
    bool ok = seed_csv_parse((const char *)data, size, &bodies, &st, err, sizeof err);
    if (!ok) {
        assert(strstr(err, "NUL byte on line") || strstr(err, "invalid byte on line")
               || strstr(err, "empty file") || strstr(err, "no message bodies"));
        assert(!strstr(err, "NUL byte") || memchr(data, 0, size));
        seed_bodies_free(&bodies);
        return 0;
    }
    assert(!memchr(data, 0, size));
    const char *p = (const char *)data;
    size_t left = size, lines = 0, want = 0;
    if (left >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
        left -= 3;
    }
    while (left > 0) {
        /* A line ends at LF, at CRLF, or at a lone CR. */
        size_t n = 0;
        while (n < left && p[n] != '\n' && p[n] != '\r')
            n++;
        size_t end = n == left ? 0 : n + 1 < left && p[n] == '\r' && p[n + 1] == '\n' ? 2 : 1;
        const char *line = p;
        size_t len = n;
        p += n + end;
        left -= n + end;
        lines++;
        trim(&line, &len);
        if (!len)
            continue;
        size_t un;
        char *body = unquote(line, len, &un);
        const char *b = body ? body : line;
        size_t bn = body ? un : len;
        if (body)
            trim(&b, &bn);
        if (bn) {
            assert(want < bodies.count);
            assert(bodies.len[want] == bn && memcmp(seed_body(&bodies, want), b, bn) == 0);
            want++;
        }
        free(body);
    }
    assert(want == bodies.count);
    assert(bodies.count <= lines && st.lines == lines && st.bodies == bodies.count);
    seed_bodies_free(&bodies);
    return 0;
}

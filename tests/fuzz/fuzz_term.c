/* tests/fuzz/fuzz_term.c - libFuzzer target: search terms (core/term.c).
 *
 * For any bytes: the character count agrees with an independent strict
 * UTF-8 decoder; the term's problem is named exactly when it is invalid or
 * too long; the ILIKE pattern, read back as LIKE reads it, matches the term
 * itself and nothing wider in escaping; the prefilter pattern (when there is
 * one) matches the term case-sensitively; the digits pattern holds exactly
 * the term's digits, and only for phone-like terms. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Strict UTF-8: -1 when invalid, else the number of characters. */
static long count_chars(const unsigned char *s)
{
    long n = 0;
    while (*s) {
        unsigned c = *s, cp, len;
        if (c < 0x80) { s++; n++; continue; }
        if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
        else return -1;
        for (unsigned i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return -1;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))
            || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        s += len;
        n++;
    }
    return n;
}

/* LIKE with '\' as the escape: does pattern p match all of s? */
static bool like(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '%') {
        for (const char *t = s;; t++) {
            if (like(p + 1, t))
                return true;
            if (!*t)
                return false;
        }
    }
    if (!*s)
        return false;
    if (*p == '_') {
        /* one character: skip a whole UTF-8 sequence */
        s++;
        while ((*(const unsigned char *)s & 0xc0) == 0x80)
            s++;
        return like(p + 1, s);
    }
    if (*p == '\\') {
        assert(p[1]);   /* never a dangling escape */
        p++;
    }
    return *p == *s && like(p + 1, s + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 600)
        return 0;   /* LIKE matching here is exponential in '%'; terms are short */
    char *term = malloc(size + 1);
    memcpy(term, data, size);
    term[size] = '\0';

    long n = count_chars((const unsigned char *)term);
    assert(core_utf8_chars(term) == n);
    const char *problem = core_term_problem(term);
    if (n < 0)
        assert(problem && strcmp(problem, "invalid UTF-8") == 0);
    else if (n > CORE_TERM_MAX_CHARS)
        assert(problem && strcmp(problem, "longer than 200 characters") == 0);
    else
        assert(!problem);
    assert((core_term_check(term) == CORE_OK) == !problem);

    char *pat = core_like_pattern(term);
    size_t plen = strlen(pat);
    assert(plen >= 2 && pat[0] == '%' && pat[plen - 1] == '%');
    /* Unescaped, the inside is the term: no wildcard got through. */
    size_t o = 0;
    for (size_t i = 1; i < plen - 1; i++) {
        if (pat[i] == '\\')
            i++;
        else
            assert(pat[i] != '%' && pat[i] != '_');
        assert(term[o] == pat[i]);
        o++;
    }
    assert(term[o] == '\0');
    if (!problem && strlen(term) < 80) {
        assert(like(pat, term));
        char *pre = core_prefilter_pattern(term);
        if (*pre)
            assert(like(pre, term));
        free(pre);
    }
    free(pat);

    char *dig = core_digits_pattern(term);
    bool phone = false, only = true;
    for (const char *s = term; *s; s++) {
        if (*s >= '0' && *s <= '9')
            phone = true;
        else if (!strchr("+-(). ", *s))
            only = false;
    }
    if (phone && only) {
        size_t k = 1, dl = strlen(dig);
        assert(dl >= 3 && dig[0] == '%' && dig[dl - 1] == '%');
        for (const char *s = term; *s; s++)
            if (*s >= '0' && *s <= '9')
                assert(dig[k++] == *s);
        assert(k == dl - 1);
    } else {
        assert(*dig == '\0');
    }
    free(dig);
    (void)core_term_indexable(term);
    (void)core_term_has_word3(term);
    free(term);
    return 0;
}

/* core/fold.c - accents folded as the server's contrib unaccent folds them
 * (schema 013's convo_fold), from the table core/fold_gen.py writes from
 * the server's unaccent.rules. unaccent replaces each character on its own
 * (every rule's source is one character), so the text folds character by
 * character. Search folds on the server; core needs the same map to fold
 * what a program highlights, and to reason about a term's trigrams and
 * punctuation as the folded index sees them. tests/core/fold.sh compares
 * the two. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "lib.h"
#include "fold_table.h"

const char *core_unaccent_char(uint32_t c)
{
    if (c < 0x80)
        return NULL; /* no rule has an ASCII source */
    size_t lo = 0, hi = sizeof fold_rules / sizeof fold_rules[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fold_rules[mid].from == c)
            return fold_rules[mid].to;
        if (fold_rules[mid].from < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool core_has_accents(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t c;
        size_t len = core_utf8_decode(s, &c);
        if (!len)
            len = 1; /* not UTF-8: unaccent keeps the byte */
        else if (core_unaccent_char(c))
            return true;
        s += len;
    }
    return false;
}

char *core_unaccent(const char *text)
{
    /* The longest replacement is short: measure before writing. */
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t c;
        size_t len = core_utf8_decode(s, &c);
        const char *to = len ? core_unaccent_char(c) : NULL;
        if (!len)
            len = 1;
        n += to ? strlen(to) : len;
        s += len;
    }
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (s = (const unsigned char *)text; *s;) {
        uint32_t c;
        size_t len = core_utf8_decode(s, &c);
        const char *to = len ? core_unaccent_char(c) : NULL;
        if (!len)
            len = 1;
        if (to) {
            size_t t = strlen(to);
            memcpy(o, to, t);
            o += t;
        } else {
            memcpy(o, s, len);
            o += len;
        }
        s += len;
    }
    *o = '\0';
    return out;
}

/* core/term.c - what a search term may be and how it reaches SQL.
 * The term is always a parameter; here it only gets LIKE's escapes. */
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "term_pattern.h"

const char *core_term_problem(const char *term)
{
    if (!term)
        return NULL;
    long n = core_utf8_chars(term);
    if (n < 0)
        return "invalid UTF-8";
    if (n > CORE_TERM_MAX_CHARS)
        return "longer than " CORE_TERM_MAX_TEXT " characters";
    return NULL;
}

enum core_status core_term_check(const char *term)
{
    return core_term_problem(term) ? CORE_ERR_TERM : CORE_OK;
}

char *core_like_pattern(const char *term)
{
    size_t n = strlen(term);
    char *p = malloc(2 * n + 3), *o = p;
    if (!p)
        return NULL;
    *o++ = '%';
    for (const char *s = term; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

/* ILIKE lowers each character of both sides (libc: one character for one),
 * and no character lowers to an ASCII digit, space or punctuation. So a
 * row ILIKE the term also holds the term's caseless characters literally,
 * at the same distances: '_' stands for each letter and each non-ASCII
 * character. LIKE tests that without lowering the row. */
char *core_prefilter_pattern(const char *term)
{
    size_t n = strlen(term);
    char *p = malloc(2 * n + 3), *o = p;
    if (!p)
        return NULL;
    bool useful = false;
    *o++ = '%';
    for (const unsigned char *s = (const unsigned char *)term; *s; s++) {
        if ((*s & 0xc0) == 0x80)
            continue; /* rest of a character already written as '_' */
        if (*s >= 0x80 || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            *o++ = '_';
            continue;
        }
        if (*s != ' ')
            useful = true;
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = (char)*s;
    }
    *o++ = '%';
    *o = '\0';
    if (!useful)
        *p = '\0';
    return p;
}

char *core_digits_pattern(const char *term)
{
    size_t n = strlen(term);
    char *p = malloc(n + 3), *o = p;
    if (!p)
        return NULL;
    bool digit = false;
    *o++ = '%';
    for (const char *s = term; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            *o++ = *s;
            digit = true;
        } else if (!strchr("+-(). ", *s)) {
            digit = false;
            break;
        }
    }
    if (!digit) {
        p[0] = '\0';
        return p;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

static locale_t term_locale(void);

/* pg_trgm's word characters: letters and digits of the database's ctype
 * (C.UTF-8, as initdb was told; iswalnum there). Symbols, punctuation and
 * emoji are not, in ASCII or beyond: `€€€` or `🦊🦊🦊` has no trigram. *len
 * receives the character's length in bytes (a byte that is not UTF-8
 * counts as one, and as a word character, as pg_trgm keeps it). */
static bool word_char(const unsigned char *s, size_t *len)
{
    if (*s < 0x80) {
        *len = 1;
        return (*s >= '0' && *s <= '9') || ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z');
    }
    uint32_t c;
    *len = core_utf8_decode(s, &c);
    if (!*len) {
        *len = 1;
        return true;
    }
    locale_t loc = term_locale();
    return !loc || iswalnum_l((wint_t)c, loc);
}

/* pg_trgm turns a LIKE pattern into the trigrams of its words; a word
 * padded with blanks where it meets a non-word character inside the term.
 * So the term yields a trigram when a word has 3 characters, or a word of
 * 1-2 characters meets punctuation or a blank on at least one side (then
 * the index narrows to rows with a word that starts or ends that way). Only
 * a term without any trigram makes the index read everything. */
bool core_term_indexable(const char *term)
{
    const unsigned char *s = (const unsigned char *)term;
    size_t i = 0, n = strlen(term), len;
    while (i < n) {
        if (!word_char(s + i, &len)) {
            i += len;
            continue;
        }
        size_t start = i, chars = 0;
        while (i < n && word_char(s + i, &len)) {
            chars++;
            i += len;
        }
        if (chars >= 3 || start > 0 || i < n)
            return true;
    }
    return false;
}

bool core_term_has_word3(const char *term)
{
    const unsigned char *s = (const unsigned char *)term;
    size_t chars = 0, len;
    for (; *s; s += len) {
        if (!word_char(s, &len))
            chars = 0;
        else if (++chars >= 3)
            return true;
    }
    return false;
}

bool core_term_has_symbol(const char *term)
{
    const unsigned char *s = (const unsigned char *)term;
    size_t len;
    for (; *s; s += len)
        if (!word_char(s, &len) && *s != ' ')
            return true;
    return false;
}

/* A run of five digits or more (a whole phone number, `+15550142233`; not
 * the groups of `+1 (555) 014-2233`): its trigrams are rare, while in text
 * full of numbers its digit pairs are everywhere (a whole number took 84
 * ms over 5M real-length messages by its n-grams, 13 ms by its trigrams). */
static bool has_digit_run(const char *term)
{
    int run = 0;
    for (const char *c = term; *c; c++) {
        run = *c >= '0' && *c <= '9' ? run + 1 : 0;
        if (run >= 5)
            return true;
    }
    return false;
}

bool core_term_wants_grams(const char *term)
{
    return !core_term_indexable(term) || !core_term_has_word3(term) ||
           (core_term_has_symbol(term) && !has_digit_run(term));
}

bool core_term_has_span(const char *term)
{
    /* Code points before each byte, then a space with 3 on either side. */
    const unsigned char *s = (const unsigned char *)term;
    size_t total = 0;
    for (const unsigned char *c = s; *c; c++)
        total += (*c & 0xc0) != 0x80;
    size_t before = 0;
    for (; *s; s++) {
        if ((*s & 0xc0) == 0x80)
            continue;
        if (*s == ' ' && before >= CORE_SPAN_SIDE && total - before - 1 >= CORE_SPAN_SIDE)
            return true;
        before++;
    }
    return false;
}

/* ---- case folding ---------------------------------------------------------- */

static locale_t fold_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_init(void)
{
    /* The database's ctype (initdb --locale C.UTF-8): ILIKE lowers with
     * the same towlower. */
    fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t term_locale(void)
{
    pthread_once(&fold_once, fold_init);
    return fold_locale;
}

uint32_t core_fold_char(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    pthread_once(&fold_once, fold_init);
    if (!fold_locale)
        return c;
    wint_t l = towlower_l((wint_t)c, fold_locale);
    return l > 0 && l <= 0x10ffff ? (uint32_t)l : c;
}

static size_t utf8_encode(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    } else if (c < 0x800) {
        o[0] = (char)(0xc0 | c >> 6);
        o[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    } else if (c < 0x10000) {
        o[0] = (char)(0xe0 | c >> 12);
        o[1] = (char)(0x80 | (c >> 6 & 0x3f));
        o[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | c >> 18);
    o[1] = (char)(0x80 | (c >> 12 & 0x3f));
    o[2] = (char)(0x80 | (c >> 6 & 0x3f));
    o[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

char *core_term_fold(const char *term)
{
    size_t n = strlen(term);
    char *out = malloc(4 * n + 1), *o = out;
    if (!out)
        return NULL;
    const unsigned char *s = (const unsigned char *)term;
    while (*s) {
        uint32_t c;
        size_t len = core_utf8_decode(s, &c);
        if (!len) { /* not UTF-8: kept as it is */
            *o++ = (char)*s++;
            continue;
        }
        o += utf8_encode(core_fold_char(c), o);
        s += len;
    }
    *o = '\0';
    return out;
}

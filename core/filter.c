/* core/filter.c - a search term's filter words and the words it searches.
 * A word is a run of non-blanks; `with:"..."` runs to its closing quote,
 * blanks included. Text in double quotes is one word, blanks and filter
 * words included (`"see you"`, `"is:in"`), to its closing quote or the
 * end of the term. Plain words made of a phone number's characters (digits
 * and + - ( ) .) in a row are one word when they hold a digit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "base.h"
#include "filter.h"
#include "lib.h"

enum kind { NOT_FILTER, IS, AFTER, BEFORE, WITH };

static const struct {
    const char *prefix;
    enum kind kind;
} prefixes[] = {{"is:", IS}, {"after:", AFTER}, {"before:", BEFORE}, {"with:", WITH}};

/* Which filter a word of n bytes names by its prefix, and where its value
 * starts. */
static enum kind kind_of(const char *w, size_t n, size_t *value)
{
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t len = strlen(prefixes[i].prefix);
        if (n >= len && strncasecmp(w, prefixes[i].prefix, len) == 0) {
            *value = len;
            return prefixes[i].kind;
        }
    }
    return NOT_FILTER;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *bad(char *err, size_t errlen, const char *w, size_t n, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "bad filter '%.*s': %s", (int)n, w, why);
    return err;
}

/* One filter word w (n bytes) with its value v (vn bytes) into f. */
static const char *apply(struct core_filter *f, enum kind k, const char *w, size_t n,
                         const char *v, size_t vn, int64_t now_us, char *err, size_t errlen)
{
    char value[256];
    if (vn >= sizeof value)
        return bad(err, errlen, w, n, "value too long");
    memcpy(value, v, vn);
    value[vn] = '\0';
    f->any = true;
    if (k == IS) {
        if (strcasecmp(value, "in") == 0)
            f->dir &= CORE_DIR_IN;
        else if (strcasecmp(value, "out") == 0)
            f->dir &= CORE_DIR_OUT;
        else
            return bad(err, errlen, w, n, "is: takes in or out");
        return NULL;
    }
    if (k == AFTER || k == BEFORE) {
        const char *name = k == AFTER ? "after:" : "before:";
        int64_t us;
        const char *why = vn ? core_date_parse(value, now_us, &us) : "no date";
        if (why)
            return bad(err, errlen, w, n, "%s takes YYYY-MM-DD or YYYY-MM-DDTHH:MM (%s)", name, why);
        if (k == AFTER && us > f->after_us)
            f->after_us = us;
        if (k == BEFORE && us < f->before_us)
            f->before_us = us;
        return NULL;
    }
    size_t start = 0, end = vn;
    while (start < end && blank(value[start]))
        start++;
    while (end > start && blank(value[end - 1]))
        end--;
    if (start == end)
        return bad(err, errlen, w, n, "with: takes a name or phone number");
    if (f->with)
        return bad(err, errlen, w, n, "with: given twice");
    f->with = strndup(value + start, end - start);
    if (!f->with)
        return bad(err, errlen, w, n, "out of memory");
    return NULL;
}

/* The characters of a phone number as it is typed (core_digits_pattern). */
static bool phone_word(const char *w, size_t n, bool *digit)
{
    for (size_t i = 0; i < n; i++) {
        if (w[i] >= '0' && w[i] <= '9')
            *digit = true;
        else if (!strchr("+-().", w[i]))
            return false;
    }
    return n > 0;
}

/* The words being collected: plain words of a phone number's characters
 * in a row are held back (run) and become one word, blanks kept as one
 * space, when the run holds a digit: `+1 415 555 0123` is one number. */
struct words {
    char **v;
    size_t n, cap;
    char *run;
    size_t runlen;
    size_t runwords;
    bool rundigit;
    bool nomem;
};

static void words_push(struct words *ws, const char *w, size_t n)
{
    if (ws->nomem || n == 0)
        return;
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 8;
        char **v = realloc(ws->v, cap * sizeof *v);
        if (!v) {
            ws->nomem = true;
            return;
        }
        ws->v = v;
        ws->cap = cap;
    }
    if (!(ws->v[ws->n] = strndup(w, n)))
        ws->nomem = true;
    else
        ws->n++;
}

/* The held-back run: one word with a digit, else each word alone. */
static void words_flush(struct words *ws)
{
    if (!ws->runwords)
        return;
    if (ws->rundigit) {
        words_push(ws, ws->run, ws->runlen);
    } else {
        for (char *w = ws->run, *end = ws->run + ws->runlen; w < end;) {
            char *sp = memchr(w, ' ', (size_t)(end - w));
            size_t n = sp ? (size_t)(sp - w) : (size_t)(end - w);
            words_push(ws, w, n);
            w += n + 1;
        }
    }
    ws->runlen = ws->runwords = 0;
    ws->rundigit = false;
}

/* A word of the term: plain (may join a phone number's run) or quoted. */
static void words_add(struct words *ws, const char *w, size_t n, bool quoted)
{
    bool digit = false;
    if (!quoted && phone_word(w, n, &digit)) {
        if (ws->runwords)
            ws->run[ws->runlen++] = ' ';
        memcpy(ws->run + ws->runlen, w, n);
        ws->runlen += n;
        ws->runwords++;
        ws->rundigit |= digit;
        return;
    }
    words_flush(ws);
    words_push(ws, w, n);
}

/* The words joined by one space. */
static char *words_join(const struct words *ws)
{
    size_t len = 1;
    for (size_t i = 0; i < ws->n; i++)
        len += strlen(ws->v[i]) + 1;
    char *text = malloc(len), *o = text;
    if (!text)
        return NULL;
    *o = '\0';
    for (size_t i = 0; i < ws->n; i++)
        o += sprintf(o, "%s%s", i ? " " : "", ws->v[i]);
    return text;
}

static void words_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The parse proper. lenient: a bad filter word is dropped instead of
 * failing (for highlighting while a term is typed). */
static const char *parse(const char *term, bool literal, bool lenient, int64_t now_us,
                         struct core_filter *f, char *err, size_t errlen)
{
    *f = (struct core_filter){.dir = CORE_DIR_ANY, .after_us = CORE_US_NINF,
                              .before_us = CORE_US_INF};
    if (!term)
        term = "";
    struct words ws = {.run = malloc(strlen(term) + 1)};
    const char *why = NULL;
    if (!ws.run)
        ws.nomem = true;
    if (literal)
        words_push(&ws, term, strlen(term));
    const char *s = term;
    while (!literal && !why && !ws.nomem && *s) {
        while (blank(*s))
            s++;
        if (!*s)
            break;
        const char *w = s;
        if (*w == '"') { /* a phrase, to its closing quote or the end */
            const char *close = strchr(w + 1, '"');
            size_t n = close ? (size_t)(close - w - 1) : strlen(w + 1);
            s = close ? close + 1 : w + 1 + n;
            words_add(&ws, w + 1, n, true);
            continue;
        }
        while (*s && !blank(*s))
            s++;
        size_t n = (size_t)(s - w), v;
        enum kind k = kind_of(w, n, &v);
        if (k == WITH && w[v] == '"') {
            const char *close = strchr(w + v + 1, '"');
            if (!close) {
                why = lenient ? NULL : bad(err, errlen, w, strlen(w), "with: has no closing quote");
                s = w + strlen(w);
                continue;
            }
            s = close + 1;
            n = (size_t)(s - w);
            why = apply(f, k, w, n, w + v + 1, (size_t)(close - w - v - 1), now_us, err, errlen);
        } else if (k != NOT_FILTER) {
            why = apply(f, k, w, n, w + v, n - v, now_us, err, errlen);
        } else {
            words_add(&ws, w, n, false);
        }
        if (lenient)
            why = NULL;
    }
    words_flush(&ws);
    free(ws.run);
    if (!why && !ws.nomem)
        f->text = words_join(&ws);
    if (!why && (ws.nomem || !f->text)) {
        snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        why = err;
    }
    f->words = ws.v;
    f->nwords = ws.n;
    return why;
}

const char *core_filter_parse(const char *term, bool literal, int64_t now_us,
                              struct core_filter *f, char *err, size_t errlen)
{
    return parse(term, literal, false, now_us, f, err, errlen);
}

char **core_term_words(const char *term, size_t *n)
{
    struct core_filter f;
    char err[256];
    *n = 0;
    if (parse(term, false, true, core_wall_us(), &f, err, sizeof err)) {
        core_filter_free(&f);
        return NULL;
    }
    char **words = f.words;
    *n = f.nwords;
    f.words = NULL;
    f.nwords = 0;
    core_filter_free(&f);
    return words;
}

void core_term_words_free(char **words, size_t n)
{
    words_free(words, n);
}

void core_filter_free(struct core_filter *f)
{
    free(f->text);
    free(f->with);
    words_free(f->words, f->nwords);
    f->text = f->with = NULL;
    f->words = NULL;
    f->nwords = 0;
}

const char *core_filter_problem(const char *term, char *err, size_t errlen)
{
    struct core_filter f;
    const char *why = core_filter_parse(term, false, core_wall_us(), &f, err, errlen);
    core_filter_free(&f);
    return why;
}

/* core/filter.c - the filter words of a search term. A word is a run of
 * non-blanks; `with:"..."` runs to its closing quote, blanks included. A
 * filter word inside double quotes (`"is:in"`) is text, without its
 * quotes. Words that are not filters stay text, joined by one space. */
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

/* Append the n bytes at w to the text, after one space unless first. */
static void text_add(char *text, size_t *len, const char *w, size_t n)
{
    if (*len)
        text[(*len)++] = ' ';
    memcpy(text + *len, w, n);
    *len += n;
    text[*len] = '\0';
}

const char *core_filter_parse(const char *term, bool literal, int64_t now_us,
                              struct core_filter *f, char *err, size_t errlen)
{
    *f = (struct core_filter){.dir = CORE_DIR_ANY, .after_us = CORE_US_NINF,
                              .before_us = CORE_US_INF};
    if (!term)
        term = "";
    size_t tn = strlen(term), len = 0;
    char *text = malloc(tn + 1);
    if (!text) {
        snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        return err;
    }
    text[0] = '\0';
    bool changed = false;
    const char *s = term;
    while (!literal && *s) {
        while (blank(*s))
            s++;
        if (!*s)
            break;
        const char *w = s;
        while (*s && !blank(*s))
            s++;
        size_t n = (size_t)(s - w), v;
        enum kind k = kind_of(w, n, &v);
        if (k == WITH && w[v] == '"') {
            const char *close = strchr(w + v + 1, '"');
            if (!close) {
                free(text);
                return bad(err, errlen, w, strlen(w), "with: has no closing quote");
            }
            s = close + 1;
            n = (size_t)(s - w);
            const char *why = apply(f, k, w, n, w + v + 1, (size_t)(close - w - v - 1), now_us,
                                    err, errlen);
            if (why) {
                free(text);
                return why;
            }
            changed = true;
            continue;
        }
        if (k != NOT_FILTER) {
            const char *why = apply(f, k, w, n, w + v, n - v, now_us, err, errlen);
            if (why) {
                free(text);
                return why;
            }
            changed = true;
            continue;
        }
        size_t inner;
        if (n > 2 && w[0] == '"' && w[n - 1] == '"' && kind_of(w + 1, n - 2, &inner) != NOT_FILTER) {
            text_add(text, &len, w + 1, n - 2); /* "is:in": the text is:in */
            changed = true;
            continue;
        }
        text_add(text, &len, w, n);
    }
    if (!changed) {
        free(text);
        text = strdup(term);
    }
    f->text = text;
    if (!text) {
        snprintf(err, errlen, "%s", core_status_message(CORE_ERR_NOMEM));
        return err;
    }
    return NULL;
}

void core_filter_free(struct core_filter *f)
{
    free(f->text);
    free(f->with);
    f->text = f->with = NULL;
}

const char *core_filter_problem(const char *term, char *err, size_t errlen)
{
    struct core_filter f;
    const char *why = core_filter_parse(term, false, core_wall_us(), &f, err, errlen);
    core_filter_free(&f);
    return why;
}

/* core/filter.h - the filter words of a search term (filter.c): is:in,
 * is:out, after:DATE, before:DATE, with:TEXT, and the text left to search. */
#ifndef CONVO_CORE_FILTER_H
#define CONVO_CORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Directions a message may have to pass: both bits when no is: was given,
 * none when is:in and is:out were (then nothing passes). */
enum { CORE_DIR_IN = 1, CORE_DIR_OUT = 2, CORE_DIR_ANY = 3 };

struct core_filter {
    bool any;          /* a filter word was given */
    char *text;        /* what is left to search: the other words joined by
                          one space (the term itself when no word was a
                          filter or a quoted filter word) */
    unsigned dir;      /* CORE_DIR_* bits */
    int64_t after_us;  /* messages at or after it; CORE_US_NINF when not given */
    int64_t before_us; /* messages before it; CORE_US_INF when not given */
    char *with;        /* contacts whose name or phone contain it, or NULL */
};

/* Split term into its filters and its text. literal: no word is a filter
 * (text is term). Dates are read by core_date_parse() at now_us. NULL on
 * success; else err receives "bad filter 'WORD': why" (or that memory ran
 * out) and the function returns err. Free with core_filter_free() in
 * either case. */
const char *core_filter_parse(const char *term, bool literal, int64_t now_us,
                              struct core_filter *f, char *err, size_t errlen);
void core_filter_free(struct core_filter *f);

#endif

/* core/strbuf.h - a growing string built by printf (strbuf.c). */
#ifndef CONVO_CORE_STRBUF_H
#define CONVO_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialized is empty; data is NUL-terminated once anything was
 * written. The owner frees data. */
struct core_strbuf {
    char *data;
    size_t len, cap;
};

/* Append; false when memory ran out or the format failed. */
bool core_strbuf_printf(struct core_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif

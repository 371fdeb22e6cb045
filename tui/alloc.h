/* tui/alloc.h - the allocation wrappers: they never return NULL. Out of
 * memory they die() (see die.h: safe from any thread). A size of 0 asks
 * for 1 byte, so the result is always a pointer that free() takes. */
#ifndef CONVO_TUI_ALLOC_H
#define CONVO_TUI_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);   /* NULL gives "" */

#endif

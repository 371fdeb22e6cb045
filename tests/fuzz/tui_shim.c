/* tests/fuzz/tui_shim.c - what tui/text.c and tui/alloc.c take from the
 * rest of the program (tui/term.c, tui/die.c), for the renderer's fuzz
 * target: a UTF-8 theme, and die() as an abort the fuzzer reports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "die.h"
#include "term.h"

struct theme term_theme = {.utf8 = true};

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

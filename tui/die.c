/* tui/die.c - fatal errors: the main thread restores the terminal and
 * exits, a worker thread hands its message to the main thread. It calls
 * nothing else in tui: the terminal's restore is registered by main. */
#include "die.h"

#include "base.h"

#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void (*restore_fn)(void);
static int wake = -1;
static char message[256];
/* A worker's message: the first worker to die claims the slot, writes
 * message, then publishes it (release); the main thread reads it after an
 * acquire, so it never sees half a message. */
static atomic_int claimed;
static atomic_int pending;

/* core_xmalloc and friends come here when memory runs out. */
static void die_oom(size_t size)
{
    die("out of memory (%zu bytes)", size);
}

void die_setup(void (*restore)(void), int wake_fd)
{
    restore_fn = restore;
    wake = wake_fd;
    core_set_oom_handler(die_oom);
}

const char *die_message(void)
{
    return atomic_load_explicit(&pending, memory_order_acquire) ? message : NULL;
}

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    if (gettid() != getpid()) {
        /* Only the main thread may touch curses: a worker hands it the
         * message, wakes it, and waits to be ended with the process. */
        if (atomic_exchange(&claimed, 1) == 0) {
            va_start(ap, fmt);
            vsnprintf(message, sizeof message, fmt, ap);
            va_end(ap);
            atomic_store_explicit(&pending, 1, memory_order_release);
        }
        if (wake >= 0) {
            ssize_t n = write(wake, "!", 1);
            (void)n;
        }
        for (;;)
            pause();
    }
    if (restore_fn)
        restore_fn();
    fputs("convo: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

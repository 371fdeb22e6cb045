/* tui/die.h - the program's one way out on a fatal error, from any thread.
 *
 * die() prints "convo: ..." and exits 1 after the terminal is restored;
 * from a thread other than the main one it only hands its message to the
 * main thread (which owns the terminal) and waits to be ended with the
 * process, so no worker ever reaches curses. */
#ifndef CONVO_TUI_DIE_H
#define CONVO_TUI_DIE_H

/* restore: called on the main thread before the message is printed (it
 * puts the terminal back); wake_fd: a pipe the main loop polls, written
 * when a worker dies. Either may be NULL / -1. From then on core's
 * allocation wrappers (base.h) die() here when memory runs out. */
void die_setup(void (*restore)(void), int wake_fd);
_Noreturn void die(const char *fmt, ...);
/* A worker's die() message for the main thread, or NULL. */
const char *die_message(void);

#endif

/* tui/clock.h - the instant the screens show times against ("5m ago",
 * "3d ago", a date this year without its year). */
#ifndef CONVO_TUI_CLOCK_H
#define CONVO_TUI_CLOCK_H

#include <stdint.h>

/* Now, in Unix microseconds. convo links clock.c (the wall clock); the
 * tests' copy, convo-test, links tests/tui/clock_fixed.c, where CONVO_NOW
 * fixes it so that whole screens compare equal on any day. Latency
 * figures keep the real clocks (core_now_ms, core_wall_us). */
int64_t tui_clock_now_us(void);

#endif

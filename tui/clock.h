/* tui/clock.h - the two clocks: monotonic milliseconds for latencies and
 * timeouts, the wall clock in microseconds for message times. */
#ifndef CONVO_TUI_CLOCK_H
#define CONVO_TUI_CLOCK_H

#include <stdint.h>

double clock_ms(void);          /* monotonic */
int64_t clock_wall_us(void);    /* since the epoch */

#endif

/* tui/stats.h - commit-to-screen figures for CONVO_STATS: how long after a
 * message was written the frame that first shows it was drawn. */
#ifndef CONVO_TUI_STATS_H
#define CONVO_TUI_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "lib.h"

enum { STATS_LIST, STATS_CHAT };
void stats_init(void);
/* row is on screen in a frame drawn at drawn_us (wall clock). */
void stats_shown(int where, const struct core_row *row, int64_t drawn_us);
void stats_write(FILE *f);
/* Sort v and write "name n=N p50=... p95=... max=..." with that many
 * decimals: the one line format of every CONVO_STATS figure. */
void stats_percentiles(FILE *f, const char *name, double *v, size_t n, int decimals);

#endif

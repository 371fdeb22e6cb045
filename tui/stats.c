/* tui/stats.c - commit-to-screen figures for CONVO_STATS: how long after a
 * message was written (its created_at, the writer's transaction time) the
 * frame that first shows it was drawn, in the list and in the open
 * conversation. Only messages written after convo started count, each once. */
#include "stats.h"

#include <stdlib.h>

#include "base.h"

#define SEEN_MAX 65536

struct seen_stats {
    int64_t ids[SEEN_MAX];    /* open addressing, 0 = empty */
    double ms[SEEN_MAX];
    size_t n;
};

static struct seen_stats seen[2];
static int64_t started_us;
static bool enabled;

void stats_init(void)
{
    const char *p = getenv("CONVO_STATS");
    enabled = p && *p;
    started_us = core_wall_us();
}

void stats_shown(int where, const struct core_row *row, int64_t drawn_us)
{
    if (!enabled || row->created_at_us < started_us || row->message_id <= 0)
        return;
    struct seen_stats *s = &seen[where];
    if (s->n >= SEEN_MAX / 2)
        return;
    size_t h = (size_t)((uint64_t)row->message_id * 0x9e3779b97f4a7c15ULL >> 48) % SEEN_MAX;
    while (s->ids[h] != 0) {
        if (s->ids[h] == row->message_id)
            return;
        h = (h + 1) % SEEN_MAX;
    }
    s->ids[h] = row->message_id;
    s->ms[s->n++] = (double)(drawn_us - row->created_at_us) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void stats_percentiles(FILE *f, const char *name, double *v, size_t n, int decimals)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof v[0], cmp_double);
    fprintf(f, "%s n=%zu p50=%.*f p95=%.*f max=%.*f\n", name, n, decimals, v[n / 2], decimals,
            v[n * 95 / 100], decimals, v[n - 1]);
}

void stats_write(FILE *f)
{
    stats_percentiles(f, "commit_to_screen_list_ms", seen[0].ms, seen[0].n, 1);
    stats_percentiles(f, "commit_to_screen_conversation_ms", seen[1].ms, seen[1].n, 1);
}

/* seeder/progress.c - one line per phase; on a terminal, a live bar with
 * rows/s and ETA. Workers add units from their threads. */
#include "seed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct seed_progress {
    FILE *out;
    bool tty;
    pthread_mutex_t lock;
    char name[48];
    char unit[16];
    uint64_t total, done;
    double started, drawn;
};

double seed_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct seed_progress *seed_progress_new(FILE *out)
{
    struct seed_progress *p = seed_xcalloc(1, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out)) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
    pthread_mutex_init(&p->lock, NULL);
    return p;
}

void seed_progress_free(struct seed_progress *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->lock);
    free(p);
}

static void human(char *buf, size_t len, double v)
{
    if (v >= 1e6)
        snprintf(buf, len, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, len, "%.0fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

static void draw(struct seed_progress *p, double now)
{
    double elapsed = now - p->started;
    if (!p->total) {
        fprintf(p->out, "\r\033[K%-16s %.1f s", p->name, elapsed);
        fflush(p->out);
        p->drawn = now;
        return;
    }
    double frac = p->total ? (double)p->done / (double)p->total : 0;
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    char done[16], rate[16];
    human(done, sizeof done, (double)p->done);
    human(rate, sizeof rate, elapsed > 0 ? (double)p->done / elapsed : 0);
    char eta[32] = "";
    if (p->done && p->total && frac < 1)
        snprintf(eta, sizeof eta, " ETA %.0fs", elapsed * (1 - frac) / frac);
    fprintf(p->out, "\r\033[K%-16s [%s] %3.0f%% %s %s %s/s%s", p->name, bar, frac * 100,
            done, p->unit, rate, eta);
    fflush(p->out);
    p->drawn = now;
}

void seed_progress_phase(struct seed_progress *p, const char *name, uint64_t total,
                         const char *unit)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "");
    p->total = total;
    p->done = 0;
    p->started = seed_now();
    if (p->tty)
        draw(p, p->started);
    pthread_mutex_unlock(&p->lock);
}

void seed_progress_add(struct seed_progress *p, uint64_t done)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->done += done;
    double now = seed_now();
    if (p->tty && now - p->drawn > 0.2)
        draw(p, now);
    pthread_mutex_unlock(&p->lock);
}

double seed_progress_end(struct seed_progress *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    double now = seed_now(), secs = now - p->started;
    if (p->tty)
        fprintf(p->out, "\r\033[K");
    char done[16] = "", rate[80] = "";
    if (p->total || p->done) {
        human(done, sizeof done, (double)p->done);
        char r[16];
        human(r, sizeof r, secs > 0 ? (double)p->done / secs : 0);
        snprintf(rate, sizeof rate, " (%s %s, %s/s)", done, p->unit, r);
    }
    fprintf(p->out, "convo-seed: %-16s %6.1f s%s\n", p->name, secs, rate);
    fflush(p->out);
    pthread_mutex_unlock(&p->lock);
    return secs;
}

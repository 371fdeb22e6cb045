/* seeder/progress.c - one bar per phase. On a terminal all bars are redrawn
 * together a few times a second by a ticker thread, so phases that run at
 * once (two workers interleaving COPY and index builds) advance side by side;
 * elsewhere each phase prints one line when it finishes. Workers only add to
 * counters under a lock; the ticker writes the frame outside it, so a slow
 * terminal never holds up the load. */
#include "seed.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_BARS 24
#define TICK_MS 250

struct bar {
    char name[32];
    char unit[16];
    uint64_t total, done;
    double started, finished;  /* wall: first begin .. finish (0 = not yet) */
    double busy;               /* summed over connections */
    int active, most_active;
};

struct seed_progress {
    FILE *out;
    bool tty;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t ticker;
    bool ticking, closing;
    struct bar bars[MAX_BARS];
    int nbars;
    int lines;                 /* lines of the last frame, cursor just below */
    uint64_t changes, drawn_changes;
};

void seed_human(char *buf, size_t len, double v)
{
    if (v >= 1e6)
        snprintf(buf, len, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, len, "%.0fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

static void duration(char *buf, size_t len, double secs)
{
    if (secs < 60)
        snprintf(buf, len, "%.0fs", secs);
    else
        snprintf(buf, len, "%dm%02ds", (int)(secs / 60), (int)secs % 60);
}

/* "[####......]  42%   2.10M rows   412k/s  ETA 7s" */
static void format_count(const struct bar *b, double elapsed, bool closing, int cols,
                         char *out, size_t len)
{
    double frac = (double)b->done / (double)b->total;
    if (frac > 1)
        frac = 1;
    char bar[31];
    int fill = (int)(frac * cols);
    for (int i = 0; i < cols; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[cols] = '\0';
    char done[16], rate[16], eta[24] = "";
    double per_sec = elapsed > 0 ? (double)b->done / elapsed : 0;
    seed_human(done, sizeof done, (double)b->done);
    seed_human(rate, sizeof rate, per_sec);
    if (!b->finished && !closing && b->done && per_sec > 0 && frac < 1) {
        char d[16];
        duration(d, sizeof d, (double)(b->total - b->done) / per_sec);
        snprintf(eta, sizeof eta, "  ETA %s", d);
    }
    snprintf(out, len, "[%s] %3.0f%% %7s %s %7s/s%s", bar, frac * 100, done, b->unit,
             rate, eta);
}

/* One bar as a terminal line of at most width columns (all ASCII). */
static void format_bar(const struct bar *b, double now, bool closing, int width, char *line,
                       size_t len)
{
    char body[160] = "waiting", tail[48] = "";
    if (b->started) {
        double elapsed = (b->finished ? b->finished : now) - b->started;
        /* The bar gives way first, so that rate and ETA fit 80 columns. */
        int cols = width - 72;
        cols = cols < 10 ? 10 : cols > 30 ? 30 : cols;
        if (b->total)
            format_count(b, elapsed, closing, cols, body, sizeof body);
        else if (!b->finished)
            snprintf(body, sizeof body, "running %.1f s", elapsed);
        else
            snprintf(body, sizeof body, "done in %.1f s", elapsed);
        if (!b->total)
            tail[0] = '\0';
        else if (b->finished)
            snprintf(tail, sizeof tail, "  done in %.1f s", elapsed);
        else if (closing)
            snprintf(tail, sizeof tail, "  stopped");
        else if (b->active)
            snprintf(tail, sizeof tail, "  %d at work", b->active);
        else
            snprintf(tail, sizeof tail, "  idle");
    }
    snprintf(line, len, "%-19s %s%s", b->name, body, tail);
    if (width > 0 && strlen(line) >= (size_t)width)
        line[width - 1] = '\0';
}

static int term_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* Every bar, drawn over the previous frame with the cursor left below it.
 * Made under the lock, written after it: a stalled terminal never holds up
 * the workers. */
static size_t frame(struct seed_progress *p, char *buf, size_t cap)
{
    double now = seed_now();
    int width = term_width(p->out);
    size_t len = 0;
    if (p->lines)
        len += (size_t)snprintf(buf, cap, "\033[%dA", p->lines);
    for (int i = 0; i < p->nbars && len < cap; i++) {
        char line[256];
        format_bar(&p->bars[i], now, p->closing, width, line, sizeof line);
        len += (size_t)snprintf(buf + len, cap - len, "\r%s\033[K\n", line);
    }
    p->lines = p->nbars;
    p->drawn_changes = p->changes;
    return len < cap ? len : cap - 1;
}

static void draw(struct seed_progress *p)
{
    char buf[MAX_BARS * 270];
    pthread_mutex_lock(&p->lock);
    size_t len = frame(p, buf, sizeof buf);
    pthread_mutex_unlock(&p->lock);
    fwrite(buf, 1, len, p->out);
    fflush(p->out);
}

static bool anything_running(const struct seed_progress *p)
{
    for (int i = 0; i < p->nbars; i++)
        if (p->bars[i].started && !p->bars[i].finished)
            return true;
    return false;
}

static void *ticker_main(void *arg)
{
    struct seed_progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->closing) {
        if (p->changes != p->drawn_changes || anything_running(p)) {
            pthread_mutex_unlock(&p->lock);
            draw(p);
            pthread_mutex_lock(&p->lock);
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->wake, &p->lock, &until);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct seed_progress *seed_progress_new(FILE *out)
{
    struct seed_progress *p = core_xcalloc(1, sizeof *p);
    p->out = out;
    const char *term = getenv("TERM");
    /* Debug lines from the workers would tear a redrawn frame. */
    p->tty = isatty(fileno(out)) && term && strcmp(term, "dumb") != 0
             && !getenv("CONVO_SEED_DEBUG");
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    if (p->tty)
        p->ticking = pthread_create(&p->ticker, NULL, ticker_main, p) == 0;
    return p;
}

void seed_progress_close(struct seed_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    bool closed = p->closing;
    p->closing = true;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (closed)
        return;
    if (p->ticking)
        pthread_join(p->ticker, NULL);
    p->ticking = false;
    if (p->tty && seed_progress_count(p))
        draw(p);
}

void seed_progress_free(struct seed_progress *p)
{
    if (!p)
        return;
    seed_progress_close(p);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int seed_progress_bar(struct seed_progress *p, const char *name, uint64_t total,
                      const char *unit)
{
    if (!p)
        return -1;
    pthread_mutex_lock(&p->lock);
    int id = p->nbars < MAX_BARS ? p->nbars++ : -1;
    if (id >= 0) {
        struct bar *b = &p->bars[id];
        memset(b, 0, sizeof *b);
        snprintf(b->name, sizeof b->name, "%s", name);
        snprintf(b->unit, sizeof b->unit, "%s", unit ? unit : "");
        b->total = total;
        p->changes++;
    }
    pthread_mutex_unlock(&p->lock);
    return id;
}

double seed_progress_begin(struct seed_progress *p, int bar)
{
    double now = seed_now();
    if (!p || bar < 0)
        return now;
    pthread_mutex_lock(&p->lock);
    struct bar *b = &p->bars[bar];
    if (!b->started)
        b->started = now;
    if (++b->active > b->most_active)
        b->most_active = b->active;
    p->changes++;
    pthread_mutex_unlock(&p->lock);
    return now;
}

void seed_progress_add(struct seed_progress *p, int bar, uint64_t done)
{
    if (!p || bar < 0)
        return;
    pthread_mutex_lock(&p->lock);
    p->bars[bar].done += done;
    p->changes++;
    pthread_mutex_unlock(&p->lock);
}

void seed_progress_set(struct seed_progress *p, int bar, uint64_t done)
{
    if (!p || bar < 0)
        return;
    pthread_mutex_lock(&p->lock);
    if (done > p->bars[bar].done) {
        p->bars[bar].done = done;
        p->changes++;
    }
    pthread_mutex_unlock(&p->lock);
}

/* Off a terminal: the phase's one line. Called with the lock held. */
static void print_line(struct seed_progress *p, const struct bar *b)
{
    double wall = b->finished - b->started;
    char rate[120] = "";
    if (b->total || b->done) {
        char done[16], r[16], busy[64] = "";
        seed_human(done, sizeof done, (double)b->done);
        seed_human(r, sizeof r, wall > 0 ? (double)b->done / wall : 0);
        if (b->most_active > 1)
            snprintf(busy, sizeof busy, "; %.1f s of work on %d connections", b->busy,
                     b->most_active);
        snprintf(rate, sizeof rate, " (%s %s, %s/s%s)", done, b->unit, r, busy);
    }
    fprintf(p->out, "convo-seed: %-19s %6.1f s%s\n", b->name, wall, rate);
    fflush(p->out);
}

static void finish(struct seed_progress *p, struct bar *b, double now)
{
    if (!b->started)
        b->started = now;
    b->finished = now;
    p->changes++;
    if (!p->tty)
        print_line(p, b);
}

double seed_progress_end(struct seed_progress *p, int bar, uint64_t done, double since)
{
    double now = seed_now();
    if (!p || bar < 0)
        return now;
    pthread_mutex_lock(&p->lock);
    struct bar *b = &p->bars[bar];
    b->done += done;
    b->busy += now - since;
    if (b->active > 0)
        b->active--;
    p->changes++;
    if (!b->finished && !b->active && b->total && b->done >= b->total)
        finish(p, b, now);
    pthread_mutex_unlock(&p->lock);
    return now;
}

double seed_progress_finish(struct seed_progress *p, int bar)
{
    if (!p || bar < 0)
        return 0;
    double now = seed_now();
    pthread_mutex_lock(&p->lock);
    struct bar *b = &p->bars[bar];
    if (!b->finished)
        finish(p, b, now);
    double wall = b->finished - b->started;
    pthread_mutex_unlock(&p->lock);
    return wall;
}

int seed_progress_count(struct seed_progress *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->lock);
    int n = p->nbars;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void seed_progress_stat(struct seed_progress *p, int bar, struct seed_phase_stat *st)
{
    memset(st, 0, sizeof *st);
    if (!p || bar < 0)
        return;
    pthread_mutex_lock(&p->lock);
    const struct bar *b = &p->bars[bar];
    snprintf(st->name, sizeof st->name, "%s", b->name);
    snprintf(st->unit, sizeof st->unit, "%s", b->unit);
    st->total = b->total;
    st->done = b->done;
    st->finished = b->finished != 0;
    st->wall = b->started && b->finished ? b->finished - b->started : 0;
    st->busy = b->busy;
    st->connections = b->most_active;
    st->started = b->started;
    st->ended = b->finished;
    pthread_mutex_unlock(&p->lock);
}

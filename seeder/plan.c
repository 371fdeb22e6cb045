/* seeder/plan.c - the whole data set, built in memory before any row is sent.
 *
 * Knowing everything up front is what makes the load fast: messages are
 * sorted by time so ids grow with time and each monthly partition is one
 * slice; each contact's last message is known, so contacts are loaded with
 * their pointer already right and the trigger has nothing to do.
 *
 * Shape: messages per contact are heavy-tailed (Pareto weights, every contact
 * has at least one); each contact is active over a window of the last three
 * years; its messages come in sessions of alternating turns minutes apart,
 * bodies taken as consecutive lines of the body list (so CSV dialogues stay
 * together); session start times follow a daily rhythm. */
#include "seed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define US_PER_SEC 1000000LL
#define DAY_US (86400LL * US_PER_SEC)
#define HISTORY_DAYS 1096

/* Relative chance that a session starts in each hour of the day. */
static const double hour_weight[24] = {
    0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.5, 1.4, 2.6, 3.2, 3.4, 3.5,
    4.0, 3.8, 3.3, 3.2, 3.4, 3.9, 4.4, 4.9, 5.2, 4.8, 3.6, 1.8,
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Unique phone numbers: open addressing on the string's hash. */
struct phone_set {
    uint64_t *slots;
    size_t cap;
};

/* Never 0: 0 marks an empty slot. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = core_hash64(s, strlen(s), 0);
    return h ? h : 1;
}

/* True when s was not in the set (and now is). Equal hashes of different
 * numbers are treated as duplicates: that only costs a redraw. */
static bool phone_set_add(struct phone_set *set, const char *s)
{
    uint64_t h = hash_str(s);
    size_t i = h & (set->cap - 1);
    while (set->slots[i]) {
        if (set->slots[i] == h)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->slots[i] = h;
    return true;
}

static void make_contacts(struct seed_plan *plan, struct seed_rng *rng)
{
    size_t n = plan->ncontacts;
    struct phone_set set = {0};
    set.cap = 1024;
    while (set.cap < n * 2)
        set.cap *= 2;
    set.slots = core_xcalloc(set.cap, sizeof *set.slots);

    size_t names_cap = n * 24 + 64, names_len = 0;
    char *names = core_xmalloc(names_cap);
    size_t *name_off = core_xmalloc(n * sizeof *name_off);
    for (size_t i = 0; i < n; i++) {
        struct seed_contact *c = &plan->contacts[i];
        do
            seed_people_phone(rng, c->phone, sizeof c->phone);
        while (!phone_set_add(&set, c->phone));
        char name[96];
        seed_people_name(rng, name, sizeof name);
        size_t len = strlen(name);
        if (names_len + len + 1 > names_cap) {
            names_cap = names_cap * 2 + len;
            names = core_xrealloc(names, names_cap);
        }
        memcpy(names + names_len, name, len + 1);
        name_off[i] = names_len;
        names_len += len + 1;
    }
    plan->names = names;
    for (size_t i = 0; i < n; i++)
        plan->contacts[i].name = names + name_off[i];
    free(name_off);
    free(set.slots);
}

/* Messages per contact: 1 + a share of the rest by capped Lomax weights. */
static void make_counts(struct seed_plan *plan, struct seed_rng *rng)
{
    size_t n = plan->ncontacts;
    uint64_t extra = plan->nmessages - n;
    double *w = core_xmalloc(n * sizeof *w);
    double cap = 600.0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double u = 1.0 - seed_rng_unit(rng);
        /* Lomax (Pareto shifted to start at 0): most contacts get a few. */
        w[i] = fmin(pow(u, -1.0 / 1.2) - 1.0, cap);
        sum += w[i];
    }
    uint64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = sum > 0 ? (uint64_t)floor((double)extra * w[i] / sum) : 0;
        plan->contacts[i].messages = (uint32_t)(1 + k);
        given += k;
    }
    while (given < extra) {
        plan->contacts[seed_rng_below(rng, n)].messages++;
        given++;
    }
    free(w);
}

/* Start of the UTC day holding t. */
static int64_t day_start(int64_t t)
{
    int64_t d = t / DAY_US;
    if (t % DAY_US < 0)
        d--;
    return d * DAY_US;
}

/* A session start by the daily rhythm, between first_back and last_back days
 * before the day of end_us. A time later today than end_us folds back a day.
 * The same number of draws whatever end_us is: a seed gives the same
 * conversations at any --end, only placed differently in time. */
static int64_t session_start(struct seed_rng *rng, double first_back, double last_back,
                             int64_t end_us, const double *hour_cdf)
{
    int64_t today = day_start(end_us);
    double back = last_back + (first_back - last_back) * seed_rng_unit(rng);
    int64_t day = today - (int64_t)back * DAY_US;
    double u = seed_rng_unit(rng);
    int h = 0;
    while (h < 23 && hour_cdf[h] < u)
        h++;
    int64_t t = day + h * 3600LL * US_PER_SEC
                + (int64_t)seed_rng_below(rng, 3600ULL * US_PER_SEC);
    return t <= end_us ? t : t - DAY_US;
}

/* Radix sort of messages by time, stable, so equal times keep contact order. */
static void sort_by_time(struct seed_msg *msgs, size_t n)
{
    if (n < 2)
        return;
    int64_t lo = msgs[0].at_us, hi = msgs[0].at_us;
    for (size_t i = 1; i < n; i++) {
        if (msgs[i].at_us < lo)
            lo = msgs[i].at_us;
        if (msgs[i].at_us > hi)
            hi = msgs[i].at_us;
    }
    uint64_t range = (uint64_t)(hi - lo);
    struct seed_msg *tmp = core_xmalloc(n * sizeof *tmp);
    struct seed_msg *src = msgs, *dst = tmp;
    for (int shift = 0; shift < 64 && (range >> shift); shift += 11) {
        size_t count[2048] = {0};
        for (size_t i = 0; i < n; i++)
            count[((uint64_t)(src[i].at_us - lo) >> shift) & 2047]++;
        size_t pos = 0;
        for (int b = 0; b < 2048; b++) {
            size_t c = count[b];
            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[((uint64_t)(src[i].at_us - lo) >> shift) & 2047]++] = src[i];
        struct seed_msg *t = src;
        src = dst;
        dst = t;
    }
    if (src != msgs)
        memcpy(msgs, src, n * sizeof *msgs);
    free(tmp);
}

/* The partition name of a month as the schema's convo_month_bounds gives
 * it: messages_yYYYYmMM, and "bc" after it for a month before the year 1
 * (year is astronomical, as gmtime gives it: 0 is 1 BC), so that no two
 * months share a name. */
void seed_month_name(char *buf, size_t size, int year, int month)
{
    if (year >= 1)
        snprintf(buf, size, "messages_y%04dm%02d", year, month);
    else
        snprintf(buf, size, "messages_y%04dm%02dbc", 1 - year, month);
}

static void make_months(struct seed_plan *plan)
{
    size_t cap = 64;
    plan->months = core_xmalloc(cap * sizeof *plan->months);
    plan->nmonths = 0;
    size_t i = 0;
    while (i < plan->nmessages) {
        time_t secs = (time_t)(plan->msgs[i].at_us / US_PER_SEC);
        if (plan->msgs[i].at_us < 0 && plan->msgs[i].at_us % US_PER_SEC)
            secs--;
        struct tm tm;
        gmtime_r(&secs, &tm);
        struct seed_month m = {.year = tm.tm_year + 1900, .month = tm.tm_mon + 1};
        struct tm lo = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon, .tm_mday = 1};
        struct tm hi = {.tm_year = tm.tm_year + (tm.tm_mon == 11),
                        .tm_mon = (tm.tm_mon + 1) % 12, .tm_mday = 1};
        m.lo_us = (int64_t)timegm(&lo) * US_PER_SEC;
        m.hi_us = (int64_t)timegm(&hi) * US_PER_SEC;
        m.first = i;
        while (i < plan->nmessages && plan->msgs[i].at_us < m.hi_us)
            i++;
        m.count = i - m.first;
        if (plan->nmonths == cap) {
            cap *= 2;
            plan->months = core_xrealloc(plan->months, cap * sizeof *plan->months);
        }
        plan->months[plan->nmonths++] = m;
    }
}

/* Each contact's latest message, and when it was saved and last edited,
 * from its messages (sorted by time, numbered in that order). */
static void contact_times(struct seed_plan *plan, struct seed_rng *rng)
{
    /* Ids follow time; the last occurrence of a contact is its latest. */
    for (size_t i = 0; i < plan->nmessages; i++) {
        struct seed_contact *c = &plan->contacts[plan->msgs[i].contact - 1];
        c->last_at_us = plan->msgs[i].at_us;
        c->last_id = (int64_t)i + 1;
        if (c->created_us == 0)
            c->created_us = plan->msgs[i].at_us;
    }
    for (size_t ci = 0; ci < plan->ncontacts; ci++) {
        struct seed_contact *c = &plan->contacts[ci];
        /* Saved a little before the first message; sometimes edited later. */
        c->created_us -= (int64_t)seed_rng_below(rng, 14ULL * DAY_US) + US_PER_SEC;
        c->updated_us = c->created_us;
        if (seed_rng_chance(rng, 0.2))
            c->updated_us += (int64_t)(seed_rng_unit(rng) * (double)(c->last_at_us - c->created_us));
    }
}

void seed_plan_build(struct seed_plan *plan, const struct seed_bodies *bodies,
                     size_t ncontacts, size_t nmessages, uint64_t seed,
                     int64_t end_us, struct seed_progress *progress, int bar)
{
    memset(plan, 0, sizeof *plan);
    plan->ncontacts = ncontacts;
    plan->nmessages = nmessages;
    plan->contacts = core_xcalloc(ncontacts, sizeof *plan->contacts);
    plan->msgs = core_xmalloc(nmessages * sizeof *plan->msgs);

    struct seed_rng rng;
    seed_rng_init(&rng, seed ^ 0x636f6e766f2d7364ULL);
    make_contacts(plan, &rng);
    make_counts(plan, &rng);

    double hour_cdf[24], total = 0;
    for (int h = 0; h < 24; h++)
        total += hour_weight[h];
    for (int h = 0; h < 24; h++)
        hour_cdf[h] = (h ? hour_cdf[h - 1] : 0) + hour_weight[h] / total;

    size_t out = 0, reported = 0;
    int64_t *starts = NULL;
    uint32_t *lens = NULL;
    size_t starts_cap = 0;
    for (size_t ci = 0; ci < ncontacts; ci++) {
        struct seed_contact *c = &plan->contacts[ci];
        /* Active window in days back from today: contacts arrive at a steady
         * rate over the history; some go quiet. Heavy talkers tend to be old
         * contacts that are still active. */
        double first_back = seed_rng_unit(&rng) * HISTORY_DAYS;
        if (c->messages > 200)
            first_back = HISTORY_DAYS * (0.5 + 0.5 * seed_rng_unit(&rng));
        double last_back = 0;
        if (c->messages <= 200 && seed_rng_chance(&rng, 0.35))
            last_back = first_back * seed_rng_unit(&rng);

        /* Cut the contact's messages into sessions. */
        size_t nsess = 0, left = c->messages;
        while (left) {
            uint32_t len = 1;
            while (len < 40 && seed_rng_chance(&rng, 0.8))
                len++;
            if (len > left)
                len = (uint32_t)left;
            if (nsess == starts_cap) {
                starts_cap = starts_cap ? starts_cap * 2 : 256;
                starts = core_xrealloc(starts, starts_cap * sizeof *starts);
                lens = core_xrealloc(lens, starts_cap * sizeof *lens);
            }
            lens[nsess] = len;
            starts[nsess++] = session_start(&rng, first_back, last_back, end_us, hour_cdf);
            left -= len;
        }
        qsort(starts, nsess, sizeof *starts, cmp_i64);

        size_t first_out = out;
        int64_t t = INT64_MIN;
        for (size_t s = 0; s < nsess; s++) {
            int64_t start = starts[s];
            int64_t pause = (int64_t)(10 + seed_rng_below(&rng, 240)) * 60 * US_PER_SEC;
            if (t != INT64_MIN && start < t + 10 * 60 * US_PER_SEC)
                start = t + pause;
            t = start;
            size_t line = seed_rng_below(&rng, bodies->count);
            bool outbound = seed_rng_chance(&rng, 0.45);
            for (uint32_t k = 0; k < lens[s]; k++) {
                if (k) {
                    /* Replies come seconds to minutes apart, now and then later. */
                    double gap = 8 + -log(1.0 - seed_rng_unit(&rng)) * 75;
                    if (seed_rng_chance(&rng, 0.08))
                        gap += 300 + seed_rng_unit(&rng) * 2400;
                    t += (int64_t)(gap * US_PER_SEC) + (int64_t)seed_rng_below(&rng, US_PER_SEC);
                    if (seed_rng_chance(&rng, 0.82))
                        outbound = !outbound;
                }
                struct seed_msg *m = &plan->msgs[out++];
                m->at_us = t;
                m->contact = (int32_t)(ci + 1);
                m->body = (uint32_t)((line + k) % bodies->count) | (outbound ? SEED_MSG_OUT : 0);
            }
        }
        /* Sessions pushed past the end slide back so the last ends by now. */
        int64_t slack = (int64_t)seed_rng_below(&rng, 120ULL * US_PER_SEC);
        if (t > end_us) {
            int64_t shift = t - end_us + slack;
            for (size_t i = first_out; i < out; i++)
                plan->msgs[i].at_us -= shift;
        }
        if (out - reported >= 65536) {
            seed_progress_add(progress, bar, out - reported);
            reported = out;
        }
    }
    free(starts);
    free(lens);

    sort_by_time(plan->msgs, nmessages);
    seed_progress_add(progress, bar, out - reported);

    contact_times(plan, &rng);
    make_months(plan);
}

void seed_plan_free(struct seed_plan *plan)
{
    free(plan->contacts);
    free(plan->names);
    free(plan->msgs);
    free(plan->months);
    memset(plan, 0, sizeof *plan);
}

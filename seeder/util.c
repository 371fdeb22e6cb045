/* seeder/util.c - the random number generator every choice goes through (so
 * --seed reproduces a data set), Zipf ranks drawn from it, and the body
 * list. */
#include "seed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- xoshiro256** ------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void seed_rng_init(struct seed_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t seed_rng_next(struct seed_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t seed_rng_below(struct seed_rng *rng, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Lemire's multiply-shift; the tiny bias is irrelevant here. */
    return (uint64_t)(((unsigned __int128)seed_rng_next(rng) * n) >> 64);
}

double seed_rng_unit(struct seed_rng *rng)
{
    return (double)(seed_rng_next(rng) >> 11) * 0x1.0p-53;
}

bool seed_rng_chance(struct seed_rng *rng, double p)
{
    return seed_rng_unit(rng) < p;
}

/* ---- Zipf ranks ------------------------------------------------------------ */

void seed_zipf_init(struct seed_zipf *z, size_t n, double s)
{
    z->n = n;
    z->cdf = core_xmalloc(n * sizeof *z->cdf);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += pow((double)(i + 1), -s);
        z->cdf[i] = sum;
    }
    for (size_t i = 0; i < n; i++)
        z->cdf[i] /= sum;
}

size_t seed_zipf_pick(const struct seed_zipf *z, struct seed_rng *rng)
{
    double u = seed_rng_unit(rng);
    size_t lo = 0, hi = z->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (z->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- bodies ------------------------------------------------------------- */

void seed_bodies_add(struct seed_bodies *b, const char *s, size_t len)
{
    if (b->count == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->start = core_xrealloc(b->start, b->cap * sizeof *b->start);
        b->len = core_xrealloc(b->len, b->cap * sizeof *b->len);
    }
    if (b->text_len + len + 1 > b->text_cap) {
        size_t cap = b->text_cap ? b->text_cap : 1 << 20;
        while (cap < b->text_len + len + 1)
            cap *= 2;
        b->text = core_xrealloc(b->text, cap);
        b->text_cap = cap;
    }
    memcpy(b->text + b->text_len, s, len);
    b->text[b->text_len + len] = '\0';
    b->start[b->count] = b->text_len;
    b->len[b->count] = (uint32_t)len;
    b->text_len += len + 1;
    b->count++;
}

/* Never 0: 0 marks an empty slot. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = core_hash64(s, len, 0);
    return h ? h : 1;
}

size_t seed_bodies_distinct(const struct seed_bodies *b)
{
    size_t cap = 16;
    while (cap < b->count * 2)
        cap *= 2;
    uint64_t *hashes = core_xcalloc(cap, sizeof *hashes);
    uint32_t *which = core_xcalloc(cap, sizeof *which);
    size_t distinct = 0;
    for (size_t i = 0; i < b->count; i++) {
        const char *s = seed_body(b, i);
        uint64_t h = hash_bytes(s, b->len[i]);
        size_t slot = h & (cap - 1);
        for (;;) {
            if (!hashes[slot]) {
                hashes[slot] = h;
                which[slot] = (uint32_t)i;
                distinct++;
                break;
            }
            if (hashes[slot] == h && b->len[which[slot]] == b->len[i]
                && memcmp(seed_body(b, which[slot]), s, b->len[i]) == 0)
                break;
            slot = (slot + 1) & (cap - 1);
        }
    }
    free(hashes);
    free(which);
    return distinct;
}

void seed_bodies_free(struct seed_bodies *b)
{
    free(b->text);
    free(b->start);
    free(b->len);
    memset(b, 0, sizeof *b);
}

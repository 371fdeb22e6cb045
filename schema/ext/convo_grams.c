/* schema/ext/convo_grams.c - convo_grams(text): what pg_trgm cannot see.
 *
 * pg_trgm keeps only the trigrams of words, so a term of 1-2 characters,
 * punctuation, an emoji, CJK or short words glued to punctuation (`"ok"`,
 * `I'd`) has nothing selective to look up. This function returns a text's
 * distinct case-folded 1- and 2-grams of code points (spaces and
 * punctuation included) as a sorted int4[], minus the most frequent ones
 * (convo_grams_stop.h). A GIN index over convo_grams(content) then answers
 * `convo_grams(content) @> convo_grams(term)`: a message containing the term
 * holds every n-gram of it, so no match is ever dropped, and ILIKE rechecks
 * the few candidates.
 *
 * Keys: a character is its code point (< 1114112); a pair (a, b) is
 * 1114112 + (a * 1114112 + b) mod 2146369535: exact for a < U+0785, and a
 * collision only adds candidates. Text is lowered with str_tolower() under
 * the expression's collation, which is exactly what ILIKE does in a
 * multibyte database, so folding can never disagree with the match. */
#include "postgres.h"

#include "fmgr.h"

#include "convo_keys.h"
#include "convo_grams_stop.h"

PG_MODULE_MAGIC;

#define GRAM_CHARS 1114112
#define GRAM_MOD 2146369535

/* The stop list as an open-addressing set (0 never occurs as a key: text
 * holds no NUL), built at the first call. */
#define STOP_SLOTS 4096
static int32 stop_set[STOP_SLOTS];
static bool stop_ready;

static uint32 stop_slot(int32 key)
{
    return ((uint32)key * 2654435761u) >> 20; /* 12 bits */
}

static bool stopped(int32 key)
{
    uint32 i;
    if (!stop_ready) {
        for (size_t k = 0; k < lengthof(convo_gram_stop); k++) {
            i = stop_slot(convo_gram_stop[k]);
            while (stop_set[i])
                i = (i + 1) & (STOP_SLOTS - 1);
            stop_set[i] = convo_gram_stop[k];
        }
        stop_ready = true;
    }
    for (i = stop_slot(key); stop_set[i]; i = (i + 1) & (STOP_SLOTS - 1))
        if (stop_set[i] == key)
            return true;
    return false;
}

PG_FUNCTION_INFO_V1(convo_grams);

Datum convo_grams(PG_FUNCTION_ARGS)
{
    int n;
    pg_wchar *chars = convo_keys_lowered(PG_GETARG_TEXT_PP(0), PG_GET_COLLATION(), &n);
    int32 *keys = palloc((2 * n + 1) * sizeof(int32));
    int nkeys = 0;

    /* Most n-grams are stopped: drop them first, then sort the few left. */
    for (int i = 0; i < n; i++) {
        int32 key = (int32)chars[i];
        if (!stopped(key))
            keys[nkeys++] = key;
        if (i + 1 < n) {
            key = (int32)(GRAM_CHARS + ((int64)chars[i] * GRAM_CHARS + chars[i + 1]) % GRAM_MOD);
            if (!stopped(key))
                keys[nkeys++] = key;
        }
    }
    PG_RETURN_ARRAYTYPE_P(convo_keys_array(keys, nkeys));
}

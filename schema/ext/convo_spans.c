/* schema/ext/convo_spans.c - convo_spans(text): what a phrase holds across
 * its spaces.
 *
 * A phrase of common words (`"see you"`) has only common n-grams and
 * trigrams, each in a large share of the messages, so proving it absent
 * from a month means reading and rechecking every message that holds its
 * words apart. This function returns, for each space of a text with three
 * characters on either side, a key for those seven case-folded code points
 * (`see you`, `e a mov`), distinct and sorted, as an int4[]. A message
 * containing a phrase holds the phrase's seven-character windows at the
 * same places, so a GIN index over convo_spans(content) answers
 * `convo_spans(content) @> convo_spans(phrase)` with every match among its
 * candidates, and ILIKE rechecks them. A window is a 64-bit FNV-1a hash of
 * its code points folded to 32 bits: a collision only adds candidates.
 * Text is lowered as ILIKE lowers it (convo_keys.c). */
#include "postgres.h"

#include "fmgr.h"

#include "convo_keys.h"

#define SPAN_SIDE 3 /* characters on either side of the space */

static int32 span_key(const pg_wchar *c)
{
    uint64 h = UINT64CONST(14695981039346656037);
    for (int i = 0; i < 2 * SPAN_SIDE + 1; i++) {
        h ^= c[i];
        h *= UINT64CONST(1099511628211);
    }
    return (int32)(uint32)(h ^ (h >> 32));
}

PG_FUNCTION_INFO_V1(convo_spans);

Datum convo_spans(PG_FUNCTION_ARGS)
{
    int n;
    pg_wchar *chars = convo_keys_lowered(PG_GETARG_TEXT_PP(0), PG_GET_COLLATION(), &n);
    int32 *keys = palloc((n + 1) * sizeof(int32));
    int nkeys = 0;

    for (int i = SPAN_SIDE; i + SPAN_SIDE < n; i++)
        if (chars[i] == ' ')
            keys[nkeys++] = span_key(chars + i - SPAN_SIDE);
    PG_RETURN_ARRAYTYPE_P(convo_keys_array(keys, nkeys));
}

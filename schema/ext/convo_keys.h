/* schema/ext/convo_keys.h - what convo_grams.c and convo_spans.c share
 * (convo_keys.c): a text's code points, lowered as ILIKE lowers them, and a
 * set of keys as the sorted, distinct int4[] a GIN index takes. */
#ifndef CONVO_KEYS_H
#define CONVO_KEYS_H

#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/array.h"

/* t's code points lowered with str_tolower() under collation (the
 * database's default when none), which is exactly what ILIKE does in a
 * multibyte database, so folding can never disagree with the match; *n
 * of them. palloc'd. */
pg_wchar *convo_keys_lowered(text *t, Oid collation, int *n);
/* keys[0..n) sorted, repeats dropped (keys is reordered), as an int4[]. */
ArrayType *convo_keys_array(int32 *keys, int n);

#endif

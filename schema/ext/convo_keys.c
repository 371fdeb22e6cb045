/* schema/ext/convo_keys.c - the lowering and the key arrays of
 * convo_keys.h. */
#include "convo_keys.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "utils/formatting.h"

pg_wchar *convo_keys_lowered(text *t, Oid collation, int *n)
{
    char *low = str_tolower(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
                            OidIsValid(collation) ? collation : DEFAULT_COLLATION_OID);
    int len = (int)strlen(low);
    pg_wchar *chars = palloc((len + 1) * sizeof(pg_wchar));
    *n = pg_mb2wchar_with_len(low, chars, len);
    return chars;
}

static int cmp_int32(const void *a, const void *b)
{
    int32 x = *(const int32 *)a, y = *(const int32 *)b;
    return x < y ? -1 : x > y;
}

ArrayType *convo_keys_array(int32 *keys, int n)
{
    int out = 0;
    Datum *d;
    if (n == 0)
        return construct_empty_array(INT4OID);
    if (n > 1)
        qsort(keys, n, sizeof(int32), cmp_int32);
    for (int i = 0; i < n; i++)
        if (out == 0 || keys[out - 1] != keys[i])
            keys[out++] = keys[i];
    d = palloc(out * sizeof(Datum));
    for (int i = 0; i < out; i++)
        d[i] = Int32GetDatum(keys[i]);
    return construct_array(d, out, INT4OID, sizeof(int32), true, TYPALIGN_INT);
}

/* tests/seeder/test_names.c - convo-seed names a month's partition as the
 * schema's convo_month_bounds does: BC months apart from AD ones. */
#include <stdio.h>
#include <string.h>

#include "seed.h"

static int failures;

static void expect(int year, int month, const char *want)
{
    char got[64];
    seed_month_name(got, sizeof got, year, month);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "FAIL: year %d month %d: %s, want %s\n", year, month, got, want);
        failures++;
    }
}

int main(void)
{
    expect(2026, 3, "messages_y2026m03");
    expect(44, 3, "messages_y0044m03");
    expect(-43, 3, "messages_y0044m03bc"); /* 44 BC */
    expect(1, 1, "messages_y0001m01");
    expect(0, 12, "messages_y0001m12bc"); /* 1 BC */
    expect(10000, 2, "messages_y10000m02");
    if (!failures)
        printf("ok: partition names of AD, BC and five-digit years\n");
    return failures ? 1 : 0;
}

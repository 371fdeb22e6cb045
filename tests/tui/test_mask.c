/* tests/tui/test_mask.c - masked phone numbers and names (tui/mask.c). */
#include <stdio.h>
#include <string.h>

#include "mask.h"

static int failed;

static void expect(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("FAIL: %s: got '%s', want '%s'\n", what, got, want);
        failed = 1;
    }
}

int main(void)
{
    char b[128];
    expect("UK", mask_phone("+447466736238", true, b, sizeof b), "+44 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202238");
    expect("US", mask_phone("+1 (415) 555-0123", true, b, sizeof b), "+1 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u202223");
    expect("Ireland, 3 digits", mask_phone("+353861234567", false, b, sizeof b), "+353 **** ****67");
    expect("no country code", mask_phone("(806) 395-2540 x59153", false, b, sizeof b), "**** ****53");
    expect("one digit", mask_phone("+5", false, b, sizeof b), "**** ****5");
    expect("empty phone", mask_phone("", false, b, sizeof b), "**** ****");
    expect("two words", mask_name("Jane Taylor", b, sizeof b), "J. T.");
    expect("three words, blanks", mask_name("  Jane  van Dyke ", b, sizeof b), "J. v. D.");
    expect("non-ASCII initial", mask_name("\u00c9lodie \u00d8stergaard", b, sizeof b), "\u00c9. \u00d8.");
    expect("empty name", mask_name("", b, sizeof b), "");
    expect("small buffer", mask_name("Ann Bo Cy Di", b, 8), "A. B.");
    mask_on = false;
    expect("shown, off", mask_shown_name("Jane Taylor", b, sizeof b), "Jane Taylor");
    mask_on = true;
    expect("shown, on", mask_shown_name("Jane Taylor", b, sizeof b), "J. T.");
    if (!failed)
        printf("ok: masked phones and names\n");
    return failed;
}

/* tui/mask.c - masked names and phone numbers (mask.h). */
#include "mask.h"

#include <stdio.h>
#include <string.h>

#include "lib.h"

bool mask_on;

/* The length of the E.164 country code that starts digits: 1 for the
 * North American plan (1) and Russia/Kazakhstan (7), 2 for the codes
 * ITU assigned two digits, else 3. */
static size_t country_code_len(const char *d)
{
    if (d[0] == '1' || d[0] == '7')
        return 1;
    static const char two[] =
        "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
        "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 ";
    char cc[4] = {d[0], d[1], ' ', '\0'};
    return d[1] && strstr(two, cc) && (strstr(two, cc) - two) % 3 == 0 ? 2 : 3;
}

const char *mask_phone(const char *phone, bool utf8, char *buf, size_t len)
{
    char digits[64];
    size_t n = 0;
    for (const char *p = phone ? phone : ""; *p && n + 1 < sizeof digits; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    digits[n] = '\0';
    const char *dot = utf8 ? "\u2022" : "*";
    char dots4[16];
    snprintf(dots4, sizeof dots4, "%s%s%s%s", dot, dot, dot, dot);
    const char *tail = n >= 2 ? digits + n - 2 : digits;
    bool plus = phone && strchr(phone, '+') && phone[strspn(phone, " ")] == '+';
    size_t cc = plus && n > 4 ? country_code_len(digits) : 0;
    if (cc)
        snprintf(buf, len, "+%.*s %s %s%s", (int)cc, digits, dots4, dots4, tail);
    else
        snprintf(buf, len, "%s %s%s", dots4, dots4, tail);
    return buf;
}

const char *mask_name(const char *name, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    bool start = true;
    for (const char *p = name ? name : ""; *p;) {
        if (*p == ' ' || *p == '\t') {
            start = true;
            p++;
            continue;
        }
        int n = (int)core_utf8_len((const unsigned char *)p, strlen(p));
        if (n <= 0)
            n = 1;   /* not UTF-8: a byte is a character */
        if (start && used + (size_t)n + 3 < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%.*s.", used ? " " : "", n, p);
        start = false;
        p += n;
    }
    return buf;
}

const char *mask_shown_phone(const char *phone, bool utf8, char *buf, size_t len)
{
    return mask_on ? mask_phone(phone, utf8, buf, len) : phone;
}

const char *mask_shown_name(const char *name, char *buf, size_t len)
{
    return mask_on ? mask_name(name, buf, len) : name;
}

/* tests/core/power_unit.c - the pure parts of the power-user features, no
 * database: dates as typed (absolute, relative, in two time zones, with a
 * fixed clock), cursors at a date, phone numbers in E.164, export lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "export_format.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#define US(s) ((int64_t)(s) * 1000000)

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* text parsed with now as given equals want (Unix seconds). */
static void date_is(const char *text, int64_t now_us, int64_t want_s, int line)
{
    int64_t got = 0;
    const char *why = core_date_parse(text, now_us, &got);
    if (why || got != US(want_s)) {
        fprintf(stderr, "FAIL line %d: %s -> %s %lld, want %lld\n", line, text,
                why ? why : "", (long long)got / 1000000, (long long)want_s);
        failures++;
    }
}

static void date_bad(const char *text, int line)
{
    int64_t got;
    if (!core_date_parse(text, US(1773446400), &got)) {
        fprintf(stderr, "FAIL line %d: %s accepted\n", line, text);
        failures++;
    }
}

static void test_dates(void)
{
    /* now: 2026-03-14 10:02:30.5 UTC */
    int64_t now = US(1773482550) + 500000, whole = US(1773482550);
    set_tz("UTC");
    date_is("2026-03-14", now, 1773446400, __LINE__);
    date_is("2026-03-14T10:02", now, 1773482520, __LINE__);
    date_is("2026-03-14 10:02", now, 1773482520, __LINE__);
    date_is("today", now, 1773446400, __LINE__);
    date_is("yesterday", now, 1773446400 - 86400, __LINE__);
    date_is("-3d", whole, 1773482550 - 3 * 86400, __LINE__);
    date_is("-2w", whole, 1773482550 - 14 * 86400, __LINE__);
    date_is("-1m", whole, 1773482550 - 28 * 86400, __LINE__); /* February */
    date_is("2024-02-29", now, 1709164800, __LINE__);
    /* New York: UTC-4 after 2026-03-08 (DST), UTC-5 before. */
    set_tz("America/New_York");
    date_is("2026-03-14", now, 1773446400 + 4 * 3600, __LINE__);
    date_is("2026-03-01T12:30", now, 1772386200, __LINE__);
    date_is("today", now, 1773460800, __LINE__);   /* 10:02 UTC is 06:02 there */
    /* -1w crosses the change of clocks: the same wall-clock time, 6:02:30 */
    date_is("-1w", whole, 1773482550 - 7 * 86400 + 3600, __LINE__);
    set_tz("UTC");
    /* The 31st a month back is the shorter month's last day. */
    date_is("-1m", US(1774915200), 1772236800, __LINE__); /* 03-31 -> 02-28 */
    const char *bad[] = {"", "2026-02-30", "2026-13-01", "2026-1-1", "26-01-01",
                         "2026-03-14T24:00", "2026-03-14T10:60", "2026-03-14T10",
                         "2026-03-14X10:02", "tomorrow", "-3", "-3y", "-d", "--3d",
                         "-3dd", "- 3d", "2026-03-14 ", "0999-01-01", "-100001d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        date_bad(bad[i], __LINE__);
}

static void test_cursor_at(void)
{
    char text[CORE_CURSOR_SIZE];
    struct core_pos pos;
    core_recent_cursor_at(US(100), false, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_RECENT, 0, &pos, NULL) == CORE_OK);
    CHECK(pos.us == US(100) && pos.id == INT64_MIN);   /* created_at < date */
    core_messages_cursor_at(42, US(100), true, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_MESSAGES, 42, &pos, NULL) == CORE_OK);
    CHECK(pos.us == US(100) && pos.id == INT64_MAX);   /* created_at <= date */
    CHECK(core_cursor_decode(text, CORE_CURSOR_MESSAGES, 43, &pos, NULL) == CORE_ERR_CURSOR);
}

static void phone_is(const char *in, const char *want, int line)
{
    char out[CORE_PHONE_SIZE];
    const char *why = core_phone_normalize(in, out);
    if (want ? (why || strcmp(out, want) != 0) : why == NULL) {
        fprintf(stderr, "FAIL line %d: %s -> %s\n", line, in, why ? why : out);
        failures++;
    }
}

static void test_phones(void)
{
    phone_is("+1 (415) 555-0123", "+14155550123", __LINE__);
    phone_is("+44.20.7946.0958", "+442079460958", __LINE__);
    phone_is("  +49-30-1234", "+49301234", __LINE__);       /* 8 digits */
    phone_is("+123456789012345", "+123456789012345", __LINE__); /* 15 */
    phone_is("+1234567", NULL, __LINE__);                    /* 7 */
    phone_is("+1234567890123456", NULL, __LINE__);           /* 16 */
    phone_is("4155550123", NULL, __LINE__);
    phone_is("+1 415 abc", NULL, __LINE__);
    phone_is("+0123456789", NULL, __LINE__);
    phone_is("++14155550123", NULL, __LINE__);
    phone_is("", NULL, __LINE__);
}

static void test_export_lines(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    set_tz("UTC");
    struct core_row row = {.contact_id = 7, .name = "A, \"B\"", .phone_number = "+14155550123",
                           .message_id = 9, .outbound = true, .content = "hi\nthere\x1b[2J",
                           .created_at_us = US(1773482550), .created_at = "T"};
    core_export_row(f, CORE_EXPORT_CSV, &row);
    core_export_row(f, CORE_EXPORT_TXT, &row);
    row.outbound = false;
    core_export_row(f, CORE_EXPORT_JSONL, &row);
    fclose(f);
    const char *want =
        "7,\"A, \"\"B\"\"\",+14155550123,9,out,\"hi\nthere\x1b[2J\",T\r\n"
        "2026-03-14 10:02  > hi\n                   there^[[2J\n"
        "{\"contact_id\": 7, \"name\": \"A, \\\"B\\\"\", \"phone_number\": \"+14155550123\","
        " \"message_id\": 9, \"direction\": \"in\", \"content\": \"hi\\nthere\\u001b[2J\","
        " \"created_at\": \"T\"}\n";
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "FAIL export lines:\n%s\nwant:\n%s\n", buf, want);
        failures++;
    }
    free(buf);
}

int main(void)
{
    test_dates();
    test_cursor_at();
    test_phones();
    test_export_lines();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("ok: power unit");
    return 0;
}

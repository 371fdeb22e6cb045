/* tests/core/unit.c - cursors, term escaping and UTF-8 checks, no database. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int failures;

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                  \
        }                                                                \
    } while (0)

static void check_str(const char *got, const char *want, int line)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "FAIL line %d: got [%s] want [%s]\n", line, got, want);
        failures++;
    }
}

static void test_cursor_roundtrip(void)
{
    struct core_pos in = {1732492800123456LL, 4999999}, out;
    char text[CORE_CURSOR_LEN + 1];
    uint64_t ctx = core_term_context("café");
    core_cursor_encode(CORE_CURSOR_SEARCH, ctx, in, text);
    CHECK(strlen(text) == CORE_CURSOR_LEN);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, ctx, &out, NULL) == CORE_OK);
    CHECK(core_pos_cmp(in, out) == 0);

    /* Negative times (before 1970) survive too. */
    struct core_pos old = {-86400000000LL, 1};
    core_cursor_encode(CORE_CURSOR_RECENT, 0, old, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_RECENT, 0, &out, NULL) == CORE_OK);
    CHECK(core_pos_cmp(old, out) == 0);

    /* Empty and NULL mean the top of the list. */
    CHECK(core_cursor_decode("", CORE_CURSOR_RECENT, 0, &out, NULL) == CORE_OK);
    CHECK(core_pos_cmp(out, CORE_POS_TOP) == 0);
    CHECK(core_cursor_decode(NULL, CORE_CURSOR_SEARCH, 7, &out, NULL) == CORE_OK);
}

static void test_cursor_tamper(void)
{
    struct core_pos pos = {1700000000000000LL, 42}, out;
    char text[CORE_CURSOR_LEN + 1], bad[CORE_CURSOR_LEN + 2];
    core_cursor_encode(CORE_CURSOR_RECENT, 0, pos, text);
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /* Every single-character edit is refused. */
    for (size_t i = 0; i < CORE_CURSOR_LEN; i++) {
        for (size_t k = 0; k < strlen(alphabet); k += 7) {
            if (alphabet[k] == text[i])
                continue;
            memcpy(bad, text, sizeof text);
            bad[i] = alphabet[k];
            const char *why = NULL;
            CHECK(core_cursor_decode(bad, CORE_CURSOR_RECENT, 0, &out, &why) == CORE_ERR_CURSOR);
            CHECK(why != NULL);
        }
    }
    /* Truncated, extended, junk. */
    memcpy(bad, text, sizeof text);
    bad[CORE_CURSOR_LEN - 1] = '\0';
    CHECK(core_cursor_decode(bad, CORE_CURSOR_RECENT, 0, &out, NULL) == CORE_ERR_CURSOR);
    snprintf(bad, sizeof bad, "%sA", text);
    CHECK(core_cursor_decode(bad, CORE_CURSOR_RECENT, 0, &out, NULL) == CORE_ERR_CURSOR);
    CHECK(core_cursor_decode("not a cursor", CORE_CURSOR_RECENT, 0, &out, NULL) == CORE_ERR_CURSOR);
    CHECK(core_cursor_decode("%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%", CORE_CURSOR_RECENT, 0,
                             &out, NULL) == CORE_ERR_CURSOR);

    /* A cursor from another list or another term is refused. */
    const char *why = NULL;
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("x"), &out, &why) ==
          CORE_ERR_CURSOR);
    CHECK(why && strstr(why, "recent"));
    core_cursor_encode(CORE_CURSOR_SEARCH, core_term_context("alpha"), pos, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("alpha"), &out, NULL) ==
          CORE_OK);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("beta"), &out, &why) ==
          CORE_ERR_CURSOR);
    CHECK(why && strstr(why, "another term"));
    /* Case does not make another term: ILIKE finds the same rows. */
    core_cursor_encode(CORE_CURSOR_SEARCH, core_term_context("pizza café"), pos, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("PIZZA CAFÉ"), &out,
                             NULL) == CORE_OK);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("Pizza Café"), &out,
                             NULL) == CORE_OK);
    CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("pizza cafe"), &out,
                             NULL) == CORE_ERR_CURSOR);
    char *folded = core_term_fold("ÉCOLE Ωmega ZOË 日本 Straße");
    check_str(folded, "école ωmega zoë 日本 straße", __LINE__);
    free(folded);
    core_cursor_encode(CORE_CURSOR_MESSAGES, 17, pos, text);
    CHECK(core_cursor_decode(text, CORE_CURSOR_MESSAGES, 18, &out, NULL) == CORE_ERR_CURSOR);
    CHECK(core_cursor_decode(text, CORE_CURSOR_MESSAGES, 17, &out, NULL) == CORE_OK);
}

static void test_patterns(void)
{
    struct {
        const char *term, *like, *digits;
        bool indexable;
    } cases[] = {
        {"hello", "%hello%", "", true},
        {"100%", "%100\\%%", "", true},
        {"50_50", "%50\\_50%", "", true},
        {"back\\slash", "%back\\\\slash%", "", true},
        {"it's", "%it's%", "", true},
        {"\"quoted\"", "%\"quoted\"%", "", true},
        {"CAFÉ", "%CAFÉ%", "", true},
        {"(415) 555-01", "%(415) 555-01%", "%41555501%", true},
        {"+1 415", "%+1 415%", "%1415%", true},
        {"12", "%12%", "%12%", false},
        {"a", "%a%", "", false},
        {"ab", "%ab%", "", false},
        {"- ()", "%- ()%", "", false},
        {"%", "%\\%%", "", false},
        {"\"ok\"", "%\"ok\"%", "", true},
        {"a b", "%a b%", "", true},
        {"415a", "%415a%", "", true},
        {"é", "%é%", "", false},
        {"naïve", "%naïve%", "", true},
        /* pg_trgm's words are letters and digits of the locale: symbols
         * beyond ASCII are not, however many there are. */
        {"🦊🦊🦊", "%🦊🦊🦊%", "", false},
        {"€€€", "%€€€%", "", false},
        {"→→→", "%→→→%", "", false},
        {"•••", "%•••%", "", false},
        {"x→y", "%x→y%", "", true},
        {"日本語", "%日本語%", "", true},
        {"ⓐⓑⓒ", "%ⓐⓑⓒ%", "", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *like = core_like_pattern(cases[i].term);
        char *digits = core_digits_pattern(cases[i].term);
        check_str(like, cases[i].like, (int)i);
        check_str(digits, cases[i].digits, (int)i);
        if (core_term_indexable(cases[i].term) != cases[i].indexable) {
            fprintf(stderr, "FAIL indexable(%s)\n", cases[i].term);
            failures++;
        }
        free(like);
        free(digits);
    }
    /* The prefilter keeps punctuation and digits in place, one '_' per
     * letter or non-ASCII character, and is empty when it would pass every
     * row. */
    static const struct {
        const char *term, *prefilter;
    } pre[] = {
        {"\"ok\"", "%\"__\"%"},
        {"l.o", "%_._%"},
        {"I'd", "%_'_%"},
        {"café!", "%____!%"},
        {"日本?", "%__?%"},
        {"100%", "%100\\%%"},
        {"a_b\\", "%_\\__\\\\%"},
        {"hello", ""},
        {"a b", ""},
        {"naïve", ""},
        {" ", ""},
    };
    CHECK(core_term_has_word3("hello") && core_term_has_word3("a café") &&
          core_term_has_word3("naïve") && core_term_has_word3("x 123"));
    CHECK(!core_term_has_word3("\"ok\"") && !core_term_has_word3("a b") &&
          !core_term_has_word3("l.o") && !core_term_has_word3("I'd") && !core_term_has_word3("é"));
    CHECK(!core_term_has_word3("🦊🦊🦊") && !core_term_has_word3("€€€") &&
          !core_term_has_word3("a••b") && core_term_has_word3("日本語"));
    /* n-grams for what pg_trgm misses, not for a whole phone number. */
    CHECK(core_term_wants_grams(".com") && core_term_wants_grams("zq") &&
          core_term_wants_grams("+1 (555) 014-2233") && core_term_wants_grams("+1555"));
    CHECK(!core_term_wants_grams("+15550142233") && !core_term_wants_grams("hello") &&
          !core_term_wants_grams("order 12345!"));
    /* A window of the phrase index: a space with three characters (not
     * bytes) on either side. */
    CHECK(core_term_has_span("see you") && core_term_has_span("a café bar") &&
          core_term_has_span("日本語 日本語") && core_term_has_span("see  you"));
    CHECK(!core_term_has_span("see yo") && !core_term_has_span("ab cde") &&
          !core_term_has_span("seeyou") && !core_term_has_span("é é") &&
          !core_term_has_span("日本 日本語") && !core_term_has_span(""));
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        char *p = core_prefilter_pattern(pre[i].term);
        check_str(p, pre[i].prefilter, (int)i);
        free(p);
    }
}

static void test_utf8(void)
{
    CHECK(core_utf8_chars("") == 0);
    CHECK(core_utf8_chars("abc") == 3);
    CHECK(core_utf8_chars("café") == 4);
    CHECK(core_utf8_chars("日本語") == 3);
    CHECK(core_utf8_chars("\xf0\x9f\x98\x80") == 1);
    CHECK(core_utf8_chars("\xff") == -1);
    CHECK(core_utf8_chars("\xc3") == -1);          /* truncated */
    CHECK(core_utf8_chars("\xc0\xaf") == -1);      /* overlong */
    CHECK(core_utf8_chars("\xed\xa0\x80") == -1);  /* surrogate */
    CHECK(core_utf8_chars("\xf4\x90\x80\x80") == -1); /* above U+10FFFF */

    char term[4 * 201 + 1];
    memset(term, 'x', 200);
    term[200] = '\0';
    CHECK(core_term_check(term) == CORE_OK);
    term[200] = 'x';
    term[201] = '\0';
    CHECK(core_term_check(term) == CORE_ERR_TERM);
    /* 200 characters of two bytes each are fine: the limit is characters. */
    term[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(term, "é");
    CHECK(core_term_check(term) == CORE_OK);
    strcat(term, "é");
    CHECK(core_term_check(term) == CORE_ERR_TERM);
    CHECK(core_term_check("bad \xff byte") == CORE_ERR_TERM);
    CHECK(core_term_check("") == CORE_OK);
}

static void test_status_and_time(void)
{
    CHECK(strcmp(core_status_message(CORE_OK), "ok") == 0);
    CHECK(strcmp(core_status_message(CORE_ERR_CURSOR), "invalid cursor") == 0);
    char buf[CORE_TIME_LEN];
    core_format_time(0, buf);
    check_str(buf, "1970-01-01T00:00:00.000000+00:00", __LINE__);
    core_format_time(1732492800123456LL, buf);
    check_str(buf, "2024-11-25T00:00:00.123456+00:00", __LINE__);
    core_format_time(-1, buf);
    check_str(buf, "1969-12-31T23:59:59.999999+00:00", __LINE__);
}

/* Every instant PostgreSQL stores before 100000 AD (schema 007) formats
 * for people (ISO 8601, -YYYY before 1 AD) and for the server ('BC'). */
static void test_extreme_times(void)
{
    char buf[CORE_TIME_LEN];
    /* 0044-03-15 12:00:00 BC = astronomical year -43 */
    int64_t ides = -63517780800LL * 1000000;
    core_format_time(ides, buf);
    check_str(buf, "-0043-03-15T12:00:00.000000+00:00", __LINE__);
    core_format_time_sql(ides, buf);
    check_str(buf, "0044-03-15 12:00:00.000000+00 BC", __LINE__);
    /* PostgreSQL's first instant: 4713-11-24 00:00:00 BC (Julian day 0). */
    int64_t first = -210835180800LL * 1000000;
    core_format_time(first, buf);
    check_str(buf, "-4712-11-24T00:00:00.000000+00:00", __LINE__);
    core_format_time_sql(first, buf);
    check_str(buf, "4713-11-24 00:00:00.000000+00 BC", __LINE__);
    /* 1 BC is ISO year 0000; the last microsecond before 1 AD. */
    core_format_time(-62135596800LL * 1000000 - 1, buf);
    check_str(buf, "0000-12-31T23:59:59.999999+00:00", __LINE__);
    core_format_time_sql(-62135596800LL * 1000000 - 1, buf);
    check_str(buf, "0001-12-31 23:59:59.999999+00 BC", __LINE__);
    /* The last instant schema 007 admits: 99999-12-31 23:59:59.999999. */
    int64_t last = 3093527980800LL * 1000000 - 1;
    core_format_time(last, buf);
    check_str(buf, "+99999-12-31T23:59:59.999999+00:00", __LINE__);
    core_format_time_sql(last, buf);
    check_str(buf, "99999-12-31 23:59:59.999999+00", __LINE__);
    core_format_time(INT64_MAX, buf);
    check_str(buf, "infinity", __LINE__);
    core_format_time_sql(INT64_MIN, buf);
    check_str(buf, "-infinity", __LINE__);
    /* Cursors carry such positions exactly. */
    int64_t times[] = {first, ides, last, INT64_MAX - 1, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char text[CORE_CURSOR_LEN + 1];
        struct core_pos pos = {times[i], 42}, back;
        core_cursor_encode(CORE_CURSOR_SEARCH, core_term_context("zorblax"), pos, text);
        CHECK(core_cursor_decode(text, CORE_CURSOR_SEARCH, core_term_context("zorblax"),
                                 &back, NULL) == CORE_OK);
        CHECK(back.us == pos.us && back.id == pos.id);
    }
}

static void test_term_problem(void)
{
    CHECK(core_term_problem("pizza") == NULL);
    check_str(core_term_problem("bad \xff byte"), "invalid UTF-8", __LINE__);
    char term[CORE_TERM_MAX_CHARS + 2];
    memset(term, 'a', sizeof term - 1);
    term[sizeof term - 1] = '\0';
    check_str(core_term_problem(term), "longer than 200 characters", __LINE__);
}

/* Filter words: the text left, each filter's value, quotes, bad words. */
static void test_filters(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    struct core_filter f;
    char err[256];
    CHECK(!core_filter_parse("  pizza   is:out  after:2026-10-01 now ", false, 0, &f, err,
                             sizeof err));
    check_str(f.text, "pizza now", __LINE__);
    CHECK(f.any && f.dir == CORE_DIR_OUT && f.with == NULL);
    CHECK(f.after_us == INT64_C(1790812800000000) && f.before_us == INT64_MAX);
    core_filter_free(&f);
    CHECK(!core_filter_parse("with:\"Ana M\" before:2026-10-01T10:30 is:in is:IN", false, 0,
                             &f, err, sizeof err));
    check_str(f.text, "", __LINE__);
    check_str(f.with, "Ana M", __LINE__);
    CHECK(f.dir == CORE_DIR_IN && f.before_us == INT64_C(1790812800000000) + INT64_C(37800000000));
    core_filter_free(&f);
    CHECK(!core_filter_parse("is:in is:out", false, 0, &f, err, sizeof err));
    CHECK(f.dir == 0); /* both: nothing passes */
    core_filter_free(&f);
    /* Words: blanks part them; quotes hold a phrase (a filter word in
     * quotes is text); a phone number's run is one word. */
    CHECK(!core_filter_parse("a  b", false, 0, &f, err, sizeof err));
    check_str(f.text, "a b", __LINE__);
    CHECK(!f.any && f.nwords == 2);
    check_str(f.nwords == 2 ? f.words[1] : "", "b", __LINE__);
    core_filter_free(&f);
    CHECK(!core_filter_parse("\"is:in\" \"ok\"", false, 0, &f, err, sizeof err));
    check_str(f.text, "is:in ok", __LINE__);
    CHECK(!f.any && f.nwords == 2);
    core_filter_free(&f);
    CHECK(!core_filter_parse("ana \"see  you\"later is:in +1 (415) 555-0123 - x \"open", false,
                             0, &f, err, sizeof err));
    CHECK(f.any && f.dir == CORE_DIR_IN && f.nwords == 6);
    static const char *const want_words[] = {"ana", "see  you", "later", "+1 (415) 555-0123 -",
                                             "x", "open"};
    for (size_t i = 0; i < 6 && i < f.nwords; i++)
        check_str(f.words[i], want_words[i], __LINE__);
    core_filter_free(&f);
    CHECK(!core_filter_parse("- ( x", false, 0, &f, err, sizeof err)); /* no digit: words */
    CHECK(f.nwords == 3);
    core_filter_free(&f);
    CHECK(!core_filter_parse("  \"\" ", false, 0, &f, err, sizeof err));
    CHECK(f.nwords == 0);
    check_str(f.text, "", __LINE__);
    core_filter_free(&f);
    size_t nw;
    char **w = core_term_words("is:sideways Pizza with:ana \"is:out\"", &nw);
    CHECK(w && nw == 2);
    check_str(w && nw == 2 ? w[0] : "", "Pizza", __LINE__);
    check_str(w && nw == 2 ? w[1] : "", "is:out", __LINE__);
    core_term_words_free(w, nw);
    CHECK(!core_filter_parse("is:in x", true, 0, &f, err, sizeof err));
    check_str(f.text, "is:in x", __LINE__);
    CHECK(!f.any && f.dir == CORE_DIR_ANY && f.nwords == 1);
    core_filter_free(&f);
    static const char *const bad[][2] = {
        {"is:sideways", "bad filter 'is:sideways': is: takes in or out"},
        {"x after:2026-13-01", "bad filter 'after:2026-13-01': after: takes YYYY-MM-DD or "
                               "YYYY-MM-DDTHH:MM (no such date or time)"},
        {"with:", "bad filter 'with:': with: takes a name or phone number"},
        {"with:\"  \"", "bad filter 'with:\"  \"': with: takes a name or phone number"},
        {"with:\"Ana", "bad filter 'with:\"Ana': with: has no closing quote"},
        {"with:a with:b", "bad filter 'with:b': with: given twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = core_filter_parse(bad[i][0], false, 0, &f, err, sizeof err);
        check_str(why, bad[i][1], __LINE__);
        core_filter_free(&f);
        check_str(core_filter_problem(bad[i][0], err, sizeof err), bad[i][1], __LINE__);
    }
    CHECK(core_filter_problem("pizza is:in", err, sizeof err) == NULL);
}

int main(void)
{
    test_filters();
    test_extreme_times();
    test_term_problem();
    test_cursor_roundtrip();
    test_cursor_tamper();
    test_patterns();
    test_utf8();
    test_status_and_time();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("ok: core unit");
    return 0;
}

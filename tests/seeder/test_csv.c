/* tests/seeder/test_csv.c - the CSV reader against every quirk of
 * message_content.csv, and the text generator's promises. */
#include "seed.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            failures++;                                                   \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

struct parsed {
    struct seed_bodies bodies;
    struct seed_csv_stats stats;
    bool ok;
    char err[256];
};

static struct parsed parse(const char *text, size_t len)
{
    struct parsed p = {0};
    p.ok = seed_csv_parse(text, len, &p.bodies, &p.stats, p.err, sizeof p.err);
    return p;
}

static struct parsed parse_str(const char *text)
{
    return parse(text, strlen(text));
}

static void expect_bodies(const char *name, const char *text, const char *const *want,
                          size_t nwant)
{
    struct parsed p = parse_str(text);
    CHECK(p.ok, "%s: parse failed: %s", name, p.err);
    CHECK(p.bodies.count == nwant, "%s: %zu bodies, want %zu", name, p.bodies.count, nwant);
    for (size_t i = 0; i < nwant && i < p.bodies.count; i++)
        CHECK(strcmp(seed_body(&p.bodies, i), want[i]) == 0, "%s: body %zu is [%s], want [%s]",
              name, i, seed_body(&p.bodies, i), want[i]);
    seed_bodies_free(&p.bodies);
}

#define EXPECT(name, text, ...)                                                \
    do {                                                                       \
        const char *const want_[] = {__VA_ARGS__};                             \
        expect_bodies(name, text, want_, sizeof want_ / sizeof want_[0]);      \
    } while (0)

static void test_quirks(void)
{
    EXPECT("no header: the first line is a body", "first\nsecond\n", "first", "second");
    EXPECT("quoted field with doubled quotes",
           "\" Naming a cloned cat \"\"copy cat\"\", that's cute.\"\n",
           "Naming a cloned cat \"copy cat\", that's cute.");
    EXPECT("quoted field with a comma", "\"yes, please\"\n", "yes, please");
    EXPECT("bare quotes in an unquoted line",
           " his own real \"teddy\" bear\n", "his own real \"teddy\" bear");
    EXPECT("an unbalanced quote does not swallow the next lines",
           " They're \"man\n next one\n and another\n",
           "They're \"man", "next one", "and another");
    EXPECT("a line starting with an unbalanced quote stays verbatim",
           "\"never closed, at all\n after it\n",
           "\"never closed, at all", "after it");
    EXPECT("a quote mid-field after a quoted start stays verbatim",
           "\"quoted\" then more\n", "\"quoted\" then more");
    EXPECT("two fields stay verbatim", "\"a\", \"b\"\n", "\"a\", \"b\"");
    EXPECT("CRLF line ends", "one\r\ntwo\r\n\"three, four\"\r\n", "one", "two", "three, four");
    EXPECT("a lone CR ends a line (old Mac files)", "one\rtwo\r\"three, four\"\r",
           "one", "two", "three, four");
    EXPECT("CR, LF and CRLF mixed", "a\rb\nc\r\nd\n\re", "a", "b", "c", "d", "e");
    EXPECT("a CR inside a quoted line ends it too", "\"x,\ry\"\n", "\"x,", "y\"");
    EXPECT("blank lines are skipped", "\n  \n\t\r\nx\n\n\r\n   y   \n", "x", "y");
    EXPECT("leading and trailing blanks are trimmed", "   padded\t \n", "padded");
    EXPECT("blanks inside quotes are trimmed too", "\"   inner   \"\n", "inner");
    EXPECT("non-ASCII text is kept", " café, naïve, 日本語 😀\n\"¿qué, tal?\"\n",
           "café, naïve, 日本語 😀", "¿qué, tal?");
    EXPECT("no newline at the end", "a\nlast", "a", "last");
    EXPECT("a byte-order mark is dropped", "\xef\xbb\xbf" "first\n", "first");
    EXPECT("only quotes", "\"\"\"\"\"\"\n", "\"\"");
    EXPECT("a lone quote", "\"\n", "\"");
    EXPECT("backslashes are ordinary", " C:\\path \\n\n", "C:\\path \\n");

    struct parsed p = parse_str("\"\"\n\"   \"\nz\n");
    CHECK(p.ok && p.bodies.count == 1 && p.stats.blank == 2,
          "empty quoted fields are blank lines (%zu bodies, %zu blank)", p.bodies.count,
          p.stats.blank);
    seed_bodies_free(&p.bodies);

    p = parse_str(" plain\n\"quoted, yes\"\n they \"said\n\n\"bad\" x\n");
    CHECK(p.ok, "stats parse");
    CHECK(p.stats.lines == 5, "lines %zu", p.stats.lines);
    CHECK(p.stats.bodies == 4, "bodies %zu", p.stats.bodies);
    CHECK(p.stats.unquoted == 1, "unquoted %zu", p.stats.unquoted);
    CHECK(p.stats.verbatim == 3, "verbatim %zu", p.stats.verbatim);
    CHECK(p.stats.stray_quotes == 2, "stray quotes %zu", p.stats.stray_quotes);
    CHECK(p.stats.blank == 1, "blank %zu", p.stats.blank);
    seed_bodies_free(&p.bodies);

    /* CRLF is one line end, a lone CR or LF one each, "\n\r" two. */
    p = parse_str("a\r\nb\rc\nd\n\re");
    CHECK(p.ok && p.stats.lines == 6 && p.stats.blank == 1 && p.stats.bodies == 5,
          "line count with CR, LF, CRLF: %zu lines, %zu blank", p.stats.lines, p.stats.blank);
    seed_bodies_free(&p.bodies);
}

static void test_many_unbalanced(void)
{
    /* A file where every other line holds an unbalanced quote: nothing lost. */
    size_t n = 10000, cap = n * 32, len = 0;
    char *text = core_xmalloc(cap);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, i % 2 ? " line %zu \"open\n" : "\"line %zu, q\"\n", i);
    struct parsed p = parse(text, len);
    CHECK(p.ok && p.bodies.count == n, "unbalanced quotes: %zu bodies of %zu", p.bodies.count, n);
    CHECK(p.ok && strcmp(seed_body(&p.bodies, n - 1), "line 9999 \"open") == 0, "last body [%s]",
          p.ok ? seed_body(&p.bodies, n - 1) : "");
    seed_bodies_free(&p.bodies);
    free(text);
}

static void test_errors(void)
{
    struct parsed p = parse("abc\n\0def\n", 9);
    CHECK(!p.ok && strstr(p.err, "binary"), "NUL byte: [%s]", p.err);
    seed_bodies_free(&p.bodies);

    p = parse("", 0);
    CHECK(!p.ok && strstr(p.err, "empty"), "empty file: [%s]", p.err);
    seed_bodies_free(&p.bodies);

    p = parse_str("\n \r\n\t\n");
    CHECK(!p.ok && strstr(p.err, "no message bodies"), "only blank lines: [%s]", p.err);
    seed_bodies_free(&p.bodies);

    p = parse_str("ok\n\xc3\x28 broken\n");
    CHECK(!p.ok && strstr(p.err, "UTF-8") && strstr(p.err, "line 2"), "invalid UTF-8: [%s]", p.err);
    seed_bodies_free(&p.bodies);

    p = parse_str("\xed\xa0\x80 surrogate\n");
    CHECK(!p.ok, "UTF-16 surrogate in UTF-8 is rejected");
    seed_bodies_free(&p.bodies);

    /* Random binary data: rejected, never loaded. */
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)((i * 2654435761u) >> 13);
    p = parse((const char *)junk, sizeof junk);
    CHECK(!p.ok, "binary junk is rejected");
    seed_bodies_free(&p.bodies);
}

static void test_files(void)
{
    char path[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/convo-seed-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    const char *text = "\" Hello, world\"\r\n plain line\r\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
    close(fd);

    struct seed_bodies b = {0};
    struct seed_csv_stats st;
    char err[256];
    CHECK(seed_csv_read(path, &b, &st, err, sizeof err), "read file: %s", err);
    CHECK(b.count == 2 && strcmp(seed_body(&b, 0), "Hello, world") == 0, "file bodies");
    seed_bodies_free(&b);

    FILE *f = fopen(path, "w");
    fclose(f);
    CHECK(!seed_csv_read(path, &b, &st, err, sizeof err) && strstr(err, path) && strstr(err, "empty"),
          "empty file names the file: [%s]", err);
    seed_bodies_free(&b);
    unlink(path);

    CHECK(!seed_csv_read(path, &b, &st, err, sizeof err) && strstr(err, "No such file"),
          "missing file: [%s]", err);
    CHECK(!seed_csv_read("/", &b, &st, err, sizeof err) && strstr(err, "not a regular file"),
          "a directory: [%s]", err);
    seed_bodies_free(&b);
}

static void test_json(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char s[] = "a\"b\\c\td\x01 é";
    core_json_string(f, s, sizeof s - 1);
    fclose(f);
    CHECK(strcmp(buf, "\"a\\\"b\\\\c\\td\\u0001 é\"") == 0, "json [%s]", buf);
    free(buf);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void test_generator(void)
{
    struct seed_rng a, b;
    seed_rng_init(&a, 42);
    seed_rng_init(&b, 42);
    struct seed_bodies x = {0}, y = {0};
    seed_text_generate(&a, 320000, &x);
    seed_text_generate(&b, 1000, &y);
    bool same = true;
    for (size_t i = 0; i < y.count; i++)
        same = same && strcmp(seed_body(&x, i), seed_body(&y, i)) == 0;
    CHECK(same, "the same seed gives the same text");

    size_t distinct = seed_bodies_distinct(&x);
    CHECK(distinct >= 180000, "distinct generated bodies: %zu", distinct);
    size_t non_ascii = 0, shortest = SIZE_MAX, longest = 0, the = 0, rare = 0;
    size_t *chars = calloc(x.count, sizeof *chars);
    double total = 0;
    for (size_t i = 0; i < x.count; i++) {
        const char *s = seed_body(&x, i);
        for (const char *p = s; *p; p++)
            chars[i] += ((unsigned char)*p & 0xc0) != 0x80;
        total += (double)chars[i];
        for (const char *p = s; *p; p++)
            if ((unsigned char)*p >= 0x80) {
                non_ascii++;
                break;
            }
        if (x.len[i] < shortest)
            shortest = x.len[i];
        if (x.len[i] > longest)
            longest = x.len[i];
        the += strstr(s, "the ") != NULL;
        rare += strstr(s, "harmonica") != NULL;
    }
    CHECK(non_ascii > x.count / 100, "some non-ASCII bodies: %zu", non_ascii);
    CHECK(shortest <= 4 && longest >= 400 && longest <= 700, "chat-turn lengths: %zu..%zu",
          shortest, longest);
    /* The real file's lengths: mean about 102 characters, median 95. */
    qsort(chars, x.count, sizeof *chars, cmp_size);
    double mean = total / (double)x.count;
    size_t median = chars[x.count / 2];
    CHECK(mean >= 95 && mean <= 110 && median >= 88 && median <= 102,
          "body length mean %.1f, median %zu characters", mean, median);
    free(chars);
    CHECK(the > 20 * (rare + 1), "common words far outnumber rare ones (%zu vs %zu)", the, rare);
    CHECK(rare > 0, "rare words still occur");
    seed_bodies_free(&x);
    seed_bodies_free(&y);
}

int main(void)
{
    test_quirks();
    test_many_unbalanced();
    test_errors();
    test_files();
    test_json();
    test_generator();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

/* seeder/csv.c - reads message_content.csv as its writer made it.
 *
 * The file is one column, no header. The writer quoted a field only when it
 * held a comma; every other line is raw text that may carry bare or
 * unbalanced quotes. A whole-file CSV parse would let one unbalanced quote
 * swallow the lines after it, so the file is cut into lines first and only a
 * line that starts with a quote is handed to libcsv, in strict mode; if it is
 * not exactly one well-formed quoted field it is kept verbatim. */
#include "seed.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *len)
{
    while (*len && is_blank((unsigned char)**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_blank((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* Where the line starting at pos ends: at its CR or LF, or at len. Files
 * come with LF, CRLF or (old Mac editors) a lone CR between lines. */
static size_t line_end(const char *data, size_t pos, size_t len)
{
    while (pos < len && data[pos] != '\n' && data[pos] != '\r')
        pos++;
    return pos;
}

struct field_sink {
    int fields, rows;
    char *buf;
    size_t len;
};

static void on_field(void *data, size_t len, void *ctx)
{
    struct field_sink *sink = ctx;
    if (sink->fields++ == 0) {
        sink->buf = core_xmalloc(len + 1);
        memcpy(sink->buf, data, len);
        sink->buf[len] = '\0';
        sink->len = len;
    }
}

static void on_row(int term, void *ctx)
{
    (void)term;
    ((struct field_sink *)ctx)->rows++;
}

/* A line that starts with a quote: its unquoted text when it is exactly one
 * well-formed quoted field, else NULL. The caller frees the result. */
static char *unquote(struct csv_parser *parser, const char *line, size_t len,
                     size_t *outlen)
{
    struct field_sink sink = {0};
    bool ok = csv_parse(parser, line, len, on_field, on_row, &sink) == len;
    ok = csv_fini(parser, on_field, on_row, &sink) == 0 && ok;
    ok = ok && csv_error(parser) == CSV_SUCCESS && sink.fields == 1 && sink.rows == 1;
    /* A fresh parser per line: no state of a bad line reaches the next. */
    csv_free(parser);
    csv_init(parser, CSV_STRICT | CSV_STRICT_FINI);
    if (!ok) {
        free(sink.buf);
        return NULL;
    }
    *outlen = sink.len;
    return sink.buf;
}

bool seed_csv_parse(const char *data, size_t len, struct seed_bodies *out,
                    struct seed_csv_stats *stats, char *err, size_t errlen)
{
    memset(stats, 0, sizeof *stats);
    const unsigned char *u = (const unsigned char *)data;
    size_t pos = 0;
    /* A byte-order mark is not part of the first body. */
    if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
        pos = 3;

    struct csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        snprintf(err, errlen, "cannot start the CSV parser");
        return false;
    }

    bool ok = true;
    while (pos < len) {
        size_t end = line_end(data, pos, len);
        const char *line = data + pos;
        size_t line_len = end - pos;
        stats->lines++;

        for (size_t i = 0; i < line_len;) {
            if (u[pos + i] == 0) {
                snprintf(err, errlen, "binary file (NUL byte on line %zu)", stats->lines);
                ok = false;
                break;
            }
            size_t n = core_utf8_len(u + pos + i, line_len - i);
            if (n == 0) {
                snprintf(err, errlen, "not UTF-8 text (invalid byte on line %zu)",
                         stats->lines);
                ok = false;
                break;
            }
            i += n;
        }
        if (!ok)
            break;
        /* CRLF is one line end; a lone CR or LF is one too. */
        pos = end + (end + 1 < len && data[end] == '\r' && data[end + 1] == '\n' ? 2 : 1);

        trim(&line, &line_len);
        if (line_len == 0) {
            stats->blank++;
            continue;
        }
        if (line[0] == '"') {
            size_t body_len;
            char *body = unquote(&parser, line, line_len, &body_len);
            if (body) {
                const char *b = body;
                trim(&b, &body_len);
                if (body_len == 0) {
                    stats->blank++;
                } else {
                    seed_bodies_add(out, b, body_len);
                    stats->unquoted++;
                    stats->bodies++;
                }
                free(body);
                continue;
            }
        }
        seed_bodies_add(out, line, line_len);
        stats->verbatim++;
        stats->bodies++;
        if (memchr(line, '"', line_len))
            stats->stray_quotes++;
    }
    csv_free(&parser);
    if (ok && stats->bodies == 0) {
        snprintf(err, errlen, len == 0 ? "empty file" : "no message bodies (only blank lines)");
        ok = false;
    }
    return ok;
}

bool seed_csv_read(const char *path, struct seed_bodies *out,
                   struct seed_csv_stats *stats, char *err, size_t errlen)
{
    /* Non-blocking, then fstat: opening a FIFO for reading would wait for
     * a writer for ever before the "not a regular file" check. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s: not a regular file", path);
        close(fd);
        return false;
    }
    int flags = fcntl(fd, F_GETFL);
    FILE *f = flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0 ? NULL : fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        close(fd);
        return false;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *data = core_xmalloc(cap);
    for (;;) {
        size_t n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
        if (len == cap) {
            cap *= 2;
            data = core_xrealloc(data, cap);
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        fclose(f);
        free(data);
        return false;
    }
    fclose(f);
    char why[200];
    bool ok = seed_csv_parse(data, len, out, stats, why, sizeof why);
    if (!ok)
        snprintf(err, errlen, "%s: %s", path, why);
    free(data);
    return ok;
}

/* core/export_format.c - one message as a line of an export: JSON (the
 * keys of convo-query messages, core_row_json, shared with the CLIs),
 * RFC 4180 CSV, or a readable transcript line in the viewer's time zone. */
#include <string.h>
#include <time.h>

#include "export_format.h"

static void json_text(FILE *f, const char *s)
{
    core_json_string(f, s, s ? strlen(s) : 0);
}

void core_row_json(FILE *f, const struct core_row *r)
{
    fprintf(f, "\"contact_id\": %d, \"name\": ", (int)r->contact_id);
    json_text(f, r->name);
    fputs(", \"phone_number\": ", f);
    json_text(f, r->phone_number);
    if (r->no_message) {
        fputs(", \"message_id\": null, \"direction\": null, \"content\": null,"
              " \"created_at\": null", f);
        return;
    }
    fprintf(f, ", \"message_id\": %lld, \"direction\": \"%s\", \"content\": ",
            (long long)r->message_id, r->outbound ? "out" : "in");
    json_text(f, r->content);
    fputs(", \"created_at\": ", f);
    json_text(f, r->created_at);
}

/* A CSV field: quoted when it holds a comma, a quote or a line end, inner
 * quotes doubled (RFC 4180). */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Local wall-clock minutes, "2026-03-14 10:02". */
static void local_minutes(int64_t us, char out[32])
{
    time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, 32, "(no time)");
}

/* Text for a transcript: control characters in caret form (^[ for Esc),
 * so a file shown with cat cannot drive the terminal; a line break goes
 * on under the text's own column. */
static void txt_text(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '\n')
            fputs("\n                   ", f);
        else if (*c == '\t')
            fputc('\t', f);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "^%c", *c == 0x7f ? '?' : *c + '@');
        else
            fputc(*c, f);
    }
}

void core_export_header(FILE *f, enum core_export_format fmt)
{
    if (fmt == CORE_EXPORT_CSV)
        fputs("contact_id,name,phone_number,message_id,direction,content,created_at\r\n", f);
}

void core_export_heading(FILE *f, const char *name, const char *phone, bool first)
{
    if (!first)
        fputc('\n', f);
    if (name && *name) {
        txt_text(f, name);
        fputs("  ", f);
    }
    txt_text(f, phone);
    fputs("\n\n", f);
}

void core_export_row(FILE *f, enum core_export_format fmt, const struct core_row *r)
{
    if (fmt == CORE_EXPORT_JSONL) {
        fputc('{', f);
        core_row_json(f, r);
        fputs("}\n", f);
    } else if (fmt == CORE_EXPORT_CSV) {
        fprintf(f, "%d,", (int)r->contact_id);
        csv_field(f, r->name);
        fputc(',', f);
        csv_field(f, r->phone_number);
        fprintf(f, ",%lld,%s,", (long long)r->message_id, r->outbound ? "out" : "in");
        csv_field(f, r->content);
        fprintf(f, ",%s\r\n", r->created_at);
    } else {
        char when[32];
        local_minutes(r->created_at_us, when);
        fprintf(f, "%s  %c ", when, r->outbound ? '>' : '<');
        txt_text(f, r->content);
        fputc('\n', f);
    }
}

/* core/cli/json.c - the JSON the CLIs print. */
#include <string.h>

#include "base.h"
#include "lib.h"
#include "json.h"

void json_string(FILE *f, const char *s)
{
    core_json_string(f, s, s ? strlen(s) : 0);
}

void json_page(FILE *f, const char *key, const struct core_page *page, bool search)
{
    fprintf(f, "{\"%s\": [", key);
    for (size_t i = 0; i < page->count; i++) {
        const struct core_row *r = &page->rows[i];
        fprintf(f, "%s\n  {", i ? "," : "");
        core_row_json(f, r);
        if (search) {
            fputs(", \"matched\": [", f);
            const char *sep = "";
            if (r->matched & CORE_MATCH_CONTENT) { fprintf(f, "%s\"content\"", sep); sep = ", "; }
            if (r->matched & CORE_MATCH_NAME) { fprintf(f, "%s\"name\"", sep); sep = ", "; }
            if (r->matched & CORE_MATCH_PHONE) { fprintf(f, "%s\"phone\"", sep); }
            fputc(']', f);
        }
        fputc('}', f);
    }
    fprintf(f, "%s], \"next_cursor\": ", page->count ? "\n" : "");
    if (page->next_cursor)
        json_string(f, page->next_cursor);
    else
        fputs("null", f);
    fprintf(f, ", \"elapsed_ms\": %.3f", page->elapsed_ms);
    if (search) {
        fprintf(f, ", \"complete\": %s, \"scanned_rows\": %lld, \"searched_back_to\": ",
                page->complete ? "true" : "false", (long long)page->scanned_rows);
        if (page->searched_back_to_us) {
            char when[CORE_TIME_LEN];
            core_format_time(page->searched_back_to_us, when);
            json_string(f, when);
        } else {
            fputs("null", f);
        }
    }
    fputs("}\n", f);
}

void json_message(FILE *f, const struct core_row *r)
{
    fprintf(f, "{\"message_id\": %lld, \"contact_id\": %d, \"name\": ",
            (long long)r->message_id, (int)r->contact_id);
    json_string(f, r->name);
    fputs(", \"phone_number\": ", f);
    json_string(f, r->phone_number);
    fprintf(f, ", \"direction\": \"%s\", \"content\": ", r->outbound ? "out" : "in");
    json_string(f, r->content);
    fputs(", \"created_at\": ", f);
    json_string(f, r->created_at);
    fputc('}', f);
}

/* core/page.c - pages own their rows and every string in them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cursor.h"
#include "page.h"

/* Strings live in a chain of blocks so that row pointers stay valid while
 * the page grows. */
struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

struct store {
    struct block *blocks;
    size_t caprows;
};

void core_page_init(struct core_page *page)
{
    memset(page, 0, sizeof *page);
    page->complete = true;
}

void core_page_free(struct core_page *page)
{
    if (!page)
        return;
    struct store *st = page->priv;
    if (st) {
        struct block *b = st->blocks;
        while (b) {
            struct block *next = b->next;
            free(b);
            b = next;
        }
        free(st);
    }
    free(page->rows);
    free(page->next_cursor);
    memset(page, 0, sizeof *page);
}

static const char *keep(struct store *st, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    struct block *b = st->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = st->blocks;
        st->blocks = b;
    }
    char *out = b->data + b->used;
    memcpy(out, s, n);
    b->used += n;
    return out;
}

enum core_status core_page_add(struct core_page *page, const struct core_row *row)
{
    struct store *st = page->priv;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return CORE_ERR_NOMEM;
        page->priv = st;
    }
    if (page->count == st->caprows) {
        size_t cap = st->caprows ? st->caprows * 2 : 64;
        struct core_row *rows = realloc(page->rows, cap * sizeof *rows);
        if (!rows)
            return CORE_ERR_NOMEM;
        page->rows = rows;
        st->caprows = cap;
    }
    struct core_row r = *row;
    r.name = keep(st, row->name);
    r.phone_number = keep(st, row->phone_number);
    r.content = keep(st, row->content);
    r.created_at = keep(st, row->created_at);
    if (!r.name || !r.phone_number || !r.content || !r.created_at)
        return CORE_ERR_NOMEM;
    page->rows[page->count++] = r;
    return CORE_OK;
}

enum core_status core_page_set_cursor(struct core_page *page, const char *cursor)
{
    free(page->next_cursor);
    page->next_cursor = NULL;
    if (!cursor)
        return CORE_OK;
    page->next_cursor = strdup(cursor);
    return page->next_cursor ? CORE_OK : CORE_ERR_NOMEM;
}

enum core_status core_page_cursor_at_last(struct core_page *page, enum core_cursor_kind kind,
                                          uint64_t context)
{
    const struct core_row *last = &page->rows[page->count - 1];
    char cur[CORE_CURSOR_LEN + 1];
    /* A contact without messages sits below every message: (-inf, its id). */
    struct core_pos pos = last->no_message
                              ? (struct core_pos){CORE_US_NINF, last->contact_id}
                              : (struct core_pos){last->created_at_us, last->message_id};
    core_cursor_encode(kind, context, pos, cur);
    return core_page_set_cursor(page, cur);
}

/* Split us into a calendar date in UTC; false for the infinities. */
static bool split_time(int64_t us, struct tm *tm, long *frac)
{
    if (us == CORE_US_INF || us == CORE_US_NINF)
        return false;
    int64_t secs = us / 1000000, f = us % 1000000;
    if (f < 0) {
        f += 1000000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    gmtime_r(&t, tm);
    *frac = (long)f;
    return true;
}

/* ISO 8601 with the year as ISO counts it: 0000 is 1 BC, -0043 is 44 BC,
 * years past 9999 carry a '+'. */
void core_format_time(int64_t us, char out[CORE_TIME_LEN])
{
    struct tm tm;
    long frac;
    if (!split_time(us, &tm, &frac)) {
        snprintf(out, CORE_TIME_LEN, "%s", us > 0 ? "infinity" : "-infinity");
        return;
    }
    long year = (long)tm.tm_year + 1900;
    snprintf(out, CORE_TIME_LEN, "%s%0*ld-%02d-%02dT%02d:%02d:%02d.%06ld+00:00",
             year < 0 ? "-" : year > 9999 ? "+" : "", 4, year < 0 ? -year : year,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* The form PostgreSQL reads back exactly: it has no negative years, it
 * counts 1 BC, 2 BC... after the date. */
void core_format_time_sql(int64_t us, char out[CORE_TIME_LEN])
{
    struct tm tm;
    long frac;
    if (!split_time(us, &tm, &frac)) {
        snprintf(out, CORE_TIME_LEN, "%s", us > 0 ? "infinity" : "-infinity");
        return;
    }
    long year = (long)tm.tm_year + 1900;
    snprintf(out, CORE_TIME_LEN, "%04ld-%02d-%02d %02d:%02d:%02d.%06ld+00%s",
             year < 1 ? 1 - year : year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac, year < 1 ? " BC" : "");
}

static int row_cmp_newest_first(const void *a, const void *b)
{
    const struct core_row *x = a, *y = b;
    if (x->created_at_us != y->created_at_us)
        return x->created_at_us < y->created_at_us ? 1 : -1;
    return x->message_id < y->message_id ? 1 : x->message_id > y->message_id ? -1 : 0;
}

static int row_cmp_oldest_first(const void *a, const void *b)
{
    return row_cmp_newest_first(b, a);
}

void core_page_sort(struct core_page *page, bool newest_first)
{
    if (page->count > 1)
        qsort(page->rows, page->count, sizeof *page->rows,
              newest_first ? row_cmp_newest_first : row_cmp_oldest_first);
}

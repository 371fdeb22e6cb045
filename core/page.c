/* core/page.c - pages own their rows and every string in them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

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

void core_format_time(int64_t us, char out[40])
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%.19s.%06ld+00:00", date, (long)(frac % 1000000));
}

/* tests/fuzz/fuzz_render.c - libFuzzer target: the TUI's text-to-cells
 * renderer (tui/text.c, text_cells_build and text_cells_wrap).
 *
 * Whatever bytes a message holds, no cell may carry a control character
 * (C0, DEL, C1), a bidirectional override or an undecodable byte: those
 * must arrive as visible escapes. Cell widths are what wcwidth says,
 * combining marks ride on a character of their own, line breaks appear only
 * when lines may break, and wrapped lines fit their width (a single cell
 * wider than the line may stand alone). */
#include <assert.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setlocale(LC_ALL, "C.UTF-8");
    return 0;
}

static int dangerous(wchar_t wc)
{
    return wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0)
        || (wc >= 0x202a && wc <= 0x202e) || (wc >= 0x2066 && wc <= 0x2069)
        || wc == 0x200e || wc == 0x200f || wc == 0x061c || wc >= 0x110000
        || (wc >= 0xd800 && wc <= 0xdfff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned flags = data[0] & (TEXT_ONELINE | TEXT_PHONE);
    int max_cols = (data[0] & 0x80) ? data[1] % 120 : 0;
    int wrap = 1 + data[2] % 80;
    /* term \0 text, or all text */
    const char *rest = (const char *)data + 3;
    size_t n = size - 3;
    const char *nul = memchr(rest, '\0', n);
    char *term = nul ? strndup(rest, (size_t)(nul - rest)) : strdup("");
    char *text = nul ? strndup(nul + 1, n - (size_t)(nul - rest) - 1) : strndup(rest, n);

    struct hl hl = {0};
    text_hl_set(&hl, term);
    struct cells c = {0};
    text_cells_build(&c, text, &hl, flags, max_cols);
    for (size_t i = 0; i < c.n; i++) {
        const struct cell *cell = &c.v[i];
        if (cell->kind == CK_BREAK) {
            assert(!(flags & TEXT_ONELINE) && cell->width == 0);
            continue;
        }
        assert(cell->width >= 1 && cell->wc[0] != 0);
        for (int k = 0; k < CCHARW_MAX && cell->wc[k]; k++)
            assert(!dangerous(cell->wc[k]));
        if (cell->kind == CK_CTRL)
            continue;
        assert(wcwidth(cell->wc[0]) == cell->width);
        for (int k = 1; k < CCHARW_MAX && cell->wc[k]; k++)
            assert(wcwidth(cell->wc[k]) == 0);
    }
    size_t *lines = NULL, nlines = 0, cap = 0;
    size_t count = text_cells_wrap(&c, wrap, &lines, &nlines, &cap);
    assert(nlines == 2 * count);
    for (size_t l = 0; l < count; l++) {
        size_t from = lines[2 * l], to = lines[2 * l + 1];
        assert(from <= to && to <= c.n);
        int w = text_cells_width(&c, from, to);
        assert(w <= wrap || to - from == 1);
    }
    free(lines);
    text_cells_free(&c);
    text_hl_free(&hl);
    free(term);
    free(text);
    return 0;
}

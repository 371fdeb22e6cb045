/* tests/fuzz/fuzz_cursor.c - libFuzzer target: page cursors (core/cursor.c).
 *
 * Two readings of each input. As a position: encode it, decode it back
 * (the same position), and see every one-character edit, another kind and
 * another context refused. As cursor text: anything decode accepts must be
 * exactly what encode makes of the position it returned; all else refused
 * with a reason. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const enum core_cursor_kind kinds[3] = {CORE_CURSOR_RECENT, CORE_CURSOR_SEARCH,
                                               CORE_CURSOR_MESSAGES};

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void roundtrip(const uint8_t *data)
{
    enum core_cursor_kind kind = kinds[data[0] % 3];
    struct core_pos pos = {(int64_t)get64(data + 1), (int64_t)get64(data + 9)}, back;
    uint64_t ctx = get64(data + 17);
    char text[CORE_CURSOR_LEN + 1];
    core_cursor_encode(kind, ctx, pos, text);
    assert(strlen(text) == CORE_CURSOR_LEN);
    assert(core_cursor_decode(text, kind, ctx, &back, NULL) == CORE_OK);
    assert(back.us == pos.us && back.id == pos.id);
    const char *why = NULL;
    assert(core_cursor_decode(text, kinds[(data[0] + 1) % 3], ctx, &back, &why) == CORE_ERR_CURSOR && why);
    assert(core_cursor_decode(text, kind, ctx ^ 1, &back, &why) == CORE_ERR_CURSOR && why);
    /* One character changed, anywhere, to another base64url character. */
    size_t at = data[25] % CORE_CURSOR_LEN;
    char edited[CORE_CURSOR_LEN + 1];
    memcpy(edited, text, sizeof edited);
    edited[at] = edited[at] == 'A' ? 'B' : 'A';
    assert(core_cursor_decode(edited, kind, ctx, &back, &why) == CORE_ERR_CURSOR && why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 26)
        roundtrip(data);
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    uint64_t ctx = size >= 8 ? get64(data) : 0;
    for (int k = 0; k < 3; k++) {
        uint64_t contexts[2] = {ctx, core_term_context("pizza")};
        for (int c = 0; c < 2; c++) {
            struct core_pos pos;
            const char *why = NULL;
            enum core_status st = core_cursor_decode(text, kinds[k], contexts[c], &pos, &why);
            if (st != CORE_OK) {
                assert(st == CORE_ERR_CURSOR && why && *why);
                continue;
            }
            if (!*text) {
                assert(pos.us == CORE_POS_TOP.us && pos.id == CORE_POS_TOP.id);
                continue;
            }
            char again[CORE_CURSOR_LEN + 1];
            core_cursor_encode(kinds[k], contexts[c], pos, again);
            assert(strcmp(again, text) == 0);
        }
    }
    free(text);
    return 0;
}

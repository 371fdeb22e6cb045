/* core/cursor.c - opaque page cursors.
 *
 * A cursor carries the position of the last row shown plus what it belongs
 * to, so that a cursor from another list or one edited by hand is refused
 * rather than silently paging somewhere else. The checksum is keyed but the
 * key ships with the program: it detects edits, it is not a secret. */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "term_pattern.h"

#define CURSOR_VERSION 1
#define CURSOR_BYTES 33
#define CURSOR_MAC_BYTES 7
#define CURSOR_KEY UINT64_C(0x636f6e766f637572) /* "convocur" */

uint64_t core_term_context(const char *term)
{
    char *folded = core_term_fold(term);
    const char *t = folded ? folded : term;
    uint64_t h = core_hash64(t, strlen(t), UINT64_C(0x7465726d)); /* "term" */
    free(folded);
    return h;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void put64(unsigned char *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

void core_cursor_encode(enum core_cursor_kind kind, uint64_t context,
                        struct core_pos pos, char out[CORE_CURSOR_LEN + 1])
{
    unsigned char b[CURSOR_BYTES];
    b[0] = CURSOR_VERSION;
    b[1] = (unsigned char)kind;
    put64(b + 2, (uint64_t)pos.us);
    put64(b + 10, (uint64_t)pos.id);
    put64(b + 18, context);
    uint64_t mac = core_hash64(b, 26, CURSOR_KEY);
    for (int i = 0; i < CURSOR_MAC_BYTES; i++)
        b[26 + i] = (unsigned char)(mac >> (8 * i));
    char *o = out;
    for (int i = 0; i < CURSOR_BYTES; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
        *o++ = b64[(v >> 18) & 63];
        *o++ = b64[(v >> 12) & 63];
        *o++ = b64[(v >> 6) & 63];
        *o++ = b64[v & 63];
    }
    *o = '\0';
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

enum core_status core_cursor_decode(const char *text, enum core_cursor_kind kind,
                                    uint64_t context, struct core_pos *pos,
                                    const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *pos = CORE_POS_TOP;
    *why = NULL;
    if (!text || !*text)
        return CORE_OK;
    if (strlen(text) != CORE_CURSOR_LEN) {
        *why = "cursor has the wrong length";
        return CORE_ERR_CURSOR;
    }
    unsigned char b[CURSOR_BYTES];
    for (int i = 0, j = 0; i < CORE_CURSOR_LEN; i += 4, j += 3) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            int d = b64_value(text[i + k]);
            if (d < 0) {
                *why = "cursor holds a character that is not base64url";
                return CORE_ERR_CURSOR;
            }
            v = v << 6 | (uint32_t)d;
        }
        b[j] = (unsigned char)(v >> 16);
        b[j + 1] = (unsigned char)(v >> 8);
        b[j + 2] = (unsigned char)v;
    }
    uint64_t mac = core_hash64(b, 26, CURSOR_KEY);
    for (int i = 0; i < CURSOR_MAC_BYTES; i++) {
        if (b[26 + i] != (unsigned char)(mac >> (8 * i))) {
            *why = "cursor checksum does not match (edited or truncated)";
            return CORE_ERR_CURSOR;
        }
    }
    if (b[0] != CURSOR_VERSION) {
        *why = "cursor from another version of convo";
        return CORE_ERR_CURSOR;
    }
    if (b[1] != (unsigned char)kind) {
        *why = b[1] == CORE_CURSOR_RECENT ? "cursor belongs to the recent list"
             : b[1] == CORE_CURSOR_SEARCH ? "cursor belongs to a search"
             : b[1] == CORE_CURSOR_MESSAGES ? "cursor belongs to a conversation"
             : "cursor of an unknown kind";
        return CORE_ERR_CURSOR;
    }
    if (get64(b + 18) != context) {
        *why = kind == CORE_CURSOR_SEARCH ? "cursor belongs to a search for another term"
                                          : "cursor belongs to another conversation";
        return CORE_ERR_CURSOR;
    }
    pos->us = (int64_t)get64(b + 2);
    pos->id = (int64_t)get64(b + 10);
    return CORE_OK;
}

_Static_assert(CORE_CURSOR_SIZE == CORE_CURSOR_LEN + 1, "lib.h's cursor size");

/* Lists walk below their cursor, (created_at, id) < (us, id): with the
 * smallest id that is created_at < us, with the largest created_at <= us
 * (ids are never INT64_MAX). */
static struct core_pos pos_at(int64_t at_us, bool inclusive)
{
    return (struct core_pos){at_us, inclusive ? INT64_MAX : INT64_MIN};
}

void core_recent_cursor_at(int64_t at_us, bool inclusive, char out[CORE_CURSOR_SIZE])
{
    core_cursor_encode(CORE_CURSOR_RECENT, 0, pos_at(at_us, inclusive), out);
}

void core_messages_cursor_at(int32_t contact_id, int64_t at_us, bool inclusive,
                             char out[CORE_CURSOR_SIZE])
{
    core_cursor_encode(CORE_CURSOR_MESSAGES, (uint64_t)(uint32_t)contact_id,
                       pos_at(at_us, inclusive), out);
}

void core_search_cursor_at(const char *term, int64_t at_us, bool inclusive,
                           char out[CORE_CURSOR_SIZE])
{
    core_cursor_encode(CORE_CURSOR_SEARCH, core_term_context(term), pos_at(at_us, inclusive),
                       out);
}

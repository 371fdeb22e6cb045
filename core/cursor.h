/* core/cursor.h - positions in the one order every list uses, and the
 * opaque cursors that carry them between pages (cursor.c). */
#ifndef CONVO_CORE_CURSOR_H
#define CONVO_CORE_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "lib.h"

/* A message's place in the one order every list uses: (created_at, id),
 * compared as a pair. Time in microseconds since the Unix epoch. */
struct core_pos {
    int64_t us;
    int64_t id;
};

#define CORE_US_INF INT64_MAX
#define CORE_US_NINF INT64_MIN
static const struct core_pos CORE_POS_TOP = {CORE_US_INF, INT64_MAX};
static const struct core_pos CORE_POS_BOTTOM = {CORE_US_NINF, INT64_MIN};

static inline int core_pos_cmp(struct core_pos a, struct core_pos b)
{
    if (a.us != b.us)
        return a.us < b.us ? -1 : 1;
    if (a.id != b.id)
        return a.id < b.id ? -1 : 1;
    return 0;
}

/* Text: base64url of version, kind, position, a context hash (the search
 * term or the contact), and a keyed checksum over all of it. */
enum core_cursor_kind {
    CORE_CURSOR_RECENT = 'R',
    CORE_CURSOR_SEARCH = 'S',
    CORE_CURSOR_MESSAGES = 'M',
    CORE_CURSOR_NEWER = 'N',        /* around.c: a conversation, oldest first */
    CORE_CURSOR_RECENT_REV = 'V',   /* around.c: recent list, oldest first */
};

#define CORE_CURSOR_LEN 44 /* characters, without the NUL */

void core_cursor_encode(enum core_cursor_kind kind, uint64_t context,
                        struct core_pos pos, char out[CORE_CURSOR_LEN + 1]);
/* CORE_OK with *pos set, or CORE_ERR_CURSOR; a NULL or empty text is the
 * top of the list. why (optional) says what was wrong. */
enum core_status core_cursor_decode(const char *text, enum core_cursor_kind kind,
                                    uint64_t context, struct core_pos *pos,
                                    const char **why);
/* What a search cursor belongs to: the case-folded term, so that `PIZZA`
 * continues a walk begun as `pizza` (both find the same rows). */
uint64_t core_term_context(const char *term);

#endif

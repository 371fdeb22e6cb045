/* tui/chat_int.h - the conversation view's state, shared by its files:
 * chat.c (the view: keys, the find and reply boxes, opening and closing),
 * chat_load.c (the messages held, the requests for more and the worker's
 * answers, find), chat_layout.c (the messages as lines, the scroll
 * position) and chat_draw.c (the screen). Not for the rest of the program:
 * chat.h is. */
#ifndef CONVO_TUI_CHAT_INT_H
#define CONVO_TUI_CHAT_INT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ask.h"
#include "lib.h"
#include "prompt.h"
#include "text.h"
#include "view.h"

enum line_kind { LN_MORE, LN_START, LN_DAY, LN_META, LN_TEXT, LN_CUT, LN_NEWER, LN_GAP };

/* A message of the conversation, owned by the view (pages are copied and
 * freed at once). A reply being sent is one too, until the server answers. */
struct msg {
    struct core_row row;     /* first: a struct msg * is a struct core_row * */
    bool sending;
    uint64_t seq;
};

struct line {
    uint32_t msg;
    uint8_t kind;
    uint32_t from, to;   /* cells of LN_TEXT */
};

struct msgview {
    struct cells cells;
    int width;           /* widest line */
    size_t first_line;   /* its meta line */
    bool match;
};

/* What the conversation is doing. One at a time; the direction of a find
 * is find_dir's, the connection's state the status bar's. */
enum chat_phase {
    CHAT_LOADING,        /* opened, at a date or at the newest again: its
                          * first answer (the newest page, or the messages
                          * around a hit or a date) not in yet */
    CHAT_SHOWING,        /* what it holds is on screen; pages come as the
                          * user scrolls */
    CHAT_FINDING,        /* a find walks pages for its next match */
    CHAT_RECONNECTING,   /* its connection was lost (after the first answer):
                          * a find walking pages stopped */
};

/* One end of the messages held. cursor: core's keyset cursor of the page
 * beyond it; end: there is none, the conversation's first (or last)
 * message is held; loading: that page is on its way. No cursor and not
 * at the end: nothing fetched yet on that side. */
struct chat_edge {
    char *cursor;
    bool end;
    bool loading;
};

/* At the newest, live changes to the conversation ask for its newest
 * page again (chat_changes). */
struct chat_newest {
    enum newest_state {
        NEWEST_IDLE,
        NEWEST_LOADING,
        NEWEST_AGAIN,    /* loading, and changed since: once more after it */
    } state;
    size_t limit;        /* rows the next one asks for, 0: the usual few */
};

/* g: the conversation's first page, asked for at once; the older pages
 * then fill the gap between it and the rest. */
struct chat_start {
    enum start_page { START_NONE, START_LOADING, START_HELD } page;
    int64_t last_id;     /* START_HELD: the newest message of that page */
};

/* The conversation open (one at a time): the state of its view, made
 * when it opens and freed when it closes (chat.c). */
struct chat_state {
    uint64_t gen;
    int32_t contact_id;
    char *name, *phone;
    char *real_name, *real_phone;    /* as stored, for the find (name, phone are as shown) */
    enum chat_phase phase;
    const struct core_row **msgs;    /* struct msg, oldest first */
    size_t n;
    /* The ends of the messages held. older: pages load as the user
     * scrolls up. newer: at the end when the newest message is held;
     * opened at a search hit or a date, pages load as the user scrolls
     * down. */
    struct chat_edge older, newer;
    struct chat_newest newest;
    struct chat_start start;
    bool to_top;                     /* g: load to the start, stay at the top */
    bool keep_set;                   /* after layout: the line at the view's */
    size_t keep_line;                /* bottom, counted from the top */
    size_t news;                     /* messages below the view, unread */
    struct prompt reply;
    uint64_t send_seq;
    int64_t opened_us;               /* wall clock, for CONVO_STATS */
    double t_req, latency_ms;
    double t_key;                    /* the key asking for a many-page answer, 0 none */
    double retry_at;                 /* after a failed fetch, not before this */
    struct msgview *mv;
    struct line *lines;
    size_t nlines, cap;
    int laid_cols;
    bool relayout;
    size_t off;                      /* lines below the bottom of the view */
    struct prompt prompt;
    struct hl hl;
    uint64_t hl_contact;             /* the words of hl the contact's name or phone holds */
    bool finding;                    /* a find term is in force */
    bool wrap;                       /* n/N: go round at the ends */
    long match;                      /* message of the current match, -1 */
    int find_dir;                    /* pending find: -1 older, +1 newer, 0 none
                                      * (chat_find_walk sets it) */
    size_t find_left;                /* older messages this find may still load
                                      * before it asks (n, a term typed) */
    struct ask ask;                  /* t's date, e's file and its y/n */
    bool goto_reveal;                /* t: show the newest message at or before the date */
};


/* A find (n, or a term typed) loads at most this many older messages
 * before it asks the user whether to go on. */
#define CHAT_FIND_OLDER_MAX 2000

#define CHAT_TOP_LINES 1   /* the header with the contact and the day (view_height) */

static inline int bubble_width(void)
{
    int w = COLS * 3 / 4;
    if (w > COLS - 6)
        w = COLS - 6;
    return w < 8 ? 8 : w;
}

/* The conversation's first message is held: its start line shows. */
static inline bool chat_holds_start(const struct chat_state *c)
{
    return c->older.end || c->start.page == START_HELD;
}

/* The first page is held, the pages between it and the rest not yet. */
static inline bool chat_gap_open(const struct chat_state *c)
{
    return c->start.page == START_HELD && !c->older.end;
}

/* ---- chat_load.c ----------------------------------------------------------- */

/* A request of this conversation (its contact, its generation); cursor is
 * copied. The caller fills in the rest and submits it. */
struct request *chat_request(struct chat_state *c, enum req_kind kind, const char *cursor, size_t limit);
/* The messages around a search hit; at_ms: when the key asking was read. */
void chat_request_around(struct chat_state *c, const struct core_row *row, double at_ms);
/* g: the first page of the conversation. */
void chat_request_start(struct chat_state *c);
/* The next page of older messages, unless one is on its way. */
void chat_request_older(struct chat_state *c);
/* G below a hit: the newest messages, as when the conversation opens. */
void chat_reset_to_newest(struct chat_state *c);
/* t: the messages around the instant us (one seek), the newest at or
 * before it in view. */
void chat_go_to_date(struct chat_state *c, int64_t us);
void chat_msg_free(struct msg *m);
/* Nothing is known beyond the edge: its cursor goes, a page on its way
 * counts no more. */
void chat_edge_reset(struct chat_edge *e);
/* Nothing lies beyond the edge. */
void chat_edge_close(struct chat_edge *e);
/* Find a match from message `from` in direction dir (-1 older, +1 newer),
 * including `from` itself. */
void chat_find_from(struct chat_state *c, long from, int dir);
/* A find walks pages in direction dir, or stops (0): FINDING or SHOWING,
 * unless the first answer or the connection is still awaited. */
void chat_find_walk(struct chat_state *c, int dir);
/* The connection is lost, and back. */
void chat_conn_lost(struct chat_state *c);
void chat_conn_back(struct chat_state *c);
/* An answer of this conversation's generation (chat.c sends the others
 * elsewhere). */
struct view_req chat_answer(struct chat_state *c, struct response *r);
void chat_changes(struct chat_state *c, const int32_t *ids, size_t n, bool all);
void chat_tick(struct chat_state *c);
bool chat_busy(struct chat_state *c, double *since);

/* ---- chat_layout.c --------------------------------------------------------- */

void chat_layout(struct chat_state *c);
void chat_layout_free(struct chat_state *c);
size_t chat_max_off(struct chat_state *c);
void chat_clamp_off(struct chat_state *c);
/* Scroll so that message i shows with some lines of context below it. */
void chat_reveal(struct chat_state *c, long i);
/* The message at the bottom, at the top of the view. */
long chat_bottom_msg(struct chat_state *c);
long chat_top_msg(struct chat_state *c);

/* ---- chat_draw.c ----------------------------------------------------------- */

void chat_draw(struct chat_state *c);

#endif

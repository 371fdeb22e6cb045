/* tui/view.h - what a screen of convo is to the main loop, after tig's
 * view ops and htop's Panel classes.
 *
 * Each kind of view (list.c: the conversations, chat.c: one conversation,
 * help.c: the keys) fills a struct view_ops; main.c keeps a stack of
 * struct view instances, each with the state its kind made for it, draws
 * the top one, gives it the keys, and hands each worker's answers to the
 * view that asked. A view never reaches into main nor into another view:
 * what it wants done beyond itself (open a conversation, go back, quit,
 * copy, tell the others that a conversation changed) it returns as a
 * struct view_req, and main carries it out. */
#ifndef CONVO_TUI_VIEW_H
#define CONVO_TUI_VIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include "lib.h"
#include "worker.h"

/* Every view shares the screen's two bottom lines, the status bar
 * (status.c, LINES - 2) and the key hints or prompt (LINES - 1); above its
 * content it has top_lines of its own (the list: header and column
 * titles, LIST_TOP_LINES; a conversation: its header, CHAT_TOP_LINES).
 * The lines left for its content, at least 1. */
#define VIEW_BOTTOM_LINES 2
static inline int view_height(int top_lines)
{
    int h = LINES - top_lines - VIEW_BOTTOM_LINES;
    return h < 1 ? 1 : h;
}

/* One key (a character, or a KEY_* code when is_key) and when the input
 * it came in was read: latencies run from there. */
struct view_input {
    bool is_key;
    wint_t ch;
    double at_ms;
};

enum view_req_kind {
    VIEW_REQ_NONE,
    VIEW_REQ_OPEN,      /* open the conversation of row (from a search for term) */
    VIEW_REQ_BACK,      /* close this view, back to the one below */
    VIEW_REQ_HELP,      /* show the keys over this view */
    VIEW_REQ_QUIT,
    VIEW_REQ_REDRAW,    /* repaint the whole terminal */
    VIEW_REQ_COPY,      /* put text on the clipboard and say so */
    VIEW_REQ_CHANGED,   /* this view changed contact_id's conversation */
};

/* What a view asks of the program. Pointers stay valid until the call that
 * returned it is over: main acts at once. */
struct view_req {
    enum view_req_kind kind;
    const struct core_row *row;   /* OPEN */
    const char *term;             /* OPEN: the search it was found by, or "" */
    double at_ms;                 /* OPEN: the key that asked, for the latency */
    const char *text;             /* COPY */
    const char *what;             /* COPY: names it in the note ("the message") */
    int32_t contact_id;           /* CHANGED */
};

/* A kind of view: what every view of that kind does. Only the functions
 * it needs are set; main checks for NULL. Every one but stray takes the
 * view it acts on. */
struct view;
struct view_ops {
    const char *name;
    int worker;                   /* whose answers it takes, -1 none */
    bool overlay;                 /* drawn over the view below it */
    /* Pushed on the stack: makes v->priv, the view's own state. req is the
     * OPEN that asked for it, or NULL. */
    void (*open)(struct view *v, const struct view_req *req);
    void (*close)(struct view *v);  /* popped, or the program ends: frees v->priv */
    void (*draw)(struct view *v);   /* the whole screen, or its box when overlay */
    struct view_req (*key)(struct view *v, const struct view_input *in);
    void (*wheel)(struct view *v, int dir);   /* mouse wheel: -1 up, +1 down */
    void (*click)(struct view *v, int y);     /* first button on screen row y */
    /* An answer of its worker; the view takes ownership of r. */
    struct view_req (*answer)(struct view *v, struct response *r);
    /* An answer of its worker when no view of this kind is open (a reply
     * or an export that outlived its conversation): what it says is told,
     * r is freed. */
    void (*stray)(struct response *r);
    /* Live updates: the contacts whose conversations changed (all: any). */
    void (*changes)(struct view *v, const int32_t *ids, size_t n, bool all);
    void (*tick)(struct view *v);   /* every turn of the loop: prefetch, retries */
    void (*lost)(struct view *v);   /* its worker's connection was lost */
    void (*regained)(struct view *v);   /* ... and is back */
    bool (*busy)(struct view *v, double *since);   /* a request in flight since *since */
    double (*due_ms)(struct view *v);   /* until it wants a tick, -1 none */
    void (*drawn)(struct view *v, double t);   /* the screen was updated at t (core_now_ms) */
    void (*stats)(struct view *v, FILE *f);    /* its figures for CONVO_STATS */
};

/* A view on the stack: its kind and the state it owns, after tig's struct
 * view. main.c makes one per push and frees it when popped; priv is the
 * kind's own struct (struct list_state, struct chat_state, struct
 * help_state), made by open and freed by close. */
struct view {
    const struct view_ops *ops;
    void *priv;
};

#endif

/* tui/worker.h - database work off the main thread: requests go to a
 * worker thread (one for the list, one for the open conversation), answers
 * come back through one queue that wakes the main loop. Worker threads
 * never call curses. */
#ifndef CONVO_TUI_WORKER_H
#define CONVO_TUI_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"

#define WORKER_PAGE CORE_PAGE_DEFAULT

enum req_kind {
    REQ_PAGE,       /* recent or search page */
    REQ_MESSAGES,   /* older messages of a contact */
    REQ_NEWEST,     /* the newest messages of a contact (live updates) */
    REQ_SEND,       /* core_send: text to contact_id */
    REQ_AROUND,     /* messages around (at_us, message_id) */
    REQ_NEWER,      /* newer messages of a contact, oldest first, by cursor */
    REQ_EXPORT,     /* contact_id's conversation to the file text (export.c) */
    REQ_CONTACT_ADD, /* a new contact: phone text, name term */
};

struct request {
    enum req_kind kind;
    uint64_t gen;
    /* What the answer is for, told back in it: */
    size_t page_index; /* REQ_PAGE: which page of the list's model */
    uint64_t send_seq; /* REQ_SEND: which reply being sent */
    bool from_start;   /* REQ_NEWER: the conversation's first page, not
                        * the page below a hit */
    char *term;        /* REQ_PAGE: "" = recent conversations */
    char *cursor;      /* NULL = first page */
    int32_t contact_id;
    size_t limit;      /* REQ_MESSAGES: rows wanted, 0 = WORKER_PAGE */
    char *text;        /* REQ_SEND */
    int64_t at_us, message_id;   /* REQ_AROUND */
    bool reversed;     /* REQ_PAGE: the recent list from its end */
    bool keep;         /* never dropped nor cancelled as stale (a send) */
    bool overwrite;    /* REQ_EXPORT: the user said to replace the file */
    struct request *next;
};

enum resp_kind { RESP_PAGE, RESP_STATE, RESP_CHANGES };

enum conn_state { CONN_OK, CONN_RECONNECTING };

struct response {
    enum resp_kind kind;
    int worker;
    uint64_t gen;
    size_t page_index;          /* the request's, as it asked */
    uint64_t send_seq;
    bool from_start;
    enum core_status status;
    struct core_page page;
    bool have_page;
    struct core_page page2;     /* REQ_AROUND: the newer side */
    int64_t total;              /* REQ_PAGE reversed, first page: conversations, -1 unknown */
    bool have_page2;
    bool final;                 /* last answer to this request */
    enum conn_state state;      /* RESP_STATE */
    bool has_server;            /* RESP_STATE: server names the role below */
    char server[16];            /* "standby", "primary", "" = one server */
    char err[200];
    enum req_kind req;          /* what the page answers */
    char *text;                 /* REQ_EXPORT: the file written (or that exists) */
    /* RESP_CHANGES: contacts whose conversations changed, or all */
    int32_t *ids;
    size_t nids;
    bool all;
    struct response *next;
};

enum { WORKER_LIST, WORKER_CHAT, WORKER_COUNT };

/* Open every worker's connection (on failure: message in err, false). */
bool worker_start(const char *conninfo, char *err, size_t errlen);
void worker_stop(void);
int worker_wake_fd(void);     /* readable when answers wait */
void worker_drain_wake(void);
/* Queue a request; requests of older generations still queued are dropped
 * and a running one of an older generation is cancelled. */
void worker_submit(int worker, struct request *req);
/* Make every request older than gen stale (dropped or cancelled). */
void worker_supersede(int worker, uint64_t gen);
struct response *worker_take(void);   /* NULL when none */
void worker_response_free(struct response *r);
uint64_t worker_gen_next(void);
/* Post an answer to the main thread (any thread). */
void worker_post(struct response *r);

#endif

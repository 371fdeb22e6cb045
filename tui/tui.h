/* tui/tui.h - the pieces of the convo terminal program and how they meet.
 *
 * Modules: term (curses set-up, colours, signals), text (untrusted UTF-8 to
 * safe screen cells), worker (database threads and the answer queue), list
 * (recent conversations and search), chat (one conversation), keys (the
 * binding table and help), main (the event loop). Only the main thread calls
 * curses; workers talk to it through the queue in worker.c. */
#ifndef CONVO_TUI_H
#define CONVO_TUI_H

#include <curses.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "lib.h"

#define TUI_PAGE CORE_PAGE_DEFAULT
#define TUI_MIN_COLS 40
#define TUI_MIN_LINES 8
/* Waiting shows (spinner, time so far) only after this long. */
#define TUI_SPINNER_AFTER_MS 200.0

/* ---- util ---------------------------------------------------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
double now_ms(void);                          /* monotonic */
/* Time of a message for a list row: relative when recent, else a date. */
void fmt_when(char *buf, size_t len, int64_t at_us, int64_t now_us);
void fmt_clock(char *buf, size_t len, int64_t at_us);   /* 14:05 */
void fmt_day(char *buf, size_t len, int64_t at_us);     /* Tue 14 Mar 2025 */
long day_number(int64_t at_us);                          /* local calendar day */
void fmt_count(char *buf, size_t len, long long n);     /* 12,345 */
int64_t wall_us(void);
int str_width(const char *s);                            /* trusted UTF-8 */

/* ---- term: colours, attributes, signals --------------------------------- */

enum elem {
    EL_TEXT, EL_DIM, EL_NAME, EL_IN, EL_OUT, EL_MATCH, EL_CTRL,
    EL_HEADER, EL_HEADER_DIM, EL_STATUS, EL_STATUS_WARN, EL_PROMPT, EL_ERROR,
    EL_COUNT
};

struct style {
    attr_t attr;
    short pair;
};

struct theme {
    struct style el[EL_COUNT][2];   /* [element][selected row?] */
    bool color;
    bool utf8;
};

extern struct theme theme;

/* False, with the reason, when the terminal cannot show convo (TERM unset,
 * unknown, or without cursor addressing such as TERM=dumb). */
bool term_usable(char *why, size_t len);
void term_init(bool mouse);
/* Put text on the system clipboard through the terminal (OSC 52). */
bool term_copy(const char *text, size_t len);
/* Copy and say so on the prompt line: what names what was copied. */
void copy_and_tell(const char *text, const char *what);
void term_restore(void);          /* idempotent, callable from atexit */
void term_signals(int wake_fd);   /* SIGINT/SIGTERM/SIGHUP wake the loop */
int term_quit_signal(void);       /* the signal that ended the loop, or 0 */
/* Restore the terminal, print "convo: ..." and exit 1. From a thread other
 * than the main one, it passes the message to the main thread instead
 * (term_fatal) and never returns. */
_Noreturn void die(const char *fmt, ...);
const char *term_fatal(void);        /* a worker's die() message, or NULL */
void style_set(enum elem e, bool sel);
/* Fill columns [x, x+w) of row y with blanks in element e. */
void fill(int y, int x, int w, enum elem e, bool sel);
/* Draw plain ASCII/UTF-8 program text (trusted) clipped to w columns. */
int put_text(int y, int x, int w, const char *s, enum elem e, bool sel);

/* ---- text: untrusted strings to cells ------------------------------------ */

enum cell_kind { CK_TEXT, CK_MATCH, CK_CTRL, CK_BREAK };

struct cell {
    wchar_t wc[CCHARW_MAX + 1];   /* base char, combining marks, 0 */
    uint8_t width;                /* 0 only for CK_BREAK */
    uint8_t kind;
    uint8_t cont;                 /* continues the escape of the cell before */
};

struct cells {
    struct cell *v;
    size_t n, cap;
};

/* A search term prepared for case-insensitive highlighting. */
struct hl {
    wchar_t *w;        /* lower-cased */
    size_t n;
    wchar_t *digits;   /* digits of the term when it may match a phone */
    size_t nd;
};

void hl_set(struct hl *hl, const char *term);   /* NULL or "" clears */
void hl_free(struct hl *hl);

enum { TEXT_ONELINE = 1, TEXT_PHONE = 2, TEXT_NOEXCERPT = 4 };
/* Decode s (at most max_cols columns of it when > 0), make every control
 * character and escape sequence visible, attach combining marks and mark
 * matches of hl. */
void cells_build(struct cells *out, const char *s, const struct hl *hl,
                 unsigned flags, int max_cols);
void cells_free(struct cells *c);
int cells_width(const struct cells *c, size_t from, size_t to);
/* Draw cells [from, to) at (y, x) in at most w columns, ending in an
 * ellipsis when cut; base is the element of ordinary text. Returns columns
 * used. */
int cells_draw(int y, int x, int w, const struct cells *c, size_t from,
               size_t to, enum elem base, bool sel);
/* Draw an untrusted string on one line. */
int text_draw(int y, int x, int w, const char *s, const struct hl *hl,
              unsigned flags, enum elem base, bool sel);
/* Word-wrap cells into lines of at most w columns: pairs (from, to) are
 * appended to *lines. Returns the number of lines. */
size_t cells_wrap(const struct cells *c, int w, size_t **lines, size_t *nlines,
                  size_t *cap);

/* ---- worker: database threads -------------------------------------------- */

enum req_kind {
    REQ_PAGE,       /* recent or search page */
    REQ_MESSAGES,   /* older messages of a contact */
    REQ_NEWEST,     /* the newest messages of a contact (live updates) */
    REQ_SEND,       /* core_send: text to contact_id */
    REQ_AROUND,     /* messages around (at_us, message_id) */
    REQ_NEWER,      /* newer messages of a contact, oldest first, by cursor */
};

struct request {
    enum req_kind kind;
    uint64_t gen;
    size_t slot;
    char *term;        /* REQ_PAGE: "" = recent conversations */
    char *cursor;      /* NULL = first page */
    int32_t contact_id;
    size_t limit;      /* REQ_MESSAGES: rows wanted, 0 = TUI_PAGE */
    char *text;        /* REQ_SEND */
    int64_t at_us, message_id;   /* REQ_AROUND */
    bool reversed;     /* REQ_PAGE: the recent list from its end */
    bool keep;         /* never dropped nor cancelled as stale (a send) */
    struct request *next;
};

enum resp_kind { RESP_PAGE, RESP_STATE, RESP_CHANGES };

enum conn_state { CONN_OK, CONN_RECONNECTING };

struct response {
    enum resp_kind kind;
    int worker;
    uint64_t gen;
    size_t slot;
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
    /* RESP_CHANGES: contacts whose conversations changed, or all */
    int32_t *ids;
    size_t nids;
    bool all;
    struct response *next;
};

enum { WORKER_LIST, WORKER_CHAT, WORKER_COUNT };

/* Open every worker's connection (on failure: message in err, false). */
bool workers_start(const char *conninfo, char *err, size_t errlen);
void workers_stop(void);
int workers_wake_fd(void);     /* readable when answers wait */
void workers_drain_wake(void);
/* Queue a request; requests of older generations still queued are dropped
 * and a running one of an older generation is cancelled. */
void worker_submit(int worker, struct request *req);
/* Make every request older than gen stale (dropped or cancelled). */
void worker_supersede(int worker, uint64_t gen);
struct response *workers_take(void);   /* NULL when none */
void response_free(struct response *r);
uint64_t gen_next(void);
/* Post an answer to the main thread (any thread). */
void workers_post(struct response *r);

/* listen.c: a thread with a connection of its own that LISTENs for changes
 * and posts them as RESP_CHANGES; it listens again after a reconnect and
 * then says that anything may have changed. */
bool listener_start(const char *conninfo, char *err, size_t errlen);
void listener_stop(void);

/* ---- the application ----------------------------------------------------- */

enum view { VIEW_LIST, VIEW_CHAT };

enum action {
    ACT_NONE, ACT_DOWN, ACT_UP, ACT_PAGE_DOWN, ACT_PAGE_UP, ACT_HALF_DOWN,
    ACT_HALF_UP, ACT_TOP, ACT_BOTTOM, ACT_OPEN, ACT_BACK, ACT_SEARCH,
    ACT_FIND_NEXT, ACT_FIND_PREV, ACT_CLEAR, ACT_HELP, ACT_QUIT, ACT_REDRAW,
    ACT_REPLY, ACT_COPY, ACT_COPY_PHONE,
    ACT_COUNT
};

enum { ON_LIST = 1, ON_CHAT = 2 };

struct binding {
    int key;               /* a KEY_* code or a character */
    const char *label;
    enum action action;
    unsigned views;
};

extern const struct binding bindings[];
extern const size_t bindings_count;
enum action keys_lookup(int key, enum view view);
void help_draw(void);
/* A key while the help shows: false when it closes the help. */
bool help_key(int is_key, wint_t ch);

/* The longest reply, in characters (core_send also limits bytes). */
#define TUI_REPLY_MAX_CHARS CORE_SEND_MAX_BYTES

struct prompt {
    bool active;
    wchar_t buf[TUI_REPLY_MAX_CHARS + 1];
    size_t len;
    size_t max;        /* characters; 0 = CORE_TERM_MAX_CHARS */
};

/* Edit the prompt with one key. Returns 1 when the text changed, 2 on
 * Enter, 3 on Esc, 0 when the key is not an editing key. */
int prompt_key(struct prompt *p, int is_key, wint_t ch);
void prompt_utf8(const struct prompt *p, char *out, size_t len);
/* The prompt's text from UTF-8, cut at its max characters (or at a byte
 * that does not decode). */
void prompt_set_utf8(struct prompt *p, const char *text);
void prompt_draw(const struct prompt *p, int y, const char *label);

struct app {
    enum view view;
    bool help;
    bool mouse;
    enum conn_state conn[WORKER_COUNT];
    char server[WORKER_COUNT][16];   /* where each worker reads ("" = one server) */
    char message[256];     /* one-shot note on the prompt line */
    bool message_error;
    double input_ms;       /* when the latest keys were read (now_ms) */
};

extern struct app app;

/* history.c: the search box's history (XDG state directory) */
void history_reset(void);                       /* the box opens */
void history_add(const struct prompt *p);      /* Enter kept the term */
bool history_recall(struct prompt *p, int dir); /* -1 older, +1 newer */
void history_free(void);

/* list.c */
void list_init(void);
void list_free(void);
void list_draw(void);
void list_action(enum action a, int count);
void list_key_prompt(int is_key, wint_t ch);
bool list_prompt_active(void);
void list_click(int y);
void list_wheel(int dir);
void list_answer(struct response *r);    /* takes ownership */
void list_tick(void);                    /* prefetch and drop rows */
bool list_busy(double *since);           /* a request older than since */
void list_stats(FILE *f);
void list_drawn(double t);
/* Live updates: the contacts whose conversations changed (all: any). */
void list_changes(const int32_t *ids, size_t n, bool all);
double list_due_ms(void);                /* until a deferred refresh, -1 none */

/* chat.c */
void chat_open(const struct core_row *row, const char *term);
void chat_close(void);
void chat_draw(void);
void chat_action(enum action a, int count);
void chat_key_prompt(int is_key, wint_t ch);
bool chat_prompt_active(void);
void chat_wheel(int dir);
void chat_answer(struct response *r);
void chat_tick(void);
bool chat_busy(double *since);
void chat_changes(const int32_t *ids, size_t n, bool all);

/* stats.c: commit-to-screen figures (CONVO_STATS) */
enum { STATS_LIST, STATS_CHAT };
void stats_init(void);
/* row is on screen in a frame drawn at drawn_us (wall clock). */
void stats_shown(int where, const struct core_row *row, int64_t drawn_us);
void stats_write(FILE *f);

/* main.c */
/* The status bar: left text, then the latency of the last answer or, when
 * running_ms >= 0, how long the request in flight has run. */
void status_draw(const char *left, double latency_ms, double running_ms, bool busy);
/* The fields of s (separated by " \u00b7 ") that fit in w columns, whole.
 * False when even the first is too wide (out: its words that fit). */
bool fit_fields(char *out, size_t len, const char *s, int w);
/* A key hint line: the hints that fit, whole. */
void hints_draw(int y, const char *s);

#endif

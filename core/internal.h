/* core/internal.h - what the core modules share and nobody else sees.
 * Unit tests include it to reach cursors and term handling directly. */
#ifndef CONVO_CORE_INTERNAL_H
#define CONVO_CORE_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base.h"
#include "lib.h"

/* ---- positions ----------------------------------------------------------
 * A message's place in the one order every list uses: (created_at, id),
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

/* ---- cursors --------------------------------------------------------------
 * Text: base64url of version, kind, position, a context hash (the search
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

/* ---- terms ---------------------------------------------------------------- */
/* '%' + term with % _ \ escaped + '%', for ILIKE. Caller frees. */
char *core_like_pattern(const char *term);
/* A LIKE pattern that every row matching the term ILIKE also matches:
 * the term's digits and punctuation in place, '_' for each letter or
 * non-ASCII character. "" when the term has no character other than
 * letters, non-ASCII and spaces (the pattern would let every row through).
 * Caller frees. */
char *core_prefilter_pattern(const char *term);
/* For phone-like terms (only digits and + - ( ) . space, at least one
 * digit): '%' + digits + '%'. Otherwise an empty string. Caller frees. */
char *core_digits_pattern(const char *term);
/* True when pg_trgm can extract a selective trigram from the pattern: the
 * term holds a run of at least 3 word characters. */
bool core_term_indexable(const char *term);
/* True when the term holds a run of at least 3 word characters: a trigram
 * of its own. Otherwise its trigrams are those of short words padded with
 * blanks (`"ok"`, `a b`), common in any text. */
bool core_term_has_word3(const char *term);
/* One character lowered as the database's ILIKE lowers it (towlower in
 * C.UTF-8). */
uint32_t core_fold_char(uint32_t c);
/* The term with every character lowered as ILIKE does. Caller frees. */
char *core_term_fold(const char *term);

/* ---- pages ---------------------------------------------------------------- */
/* Start an empty page; rows are added with core_page_add. */
void core_page_init(struct core_page *page);
/* Append a row, copying its strings into the page. */
enum core_status core_page_add(struct core_page *page, const struct core_row *row);
enum core_status core_page_set_cursor(struct core_page *page, const char *cursor);
/* An instant as ISO 8601 (years before 1 AD as -YYYY, after 9999 as
 * +YYYYY), and as PostgreSQL reads it back (YYYY-MM-DD ... BC). */
#define CORE_TIME_LEN 64
void core_format_time(int64_t us, char out[CORE_TIME_LEN]);
void core_format_time_sql(int64_t us, char out[CORE_TIME_LEN]);

/* ---- connection ----------------------------------------------------------- */
struct core_part; /* search.c: one message partition */

/* route.c: where a connection reads from. */
struct core_route {
    bool writer;          /* opened by core_conn_open_writer */
    bool prefers_standby; /* target_session_attrs=prefer-standby */
    bool on_standby;      /* the session is on a hot standby */
    double probed_ms;     /* last look for a standby while on the primary */
    char server[320];     /* "standby HOST:PORT" or "primary HOST:PORT" */
};
struct core_search;

struct core_conn {
    PGconn *pg;
    char *conninfo;
    char err[512];
    bool lost;
    pthread_mutex_t cancel_lock;
    PGcancel *cancel;
    atomic_bool cancel_requested;
    /* Names of the statements prepared on this session. */
    char **prepared;
    size_t nprepared, capprepared;
    /* The search whose statement is still running on the server, if any. */
    struct core_search *busy;
    /* Searches still open on this connection: closing the connection
     * first detaches them, so closing them later is safe. */
    struct core_search *searches;
    /* Partition map, loaded by search.c. */
    struct core_part *parts;
    size_t nparts;
    double parts_loaded_ms;
    /* live.c: LISTEN again after a reconnect, and say "all" to the next
     * core_changes_take(), since notifications were missed meanwhile. */
    bool listening;
    bool missed;
    /* Which server, and whether to move back to a standby (route.c). */
    struct core_route route;
};

/* A parameter list for a prepared statement: text or binary values. */
struct core_params {
    int n;
    const char *values[12];
    int lengths[12];
    int formats[12];
    char buf[12][8];
};
void core_param_text(struct core_params *p, const char *s);
void core_param_int4(struct core_params *p, int32_t v);
void core_param_int8(struct core_params *p, int64_t v);
void core_param_time(struct core_params *p, int64_t us);

/* Make sure the session is usable, reconnecting when it was lost. */
enum core_status core_conn_ready(struct core_conn *conn);
/* Prepare sql under name once per session. */
enum core_status core_conn_prepare(struct core_conn *conn, const char *name,
                                   const char *sql);
/* Run a prepared statement, binary results. NULL on error (conn->err set,
 * *status says which). The caller clears the result. */
PGresult *core_conn_exec(struct core_conn *conn, const char *name,
                         const char *sql, const struct core_params *params,
                         enum core_status *status);
/* Asynchronous form: send, then wait with a deadline, then take the result. */
enum core_status core_conn_send(struct core_conn *conn, const char *name,
                                const char *sql, const struct core_params *params);
/* True when the result is ready (or the connection failed: *status says),
 * false when the deadline (0 = none) passed first. */
bool core_conn_wait(struct core_conn *conn, double deadline_ms,
                    enum core_status *status);
PGresult *core_conn_take(struct core_conn *conn, enum core_status *status);
/* Cancel and drain whatever is still running (the search left it busy). */
void core_conn_settle(struct core_conn *conn);
enum core_status core_conn_fail(struct core_conn *conn, const char *what,
                                const PGresult *res);

/* Binary result fields. */
int32_t core_get_int4(const PGresult *r, int row, int col);
int64_t core_get_int8(const PGresult *r, int row, int col);
int64_t core_get_time(const PGresult *r, int row, int col);
bool core_get_bool(const PGresult *r, int row, int col);

/* route.c: note which server a new session is on; before a statement, find
 * a session the server closed and move a reader back to its standby. */
void core_route_started(struct core_conn *conn);
void core_route_check(struct core_conn *conn);
/* From now on conn asks for the primary (target_session_attrs=read-write)
 * and reconnects there if it sits on a standby: LISTEN needs it. */
enum core_status core_route_need_primary(struct core_conn *conn);

void core_search_abandon(struct core_search *search); /* search.c */
void core_search_detach_all(struct core_conn *conn);  /* search.c */

/* live.c: LISTEN on a fresh session when conn->listening. */
enum core_status core_live_relisten(struct core_conn *conn);

/* recent.c */
size_t core_clamp_limit(size_t limit);
/* Columns: contact id, name, phone, message id, outbound, content, created_at. */
/* Row k read from that column order starting at column col; when receives
 * the formatted time and must outlive the row. */
struct core_row core_row_at(const PGresult *r, int k, int col, char when[CORE_TIME_LEN]);
/* recent.c: a keyset page of messages in the row decoder's columns; its
 * last parameter, limit + 1, is added here; the cursor (kind, context) sits
 * at the last row. */
enum core_status core_keyset_page(struct core_conn *conn, const char *name,
                                  const char *sql, struct core_params *p,
                                  enum core_cursor_kind kind, uint64_t context,
                                  size_t limit, struct core_page *out, double t0);
/* recent.c: a page of a recent statement (columns of the row decoder, then
 * the contact's pointer at 7 and 8); its last parameter, limit + 1, is added
 * here. */
enum core_status core_recent_scan(struct core_conn *conn, const char *name, const char *sql,
                                  enum core_cursor_kind kind, struct core_params *p,
                                  size_t limit, struct core_page *out, double t0);
enum core_status core_rows_from_result(struct core_page *out, const PGresult *r,
                                       size_t limit);

#endif

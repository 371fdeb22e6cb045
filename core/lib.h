/* core/lib.h - libconvo: the only door from tui and the CLIs to the database
 * (convo-bench's baseline, which measures what a first attempt costs
 * without core, opens a session of its own; so do the seeder's loader and
 * --live writers, on the conninfo core_conninfo_resolve() gives them).
 *
 * No curses, no CSV. A struct core_conn is one libpq connection with its
 * prepared statements; it belongs to one thread at a time, except
 * core_conn_cancel(), which any thread may call. The small helpers that
 * are not about the database (clocks, allocation, UTF-8, JSON strings)
 * are in base.h, included here. */
#ifndef CONVO_CORE_LIB_H
#define CONVO_CORE_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* Errors are values. X(code, message) */
#define CORE_STATUS_LIST(X)                                              \
    X(CORE_OK, "ok")                                                     \
    X(CORE_ERR_USAGE, "invalid argument")                                \
    X(CORE_ERR_CONNECT, "cannot connect to the database")                \
    X(CORE_ERR_LOST, "connection to the database lost")                  \
    X(CORE_ERR_QUERY, "database query failed")                           \
    X(CORE_ERR_CURSOR, "invalid cursor")                                 \
    X(CORE_ERR_TERM, "invalid search term")                              \
    X(CORE_ERR_CANCELLED, "cancelled")                                   \
    X(CORE_ERR_NOMEM, "out of memory")                                  \
    X(CORE_ERR_NOT_FOUND, "not found")                                   \
    X(CORE_ERR_TEXT, "invalid message text")                             \
    X(CORE_ERR_PHONE, "invalid phone number")                            \
    X(CORE_ERR_EXISTS, "already exists")                                 \
    X(CORE_ERR_WRITE, "cannot write output")

enum core_status {
#define CORE_STATUS_ENUM(code, msg) code,
    CORE_STATUS_LIST(CORE_STATUS_ENUM)
#undef CORE_STATUS_ENUM
};

const char *core_status_message(enum core_status status);

/* The longest search term accepted, in characters. */
#define CORE_TERM_MAX_CHARS 200
#define CORE_TERM_MAX_TEXT "200"   /* the same, for messages */
/* The default and largest page sizes: a limit of 0 asks for the default,
 * one above the largest gets the largest. */
#define CORE_PAGE_DEFAULT 50
#define CORE_PAGE_MAX 1000

/* ---- connection --------------------------------------------------------- */

struct core_conn;

/* conninfo: a libpq conninfo string or URI; NULL or "" picks the database
 * by core_conninfo_resolve()'s rule (the PG* variables, else DATABASE_URL,
 * else the embedded cluster). On failure returns NULL and writes a
 * one-line message (never a password) into err. */
struct core_conn *core_conn_open(const char *conninfo, char *err, size_t errlen);
void core_conn_close(struct core_conn *conn);

/* Last error as one line, for the status bar or stderr. */
const char *core_conn_error(const struct core_conn *conn);

/* True when the last call found the server gone; the next call reconnects. */
bool core_conn_lost(const struct core_conn *conn);

/* Try to reconnect now. CORE_OK when the connection is usable again. */
enum core_status core_conn_reset(struct core_conn *conn);

/* Cancel the statement running on conn. Safe from any thread, any time. */
void core_conn_cancel(struct core_conn *conn);

/* The conninfo core_conn_open(conninfo) uses: conninfo itself when given,
 * else "" (libpq reads the PG* variables) when any of PGHOST, PGHOSTADDR,
 * PGPORT, PGDATABASE, PGUSER or PGSERVICE is set, else DATABASE_URL, else
 * the embedded cluster that ./run starts in the checkout the program was
 * built in (core_checkout_dir(); under CONVO_STATE when set). Static
 * storage or conninfo itself. For a program that opens libpq sessions of
 * its own (convo-bench's baseline, convo-seed) and must reach the same
 * database. */
const char *core_conninfo_resolve(const char *conninfo);

/* What a database's public contacts and messages are (core_schema_shape). */
enum core_shape {
    CORE_SHAPE_EMPTY,     /* neither table */
    CORE_SHAPE_LEDGER,    /* convo's, with the schema ledger convo_schema_migrations */
    CORE_SHAPE_CONVO,     /* convo's, from before the ledger */
    CORE_SHAPE_FOREIGN,   /* tables convo did not create */
};

/* Look at the database behind pg (libpq's PGconn): a core_shape, and for
 * CORE_SHAPE_FOREIGN what differs in why ("contacts: no column name;
 * messages: not partitioned by time"); -1 with the server's message in why
 * when it could not be asked. One query; writes nothing. */
struct pg_conn;
int core_schema_shape(struct pg_conn *pg, char *why, size_t whylen);

/* core/conn.h hands the raw PGconn behind a connection to tests that
 * inspect or end the session; programs do without it. */

/* ---- reads on a standby, writes on the primary (route.c) ----------------
 * A reader opened with a multi-host conninfo and
 * target_session_attrs=prefer-standby (e.g. host=PRIMARY_SOCK,STANDBY_SOCK,
 * or PGTARGETSESSIONATTRS from `./run env replica`) reads from the standby
 * when one answers, else from the primary. If the standby stops, the next
 * call finds its session closed and reconnects to the primary instead of
 * failing; while on the primary, core looks for the standby again every
 * 2 s and moves back between statements. */

/* The same database as core_conn_open(conninfo), asking libpq for
 * target_session_attrs=read-write: always the primary. For writes
 * (core_send) next to a reader that may be on a standby. */
struct core_conn *core_conn_open_writer(const char *conninfo, char *err, size_t errlen);

/* Which server conn talks to: "standby HOST:PORT" or "primary HOST:PORT"
 * (HOST is a socket directory for Unix sockets); "not connected" when the
 * session is lost. Valid until the next core call on conn. */
const char *core_conn_server(const struct core_conn *conn);
/* True when conn's session is on a hot standby. */
bool core_conn_on_standby(const struct core_conn *conn);
/* True when conn was opened to read from a standby when one answers
 * (target_session_attrs=prefer-standby), wherever it reads now: a status
 * line shows the server only then. */
bool core_conn_prefers_standby(const struct core_conn *conn);

/* Wait until the standby conn reads from has replayed everything the
 * primary (writer) has written so far, at most timeout_ms: after a write,
 * so that the next read shows it. CORE_OK at once when reader is on the
 * primary; CORE_ERR_QUERY when the standby is still behind at the deadline. */
enum core_status core_conn_catch_up(struct core_conn *reader, struct core_conn *writer,
                                    double timeout_ms);

/* Copy msg into out (at most outlen bytes, NUL-terminated), with every
 * password that conninfo may carry replaced by "***", also where the
 * conninfo is malformed and libpq echoed a piece of it. Every message that
 * may quote a conninfo goes through here before it is shown. */
void core_conninfo_redact(const char *conninfo, const char *msg, char *out,
                          size_t outlen);

/* ---- rows and pages ------------------------------------------------------ */

enum core_match {
    CORE_MATCH_CONTENT = 1 << 0,
    CORE_MATCH_NAME = 1 << 1,
    CORE_MATCH_PHONE = 1 << 2,
};

/* One conversation (list views) or one message (conversation view).
 * Strings are owned by the page. */
struct core_row {
    int32_t contact_id;
    const char *name;
    const char *phone_number;
    int64_t message_id;
    bool outbound;            /* direction: false = inbound ("in") */
    const char *content;
    int64_t created_at_us;    /* microseconds since the Unix epoch, UTC */
    const char *created_at;   /* created_at_us as core_format_time() writes it */
    unsigned matched;         /* enum core_match bits; 0 outside search */
    /* A search hit on a contact that has no message yet (by name or
     * phone): message_id, outbound, content and created_at mean nothing
     * (0, false, "", ""); such rows come after every conversation. */
    bool no_message;
};

struct core_page {
    struct core_row *rows;
    size_t count;
    /* Opaque cursor for the next page, NULL at the end. Owned by the page.
     * A full search page always carries one (finding out whether anything
     * older matches can take a full scan), so the next page may be empty.
     * A partial search answer always carries one, so a stateless caller
     * can continue: after its last row, or, with no rows yet, where the
     * search stopped (everything above it was examined). */
    char *next_cursor;
    double elapsed_ms;        /* wall time spent in core for this answer */
    /* Search only: false when the time budget ran out before the page was
     * full; call core_search_next() again to continue. */
    bool complete;
    /* Search progress: messages examined (estimated for index and scan
     * steps), and the oldest instant down to which content has been
     * searched completely, from the cursor down (0 = everything). */
    int64_t scanned_rows;
    int64_t searched_back_to_us;
    void *priv;               /* storage behind the strings */
};

void core_page_free(struct core_page *page);

/* A row's fields as JSON object members, without the braces:
 * "contact_id", "name", "phone_number", "message_id", "direction",
 * "content", "created_at" (the message's four null for a no_message row).
 * convo-query's pages and jsonl exports print exactly these. */
void core_row_json(FILE *f, const struct core_row *row);

/* An instant (microseconds since the Unix epoch) as ISO 8601 in UTC with
 * microseconds, "2024-05-01T12:00:00.000000+00:00"; years before 1 AD as
 * -YYYY (0000 is 1 BC), after 9999 as +YYYYY; "infinity" and "-infinity"
 * for INT64_MAX and INT64_MIN. */
#define CORE_TIME_LEN 64
void core_format_time(int64_t us, char out[CORE_TIME_LEN]);

/* ---- queries ------------------------------------------------------------ */

/* Recent conversations, newest first. cursor NULL or "" = first page.
 * limit 0 = CORE_PAGE_DEFAULT. Each conversation shows its contact's
 * newest message even when the trigger-kept pointer is stale (pages then
 * follow the pointer, each page in the order of what it shows); contacts
 * with messages but no pointer come last. */
enum core_status core_recent(struct core_conn *conn, const char *cursor,
                             size_t limit, struct core_page *out);

/* CORE_OK when contact_id names a contact, CORE_ERR_NOT_FOUND when not. */
enum core_status core_contact_exists(struct core_conn *conn, int32_t contact_id);

/* One contact's messages, newest first, paged by cursor (NULL or "" = the
 * newest). A contact that does not exist has no messages: an empty page. */
enum core_status core_messages(struct core_conn *conn, int32_t contact_id,
                               const char *cursor, size_t limit,
                               struct core_page *out);

/* Validate a search term: CORE_ERR_TERM for invalid UTF-8 or more than
 * CORE_TERM_MAX_CHARS characters. */
enum core_status core_term_check(const char *term);
/* What is wrong with a term, for a message: "invalid UTF-8" or "longer
 * than 200 characters"; NULL when it is a valid term. */
const char *core_term_problem(const char *term);

/* The patterns search matches a term with, for a program that runs its
 * own SQL to compare against core's answers (convo-bench's baseline).
 * core_like_pattern: '%' + term with % _ \ escaped + '%', for ILIKE against
 * content, name and phone number. core_digits_pattern: for a phone-like
 * term (only digits and + - ( ) . space, at least one digit), '%' + its
 * digits + '%', for LIKE against the phone number's digits; "" otherwise.
 * Both NULL when memory runs out; the caller frees. */
char *core_like_pattern(const char *term);
char *core_digits_pattern(const char *term);

/* An incremental search. Open it with a term and an optional cursor, then
 * call next() with a time budget until the page is complete. An empty term
 * behaves as core_recent(). */
struct core_search;

enum core_status core_search_open(struct core_conn *conn, const char *term,
                                  const char *cursor, struct core_search **out);

/* Fill out with up to limit rows, spending at most budget_ms (0 = no limit)
 * before returning a partial page (out->complete == false). Rows already
 * returned by an earlier partial call of the same search are returned again
 * together with the new ones, so each answer is a whole prefix of the page.
 * When the budget runs out the statement keeps running on the server; the
 * next call picks it up. Any other call on the same connection (or
 * core_search_close) cancels it first; the search can still go on after.
 * After core_conn_cancel() the search answers CORE_ERR_CANCELLED; open a
 * new one. A search whose connection was closed answers CORE_ERR_USAGE;
 * it may still be closed. CONVO_TRACE=1 logs every step to stderr. */
enum core_status core_search_next(struct core_search *search, size_t limit,
                                  double budget_ms, struct core_page *out);

void core_search_close(struct core_search *search);

/* Filter words in a term (docs/search.md#filters): is:in, is:out,
 * after:DATE (inclusive), before:DATE (exclusive), with:TEXT (a contact's
 * name or phone contains it; "quoted" for blanks). A bad one is
 * CORE_ERR_TERM with the connection's error "bad filter 'WORD': why".
 * core_search_open() reads them; with CORE_SEARCH_LITERAL the whole term
 * is text. */
enum { CORE_SEARCH_LITERAL = 1 };

/* The filter words of a term, read as search reads them (filter.c), for
 * a program that runs its own SQL to compare (convo-bench's baseline). */
/* Directions a message may have to pass: both bits when no is: was given,
 * none when is:in and is:out were (then nothing passes). */
enum { CORE_DIR_IN = 1, CORE_DIR_OUT = 2, CORE_DIR_ANY = 3 };

struct core_filter {
    bool any;          /* a filter word was given */
    char *text;        /* the words joined by one space ("" when none) */
    char **words;      /* the words and phrases to find, in term order, each
                          without its quotes; with literal, the term */
    size_t nwords;
    unsigned dir;      /* CORE_DIR_* bits */
    int64_t after_us;  /* messages at or after it; INT64_MIN when not given */
    int64_t before_us; /* messages before it; INT64_MAX when not given */
    char *with;        /* contacts whose name or phone contain it, or NULL */
};

/* Split term into its filters and its words (see core_term_words).
 * literal: no word is a filter and the term is one word (text is term). Dates are read by core_date_parse() at now_us. NULL on
 * success; else err receives "bad filter 'WORD': why" (or that memory ran
 * out) and the function returns err. Free with core_filter_free() in
 * either case. */
const char *core_filter_parse(const char *term, bool literal, int64_t now_us,
                              struct core_filter *f, char *err, size_t errlen);
void core_filter_free(struct core_filter *f);

/* The words and phrases a term searches (docs/search.md#words), in the
 * order typed, without filter words and without quotes: what a program
 * highlights. `ana "see you" is:in` gives {"ana", "see you"}. A message
 * matches when each is in its content or its contact's name or phone
 * (case-insensitive substrings; a word of digits and + - ( ) . space also
 * matches the phone's digits). A bad filter word is left out as a good
 * one would be. *n receives the count; NULL (and *n 0) when memory runs
 * out. Free with core_term_words_free(). */
char **core_term_words(const char *term, size_t *n);
void core_term_words_free(char **words, size_t n);

/* Accents as search folds them (docs/search.md#accents): what the server's
 * contrib unaccent makes of one character (UTF-8, "" for a mark it drops;
 * NULL when it keeps the character), whether it changes a text (a search
 * word with accents matches as written), and the text folded (caller
 * frees; NULL when memory ran out). unaccent folds character by character. */
const char *core_unaccent_char(uint32_t c);
bool core_has_accents(const char *text);
char *core_unaccent(const char *text);

/* What core_search_open() would say of term's filter words, without a
 * database: NULL when they are good, else err ("bad filter ..."). */
const char *core_filter_problem(const char *term, char *err, size_t errlen);
enum core_status core_search_open_with(struct core_conn *conn, const char *term,
                                       const char *cursor, unsigned flags,
                                       struct core_search **out);

/* Convenience: a complete page, no budget. */
enum core_status core_search(struct core_conn *conn, const char *term,
                             const char *cursor, size_t limit,
                             struct core_page *out);

/* ---- jumping to a date (when.c, cursor.c) ------------------------------ */

/* A date as a user types it, in the viewer's time zone (TZ, else the
 * system's): YYYY-MM-DD (its midnight), YYYY-MM-DDTHH:MM (or a space for
 * the T), -Nd / -Nw / -Nm (N days, weeks, months before now_us at the same
 * wall-clock time), today, yesterday (their midnights). NULL with *out_us
 * set, or what is wrong with it ("no such date or time", ...). */
const char *core_date_parse(const char *text, int64_t now_us, int64_t *out_us);

#define CORE_CURSOR_SIZE 45   /* a cursor's characters and its NUL */
/* A cursor that starts core_recent() (core_search() with an empty term)
 * at the newest conversation last active strictly before at_us, or at or
 * before it when inclusive: one keyset seek, then pages go on as usual. */
void core_recent_cursor_at(int64_t at_us, bool inclusive, char out[CORE_CURSOR_SIZE]);
/* The same for core_search() of term: its conversations whose anchor (the
 * newest match) is before at_us. */
void core_search_cursor_at(const char *term, int64_t at_us, bool inclusive,
                           char out[CORE_CURSOR_SIZE]);
/* The same for core_messages() of contact_id. */
void core_messages_cursor_at(int32_t contact_id, int64_t at_us, bool inclusive,
                             char out[CORE_CURSOR_SIZE]);

/* ---- contacts (contact.c) ------------------------------------------------ */

/* A phone number as typed ("+1 (415) 555-0123", spaces, dashes,
 * parentheses and dots allowed) in E.164: '+' and 8 to 15 digits, into out
 * (at least 17 bytes). NULL, or what is wrong with it. */
#define CORE_PHONE_SIZE 17
const char *core_phone_normalize(const char *text, char out[CORE_PHONE_SIZE]);

struct core_contact {
    int32_t id;
    char phone_number[CORE_PHONE_SIZE + 4];
    char *name;                       /* owned: core_contact_free */
    char created_at[CORE_TIME_LEN];   /* ISO 8601, as core_format_time */
};

/* Add a contact (conn should be a writer, core_conn_open_writer). phone is
 * normalized first: CORE_ERR_PHONE when it is malformed. Phone numbers are
 * unique: CORE_ERR_EXISTS when one with the same number (or the same
 * digits) exists, with *out describing that one. name may be NULL. */
enum core_status core_contact_add(struct core_conn *conn, const char *phone, const char *name,
                                  struct core_contact *out);
void core_contact_free(struct core_contact *contact);
/* The contact as a one-row page, a row without messages (no_message), as
 * search shows it: for a program that opens it next. */
enum core_status core_contact_page(const struct core_contact *contact, struct core_page *out);

/* ---- export (export.c, export_format.c) ---------------------------------- */

enum core_export_format { CORE_EXPORT_JSONL, CORE_EXPORT_CSV, CORE_EXPORT_TXT };

/* Stream a whole conversation (contact_id, oldest first) or, when term is
 * given, every message whose content contains term (search's substring
 * match, newest first), to f in format: one statement whose rows arrive
 * one at a time (libpq single-row mode), so memory stays flat at any size.
 * jsonl: one object per message with the keys of convo-query messages;
 * csv: RFC 4180, a header row, CRLF; txt: a transcript in the viewer's
 * time zone under a heading with the contact's name and phone.
 * CORE_ERR_NOT_FOUND for a contact that does not exist; CORE_ERR_WRITE
 * when f fails (*write_errno says why: EPIPE for a closed pipe). *rows
 * counts the messages written. */
struct core_export_request {
    int32_t contact_id;
    const char *term;         /* NULL: the conversation of contact_id */
    enum core_export_format format;
};
enum core_status core_export(struct core_conn *conn, const struct core_export_request *req,
                             FILE *f, int64_t *rows, int *write_errno);

/* ---- live: change notifications and writing (live.c, follow.c) ----------- */

/* Start receiving change notifications on conn (LISTEN convo_changes).
 * Remembered: core listens again by itself after any reconnect. A reader
 * that may sit on a standby moves to the primary first: a standby cannot
 * LISTEN. */
enum core_status core_listen(struct core_conn *conn);

/* The connection's socket, to poll() for readability; -1 when lost. */
int core_conn_socket(const struct core_conn *conn);

struct core_changes {
    int32_t *contact_ids;   /* distinct ids, ascending, owned by the struct */
    size_t count;
    bool all;               /* "*", or a reconnect happened since the last
                               take: anything may have changed */
};

/* Consume what has arrived, never blocking. CORE_OK with count == 0 and
 * !all when nothing changed; CORE_ERR_LOST when the connection dropped
 * (core_conn_reset() or the next query reconnects; the take after that
 * says all). */
enum core_status core_changes_take(struct core_conn *conn, struct core_changes *out);
void core_changes_free(struct core_changes *changes);

#define CORE_SEND_MAX_BYTES 4096

/* Insert an outbound message (text as a parameter) and return it as a
 * one-row page (same fields as core_messages rows). CORE_ERR_TEXT for empty
 * text, invalid UTF-8 or more than CORE_SEND_MAX_BYTES bytes;
 * CORE_ERR_NOT_FOUND for a contact that does not exist. */
enum core_status core_send(struct core_conn *conn, int32_t contact_id,
                           const char *text, struct core_page *out);

/* Following new messages as they commit (convo-query follow). A message
 * is new when the transaction that wrote it committed after the follow
 * started (whatever its id: ids are given before commit, may be chosen by
 * the writer, and repeat across times); a follow asks every changed
 * contact for its new rows and drops those it printed, by (created_at,
 * id), so a late commit with a small id is reported, and none twice. */
struct core_follow;

/* Listen on conn and mark the start: messages committed from now on are new. */
enum core_status core_follow_open(struct core_conn *conn, struct core_follow **out);
/* The messages committed since the last call, in commit order as far as
 * they can be told apart (then by id), as a page of message rows. Never
 * blocks waiting for news: poll core_conn_socket() first. */
enum core_status core_follow_next(struct core_follow *follow, struct core_page *out);
void core_follow_close(struct core_follow *follow);

/* ---- other walks (core/around.c; used by the terminal program) --------- */

/* The messages of a contact around one of them (at_us, message_id): older
 * gets that message and up to limit - 1 older ones, newest first, its
 * next_cursor continuing older with core_messages(); newer gets up to limit
 * newer ones, oldest first, its next_cursor continuing with
 * core_messages_newer(). Constant cost at any depth. */
enum core_status core_messages_around(struct core_conn *conn, int32_t contact_id,
                                      int64_t at_us, int64_t message_id, size_t limit,
                                      struct core_page *older, struct core_page *newer);

/* A contact's messages oldest first: cursor NULL or "" = from the first
 * message of the conversation. */
enum core_status core_messages_newer(struct core_conn *conn, int32_t contact_id,
                                     const char *cursor, size_t limit,
                                     struct core_page *out);

/* The recent list walked from its end: the conversation whose last message
 * is the oldest first, same rows and rules as core_recent() in the other
 * order. cursor NULL or "" = the end of the list. */
enum core_status core_recent_reversed(struct core_conn *conn, const char *cursor,
                                      size_t limit, struct core_page *out);

/* How many conversations the recent list holds (one index scan). */
enum core_status core_recent_count(struct core_conn *conn, int64_t *out);

#endif

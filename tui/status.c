/* tui/status.c - the status bar, the note on the bottom line and the key
 * hints (status.h). In a narrow terminal whole fields are dropped, never
 * cut. */
#include "status.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "fmt.h"
#include "term.h"

static enum conn_state conn_states[WORKER_COUNT];
static char server[WORKER_COUNT][16];   /* where each worker reads ("" = one server) */
static char note[256];                  /* one-shot note on the prompt line */
static bool note_error;

void status_set_conn(int worker, enum conn_state state)
{
    conn_states[worker] = state;
}

void status_set_server(int worker, const char *name)
{
    snprintf(server[worker], sizeof server[worker], "%s", name);
}

void status_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    note_error = false;
}

void status_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    note_error = true;
}

void status_forget(void)
{
    note[0] = 0;
}

void status_forget_info(void)
{
    if (note[0] && !note_error)
        note[0] = 0;
}

void status_forget_error(void)
{
    if (note_error)
        note[0] = 0;
}

const char *status_note_text(bool *error)
{
    if (error)
        *error = note_error;
    return note[0] ? note : NULL;
}

bool status_note_is_error(void)
{
    return note[0] && note_error;
}

bool status_note_draw(int y)
{
    if (!note[0])
        return false;
    term_put(y, 1, COLS - 2, note, note_error ? EL_ERROR : EL_TEXT, false);
    return true;
}

/* A latency for the status bar: milliseconds below a second, else seconds. */
static void fmt_ms(char *buf, size_t len, double ms)
{
    if (ms < 1000.0)
        snprintf(buf, len, "%.1f ms", ms);
    else
        snprintf(buf, len, "%.2f s", ms / 1000.0);
}

/* The fields of s (separated by " \u00b7 ") that fit in w columns, whole:
 * trailing fields are dropped, never cut. False when even the first field
 * is too wide: out then holds its words that fit. */
static bool fit_fields(char *out, size_t len, const char *s, int w)
{
    static const char sep[] = " \u00b7 ";
    char cand[512];
    const char *p = s;
    out[0] = 0;
    for (;;) {
        const char *e = strstr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(cand, sizeof cand, "%s%s%.*s", out, out[0] ? sep : "", (int)n, p);
        if (fmt_width(cand) > w)
            break;
        snprintf(out, len, "%s", cand);
        if (!e)
            return true;
        p = e + strlen(sep);
    }
    if (out[0])
        return true;
    /* The first field alone is too wide: whole words of it. */
    const char *e = strstr(s, sep);
    size_t n = e ? (size_t)(e - s) : strlen(s);
    for (size_t k = n; k > 0; k--) {
        if (s[k] != ' ' && k != n)
            continue;
        snprintf(cand, sizeof cand, "%.*s", (int)k, s);
        if (fmt_width(cand) <= w) {
            snprintf(out, len, "%s", cand);
            break;
        }
    }
    return false;
}

void status_bar_draw(const char *left, double latency_ms, double running_ms, bool busy)
{
    static const char *const frames_utf8[] = {"\u280b", "\u2819", "\u2839", "\u2838",
                                              "\u283c", "\u2834", "\u2826", "\u2827",
                                              "\u2807", "\u280f"};
    static const char *const frames_ascii[] = {"|", "/", "-", "\\"};
    int y = LINES - 2;
    bool lost = false;
    for (int i = 0; i < WORKER_COUNT; i++)
        if (conn_states[i] == CONN_RECONNECTING)
            lost = true;
    term_fill(y, 0, COLS, EL_STATUS, false);
    char right[160], t[48], fit[512];
    right[0] = 0;
    /* While a request runs its answer is not known yet: the figure of the
     * previous one would mislead, so the time so far shows instead (after
     * the spinner's delay, so quick answers do not flicker). */
    if (running_ms >= 0) {
        if (running_ms >= STATUS_SPINNER_AFTER_MS) {
            fmt_ms(t, sizeof t, running_ms);
            snprintf(right, sizeof right, "%s so far \u00b7 ", t);
        }
    } else if (latency_ms > 0) {
        fmt_ms(t, sizeof t, latency_ms);
        snprintf(right, sizeof right, "%s \u00b7 ", t);
    }
    /* With a standby in play: which server the list reads from. */
    const char *role = server[WORKER_LIST];
    const char *conn = lost ? "reconnecting..."
                       : !*role ? "connected"
                       : strcmp(role, "standby") == 0 ? "reads: standby" : "reads: primary";
    int rw = (int)strlen(conn) + 1;
    int lw = fmt_width(right);
    /* In a narrow terminal whole fields go, the latency before the first
     * field of the left side is cut. */
    if (!fit_fields(fit, sizeof fit, left, COLS - rw - lw - 3) && lw > 0) {
        right[0] = 0;
        lw = 0;
        fit_fields(fit, sizeof fit, left, COLS - rw - 3);
    }
    int x_conn = COLS - rw;
    int x_right = x_conn - lw;
    int x_spin = x_right - 2;
    int avail = x_spin - 1;
    term_put(y, 0, avail > 0 ? avail : 0, fit, EL_STATUS, false);
    if (busy && x_spin > 0) {
        int f = (int)(core_now_ms() / 100.0);
        const char *frame = term_theme.utf8 ? frames_utf8[f % 10] : frames_ascii[f % 4];
        term_put(y, x_spin, 1, frame, EL_STATUS_WARN, false);
    }
    if (x_right > 0 && lw > 0)
        term_put(y, x_right, lw, right, EL_STATUS, false);
    if (x_conn > 0)
        term_put(y, x_conn, rw, conn, lost ? EL_STATUS_WARN : EL_STATUS, false);
}

void status_hints_draw(int y, const char *s)
{
    char fit[512];
    term_fill(y, 0, COLS, EL_TEXT, false);
    /* Whole hints or none: "q ba" helps nobody. */
    if (fit_fields(fit, sizeof fit, s, COLS - 2))
        term_put(y, 1, COLS - 2, fit, EL_DIM, false);
}


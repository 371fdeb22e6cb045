/* tui/status.h - the status bar (second line from the bottom), the note on
 * the bottom line (one message until the user moves on) and the key hints.
 * Views call it with what to show; main tells it the connections' state. */
#ifndef CONVO_TUI_STATUS_H
#define CONVO_TUI_STATUS_H

#include <stdbool.h>

#include "worker.h"

/* Waiting shows (spinner, time so far) only after this long. */
#define STATUS_SPINNER_AFTER_MS 200.0

/* A worker's connection (the bar says "reconnecting..." while any is
 * lost) and, when a standby is in play, the server it reads from. */
void status_set_conn(int worker, enum conn_state state);
void status_set_server(int worker, const char *server);

/* The note: printf-style; an error shows in the error colour and stays
 * when the user moves on. */
void status_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void status_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void status_forget(void);          /* no note */
void status_forget_info(void);     /* no note unless it is an error */
void status_forget_error(void);    /* no note if it is an error */
bool status_note_is_error(void);   /* an error is being shown */
/* The note, NULL when there is none; *error says whether it is one. */
const char *status_note_text(bool *error);
/* Draw the note on row y from column 1; false (nothing drawn) without one. */
bool status_note_draw(int y);

/* The status bar: left text, then the latency of the last answer or, when
 * running_ms >= 0, how long the request in flight has run; busy spins. */
void status_bar_draw(const char *left, double latency_ms, double running_ms, bool busy);
/* A key hint line: the hints (separated by " \u00b7 ") that fit, whole. */
void status_hints_draw(int y, const char *s);

#endif

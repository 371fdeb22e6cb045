/* tui/main.c - convo: a terminal browser of recent conversations with live
 * search. Parses the command line, owns the event loop (poll on the
 * terminal, the workers' answers and the signal pipe), and draws a frame
 * when something changed: curses then sends only the cells that differ. */
#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct app app;

static double key_lat[65536];
static size_t nkey_lat;

static void usage(FILE *f)
{
    fputs("usage: convo [--db CONNINFO | --db=CONNINFO] [--no-mouse]\n"
          "\n"
          "Browse the most recent conversations and search them as you type.\n"
          "\n"
          "  --db CONNINFO  a libpq conninfo string or URI; without it the libpq\n"
          "                 environment (PGHOST, PGDATABASE, ...) or DATABASE_URL\n"
          "  --no-mouse     leave the mouse to the terminal (text selection)\n"
          "  --help         this text\n"
          "\n"
          "Keys: j/k move, Enter open, / search, r reply, y copy, ? help, q quit.\n"
          "NO_COLOR set in the environment turns colours off.\n"
          "Exit status: 0 after q, 128+N after signal N (Ctrl-C: 130, SIGTERM: 143),\n"
          "1 when the database cannot be reached or the terminal cannot run convo\n"
          "(TERM=dumb), 2 for a wrong command line.\n",
          f);
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
bool fit_fields(char *out, size_t len, const char *s, int w)
{
    static const char sep[] = " \u00b7 ";
    char cand[512];
    const char *p = s;
    out[0] = 0;
    for (;;) {
        const char *e = strstr(p, sep);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(cand, sizeof cand, "%s%s%.*s", out, out[0] ? sep : "", (int)n, p);
        if (str_width(cand) > w)
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
        if (str_width(cand) <= w) {
            snprintf(out, len, "%s", cand);
            break;
        }
    }
    return false;
}

void status_draw(const char *left, double latency_ms, double running_ms, bool busy)
{
    static const char *const frames_utf8[] = {"\u280b", "\u2819", "\u2839", "\u2838",
                                              "\u283c", "\u2834", "\u2826", "\u2827",
                                              "\u2807", "\u280f"};
    static const char *const frames_ascii[] = {"|", "/", "-", "\\"};
    int y = LINES - 2;
    bool lost = false;
    for (int i = 0; i < WORKER_COUNT; i++)
        if (app.conn[i] == CONN_RECONNECTING)
            lost = true;
    fill(y, 0, COLS, EL_STATUS, false);
    char right[160], t[48], fit[512];
    right[0] = 0;
    /* While a request runs its answer is not known yet: the figure of the
     * previous one would mislead, so the time so far shows instead (after
     * the spinner's delay, so quick answers do not flicker). */
    if (running_ms >= 0) {
        if (running_ms >= TUI_SPINNER_AFTER_MS) {
            fmt_ms(t, sizeof t, running_ms);
            snprintf(right, sizeof right, "%s so far \u00b7 ", t);
        }
    } else if (latency_ms > 0) {
        fmt_ms(t, sizeof t, latency_ms);
        snprintf(right, sizeof right, "%s \u00b7 ", t);
    }
    /* With a standby in play: which server the list reads from. */
    const char *role = app.server[WORKER_LIST];
    const char *conn = lost ? "reconnecting..."
                       : !*role ? "connected"
                       : strcmp(role, "standby") == 0 ? "reads: standby" : "reads: primary";
    int rw = (int)strlen(conn) + 1;
    int lw = str_width(right);
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
    put_text(y, 0, avail > 0 ? avail : 0, fit, EL_STATUS, false);
    if (busy && x_spin > 0) {
        int f = (int)(now_ms() / 100.0);
        const char *frame = theme.utf8 ? frames_utf8[f % 10] : frames_ascii[f % 4];
        put_text(y, x_spin, 1, frame, EL_STATUS_WARN, false);
    }
    if (x_right > 0 && lw > 0)
        put_text(y, x_right, lw, right, EL_STATUS, false);
    if (x_conn > 0)
        put_text(y, x_conn, rw, conn, lost ? EL_STATUS_WARN : EL_STATUS, false);
}

void copy_and_tell(const char *text, const char *what)
{
    size_t len = strlen(text);
    if (!term_copy(text, len)) {
        snprintf(app.message, sizeof app.message, "could not copy: the terminal did not take it");
        app.message_error = true;
        return;
    }
    char n[32];
    long chars = 0;
    for (const char *p = text; *p; p++)
        chars += ((unsigned char)*p & 0xc0) != 0x80;
    fmt_count(n, sizeof n, chars);
    snprintf(app.message, sizeof app.message, "copied %s (%s character%s)", what, n,
             chars == 1 ? "" : "s");
    app.message_error = false;
}

void hints_draw(int y, const char *s)
{
    char fit[512];
    fill(y, 0, COLS, EL_TEXT, false);
    /* Whole hints or none: "q ba" helps nobody. */
    if (fit_fields(fit, sizeof fit, s, COLS - 2))
        put_text(y, 1, COLS - 2, fit, EL_DIM, false);
}

/* Below the minimum size: the notice is wrapped over the lines there are,
 * shortened until it fits, so it always says the size needed. */
static void draw_too_small(void)
{
    char forms[4][96];
    snprintf(forms[0], sizeof forms[0], "terminal too small: %dx%d, convo needs %dx%d", COLS,
             LINES, TUI_MIN_COLS, TUI_MIN_LINES);
    snprintf(forms[1], sizeof forms[1], "too small, needs %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
    snprintf(forms[2], sizeof forms[2], "needs %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
    snprintf(forms[3], sizeof forms[3], "%dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
    for (int y = 0; y < LINES; y++)
        fill(y, 0, COLS, EL_TEXT, false);
    for (int f = 0; f < 4; f++) {
        /* Word-wrap into at most LINES lines of COLS columns. */
        const char *lines[16];
        int lens[16], n = 0;
        bool fits = true;
        const char *p = forms[f];
        while (*p && fits) {
            int len = (int)strlen(p);
            if (len > COLS) {
                len = COLS;
                while (len > 0 && p[len] != ' ')
                    len--;
                if (len == 0)
                    fits = false;
            }
            if (n == 16 || n >= LINES)
                fits = false;
            if (!fits)
                break;
            lines[n] = p;
            lens[n++] = len;
            p += len;
            while (*p == ' ')
                p++;
        }
        if (!fits && f < 3)
            continue;
        int y0 = (LINES - n) / 2;
        for (int i = 0; i < n; i++) {
            char buf[96];
            snprintf(buf, sizeof buf, "%.*s", lens[i], lines[i]);
            int x = (COLS - lens[i]) / 2;
            put_text(y0 + i, x > 0 ? x : 0, COLS, buf, EL_TEXT, false);
        }
        if (n == 0)   /* not even the size fits: what there is of it */
            put_text(0, 0, COLS, forms[3], EL_TEXT, false);
        return;
    }
}

static void draw(void)
{
    erase();
    if (COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES) {
        draw_too_small();
    } else {
        if (app.view == VIEW_CHAT)
            chat_draw();
        else
            list_draw();
        if (app.help)
            help_draw();
    }
    refresh();
}

static bool handle_key(int is_key, wint_t ch)
{
    if (app.help) {
        app.help = help_key(is_key, ch);
        return true;
    }
    if (is_key && ch == KEY_MOUSE) {
        MEVENT ev;
        if (getmouse(&ev) != OK)
            return true;
        int dir = 0;
        if (ev.bstate & BUTTON4_PRESSED)
            dir = -1;
        else if (ev.bstate & BUTTON5_PRESSED)
            dir = 1;
        if (app.view == VIEW_CHAT) {
            if (dir)
                chat_wheel(dir);
        } else if (dir) {
            list_wheel(dir);
        } else if (ev.bstate & BUTTON1_PRESSED) {
            list_click(ev.y);
        }
        return true;
    }
    if (app.view == VIEW_LIST && list_prompt_active()) {
        list_key_prompt(is_key, ch);
        return true;
    }
    if (app.view == VIEW_CHAT && chat_prompt_active()) {
        chat_key_prompt(is_key, ch);
        return true;
    }
    enum action a = keys_lookup((int)ch, app.view);
    if (!is_key && ch >= 0x80)
        a = ACT_NONE;
    switch (a) {
    case ACT_QUIT:
        return false;
    case ACT_HELP:
        app.help = true;
        break;
    case ACT_REDRAW:
        clearok(curscr, TRUE);
        break;
    case ACT_NONE:
        break;
    default:
        if (app.message[0] && !app.message_error)
            app.message[0] = 0;
        if (app.view == VIEW_CHAT)
            chat_action(a, 1);
        else
            list_action(a, 1);
        break;
    }
    return true;
}

static void dispatch_answers(void)
{
    struct response *r;
    while ((r = workers_take())) {
        if (r->kind == RESP_STATE) {
            app.conn[r->worker] = r->state;
            if (r->has_server)
                snprintf(app.server[r->worker], sizeof app.server[r->worker], "%s", r->server);
            response_free(r);
        } else if (r->kind == RESP_CHANGES) {
            list_changes(r->ids, r->nids, r->all);
            chat_changes(r->ids, r->nids, r->all);
            response_free(r);
        } else if (r->worker == WORKER_LIST) {
            list_answer(r);
        } else {
            chat_answer(r);
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void write_stats(void)
{
    const char *path = getenv("CONVO_STATS");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    if (nkey_lat > 0) {
        qsort(key_lat, nkey_lat, sizeof key_lat[0], cmp_double);
        size_t p95 = nkey_lat * 95 / 100;
        if (p95 >= nkey_lat)
            p95 = nkey_lat - 1;
        fprintf(f, "keystroke_to_screen_ms n=%zu p50=%.2f p95=%.2f max=%.2f\n", nkey_lat,
                key_lat[nkey_lat / 2], key_lat[p95], key_lat[nkey_lat - 1]);
    }
    list_stats(f);
    stats_write(f);
    fclose(f);
}

/* The command line: -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **conninfo, bool *mouse)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0) {
            *conninfo = argv[i][4] == '=' ? argv[i] + 5 : i + 1 < argc ? argv[++i] : NULL;
            if (!*conninfo || !**conninfo) {
                fputs("convo: --db needs a CONNINFO\n", stderr);
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "--no-mouse") == 0) {
            *mouse = false;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "convo: unknown argument: %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL;
    bool mouse = true;
    setlocale(LC_ALL, "");
    int st = parse_args(argc, argv, &conninfo, &mouse);
    if (st >= 0)
        return st;
    app.mouse = mouse;
    stats_init();

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("convo: needs a terminal on standard input and output\n", stderr);
        return 1;
    }
    char err[512];
    if (!term_usable(err, sizeof err)) {
        fprintf(stderr, "convo: %s\n", err);
        return 1;
    }
    if (!workers_start(conninfo, err, sizeof err) || !listener_start(conninfo, err, sizeof err)) {
        fprintf(stderr, "convo: %s\n", err);
        listener_stop();
        workers_stop();
        return 1;
    }
    int sig_pipe[2];
    if (pipe(sig_pipe) != 0)
        die("pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    term_signals(sig_pipe[1]);
    atexit(term_restore);
    term_init(mouse);
    nodelay(stdscr, TRUE);
    list_init();

    bool dirty = true, running = true;
    double key_t0 = 0;
    while (running && !term_quit_signal() && !term_fatal()) {
        dispatch_answers();
        list_tick();
        if (app.view == VIEW_CHAT)
            chat_tick();
        if (dirty) {
            draw();
            double t = now_ms();
            list_drawn(t);
            if (key_t0 > 0 && nkey_lat < sizeof key_lat / sizeof key_lat[0])
                key_lat[nkey_lat++] = t - key_t0;
            key_t0 = 0;
            dirty = false;
        }
        double since = 0;
        bool busy = list_busy(&since) || (app.view == VIEW_CHAT && chat_busy(&since));
        struct pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0},
            {workers_wake_fd(), POLLIN, 0},
            {sig_pipe[0], POLLIN, 0},
        };
        int timeout = busy ? 100 : 30000;
        double due = list_due_ms();
        if (due >= 0 && due < timeout)
            timeout = (int)due + 1;
        int n = poll(fds, 3, timeout);
        if (n < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        if (n <= 0)
            dirty = true;   /* spinner, relative times, or a resize */
        if (n > 0 && (fds[2].revents & POLLIN)) {
            char buf[64];
            while (read(sig_pipe[0], buf, sizeof buf) > 0)
                ;
        }
        if (n > 0 && (fds[1].revents & POLLIN)) {
            workers_drain_wake();
            dirty = true;
        }
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
            break;
        if (n > 0 && (fds[0].revents & POLLIN)) {
            key_t0 = now_ms();
            app.input_ms = key_t0;
        }
        /* Drain every pending key before drawing once; resizes collapse. */
        wint_t ch;
        int rc;
        bool resized = false;
        while (running && (rc = get_wch(&ch)) != ERR) {
            int is_key = rc == KEY_CODE_YES;
            if (is_key && ch == KEY_RESIZE) {
                resized = true;
                continue;
            }
            running = handle_key(is_key, ch);
            dirty = true;
        }
        if (resized) {
            clearok(curscr, TRUE);
            dirty = true;
        }
    }
    if (term_fatal())
        die("%s", term_fatal());   /* a worker cannot be joined: it waits to end */
    term_restore();
    listener_stop();
    workers_stop();
    chat_close();
    list_free();
    write_stats();
    /* Ended by a signal (Ctrl-C is SIGINT): the shell's convention, 128+n,
     * once the terminal is restored. */
    return term_quit_signal() ? 128 + term_quit_signal() : 0;
}

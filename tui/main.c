/* tui/main.c - convo: a terminal browser of recent conversations with live
 * search. Parses the command line, starts the workers and the terminal,
 * and owns the event loop (poll on the terminal, the workers' answers and
 * the signal pipe) and the stack of views (view.h): it draws the top one
 * when something changed (curses then sends only the cells that differ),
 * gives it the keys, hands each answer to the view that asked, and carries
 * out what the views request. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "chat.h"
#include "die.h"
#include "fmt.h"
#include "help.h"
#include "list.h"
#include "listen.h"
#include "mask.h"
#include "stats.h"
#include "status.h"
#include "term.h"
#include "text.h"
#include "view.h"
#include "worker.h"

#define MIN_COLS 40
#define MIN_LINES 8

/* Every kind of view: an answer for a kind with no view open goes to its
 * stray. */
static const struct view_ops *const views[] = {&list_view, &chat_view, &help_view};
#define NVIEWS (sizeof views / sizeof views[0])
/* The views on screen, bottom first: the list, a conversation, the help. */
static struct view *stack[NVIEWS];
static size_t depth;

static double input_ms;   /* when the latest keys were read (core_now_ms) */
static double key_lat[65536];
static size_t nkey_lat;

static void usage(FILE *f)
{
    fputs("usage: convo [--db CONNINFO | --db=CONNINFO] [--no-mouse] [--mask]\n"
          "\n"
          "Browse the most recent conversations and search them as you type.\n"
          "\n"
          "  --db CONNINFO  a libpq conninfo string or URI; without it the libpq\n"
          "                 environment (PGHOST, PGDATABASE, ...) or DATABASE_URL\n"
          "  --no-mouse     leave the mouse to the terminal (text selection)\n"
          "  --mask         for recordings and screen sharing: phone numbers show only\n"
          "                 their country code and last two digits, names only initials\n"
          "                 (also CONVO_MASK=1); search still uses the real values\n"
          "  --help         this text\n"
          "\n"
          "Keys: j/k move, Enter open, / search, r reply, y copy, ? help, q quit.\n"
          "NO_COLOR set in the environment turns colours off.\n"
          "Exit status: 0 after q, 128+N after signal N (Ctrl-C: 130, SIGTERM: 143),\n"
          "1 when the database cannot be reached or the terminal cannot run convo\n"
          "(TERM=dumb), 2 for a wrong command line.\n",
          f);
}

static void view_push(const struct view_ops *ops, const struct view_req *req)
{
    if (depth == NVIEWS)
        return;
    struct view *v = core_xcalloc(1, sizeof *v);
    v->ops = ops;
    if (ops->open)
        ops->open(v, req);
    stack[depth++] = v;
}

static void view_close(struct view *v)
{
    if (v->ops->close)
        v->ops->close(v);
    free(v);
}

static void view_pop(void)
{
    if (depth <= 1)
        return;   /* the list stays */
    view_close(stack[--depth]);
}

/* Copy what the screen shows and say so on the prompt line: what names
 * what was copied. The text is untrusted: its control characters go to
 * the clipboard as the screen draws them (a paste must not run them). */
static void copy_and_tell(const char *text, const char *what)
{
    if (!text) {   /* masked (convo --mask) */
        status_note("%s is masked: nothing copied", what);
        return;
    }
    size_t escaped;
    char *shown = text_visible(text, &escaped);
    size_t len = strlen(shown);
    if (!term_copy(shown, len)) {
        free(shown);
        status_error("could not copy: the terminal did not take it");
        return;
    }
    char n[32], e[32];
    long chars = core_utf8_chars(shown);
    if (chars < 0)
        chars = (long)len;   /* not UTF-8: count bytes */
    free(shown);
    fmt_count(n, sizeof n, chars);
    fmt_count(e, sizeof e, (long)escaped);
    if (escaped)
        status_note("copied %s (%s character%s; %s control character%s shown as text)", what,
                    n, chars == 1 ? "" : "s", e, escaped == 1 ? "" : "s");
    else
        status_note("copied %s (%s character%s)", what, n, chars == 1 ? "" : "s");
}

/* Carry out what view `from` asked for. False: quit. */
static bool act(const struct view *from, const struct view_req *req)
{
    switch (req->kind) {
    case VIEW_REQ_OPEN:
        view_push(&chat_view, req);
        break;
    case VIEW_REQ_BACK:
        view_pop();
        break;
    case VIEW_REQ_HELP:
        view_push(&help_view, req);
        break;
    case VIEW_REQ_QUIT:
        return false;
    case VIEW_REQ_REDRAW:
        clearok(curscr, TRUE);
        break;
    case VIEW_REQ_COPY:
        copy_and_tell(req->text, req->what);
        break;
    case VIEW_REQ_CHANGED:
        /* The others learn it before the database's notice comes. */
        for (size_t i = 0; i < depth; i++)
            if (stack[i] != from && stack[i]->ops->changes)
                stack[i]->ops->changes(stack[i], &req->contact_id, 1, false);
        break;
    case VIEW_REQ_NONE:
        break;
    }
    return true;
}

/* Below the minimum size: the notice is wrapped over the lines there are,
 * shortened until it fits, so it always says the size needed. */
static void draw_too_small(void)
{
    char forms[4][96];
    snprintf(forms[0], sizeof forms[0], "terminal too small: %dx%d, convo needs %dx%d", COLS,
             LINES, MIN_COLS, MIN_LINES);
    snprintf(forms[1], sizeof forms[1], "too small, needs %dx%d", MIN_COLS, MIN_LINES);
    snprintf(forms[2], sizeof forms[2], "needs %dx%d", MIN_COLS, MIN_LINES);
    snprintf(forms[3], sizeof forms[3], "%dx%d", MIN_COLS, MIN_LINES);
    for (int y = 0; y < LINES; y++)
        term_fill(y, 0, COLS, EL_TEXT, false);
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
            term_put(y0 + i, x > 0 ? x : 0, COLS, buf, EL_TEXT, false);
        }
        if (n == 0)   /* not even the size fits: what there is of it */
            term_put(0, 0, COLS, forms[3], EL_TEXT, false);
        return;
    }
}

static void draw(void)
{
    erase();
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        draw_too_small();
    } else {
        /* The top view, over the one below it when it is a box. */
        size_t base = depth - 1;
        while (base > 0 && stack[base]->ops->overlay)
            base--;
        for (size_t i = base; i < depth; i++)
            stack[i]->ops->draw(stack[i]);
    }
    refresh();
}

/* One key for the top view. False: quit. */
static bool handle_key(int is_key, wint_t ch)
{
    struct view *v = stack[depth - 1];
    const struct view_ops *top = v->ops;
    if (is_key && ch == KEY_MOUSE && (top->wheel || top->click)) {
        MEVENT ev;
        if (getmouse(&ev) != OK)
            return true;
        int dir = 0;
        if (ev.bstate & BUTTON4_PRESSED)
            dir = -1;
        else if (ev.bstate & BUTTON5_PRESSED)
            dir = 1;
        if (dir && top->wheel)
            top->wheel(v, dir);
        else if (!dir && top->click && (ev.bstate & BUTTON1_PRESSED))
            top->click(v, ev.y);
        return true;
    }
    struct view_input in = {.is_key = is_key != 0, .ch = ch, .at_ms = input_ms};
    struct view_req req = top->key(v, &in);
    return act(v, &req);
}

/* The open view whose worker this is, topmost first, or NULL. */
static struct view *view_of_worker(int worker)
{
    for (size_t i = depth; i-- > 0;)
        if (stack[i]->ops->worker == worker && stack[i]->ops->answer)
            return stack[i];
    return NULL;
}

/* An answer for a kind of view with none open: its stray, if it has one. */
static void answer_stray(struct response *r)
{
    for (size_t i = 0; i < NVIEWS; i++) {
        if (views[i]->worker == r->worker && views[i]->stray) {
            views[i]->stray(r);
            return;
        }
    }
    worker_response_free(r);
}

static void dispatch_answers(void)
{
    struct response *r;
    while ((r = worker_take())) {
        if (r->kind == RESP_STATE) {
            status_set_conn(r->worker, r->state);
            struct view *v = view_of_worker(r->worker);
            if (r->state == CONN_RECONNECTING && v && v->ops->lost)
                v->ops->lost(v);
            else if (r->state == CONN_OK && v && v->ops->regained)
                v->ops->regained(v);
            if (r->has_server)
                status_set_server(r->worker, r->server);
            worker_response_free(r);
        } else if (r->kind == RESP_CHANGES) {
            for (size_t i = 0; i < depth; i++)
                if (stack[i]->ops->changes)
                    stack[i]->ops->changes(stack[i], r->ids, r->nids, r->all);
            worker_response_free(r);
        } else {
            struct view *v = view_of_worker(r->worker);
            if (!v) {
                answer_stray(r);
                continue;
            }
            struct view_req req = v->ops->answer(v, r);
            (void)act(v, &req);
        }
    }
}

static void write_stats(void)
{
    const char *path = getenv("CONVO_STATS");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    stats_percentiles(f, "keystroke_to_screen_ms", key_lat, nkey_lat, 2);
    for (size_t i = 0; i < depth; i++)
        if (stack[i]->ops->stats)
            stack[i]->ops->stats(stack[i], f);
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
        } else if (strcmp(argv[i], "--mask") == 0) {
            mask_on = true;
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

/* Everything before the loop: -1 to go on, else the exit status. The
 * signal pipe's ends go to sig_pipe. */
static int start(int argc, char **argv, int sig_pipe[2])
{
    const char *conninfo = NULL;
    bool mouse = true;
    setlocale(LC_ALL, "");
    const char *mask_env = getenv("CONVO_MASK");
    mask_on = mask_env && *mask_env && strcmp(mask_env, "0") != 0;
    int st = parse_args(argc, argv, &conninfo, &mouse);
    if (st >= 0)
        return st;
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
    if (!worker_start(conninfo, err, sizeof err) || !listen_start(conninfo, err, sizeof err)) {
        fprintf(stderr, "convo: %s\n", err);
        listen_stop();
        worker_stop();
        return 1;
    }
    if (pipe(sig_pipe) != 0)
        die("pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    term_signals(sig_pipe[1]);
    die_setup(term_restore, sig_pipe[1]);
    atexit(term_restore);
    term_init(mouse);
    nodelay(stdscr, TRUE);
    view_push(&list_view, NULL);
    return -1;
}

/* How long poll may wait: the spinner turns while busy; a view may want a
 * tick sooner (a deferred refresh). */
static int poll_timeout(bool busy)
{
    int timeout = busy ? 100 : 30000;
    for (size_t i = 0; i < depth; i++) {
        double due = stack[i]->ops->due_ms ? stack[i]->ops->due_ms(stack[i]) : -1;
        if (due >= 0 && due < timeout)
            timeout = (int)due + 1;
    }
    return timeout;
}

/* Drain every pending key before drawing once; resizes collapse. False:
 * quit. */
static bool read_keys(bool *dirty)
{
    wint_t ch;
    int rc;
    bool resized = false, running = true;
    while (running && (rc = get_wch(&ch)) != ERR) {
        int is_key = rc == KEY_CODE_YES;
        if (is_key && ch == KEY_RESIZE) {
            resized = true;
            continue;
        }
        running = handle_key(is_key, ch);
        *dirty = true;
    }
    if (resized) {
        clearok(curscr, TRUE);
        *dirty = true;
    }
    return running;
}

/* Draw when something changed, and note how long the keys waited for it. */
static void frame(double *key_t0)
{
    draw();
    double t = core_now_ms();
    for (size_t i = 0; i < depth; i++)
        if (stack[i]->ops->drawn)
            stack[i]->ops->drawn(stack[i], t);
    if (*key_t0 > 0 && nkey_lat < sizeof key_lat / sizeof key_lat[0])
        key_lat[nkey_lat++] = t - *key_t0;
    *key_t0 = 0;
}

static void run(int sig_fd)
{
    bool dirty = true, running = true;
    double key_t0 = 0;
    while (running && !term_quit_signal() && !die_message()) {
        dispatch_answers();
        for (size_t i = 0; i < depth; i++)
            if (stack[i]->ops->tick)
                stack[i]->ops->tick(stack[i]);
        if (dirty) {
            frame(&key_t0);
            dirty = false;
        }
        double since = 0;
        bool busy = false;
        for (size_t i = 0; i < depth && !busy; i++)
            busy = stack[i]->ops->busy && stack[i]->ops->busy(stack[i], &since);
        struct pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0},
            {worker_wake_fd(), POLLIN, 0},
            {sig_fd, POLLIN, 0},
        };
        int n = poll(fds, 3, poll_timeout(busy));
        if (n < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        if (n <= 0)
            dirty = true;   /* spinner, relative times, or a resize */
        if (n > 0 && (fds[2].revents & POLLIN)) {
            char buf[64];
            while (read(sig_fd, buf, sizeof buf) > 0)
                ;
        }
        if (n > 0 && (fds[1].revents & POLLIN)) {
            worker_drain_wake();
            dirty = true;
        }
        if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN))
            break;
        if (n > 0 && (fds[0].revents & POLLIN)) {
            key_t0 = core_now_ms();
            input_ms = key_t0;
        }
        running = read_keys(&dirty);
    }
}

static int finish(void)
{
    if (die_message())
        die("%s", die_message());   /* a worker cannot be joined: it waits to end */
    term_restore();
    listen_stop();
    worker_stop();
    /* The views' figures, before they go with their state. */
    write_stats();
    while (depth > 0)
        view_close(stack[--depth]);
    /* Ended by a signal (Ctrl-C is SIGINT): the shell's convention, 128+n,
     * once the terminal is restored. */
    return term_quit_signal() ? 128 + term_quit_signal() : 0;
}

int main(int argc, char **argv)
{
    int sig_pipe[2];
    int st = start(argc, argv, sig_pipe);
    if (st >= 0)
        return st;
    run(sig_pipe[0]);
    return finish();
}

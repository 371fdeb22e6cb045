/* tui/term.c - the terminal: curses set-up and restore, the colour theme
 * (NO_COLOR, 8 and 256 colours on the terminal's own background) and the
 * signals that must leave the terminal as it was found. */
#include "term.h"

/* terminfo; tui/term.h is this module's own header */
#include <ncursesw/term.h>

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "base.h"
#include "die.h"

struct theme term_theme;

static volatile sig_atomic_t curses_active;
static volatile sig_atomic_t quit_signal;
static int signal_wake_fd = -1;

void term_restore(void)
{
    if (curses_active) {
        curses_active = 0;
        endwin();
        fflush(stdout);
    }
}

/* From a signal handler: wake the main loop's poll() (the pipe is
 * non-blocking; a full pipe wakes it already). */
static void wake_main_loop(const char *why)
{
    if (signal_wake_fd >= 0) {
        ssize_t n = write(signal_wake_fd, why, 1);
        (void)n;
    }
}

static void on_quit_signal(int sig)
{
    int saved = errno;
    quit_signal = sig;
    wake_main_loop("q");
    errno = saved;
}

/* A resize: curses's own handler notes it (the next get_wch() answers
 * KEY_RESIZE), and the wake-up pipe makes the main loop's poll() return to
 * read it. Without the pipe, a SIGWINCH that arrives after the loop read
 * its keys and before it polls would wait for the poll's timeout. */
static struct sigaction curses_winch;

static void on_winch(int sig)
{
    int saved = errno;
    if (curses_winch.sa_flags & SA_SIGINFO) {
        if (curses_winch.sa_sigaction)
            curses_winch.sa_sigaction(sig, NULL, NULL);
    } else if (curses_winch.sa_handler != SIG_DFL && curses_winch.sa_handler != SIG_IGN) {
        curses_winch.sa_handler(sig);
    }
    wake_main_loop("w");
    errno = saved;
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
static void on_fatal_signal(int sig)
{
    /* Best effort: a crash must not leave the terminal in raw mode. */
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

int term_quit_signal(void)
{
    return quit_signal;
}

void term_signals(int wake_fd)
{
    struct sigaction sa;
    signal_wake_fd = wake_fd;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_quit_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
#endif
}

static short next_pair = 1;

static short mkpair(short fg, short bg)
{
    short p = next_pair;
    if (p >= COLOR_PAIRS || init_pair(p, fg, bg) == ERR)
        return 0;
    next_pair++;
    return p;
}

static void set_el(enum elem e, attr_t a, short pair, attr_t asel, short psel)
{
    term_theme.el[e][0] = (struct style){a, pair};
    term_theme.el[e][1] = (struct style){asel, psel};
}

static void theme_mono(void)
{
    term_theme.color = false;
    set_el(EL_TEXT, A_NORMAL, 0, A_REVERSE, 0);
    set_el(EL_DIM, A_NORMAL, 0, A_REVERSE, 0);
    set_el(EL_NAME, A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    set_el(EL_IN, A_NORMAL, 0, A_REVERSE, 0);
    set_el(EL_OUT, A_NORMAL, 0, A_REVERSE, 0);
    set_el(EL_MATCH, A_UNDERLINE | A_BOLD, 0, A_REVERSE | A_UNDERLINE | A_BOLD, 0);
    set_el(EL_CTRL, A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    set_el(EL_HEADER, A_REVERSE | A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    set_el(EL_HEADER_DIM, A_REVERSE, 0, A_REVERSE, 0);
    set_el(EL_STATUS, A_REVERSE, 0, A_REVERSE, 0);
    set_el(EL_STATUS_WARN, A_REVERSE | A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    set_el(EL_PROMPT, A_BOLD, 0, A_BOLD, 0);
    set_el(EL_ERROR, A_BOLD, 0, A_BOLD, 0);
}

static void theme_256(void)
{
    const short SEL = 237;
    short p;
    term_theme.color = true;
    set_el(EL_TEXT, A_NORMAL, 0, A_NORMAL, mkpair(-1, SEL));
    set_el(EL_DIM, A_NORMAL, mkpair(245, -1), A_NORMAL, mkpair(250, SEL));
    set_el(EL_NAME, A_BOLD, 0, A_BOLD, term_theme.el[EL_TEXT][1].pair);
    set_el(EL_IN, A_NORMAL, mkpair(73, -1), A_NORMAL, mkpair(80, SEL));
    set_el(EL_OUT, A_NORMAL, mkpair(141, -1), A_NORMAL, mkpair(183, SEL));
    p = mkpair(16, 220);
    set_el(EL_MATCH, A_BOLD, p, A_BOLD, p);
    set_el(EL_CTRL, A_BOLD, mkpair(203, -1), A_BOLD, mkpair(210, SEL));
    p = mkpair(255, 24);
    set_el(EL_HEADER, A_BOLD, p, A_BOLD, p);
    p = mkpair(153, 24);
    set_el(EL_HEADER_DIM, A_NORMAL, p, A_NORMAL, p);
    p = mkpair(252, 236);
    set_el(EL_STATUS, A_NORMAL, p, A_NORMAL, p);
    p = mkpair(214, 236);
    set_el(EL_STATUS_WARN, A_BOLD, p, A_BOLD, p);
    set_el(EL_PROMPT, A_BOLD, 0, A_BOLD, 0);
    p = mkpair(203, -1);
    set_el(EL_ERROR, A_BOLD, p, A_BOLD, p);
}

static void theme_8(void)
{
    short p;
    term_theme.color = true;
    set_el(EL_TEXT, A_NORMAL, 0, A_REVERSE, 0);
    set_el(EL_DIM, A_DIM, 0, A_REVERSE, 0);
    set_el(EL_NAME, A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    p = mkpair(COLOR_CYAN, -1);
    set_el(EL_IN, A_NORMAL, p, A_REVERSE, p);
    p = mkpair(COLOR_MAGENTA, -1);
    set_el(EL_OUT, A_NORMAL, p, A_REVERSE, p);
    p = mkpair(COLOR_BLACK, COLOR_YELLOW);
    set_el(EL_MATCH, A_NORMAL, p, A_NORMAL, p);
    p = mkpair(COLOR_RED, -1);
    set_el(EL_CTRL, A_BOLD, p, A_BOLD | A_REVERSE, p);
    p = mkpair(COLOR_WHITE, COLOR_BLUE);
    set_el(EL_HEADER, A_BOLD, p, A_BOLD, p);
    p = mkpair(COLOR_CYAN, COLOR_BLUE);
    set_el(EL_HEADER_DIM, A_NORMAL, p, A_NORMAL, p);
    set_el(EL_STATUS, A_REVERSE, 0, A_REVERSE, 0);
    set_el(EL_STATUS_WARN, A_REVERSE | A_BOLD, 0, A_REVERSE | A_BOLD, 0);
    set_el(EL_PROMPT, A_BOLD, 0, A_BOLD, 0);
    p = mkpair(COLOR_RED, -1);
    set_el(EL_ERROR, A_BOLD, p, A_BOLD, p);
}

bool term_usable(char *why, size_t len)
{
    const char *term = getenv("TERM");
    int err = 0;
    if (!term || !*term) {
        snprintf(why, len, "TERM is not set; convo needs a full-screen terminal (for example TERM=xterm-256color)");
        return false;
    }
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(why, len, "unknown terminal type TERM=%.60s; convo needs a full-screen terminal (for example TERM=xterm-256color)",
                 term);
        return false;
    }
    /* Without cursor addressing (TERM=dumb, an emacs shell) curses can
     * draw nothing but a stream of lines. */
    const char *cup = tigetstr("cup");
    bool ok = cup && cup != (char *)-1 && tigetflag("hc") <= 0;
    del_curterm(cur_term);
    if (!ok)
        snprintf(why, len, "the terminal (TERM=%.60s) cannot move the cursor; convo needs a full-screen terminal (for example TERM=xterm-256color)",
                 term);
    return ok;
}

void term_init(bool mouse)
{
    const char *no_color = getenv("NO_COLOR");
    const char *cs = nl_langinfo(CODESET);

    term_theme.utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        die("needs a terminal on standard input and output");
    if (!initscr())
        die("cannot initialise the terminal");
    curses_active = 1;
    /* After initscr(), which installs curses's handler: ours calls it. */
    struct sigaction winch;
    memset(&winch, 0, sizeof winch);
    sigemptyset(&winch.sa_mask);
    winch.sa_handler = on_winch;
    winch.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &winch, &curses_winch);
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    leaveok(stdscr, TRUE);

    if (no_color && *no_color) {
        theme_mono();
    } else if (has_colors() && start_color() != ERR && use_default_colors() != ERR) {
        if (COLORS >= 256)
            theme_256();
        else
            theme_8();
    } else {
        theme_mono();
    }
    if (mouse) {
        mouseinterval(0);
        mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
    }
}

void term_style(enum elem e, bool sel)
{
    const struct style *s = &term_theme.el[e][sel ? 1 : 0];
    attr_set(s->attr, s->pair, NULL);
}

void term_fill(int y, int x, int w, enum elem e, bool sel)
{
    if (w <= 0)
        return;
    term_style(e, sel);
    move(y, x);
    for (int i = 0; i < w; i++)
        addch(' ');
}

/* Program text is UTF-8 whatever the locale; without a UTF-8 terminal its
 * few symbols get ASCII stand-ins. */
static wchar_t ascii_standin(wchar_t wc)
{
    switch (wc) {
    case 0x00b7: return L'-';    /* middle dot */
    case 0x2026: return L'~';    /* ellipsis */
    case 0x201c: case 0x201d: return L'"';
    case 0x2190: return L'<';
    case 0x2191: return L'^';
    case 0x2192: return L'>';
    case 0x2193: return L'v';
    case 0x25b6: return L'>';
    case 0x2500: return L'-';
    case 0x2502: return L'|';
    default: return L'?';
    }
}

/* One character of s (len bytes left) into *out: its length, or 1 with '?'
 * for a byte that does not start a well-formed character. */
static size_t utf8_decode(const unsigned char *s, size_t len, wchar_t *out)
{
    uint32_t c;
    size_t n = core_utf8_next(s, len, &c);
    if (n == 0) {
        *out = L'?';
        return 1;
    }
    *out = (wchar_t)c;
    return n;
}

int term_put(int y, int x, int w, const char *s, enum elem e, bool sel)
{
    int used = 0;
    size_t len = strlen(s);
    term_style(e, sel);
    move(y, x);
    while (len > 0 && used < w) {
        wchar_t wc;
        size_t k = utf8_decode((const unsigned char *)s, len, &wc);
        if (wc >= 0x80 && !term_theme.utf8)
            wc = ascii_standin(wc);
        int cw = wcwidth(wc);
        if (cw < 0)
            cw = 1, wc = L'?';
        if (used + cw > w)
            break;
        wchar_t one[2] = {wc, 0};
        addwstr(one);
        used += cw;
        s += k;
        len -= k;
    }
    return used;
}

/* OSC 52: the terminal puts the text on the system clipboard; it works over
 * SSH and inside tmux (set-clipboard on). Base64 keeps the untrusted text
 * from ever reaching the terminal as control characters. */
bool term_copy(const char *text, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t out_len = 4 * ((len + 2) / 3);
    char *buf = core_xmalloc(out_len + 16);
    size_t o = 0;
    memcpy(buf, "\033]52;c;", 7);
    o = 7;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)text[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)(unsigned char)text[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)text[i + 2];
        buf[o++] = b64[(v >> 18) & 63];
        buf[o++] = b64[(v >> 12) & 63];
        buf[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
        buf[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    buf[o++] = '\a';
    bool ok = true;
    for (size_t w = 0; w < o;) {
        ssize_t n = write(STDOUT_FILENO, buf + w, o - w);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        w += (size_t)n;
    }
    free(buf);
    return ok;
}

/* tui/text.c - untrusted text from the database made safe for the screen.
 *
 * Every string is decoded into cells: one cell per screen character, with
 * its width from wcwidth and combining marks attached to the character they
 * modify. Control characters (ESC among them), C1 controls, bidirectional
 * overrides and undecodable bytes become visible escapes such as ^[ or <9b>,
 * so nothing from a message ever reaches the terminal as a command. */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "lib.h"

static void cells_push(struct cells *c, wchar_t wc, int width, int kind)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = core_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    struct cell *cell = &c->v[c->n++];
    memset(cell->wc, 0, sizeof cell->wc);
    cell->wc[0] = wc;
    cell->width = (uint8_t)width;
    cell->kind = (uint8_t)kind;
    cell->cont = 0;
}

static void cells_push_ascii(struct cells *c, const char *s, int kind)
{
    for (const char *p = s; *p; p++) {
        cells_push(c, (wchar_t)(unsigned char)*p, 1, kind);
        c->v[c->n - 1].cont = p != s;   /* one escape: shown whole or not at all */
    }
}

void text_cells_free(struct cells *c)
{
    free(c->v);
    memset(c, 0, sizeof *c);
}

/* Undecodable bytes are kept apart from real characters in this range. */
#define RAW_BYTE_BASE 0x110000

void text_hl_free(struct hl *hl)
{
    for (size_t i = 0; i < hl->n; i++) {
        free(hl->words[i].w);
        free(hl->words[i].digits);
    }
    free(hl->words);
    memset(hl, 0, sizeof *hl);
}

/* The word may match a phone number by its digits alone: only digits and
 * + - ( ) . space, at least one digit (core_digits_pattern in core/lib.h,
 * the README's Assumptions). */
static bool phone_like(const wchar_t *w, size_t n)
{
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        if (w[i] >= L'0' && w[i] <= L'9')
            digit = true;
        else if (!wcschr(L"+-(). ", w[i]))
            return false;
    }
    return digit;
}

/* The longest text unaccent puts for one character, in characters. */
#define FOLD_MAX 8

/* wc lowered, and first folded as search folds it when fold is set: the
 * characters written to out (none for a mark unaccent drops). */
static size_t fold_wc(wchar_t wc, bool fold, wchar_t out[FOLD_MAX])
{
    const char *to = fold && wc > 0x7f && wc < RAW_BYTE_BASE
                         ? core_unaccent_char((uint32_t)wc) : NULL;
    if (!to) {
        out[0] = wc >= RAW_BYTE_BASE ? wc : (wchar_t)towlower((wint_t)wc);
        return 1;
    }
    size_t n = 0;
    for (const unsigned char *t = (const unsigned char *)to; *t && n < FOLD_MAX;) {
        uint32_t c;
        size_t len = core_utf8_decode(t, &c);
        if (!len)
            break;
        out[n++] = (wchar_t)towlower((wint_t)c);
        t += len;
    }
    return n;
}

/* One word decoded, folded unless it has accents, lowered. */
static void word_set(struct hl_word *hw, const char *word)
{
    size_t len = strlen(word);
    hw->exact = core_has_accents(word);
    hw->w = core_xmalloc((len * FOLD_MAX + 1) * sizeof(wchar_t));
    wchar_t *raw = core_xmalloc((len + 1) * sizeof(wchar_t));
    size_t nraw = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (const char *s = word; len > 0;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            wc = (wchar_t)(unsigned char)*s;
            k = 1;
            memset(&st, 0, sizeof st);
        }
        raw[nraw++] = (wchar_t)towlower((wint_t)wc);
        hw->n += fold_wc(wc, !hw->exact, hw->w + hw->n);
        s += k;
        len -= k;
    }
    if (phone_like(raw, nraw)) {
        hw->digits = core_xmalloc((nraw + 1) * sizeof(wchar_t));
        for (size_t i = 0; i < nraw; i++)
            if (raw[i] >= L'0' && raw[i] <= L'9')
                hw->digits[hw->nd++] = raw[i];
    }
    free(raw);
}

void text_hl_set(struct hl *hl, const char *term)
{
    text_hl_free(hl);
    if (!term || !*term)
        return;
    size_t n;
    char **words = core_term_words(term, &n);
    if (!words)
        return;
    hl->words = core_xcalloc(n ? n : 1, sizeof *hl->words);
    for (size_t i = 0; i < n; i++) {
        if (!*words[i])
            continue;
        struct hl_word *hw = &hl->words[hl->n];
        word_set(hw, words[i]);
        if (hw->n || hw->nd)
            hl->n++;
        else
            free(hw->w), free(hw->digits), memset(hw, 0, sizeof *hw);
    }
    core_term_words_free(words, n);
}

/* A text lowered and folded, each character with the index in the text it
 * came from. */
struct folded {
    wchar_t *w;
    size_t *from, n;
};

static void folded_build(struct folded *f, const wchar_t *w, size_t n)
{
    f->w = core_xmalloc((n * FOLD_MAX + 1) * sizeof *f->w);
    f->from = core_xmalloc((n * FOLD_MAX + 1) * sizeof *f->from);
    f->n = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = fold_wc(w[i], true, f->w + f->n);
        for (size_t j = 0; j < k; j++)
            f->from[f->n + j] = i;
        f->n += k;
    }
}

/* Marks the characters of one word's matches in hay (n characters, each
 * from[i] of the text, or itself when from is NULL; lowered on the fly when
 * lower is set); true when there was one. A match that begins or ends
 * inside what one character folded to marks the whole character. */
static bool mark_word(const wchar_t *hay, const size_t *from, size_t n, bool lower,
                      const struct hl_word *hw, bool *mask)
{
    bool any = false;
    if (hw->n == 0 || n < hw->n)
        return false;
    for (size_t i = 0; i + hw->n <= n; i++) {
        size_t j = 0;
        while (j < hw->n &&
               (lower ? (wchar_t)towlower((wint_t)hay[i + j]) : hay[i + j]) == hw->w[j])
            j++;
        if (j == hw->n) {
            size_t a = from ? from[i] : i, b = from ? from[i + hw->n - 1] : i + hw->n - 1;
            for (size_t k = a; k <= b; k++)
                mask[k] = true;
            any = true;
            i += hw->n - 1;
        }
    }
    return any;
}

/* The digits of the word among the digits of the number, skipping the
 * punctuation between them; true when they are there. */
static bool mark_digits(const wchar_t *w, size_t n, const struct hl_word *hw, bool *mask)
{
    bool any = false;
    size_t *pos = core_xmalloc((n + 1) * sizeof *pos), nd = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] >= L'0' && w[i] <= L'9')
            pos[nd++] = i;
    for (size_t i = 0; i + hw->nd <= nd; i++) {
        size_t j = 0;
        while (j < hw->nd && w[pos[i + j]] == hw->digits[j])
            j++;
        if (j == hw->nd) {
            for (size_t k = pos[i]; k <= pos[i + hw->nd - 1]; k++)
                mask[k] = true;
            any = true;
            break;
        }
    }
    free(pos);
    return any;
}

/* Marks in mask[] the characters of w that belong to a match of a word of
 * hl: words with accents in the text as written, the others in the text
 * folded; a phone-like word that matched nothing by its digits. Bit i of
 * the answer: word i matched (the words past 64 count as matched). */
static uint64_t mark_matches(const wchar_t *w, size_t n, const struct hl *hl,
                             bool phone, bool *mask)
{
    uint64_t found = 0;
    if (!hl || hl->n == 0)
        return found;
    struct folded f = {0};
    for (size_t i = 0; i < hl->n; i++) {
        const struct hl_word *hw = &hl->words[i];
        bool any;
        if (hw->exact) {
            any = mark_word(w, NULL, n, true, hw, mask);
        } else {
            if (!f.w)
                folded_build(&f, w, n);
            any = mark_word(f.w, f.from, f.n, false, hw, mask);
        }
        if (!any && phone && hw->nd)
            any = mark_digits(w, n, hw, mask);
        if (any && i < 64)
            found |= UINT64_C(1) << i;
    }
    free(f.w);
    free(f.from);
    return found;
}

uint64_t text_hl_all(const struct hl *hl)
{
    size_t n = hl ? hl->n : 0;
    return n < 64 ? (UINT64_C(1) << n) - 1 : ~UINT64_C(0);
}

static wchar_t *decode(const char *s, size_t len, size_t *n);

/* Which words of hl occur in s. */
uint64_t text_hl_found(const struct hl *hl, const char *s, bool phone)
{
    if (!hl || hl->n == 0 || !s)
        return 0;
    size_t n;
    wchar_t *w = decode(s, strlen(s), &n);
    bool *mask = core_xcalloc(n + 1, sizeof *mask);
    uint64_t found = mark_matches(w, n, hl, phone, mask);
    free(mask);
    free(w);
    return found;
}

static bool is_bidi_control(wchar_t wc)
{
    return (wc >= 0x202A && wc <= 0x202E) || (wc >= 0x2066 && wc <= 0x2069) ||
           wc == 0x200E || wc == 0x200F || wc == 0x061C;
}

/* How far into a one-line text a match is looked for. */
#define EXCERPT_MAX_COLS 4000

/* How the screen shows wc when it does not draw it as itself: its escape,
 * ASCII, in esc; NULL when it draws it (newline and tab are the callers'). */
static const char *visible_escape(wchar_t wc, char esc[16])
{
    if (wc >= RAW_BYTE_BASE)
        snprintf(esc, 16, "\\x%02x", (unsigned)(wc - RAW_BYTE_BASE));
    else if (wc < 0x20 || wc == 0x7f)
        snprintf(esc, 16, "^%c", (char)(wc ^ 0x40));
    else if (wc >= 0x80 && wc < 0xa0)
        snprintf(esc, 16, "<%02x>", (unsigned)wc);
    else if (is_bidi_control(wc) || (wc != 0x200D && wcwidth(wc) < 0))
        snprintf(esc, 16, "<U+%04X>", (unsigned)wc);
    else
        return NULL;
    return esc;
}

/* s decoded into n wide characters, an undecodable byte as RAW_BYTE_BASE
 * + byte; at most len bytes of it. Caller frees. */
static wchar_t *decode(const char *s, size_t len, size_t *n)
{
    wchar_t *w = core_xmalloc((len + 1) * sizeof *w);
    mbstate_t st;
    memset(&st, 0, sizeof st);
    *n = 0;
    while (len > 0) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, len, &st);
        if (k == (size_t)-2)
            break;   /* cut inside a character by the caller's limit */
        if (k == (size_t)-1 || k == 0) {
            wc = (wchar_t)(RAW_BYTE_BASE + (unsigned char)*s);
            k = 1;
            memset(&st, 0, sizeof st);
        }
        w[(*n)++] = wc;
        s += k;
        len -= k;
    }
    return w;
}

char *text_visible(const char *s, size_t *escaped)
{
    size_t n;
    wchar_t *w = decode(s ? s : "", s ? strlen(s) : 0, &n);
    /* Each character at most 8 bytes as an escape, MB_CUR_MAX as itself. */
    size_t per = MB_CUR_MAX > 8 ? MB_CUR_MAX : 8;
    char *out = core_xmalloc(n * per + 1), *o = out;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    *escaped = 0;
    for (size_t i = 0; i < n; i++) {
        char esc[16];
        const char *e = w[i] == L'\n' ? NULL : visible_escape(w[i], esc);
        if (e) {
            size_t k = strlen(e);
            memcpy(o, e, k);
            o += k;
            (*escaped)++;
            continue;
        }
        size_t k = wcrtomb(o, w[i] == L'\t' ? L' ' : w[i], &st);
        if (k != (size_t)-1)
            o += k;
    }
    *o = '\0';
    free(w);
    return out;
}

uint64_t text_cells_build(struct cells *out, const char *s, const struct hl *hl,
                          unsigned flags, int max_cols)
{
    out->n = 0;
    if (!s)
        s = "";
    size_t len = strlen(s);
    /* A list row shows one screen line: decoding more is wasted work. */
    if (max_cols > 0 && len > (size_t)max_cols * 4 + 16)
        len = (size_t)max_cols * 4 + 16;
    size_t n;
    wchar_t *w = decode(s, len, &n);
    bool *mask = core_xcalloc(n + 1, sizeof *mask);
    uint64_t found = mark_matches(w, n, hl, flags & TEXT_PHONE, mask);

    int cols = 0;
    for (size_t i = 0; i < n; i++) {
        wchar_t wc = w[i];
        int kind = mask[i] ? CK_MATCH : CK_TEXT;
        char esc[16];
        if (max_cols > 0 && cols > max_cols)
            break;
        size_t before = out->n;
        if (wc == L'\n') {
            if (flags & TEXT_ONELINE)
                cells_push(out, term_theme.utf8 ? 0x21B5 : L'|', 1, CK_CTRL);
            else
                cells_push(out, 0, 0, CK_BREAK);
        } else if (wc == L'\t') {
            cells_push(out, L' ', 1, kind);
        } else if (visible_escape(wc, esc)) {
            cells_push_ascii(out, esc, CK_CTRL);
        } else if (wc == 0x200D) {
            /* Zero-width joiner: terminals disagree on joined emoji widths,
             * so the parts are shown side by side and columns stay true. */
        } else {
            int cw = wcwidth(wc);
            if (cw == 0) {
                if (out->n > 0 && out->v[out->n - 1].kind != CK_CTRL &&
                    out->v[out->n - 1].kind != CK_BREAK) {
                    struct cell *prev = &out->v[out->n - 1];
                    size_t k = 1;
                    while (k < CCHARW_MAX && prev->wc[k])
                        k++;
                    if (k < CCHARW_MAX)
                        prev->wc[k] = wc;
                }
            } else {
                cells_push(out, wc, cw, kind);
            }
        }
        for (size_t j = before; j < out->n; j++)
            cols += out->v[j].width;
    }
    free(mask);
    free(w);
    return found;
}

int text_cells_width(const struct cells *c, size_t from, size_t to)
{
    int w = 0;
    for (size_t i = from; i < to && i < c->n; i++)
        w += c->v[i].width;
    return w;
}

static void cell_put(const struct cell *cell, enum elem base, bool sel)
{
    enum elem e = base;
    if (cell->kind == CK_MATCH)
        e = EL_MATCH;
    else if (cell->kind == CK_CTRL)
        e = EL_CTRL;
    const struct style *s = &term_theme.el[e][sel ? 1 : 0];
    cchar_t cc;
    /* add_wch merges the window's attributes into a cell without a colour
     * pair of its own: set them, or the previous column's colour leaks. */
    attr_set(s->attr, s->pair, NULL);
    if (setcchar(&cc, cell->wc, s->attr, s->pair, NULL) == ERR) {
        wchar_t q[2] = {L'?', 0};
        setcchar(&cc, q, s->attr, s->pair, NULL);
    }
    add_wch(&cc);
}

int text_cells_draw(int y, int x, int w, const struct cells *c, size_t from,
                    size_t to, enum elem base, bool sel)
{
    if (to > c->n)
        to = c->n;
    if (w <= 0)
        return 0;
    int total = text_cells_width(c, from, to);
    int limit = total > w ? w - 1 : w;
    int used = 0;
    /* Where the cut falls; never inside a visible escape such as
     * <U+202E>, which would then read as something else. */
    size_t end = from;
    for (int u = 0; end < to; end++) {
        if (c->v[end].kind == CK_BREAK)
            continue;
        if (u + c->v[end].width > limit)
            break;
        u += c->v[end].width;
    }
    if (end < to)
        while (end > from && c->v[end].cont)
            end--;
    move(y, x);
    for (size_t i = from; i < end; i++) {
        const struct cell *cell = &c->v[i];
        if (cell->kind == CK_BREAK)
            continue;
        cell_put(cell, base, sel);
        used += cell->width;
    }
    if (total > w) {
        term_style(base, sel);
        while (used < w - 1) {
            addch(' ');
            used++;
        }
        wchar_t ell[2] = {term_theme.utf8 ? 0x2026 : L'~', 0};
        addwstr(ell);
        used++;
    }
    return used;
}

/* Where an excerpt should start so that the first match, which lies past
 * what w columns show, is seen: a little context before it, from a word's
 * start when there is one. 0 when the start of the text shows it. */
static size_t excerpt_from(const struct cells *c, int w)
{
    size_t m = 0;
    while (m < c->n && c->v[m].kind != CK_MATCH)
        m++;
    if (m == c->n)
        return 0;
    size_t end = m;
    while (end < c->n && c->v[end].kind == CK_MATCH)
        end++;
    int total = text_cells_width(c, 0, c->n);
    if (text_cells_width(c, 0, end) <= (total > w ? w - 1 : w))
        return 0;
    int context = w / 4 < 12 ? w / 4 : 12;
    size_t from = m, word = m;
    int used = 0;
    while (from > 0 && used + c->v[from - 1].width <= context) {
        from--;
        used += c->v[from].width;
        if (from > 0 && c->v[from - 1].wc[0] == L' ')
            word = from;
    }
    if (word < m && word > from)
        from = word;
    while (from < m && c->v[from].cont)
        from++;   /* never start inside a visible escape */
    return from;
}

/* How far into a text a match beyond the first window is looked for. */
#define FAR_MATCH_BYTES (1 << 20)

/* The last characters a word was compared with, each with the byte of the
 * text it came from. */
struct ring {
    wchar_t win[256];
    const char *at[256];
    size_t seen;
};

/* c, from the character at p, enters hw's ring; true when the ring now
 * holds hw (then *start is where that match began). */
static bool ring_push(struct ring *r, const struct hl_word *hw, wchar_t c, const char *p,
                      const char **start)
{
    size_t n = hw->n;
    r->win[r->seen % n] = c;
    r->at[r->seen % n] = p;
    r->seen++;
    /* The oldest of the last n characters sits at seen % n. */
    size_t o = r->seen % n;
    if (r->seen >= n && r->win[(r->seen - 1) % n] == hw->w[n - 1] &&
        wmemcmp(r->win + o, hw->w, n - o) == 0 && wmemcmp(r->win, hw->w + (n - o), o) == 0) {
        *start = r->at[o];
        return true;
    }
    return false;
}

/* The first byte of the first match of a word of hl in s (same rule as
 * mark_matches: character by character, lowered, folded for words without
 * accents), or NULL. A ring of the last characters per word, so no copy of
 * a long text is made and each character costs the same whatever the
 * words' lengths. */
static const char *far_match(const char *s, const struct hl *hl)
{
    if (!hl || hl->n == 0)
        return NULL;
    struct ring *rings = core_xcalloc(hl->n, sizeof *rings);
    const char *found = NULL;
    size_t len = strnlen(s, FAR_MATCH_BYTES);
    mbstate_t st;
    memset(&st, 0, sizeof st);
    const char *p = s;
    while (len > 0 && !found) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, p, len, &st);
        if (k == (size_t)-2)
            break;
        if (k == (size_t)-1 || k == 0) {
            wc = (wchar_t)(RAW_BYTE_BASE + (unsigned char)*p);
            k = 1;
            memset(&st, 0, sizeof st);
        }
        wchar_t raw[FOLD_MAX], folded[FOLD_MAX];
        size_t nraw = fold_wc(wc, false, raw), nfolded = fold_wc(wc, true, folded);
        for (size_t i = 0; i < hl->n && !found; i++) {
            const struct hl_word *hw = &hl->words[i];
            if (hw->n == 0 || hw->n > 256)
                continue;
            const wchar_t *c = hw->exact ? raw : folded;
            size_t nc = hw->exact ? nraw : nfolded;
            for (size_t j = 0; j < nc && !found; j++)
                if (ring_push(&rings[i], hw, c[j], p, &found))
                    break;
        }
        p += k;
        len -= k;
    }
    free(rings);
    return found;
}

int text_draw(int y, int x, int w, const char *s, const struct hl *hl,
              unsigned flags, enum elem base, bool sel)
{
    static struct cells c;   /* main thread only: reused to spare malloc */
    if (!hl || hl->n == 0 || w < 8 || (flags & TEXT_NOEXCERPT)) {
        text_cells_build(&c, s, hl, flags | TEXT_ONELINE, w);
        return text_cells_draw(y, x, w, &c, 0, c.n, base, sel);
    }
    /* A match may lie past the width: decode enough to find it (like fzf,
     * the row then shows an excerpt around it). */
    text_cells_build(&c, s, hl, flags | TEXT_ONELINE, EXCERPT_MAX_COLS);
    bool seen = false;
    for (size_t i = 0; i < c.n && !seen; i++)
        seen = c.v[i].kind == CK_MATCH;
    const char *far;
    if (!seen && strnlen(s, EXCERPT_MAX_COLS + 1) > (size_t)EXCERPT_MAX_COLS &&
        (far = far_match(s, hl)) != NULL) {
        /* Past the first window: decode from a little before it, at a
         * character boundary. */
        const char *start = far - (far - s > 64 ? 64 : far - s);
        while (start < far && ((unsigned char)*start & 0xc0) == 0x80)
            start++;
        text_cells_build(&c, start, hl, flags | TEXT_ONELINE, EXCERPT_MAX_COLS);
        size_t from = excerpt_from(&c, w);
        wchar_t ell[2] = {term_theme.utf8 ? 0x2026 : L'~', 0};
        term_style(base, sel);
        mvaddwstr(y, x, ell);
        return 1 + text_cells_draw(y, x + 1, w - 1, &c, from, c.n, base, sel);
    }
    size_t from = excerpt_from(&c, w);
    if (from == 0)
        return text_cells_draw(y, x, w, &c, 0, c.n, base, sel);
    wchar_t ell[2] = {term_theme.utf8 ? 0x2026 : L'~', 0};
    term_style(base, sel);
    mvaddwstr(y, x, ell);
    return 1 + text_cells_draw(y, x + 1, w - 1, &c, from, c.n, base, sel);
}

size_t text_cells_wrap(const struct cells *c, int w, size_t **lines, size_t *nlines,
                       size_t *cap)
{
    size_t start = 0, count = 0;
    if (w < 1)
        w = 1;
    while (start <= c->n) {
        size_t i = start, last_space = (size_t)-1;
        int used = 0;
        bool hard = false;
        while (i < c->n) {
            const struct cell *cell = &c->v[i];
            if (cell->kind == CK_BREAK) {
                hard = true;
                break;
            }
            if (used + cell->width > w)
                break;
            if (cell->wc[0] == L' ')
                last_space = i;
            used += cell->width;
            i++;
        }
        size_t end = i, next = i;
        if (hard) {
            next = i + 1;
        } else if (i < c->n) {
            if (last_space != (size_t)-1 && last_space > start) {
                end = last_space;
                next = last_space + 1;
            } else if (i == start) {
                end = next = i + 1;   /* a cell wider than the line */
            }
        }
        if (*nlines + 2 > *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *lines = core_xrealloc(*lines, *cap * sizeof **lines);
        }
        (*lines)[(*nlines)++] = start;
        (*lines)[(*nlines)++] = end;
        count++;
        if (next >= c->n && !hard)
            break;
        if (hard && next >= c->n)
            break;
        start = next;
    }
    return count;
}

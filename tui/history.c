/* tui/history.c - the search box's history: Up and Down recall earlier
 * terms, of this session and of earlier ones. Kept in
 * $XDG_STATE_HOME/convo/history (default ~/.local/state/convo/history), one
 * term a line, the newest last, at most HISTORY_MAX; a term holding a
 * control character is never stored, and such lines are skipped when read. */
#include "history.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

#define HISTORY_MAX 200
#define HISTORY_LINE (CORE_TERM_MAX_CHARS * 4 + 2)

static char *terms[HISTORY_MAX];
static size_t nterms;
static bool loaded;
static size_t pos;               /* recall position; nterms = the new term */
static struct prompt draft;      /* what was typed before recalling */

static bool history_dir(char *out, size_t len)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (state && state[0] == '/')
        n = snprintf(out, len, "%s/convo", state);
    else if (home && *home)
        n = snprintf(out, len, "%s/.local/state/convo", home);
    else
        return false;
    return n > 0 && (size_t)n < len;
}

static bool clean(const char *s)
{
    if (!*s || core_term_check(s) != CORE_OK)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static void push(const char *t)
{
    for (size_t i = 0; i < nterms; i++) {
        if (strcmp(terms[i], t) == 0) {   /* once, at its latest place */
            free(terms[i]);
            memmove(terms + i, terms + i + 1, (nterms - i - 1) * sizeof *terms);
            nterms--;
            break;
        }
    }
    if (nterms == HISTORY_MAX) {
        free(terms[0]);
        memmove(terms, terms + 1, (nterms - 1) * sizeof *terms);
        nterms--;
    }
    terms[nterms++] = core_xstrdup(t);
}

static void load(void)
{
    char path[4096], line[HISTORY_LINE];
    loaded = true;
    if (!history_dir(path, sizeof path - 16))
        return;
    strcat(path, "/history");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = 0;
        else if (!feof(f))
            continue;   /* too long: not a term */
        if (clean(line))
            push(line);
    }
    fclose(f);
}

/* Written whole to a temporary file, then renamed: never half a file. */
static void save(void)
{
    char dir[4096], path[4200], tmp[4300];
    if (!history_dir(dir, sizeof dir))
        return;
    /* mkdir -p of the state directory, private. */
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return;
    snprintf(path, sizeof path, "%s/history", dir);
    snprintf(tmp, sizeof tmp, "%s/history.%ld", dir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    for (size_t i = 0; i < nterms; i++)
        fprintf(f, "%s\n", terms[i]);
    if (fclose(f) == 0)
        rename(tmp, path);
    else
        unlink(tmp);
}

void history_reset(void)
{
    if (!loaded)
        load();
    pos = nterms;
}

void history_add(const struct prompt *p)
{
    char t[CORE_TERM_MAX_CHARS * 4 + 1];
    prompt_utf8(p, t, sizeof t);
    if (!loaded)
        load();
    if (!clean(t))
        return;
    /* Another convo may have added terms meanwhile: theirs are kept. */
    for (size_t i = 0; i < nterms; i++)
        free(terms[i]);
    nterms = 0;
    load();
    push(t);
    save();
    pos = nterms;
}

bool history_recall(struct prompt *p, int dir)
{
    if (!loaded)
        load();
    if (pos > nterms)
        pos = nterms;
    if (dir < 0 && pos == 0)
        return false;
    if (dir > 0 && pos >= nterms)
        return false;
    if (pos == nterms)
        draft = *p;    /* Down past the newest gives it back */
    pos = dir < 0 ? pos - 1 : pos + 1;
    if (pos == nterms) {
        p->len = draft.len;
        memcpy(p->buf, draft.buf, draft.len * sizeof *p->buf);
        p->pos = p->len;
    } else {
        prompt_set_utf8(p, terms[pos]);
    }
    return true;
}

void history_free(void)
{
    for (size_t i = 0; i < nterms; i++)
        free(terms[i]);
    nterms = 0;
    loaded = false;
}

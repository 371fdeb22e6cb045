/* core/redact.c - keeping passwords out of messages.
 *
 * libpq quotes pieces of a conninfo it cannot parse ("invalid
 * percent-encoded token", an unterminated IPv6 address) and those pieces may
 * hold the password. A malformed conninfo has no reliable parse, so this
 * reads it leniently and over-redacts: every stretch that could be a
 * password under any reading is a secret, each secret is also taken
 * percent-decoded and unescaped, every occurrence of a secret in the
 * message becomes "***", and so does every double-quoted piece of the
 * message that shares four characters (or a whole short secret) with one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define MASK "***"
#define MAX_SECRETS 64

struct secrets {
    char *s[MAX_SECRETS];
    size_t n;
};

static void add_secret(struct secrets *sec, const char *p, size_t len)
{
    if (len == 0 || sec->n == MAX_SECRETS)
        return;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, p, len);
    copy[len] = '\0';
    for (size_t i = 0; i < sec->n; i++)
        if (strcmp(sec->s[i], copy) == 0) {
            free(copy);
            return;
        }
    sec->s[sec->n++] = copy;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The secret as written, percent-decoded (valid %XX only), and with
 * backslash escapes removed (quoted key/value form). */
static void add_forms(struct secrets *sec, const char *p, size_t len)
{
    add_secret(sec, p, len);
    char *dec = malloc(len + 1), *unesc = malloc(len + 1);
    if (dec && unesc) {
        size_t d = 0, u = 0;
        for (size_t i = 0; i < len; i++) {
            int hi, lo;
            if (p[i] == '%' && i + 2 < len && (hi = hex_value(p[i + 1])) >= 0
                && (lo = hex_value(p[i + 2])) >= 0 && (hi || lo)) {
                dec[d++] = (char)(hi << 4 | lo);
                i += 2;
            } else {
                dec[d++] = p[i];
            }
        }
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '\\' && i + 1 < len)
                i++;
            unesc[u++] = p[i];
        }
        add_secret(sec, dec, d);
        add_secret(sec, unesc, u);
    }
    free(dec);
    free(unesc);
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != *prefix)
            return false;
    return true;
}

/* URI form: from the first ':' of the authority to its last '@', and to its
 * first '@' when they differ (to the end when there is none: the user may
 * have forgotten it). */
static void find_uri_secret(const char *ci, struct secrets *sec)
{
    const char *rest = NULL;
    if (starts_with_ci(ci, "postgresql://"))
        rest = ci + 13;
    else if (starts_with_ci(ci, "postgres://"))
        rest = ci + 11;
    if (!rest)
        return;
    const char *colon = strchr(rest, ':');
    if (!colon)
        return;
    const char *at = strrchr(colon, '@'), *first = strchr(colon, '@');
    const char *end = at ? at : colon + strlen(colon);
    add_forms(sec, colon + 1, (size_t)(end - colon - 1));
    if (first && first != at)
        add_forms(sec, colon + 1, (size_t)(first - colon - 1));
}

/* Every "password = value" anywhere (key/value form or a URI query), in
 * any case: a quoted value to its closing quote or the end, a bare one to
 * the next blank or '&'. */
static void find_keyword_secrets(const char *ci, struct secrets *sec)
{
    for (const char *p = ci; *p; p++) {
        if (!starts_with_ci(p, "password"))
            continue;
        const char *v = p + 8;
        while (isspace((unsigned char)*v))
            v++;
        if (*v != '=')
            continue;
        v++;
        while (isspace((unsigned char)*v))
            v++;
        const char *end;
        if (*v == '\'') {
            v++;
            for (end = v; *end && *end != '\''; end++)
                if (*end == '\\' && end[1])
                    end++;
        } else {
            for (end = v; *end && !isspace((unsigned char)*end) && *end != '&'; end++)
                ;
        }
        add_forms(sec, v, (size_t)(end - v));
    }
}

/* True when s[0..len) shares a run of min(4, strlen(secret)) bytes with
 * the secret. */
static bool shares_run(const char *s, size_t len, const char *secret)
{
    size_t n = strlen(secret), k = n < 4 ? n : 4;
    for (size_t i = 0; i + k <= n; i++)
        for (size_t j = 0; j + k <= len; j++)
            if (memcmp(s + j, secret + i, k) == 0)
                return true;
    return false;
}

struct outbuf {
    char *p;
    size_t len, cap;
};

static void out_put(struct outbuf *o, const char *s, size_t n)
{
    if (!o->p)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            free(o->p);
            o->p = NULL;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* msg with every occurrence of every secret masked, leftmost first. */
static char *mask_secrets(const char *msg, const struct secrets *sec)
{
    struct outbuf o = {.p = malloc(64), .cap = 64};
    if (o.p)
        o.p[0] = '\0';
    for (const char *p = msg; *p;) {
        size_t hit = 0;
        for (size_t i = 0; i < sec->n; i++) {
            size_t n = strlen(sec->s[i]);
            if (n > hit && strncmp(p, sec->s[i], n) == 0)
                hit = n;
        }
        if (hit) {
            out_put(&o, MASK, 3);
            p += hit;
        } else {
            out_put(&o, p, 1);
            p++;
        }
    }
    return o.p;
}

/* Masks each "quoted piece" of msg that shares a run with a secret. */
static char *mask_quoted(const char *msg, const struct secrets *sec)
{
    struct outbuf o = {.p = malloc(64), .cap = 64};
    if (o.p)
        o.p[0] = '\0';
    const char *p = msg;
    for (;;) {
        const char *open = strchr(p, '"');
        if (!open) {
            out_put(&o, p, strlen(p));
            break;
        }
        const char *close = strchr(open + 1, '"');
        if (!close)
            close = open + 1 + strlen(open + 1);
        bool secret = false;
        for (size_t i = 0; i < sec->n && !secret; i++)
            secret = shares_run(open + 1, (size_t)(close - open - 1), sec->s[i]);
        out_put(&o, p, (size_t)(open + 1 - p));
        if (secret)
            out_put(&o, MASK, 3);
        else
            out_put(&o, open + 1, (size_t)(close - open - 1));
        if (!*close)
            break;
        out_put(&o, "\"", 1);
        p = close + 1;
    }
    return o.p;
}

void core_conninfo_redact(const char *conninfo, const char *msg, char *out,
                          size_t outlen)
{
    if (!out || !outlen)
        return;
    if (!msg)
        msg = "";
    struct secrets sec = {0};
    if (conninfo) {
        find_uri_secret(conninfo, &sec);
        find_keyword_secrets(conninfo, &sec);
    }
    char *masked = mask_secrets(msg, &sec);
    char *quoted = masked ? mask_quoted(masked, &sec) : NULL;
    /* Out of memory: say nothing rather than risk the secret. */
    snprintf(out, outlen, "%s", quoted ? quoted : sec.n ? MASK : msg);
    /* A cut may not leave the first bytes of a secret at the end. */
    size_t len = strlen(out);
    for (size_t i = 0; i < sec.n && quoted && len < strlen(quoted); i++)
        for (size_t k = strlen(sec.s[i]); k > 0; k--)
            if (k <= len && strncmp(out + len - k, sec.s[i], k) == 0) {
                out[len - k] = '\0';
                len -= k;
                break;
            }
    free(masked);
    free(quoted);
    for (size_t i = 0; i < sec.n; i++)
        free(sec.s[i]);
}

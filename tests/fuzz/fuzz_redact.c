/* tests/fuzz/fuzz_redact.c - libFuzzer target: conninfo redaction.
 *
 * The input is split into a password and the rest of a conninfo, put
 * together in one of several shapes (URI user:password@, URI query
 * password=, key/value password=, quoted key/value). libpq parses it; its
 * error (or a message quoting the whole conninfo, as a careless caller
 * might print) goes through core_conninfo_redact, and the password must
 * not survive in what comes out, raw or percent-decoded. */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "lib.h"

static bool usable_secret(const char *pw)
{
    /* Characters that end or re-shape the password in each form are out,
     * and so is '*' (the mask); short ones are too common to test for. */
    if (strlen(pw) < 4)
        return false;
    for (const char *p = pw; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("@'\"\\&*%/?#[]:=", *p))
            return false;
    return true;
}

static void check(const char *conninfo, const char *pw, const char *msg)
{
    char out[1024];
    core_conninfo_redact(conninfo, msg, out, sizeof out);
    if (strstr(out, pw)) {
        fprintf(stderr, "conninfo [%s]\nmessage  [%s]\nredacted [%s]\n", conninfo, msg, out);
        assert(!"the password survived redaction");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 400)
        return 0;
    /* pw \0 rest, shape from the first byte */
    unsigned shape = data[0] % 4;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(body, '\0', n);
    if (!nul)
        return 0;
    char *pw = strndup(body, (size_t)(nul - body));
    char *rest = strndup(nul + 1, n - (size_t)(nul - body) - 1);
    if (!usable_secret(pw) || strlen(rest) != n - (size_t)(nul - body) - 1) {
        free(pw);
        free(rest);
        return 0;
    }
    size_t len = strlen(pw) + strlen(rest) + 64;
    char *ci = malloc(len);
    switch (shape) {
    case 0: snprintf(ci, len, "postgresql://u:%s@%s", pw, rest); break;
    case 1: snprintf(ci, len, "postgresql:///db?password=%s&%s", pw, rest); break;
    case 2: snprintf(ci, len, "password=%s %s", pw, rest); break;
    default: snprintf(ci, len, "%s password = '%s' %s", rest, pw, rest); break;
    }
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(ci, &perr);
    if (perr)
        check(ci, pw, perr);
    PQconninfoFree(opts);
    PQfreemem(perr);
    check(ci, pw, ci);
    free(ci);
    free(pw);
    free(rest);
    return 0;
}

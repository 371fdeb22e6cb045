/* core/cli/query_power.c - convo-query export (a conversation or a
 * search streamed as jsonl, csv or txt) and contact add. Exit codes as
 * convo-query's. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "query_power.h"

static int one_line(const char *msg, int rc)
{
    fprintf(stderr, "convo-query: %.*s\n", (int)strcspn(msg, "\r\n"), msg);
    return rc;
}

bool query_export_format(const char *name, enum core_export_format *out)
{
    static const struct { const char *name; enum core_export_format f; } formats[] = {
        {"jsonl", CORE_EXPORT_JSONL}, {"csv", CORE_EXPORT_CSV}, {"txt", CORE_EXPORT_TXT}};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(name, formats[i].name) == 0) {
            *out = formats[i].f;
            return true;
        }
    return false;
}

int query_export(const char *db, long contact_id, const char *term,
                 enum core_export_format format)
{
    /* A reader that stops early (| head -1) is not an error: the write
     * fails with EPIPE instead of the signal killing us, and we stop. */
    signal(SIGPIPE, SIG_IGN);
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    char err[512];
    struct core_conn *conn = core_conn_open(db, err, sizeof err);
    if (!conn)
        return one_line(err, 1);
    struct core_export_request req = {(int32_t)contact_id, term, format};
    int64_t rows;
    int werr;
    enum core_status st = core_export(conn, &req, stdout, &rows, &werr);
    int rc = 0;
    if (st == CORE_ERR_WRITE && werr == EPIPE)
        rc = 0;
    else if (st != CORE_OK)
        rc = one_line(*core_conn_error(conn) ? core_conn_error(conn) : core_status_message(st),
                      st == CORE_ERR_TERM || st == CORE_ERR_USAGE ? 2 : 1);
    core_conn_close(conn);
    if (st == CORE_ERR_WRITE)
        return rc;
    errno = 0;
    if (fclose(stdout) != 0 && errno != EPIPE && rc == 0)
        rc = one_line(strerror(errno ? errno : EIO), 1);
    return rc;
}

int query_contact_add(const char *db, const char *phone, const char *name)
{
    char e164[CORE_PHONE_SIZE], err[512];
    const char *why = core_phone_normalize(phone, e164);
    if (why) {
        char *shown = core_xstrdup(phone);
        for (char *p = shown; *p; p++)
            if ((unsigned char)*p < ' ' || *p == 0x7f)
                *p = '?';
        fprintf(stderr, "convo-query: invalid phone number '%.40s': %s\n", shown, why);
        free(shown);
        return 2;
    }
    struct core_conn *conn = core_conn_open_writer(db, err, sizeof err);
    if (!conn)
        return one_line(err, 1);
    struct core_contact c;
    enum core_status st = core_contact_add(conn, phone, name, &c);
    int rc = 0;
    if (st != CORE_OK) {
        rc = one_line(core_conn_error(conn), st == CORE_ERR_PHONE || st == CORE_ERR_USAGE ? 2 : 1);
    } else {
        printf("{\"id\": %d, \"phone_number\": ", (int)c.id);
        json_string(stdout, c.phone_number);
        fputs(", \"name\": ", stdout);
        json_string(stdout, c.name);
        fputs(", \"created_at\": ", stdout);
        json_string(stdout, c.created_at);
        fputs("}\n", stdout);
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = one_line("cannot write output", 1);
    }
    core_contact_free(&c);
    core_conn_close(conn);
    return rc;
}

/* tests/live/live_api.c - core's live API against a real server, in a
 * database of its own (PGDATABASE, made by the calling script): one
 * notification per statement naming its contacts, "*" for big statements
 * and TRUNCATE, nothing when nothing changed, LISTEN again and "all" after
 * a lost connection, core_send's rows and refusals. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "lib.h"
#include "../check.h"

/* Changes that arrive within 2 s (merged over several takes). */
static enum core_status take_wait(struct core_conn *c, struct core_changes *out)
{
    enum core_status st = core_changes_take(c, out);
    for (int i = 0; i < 40 && st == CORE_OK && out->count == 0 && !out->all; i++) {
        struct pollfd pfd = {.fd = core_conn_socket(c), .events = POLLIN};
        poll(&pfd, 1, 50);
        st = core_changes_take(c, out);
    }
    return st;
}

static void ids_text(const struct core_changes *ch, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ch->count && n + 12 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%d", i ? "," : "", (int)ch->contact_ids[i]);
    if (ch->all)
        snprintf(buf + n, len - n, "%s*", n ? "," : "");
}

static void expect(struct core_conn *c, const char *want, const char *what)
{
    struct core_changes ch;
    enum core_status st = take_wait(c, &ch);
    char got[256];
    ids_text(&ch, got, sizeof got);
    CHECK(st == CORE_OK && strcmp(got, want) == 0, "%s: got [%s] status %d, want [%s]",
          what, got, st, want);
    core_changes_free(&ch);
}

static void test_notifications(struct core_conn *c)
{
    CHECK(core_listen(c) == CORE_OK, "listen: %s", core_conn_error(c));
    CHECK(core_conn_socket(c) >= 0, "no socket");
    expect(c, "", "nothing happened yet");

    sql("INSERT INTO messages (contact_id, direction, content) VALUES (3, 'in', 'a')");
    expect(c, "3", "one insert");
    sql("INSERT INTO messages (contact_id, direction, content)"
        " VALUES (5, 'in', 'b'), (2, 'out', 'c'), (5, 'out', 'd')");
    expect(c, "2,5", "one multi-row insert: its distinct contacts, once");
    sql("UPDATE messages SET content = 'edited' WHERE content = 'b'");
    expect(c, "5", "an edit");
    sql("UPDATE messages SET contact_id = 7 WHERE content = 'c'");
    expect(c, "2,7", "a move to another contact names both");
    sql("DELETE FROM messages WHERE content = 'a'");
    expect(c, "3", "a delete");
    sql("DELETE FROM messages WHERE false");
    expect(c, "", "a statement that changed nothing");
    /* Two statements in one transaction: two notifications, merged. */
    sql("BEGIN; INSERT INTO messages (contact_id, direction, content) VALUES (8, 'in', 'e');"
        " INSERT INTO messages (contact_id, direction, content) VALUES (9, 'in', 'f'); COMMIT");
    expect(c, "8,9", "two statements, one take");
    sql("BEGIN; INSERT INTO messages (contact_id, direction, content) VALUES (10, 'in', 'g'); ROLLBACK");
    expect(c, "", "a rolled back insert");
    sql("INSERT INTO messages (contact_id, direction, content)"
        " SELECT g, 'in', 'bulk' FROM generate_series(1, 150) g");
    expect(c, "*", "150 contacts in one statement");
    sql("INSERT INTO messages (contact_id, direction, content)"
        " SELECT g, 'in', 'bulk' FROM generate_series(1, 100) g");
    struct core_changes ch;
    CHECK(take_wait(c, &ch) == CORE_OK && ch.count == 100 && !ch.all,
          "100 contacts are named: %zu all=%d", ch.count, ch.all);
    core_changes_free(&ch);
    sql("TRUNCATE messages");
    expect(c, "*", "TRUNCATE");

    /* A notification and a query on the same connection. */
    struct core_page page;
    sql("INSERT INTO messages (contact_id, direction, content) VALUES (4, 'in', 'h')");
    usleep(100 * 1000);
    CHECK(core_recent(c, NULL, 5, &page) == CORE_OK && page.count == 1, "recent after insert");
    core_page_free(&page);
    expect(c, "4", "heard while a query ran");
}

static void test_reconnect(struct core_conn *c)
{
    PGconn *pg = core_conn_pg(c);
    char q[128];
    snprintf(q, sizeof q, "SELECT pg_terminate_backend(%d)", PQbackendPID(pg));
    sql(q);
    usleep(200 * 1000);
    struct core_changes ch;
    enum core_status st = core_changes_take(c, &ch);
    CHECK(st == CORE_ERR_LOST, "a killed session says lost: %d", st);
    core_changes_free(&ch);
    CHECK(core_conn_socket(c) == -1, "a lost connection has no socket");
    CHECK(core_conn_reset(c) == CORE_OK, "reconnect: %s", core_conn_error(c));
    expect(c, "*", "after a reconnect anything may have changed");
    expect(c, "", "said once");
    sql("INSERT INTO messages (contact_id, direction, content) VALUES (6, 'in', 'i')");
    expect(c, "6", "listening again after the reconnect");
}

static void test_send(struct core_conn *c)
{
    struct core_page page;
    CHECK(core_send(c, 11, "a reply, 'quoted'; DROP TABLE messages", &page) == CORE_OK,
          "send: %s", core_conn_error(c));
    CHECK(page.count == 1 && page.rows[0].contact_id == 11 && page.rows[0].outbound
              && strcmp(page.rows[0].content, "a reply, 'quoted'; DROP TABLE messages") == 0
              && strcmp(page.rows[0].name, "Live 11") == 0 && page.rows[0].message_id > 0,
          "the sent row");
    core_page_free(&page);
    expect(c, "11", "a send notifies");
    CHECK(core_send(c, 99999, "x", &page) == CORE_ERR_NOT_FOUND, "unknown contact");
    core_page_free(&page);
    CHECK(core_send(c, 11, "", &page) == CORE_ERR_TEXT, "empty");
    core_page_free(&page);
    CHECK(core_send(c, 11, "caf\xc3", &page) == CORE_ERR_TEXT, "invalid UTF-8");
    core_page_free(&page);
    char big[CORE_SEND_MAX_BYTES + 2];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(core_send(c, 11, big, &page) == CORE_ERR_TEXT, "4097 bytes");
    core_page_free(&page);
    big[CORE_SEND_MAX_BYTES] = '\0';
    CHECK(core_send(c, 11, big, &page) == CORE_OK, "4096 bytes: %s", core_conn_error(c));
    core_page_free(&page);
    expect(c, "11", "refusals wrote nothing");
}

int main(void)
{
    admin_connect();
    sql("INSERT INTO contacts (phone_number, name)"
        " SELECT '+1555400' || lpad(g::text, 4, '0'), 'Live ' || g FROM generate_series(1, 200) g");
    char err[256];
    struct core_conn *c = core_conn_open("", err, sizeof err);
    if (!c) {
        fprintf(stderr, "core_conn_open: %s\n", err);
        return 1;
    }
    test_notifications(c);
    test_reconnect(c);
    test_send(c);
    core_conn_close(c);
    PQfinish(admin);
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        check_ok("live API");
    return failures ? 1 : 0;
}

/* core/contact.c - adding a contact: its phone number in E.164, kept
 * unique (the number, or the same digits written another way, names the
 * contact that has it), inserted on the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "rows.h"
#include "session.h"

#define NAME_MAX_CHARS 200

const char *core_phone_normalize(const char *text, char out[CORE_PHONE_SIZE])
{
    const char *s = text ? text : "";
    while (*s == ' ')
        s++;
    if (*s != '+')
        return "expected + and the country code, then 8 to 15 digits in all";
    size_t n = 0;
    out[n++] = '+';
    for (s++; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n > 15)
                return "more than 15 digits";
            out[n++] = *s;
        } else if (!strchr(" -().", *s)) {
            return "only digits, spaces, dashes, parentheses and dots may follow the +";
        }
    }
    out[n] = '\0';
    if (n < 9)
        return "fewer than 8 digits";
    if (out[1] == '0')
        return "a country code never starts with 0";
    return NULL;
}

/* The contact with this number, or with the same digits written another
 * way (a database filled by another program). */
static const char find_sql[] =
    "SELECT id, phone_number, name, created_at FROM contacts"
    " WHERE phone_number = $1 OR public.convo_digits(phone_number) = $2"
    " ORDER BY phone_number = $1 DESC, id LIMIT 1";

/* The unique constraint settles a race of two adds: the loser inserts
 * nothing and finds the winner's row with its next statement. */
static const char insert_sql[] =
    "INSERT INTO contacts (phone_number, name) VALUES ($1, $2)"
    " ON CONFLICT DO NOTHING RETURNING id, phone_number, name, created_at";

static void contact_from(const PGresult *r, struct core_contact *out)
{
    out->id = core_get_int4(r, 0, 0);
    snprintf(out->phone_number, sizeof out->phone_number, "%s", PQgetvalue(r, 0, 1));
    out->name = core_xstrdup(PQgetvalue(r, 0, 2));
    core_format_time(core_get_time(r, 0, 3), out->created_at);
}

/* CORE_ERR_EXISTS with *out the contact holding phone, CORE_OK when none. */
static enum core_status find_existing(struct core_conn *conn, const char *phone,
                                      struct core_contact *out)
{
    struct core_params p = {0};
    core_param_text(&p, phone);
    core_param_text(&p, phone + 1);
    enum core_status st;
    PGresult *r = core_conn_exec(conn, "convo_contact_find", find_sql, &p, &st);
    if (!r)
        return st;
    st = CORE_OK;
    if (PQntuples(r) > 0) {
        contact_from(r, out);
        snprintf(conn->err, sizeof conn->err, "contact %d already has the phone number %s",
                 (int)out->id, out->phone_number);
        st = CORE_ERR_EXISTS;
    }
    PQclear(r);
    return st;
}

enum core_status core_contact_add(struct core_conn *conn, const char *phone, const char *name,
                                  struct core_contact *out)
{
    memset(out, 0, sizeof *out);
    core_conn_begin(conn);
    char e164[CORE_PHONE_SIZE];
    const char *why = core_phone_normalize(phone, e164);
    if (why) {
        snprintf(conn->err, sizeof conn->err, "invalid phone number: %s", why);
        return CORE_ERR_PHONE;
    }
    if (!name)
        name = "";
    long chars = core_utf8_chars(name);
    if (chars < 0 || chars > NAME_MAX_CHARS) {
        snprintf(conn->err, sizeof conn->err, "invalid name: %s",
                 chars < 0 ? "not valid UTF-8" : "longer than 200 characters");
        return CORE_ERR_USAGE;
    }
    enum core_status st = find_existing(conn, e164, out);
    if (st != CORE_OK)
        return st;
    struct core_params p = {0};
    core_param_text(&p, e164);
    core_param_text(&p, name);
    PGresult *r = core_conn_exec(conn, "convo_contact_add", insert_sql, &p, &st);
    if (!r)
        return st;
    if (PQntuples(r) == 0) { /* another add won the race */
        PQclear(r);
        st = find_existing(conn, e164, out);
        return st == CORE_OK ? CORE_ERR_QUERY : st;
    }
    contact_from(r, out);
    PQclear(r);
    return CORE_OK;
}

enum core_status core_contact_page(const struct core_contact *contact, struct core_page *out)
{
    core_page_init(out);
    struct core_row row = {.contact_id = contact->id, .name = contact->name,
                           .phone_number = contact->phone_number, .content = "",
                           .created_at = "", .created_at_us = CORE_US_NINF, .no_message = true};
    enum core_status st = core_page_add(out, &row);
    if (st != CORE_OK)
        core_page_free(out);
    return st;
}

void core_contact_free(struct core_contact *contact)
{
    if (!contact)
        return;
    free(contact->name);
    contact->name = NULL;
}

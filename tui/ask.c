/* tui/ask.c - a question on the bottom line (ask.h): the line editor of
 * prompt.c under a label that says what is asked, or a y/n. */
#include "ask.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>

#include "base.h"
#include "term.h"

void ask_open(struct ask *a, enum ask_kind kind, const char *initial)
{
    a->kind = kind;
    a->box.active = true;
    a->box.max = 1024;
    a->box.len = 0;
    if (initial)
        prompt_set_utf8(&a->box, initial);
}

void ask_close(struct ask *a)
{
    a->kind = ASK_NONE;
    a->box.active = false;
    a->box.len = 0;
    free(a->held);
    a->held = NULL;
}

static enum ask_result yes_no(struct ask *a, const struct view_input *in, char *out, size_t len)
{
    if (!in->is_key && (in->ch == 'y' || in->ch == 'Y')) {
        snprintf(out, len, "y");
        return ASK_ANSWERED;
    }
    if (!in->is_key && (in->ch == 'n' || in->ch == 'N' || in->ch == KEYS_ESC)) {
        a->box.active = false;
        return ASK_CANCELLED;
    }
    return ASK_GOING;   /* only y or n answers it */
}

enum ask_result ask_key(struct ask *a, const struct view_input *in, char *out, size_t len)
{
    if (a->kind == ASK_OVERWRITE)
        return yes_no(a, in, out, len);
    switch (prompt_input(&a->box, in, 0, NULL)) {
    case PROMPT_ENTER:
        prompt_utf8(&a->box, out, len);
        return ASK_ANSWERED;
    case PROMPT_CANCEL:
        return ASK_CANCELLED;
    default:
        return ASK_GOING;
    }
}

void ask_draw(const struct ask *a, int y)
{
    char label[1200];
    switch (a->kind) {
    case ASK_GOTO: snprintf(label, sizeof label, "go to: "); break;
    case ASK_PHONE: snprintf(label, sizeof label, "new contact, phone: "); break;
    case ASK_NAME: snprintf(label, sizeof label, "name (Enter for none): "); break;
    case ASK_PATH: snprintf(label, sizeof label, "export to: "); break;
    case ASK_OVERWRITE:
        snprintf(label, sizeof label, "%s exists, overwrite? (y/n) ", a->held ? a->held : "");
        term_fill(y, 0, COLS, EL_TEXT, false);
        term_put(y, 0, COLS, label, EL_PROMPT, false);
        return;
    default: return;
    }
    prompt_draw(&a->box, y, label);
}

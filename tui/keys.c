/* tui/keys.c - every key binding in one table (keys.h); help.c draws the
 * help screen from it. */
#include "keys.h"

#include <curses.h>

#include "status.h"

#define CTRL(c) KEYS_CTRL(c)
#define ESC KEYS_ESC

const struct binding keys_bindings[] = {
    {'j', "j", ACT_DOWN, ON_LIST | ON_CHAT},
    {KEY_DOWN, "\u2193", ACT_DOWN, ON_LIST | ON_CHAT},
    {CTRL('n'), "Ctrl-N", ACT_DOWN, ON_LIST | ON_CHAT},
    {'k', "k", ACT_UP, ON_LIST | ON_CHAT},
    {KEY_UP, "\u2191", ACT_UP, ON_LIST | ON_CHAT},
    {CTRL('p'), "Ctrl-P", ACT_UP, ON_LIST | ON_CHAT},
    {KEY_NPAGE, "PgDn", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {' ', "Space", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {CTRL('f'), "Ctrl-F", ACT_PAGE_DOWN, ON_LIST | ON_CHAT},
    {KEY_PPAGE, "PgUp", ACT_PAGE_UP, ON_LIST | ON_CHAT},
    {CTRL('b'), "Ctrl-B", ACT_PAGE_UP, ON_LIST | ON_CHAT},
    {CTRL('d'), "Ctrl-D", ACT_HALF_DOWN, ON_LIST | ON_CHAT},
    {CTRL('u'), "Ctrl-U", ACT_HALF_UP, ON_LIST | ON_CHAT},
    {'g', "g", ACT_TOP, ON_LIST | ON_CHAT},
    {KEY_HOME, "Home", ACT_TOP, ON_LIST | ON_CHAT},
    {'G', "G", ACT_BOTTOM, ON_LIST | ON_CHAT},
    {KEY_END, "End", ACT_BOTTOM, ON_LIST | ON_CHAT},
    {'\r', "Enter", ACT_OPEN, ON_LIST},
    {'\n', NULL, ACT_OPEN, ON_LIST},
    {KEY_ENTER, NULL, ACT_OPEN, ON_LIST},
    {'l', "l", ACT_OPEN, ON_LIST},
    {KEY_RIGHT, "\u2192", ACT_OPEN, ON_LIST},
    {'/', "/", ACT_SEARCH, ON_LIST | ON_CHAT},
    {'n', "n", ACT_FIND_NEXT, ON_CHAT},
    {'r', "r", ACT_REPLY, ON_CHAT},
    {'t', "t", ACT_GOTO, ON_LIST | ON_CHAT},
    {'e', "e", ACT_EXPORT, ON_CHAT},
    {'n', "n", ACT_NEW_CONTACT, ON_LIST},
    {'y', "y", ACT_COPY, ON_LIST | ON_CHAT},
    {'Y', "Y", ACT_COPY_PHONE, ON_LIST | ON_CHAT},
    {'N', "N", ACT_FIND_PREV, ON_CHAT},
    {ESC, "Esc", ACT_CLEAR, ON_LIST},
    {'q', "q", ACT_BACK, ON_CHAT},
    {ESC, "Esc", ACT_BACK, ON_CHAT},
    {'h', "h", ACT_BACK, ON_CHAT},
    {KEY_LEFT, "\u2190", ACT_BACK, ON_CHAT},
    {'?', "?", ACT_HELP, ON_LIST | ON_CHAT},
    {KEY_F(1), "F1", ACT_HELP, ON_LIST | ON_CHAT},
    {CTRL('l'), "Ctrl-L", ACT_REDRAW, ON_LIST | ON_CHAT},
    {'q', "q", ACT_QUIT, ON_LIST},
};
const size_t keys_bindings_count = sizeof keys_bindings / sizeof keys_bindings[0];

enum action keys_lookup(int key, unsigned on)
{
    for (size_t i = 0; i < keys_bindings_count; i++)
        if (keys_bindings[i].key == key && (keys_bindings[i].views & on))
            return keys_bindings[i].action;
    return ACT_NONE;
}

enum action keys_action(const struct view_input *in, unsigned on, struct view_req *req)
{
    enum action a = keys_lookup((int)in->ch, on);
    if (!in->is_key && in->ch >= 0x80)
        a = ACT_NONE;
    switch (a) {
    case ACT_QUIT:
        req->kind = VIEW_REQ_QUIT;
        return ACT_NONE;
    case ACT_HELP:
        req->kind = VIEW_REQ_HELP;
        return ACT_NONE;
    case ACT_REDRAW:
        req->kind = VIEW_REQ_REDRAW;
        return ACT_NONE;
    case ACT_NONE:
        return ACT_NONE;
    default:
        status_forget_info();
        return a;
    }
}

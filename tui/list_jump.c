/* tui/list_jump.c - the list's jumps: to its true end (G, and g back to
 * the top) and to a date (t, and back). Each puts another model
 * (list_model.c's) on show and keeps or frees the one it leaves; no curses
 * here, and the database only through the worker's queue. */
#include "list_int.h"

#include <stdint.h>

#include "base.h"
#include "worker.h"

/* ---- the end of the list ------------------------------------------------- */

/* G: the true end is the first page of the reversed order; scrolling up
 * from there loads further pages upwards. The list from the top waits. */
void list_go_to_end(struct list_state *l)
{
    l->forward = l->shown;
    struct model *m = core_xcalloc(1, sizeof *m);
    m->gen = worker_gen_next();
    m->term = core_xstrdup("");
    m->reversed = true;
    m->total = -1;
    m->t_start = core_now_ms();
    list_page_add(m, NULL, 0);
    m->cur = m->top = SIZE_MAX / 4;   /* the bottom, once rows come */
    l->shown = m;
    list_page_request(m, 0);
    worker_supersede(WORKER_LIST, m->gen);
}

/* g from the end: the list from the top again, news included. */
void list_leave_end(struct list_state *l)
{
    if (!l->forward)
        return;
    list_model_free(l->shown);
    l->shown = l->forward;
    l->forward = NULL;
    l->shown->cur = l->shown->top = 0;
    l->shown->pending_move = 0;
    list_model_retag(l->shown);
    worker_supersede(WORKER_LIST, l->shown->gen);
}

/* ---- a date (t) ------------------------------------------------------------ */

/* The shown model gives way to one of the same term whose first page
 * starts at the cursor; the recent list put aside for a search stays. */
static void replace_shown(struct list_state *l, struct model *m)
{
    list_model_free(l->shown);
    l->shown = m;
    worker_supersede(WORKER_LIST, m->gen);
}

void list_go_to_date(struct list_state *l, int64_t us)
{
    if (l->shown && l->shown->reversed)
        list_leave_end(l);
    const char *term = l->shown ? l->shown->term : "";
    char cursor[CORE_CURSOR_SIZE];
    if (*term)
        core_search_cursor_at(term, us, true, cursor);
    else
        core_recent_cursor_at(us, true, cursor);
    struct model *m = list_model_new_at(term, cursor, core_now_ms());
    m->dated = true;
    m->dated_us = us;
    replace_shown(l, m);
}

void list_leave_date(struct list_state *l)
{
    if (!l->shown || !l->shown->dated)
        return;
    replace_shown(l, list_model_new(l->shown->term, core_now_ms()));
}

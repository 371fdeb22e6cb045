/* tui/list_screen.c - the rows of the list on screen (list_int.h): the
 * terminal's size as the list model sees it. */
#include "list_int.h"

size_t list_screen_rows(void)
{
    return (size_t)view_height(LIST_TOP_LINES);
}

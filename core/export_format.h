/* core/export_format.h - the lines of an export (export_format.c). */
#ifndef CONVO_CORE_EXPORT_FORMAT_H
#define CONVO_CORE_EXPORT_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "lib.h"

/* What goes before the first row: CSV's header row, nothing otherwise. */
void core_export_header(FILE *f, enum core_export_format fmt);
/* A transcript's heading for a contact (name and phone); first: the
 * file's first, without the blank line that separates contacts. */
void core_export_heading(FILE *f, const char *name, const char *phone, bool first);
void core_export_row(FILE *f, enum core_export_format fmt, const struct core_row *row);

#endif

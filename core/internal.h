/* core/internal.h - every header core's modules share and nobody outside
 * core sees, in one include. A module includes only the headers it needs;
 * tests include this one to reach cursors, terms and pages directly. */
#ifndef CONVO_CORE_INTERNAL_H
#define CONVO_CORE_INTERNAL_H

#include "base.h"
#include "lib.h"
#include "cursor.h"
#include "page.h"
#include "rows.h"
#include "session.h"
#include "term_pattern.h"

#endif

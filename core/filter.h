/* core/filter.h - the filter words of a search term (filter.c). What they
 * are and how they are read is public: struct core_filter and
 * core_filter_parse() are in lib.h, beside the search they shape. */
#ifndef CONVO_CORE_FILTER_H
#define CONVO_CORE_FILTER_H

#include "lib.h"

#endif

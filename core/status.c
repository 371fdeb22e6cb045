/* core/status.c - the message of each core_status (lib.h's list). */
#include <stddef.h>

#include "lib.h"

static const char *const status_messages[] = {
#define CORE_STATUS_MSG(code, msg) msg,
    CORE_STATUS_LIST(CORE_STATUS_MSG)
#undef CORE_STATUS_MSG
};

const char *core_status_message(enum core_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown error";
    return status_messages[status];
}

/* tui/export.c - `e` in a conversation: its transcript written to a file
 * (export.h). The rows stream from core into a temporary file beside the
 * target, which then takes the target's name: link() when the target must
 * not exist (it fails if it does, so a file that appeared meanwhile is not
 * overwritten either), rename() when the user said to overwrite. */
#include "export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void export_default_path(int32_t contact_id, char *out, size_t len)
{
    snprintf(out, len, "convo-%d.txt", (int)contact_id);
}

/* ~/ at the start means the home directory. */
static void expand_home(const char *path, char *out, size_t len)
{
    const char *home = getenv("HOME");
    if (path[0] == '~' && path[1] == '/' && home && *home)
        snprintf(out, len, "%s/%s", home, path + 2);
    else
        snprintf(out, len, "%s", path);
}

/* tmp into place as path: false with errno set (EEXIST: path exists). */
static bool move_into_place(const char *tmp, const char *path, bool overwrite)
{
    if (overwrite)
        return rename(tmp, path) == 0;
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return true;
    }
    if (errno != EPERM && errno != ENOTSUP && errno != EXDEV)
        return false;
    /* A file system without hard links: claim the name, then replace it. */
    FILE *claim = fopen(path, "wx");
    if (!claim)
        return false;
    fclose(claim);
    return rename(tmp, path) == 0;
}

enum core_status export_conversation(struct core_conn *conn, int32_t contact_id,
                                     const char *path, bool overwrite, int64_t *rows,
                                     char *err, size_t errlen)
{
    char target[4096], tmp[4200];
    *rows = 0;
    expand_home(path, target, sizeof target);
    if (!*target) {
        snprintf(err, errlen, "no file name");
        return CORE_ERR_USAGE;
    }
    if (!overwrite && access(target, F_OK) == 0) {
        snprintf(err, errlen, "%s exists", target);
        return CORE_ERR_EXISTS;
    }
    snprintf(tmp, sizeof tmp, "%s.convo-XXXXXX", target);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(errno));
        if (fd >= 0)
            close(fd);
        return CORE_ERR_WRITE;
    }
    struct core_export_request req = {contact_id, NULL, CORE_EXPORT_TXT};
    int werr = 0;
    enum core_status st = core_export(conn, &req, f, rows, &werr);
    if (fclose(f) != 0 && st == CORE_OK) {
        st = CORE_ERR_WRITE;
        werr = errno;
    }
    if (st == CORE_OK && !move_into_place(tmp, target, overwrite)) {
        werr = errno;
        st = werr == EEXIST ? CORE_ERR_EXISTS : CORE_ERR_WRITE;
    }
    if (st != CORE_OK)
        unlink(tmp);
    char full[4096];
    if (st == CORE_OK && realpath(target, full))   /* the status line says where */
        snprintf(err, errlen, "%s", full);
    else if (st == CORE_OK || st == CORE_ERR_EXISTS)
        snprintf(err, errlen, "%s%s", target, st == CORE_OK ? "" : " exists");
    else if (st == CORE_ERR_WRITE)
        snprintf(err, errlen, "cannot write %s: %s", target, strerror(werr ? werr : EIO));
    else
        snprintf(err, errlen, "%s", core_conn_error(conn));
    return st;
}

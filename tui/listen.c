/* tui/listen.c - the listening connection: change notifications from the
 * database reach the main loop as RESP_CHANGES answers.
 *
 * A thread of its own owns a third connection that only LISTENs. It blocks
 * in poll() on that connection's socket and a quit pipe, so a quiet
 * database costs no CPU; whatever arrived together is posted as one answer
 * (the main loop merges answers that wait, so a burst makes one refresh).
 * After a lost connection it reconnects (core listens again by itself) and
 * the next answer says that anything may have changed. */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "worker.h"

#define LISTEN_RETRY_MS 700

static struct {
    pthread_t thread;
    bool started;
    struct core_conn *conn;
    int quit_pipe[2];
} lis = {.quit_pipe = {-1, -1}};

static void post_changes(const struct core_changes *ch)
{
    struct response *r = core_xcalloc(1, sizeof *r);
    r->kind = RESP_CHANGES;
    r->all = ch->all;
    if (ch->count > 0) {
        r->ids = core_xmalloc(ch->count * sizeof *r->ids);
        memcpy(r->ids, ch->contact_ids, ch->count * sizeof *r->ids);
        r->nids = ch->count;
    }
    worker_post(r);
}

/* Reconnected: what happened meanwhile is unknown. */
static void post_all(void)
{
    struct core_changes all = {.all = true};
    post_changes(&all);
}

/* Waits for the socket (or ms when it is gone); false when quitting. */
static bool wait_input(int fd, int ms)
{
    struct pollfd fds[2] = {{lis.quit_pipe[0], POLLIN, 0}, {fd, POLLIN, 0}};
    int n = poll(fds, fd >= 0 ? 2 : 1, fd >= 0 ? -1 : ms);
    if (n < 0 && errno != EINTR)
        return false;
    return !(n > 0 && (fds[0].revents & (POLLIN | POLLHUP)));
}

static void *listener_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = core_conn_socket(lis.conn);
        if (!wait_input(fd, LISTEN_RETRY_MS))
            break;
        if (fd < 0) {
            if (core_conn_reset(lis.conn) == CORE_OK)
                post_all();
            continue;
        }
        struct core_changes ch;
        memset(&ch, 0, sizeof ch);
        enum core_status st = core_changes_take(lis.conn, &ch);
        if (st == CORE_OK && (ch.count > 0 || ch.all))
            post_changes(&ch);
        if (st == CORE_OK)
            core_changes_free(&ch);
        else if (core_conn_reset(lis.conn) == CORE_OK)
            post_all();
        else if (!wait_input(-1, LISTEN_RETRY_MS))
            break;
    }
    return NULL;
}

bool listen_start(const char *conninfo, char *err, size_t errlen)
{
    if (pipe(lis.quit_pipe) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return false;
    }
    for (int i = 0; i < 2; i++)
        fcntl(lis.quit_pipe[i], F_SETFD, FD_CLOEXEC);
    lis.conn = core_conn_open(conninfo, err, errlen);
    if (!lis.conn)
        return false;
    if (core_listen(lis.conn) != CORE_OK) {
        snprintf(err, errlen, "cannot listen for changes: %s", core_conn_error(lis.conn));
        return false;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&lis.thread, NULL, listener_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a thread");
        return false;
    }
    lis.started = true;
    return true;
}

void listen_stop(void)
{
    if (lis.started) {
        ssize_t n = write(lis.quit_pipe[1], "q", 1);
        (void)n;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 2;
        /* A reconnect to a silent host may outlast this: the thread then
         * ends with the process. */
        if (pthread_timedjoin_np(lis.thread, NULL, &until) != 0)
            return;
        lis.started = false;
    }
    if (lis.conn)
        core_conn_close(lis.conn);
    lis.conn = NULL;
    for (int i = 0; i < 2; i++) {
        if (lis.quit_pipe[i] >= 0)
            close(lis.quit_pipe[i]);
        lis.quit_pipe[i] = -1;
    }
}

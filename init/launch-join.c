/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "error.h"
#include "launch-join.h"
#include "macro.h"

static const int join_types[_LAUNCH_JOIN_MAX] = {
        [LAUNCH_JOIN_NET] = CLONE_NEWNET,
        [LAUNCH_JOIN_IPC] = CLONE_NEWIPC,
        [LAUNCH_JOIN_UTS] = CLONE_NEWUTS,
};

int berth_launch_join_type(size_t join)
{
        return join < _LAUNCH_JOIN_MAX ? join_types[join] : 0;
}

void berth_launch_join_close(int fds[_LAUNCH_JOIN_MAX])
{
        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                fds[i] = safe_close(fds[i]);
}

/* path as a namespace file of type: O_PATH first, so that opening it has no side
 * effect when it is something else (a FIFO, a device). */
static int open_one(const char *name, const char *path, int type, struct berth_error *err)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        char self[64];
        struct statfs sf;
        int t;

        pfd = open(path, O_PATH | O_CLOEXEC);
        if (pfd < 0)
                return berth_error_set_errno(err, errno, "ns_join.%s '%.256s'", name, path);
        if (fstatfs(pfd, &sf) < 0)
                return berth_error_set_errno(err, errno, "ns_join.%s '%.256s'", name, path);
        if (sf.f_type != NSFS_MAGIC)
                return berth_error_set(err, EINVAL, "ns_join.%s '%.256s' is not a namespace file",
                                       name, path);
        (void)snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
        fd = open(self, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "ns_join.%s '%.256s'", name, path);
        t = ioctl(fd, NS_GET_NSTYPE);
        if (t < 0)
                return berth_error_set_errno(err, errno, "ns_join.%s '%.256s': its type", name,
                                             path);
        if (t != type)
                return berth_error_set(err, EINVAL,
                                       "ns_join.%s '%.256s' is a namespace of another kind", name,
                                       path);
        return TAKE_FD(fd);
}

int berth_launch_join_open(const struct berth_launch *spec, int fds[_LAUNCH_JOIN_MAX],
                           struct berth_error *err)
{
        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                fds[i] = -EBADF;
        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++) {
                if (!spec->ns_join[i])
                        continue;
                fds[i] = open_one(berth_launch_join_names[i], spec->ns_join[i], join_types[i], err);
                if (fds[i] < 0) {
                        int r = fds[i];

                        berth_launch_join_close(fds);
                        return r;
                }
        }
        return 0;
}

struct joined_run {
        const int *fds;
        int (*fn)(void *arg);
        void *arg;
        struct berth_error *err;
        int r;
};

static void *joined_thread(void *p)
{
        struct joined_run *j = p;

        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                if (j->fds[i] >= 0 && setns(j->fds[i], join_types[i]) < 0) {
                        j->r = berth_error_set_errno(j->err, errno, "enter the %s namespace",
                                                     berth_launch_join_names[i]);
                        return NULL;
                }
        j->r = j->fn(j->arg);
        return NULL;
}

int berth_launch_in_joined(const int fds[_LAUNCH_JOIN_MAX], int (*fn)(void *arg), void *arg,
                           struct berth_error *err)
{
        struct joined_run j = { .fds = fds, .fn = fn, .arg = arg, .err = err };
        pthread_t t;
        int r;

        r = pthread_create(&t, NULL, joined_thread, &j);
        if (r != 0)
                return berth_error_set_errno(err, r, "start a thread to enter the namespaces");
        (void)pthread_join(t, NULL);
        return j.r;
}

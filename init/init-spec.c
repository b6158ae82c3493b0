/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The spec berth-init runs, and its word with berthd (init-spec.h). */
#include "config.h"

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "init-spec.h"
#include "launch.h"
#include "macro.h"
#include "strv.h"

#define SPEC_MAX (1u << 20)

/* The launch spec (or an exec spec's translation, berth-init-exec.c). */
struct berth_launch spec;

/* ---- talking to berthd ---------------------------------------------------------- */

void sync_send(const char *msg, int fd_to_pass)
{
        struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {};
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (fd_to_pass >= 0) {
                struct cmsghdr *c;
                mh.msg_control = u.buf;
                mh.msg_controllen = sizeof(u.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
        }
        (void)sendmsg(LAUNCH_FD_SYNC, &mh, MSG_NOSIGNAL);
}

/* The JSON at LAUNCH_FD_SPEC (closed after). */
int read_spec_json(json_t **ret, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        json_error_t jerr;
        ssize_t n;
        size_t len = 0;

        text = malloc(SPEC_MAX + 1);
        if (!text)
                return -ENOMEM;
        while ((n = pread(LAUNCH_FD_SPEC, text + len, SPEC_MAX - len, (off_t)len)) > 0)
                len += (size_t)n;
        if (n < 0)
                return berth_error_set_errno(err, errno, "read the launch spec");
        (void)close(LAUNCH_FD_SPEC);
        *ret = json_loadb(text, len, 0, &jerr);
        if (!*ret)
                return berth_error_set(err, EINVAL, "launch spec: %s", jerr.text);
        return 0;
}

int join_cgroups_at(char *const *dirs, struct berth_error *err)
{
        STRV_FOREACH (p, dirs) {
                _cleanup_free_ char *file = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t l = strlen(*p);
                /* A v1 directory is joined through "tasks", which moves this one thread
                 * (berth-init is single-threaded) without taking the cgroup threadgroup
                 * lock for writing: that lock's first writer waits for an RCU grace
                 * period, 15 ms here. The v2 group was joined at clone time
                 * (CLONE_INTO_CGROUP); a path ending in "/cgroup.procs" is the fallback
                 * for kernels without it. */
                bool procs = l > 13 && streq(*p + l - 13, "/cgroup.procs");

                if (procs)
                        file = strdup(*p);
                else if (asprintf(&file, "%s/tasks", *p) < 0)
                        file = NULL;
                if (!file)
                        return -ENOMEM;
                fd = open(file, O_WRONLY | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && !procs) {
                        /* A v2 directory (exec mode gets directories only): no "tasks". */
                        file = mfree(file);
                        if (asprintf(&file, "%s/cgroup.procs", *p) < 0) {
                                file = NULL;
                                return -ENOMEM;
                        }
                        fd = open(file, O_WRONLY | O_CLOEXEC);
                }
                /* "0" is the writer itself, whatever its pid in this namespace. */
                if (fd < 0 || write(fd, "0", 1) != 1)
                        return berth_error_set_errno(err, errno, "join cgroup '%s'", *p);
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth_exec_start() and berth_exec_wait() (launch.h): a command in a running container, through
 * berth-init in exec mode, its output collected and its end waited for up to a deadline. */
#include "config.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "launch-internal.h"
#include "launch.h"
#include "macro.h"
#include "pidref.h"
#include "seccomp-profile.h"
#include "strv.h"

/* From the clone to the command's execve(): joining the groups and the namespaces takes
 * milliseconds; this bounds a start stuck on the way (a group that cannot be joined
 * blocks no write, but a frozen one stops berth-init in it). */
#define EXEC_START_TIMEOUT_MS 10000
/* Once the command has ended, how long its output pipe may stay silent before the wait
 * stops reading: what the command left in the background may hold the pipe open. */
#define EXEC_LINGER_MS 200
#define EXEC_READ_CHUNK 16384

/* The filter the container's payload runs under (as berth_launch_start() picks it). */
static enum berth_seccomp_profile exec_profile(const struct berth_exec_spec *spec)
{
        if (spec->privileged)
                return BERTH_SECCOMP_SYSTEMD;
        return spec->namespaces & LAUNCH_NS_USER ? BERTH_SECCOMP_USERNS : BERTH_SECCOMP_DEFAULT;
}

int berth_exec_start(struct berth_launcher *L, const struct berth_exec_spec *spec,
                     struct berth_exec_proc *ret, struct berth_error *err)
{
        _cleanup_close_ int spec_fd = -EBADF, devnull = -EBADF, pidfd = -EBADF;
        int sync[2] = { -EBADF, -EBADF }, out[2] = { -EBADF, -EBADF };
        char *const argv[] = { (char *)"berth-init", (char *)"--exec", NULL };
        struct berth_launched res = { .console_fd = -EBADF,
                                      .console_slave = -EBADF,
                                      .mntns_fd = -EBADF };
        int src[_LAUNCH_FD_MAX];
        pid_t pid;
        int r;

        if (spec->pidfd < 0)
                return berth_error_set(err, EBADF, "exec: no pidfd of the container");
        if (!spec->args || !spec->args[0])
                return berth_error_set(err, EINVAL, "exec: no command");
        spec_fd = launch_json_memfd(berth_exec_spec_to_json(spec));
        if (spec_fd < 0)
                return berth_error_set_errno(err, -spec_fd, "exec: write the exec spec");
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0) {
                r = berth_error_set_errno(err, errno, "exec: prepare");
                goto out;
        }
        for (int i = 0; i < _LAUNCH_FD_MAX; i++)
                src[i] = devnull;
        src[LAUNCH_FD_LOG] = src[2] = out[1];
        src[LAUNCH_FD_SPEC] = spec_fd;
        src[LAUNCH_FD_SYNC] = sync[1];
        src[LAUNCH_FD_EXEC_PIDFD] = spec->pidfd;
        src[LAUNCH_FD_SECCOMP] =
                spec->seccomp_custom ? spec->seccomp_fd : L->seccomp_fd[exec_profile(spec)];

        /* No namespace of its own: berth-init joins the container's. */
        r = launch_spawn_init(L, 0, src, argv, /* wait_go= */ false, /* keep_caps= */ false,
                              /* cgroup_v2= */ -EBADF, &pid, &pidfd, err);
        sync[1] = safe_close(sync[1]);
        out[1] = safe_close(out[1]);
        if (r < 0)
                goto out;
        r = launch_wait_ready(sync[0], pidfd, EXEC_START_TIMEOUT_MS, "the command", &res, err);
        if (r < 0) {
                launch_kill_and_reap(pidfd);
                goto out;
        }
        (void)fcntl(out[0], F_SETFL, O_NONBLOCK);
        *ret = (struct berth_exec_proc){ .pid = pid, .pidfd = TAKE_FD(pidfd), .out_fd = out[0] };
        out[0] = -EBADF;
        r = 0;
out:
        safe_close(sync[0]);
        safe_close(sync[1]);
        safe_close(out[0]);
        safe_close(out[1]);
        return r;
}

void berth_exec_proc_done(struct berth_exec_proc *p)
{
        if (p->pidfd >= 0)
                launch_kill_and_reap(p->pidfd);
        p->pidfd = safe_close(p->pidfd);
        p->out_fd = safe_close(p->out_fd);
        p->pid = 0;
}

/* What the wait keeps of the output. */
struct exec_output {
        char *data; /* NUL-terminated when not NULL */
        size_t len, size, max, dropped;
};

static int output_add(struct exec_output *o, const char *buf, size_t n)
{
        size_t keep = MIN(n, o->max - o->len);

        if (o->len + keep + 1 > o->size) {
                size_t want = MAX(o->size * 2, o->len + keep + 1);
                size_t size = o->max == SIZE_MAX ? want : MIN(want, o->max + 1);
                char *d = realloc(o->data, size);

                if (!d)
                        return -ENOMEM;
                o->data = d;
                o->size = size;
        }
        memcpy(o->data + o->len, buf, keep);
        o->len += keep;
        o->data[o->len] = 0;
        o->dropped += n - keep;
        return 0;
}

/* Read what the pipe holds now. Returns 1 at its end (or a read error: nothing more
 * can come), 0 when it is empty for now, -ENOMEM. */
static int output_drain(int fd, struct exec_output *o)
{
        char buf[EXEC_READ_CHUNK];

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0)
                        return 1;
                if (output_add(o, buf, (size_t)n) < 0)
                        return -ENOMEM;
        }
}

/* Milliseconds from now to until (INT64_MAX: -1, no bound) for poll(). */
static int ms_left(int64_t until)
{
        int64_t left;

        if (until == INT64_MAX)
                return -1;
        left = until - monotonic_ms();
        return left <= 0 ? 0 : (int)MIN(left, (int64_t)INT_MAX);
}

static void exec_status_from(const siginfo_t *si, struct berth_exec_status *st)
{
        if (si->si_code == CLD_EXITED) {
                st->exit_code = si->si_status;
                st->signal = 0;
        } else {
                st->exit_code = -1;
                st->signal = si->si_status;
        }
}

/* Reap berth-init: 0 with *si, or -errno. */
static int exec_reap(int pidfd, int flags, siginfo_t *si)
{
        *si = (siginfo_t){};
        while (waitid(P_PIDFD, (id_t)pidfd, si, WEXITED | flags) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* The deadline: SIGTERM asks berth-init to SIGKILL the command and reap it (a command
 * whose parent vanished would be left to the host's init, a zombie in the container
 * until that reaps it); if it has not ended within EXEC_KILL_GRACE_MS, SIGKILL ends it,
 * and the command with it (PDEATHSIG). */
#define EXEC_KILL_GRACE_MS 2000
static int exec_kill(int pidfd, siginfo_t *si)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        (void)syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
        if (poll(&p, 1, EXEC_KILL_GRACE_MS) <= 0)
                (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        return exec_reap(pidfd, 0, si);
}

/* Read the output and reap berth-init, killing it at the deadline. Returns 0 with *si
 * and *timed_out, or -errno with berth-init not reaped. */
static int exec_collect(struct berth_exec_proc *p, int64_t deadline, struct exec_output *o,
                        siginfo_t *si, bool *timed_out, struct berth_error *err)
{
        bool out_open = p->out_fd >= 0, exited = false;
        int64_t linger = 0;
        int r;

        while (out_open || !exited) {
                struct pollfd fds[2] = { { .fd = out_open ? p->out_fd : -1, .events = POLLIN },
                                         { .fd = exited ? -1 : p->pidfd, .events = POLLIN } };
                int n = poll(fds, 2, ms_left(exited ? MIN(deadline, linger) : deadline));

                if (n < 0 && errno != EINTR)
                        return berth_error_set_errno(err, errno, "exec: poll");
                if (n == 0 && exited)
                        return 0; /* the pipe stayed silent (or the deadline came) */
                if (n == 0) {
                        r = exec_kill(p->pidfd, si);
                        if (r < 0)
                                return berth_error_set_errno(err, -r, "exec: reap berth-init");
                        *timed_out = true;
                        /* What is there; a descendant may hold the pipe open. */
                        return out_open && output_drain(p->out_fd, o) < 0 ? -ENOMEM : 0;
                }
                if (n > 0 && fds[0].revents) {
                        r = output_drain(p->out_fd, o);
                        if (r < 0)
                                return r;
                        out_open = r == 0;
                }
                if (n > 0 && fds[1].revents) {
                        r = exec_reap(p->pidfd, WNOHANG, si);
                        if (r < 0)
                                return berth_error_set_errno(err, -r, "exec: reap berth-init");
                        exited = si->si_pid != 0;
                        linger = monotonic_ms() + EXEC_LINGER_MS;
                }
        }
        return 0;
}

int berth_exec_wait(struct berth_exec_proc *p, int timeout_ms, size_t output_max,
                    struct berth_exec_status *ret, struct berth_error *err)
{
        struct exec_output o = { .max = output_max };
        struct berth_exec_status st = {};
        siginfo_t si = {};
        int r;

        if (p->pidfd < 0)
                return berth_error_set(err, ECHILD, "exec: the command was waited for already");
        r = exec_collect(p, timeout_ms < 0 ? INT64_MAX : monotonic_ms() + timeout_ms, &o, &si,
                         &st.timed_out, err);
        if (r < 0)
                /* Nothing of it may be left. */
                launch_kill_and_reap(p->pidfd);
        p->pidfd = safe_close(p->pidfd);
        p->out_fd = safe_close(p->out_fd);
        p->pid = 0;
        if (r >= 0 && !o.data && !(o.data = strdup("")))
                r = -ENOMEM;
        if (r == -ENOMEM)
                r = berth_error_set(err, ENOMEM, "exec: out of memory for the output");
        if (r < 0) {
                free(o.data);
                return r;
        }
        exec_status_from(&si, &st);
        st.output = o.data;
        st.output_len = o.len;
        st.output_dropped = o.dropped;
        *ret = st;
        return 0;
}

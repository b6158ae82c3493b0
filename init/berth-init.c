/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-init: PID 1 of a berth container.
 *
 * berthd clone()s into new namespaces and execs this program at once, with the launch
 * spec and a few file descriptors at fixed numbers (launch-spec.h). It finishes the
 * set-up (cgroups, mounts, pivot_root, the extra mounts, devices, hostname, console),
 * then either execs systemd (systemd mode), or forks the payload with its umask, OOM
 * score, resource limits, working directory, a reduced capability bounding set,
 * no_new_privs, its user and groups, its capability sets and the seccomp filter, and
 * stays PID 1: it forwards signals, reaps zombies, copies the payload's output and the
 * console into the log (rotating it), records how the payload ended, and exits with
 * its status.
 *
 * Privilege: root in the host's user namespace (or in the container's own: when that
 * one's root is another host uid, first as the host's root with its capabilities
 * ambient, for what lies in the host's tree, then as the namespace's root:
 * become_userns_root()), inside the container's new namespaces. Single-threaded; no
 * allocation constraints.
 */
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

#include "berth-init-exec.h"
#include "error.h"
#include "fileio.h"
#include "init-spec.h"
#include "launch-spec.h"
#include "launch.h"
#include "macro.h"
#include "restrict.h"
#include "rootfs.h"
#include "strv.h"

static void write_status(int wstatus, const char *error);

static _noreturn_ void fail(const struct berth_error *err)
{
        char msg[LAUNCH_MSG_MAX];

        init_log("error: %s", err->msg);
        init_log_flush();
        write_status(0, err->msg);
        (void)snprintf(msg, sizeof(msg), "ERROR %d %s", -err->code, err->msg);
        sync_send(msg, -1);
        _exit(127);
}

/* ---- zygote mode ------------------------------------------------------------------ */

/* berth-init --zygote STAGING [CGROUP...]: started by berthd ahead of any request, in
 * the default namespaces, with only the sync socket and the seccomp program. It joins
 * the v1 cgroup directories given (through "tasks", as itself: no global lock), builds /proc,
 * /dev and /sys in STAGING and pivots there, says "ZYGOTE", and waits for "CLAIM"
 * with the spec, log, old log, status file, the root file system's tree and the bind
 * mounts' sources (launch.h); then it goes on like a freshly started berth-init. When
 * berthd goes before the claim (the socket closes), it exits. Returns the tree fd. */
static int zygote_prepare_more(struct berth_error *err);

#define CLAIM_FDS 5 /* spec, log, old log, status, root tree; then the bind sources */
static struct rootfs_binds claim_binds;

/* A claimed zygote is a container's PID 1 like any other, so its command line becomes a
 * fresh berth-init's (argv of berth_launch_start(): "berth-init") in place of the
 * zygote's, whose staging directory and cgroup paths are gone by now (ps in the
 * container, /proc/PID/cmdline). The argument area is overwritten in place, as
 * systemd's rename_process() does, and PR_SET_MM ends it after the new name. Without
 * CAP_SYS_RESOURCE for that, the area's last byte is made non-NUL instead: the kernel
 * then reads the command line up to its first NUL (setproctitle(3)'s convention,
 * get_mm_proctitle() in fs/proc/base.c): the same bytes. */
static void rename_claimed(int argc, char **argv)
{
        static const char name[] = "berth-init";
        char *start = argv[0], *end = argv[0];

        (void)prctl(PR_SET_NAME, name, 0, 0, 0);
        for (int i = 0; i < argc; i++) {
                if (argv[i] != end)
                        return; /* not the kernel's contiguous strings: leave them */
                end += strlen(argv[i]) + 1;
        }
        if ((size_t)(end - start) <= sizeof(name))
                return;
        memset(start, 0, (size_t)(end - start));
        memcpy(start, name, sizeof(name));
        if (prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(start + sizeof(name)), 0, 0) < 0)
                end[-1] = ' ';
}

static int zygote_wait(int argc, char **argv)
{
        struct berth_error err = {};
        char buf[64];
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE((CLAIM_FDS + LAUNCH_MOUNTS_MAX) * sizeof(int))];
        } u = {};
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *c;
        int fds[CLAIM_FDS + LAUNCH_MOUNTS_MAX];
        size_t n_fds = 0;
        ssize_t n;

        /* Named apart while unclaimed: a restarted berthd never takes a zygote whose
         * claim did not happen for a container's init (berth_cgroup_find_init()). */
        (void)prctl(PR_SET_NAME, "berth-zygote", 0, 0, 0);
        /* Its own cgroups first, while the host's /sys/fs/cgroup is still in view; then
         * everything of the start that needs no spec: mounts, console, the seccomp
         * program. */
        if (join_cgroups_at(argv + 3, &err) < 0 || rootfs_zygote_prepare(argv[2], &err) < 0 ||
            zygote_prepare_more(&err) < 0)
                fail(&err);
        sync_send("ZYGOTE", -1);
        do
                n = recvmsg(LAUNCH_FD_SYNC, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                _exit(0); /* berthd went away: never claimed */
        buf[n] = 0;
        rename_claimed(argc, argv);
        c = CMSG_FIRSTHDR(&mh);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                n_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        if (!streq(buf, "CLAIM") || n_fds < CLAIM_FDS || (mh.msg_flags & MSG_CTRUNC)) {
                berth_error_set(&err, EPROTO, "zygote: unexpected message from berthd");
                fail(&err);
        }
        memcpy(fds, CMSG_DATA(c), n_fds * sizeof(int));
        for (size_t i = CLAIM_FDS; i < n_fds; i++)
                claim_binds.fd[claim_binds.n++] = fds[i];
        /* Into the places a freshly started berth-init finds them (launch-spec.h). */
        if (dup2(fds[0], LAUNCH_FD_SPEC) < 0 || dup2(fds[1], LAUNCH_FD_LOG) < 0 ||
            dup2(fds[1], 2) < 0 || dup2(fds[2], LAUNCH_FD_LOG_OLD) < 0 ||
            dup2(fds[3], LAUNCH_FD_STATUS) < 0) {
                berth_error_set_errno(&err, errno, "zygote: take the claim's files");
                fail(&err);
        }
        for (int i = 0; i < 4; i++)
                (void)close(fds[i]);
        for (int fd = LAUNCH_FD_SPEC; fd < _LAUNCH_FD_MAX; fd++)
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        return fds[4];
}

/* ---- set-up steps ---------------------------------------------------------------- */

static int read_spec(struct berth_error *err)
{
        json_t *j = NULL;
        int r = read_spec_json(&j, err);

        if (r < 0)
                return r;
        r = berth_launch_from_json(j, &spec, err);
        json_decref(j);
        return r;
}

static int join_cgroups(struct berth_error *err)
{
        int r = join_cgroups_at(spec.cgroups, err);

        if (r < 0)
                return r;
        if ((spec.namespaces & LAUNCH_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return berth_error_set_errno(err, errno, "unshare the cgroup namespace");
        return 0;
}

/* The uid/gid maps were written before this program was exec'd (the cloned child waits
 * for berthd's GO), and they map 0. Under the identity map (or any that maps 0 to the
 * host's root) berth-init is that root already; under another it came in as the host's
 * root, an id the namespace does not map, with its capabilities ambient (launch.c), and
 * has used that for what lies in the host's tree: the groups it joined, the bind sources,
 * the staging tmpfs and the root's tree (rootfs_open_host()), which may sit in
 * directories of root's alone. Everything from here is made as the namespace's root: a
 * file system mounted in the namespace takes no file from an id it does not map
 * (EOVERFLOW), and the payload's ids are the namespace's. */
static int become_userns_root(struct berth_error *err)
{
        if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
                return berth_error_set_errno(err, errno, "become root in the user namespace");
        /* The change of ids made it dumpable again (suid_dumpable); and nothing ambient
         * stays (the payload's sets are set afresh: apply_restrictions()). */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return berth_error_set_errno(err, errno, "clear the ambient capabilities");
        return 0;
}

/* Prepared by a zygote before its claim (prepared set). */
static int zygote_console = -1;

static int zygote_prepare_more(struct berth_error *err)
{
        zygote_console = console_setup(err);
        if (zygote_console < 0)
                return zygote_console;
        return restrict_zygote_early(err);
}

/* ---- systemd mode --------------------------------------------------------------- */

static _noreturn_ void exec_systemd(int console)
{
        struct berth_error err = {};
        int tty;

        /* systemd owns the console; berthd copies its output into the log. berthd
         * also holds the slave open: a pty whose slave nobody has open hangs up, and
         * systemd, which opens and closes the console as it logs, would find it
         * gone and wait a second at every message. */
        sync_send("CONSOLE", console);
        console = safe_close(console);
        {
                int slave = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
                if (slave >= 0) {
                        sync_send("CONSOLE-SLAVE", slave);
                        (void)close(slave);
                }
        }
        if (setsid() < 0)
                (void)0;
        init_log_flush();
        tty = open("/dev/console", O_RDWR | O_CLOEXEC);
        if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) < 0 || dup2(tty, 0) < 0 || dup2(tty, 1) < 0 ||
            dup2(tty, 2) < 0) {
                berth_error_set_errno(&err, errno, "make /dev/console the controlling tty");
                fail(&err);
        }
        if (tty > 2)
                (void)close(tty);
        {
                struct restrictions rs;
                struct restrict_failure f = {};

                if (prepare_restrictions(&rs, &err) < 0)
                        fail(&err);
                if (apply_restrictions(&rs, &f) < 0) {
                        restrict_error(&f, &err);
                        berth_error_prefix(&err, "restrict systemd");
                        fail(&err);
                }
        }
        (void)close(LAUNCH_FD_STATUS);
        (void)close(LAUNCH_FD_LOG_OLD);
        (void)close(LAUNCH_FD_SECCOMP);
        (void)close(LAUNCH_FD_SECCOMP_FINISH);
        sync_send("READY 1", -1);
        (void)close(LAUNCH_FD_SYNC);
        execve(spec.exec_path, spec.args, spec.env);
        /* Nobody is listening any more: the exit status (127) tells. */
        _exit(127);
}

/* ---- the payload and the supervision loop --------------------------------------- */

struct relay {
        int fd;
        bool open;
};

static uint64_t log_size;

static void rotate_log(void)
{
        /* Copy, then truncate: the log's name never changes, so berthd and anything
         * else appending to it keep working (they use O_APPEND). */
        (void)log_rotate_fd(LAUNCH_FD_LOG, LAUNCH_FD_LOG_OLD);
        log_size = 0;
}

/* One read's worth into the log: how many bytes (0 when nothing was there). */
static ssize_t relay_once(struct relay *r)
{
        char buf[16384];
        ssize_t n = read(r->fd, buf, sizeof(buf));

        if (n <= 0) {
                if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        r->open = false;
                        r->fd = safe_close(r->fd);
                }
                return 0;
        }
        if (spec.log_max && log_size + (uint64_t)n > spec.log_max)
                rotate_log();
        if (write(LAUNCH_FD_LOG, buf, (size_t)n) == n)
                log_size += (uint64_t)n;
        return n;
}

/* What berthd reads to learn how the payload ended, even after a restart of its own. */
static void write_status(int wstatus, const char *error)
{
        _cleanup_free_ char *text = NULL;
        struct timespec ts;
        json_t *j;

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        if (error)
                j = json_pack("{s:s, s:i}", "error", error, "exit_code", 127);
        else if (WIFSIGNALED(wstatus))
                j = json_pack("{s:i}", "signal", WTERMSIG(wstatus));
        else
                j = json_pack("{s:i}", "exit_code", WEXITSTATUS(wstatus));
        if (!j)
                return;
        json_object_set_new(j, "finished_at",
                            json_real((double)ts.tv_sec + (double)ts.tv_nsec / 1e9));
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!text)
                return;
        /* No fsync: the record has to outlive berthd, not the machine (the
         * container does not survive a reboot either), and fsync costs a
         * millisecond on every container exit. */
        (void)!pwrite(LAUNCH_FD_STATUS, text, strlen(text), 0);
}

/* terminal: the console's slave (a pty whose master berth-init copies into the log)
 * as the payload's stdin, stdout, stderr and controlling tty, as exec_systemd() makes
 * it systemd's. In the payload's process, a session leader by now: system calls only.
 * The fd itself is close-on-exec; its copies at 0, 1 and 2 are not. */
static int take_terminal(void)
{
        int tty = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);

        if (tty < 0)
                return -1;
        if (ioctl(tty, TIOCSCTTY, 0) < 0 || dup2(tty, 0) < 0 || dup2(tty, 1) < 0 ||
            dup2(tty, 2) < 0) {
                int e = errno;
                (void)close(tty);
                errno = e;
                return -1;
        }
        return 0;
}

static pid_t start_payload(int out_w, struct berth_error *err)
{
        struct restrictions rs;
        volatile struct restrict_failure f = {};
        pid_t pid;
        int r;

        r = prepare_restrictions(&rs, err);
        if (r < 0)
                return r;
        init_log("executing %s", spec.exec_path);
        init_log_flush();
        /* vfork: no copy of this process's memory for a child that execs at once; the
         * child writes nothing but f (and errno) before execve() or _exit(). */
        pid = vfork();
        if (pid < 0) {
                free(rs.seccomp.filter);
                free(rs.finish.filter);
                return berth_error_set_errno(err, errno, "start the payload");
        }
        if (pid == 0) {
                if (setsid() < 0 ||
                    (!spec.terminal && (dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0))) {
                        f.error = errno;
                        f.step = STEP_EXEC;
                        _exit(127);
                }
                if (spec.terminal && take_terminal() < 0) {
                        f.error = errno;
                        f.step = STEP_TERMINAL;
                        _exit(127);
                }
                if (apply_restrictions(&rs, &f) < 0)
                        _exit(127);
                execve(spec.exec_path, spec.args, spec.env);
                f.error = errno;
                f.step = STEP_EXEC;
                _exit(127);
        }
        /* The child has exec'd or ended: f says which. */
        free(rs.seccomp.filter);
        free(rs.finish.filter);
        if (f.step != STEP_NONE) {
                struct restrict_failure copy = { .step = f.step,
                                                 .index = f.index,
                                                 .error = f.error };

                (void)waitpid(pid, NULL, 0);
                return restrict_error(&copy, err);
        }
        return pid;
}

static int supervise(pid_t payload, int sfd, struct relay *out, struct relay *console)
{
        int status = 0;
        bool done = false;

        while (!done || out->open) {
                struct pollfd p[3] = {
                        { .fd = sfd, .events = POLLIN },
                        { .fd = out->open ? out->fd : -1, .events = POLLIN },
                        { .fd = console->open ? console->fd : -1, .events = POLLIN },
                };

                /* Once the payload is gone, only drain what it left in the pipe. */
                if (poll(p, 3, done ? 200 : -1) == 0 && done)
                        break;
                if (p[1].revents)
                        relay_once(out);
                if (p[2].revents)
                        relay_once(console);
                if (p[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                continue;
                        if (si.ssi_signo != SIGCHLD) {
                                /* Forward to the payload; berthd escalates to SIGKILL
                                 * of the whole namespace itself if it must. */
                                if (!done)
                                        (void)kill(payload, (int)si.ssi_signo);
                                continue;
                        }
                        for (;;) {
                                int ws;
                                pid_t w = waitpid(-1, &ws, WNOHANG);
                                if (w <= 0)
                                        break;
                                if (w == payload) {
                                        status = ws;
                                        done = true;
                                }
                        }
                }
        }
        /* What is left on the console: unlike the pipe, it never reaches its end
         * (berth-init holds its slave open), and a terminal payload's output is all
         * there. A read of a pty waits for the kernel's pending copies into it
         * (n_tty_read()), so this finds what the payload wrote before it ended; the bound
         * keeps a process left behind that keeps writing from holding PID 1 here. */
        for (int i = 0; i < 64 && console->open && relay_once(console) > 0; i++)
                ;
        return status;
}

int main(int argc, char *argv[])
{
        struct berth_error err = {};
        struct relay out = { .fd = -1 }, console = { .fd = -1 };
        int pipefd[2], sfd, con, status, tree = -1;
        sigset_t all;
        pid_t payload;
        char msg[64];

        /* No process in the container may ptrace or read the fds of PID 1, and none of
         * the host files handed over may reach the payload. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        for (int fd = LAUNCH_FD_SPEC; fd < _LAUNCH_FD_MAX; fd++)
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (argc == 2 && streq(argv[1], "--exec"))
                exec_main();
        if (argc >= 3 && streq(argv[1], "--zygote"))
                tree = zygote_wait(argc, argv);
        if (read_spec(&err) < 0)
                fail(&err);
        /* A zygote's bounding set is the default profile's already: a claim may take
         * capabilities away from it, never add any. */
        if (tree >= 0 && (spec.systemd || spec.namespaces != 0 || spec.cgroup2_inside ||
                          (spec.caps & ~BERTH_CAPS_ZYGOTE) != 0 || !spec.no_new_privs)) {
                berth_error_set(&err, EINVAL, "zygote: only the default profile");
                fail(&err);
        }
        if (spec.systemd && spec.uid != 0) {
                berth_error_set(&err, EINVAL, "launch spec: systemd mode needs 'uid' 0");
                fail(&err);
        }
        if (join_cgroups(&err) < 0)
                fail(&err);
        if (tree >= 0) {
                if (rootfs_zygote_claim(tree, &spec, &claim_binds, &err) < 0)
                        fail(&err);
                (void)close(tree);
        } else {
                struct rootfs_host host;

                if (rootfs_open_host(&spec, &host, &err) < 0 ||
                    ((spec.namespaces & LAUNCH_NS_USER) && become_userns_root(&err) < 0) ||
                    rootfs_setup(&spec, &host, &err) < 0)
                        fail(&err);
                rootfs_host_close(&host);
        }
        if (spec.hostname && sethostname(spec.hostname, strlen(spec.hostname)) < 0) {
                berth_error_set_errno(&err, errno, "set the hostname");
                fail(&err);
        }
        if ((spec.namespaces & LAUNCH_NS_NET) && loopback_up() < 0)
                init_log("warning: could not bring up lo");
        con = tree >= 0 ? zygote_console : console_setup(&err);
        if (con < 0)
                fail(&err);
        if (spec.systemd) {
                init_log("executing %s (systemd)", spec.exec_path);
                exec_systemd(con);
        }

        /* Signals arrive through a signalfd; the payload gets a clean mask. */
        sigfillset(&all);
        (void)sigprocmask(SIG_BLOCK, &all, NULL);
        sfd = signalfd(-1, &all, SFD_CLOEXEC);
        if (sfd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
                berth_error_set_errno(&err, errno, "signalfd/pipe");
                fail(&err);
        }
        {
                struct stat st;
                if (fstat(LAUNCH_FD_LOG, &st) >= 0)
                        log_size = (uint64_t)st.st_size;
        }
        payload = start_payload(pipefd[1], &err);
        if (payload < 0)
                fail(&err);
        (void)close(pipefd[1]);
        out = (struct relay){ .fd = pipefd[0], .open = true };
        console = (struct relay){ .fd = con, .open = true };
        /* Keep the console's slave open (see exec_systemd()); never passed on. */
        (void)open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
        (void)fcntl(out.fd, F_SETFL, O_NONBLOCK);

        (void)snprintf(msg, sizeof(msg), "READY %d", (int)payload);
        sync_send(msg, -1);
        (void)close(LAUNCH_FD_SYNC);
        if (tree >= 0 && rootfs_zygote_detach_old_root(&err) < 0) {
                /* The old root is the zygote's empty tmpfs: harmless where it is. */
                init_log("warning: %s", err.msg);
                berth_error_clear(&err);
        }

        status = supervise(payload, sfd, &out, &console);
        write_status(status, NULL);
        if (WIFSIGNALED(status))
                init_log("payload killed by signal %d", WTERMSIG(status));
        else
                init_log("payload exited with status %d", WEXITSTATUS(status));
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
#include "launch-join.h"
#include "launch-internal.h"
#include "launch.h"
#include "macro.h"
#include "pidref.h"
#include "seccomp-profile.h"
#include "strv.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/berth"
#endif

int berth_launcher_new(struct berth_launcher **ret, struct berth_error *err)
{
        struct berth_launcher *L;
        int r;

        L = calloc(1, sizeof(*L));
        if (!L)
                return -ENOMEM;
        L->init_fd = -EBADF;
        for (int i = 0; i < _BERTH_SECCOMP_PROFILE_MAX; i++)
                L->seccomp_fd[i] = -EBADF;
        L->init_path = find_helper("berth-init", "BERTH_INIT");
        if (!L->init_path) {
                berth_launcher_free(L);
                return berth_error_set(err, ENOENT, "berth-init not found next to berthd or in %s",
                                       LIBEXECDIR);
        }
        L->init_fd = open(L->init_path, O_PATH | O_CLOEXEC);
        if (L->init_fd < 0) {
                r = berth_error_set_errno(err, errno, "open '%s'", L->init_path);
                berth_launcher_free(L);
                return r;
        }
        for (int i = 0; i < _BERTH_SECCOMP_PROFILE_MAX; i++) {
                L->seccomp_fd[i] = berth_seccomp_build((enum berth_seccomp_profile)i, err);
                if (L->seccomp_fd[i] < 0) {
                        r = L->seccomp_fd[i];
                        berth_launcher_free(L);
                        return r;
                }
        }
        *ret = L;
        return 0;
}

struct berth_launcher *berth_launcher_free(struct berth_launcher *L)
{
        if (!L)
                return NULL;
        safe_close(L->init_fd);
        for (int i = 0; i < _BERTH_SECCOMP_PROFILE_MAX; i++)
                safe_close(L->seccomp_fd[i]);
        free(L->init_path);
        free(L);
        return NULL;
}

/* j (taken over) in a sealed memfd. */
int launch_json_memfd(json_t *j)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len;

        if (!j)
                return -ENOMEM;
        text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        fd = memfd_create("berth-spec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t)len)
                return -errno;
        (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
        return TAKE_FD(fd);
}

static int spec_memfd(const struct berth_launch *spec)
{
        return launch_json_memfd(berth_launch_to_json(spec));
}

static int write_map(pid_t pid, const char *file, const char *text)
{
        char path[64];
        _cleanup_close_ int fd = -EBADF;

        (void)snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -errno;
}

/* What the child needs; on the parent's stack, which the child shares (CLONE_VM). */
struct child_args {
        const int *src; /* [_LAUNCH_FD_MAX] */
        int init_fd;
        bool wait_go;
        bool keep_caps; /* after GO: every capability ambient (child_keep_caps()) */
        char *const *argv;
        char *const *envp;
};

#define CHILD_SYSCALL(...) syscall(__VA_ARGS__)

/* The child of a user namespace whose root is not the host's: it is still the host's
 * root, an id the namespace does not map, and the exec of a program without file
 * capabilities by such an id keeps none (the kernel grants a non-root exec its ambient
 * set only). So every capability it has in the namespace (all, as the namespace's
 * creator, within the bounding set) becomes inheritable and ambient, and berth-init
 * starts with them, as the host's root still; it becomes the namespace's root once it
 * has done what needs the host's tree (berth-init.c), and clears the ambient set.
 * Raw system calls only, as the rest of the child. Returns 0, or -1 with errno. */
_no_sanitize_ static int child_keep_caps(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2];
        uint64_t set = 0;

        if (CHILD_SYSCALL(SYS_capget, &h, d) < 0)
                return -1;
        for (unsigned c = 0; c < 64; c++) {
                long in_bset = CHILD_SYSCALL(SYS_prctl, PR_CAPBSET_READ, c, 0, 0, 0);

                if (in_bset < 0)
                        break; /* past the kernel's last capability */
                if (in_bset > 0 && (d[c / 32].permitted & (1u << (c % 32))))
                        set |= 1ull << c;
        }
        d[0].inheritable = (uint32_t)set;
        d[1].inheritable = (uint32_t)(set >> 32);
        if (CHILD_SYSCALL(SYS_capset, &h, d) < 0)
                return -1;
        for (unsigned c = 0; c < 64; c++)
                if ((set & (1ull << c)) &&
                    CHILD_SYSCALL(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                        return -1;
        return 0;
}

/* The child side: raw system calls only (see launch.h). It may share berthd's memory
 * (CLONE_VM), so it writes nothing but its own stack, and never returns. */
_no_sanitize_ static int child(void *arg)
{
        static const char prefix[] = "ERROR ";
        const char *what = " cannot execute berth-init";
        const struct child_args *a = arg;
        int tmp[_LAUNCH_FD_MAX], tmp_init, sync_fd = a->src[LAUNCH_FD_SYNC];
        char msg[96], digits[16];
        size_t n = 0, k = 0;
        long e;

        /* Move every source above the target range first, so that no dup2() below
         * overwrites a source that is still needed. */
        for (int i = 0; i < _LAUNCH_FD_MAX; i++)
                if ((tmp[i] = (int)CHILD_SYSCALL(SYS_fcntl, a->src[i], F_DUPFD_CLOEXEC, 64)) < 0)
                        goto fail;
        if ((tmp_init = (int)CHILD_SYSCALL(SYS_fcntl, a->init_fd, F_DUPFD_CLOEXEC, 64)) < 0)
                goto fail;
        for (int i = 0; i < _LAUNCH_FD_MAX; i++)
                if (CHILD_SYSCALL(SYS_dup3, tmp[i], i, 0) < 0)
                        goto fail;
        sync_fd = LAUNCH_FD_SYNC;
        /* The binary's fd stays, close-on-exec, just above the fixed ones. */
        if (CHILD_SYSCALL(SYS_dup3, tmp_init, _LAUNCH_FD_MAX, O_CLOEXEC) < 0)
                goto fail;
        (void)CHILD_SYSCALL(SYS_close_range, _LAUNCH_FD_MAX + 1, ~0U, 0);
        if (a->wait_go) {
                char go[4];
                if (CHILD_SYSCALL(SYS_read, LAUNCH_FD_SYNC, go, sizeof(go)) <= 0)
                        CHILD_SYSCALL(SYS_exit_group, 127);
                what = " cannot keep its capabilities in the user namespace";
                if (a->keep_caps && child_keep_caps() < 0)
                        goto fail;
                what = " cannot execute berth-init";
        }
        CHILD_SYSCALL(SYS_execveat, _LAUNCH_FD_MAX, "", a->argv, a->envp, AT_EMPTY_PATH);
fail:
        e = errno;
        do
                digits[k++] = (char)('0' + e % 10);
        while ((e /= 10) && k < sizeof(digits));
        for (size_t i = 0; i < sizeof(prefix) - 1; i++)
                msg[n++] = prefix[i];
        while (k)
                msg[n++] = digits[--k];
        for (size_t i = 0; what[i] && n < sizeof(msg); i++)
                msg[n++] = what[i];
        (void)CHILD_SYSCALL(SYS_write, sync_fd, msg, n);
        CHILD_SYSCALL(SYS_exit_group, 127);
        return 127;
}

#if defined(__x86_64__)
/* clone3() with CLONE_VM | CLONE_VFORK: the child runs fn(arg) on the given stack in
 * the parent's address space while the parent waits for its execve() or exit, as
 * posix_spawn() does. No copy of berthd's page tables (fork's dup_mmap), and execve()
 * has no copied address space to tear down: about a millisecond per start here. glibc
 * has no clone3() wrapper that runs a function, so this is the few instructions it
 * takes: the child, on its new stack, calls fn and exits with its result. */
static long clone3_vfork(struct clone_args *ca, int (*fn)(void *), void *arg)
{
        register long rax __asm__("rax") = SYS_clone3;
        register void *r12 __asm__("r12") = (void *)fn;
        register void *r13 __asm__("r13") = arg;

        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "xor %%ebp, %%ebp\n\t"
                         "mov %%r13, %%rdi\n\t"
                         "call *%%r12\n\t"
                         "mov %%eax, %%edi\n\t"
                         "mov %[exit], %%eax\n\t"
                         "syscall\n\t"
                         "hlt\n"
                         "1:"
                         : "+r"(rax)
                         : "D"(ca), "S"(sizeof(*ca)), "r"(r12), "r"(r13), [exit] "i"(SYS_exit)
                         : "rcx", "r11", "memory");
        return rax;
}
#define HAVE_CLONE3_VFORK 1
#endif

static int recv_msg(int fd, char *buf, size_t size, int *ret_fd)
{
        struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } u;
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)
        };
        ssize_t n;

        n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && ret_fd)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return (int)n;
}

/* Read berth-init's messages until READY, ERROR, or its end. what: "the container",
 * "the command". */
int launch_wait_ready(int sync_fd, int pidfd, int timeout_ms, const char *what,
                      struct berth_launched *res, struct berth_error *err)
{
        int64_t deadline = monotonic_ms() + timeout_ms;

        for (;;) {
                struct pollfd p = { .fd = sync_fd, .events = POLLIN };
                char msg[LAUNCH_MSG_MAX];
                int fd = -1, n, left = (int)(deadline - monotonic_ms());

                if (left <= 0 || poll(&p, 1, left) == 0)
                        /* 500, not 504: a timeout of berth's own, not of a peer. */
                        return berth_error_set(err, EIO, "%s did not start within %d ms", what,
                                               timeout_ms);
                n = recv_msg(sync_fd, msg, sizeof(msg), &fd);
                if (n < 0 && n != -EINTR)
                        return berth_error_set_errno(err, -n, "read from berth-init");
                if (n == 0) {
                        siginfo_t si = {};
                        (void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOWAIT | WNOHANG);
                        return berth_error_set(err, EIO,
                                               "berth-init ended before %s ran (status %d)", what,
                                               si.si_status);
                }
                if (streq(msg, "CONSOLE-SLAVE")) {
                        safe_close(res->console_slave);
                        res->console_slave = fd;
                } else if (streq(msg, "CONSOLE")) {
                        safe_close(res->console_fd);
                        res->console_fd = fd;
                } else if (strncmp(msg, "READY ", 6) == 0) {
                        res->payload_pid = (pid_t)strtol(msg + 6, NULL, 10);
                        return 0;
                } else if (strncmp(msg, "ERROR ", 6) == 0) {
                        char *end;
                        long e = strtol(msg + 6, &end, 10);
                        if (*end == ' ')
                                end++;
                        return berth_error_set(err, e > 0 ? (int)e : EIO, "%s", end);
                } else
                        safe_close(fd);
        }
}

/* Clone into new namespaces (flags) and exec berth-init with argv and the fds in src
 * at their fixed numbers. Sets *ret_pid and *ret_pidfd. */
int launch_spawn_init(struct berth_launcher *L, uint64_t flags, const int *src, char *const *argv,
                      bool wait_go, bool keep_caps, int cgroup_v2, pid_t *ret_pid, int *ret_pidfd,
                      struct berth_error *err)
{
        char *const envp[] = { NULL };
        struct clone_args ca = { .exit_signal = SIGCHLD };
        struct child_args args = { .src = src, .init_fd = L->init_fd, .argv = argv, .envp = envp };
        int pidfd = -EBADF;
        long pid;

        ca.flags = flags | CLONE_PIDFD;
        ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
        if (cgroup_v2 >= 0) {
                /* Born in its v2 group: no migration, no write lock (kernel >= 5.7). */
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = (uint64_t)cgroup_v2;
        }
        args.wait_go = wait_go;
        args.keep_caps = keep_caps;
#ifdef HAVE_CLONE3_VFORK
        if (!args.wait_go) {
                /* The child's stack: a part of this thread's, which is idle until the
                 * child has exec'd (musl's posix_spawn does the same). Signals stay
                 * blocked in the child until berth-init sets its own mask, so no
                 * handler of berthd ever runs on it. */
                _alignas_(16) char stack[16384];
                sigset_t all, old;

                ca.flags |= CLONE_VM | CLONE_VFORK;
                ca.stack = (uint64_t)(uintptr_t)stack;
                ca.stack_size = sizeof(stack);
                sigfillset(&all);
                (void)pthread_sigmask(SIG_SETMASK, &all, &old);
                pid = clone3_vfork(&ca, child, &args);
                (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (pid < 0) {
                        errno = (int)-pid;
                        pid = -1;
                }
        } else
#endif
        {
                pid = syscall(SYS_clone3, &ca, sizeof(ca));
                if (pid == 0)
                        (void)child(&args);
        }
        if (pid < 0) {
                if (cgroup_v2 >= 0 && (errno == EINVAL || errno == E2BIG || errno == ENOSYS))
                        return berth_error_set(err, EOPNOTSUPP, "no CLONE_INTO_CGROUP");
                return berth_error_set_errno(err, errno, "clone the container's namespaces");
        }
        *ret_pid = (pid_t)pid;
        *ret_pidfd = pidfd;
        return 0;
}

/* The spec's maps as text for /proc/PID/{uid,gid}_map, checked as the kernel would
 * (launch-spec.h): a map it refuses is named here, not as an EINVAL of the write. */
static int userns_maps(const struct berth_launch *spec, char **ret_uid, char **ret_gid,
                       struct berth_error *err)
{
        int r;

        if ((spec->n_uid_map == 0) != (spec->n_gid_map == 0))
                return berth_error_set(err, EINVAL, "uid_map and gid_map go together");
        r = berth_launch_idmap_check(spec->uid_map, spec->n_uid_map, "uid_map", err);
        if (r >= 0)
                r = berth_launch_idmap_check(spec->gid_map, spec->n_gid_map, "gid_map", err);
        if (r < 0)
                return r;
        *ret_uid = berth_launch_idmap_format(spec->uid_map, spec->n_uid_map);
        *ret_gid = berth_launch_idmap_format(spec->gid_map, spec->n_gid_map);
        return *ret_uid && *ret_gid ? 0 : -ENOMEM;
}

/* Is the namespace's root the host's root (as under the identity map)? Then berth-init,
 * exec'd as the host's root, is the namespace's root and keeps its capabilities. */
static bool userns_root_is_root(const struct berth_launch *spec)
{
        if (spec->n_uid_map == 0)
                return true;
        for (size_t i = 0; i < spec->n_uid_map; i++)
                if (spec->uid_map[i].inside == 0)
                        return spec->uid_map[i].outside == 0;
        return false;
}

/* launch_spawn_init() as berth_launch_in_joined() runs it. */
struct spawn_call {
        struct berth_launcher *L;
        uint64_t flags;
        const int *src;
        char *const *argv;
        bool wait_go, keep_caps;
        int cgroup_v2;
        pid_t *ret_pid;
        int *ret_pidfd;
        struct berth_error *err;
};

static int spawn_call(void *p)
{
        struct spawn_call *c = p;

        return launch_spawn_init(c->L, c->flags, c->src, c->argv, c->wait_go, c->keep_caps,
                                 c->cgroup_v2, c->ret_pid, c->ret_pidfd, c->err);
}

/* launch_spawn_init(), from a thread in the namespaces the spec joins when it joins any. */
static int spawn_joined(const struct berth_launch *spec, struct spawn_call *c)
{
        int fds[_LAUNCH_JOIN_MAX], r;
        bool any = false;

        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                if (spec->ns_join[i]) {
                        c->flags &= ~(uint64_t)berth_launch_join_type(i);
                        any = true;
                }
        if (!any)
                return spawn_call(c);
        r = berth_launch_join_open(spec, fds, c->err);
        if (r < 0)
                return r;
        r = berth_launch_in_joined(fds, spawn_call, c, c->err);
        berth_launch_join_close(fds);
        return r;
}

/* The spec's resource limits and real-time priority on berth-init, from berthd: raising
 * a hard limit takes CAP_SYS_RESOURCE, and a real-time policy CAP_SYS_NICE, in the host's
 * user namespace, which berth-init has no more once it is the root of a user namespace
 * that maps it elsewhere. The payload inherits the policy; berth-init sets the limits
 * again (lowering nothing). */
static int userns_rlimits(const struct berth_launch *spec, pid_t pid, struct berth_error *err)
{
        char digits[16];

        /* A real-time task may only be where there is a real-time budget: in the
         * container's groups already (berth-init's own join of them is then a no-op). */
        (void)snprintf(digits, sizeof(digits), "%d", (int)pid);
        STRV_FOREACH (p, spec->rt_priority > 0 ? spec->cgroups : NULL) {
                size_t l = strlen(*p);
                bool procs = l > 13 && streq(*p + l - 13, "/cgroup.procs");
                _cleanup_free_ char *dir = procs ? strndup(*p, l - 13) : strdup(*p);
                int r = dir ? berth_cgroup_write(dir, "cgroup.procs", digits) : -ENOMEM;

                if (r < 0)
                        return berth_error_set_errno(err, -r, "move the container into '%s'", *p);
        }
        if (spec->rt_priority > 0 &&
            sched_setscheduler(pid, SCHED_RR, &(struct sched_param){ spec->rt_priority }) < 0)
                return berth_error_set_errno(err, errno, "run the container SCHED_RR at %d",
                                             spec->rt_priority);
        for (size_t i = 0; i < spec->n_rlimits; i++) {
                const struct berth_launch_rlimit *l = &spec->rlimits[i];
                struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

                if (prlimit(pid, (__rlimit_resource_t)l->resource, &rl, NULL) < 0)
                        return berth_error_set_errno(err, errno, "set %s of the container",
                                                     berth_rlimit_to_string(l->resource));
        }
        return 0;
}

void launch_kill_and_reap(int pidfd)
{
        (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        (void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){}, WEXITED);
}

/* One filter, installed by the payload (a zygote's two: seccomp-profile.h): a custom one
 * replaces the profile, as a bundle's filter is the whole filter in crun. */
static int launch_filter(const struct berth_launcher *L, const struct berth_launch *spec,
                         const struct berth_launch_fds *fds)
{
        if (fds->seccomp_custom)
                return fds->seccomp_fd;
        if (spec->systemd)
                return L->seccomp_fd[BERTH_SECCOMP_SYSTEMD];
        return L->seccomp_fd[spec->namespaces & LAUNCH_NS_USER ? BERTH_SECCOMP_USERNS
                                                               : BERTH_SECCOMP_DEFAULT];
}

int berth_launch_start(struct berth_launcher *L, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err)
{
        _cleanup_close_ int spec_fd = -EBADF, devnull = -EBADF, pidfd = -EBADF;
        _cleanup_free_ char *uid_map = NULL, *gid_map = NULL;
        int sync[2] = { -EBADF, -EBADF };
        char *const argv[] = { (char *)"berth-init", NULL };
        struct berth_launched res = { .console_fd = -EBADF,
                                      .console_slave = -EBADF,
                                      .mntns_fd = -EBADF };
        uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
        int src[_LAUNCH_FD_MAX];
        pid_t pid;
        int r;

        if (spec->namespaces & LAUNCH_NS_NET)
                flags |= CLONE_NEWNET;
        if (spec->namespaces & LAUNCH_NS_USER)
                flags |= CLONE_NEWUSER;

        spec_fd = spec_memfd(spec);
        if (spec_fd < 0)
                return berth_error_set_errno(err, -spec_fd, "write the launch spec");
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
                return berth_error_set_errno(err, errno, "prepare the launch");

        src[LAUNCH_FD_STDIN] = devnull;
        src[LAUNCH_FD_LOG] = fds->log;
        src[2] = fds->log;
        src[LAUNCH_FD_SPEC] = spec_fd;
        src[LAUNCH_FD_SYNC] = sync[1];
        src[LAUNCH_FD_STATUS] = fds->status;
        src[LAUNCH_FD_LOG_OLD] = fds->log_old;
        src[LAUNCH_FD_SECCOMP] = launch_filter(L, spec, fds);
        src[LAUNCH_FD_SECCOMP_FINISH] = devnull;

        if (spec->namespaces & LAUNCH_NS_USER) {
                r = userns_maps(spec, &uid_map, &gid_map, err);
                if (r < 0)
                        goto out;
        }
        r = spawn_joined(spec,
                         &(struct spawn_call){
                                 .L = L,
                                 .flags = flags,
                                 .src = src,
                                 .argv = argv,
                                 .wait_go = (spec->namespaces & LAUNCH_NS_USER) || fds->before_go,
                                 .keep_caps = (spec->namespaces & LAUNCH_NS_USER) &&
                                              !userns_root_is_root(spec),
                                 .cgroup_v2 = fds->cgroup_v2,
                                 .ret_pid = &pid,
                                 .ret_pidfd = &pidfd,
                                 .err = err,
                         });
        if (r < 0)
                goto out;

        sync[1] = safe_close(sync[1]);
        if (spec->namespaces & LAUNCH_NS_USER) {
                /* Written by berthd, which has CAP_SETGID in the parent namespace: no "deny"
                 * in setgroups is needed first, and the payload may still be given its
                 * supplementary groups. Without maps, the identity: root is root, but every
                 * capability is now relative to the container's own user namespace. */
                r = write_map(pid, "uid_map", uid_map);
                if (r < 0)
                        berth_error_set_errno(err, -r, "write the uid_map of the user namespace");
                else {
                        r = write_map(pid, "gid_map", gid_map);
                        if (r < 0)
                                berth_error_set_errno(err, -r,
                                                      "write the gid_map of the user namespace");
                }
                if (r < 0)
                        goto kill;
        }
        if ((spec->namespaces & LAUNCH_NS_USER) && !userns_root_is_root(spec)) {
                r = userns_rlimits(spec, pid, err);
                if (r < 0)
                        goto kill;
        }
        if (fds->before_go) {
                r = fds->before_go(pid, fds->before_go_data, err);
                if (r < 0)
                        goto kill;
        }
        if (((spec->namespaces & LAUNCH_NS_USER) || fds->before_go) &&
            send(sync[0], "GO", 2, MSG_NOSIGNAL) != 2) {
                r = berth_error_set_errno(err, errno, "let berth-init go on");
                goto kill;
        }
        r = launch_wait_ready(sync[0], pidfd, timeout_ms, "the container", &res, err);
        if (r < 0)
                goto kill;
        res.mntns_fd = pid_open_mntns(pid, pidfd);
        res.pid = pid;
        res.pidfd = TAKE_FD(pidfd);
        *ret = res;
        r = 0;
        goto out;
kill:
        launch_kill_and_reap(pidfd);
        safe_close(res.console_fd);
        safe_close(res.console_slave);
out:
        safe_close(sync[0]);
        safe_close(sync[1]);
        return r;
}

/* ---- zygotes ---------------------------------------------------------------------- */

void berth_zygote_kill(struct berth_zygote *z)
{
        if (z->pidfd >= 0)
                launch_kill_and_reap(z->pidfd);
        z->pidfd = safe_close(z->pidfd);
        z->sync_fd = safe_close(z->sync_fd);
        z->mntns_fd = safe_close(z->mntns_fd);
        z->pid = 0;
}

int berth_zygote_start(struct berth_launcher *L, const char *staging, char *const *cgroups,
                       int timeout_ms, struct berth_zygote *ret, struct berth_error *err)
{
        _cleanup_close_ int devnull = -EBADF;
        char *argv[4 + 16] = { (char *)"berth-init", (char *)"--zygote", (char *)staging };
        size_t n = 3;
        struct berth_zygote z = { .pidfd = -EBADF, .sync_fd = -EBADF, .mntns_fd = -EBADF };
        int sync[2] = { -EBADF, -EBADF }, src[_LAUNCH_FD_MAX], r;
        struct pollfd p;
        char msg[LAUNCH_MSG_MAX];

        STRV_FOREACH (g, cgroups)
                if (n < ELEMENTSOF(argv) - 1)
                        argv[n++] = *g;
        argv[n] = NULL;
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
                return berth_error_set_errno(err, errno, "prepare a zygote");
        for (int i = 0; i < _LAUNCH_FD_MAX; i++)
                src[i] = devnull;
        src[LAUNCH_FD_SYNC] = sync[1];
        src[LAUNCH_FD_SECCOMP] = L->seccomp_fd[BERTH_SECCOMP_ZYGOTE];
        src[LAUNCH_FD_SECCOMP_FINISH] = L->seccomp_fd[BERTH_SECCOMP_FINISH];
        r = launch_spawn_init(L, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC, src,
                              argv, false, false, -1, &z.pid, &z.pidfd, err);
        safe_close(sync[1]);
        z.sync_fd = sync[0];
        if (r < 0) {
                safe_close(z.sync_fd);
                return r;
        }
        p = (struct pollfd){ .fd = z.sync_fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) <= 0) {
                berth_zygote_kill(&z);
                return berth_error_set(err, EIO, "a zygote did not get ready within %d ms",
                                       timeout_ms);
        }
        r = recv_msg(z.sync_fd, msg, sizeof(msg), NULL);
        if (r <= 0 || !streq(msg, "ZYGOTE")) {
                berth_zygote_kill(&z);
                return berth_error_set(err, EIO, "a zygote failed: %s",
                                       r > 0 ? msg : "it ended at once");
        }
        z.mntns_fd = pid_open_mntns(z.pid, z.pidfd);
        *ret = z;
        return 0;
}

/* The claim's files, then the sources of the bind mounts (berth-init's zygote_wait()). */
#define CLAIM_FDS 5

static void close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                safe_close(fds[i]);
}

/* The bind sources of spec, opened here: the zygote has no view of the host's tree. */
static int open_bind_sources(const struct berth_launch *spec, int *fds, size_t *n,
                             struct berth_error *err)
{
        if (spec->n_mounts > LAUNCH_MOUNTS_MAX)
                return berth_error_set(err, EINVAL, "more than %d extra mounts", LAUNCH_MOUNTS_MAX);
        for (size_t i = 0; i < spec->n_mounts; i++) {
                int fd;

                if (spec->mounts[i].type != LAUNCH_MOUNT_BIND)
                        continue;
                fd = berth_launch_mount_open_source(&spec->mounts[i]);
                if (fd < 0)
                        return berth_error_set_errno(err, -fd, "open the bind source '%s'",
                                                     spec->mounts[i].source);
                fds[(*n)++] = fd;
        }
        return 0;
}

int berth_zygote_claim_send(struct berth_zygote *z, const struct berth_launch *spec,
                            const struct berth_launch_fds *fds, int tree_fd,
                            struct berth_error *err)
{
        struct berth_launch zs = *spec;
        _cleanup_close_ int spec_fd = -EBADF;
        int pass[CLAIM_FDS + LAUNCH_MOUNTS_MAX] = { -EBADF, fds->log, fds->log_old, fds->status,
                                                    tree_fd };
        size_t n_binds = 0;
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(pass))];
        } u = {};
        struct iovec iov = { .iov_base = (void *)"CLAIM", .iov_len = 5 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
        struct cmsghdr *c;
        int r;

        if (fds->seccomp_custom)
                return berth_error_set(err, EINVAL,
                                       "a zygote has installed berth's seccomp profile: a "
                                       "custom filter needs a fresh start");
        /* The zygote joined its groups itself before it pivoted. */
        zs.cgroups = NULL;
        spec_fd = spec_memfd(&zs);
        if (spec_fd < 0)
                return berth_error_set_errno(err, -spec_fd, "write the launch spec");
        pass[0] = spec_fd;
        r = open_bind_sources(spec, pass + CLAIM_FDS, &n_binds, err);
        if (r >= 0) {
                size_t len = (CLAIM_FDS + n_binds) * sizeof(int);

                mh.msg_controllen = CMSG_SPACE(len);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(len);
                memcpy(CMSG_DATA(c), pass, len);
                if (sendmsg(z->sync_fd, &mh, MSG_NOSIGNAL) != 5)
                        r = berth_error_set_errno(err, errno, "hand the container to a zygote");
        }
        close_fds(pass + CLAIM_FDS, n_binds);
        return r < 0 ? r : 0;
}

int berth_zygote_claim_wait(struct berth_zygote *z, int timeout_ms, struct berth_launched *ret,
                            struct berth_error *err)
{
        struct berth_launched res = { .console_fd = -EBADF,
                                      .console_slave = -EBADF,
                                      .mntns_fd = -EBADF };
        int r = launch_wait_ready(z->sync_fd, z->pidfd, timeout_ms, "the container", &res, err);

        if (r < 0)
                return r;
        res.pid = z->pid;
        res.pidfd = TAKE_FD(z->pidfd);
        res.mntns_fd = TAKE_FD(z->mntns_fd);
        z->sync_fd = safe_close(z->sync_fd);
        *ret = res;
        return 0;
}

int berth_zygote_claim(struct berth_zygote *z, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int tree_fd, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err)
{
        int r = berth_zygote_claim_send(z, spec, fds, tree_fd, err);

        return r < 0 ? r : berth_zygote_claim_wait(z, timeout_ms, ret, err);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The payload's restrictions (restrict.h). Single-threaded; the apply side runs in a
 * vfork child: system calls only. */
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
#include "restrict.h"

/* A BPF program from fd (a memfd of berthd's), or none when fd is /dev/null. */
static int read_program(int fd, struct sock_fprog *ret, struct berth_error *err)
{
        struct sock_filter *prog;
        struct stat st;

        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat the seccomp program");
        if (!S_ISREG(st.st_mode) || st.st_size == 0)
                return 0;
        if (st.st_size % (off_t)sizeof(struct sock_filter) != 0 || st.st_size > (1 << 20))
                return berth_error_set(err, EINVAL, "the seccomp program is malformed");
        prog = malloc((size_t)st.st_size);
        if (!prog)
                return -ENOMEM;
        if (pread(fd, prog, (size_t)st.st_size, 0) != st.st_size) {
                free(prog);
                return berth_error_set_errno(err, errno, "read the seccomp program");
        }
        ret->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
        ret->filter = prog;
        return 0;
}

/* The seccomp program and the ignored signals: no spec needed (a zygote reads them
 * before its claim). */
static int prepare_fixed_restrictions(struct restrictions *rs, struct berth_error *err)
{
        int r;

        *rs = (struct restrictions){};
        r = read_program(LAUNCH_FD_SECCOMP, &rs->seccomp, err);
        if (r >= 0)
                r = read_program(LAUNCH_FD_SECCOMP_FINISH, &rs->finish, err);
        if (r < 0) {
                free(rs->seccomp.filter);
                return r;
        }

        /* Ignored signals stay ignored across exec (berthd ignores SIGPIPE; a shell
         * may have ignored SIGINT and SIGQUIT for it): found in SigIgn, reset in the
         * child. Handlers do not survive exec, so nothing else needs a call. */
        rs->ignored = ~0ull;
        {
                char buf[4096];
                ssize_t n = -1;
                int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

                if (fd >= 0) {
                        n = read(fd, buf, sizeof(buf) - 1);
                        (void)close(fd);
                }
                if (n > 0) {
                        const char *p;
                        buf[n] = 0;
                        p = strstr(buf, "\nSigIgn:");
                        if (p)
                                rs->ignored = strtoull(p + 8, NULL, 16);
                }
        }
        return 0;
}

static void set_bit(struct __user_cap_data_struct *caps, size_t field_offset, unsigned c)
{
        *(uint32_t *)((char *)&caps[c / 32] + field_offset) |= 1u << (c % 32);
}

/* The payload's sets: the spec's, or effective = permitted = the bounding set. */
static void set_capabilities(struct restrictions *rs)
{
        uint64_t eff = spec.cap_sets ? spec.cap_effective : spec.caps;
        uint64_t perm = spec.cap_sets ? spec.cap_permitted : spec.caps;
        uint64_t inh = spec.cap_sets ? spec.cap_inheritable : 0;

        rs->drop = 0;
        rs->ambient = spec.cap_sets ? spec.cap_ambient : 0;
        memset(rs->caps, 0, sizeof(rs->caps));
        for (unsigned c = 0; c < 64; c++) {
                if (eff & (1ull << c))
                        set_bit(rs->caps, offsetof(struct __user_cap_data_struct, effective), c);
                if (perm & (1ull << c))
                        set_bit(rs->caps, offsetof(struct __user_cap_data_struct, permitted), c);
                if (inh & (1ull << c))
                        set_bit(rs->caps, offsetof(struct __user_cap_data_struct, inheritable), c);
                if (!(spec.caps & (1ull << c)))
                        rs->drop |= 1ull << c;
        }
}

static struct restrictions zygote_rs;
static bool zygote_rs_ready;

/* A zygote serves the default profile only, so the restrictions that are the same for
 * every container of it go on before the claim, off the start's path: no_new_privs,
 * the bounding set, and the seccomp filter, whose installation (the kernel converts
 * and compiles it and precomputes its per-syscall cache) is the dearest call of the
 * whole start. From here on they bind berth-init too, which needs none of what they
 * take away: its mount work at the claim uses its effective capabilities, which the
 * bounding set does not touch, and the filter denies nothing it calls. */
static int zygote_restrict_early(struct restrictions *rs, struct berth_error *err)
{
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return berth_error_set_errno(err, errno, "zygote: set no_new_privs");
        for (unsigned c = 0; c < 64; c++)
                if (!(BERTH_CAPS_ZYGOTE & (1ull << c)) &&
                    prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                break; /* past the kernel's last capability */
                        return berth_error_set_errno(err, errno, "zygote: drop capability %u", c);
                }
        if (rs->seccomp.filter) {
                if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &rs->seccomp) < 0)
                        return berth_error_set_errno(err, errno,
                                                     "zygote: install the seccomp filter");
                rs->seccomp.filter = mfree(rs->seccomp.filter);
        }
        return 0;
}

int prepare_restrictions(struct restrictions *rs, struct berth_error *err)
{
        bool early = zygote_rs_ready;

        if (zygote_rs_ready) {
                *rs = zygote_rs;
                zygote_rs_ready = false;
        } else {
                int r = prepare_fixed_restrictions(rs, err);
                if (r < 0)
                        return r;
        }
        set_capabilities(rs);
        if (early)
                /* The bounding set is the default profile's already: drop only what the
                 * spec takes away from it. */
                rs->drop &= BERTH_CAPS_ZYGOTE;
        if (spec.oom_score_adj_set)
                (void)snprintf(rs->oom_score_adj, sizeof(rs->oom_score_adj), "%d",
                               spec.oom_score_adj);
        return 0;
}

static int failed(volatile struct restrict_failure *f, enum restrict_step step, size_t index)
{
        f->step = step;
        f->index = index;
        f->error = errno ? errno : EIO;
        return -1;
}

/* What takes root's capabilities, before the user changes: lowering the OOM score and
 * raising a hard limit take CAP_SYS_RESOURCE. The working directory is tried as root
 * too, as runc does (one root can reach and the user cannot still works); *ret_cwd
 * says whether it is done. */
static int apply_as_root(const struct restrictions *rs, volatile struct restrict_failure *f,
                         bool *ret_cwd)
{
        if (spec.umask_set)
                (void)umask(spec.umask);
        if (rs->oom_score_adj[0]) {
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                size_t len = strlen(rs->oom_score_adj);

                if (fd < 0 || write(fd, rs->oom_score_adj, len) != (ssize_t)len)
                        return failed(f, STEP_OOM_SCORE_ADJ, 0);
                (void)close(fd);
        }
        for (size_t i = 0; i < spec.n_rlimits; i++) {
                const struct berth_launch_rlimit *l = &spec.rlimits[i];
                struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

                if (setrlimit(l->resource, &rl) < 0)
                        return failed(f, STEP_RLIMIT, i);
        }
        /* In a user namespace that maps its root elsewhere, berthd did (launch.c). */
        if (spec.rt_priority > 0 && sched_getscheduler(0) != SCHED_RR &&
            sched_setscheduler(0, SCHED_RR, &(struct sched_param){ spec.rt_priority }) < 0)
                return failed(f, STEP_SCHED, 0);
        *ret_cwd = !spec.cwd || chdir(spec.cwd) >= 0;
        return 0;
}

/* The user (crun's order): with PR_SET_KEEPCAPS the permitted set survives the uid
 * change (the effective one does not: capset() sets it again after). Raw system calls:
 * glibc's set*id wrappers would signal other threads, and this may be a vfork child. */
static int change_user(volatile struct restrict_failure *f)
{
        if (spec.uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return failed(f, STEP_USER, 0);
        if (syscall(SYS_setgroups, spec.n_gids, spec.gids) < 0 ||
            syscall(SYS_setresgid, spec.gid, spec.gid, spec.gid) < 0 ||
            syscall(SYS_setresuid, spec.uid, spec.uid, spec.uid) < 0)
                return failed(f, STEP_USER, 0);
        return 0;
}

/* The filter, and a zygote's second one on top. */
static int install_filters(const struct restrictions *rs, volatile struct restrict_failure *f)
{
        if (rs->seccomp.filter && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &rs->seccomp) < 0)
                return failed(f, STEP_SECCOMP, 0);
        /* What berth-init itself still needed (mount, pivot_root, …), refused from here. */
        if (rs->finish.filter && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &rs->finish) < 0)
                return failed(f, STEP_SECCOMP, 0);
        return 0;
}

/* In the payload's process (or in PID 1 itself, in systemd mode): system calls only.
 * Order: signals, what needs root, no_new_privs (which also lets an unprivileged filter
 * install), the bounding set, the user, the capability sets, seccomp last so the filter
 * need not allow the calls before it. Without no_new_privs the kernel lets only
 * CAP_SYS_ADMIN install a filter, which the payload's sets may lack: then the filter goes
 * on first, while berth-init still has every capability of its namespace (as crun does),
 * and must allow what follows (prctl, setgroups, setresuid, chdir, capset, execve): berth's
 * profiles do; a custom filter that does not is its author's choice. Returns 0, or -1
 * with f set. */
int apply_restrictions(const struct restrictions *rs, volatile struct restrict_failure *f)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        bool cwd_done = false;
        sigset_t none;

        for (int sig = 1; sig < NSIG && sig <= 64; sig++)
                if (rs->ignored & (1ull << (sig - 1)))
                        (void)signal(sig, SIG_DFL);
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);

        if (apply_as_root(rs, f, &cwd_done) < 0)
                return -1;
        if (spec.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return failed(f, STEP_NO_NEW_PRIVS, 0);
        if (!spec.no_new_privs && install_filters(rs, f) < 0)
                return -1;
        /* One prctl per dropped capability; EINVAL past the kernel's last one. */
        for (unsigned c = 0; c < 64; c++)
                if ((rs->drop & (1ull << c)) &&
                    prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
                        if (errno == EINVAL)
                                break;
                        return failed(f, STEP_BOUNDING_SET, 0);
                }
        if (change_user(f) < 0)
                return -1;
        if (!cwd_done && chdir(spec.cwd) < 0)
                return failed(f, STEP_CWD, 0);
        /* Nothing ambient crosses into the payload but what the spec raises. */
        if (syscall(SYS_capset, &hdr, rs->caps) < 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                return failed(f, STEP_CAPS, 0);
        for (unsigned c = 0; c < 64; c++)
                if ((rs->ambient & (1ull << c)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0)
                        return failed(f, STEP_CAPS, 0);
        return spec.no_new_privs ? install_filters(rs, f) : 0;
}

/* The message for a failure of apply_restrictions() or of the payload's execve(). */
int restrict_error(const struct restrict_failure *f, struct berth_error *err)
{
        switch (f->step) {
        case STEP_OOM_SCORE_ADJ:
                return berth_error_set_errno(err, f->error, "set oom_score_adj to %d",
                                             spec.oom_score_adj);
        case STEP_RLIMIT:
                return berth_error_set_errno(
                        err, f->error, "set %s to %llu (hard %llu)",
                        berth_rlimit_to_string(spec.rlimits[f->index].resource),
                        (unsigned long long)spec.rlimits[f->index].soft,
                        (unsigned long long)spec.rlimits[f->index].hard);
        case STEP_CWD:
                return berth_error_set_errno(err, f->error, "change to the working directory '%s'",
                                             spec.cwd);
        case STEP_NO_NEW_PRIVS:
                return berth_error_set_errno(err, f->error, "set no_new_privs");
        case STEP_BOUNDING_SET:
                return berth_error_set_errno(err, f->error, "drop from the bounding set");
        case STEP_USER:
                return berth_error_set_errno(err, f->error, "become uid %u gid %u (%zu groups)",
                                             (unsigned)spec.uid, (unsigned)spec.gid, spec.n_gids);
        case STEP_CAPS:
                return berth_error_set_errno(err, f->error, "set the capabilities");
        case STEP_SECCOMP:
                return berth_error_set_errno(err, f->error, "install the seccomp filter");
        case STEP_TERMINAL:
                return berth_error_set_errno(err, f->error,
                                             "make /dev/console the payload's terminal");
        case STEP_SCHED:
                return berth_error_set_errno(
                        err, f->error, "run the payload SCHED_RR at priority %d", spec.rt_priority);
        case STEP_NONE:
        case STEP_EXEC:
                break;
        }
        return berth_error_set_errno(err, f->error, "execute '%s'", spec.exec_path);
}

int restrict_zygote_early(struct berth_error *err)
{
        int r = prepare_fixed_restrictions(&zygote_rs, err);

        if (r >= 0)
                r = zygote_restrict_early(&zygote_rs, err);
        if (r < 0)
                return r;
        zygote_rs_ready = true;
        return 0;
}

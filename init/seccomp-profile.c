/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "error.h"
#include "launch-spec.h"
#include "macro.h"
#include "seccomp-internal.h"
#include "seccomp-profile.h"

#define CAP(c) (1ull << (c))

/* Calls every container may make: files, memory, processes, signals, time, sockets,
 * IPC, scheduling of its own processes. */
static const char *const base[] = {
        "accept",
        "accept4",
        "access",
        "adjtimex",
        "alarm",
        "bind",
        "brk",
        "cachestat",
        "capget",
        "capset",
        "chdir",
        "chmod",
        "chown",
        "chown32",
        "clock_adjtime",
        "clock_adjtime64",
        "clock_getres",
        "clock_getres_time64",
        "clock_gettime",
        "clock_gettime64",
        "clock_nanosleep",
        "clock_nanosleep_time64",
        "close",
        "close_range",
        "connect",
        "copy_file_range",
        "creat",
        "dup",
        "dup2",
        "dup3",
        "epoll_create",
        "epoll_create1",
        "epoll_ctl",
        "epoll_ctl_old",
        "epoll_pwait",
        "epoll_pwait2",
        "epoll_wait",
        "epoll_wait_old",
        "eventfd",
        "eventfd2",
        "execve",
        "execveat",
        "exit",
        "exit_group",
        "faccessat",
        "faccessat2",
        "fadvise64",
        "fadvise64_64",
        "fallocate",
        "fanotify_mark",
        "fchdir",
        "fchmod",
        "fchmodat",
        "fchmodat2",
        "fchown",
        "fchown32",
        "fchownat",
        "fcntl",
        "fcntl64",
        "fdatasync",
        "fgetxattr",
        "flistxattr",
        "flock",
        "fork",
        "fremovexattr",
        "fsetxattr",
        "fstat",
        "fstat64",
        "fstatat64",
        "fstatfs",
        "fstatfs64",
        "fsync",
        "ftruncate",
        "ftruncate64",
        "futex",
        "futex_time64",
        "futex_waitv",
        "futimesat",
        "getcpu",
        "getcwd",
        "getdents",
        "getdents64",
        "getegid",
        "getegid32",
        "geteuid",
        "geteuid32",
        "getgid",
        "getgid32",
        "getgroups",
        "getgroups32",
        "getitimer",
        "getpeername",
        "getpgid",
        "getpgrp",
        "getpid",
        "getppid",
        "getpriority",
        "getrandom",
        "getresgid",
        "getresgid32",
        "getresuid",
        "getresuid32",
        "getrlimit",
        "get_robust_list",
        "getrusage",
        "getsid",
        "getsockname",
        "getsockopt",
        "get_thread_area",
        "gettid",
        "gettimeofday",
        "getuid",
        "getuid32",
        "getxattr",
        "inotify_add_watch",
        "inotify_init",
        "inotify_init1",
        "inotify_rm_watch",
        "io_cancel",
        "ioctl",
        "io_destroy",
        "io_getevents",
        "io_pgetevents",
        "io_pgetevents_time64",
        "ioprio_get",
        "ioprio_set",
        "io_setup",
        "io_submit",
        "ipc",
        "kill",
        "landlock_add_rule",
        "landlock_create_ruleset",
        "landlock_restrict_self",
        "lchown",
        "lchown32",
        "lgetxattr",
        "link",
        "linkat",
        "listen",
        "listxattr",
        "llistxattr",
        "_llseek",
        "lremovexattr",
        "lseek",
        "lsetxattr",
        "lstat",
        "lstat64",
        "madvise",
        "map_shadow_stack",
        "membarrier",
        "memfd_create",
        "memfd_secret",
        "mincore",
        "mkdir",
        "mkdirat",
        "mknod",
        "mknodat",
        "mlock",
        "mlock2",
        "mlockall",
        "mmap",
        "mmap2",
        "mprotect",
        "mq_getsetattr",
        "mq_notify",
        "mq_open",
        "mq_timedreceive",
        "mq_timedreceive_time64",
        "mq_timedsend",
        "mq_timedsend_time64",
        "mq_unlink",
        "mremap",
        "mseal",
        "msgctl",
        "msgget",
        "msgrcv",
        "msgsnd",
        "msync",
        "munlock",
        "munlockall",
        "munmap",
        "name_to_handle_at",
        "nanosleep",
        "newfstatat",
        "_newselect",
        "open",
        "openat",
        "openat2",
        "pause",
        "pidfd_open",
        "pidfd_send_signal",
        "pipe",
        "pipe2",
        "pkey_alloc",
        "pkey_free",
        "pkey_mprotect",
        "poll",
        "ppoll",
        "ppoll_time64",
        "prctl",
        "pread64",
        "preadv",
        "preadv2",
        "prlimit64",
        "process_mrelease",
        "process_vm_readv",
        "process_vm_writev",
        "pselect6",
        "pselect6_time64",
        "ptrace",
        "pwrite64",
        "pwritev",
        "pwritev2",
        "read",
        "readahead",
        "readlink",
        "readlinkat",
        "readv",
        "recv",
        "recvfrom",
        "recvmmsg",
        "recvmmsg_time64",
        "recvmsg",
        "remap_file_pages",
        "removexattr",
        "rename",
        "renameat",
        "renameat2",
        "restart_syscall",
        "rmdir",
        "rseq",
        "rt_sigaction",
        "rt_sigpending",
        "rt_sigprocmask",
        "rt_sigqueueinfo",
        "rt_sigreturn",
        "rt_sigsuspend",
        "rt_sigtimedwait",
        "rt_sigtimedwait_time64",
        "rt_tgsigqueueinfo",
        "sched_getaffinity",
        "sched_getattr",
        "sched_getparam",
        "sched_get_priority_max",
        "sched_get_priority_min",
        "sched_getscheduler",
        "sched_rr_get_interval",
        "sched_rr_get_interval_time64",
        "sched_setaffinity",
        "sched_setattr",
        "sched_setparam",
        "sched_setscheduler",
        "sched_yield",
        "seccomp",
        "select",
        "semctl",
        "semget",
        "semop",
        "semtimedop",
        "semtimedop_time64",
        "send",
        "sendfile",
        "sendfile64",
        "sendmmsg",
        "sendmsg",
        "sendto",
        "setfsgid",
        "setfsgid32",
        "setfsuid",
        "setfsuid32",
        "setgid",
        "setgid32",
        "setgroups",
        "setgroups32",
        "setitimer",
        "setpgid",
        "setpriority",
        "setregid",
        "setregid32",
        "setresgid",
        "setresgid32",
        "setresuid",
        "setresuid32",
        "setreuid",
        "setreuid32",
        "setrlimit",
        "set_robust_list",
        "setsid",
        "setsockopt",
        "set_thread_area",
        "set_tid_address",
        "setuid",
        "setuid32",
        "setxattr",
        "shmat",
        "shmctl",
        "shmdt",
        "shmget",
        "shutdown",
        "sigaltstack",
        "signalfd",
        "signalfd4",
        "sigprocmask",
        "sigreturn",
        "socketcall",
        "socketpair",
        "splice",
        "stat",
        "stat64",
        "statfs",
        "statfs64",
        "statx",
        "symlink",
        "symlinkat",
        "sync",
        "sync_file_range",
        "syncfs",
        "sysinfo",
        "tee",
        "tgkill",
        "time",
        "timer_create",
        "timer_delete",
        "timer_getoverrun",
        "timer_gettime",
        "timer_gettime64",
        "timer_settime",
        "timer_settime64",
        "timerfd_create",
        "timerfd_gettime",
        "timerfd_gettime64",
        "timerfd_settime",
        "timerfd_settime64",
        "times",
        "tkill",
        "truncate",
        "truncate64",
        "ugetrlimit",
        "umask",
        "uname",
        "unlink",
        "unlinkat",
        "utime",
        "utimensat",
        "utimensat_time64",
        "utimes",
        "vfork",
        "vmsplice",
        "wait4",
        "waitid",
        "waitpid",
        "write",
        "writev",
#if defined(__x86_64__) || defined(__i386__)
        "arch_prctl",
        "modify_ldt",
#endif
#if defined(__aarch64__) || defined(__arm__)
        "arm_fadvise64_64",
        "arm_sync_file_range",
        "sync_file_range2",
        "breakpoint",
        "cacheflush",
        "set_tls",
#endif
        NULL,
};

/* Calls that need a capability, allowed when the profile's set has it. */
static const char *const with_sys_admin[] = {
        "fsconfig", "fsmount",       "fsopen",        "fspick",        "lookup_dcookie",
        "mount",    "mount_setattr", "move_mount",    "open_tree",     "pivot_root",
        "quotactl", "quotactl_fd",   "setdomainname", "sethostname",   "setns",
        "umount",   "umount2",       "unshare",       "fanotify_init", NULL,
};
static const char *const with_sys_ptrace[] = { "kcmp", "pidfd_getfd", "process_madvise", NULL };
static const char *const with_sys_nice[] = {
        "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", "migrate_pages",
        "move_pages",    NULL
};
static const char *const with_sys_boot[] = { "reboot", NULL };
static const char *const with_sys_chroot[] = { "chroot", NULL };
static const char *const with_sys_tty_config[] = { "vhangup", NULL };
static const char *const with_dac_read_search[] = { "open_by_handle_at", NULL };

static const struct {
        int cap;
        const char *const *names;
} cap_groups[] = {
        { CAP_SYS_ADMIN, with_sys_admin },
        { CAP_SYS_PTRACE, with_sys_ptrace },
        { CAP_SYS_NICE, with_sys_nice },
        { CAP_SYS_BOOT, with_sys_boot },
        { CAP_SYS_CHROOT, with_sys_chroot },
        { CAP_SYS_TTY_CONFIG, with_sys_tty_config },
        { CAP_DAC_READ_SEARCH, with_dac_read_search },
};

/* berth-init's own calls after a zygote's filter is on (rootfs_zygote_claim(), the
 * detach of the old root, the host name): allowed by ZYGOTE, refused by FINISH. */
static const char *const init_only[] = { "mount",         "umount2",
                                         "pivot_root",    "move_mount",
                                         "mount_setattr", "sethostname",
                                         "setdomainname", NULL };

/* Known calls no profile allows: EPERM, as for the calls of the capabilities a profile
 * lacks (the rest of what is not allowed: ENOSYS). Never allowed whatever the
 * capabilities: loading kernels and modules, bpf (a program could detach the device
 * filter), perf, the key rings (ENOSYS for systemd, which treats that as "not available"),
 * swap, io_uring, userfaultfd. */
static const char *const refused[] = {
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "create_module",
        "get_kernel_syms",
        "query_module",
        "bpf",
        "perf_event_open",
        "keyctl",
        "add_key",
        "request_key",
        "swapon",
        "swapoff",
        "acct",
        "settimeofday",
        "clock_settime",
        "clock_settime64",
        "stime",
        "iopl",
        "ioperm",
        "nfsservctl",
        "uselib",
        "vm86",
        "vm86old",
        "_sysctl",
        "syslog",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "userfaultfd",
        "listmount",
        "statmount",
        NULL,
};

static bool enosys_in_systemd_mode(const char *name)
{
        return streq(name, "keyctl") || streq(name, "add_key") || streq(name, "request_key") ||
               streq(name, "bpf");
}

/* Namespace flags of clone() and unshare() (CLONE_NEWTIME only exists for unshare and
 * clone3: in clone()'s flags that bit is part of the exit signal). */
#define NS_FLAGS                                                                                  \
        ((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
                    CLONE_NEWPID | CLONE_NEWNET))
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static uint64_t profile_caps(enum berth_seccomp_profile p)
{
        if (p == BERTH_SECCOMP_SYSTEMD)
                return BERTH_CAPS_SYSTEMD;
        /* In a user namespace of its own: the capabilities of the namespaces it may
         * make below it. */
        if (p == BERTH_SECCOMP_USERNS)
                return BERTH_CAPS_DEFAULT | CAP(CAP_SYS_ADMIN);
        return BERTH_CAPS_DEFAULT;
}

static bool in_list(const char *const *l, const char *name)
{
        for (; *l; l++)
                if (streq(*l, name))
                        return true;
        return false;
}

bool berth_seccomp_allows(enum berth_seccomp_profile p, const char *name)
{
        uint64_t caps = profile_caps(p);

        if (p == BERTH_SECCOMP_FINISH)
                return !in_list(init_only, name);
        if (in_list(base, name))
                return true;
        if (p == BERTH_SECCOMP_ZYGOTE && in_list(init_only, name))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(cap_groups); i++)
                if ((caps & CAP(cap_groups[i].cap)) && in_list(cap_groups[i].names, name))
                        return true;
        return false;
}

int berth_seccomp_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                       const struct scmp_arg_cmp *cmp, struct berth_error *err)
{
        int nr = seccomp_syscall_resolve_name(name), r;

        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        r = seccomp_rule_add_array(ctx, action, nr, n, cmp);
        /* EDOM/EFAULT: not on one of the ABIs (x32, i386); EACCES: the default action. */
        if (r < 0 && r != -EDOM && r != -EFAULT && r != -EACCES)
                return berth_error_set_errno(err, -r, "seccomp rule for %s", name);
        return 0;
}

scmp_filter_ctx berth_seccomp_new(uint32_t def)
{
        scmp_filter_ctx ctx = seccomp_init(def);

        /* A binary tree of the syscall numbers instead of a list: the kernel runs the
         * filter for every syscall number when it installs it (to cache which ones it
         * always allows), and a tree halves that (about 200 -> 100 us here). Older
         * libseccomp (< 2.5) lacks the attribute: the list works the same. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        if (ctx)
                (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
        return ctx;
}

int berth_seccomp_export(scmp_filter_ctx ctx, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = memfd_create("berth-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return berth_error_set_errno(err, -r, "export the seccomp filter");
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return berth_error_set_errno(err, errno, "seal the seccomp filter");
        return TAKE_FD(fd);
}

static int add_list(scmp_filter_ctx ctx, uint32_t action, const char *const *names,
                    struct berth_error *err)
{
        for (; *names; names++) {
                int r = berth_seccomp_rule(ctx, action, *names, 0, NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* clone() and unshare() where namespaces are not the profile's to make: allowed without
 * namespace flags, EPERM with any of them (setns() is refused with the other
 * CAP_SYS_ADMIN calls). */
static int namespace_rules(scmp_filter_ctx ctx, struct berth_error *err)
{
        static const uint64_t bits[] = {
                CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET, CLONE_NEWTIME
        };
        int r;

        for (int k = 0; k < 2; k++) {
                const char *name = k == 0 ? "clone" : "unshare";
                uint64_t mask = NS_FLAGS | (k == 1 ? (uint64_t)CLONE_NEWTIME : 0);
                struct scmp_arg_cmp none = SCMP_A0(SCMP_CMP_MASKED_EQ, mask, 0);

                r = berth_seccomp_rule(ctx, SCMP_ACT_ALLOW, name, 1, &none, err);
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(bits); i++) {
                        struct scmp_arg_cmp one = SCMP_A0(SCMP_CMP_MASKED_EQ, bits[i], bits[i]);
                        if (k == 0 && bits[i] == CLONE_NEWTIME)
                                continue;
                        r = berth_seccomp_rule(ctx, SCMP_ACT_ERRNO(EPERM), name, 1, &one, err);
                }
                if (r < 0)
                        return r;
        }
        /* libc falls back to clone() on ENOSYS; clone3()'s flags are in memory, out of
         * a filter's reach. */
        return berth_seccomp_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err);
}

/* socket() but AF_VSOCK (the host's vsock services), personality() of the usual
 * execution domains only. */
static int argument_rules(scmp_filter_ctx ctx, struct berth_error *err)
{
        static const uint64_t personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
        struct scmp_arg_cmp vsock = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
        struct scmp_arg_cmp not_vsock = SCMP_A0(SCMP_CMP_NE, AF_VSOCK);
        int r;

        r = berth_seccomp_rule(ctx, SCMP_ACT_ALLOW, "socket", 1, &not_vsock, err);
        if (r >= 0)
                r = berth_seccomp_rule(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 1, &vsock, err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(personas); i++) {
                struct scmp_arg_cmp eq = SCMP_A0(SCMP_CMP_EQ, personas[i]);
                r = berth_seccomp_rule(ctx, SCMP_ACT_ALLOW, "personality", 1, &eq, err);
        }
        return r;
}

/* EPERM (ENOSYS for some in systemd mode) for each of names that profile p does not allow.
 * unshare() is left out: without CAP_SYS_ADMIN, namespace_rules() has its rules (a rule for
 * the whole call would override them). */
static int refuse_list(scmp_filter_ctx ctx, enum berth_seccomp_profile p, const char *const *names,
                       struct berth_error *err)
{
        for (; *names; names++) {
                uint32_t action = p == BERTH_SECCOMP_SYSTEMD && enosys_in_systemd_mode(*names)
                                          ? SCMP_ACT_ERRNO(ENOSYS)
                                          : SCMP_ACT_ERRNO(EPERM);
                int r;

                if (streq(*names, "unshare") || berth_seccomp_allows(p, *names))
                        continue;
                r = berth_seccomp_rule(ctx, action, *names, 0, NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int allow_list(scmp_filter_ctx ctx, enum berth_seccomp_profile p, struct berth_error *err)
{
        uint64_t caps = profile_caps(p);
        bool may_make_namespaces = (caps & CAP(CAP_SYS_ADMIN)) != 0;
        int r;

        r = add_list(ctx, SCMP_ACT_ALLOW, base, err);
        if (r >= 0 && p == BERTH_SECCOMP_ZYGOTE)
                r = add_list(ctx, SCMP_ACT_ALLOW, init_only, err);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(cap_groups); i++)
                if (caps & CAP(cap_groups[i].cap))
                        r = add_list(ctx, SCMP_ACT_ALLOW, cap_groups[i].names, err);
        if (r >= 0 && may_make_namespaces)
                r = add_list(ctx, SCMP_ACT_ALLOW, (const char *const[]){ "clone", "clone3", NULL },
                             err);
        else if (r >= 0)
                r = namespace_rules(ctx, err);
        if (r >= 0)
                r = argument_rules(ctx, err);
        if (r >= 0)
                r = refuse_list(ctx, p, refused, err);
        /* and the calls of the capabilities the profile lacks */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(cap_groups); i++)
                r = refuse_list(ctx, p, cap_groups[i].names, err);
        return r;
}

int berth_seccomp_build(enum berth_seccomp_profile p, struct berth_error *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        ctx = berth_seccomp_new(p == BERTH_SECCOMP_FINISH ? SCMP_ACT_ALLOW
                                                          : SCMP_ACT_ERRNO(ENOSYS));
        if (!ctx)
                return berth_error_set(err, ENOMEM, "seccomp_init");
#if defined(__x86_64__)
        /* Without it, the same calls through int 0x80 would pass. The x32 ABI is left
         * out: a third copy of the list (a third longer to install, 1,500 instructions
         * instead of 1,000), for binaries nobody ships; its calls hit the filter's
         * bad-architecture action, which kills. */
        (void)seccomp_arch_add(ctx, SCMP_ARCH_X86);
#endif
        if (p == BERTH_SECCOMP_FINISH)
                r = add_list(ctx, SCMP_ACT_ERRNO(EPERM), init_only, err);
        else
                r = allow_list(ctx, p, err);
        if (r < 0)
                return r;
        return berth_seccomp_export(ctx, err);
}

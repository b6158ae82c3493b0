/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>

#include "error.h"
#include "macro.h"
#include "seccomp-profile.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

const char *const berth_seccomp_denied[] = {
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "create_module",
        "get_kernel_syms",
        "query_module",
        "open_by_handle_at",
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
        "clock_adjtime",
        "adjtimex",
        "stime",
        "iopl",
        "ioperm",
        "lookup_dcookie",
        "nfsservctl",
        "uselib",
        "vm86",
        "vm86old",
        "_sysctl",
        "reboot",
        NULL,
};

static bool enosys_in_systemd_mode(const char *name)
{
        return streq(name, "keyctl") || streq(name, "add_key") || streq(name, "request_key") ||
               streq(name, "bpf");
}

int berth_seccomp_build(bool systemd, struct berth_error *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return berth_error_set(err, ENOMEM, "seccomp_init");
        /* A binary tree of the syscall numbers instead of a list: the kernel runs the
         * filter for every syscall number when it installs it (to cache which ones it
         * always allows), and a tree halves that (about 200 -> 100 us here). Older
         * libseccomp (< 2.5) lacks the attribute: the list works the same. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
#if defined(__x86_64__)
        /* Without these, the same calls through int 0x80 would pass. */
        (void)seccomp_arch_add(ctx, SCMP_ARCH_X86);
        (void)seccomp_arch_add(ctx, SCMP_ARCH_X32);
#endif
        for (const char *const *n = berth_seccomp_denied; *n; n++) {
                int nr = seccomp_syscall_resolve_name(*n);
                uint32_t action;

                if (nr == __NR_SCMP_ERROR)
                        continue; /* not on this architecture */
                if (systemd && streq(*n, "reboot"))
                        continue;
                action = systemd && enosys_in_systemd_mode(*n) ? SCMP_ACT_ERRNO(ENOSYS)
                                                               : SCMP_ACT_ERRNO(EPERM);
                r = seccomp_rule_add(ctx, action, nr, 0);
                if (r < 0 && r != -EDOM && r != -EFAULT)
                        return berth_error_set_errno(err, -r, "seccomp rule for %s", *n);
        }
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

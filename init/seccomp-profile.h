/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct berth_error;

/*
 * The seccomp filters of containers (libseccomp), an allow-list modelled on Docker's
 * default profile (moby profiles/seccomp/default.json):
 *
 *  - system calls on the list are allowed; those the profile knows and refuses
 *    (kernel and module loading, mount and the new mount API, namespaces, io_uring,
 *    userfaultfd, bpf, the key rings, clock setting, …) fail with EPERM; any other
 *    (one newer than this list, say) fails with ENOSYS, so that libc falls back;
 *  - calls that need a capability are on the list only when the profile's capability
 *    set has it (mount and unshare with CAP_SYS_ADMIN, reboot with CAP_SYS_BOOT, …);
 *  - without CAP_SYS_ADMIN, clone() and unshare() may not ask for a namespace
 *    (CLONE_NEW*), setns() is refused, and clone3() gets ENOSYS so that libc falls back
 *    to clone(), whose flags a filter can read; a container that asked for a user
 *    namespace may make namespaces inside it;
 *  - the filter covers the native ABI and, on x86-64, the i386 ABI; a call of the x32
 *    ABI kills the caller (the filter's bad-architecture action).
 *
 * berth-init still mounts and pivots after a zygote has installed its filter (the
 * installation is the dearest call of a start, so it happens ahead): the zygote
 * profile is the default one plus mount, umount2, pivot_root, move_mount,
 * mount_setattr and sethostname, and its payload installs BERTH_SECCOMP_FINISH on
 * top, which refuses them (stacked filters: the stricter answer wins). A container
 * started without a zygote installs the default profile alone.
 *
 * Each filter is built once by berthd; its BPF program is written to a sealed memfd
 * that each berth-init installs, so no container start compiles a filter.
 */
enum berth_seccomp_profile {
        BERTH_SECCOMP_DEFAULT, /* Docker's capability set, host user namespace */
        BERTH_SECCOMP_ZYGOTE,  /* DEFAULT plus berth-init's own mount calls */
        BERTH_SECCOMP_USERNS,  /* the same in a user namespace of its own: namespaces and
                                * mounts inside it are allowed */
        BERTH_SECCOMP_SYSTEMD, /* systemd-nspawn's set (CAP_SYS_ADMIN): privileged */
        BERTH_SECCOMP_FINISH,  /* on top of ZYGOTE, for the payload: what only berth-init
                                * needed */
        _BERTH_SECCOMP_PROFILE_MAX,
};

/* Returns the memfd / -errno. */
int berth_seccomp_build(enum berth_seccomp_profile p, struct berth_error *err);

/* Is name allowed by profile p (documentation and unit tests)? */
bool berth_seccomp_allows(enum berth_seccomp_profile p, const char *name);

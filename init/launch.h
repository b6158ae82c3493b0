/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "launch-spec.h"
#include "seccomp-profile.h"

struct berth_error;

/*
 * Starting berth-init in new namespaces, from any berthd thread.
 *
 * Why a thread may clone() here: the child runs nothing but async-signal-safe
 * system calls (fcntl, dup2, close_range, execveat, write, _exit) — the contract of
 * posix_spawn() — so no lock another thread held at clone() time can matter. All
 * set-up that could allocate happens in berth-init after exec. This saves the round
 * trip through a separate launcher process that ../shared/style.md suggests.
 */

struct berth_launcher {
        int init_fd; /* O_PATH fd of the berth-init binary */
        char *init_path;
        int seccomp_fd[_BERTH_SECCOMP_PROFILE_MAX]; /* BPF programs (seccomp-profile.h) */
};

/* Find berth-init next to the running berthd (build tree), else in LIBEXECDIR, and
 * build the seccomp programs. */
int berth_launcher_new(struct berth_launcher **ret, struct berth_error *err);
struct berth_launcher *berth_launcher_free(struct berth_launcher *L);

struct berth_launch_fds {
        int log;       /* the container log, opened O_RDWR|O_APPEND */
        int log_old;   /* <log>.1 */
        int status;    /* the exit-status file */
        int cgroup_v2; /* the container's v2 cgroup directory (CLONE_INTO_CGROUP), or -1 */
};

struct berth_launched {
        pid_t pid; /* berth-init (or systemd), in berthd's pid namespace */
        int pidfd;
        pid_t payload_pid; /* inside the container's pid namespace */
        int console_fd;    /* systemd mode: the console pty master, else -1 */
        int console_slave; /* systemd mode: an fd of its slave, held open, else -1 */
        /* Its mount namespace (negative if it could not be opened). Held by the caller until
         * PID 1's end has been handled: the last reference to a mount namespace
         * unmounts everything in it and waits for an RCU grace period (a few hundred
         * microseconds), and when that is PID 1's own, it comes before the exit is
         * reported. Closing the fd later does that work in the closer, off the exit's
         * path. */
        int mntns_fd;
};

/* Clone, exec berth-init, wait until the payload runs (or set-up failed: then the
 * child is reaped and err carries berth-init's message). timeout_ms bounds the wait.
 * Returns 0 / -errno; -EOPNOTSUPP when the kernel has no CLONE_INTO_CGROUP (the
 * caller then lists the v2 group's cgroup.procs in spec->cgroups instead). */
int berth_launch_start(struct berth_launcher *L, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err);

/*
 * Zygotes: berth-init started ahead of any request in the default namespaces (mount,
 * pid, uts, ipc), in v1 cgroups of its own, with /proc, /dev and /sys of the default
 * profile built in a tmpfs it has pivoted into (rootfs.h). A claim hands it a
 * container: the spec, log and status files, the root file system as a detached tree
 * (open_tree(2)), and the sources of the spec's bind mounts as detached trees too (it
 * no longer sees the host's tree); it attaches them, pivots into the root and starts
 * the payload as a fresh berth-init would, under the same command line ("berth-init").
 * The clone, the exec of berth-init and most of the mounts are then off the start's
 * path. Only for the default profile (no systemd, no extra namespaces, a bounding set
 * within BERTH_CAPS_ZYGOTE) and no v2 group (its migration costs an RCU grace period).
 * A zygote ends when its socket closes (berthd went away before claiming it).
 */
struct berth_zygote {
        pid_t pid;
        int pidfd;
        int sync_fd;
        int mntns_fd; /* becomes the container's (berth_launched) */
};

/* staging: an empty directory the zygote mounts its tmpfs on (in its own namespace);
 * cgroups: v1 directories it joins first (by itself: writing another process's pid
 * into "tasks" takes the global threadgroup lock, an RCU grace period, ~10 ms here). */
int berth_zygote_start(struct berth_launcher *L, const char *staging, char *const *cgroups,
                       int timeout_ms, struct berth_zygote *ret, struct berth_error *err);
/* On success the zygote is the container (ret as from berth_launch_start()) and z is
 * spent; on failure the caller kills it (berth_zygote_kill()). A claim is a send and a
 * wait: the caller may work while the zygote starts the payload (berthd renames the
 * zygote's groups to the container's meanwhile). */
int berth_zygote_claim(struct berth_zygote *z, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int tree_fd, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err);
int berth_zygote_claim_send(struct berth_zygote *z, const struct berth_launch *spec,
                            const struct berth_launch_fds *fds, int tree_fd,
                            struct berth_error *err);
int berth_zygote_claim_wait(struct berth_zygote *z, int timeout_ms, struct berth_launched *ret,
                            struct berth_error *err);
void berth_zygote_kill(struct berth_zygote *z);

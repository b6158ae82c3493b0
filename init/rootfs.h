/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "launch-spec.h"

struct berth_error;

/* berth-init's own log lines, "YYYY/MM/DD HH:MM:SS init: <msg>", on fd 2. They are
 * collected during set-up and written with one write(2) by init_log_flush(). */
void init_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void init_log_flush(void);

/* The sources of a launch's bind mounts as detached trees (open_tree(2)), in the order
 * of its bind mounts; closed by rootfs_binds_close() (and one by one once attached). */
struct rootfs_binds {
        int fd[LAUNCH_MOUNTS_MAX];
        size_t n;
};
void rootfs_binds_close(struct rootfs_binds *b);

/*
 * Privilege: PID 1 of fresh mount, pid, uts and ipc namespaces (as root in the host's
 * user namespace, or in its own user namespace when asked), still seeing the host's
 * mount tree. Turns that into the container's: every mount private, the kernel file
 * systems mounted inside the root, devices made, /proc and /sys read-only where it
 * matters and the dangerous /proc files masked, then pivot_root into it with the old
 * root detached. Every target is resolved inside the root (a symlink in the image
 * cannot point a mount at the host). Then the launch's extra mounts (launch-spec.h),
 * whose bind sources it opens first, while the host's mounts are still peers of its
 * own (so that "slave" and "shared" mean what they say); last the launch's own masked
 * and read-only paths, and "/" read-only when the launch asks (root_read_only).
 *
 * In two steps. rootfs_open_host() does what reaches into the host's tree by path: it
 * opens the bind sources, makes every mount private, mounts the staging tmpfs (owned
 * by the namespace's uid and gid 0) and makes the root file system a mount of its own;
 * in a user namespace whose root is not the host's, berth-init does that as the host's
 * root (whose directories, such as berthd's state directory, may be root's alone), and
 * only then becomes the namespace's root for rootfs_setup(), which does the rest in
 * the staging tmpfs and the root.
 *
 * On return the current directory and root are the container's "/".
 * Returns 0 / -errno with err set.
 */
struct rootfs_host {
        struct rootfs_binds binds;
        int staging_fd; /* the staging tmpfs */
        int root_fd;    /* the root file system, a mount of its own */
};
int rootfs_open_host(const struct berth_launch *l, struct rootfs_host *ret,
                     struct berth_error *err);
int rootfs_setup(const struct berth_launch *l, struct rootfs_host *h, struct berth_error *err);
/* Closes what is left of h (rootfs_setup() uses up the bind sources). */
void rootfs_host_close(struct rootfs_host *h);

/* Zygotes (berth-init --zygote, started ahead of any request): prepare mounts a tmpfs
 * on staging (an empty directory), builds /proc, /dev and /sys of the default profile
 * in it and pivots into it, detaching the host's tree; claim attaches the container's
 * root file system, a detached tree from open_tree(2), moves /proc, /dev and /sys
 * into it and pivots into that, leaving the staging tmpfs (empty by then: nothing of
 * the host's) stacked on the old root until rootfs_zygote_detach_old_root(), which
 * berth-init calls once the payload runs: a detach waits for an RCU grace period
 * (synchronize_rcu_expedited() in the kernel's namespace_unlock(), a few hundred
 * microseconds on this kind of machine), which then is off the start's path. Until
 * then berth-init's working directory must stay where the claim left it. The claim
 * makes l's extra mounts after the pivot, the binds from the trees berthd sent
 * (binds: one per bind mount of l, in order; the zygote cannot see the host's tree),
 * then l's masked and read-only paths and the read-only root, as rootfs_setup(). */
int rootfs_zygote_prepare(const char *staging, struct berth_error *err);
int rootfs_zygote_claim(int tree_fd, const struct berth_launch *l, struct rootfs_binds *binds,
                        struct berth_error *err);
int rootfs_zygote_detach_old_root(struct berth_error *err);

/* A pty for /dev/console (after rootfs_setup): returns the master fd, binds the slave
 * onto /dev/console. */
int console_setup(struct berth_error *err);

/* Bring the loopback interface of a new network namespace up. */
int loopback_up(void);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;

/*
 * Mounting through libmount. Privilege: root in the host's mount namespace.
 * Helpers (/sbin/mount.*), fstab and mtab/utab are all disabled: berth passes the
 * source, target, type and options itself and keeps its own records.
 */

enum {
        MOUNTFS_BIND = 1u << 0,            /* bind mount source onto target */
        MOUNTFS_RECURSIVE = 1u << 1,       /* with MOUNTFS_BIND: rbind */
        MOUNTFS_READ_ONLY = 1u << 2,       /* ro; for binds applied by a remount (recursively with
                                            * MOUNTFS_RECURSIVE) */
        MOUNTFS_NO_CANONICALIZE = 1u << 3, /* source is a /proc/self/fd/N path: keep it */
};

/* Errors are classified for the client: EINVAL for a request the kernel refuses
 * (wrong fs type, bad option, bad superblock), EROFS when a read-only device is
 * mounted rw, ENODEV for an unknown fs type. Returns 0 / -errno. */
int mountfs_mount(const char *source, const char *target, const char *fstype, const char *options,
                  unsigned flags, struct berth_error *err);

/* Unmount target. Without lazy, a busy mount is -EBUSY and stays mounted. A target
 * that is no longer a mount point is -EINVAL. Returns 0 / -errno. */
int mountfs_umount(const char *target, bool lazy, struct berth_error *err);

/* Detach every mount stacked on target, lazily (a busy one lives on until its last
 * user is gone). */
void mountfs_umount_all(const char *target);

/* Is path the root of a mount in this namespace? 1 / 0 / -errno. */
int mountfs_is_mountpoint(const char *path);

/* Is the mount at path read-only? 1 / 0 / -errno. */
int mountfs_is_read_only(const char *path);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct berth_error;

/*
 * Loop devices. Privilege: root (CAP_SYS_ADMIN) in the host's namespaces.
 *
 * loop_attach() binds backing_fd to a free loop device with LOOP_CONFIGURE (one ioctl,
 * no window between SET_FD and SET_STATUS) and sets LO_FLAGS_AUTOCLEAR, so the device
 * detaches itself when its last user (our fd, a mount) goes away: if berthd dies
 * before a mount holds the device, nothing is leaked. The caller keeps *ret_fd open
 * for as long as the attachment exists.
 *
 * Returns 0 / -errno (ENOSPC: no free loop device; EBUSY: lost every race).
 */
int loop_attach(int backing_fd, const char *name, bool read_only, bool partscan, int *ret_nr,
                int *ret_fd, struct berth_error *err);

/* Clear the device (the kernel defers this while the device is still open or mounted)
 * and close fd. Returns 0 / -errno. */
int loop_detach(int fd);

/* Describe users of block device rdev other than berth's own fd: mounts of it in
 * this mount namespace (except those under ignore_prefix) and sysfs holders. Writes a
 * human-readable list into buf. Returns 1 when in use, 0 when not, -errno. */
int blockdev_users(const char *sysfs_root, dev_t rdev, const char *ignore_prefix, char *buf,
                   size_t size);

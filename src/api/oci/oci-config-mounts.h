/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "workload.h"

struct berth_error;

/*
 * The mounts of an OCI config.json (oci-config.c's helpers). p names the mount in
 * messages ("mounts[3]"); destinations are clean absolute paths.
 */

/* type at destination with options, if berth makes that mount itself (proc at /proc,
 * tmpfs at /dev, devpts at /dev/pts, tmpfs at /dev/shm, mqueue at /dev/mqueue, sysfs at
 * /sys, cgroup or cgroup2 at /sys/fs/cgroup): 1 when every option holds of berth's own
 * mount, *ret_cgroup telling whether it is /sys/fs/cgroup; 0 when it is none of them.
 * -EOPNOTSUPP for one of those types elsewhere, or an option berth's own mount lacks. */
int oci_api_mount(const char *type, const char *destination, char *const *options, const char *p,
                  bool *ret_cgroup, struct berth_error *err);

/* Is destination where berth mounts something itself? */
bool oci_api_destination(const char *destination);

/* The options of a bind mount or a tmpfs (m->kind set) into m: ro/rw, nosuid/suid,
 * nodev/dev, noexec/exec, the propagations, bind/rbind (binds), size= and mode= (tmpfs),
 * and the access-time ones, which are left to the kernel. -EOPNOTSUPP for any other,
 * -EINVAL for a bad value. */
int oci_mount_options(char *const *options, const char *p, struct berth_wl_mount *m,
                      struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;
struct dobby_spec;

/*
 * The root file system of a Dobby spec's container, as Dobby's DobbyRootfs makes it: a
 * new directory per container, <roots>/<containerId>.<random>, holding empty mount
 * points (/proc /dev /sys /tmp /usr /home/private …), the host's /bin /sbin /lib …
 * as the same symbolic links into usr/ where the host has merged /usr (else mount
 * points), and a constructed /etc: passwd, group, hosts, services and ld.so.preload
 * (the spec's lines, or Dobby's defaults) and nsswitch.conf. Everything is berthd's,
 * directories 0755 and files 0644: the container's root, mapped to user.uid, reads them
 * and can change none. The workload mounts the rest: the host's /usr (and /bin … where
 * they are directories) read-only, recursively, a tmpfs at /tmp, then the spec's own.
 * The root itself is mounted read-only.
 *
 * Everything below roots is made with *at() calls that follow no link, and removed the
 * same way, never crossing a mount.
 */

/* roots below berthd's state directory */
#define DOBBY_ROOTS_DIR "oci-roots"

/* Make the root of container name below roots (a directory of berthd's, made 0711 when
 * missing), from the host's root file system at host (NULL: "/"; tests give another).
 * Checks first what the container will bind from the host (mount sources, /dev/log for
 * syslog, the system bus for dbus) and that console.path's directory exists, naming
 * the field when not. On success s->w.root_path is the new directory and s->w.mounts
 * start with the host's directories and /tmp (s->mount_fields alike); on failure
 * nothing is left. Returns 0 / -errno, err saying why. */
int dobby_root_make(const char *roots, const char *name, const char *host, struct dobby_spec *s,
                    struct berth_error *err);

/* Is path one of the roots below roots (a directory entry of it)? */
bool dobby_root_is_below(const char *roots, const char *path);

/* Remove the root at path (dobby_root_is_below(roots, path), else -EINVAL): recursively,
 * following no link and crossing no mount (-EBUSY: a mount was found, and it and what
 * holds it stay). A missing root is 0. */
int dobby_root_remove(const char *roots, const char *path);

/* Remove every root below roots but those named in keep (paths): what was left by a
 * removal berth did not see, or by a crash. */
void dobby_roots_sweep(const char *roots, char *const *keep);

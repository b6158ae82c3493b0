/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct berth_error;
struct berth_limits;

/*
 * The node's device allow-list (berthd --oci-device-allow PATH, repeatable; none by
 * default) and the requests of a Dobby spec's "devices" checked against it (peers.md
 * §1.3: [{major: 1..1024 or a driver's name, minor: 0..1024, access: r|w|rw|wr}]). A
 * device is allowed when one of the paths is a character device with that major (or a
 * major of that driver, as /proc/devices names it under "Character devices") and minor;
 * the container then sees that node at the same path (bound from the host, as Dobby
 * specs run in a user namespace where mknod is refused) and its device cgroup lets it
 * open it with the access asked for, never mknod (cgroup-devices.h).
 */

struct oci_device_allow {
        char *path; /* the host's node, below /dev */
        uint32_t major, minor;
        char *driver; /* its major's name in /proc/devices, or NULL */
};

struct oci_device_allowlist {
        struct oci_device_allow *v;
        size_t n;
};

#define OCI_DEVICE_ALLOW_FLAG "--oci-device-allow"

/* Is path a clean absolute path below /dev/ that is a character device itself (not a
 * symlink)? 0, or -errno with a message (without the flag's name) in msg. */
int oci_device_allow_check(const char *path, char *msg, size_t size);
/* Each path checked and its device read, with its driver from /proc/devices. -EINVAL
 * with err naming the path, -ENOMEM. */
int oci_device_allow_load(char *const *paths, struct oci_device_allowlist *ret,
                          struct berth_error *err);
void oci_device_allow_done(struct oci_device_allowlist *l);

/* A Dobby spec's "devices" (a, an array or absent) into lim's devices; *ret_paths gets
 * the node of each, in order (NULL when there is none). allow may be NULL (none). Pure.
 * -EINVAL / -EOPNOTSUPP / -EPERM (not allowed), err naming devices[i]; -ENOMEM. */
int oci_dobby_devices(json_t *a, const struct oci_device_allowlist *allow, struct berth_limits *lim,
                      char ***ret_paths, struct berth_error *err);

struct berth_workload;
/* An OCI bundle's linux.devices and linux.resources.devices (l: its linux object) into w,
 * for the character devices of allow: each of linux.devices is the host's node bound at
 * its path (below /dev/; fileMode, uid and gid only as the node is) and read-write for
 * the container, as runc and crun allow what they make (after the rules, as runc
 * orders them); the rules apply in order:
 * deny-all (the first is berth's own policy), or an allow or deny of one such device, r and
 * w (never m). Anything else is refused naming the field: -EINVAL, -EOPNOTSUPP, -EPERM (not
 * on the list), -ENOMEM. Pure but for a stat of an allowed node when fileMode, uid or gid
 * is given. */
int oci_bundle_devices(json_t *l, const struct oci_device_allowlist *allow,
                       struct berth_workload *w, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berth_device;
struct berth_error;
struct berth_limits;

/*
 * The device allow-list of every container: the standard character devices (null,
 * zero, full, random, urandom, tty, console, ptmx), pty slaves and /dev/net/tun may be
 * opened; any node may be made (mknod), none other opened. A container keeps
 * CAP_MKNOD, so without this list "mknod /dev/sda b 8 0" would reach the host's disk.
 *
 * cgroup v1: the devices controller's lists, set on berth's parent group (a new group
 * starts with its parent's list and can never widen it). cgroup v2 has no devices
 * controller: a BPF_CGROUP_DEVICE program, loaded once and attached to each
 * container's v2 group with BPF_F_ALLOW_MULTI, so that nothing the container attaches
 * below can widen it either (the kernel runs every program on the path; all must
 * allow). Privilege: root in the host's namespaces.
 *
 * Devices beyond the list (a node's allow-list, given to containers that ask for them):
 * on v1 berth's parent allows them too, as a child can only narrow its parent's list,
 * and each new group denies them again but for what its container asked for; on v2 a
 * container that asks for some gets a program of its own with them.
 */

/* Is major:minor one of the standard devices every container may open? */
bool berth_devices_standard(uint32_t major, uint32_t minor);

/* Write the list and extra (read and write) into berth's v1 parent group (devices.deny
 * "a", then each devices.allow; with children, whatever else it allows is denied rule by
 * rule). Returns 0 / -errno. */
int berth_devices_v1_set(const char *dir, const struct berth_device *extra, size_t n);
/* In a new v1 group below it: deny extra again, then allow the devices of want (NULL:
 * none) with their access. Returns 0 / -errno with err set. */
int berth_devices_v1_narrow(const char *dir, const struct berth_device *extra, size_t n,
                            const struct berth_limits *want, struct berth_error *err);

/* Load the BPF program: the list, and the devices of want (NULL: none) with their
 * access. Returns its fd / -errno with err set. */
int berth_devices_bpf_load(const struct berth_limits *want, struct berth_error *err);
/* Attach it to the v2 group at dir_fd. Returns 0 / -errno with err set. */
int berth_devices_bpf_attach(int prog_fd, int dir_fd, const char *dir, struct berth_error *err);

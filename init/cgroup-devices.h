/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct berth_error;

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
 */

/* Write the list into a v1 devices group (devices.deny "a", then each devices.allow).
 * Returns 0 / -errno. */
int berth_devices_v1_set(const char *dir);

/* Load the BPF program. Returns its fd / -errno with err set. */
int berth_devices_bpf_load(struct berth_error *err);
/* Attach it to the v2 group at dir_fd. Returns 0 / -errno with err set. */
int berth_devices_bpf_attach(int prog_fd, int dir_fd, const char *dir, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berth_error;

/*
 * The uid_map and gid_map of a container's user namespace (launch-spec.h), checked as
 * the kernel would take them.
 */

/* One line of a user namespace's uid_map or gid_map (JSON [inside, outside, count]):
 * count ids from inside (in the container) on are outside (in berthd's namespace) on. */
struct berth_launch_idmap {
        uint32_t inside, outside, count;
};

/* At most this many lines in a map (the kernel's limit since Linux 4.15). */
#define LAUNCH_IDMAP_MAX 340

/* A map as the kernel takes it: at most LAUNCH_IDMAP_MAX lines, each with count >= 1
 * and its ids below 4294967295 (the invalid id) inside and outside, no two lines
 * overlapping inside or outside, its text within a page (one write(2)), and inside 0
 * mapped. Returns 0 / -EINVAL with a message naming field ("uid_map[2]: …"). */
int berth_launch_idmap_check(const struct berth_launch_idmap *m, size_t n, const char *field,
                             struct berth_error *err);
/* Does m map inside id? n 0 (no map): every id is mapped. */
bool berth_launch_idmap_maps(const struct berth_launch_idmap *m, size_t n, uint32_t id);
/* m as /proc/PID/uid_map takes it, "inside outside count\n" per line; n 0: the identity
 * map ("0 0 4294967295\n"). Returns NULL only for OOM. */
char *berth_launch_idmap_format(const struct berth_launch_idmap *m, size_t n);

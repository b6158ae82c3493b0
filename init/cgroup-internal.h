/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "cgroup.h"

struct berth_error;

/*
 * What cgroup.c, its limits (cgroup-limits.c) and its files (cgroup-file.c) share.
 */

/* The text of dir/file (at most 1 MiB), NUL-terminated, in *ret. 0 / -errno. */
int cgroup_read_str(const char *dir, const char *file, char **ret);

/* cpuset groups start with no CPUs and no memory nodes; copy the parent's. */
int cgroup_cpuset_inherit(const char *dir);

/* Does l ask for a cpuset (cpus or memory nodes)? */
bool cgroup_wants_cpuset(const struct berth_limits *l);

/* Every limit of l on cg's groups: -errno, err naming the limit. */

int cgroup_set_limits(struct berth_cgroup *cg, const struct berth_limits *l,
                      struct berth_error *err);

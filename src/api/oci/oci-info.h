/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "oci-door.h"

/*
 * getContainerInfo (oci-info.c).
 */

int oc_m_info(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err);

/* getContainerInfo's cpu, memory and pids of the cgroups in these directories (each NULL
 * when the container has none there): cpu from cpuacct (v1) or cpu.stat (v2), memory from
 * the memory controller's files (v1 or v2), pids from cgroup.procs of pids_dir. Exposed
 * for tests. NULL on out of memory. */
struct oci_cgroup_dirs {
        const char *cpu;
        bool cpu_v2;
        const char *memory;
        bool memory_v2;
        const char *procs;
};
json_t *oci_cgroup_info(const struct oci_cgroup_dirs *dirs);

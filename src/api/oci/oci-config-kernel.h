/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "workload.h"

struct berth_error;

/*
 * The kernel's side of an OCI config.json's linux object (oci-config.c's helpers):
 * linux.sysctl, once the namespaces are decoded (w->namespaces, w->ns_join).
 */

/* linux.sysctl {"key": "value"} into w->sysctls ("key=value"): only parameters of a
 * namespace the container has to itself (net.* with its own network namespace, the ipc
 * ones and kernel.domainname unless that namespace is joined); anything else would
 * change the host, and is refused naming the key. */
int oci_decode_sysctl(json_t *l, struct berth_workload *w, struct berth_error *err);

/* linux.cgroupsPath into w->cgroups_path: relative to berthd's cgroup parent (a leading
 * '/' is the parent), berth_wl_cgroups_path_valid(); the systemd driver's
 * "slice:prefix:name" is refused. */
int oci_decode_cgroups_path(json_t *l, struct berth_workload *w, struct berth_error *err);

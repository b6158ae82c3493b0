/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "workload.h"

struct berth_error;

/* config.json's linux object (required: its namespaces) into w: -EINVAL or -EOPNOTSUPP
 * naming the field (oci-config.h). */
struct oci_device_allowlist;
/* devices: the node's allow-list for linux.devices and device rules (NULL: none). */
int oci_decode_linux(json_t *config, const struct oci_device_allowlist *devices,
                     struct berth_workload *w, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "store.h"

/*
 * Mounts: file systems berth mounts under <state>/mounts (an attachment's file system,
 * overlays of other mounts, bind mounts of host paths or of paths in other mounts).
 */
struct berth_mount_config {
        uint64_t overlay_upper_size; /* an overlay's upper tmpfs unless it asks; 0: none */
};

int berth_mount_type_register(struct berth_store *s, const struct berth_mount_config *cfg,
                              struct berth_error *err);

/* Create a top-level mount (berth_store_create()). */
static inline int berth_mount_create(struct berth_store *s, const struct berth_mount_spec *spec,
                                     berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        return berth_store_create(s, BERTH_OBJ_MOUNT, spec, fn, userdata, err);
}

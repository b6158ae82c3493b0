/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "store.h"

struct berth_supervisor;

/*
 * Attachments: block devices berth attaches (loop devices of image files, krbd or
 * berth-rbd for RBD images, local block devices). The type keeps its own state (where
 * sysfs and /dev are, the Ceph configuration, the berth-rbd helpers of deleted
 * attachments that still serve a user).
 */
struct berth_attach_config {
        const char *sysfs_root; /* default /sys; tests point it at a fake tree */
        const char *dev_root;   /* default /dev; where krbd device nodes appear */
        const char *ceph_conf;  /* default /etc/ceph/ceph.conf */
        const char *rbd_helper; /* the berth-rbd binary; NULL: beside berthd */
};

/* Register the type with the store. sup (may be NULL) watches berth-rbd helpers. */
int berth_attach_type_register(struct berth_store *s, const struct berth_attach_config *cfg,
                               struct berth_supervisor *sup, struct berth_error *err);

/* Create a top-level attachment (berth_store_create()). */
static inline int berth_attach_create(struct berth_store *s, const struct berth_attach_spec *spec,
                                      berth_obj_visit_fn fn, void *userdata,
                                      struct berth_error *err)
{
        return berth_store_create(s, BERTH_OBJ_ATTACH, spec, fn, userdata, err);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by mount.c (the kernel side) and mount-type.c (the type: records, recovery,
 * its registration); not for anyone else. */

#include "mount.h"
#include "store-internal.h"

struct mount_ctx {
        char *mounts_dir; /* <state>/mounts: mountpoints, upper and work dirs */
        uint64_t overlay_upper_size;
};

static inline struct mount_ctx *mctx(const struct berth_store *s)
{
        return berth_store_type_data(s, BERTH_OBJ_MOUNT);
}

static inline struct berth_mount *mount_of(struct berth_obj *o)
{
        return (struct berth_mount *)o;
}

struct berth_mount *mount_alloc(struct berth_store *s, enum berth_mount_kind kind, bool user);

/* The type's ops (mount.c). */
int mount_build(struct berth_store *s, const void *spec, struct berth_obj *holder, bool ro_hint,
                struct berth_obj **ret, struct berth_error *err);
int mount_teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                   struct berth_error *err);
void mount_finalize(struct berth_store *s, struct berth_obj *o);
void mount_release(struct berth_store *s, struct berth_obj *o);
void mount_free_fields(struct berth_obj *o);

/* Mount again from the fields (recovery). */
int mount_attach_do(struct berth_mount *m, struct berth_error *err);
int mount_overlay_do(struct berth_mount *m, struct berth_error *err);
int mount_bind_do(struct berth_mount *m, const char *src, struct berth_error *err);

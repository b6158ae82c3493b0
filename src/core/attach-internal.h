/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by attach.c (the kernel side) and attach-type.c (the type: records,
 * recovery, its registration); not for anyone else. */

#include <pthread.h>

#include "attach.h"
#include "store-internal.h"

struct berth_linger;

/* The attachment type's state, one per store. */
struct attach_ctx {
        char *sysfs_root;
        char *dev_root;
        char *ceph_conf;
        char *rbd_helper;
        char *rbd_dir;                  /* <state>/rbd: berth-rbd's FUSE mountpoints */
        char *mounts_dir;               /* <state>/mounts: a device used there is berth's own */
        pthread_mutex_t krbd_lock;      /* one krbd map at a time: the new device is found by
                                           listing devices before and after */
        struct berth_linger *lingering; /* berth-rbd helpers of deleted attachments that
                                           still serve a user (with the store's lock) */
        uint64_t next_linger;
        struct berth_supervisor *supervisor; /* NULL: helpers are not watched */
        int watch_helper, watch_linger;      /* the supervisor's handlers */
};

static inline struct attach_ctx *actx(const struct berth_store *s)
{
        return berth_store_type_data(s, BERTH_OBJ_ATTACH);
}

static inline struct berth_attach *attach_of(struct berth_obj *o)
{
        return (struct berth_attach *)o;
}

struct berth_attach *attach_alloc(struct berth_store *s, enum berth_attach_kind kind, bool user);

/* The type's ops (attach.c). */
int attach_build(struct berth_store *s, const void *spec, struct berth_obj *holder, bool ro_hint,
                 struct berth_obj **ret, struct berth_error *err);
int attach_teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                    struct berth_error *err);
int attach_check_delete(struct berth_store *s, struct berth_obj *o, bool force,
                        struct berth_error *err);
void attach_release(struct berth_store *s, struct berth_obj *o);
void attach_free_fields(struct berth_obj *o);
void attach_committed(struct berth_store *s, struct berth_obj *o);

/* The supervisor's handlers: a berth-rbd helper ended (the id is its attachment's), a
 * lingering one ended (the id is its entry's). */
void attach_helper_exited(void *userdata, uint64_t id);
void attach_linger_exited(void *userdata, uint64_t id);
void attach_free_lingering(struct attach_ctx *A);

/* A second read-only attachment of the same file shares the device: a dup of its fd,
 * -1 when there is none, or -errno (a read-write conflict). */
int attach_check_not_attached(struct berth_store *s, const struct berth_attach *self, dev_t dev,
                              ino_t ino, bool ro, bool partscan, int *ret_nr,
                              struct berth_error *err);

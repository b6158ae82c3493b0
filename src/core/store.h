/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "objects.h"

struct berth_error;
struct berth_persist;
struct berth_launcher;
struct berth_cgroup_system;
struct berth_supervisor;
struct berth_events;

/*
 * The object store: attachments, mounts (and containers) with their ids, claims and
 * cascading teardown (ImageAPI semantics, reference §1.7, with the Go server's bugs
 * fixed).
 *
 * Ids: one counter per collection, starting at 0, never reused. Ids are handed out
 * only when a whole request has succeeded, innermost object first, so a failed
 * request consumes none.
 *
 * Claims: a user-created object carries the user's claim; a nested definition is
 * owned by its parent (the owner's claim); a reference by id adds the referrer's
 * claim. refs = number of claims. A plain DELETE succeeds only when the user's claim
 * is the only one left; force removes the object from the table and from the host's
 * mount tree at once, and what is left of it (deferred directories, claims on its
 * children) is released when the last holder lets go.
 *
 * Locking: `op_lock` serialises everything that changes the kernel or the table
 * (creates and deletes); `lock` guards the tables and object fields and is held only
 * briefly, so reads are never blocked by a slow mount. Visitors run under `lock`.
 */

struct berth_store_config {
        const char *state_dir;       /* default /run/berth */
        const char *sysfs_root;      /* default /sys; tests point it at a fake tree */
        const char *dev_root;        /* default /dev; where krbd device nodes appear */
        const char *ceph_conf;       /* default /etc/ceph/ceph.conf (when it exists) */
        const char *rbd_helper;      /* the berth-rbd binary; NULL: beside berthd */
        uint64_t log_max;            /* container logs rotate beyond this size */
        uint64_t logs_kept;          /* the logs of deleted containers, bytes (logkeep.h) */
        bool refuse_privileged;      /* refuse systemd-mode containers */
        uint64_t overlay_upper_size; /* an overlay's upper tmpfs unless it asks; 0: none */
};

struct berth_store {
        char *state_dir;
        char *mounts_dir;  /* <state>/mounts: mountpoints, upper and work dirs */
        char *staging_dir; /* <state>/staging: where each container (and zygote) builds its
                              /proc, /dev and /sys, in a tmpfs of its own mount namespace */
        char *sysfs_root;
        char *dev_root;
        char *ceph_conf;
        char *rbd_helper;
        char *rbd_dir;                  /* <state>/rbd: berth-rbd's FUSE mountpoints */
        pthread_mutex_t krbd_lock;      /* one krbd map at a time: the new device is found by
                                           listing devices before and after */
        struct berth_linger *lingering; /* berth-rbd helpers of deleted attachments that
                                           still serve a user (with lock) */
        struct {
                uint64_t container_starts, container_exits, container_oom_kills; /* lock */
        } stats;
        uint64_t next_linger;
        struct berth_persist *persist;
        struct berth_logkeep *logkeep; /* the logs of deleted containers */

        pthread_mutex_t op_lock;
        pthread_mutex_t lock;
        pthread_cond_t cond; /* with lock: broadcast on every container state change */

        /* Set by berthd after berth_store_new(); containers need them. */
        struct berth_launcher *launcher;
        struct berth_cgroup_system *cgroups;
        struct berth_supervisor *supervisor;
        struct berth_zygotes *zygotes; /* NULL: containers start without zygotes */
        struct berth_events *events;
        uint64_t log_max;
        bool refuse_privileged;
        uint64_t overlay_upper_size;
        char boot_id[37]; /* this boot's; a record from another boot names no process */

        uint64_t next_id[_BERTH_OBJ_TYPE_MAX];
        struct berth_obj **table[_BERTH_OBJ_TYPE_MAX]; /* sorted by id */
        size_t n_table[_BERTH_OBJ_TYPE_MAX];
        struct berth_obj *all; /* list of every live object, for berth_store_free() */
};

/* Returns 0 / -errno; on success *ret owns the store. The state directory is
 * created (0700) and must be writable. */
int berth_store_new(const struct berth_store_config *cfg, struct berth_store **ret,
                    struct berth_error *err);

/* Frees memory only: mounts and devices stay up (they outlive berthd by design). */
struct berth_store *berth_store_free(struct berth_store *s);

/* Called for an object while the store is locked, e.g. to encode it for a reply. */
typedef int (*berth_obj_visit_fn)(struct berth_obj *o, void *userdata);

/* Visit every registered object of a type in id order. */
int berth_store_visit_all(struct berth_store *s, enum berth_obj_type type, berth_obj_visit_fn fn,
                          void *userdata);
/* Visit one; -ENOENT when there is no such object. */
int berth_store_visit_one(struct berth_store *s, enum berth_obj_type type, uint64_t id,
                          berth_obj_visit_fn fn, void *userdata);

/* Create from a top-level request (the user holds the claim). On success the visitor
 * sees the new object before any other request can change it. */
int berth_attach_create(struct berth_store *s, const struct berth_attach_spec *spec,
                        berth_obj_visit_fn fn, void *userdata, struct berth_error *err);
int berth_mount_create(struct berth_store *s, const struct berth_mount_spec *spec,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Delete a user-created object. The visitor sees it as it was, before teardown.
 * Returns 0 / -ENOENT (no such id) / -EBUSY (claimed by others, or in use outside
 * berth; the message names the users) / other -errno. */
int berth_store_delete(struct berth_store *s, enum berth_obj_type type, uint64_t id, bool force,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Number of claims, as reported in `refs`. */
static inline unsigned berth_obj_refs(const struct berth_obj *o)
{
        return (unsigned)o->user + (unsigned)o->n_holders;
}

/* "mount 3", "attachment 0" … into buf. */
const char *berth_obj_describe(const struct berth_obj *o, char *buf, size_t size);

/* The supervisor saw the berth-rbd helper of attachment id end. Unless berth stopped it,
 * a new helper is started (on its own thread) and, for a read-only attachment, swapped
 * under the loop device with LOOP_CHANGE_FD: the mounts on it keep working. */
void berth_attach_handle_helper_exit(struct berth_store *s, uint64_t id);

/* A lingering berth-rbd (see attach.c) ended: reap it, remove its mountpoint. */
void berth_store_handle_linger_exit(struct berth_store *s, uint64_t id);
void berth_store_free_lingering(struct berth_store *s);

/* Bumped on every change a reply could show (an object added or removed, a claim, a
 * container state change): a reply built at generation g is still true while the
 * generation is g. */
extern uint64_t berth_store_generation;
static inline void berth_store_changed(void)
{
        __atomic_add_fetch(&berth_store_generation, 1, __ATOMIC_SEQ_CST);
}
static inline uint64_t berth_store_gen(void)
{
        return __atomic_load_n(&berth_store_generation, __ATOMIC_SEQ_CST);
}

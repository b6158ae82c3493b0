/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared between store.c, attach.c and mount.c; not for the API layer. */

#include "store.h"

/* Record that holder claims o; owner marks the holder as o's creator. */
int obj_claim(struct berth_obj *o, struct berth_obj *holder, bool owner);

/* Drop holder's claim on o. When nothing claims o any more it is destroyed: a live
 * object is torn down, unregistered and freed; a removed one (left after a forced
 * delete) is finalised. */
void obj_unclaim(struct berth_store *s, struct berth_obj *o, struct berth_obj *holder);

/* Resolve a reference by id (registered objects only), -ENOENT with a message. */
int store_lookup(struct berth_store *s, enum berth_obj_type type, uint64_t id,
                 struct berth_obj **ret, struct berth_error *err);

/* A new object with nothing in the kernel yet, linked into the store's list (free it
 * with its type's release and store_unlink, as the builders do). */
struct berth_attach *attach_alloc(struct berth_store *s, enum berth_attach_kind kind, bool user);
struct berth_mount *mount_alloc(struct berth_store *s, enum berth_mount_kind kind, bool user);

/* Per-type operations, implemented in attach.c and mount.c. */

/* Build (create in the kernel) an object from a spec, or resolve a reference; the
 * result is claimed by holder (owner when it was created here). ro_hint tells an
 * attachment that its parent will mount it read-only. Nothing is registered. On
 * failure everything this call created is gone again. */
int attach_build(struct berth_store *s, const struct berth_attach_spec *spec,
                 struct berth_obj *holder, bool ro_hint, struct berth_attach **ret,
                 struct berth_error *err);
int mount_build(struct berth_store *s, const struct berth_mount_spec *spec,
                struct berth_obj *holder, struct berth_mount **ret, struct berth_error *err);

/* Kernel side of a teardown. lazy allows a lazy unmount; defer keeps directories
 * that a remaining holder may still use until finalisation. -EBUSY when busy and not
 * lazy. */
int attach_teardown(struct berth_store *s, struct berth_attach *a, bool lazy,
                    struct berth_error *err);
int mount_teardown(struct berth_store *s, struct berth_mount *m, bool lazy, bool defer,
                   struct berth_error *err);

/* Is the object in use outside berth (mounted or held by someone else)? Fills why.
 * 1 / 0 / -errno. */
int attach_busy(struct berth_store *s, struct berth_attach *a, char *why, size_t size);

/* Drop this object's claims on its children; free kernel-independent memory. */
void attach_release(struct berth_store *s, struct berth_attach *a);
/* A new attachment is in the table: watch its helper. */
void attach_committed(struct berth_store *s, struct berth_attach *a);
void mount_release(struct berth_store *s, struct berth_mount *m);
/* Free the fields only (no claims dropped, nothing torn down). */
void attach_free_fields(struct berth_attach *a);
void mount_free_fields(struct berth_mount *m);

/* Keep track of every live object; a new object is linked as soon as it is
 * allocated and unlinked when freed. */
void store_link(struct berth_store *s, struct berth_obj *o);
void store_unlink(struct berth_store *s, struct berth_obj *o);
/* Remove directories deferred by a lazy teardown. */
void mount_finalize_dirs(struct berth_mount *m);

/* Visit the children an object owns, for id assignment (post-order). */
typedef void (*obj_child_fn)(struct berth_obj *child, void *userdata);
void attach_for_each_child(struct berth_attach *a, obj_child_fn fn, void *userdata);
void mount_for_each_child(struct berth_mount *m, obj_child_fn fn, void *userdata);
/* Any type. */
void obj_for_each_child(struct berth_obj *o, obj_child_fn fn, void *userdata);

/* Register a freshly built tree: ids innermost first, then records. */
int store_commit(struct berth_store *s, struct berth_obj *root, struct berth_error *err);

/* Tear down and free an object tree that was built but never committed (or was
 * uncommitted again). */
void store_abort(struct berth_store *s, struct berth_obj *root);

/* Undo store_commit(): unregister the tree, remove its records, and put the id
 * counters back to saved (op_lock held throughout, so nothing else took an id). */
void store_uncommit(struct berth_store *s, struct berth_obj *root,
                    const uint64_t saved[_BERTH_OBJ_TYPE_MAX]);

/* Recovery (recover.c): bring a decoded object's kernel side back once its children
 * are back. 0: found as recorded; 1: rebuilt (attached or mounted again, only when
 * may_rebuild: its children are all back); -errno with err: lost. */
int attach_readopt(struct berth_store *s, struct berth_attach *a, bool may_rebuild,
                   struct berth_error *err);
int mount_readopt(struct berth_store *s, struct berth_mount *m, bool may_rebuild,
                  struct berth_error *err);
/* Put a recovered object into the table (objects of a type in increasing id order). */
int store_register(struct berth_store *s, struct berth_obj *o);
/* Take a lost object out of the table, as a forced delete would ("deleted" event,
 * record kept while holders remain). */
void store_unregister(struct berth_store *s, struct berth_obj *o);
/* Release o's claims on its children and its fields, unlink and free it (nothing in
 * the kernel is touched). */
void store_free_obj(struct berth_store *s, struct berth_obj *o);
/* Nothing claims o: tear it down (or finalise a removed one) and free it. */
void store_destroy(struct berth_store *s, struct berth_obj *o);

/* Publish a created/deleted event for an attachment or mount. */
void store_publish(struct berth_store *s, struct berth_obj *o, const char *what);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For the object types' own files and the recovery; not for the doors. */

#include "store.h"

static inline const struct berth_obj_ops *store_ops(const struct berth_store *s,
                                                    enum berth_obj_type type)
{
        return s->types[type].ops;
}

/* A new object of a registered type with nothing in the kernel yet, zeroed and linked
 * into the store's list (size: the type's struct, whose first member is struct
 * berth_obj). Freed by store_free_obj(). NULL on OOM. */
struct berth_obj *store_alloc(struct berth_store *s, enum berth_obj_type type, size_t size,
                              bool user);

/* Record that holder claims o; owner marks the holder as o's creator. */
int obj_claim(struct berth_store *s, struct berth_obj *o, struct berth_obj *holder, bool owner);

/* Drop holder's claim on o. When nothing claims o any more it is destroyed: a live
 * object is torn down, unregistered and freed; a removed one (left after a forced
 * delete) is finalised. */
void obj_unclaim(struct berth_store *s, struct berth_obj *o, struct berth_obj *holder);

/* Resolve a registered object by id (locked), -ENOENT with a message. */
int store_lookup(struct berth_store *s, enum berth_obj_type type, uint64_t id,
                 struct berth_obj **ret, struct berth_error *err);

/* Build the object a spec describes, or resolve the reference by id it is (ops->
 * spec_ref); the result is claimed by holder (its owner when it was created here; the
 * user when holder is NULL, which a reference cannot be). */
int store_build(struct berth_store *s, enum berth_obj_type type, const void *spec,
                struct berth_obj *holder, bool ro_hint, struct berth_obj **ret,
                struct berth_error *err);

/* Keep track of every live object; a new object is linked as soon as it is
 * allocated and unlinked when freed. */
void store_link(struct berth_store *s, struct berth_obj *o);
void store_unlink(struct berth_store *s, struct berth_obj *o);

/* Any type's children. */
void obj_for_each_child(struct berth_store *s, struct berth_obj *o, obj_child_fn fn,
                        void *userdata);

/* Register a freshly built tree: ids innermost first, then records. */
int store_commit(struct berth_store *s, struct berth_obj *root, struct berth_error *err);

/* Tear down and free an object tree that was built but never committed (or was
 * uncommitted again). */
void store_abort(struct berth_store *s, struct berth_obj *root);

/* Undo store_commit(): unregister the tree, remove its records, and put the id
 * counters back to saved (op_lock held throughout, so nothing else took an id). */
void store_uncommit(struct berth_store *s, struct berth_obj *root,
                    const uint64_t saved[_BERTH_OBJ_TYPE_MAX]);

/* Write o's record (encoded under the lock). */
int store_save(struct berth_store *s, struct berth_obj *o, struct berth_error *err);
/* The record of o, encoded by its type (locked); NULL on OOM. */
json_t *store_record(struct berth_store *s, const struct berth_obj *o);

/* Recovery (recover.c). */
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

/* Publish an event about o ("created", "deleted", a state). */
void store_publish(struct berth_store *s, struct berth_obj *o, const char *what);

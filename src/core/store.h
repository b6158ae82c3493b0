/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "objects.h"

#include <jansson.h>

struct berth_error;
struct berth_persist;
struct berth_store;
struct berth_events;

/*
 * The object store: objects of every registered type with their ids, claims and
 * cascading teardown (ImageAPI semantics, reference §1.7, with the Go server's bugs
 * fixed). The store knows no type: each registers a struct berth_obj_ops.
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
        const char *state_dir; /* default /run/berth */
};

struct berth_event;
struct berth_record_links;

/* A spec that names an existing object by id instead of defining a new one. */
struct berth_ref {
        bool is_ref;
        uint64_t id;
        int kind; /* the kind the spec expects, or < 0 */
};

/* Visit the children an object holds claims on. */
typedef void (*obj_child_fn)(struct berth_obj *child, void *userdata);
/* A metric of a type: name, help text, value (a counter or a gauge). */
typedef void (*berth_metric_fn)(const char *name, const char *help, bool counter, uint64_t value,
                                void *userdata);

/*
 * What an object type tells the store. Each type (attachments, mounts, containers;
 * pods and apps later) registers one table with berth_store_register_type(); the
 * store, the records and the recovery call only these. Every entry may be NULL
 * unless it says otherwise. "Locked" means with s->lock held.
 */
struct berth_obj_ops {
        /* Build from a definition (a reference by id is resolved by the store). The
         * result is claimed by holder (its owner), or by the user when holder is NULL.
         * ro_hint: the parent will use it read-only. Nothing is registered; on failure
         * everything the call made is gone again. Required for store_build(). */
        int (*build)(struct berth_store *s, const void *spec, struct berth_obj *holder,
                     bool ro_hint, struct berth_obj **ret, struct berth_error *err);
        /* Is the spec a reference to an existing object by id (and of which kind, or
         * < 0 for any)? The store resolves references for every type. */
        void (*spec_ref)(const void *spec, struct berth_ref *ret);
        /* The kind of an object and the name of a kind, for "mount 3 is bind, not
         * overlay" when a reference asks for a kind. */
        int (*kind)(const struct berth_obj *o);
        const char *(*kind_name)(int kind);

        /* Required: the children it holds claims on. */
        void (*for_each_child)(struct berth_obj *o, obj_child_fn fn, void *userdata);
        /* A user's delete: may it go now (-EBUSY with a message when not, and
         * err->hint BERTH_HINT_FORCE when forcing would)? */
        int (*check_delete)(struct berth_store *s, struct berth_obj *o, bool force,
                            struct berth_error *err);
        /* The kernel side of a teardown. lazy allows a lazy detach; defer keeps what a
         * remaining holder may still use until finalize(). -EBUSY when busy and not
         * lazy. */
        int (*teardown)(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                        struct berth_error *err);
        /* The last holder of a removed object let go: what teardown deferred. */
        void (*finalize)(struct berth_store *s, struct berth_obj *o);
        /* Required: drop its claims on its children and free its fields (not o). */
        void (*release)(struct berth_store *s, struct berth_obj *o);
        /* Required: free its fields only (berthd stops: nothing is torn down, no claim
         * dropped; fds are closed without undoing anything). */
        void (*free_fields)(struct berth_obj *o);
        /* It is in the table (a commit, or recovered as it was): watch what needs
         * watching. */
        void (*committed)(struct berth_store *s, struct berth_obj *o);
        /* Fill the type's fields of an event about o (locked). */
        void (*event)(const struct berth_obj *o, struct berth_event *e);
        /* The type publishes its own "created" (containers, once their files exist). */
        bool own_created_event;

        /* Records. encode (locked): the type's part of the record (record.h). decode:
         * an object from it, with its children as links; -EINVAL when incomplete. link:
         * put a recovered child into the slot decode named. */
        json_t *(*encode)(const struct berth_obj *o);
        int (*decode)(struct berth_store *s, json_t *j, struct berth_obj **ret,
                      struct berth_record_links *links);
        void (*link)(struct berth_obj *parent, unsigned slot, size_t index,
                     struct berth_obj *child);

        /* Recovery (recover.h). readopt: bring the kernel side back once its children
         * are back; 0 as recorded, 1 rebuilt or changed (only when may_rebuild, or a
         * state change), -errno with err: lost. lost: it could not come back; return 1
         * to keep it (a container is dead, not gone), 0 to let it go. broken: its record
         * names a child with no record (a delete cut short). forget: it is lost for good;
         * end what is left of it (it is unregistered and freed after). adopted:
         * it is back in the table (changed: rebuilt). known_paths: the directories it
         * owns, so that the sweep keeps them. sweep: after recovery, remove what a
         * crash left that no object of the type knows; returns how many. */
        int (*readopt)(struct berth_store *s, struct berth_obj *o, bool may_rebuild,
                       struct berth_error *err);
        int (*lost)(struct berth_store *s, struct berth_obj *o, const struct berth_error *why);
        void (*broken)(struct berth_store *s, struct berth_obj *o);
        void (*forget)(struct berth_store *s, struct berth_obj *o);
        void (*adopted)(struct berth_store *s, struct berth_obj *o, bool changed);
        void (*known_paths)(const struct berth_obj *o, char ***l);
        unsigned (*sweep)(struct berth_store *s, char *const *known);

        /* Metrics of the type beyond the object count (/metrics). */
        void (*metrics)(struct berth_store *s, berth_metric_fn fn, void *userdata);
        /* berthd stops: free the type's data (what berth_store_register_type() got). */
        void (*done)(struct berth_store *s, void *data);
};

struct berth_store {
        char *state_dir;
        struct berth_persist *persist;
        struct berth_events *events; /* every type's events; NULL: none published */

        pthread_mutex_t op_lock;
        pthread_mutex_t lock;
        pthread_cond_t cond; /* with lock: broadcast on every object state change */
        char boot_id[37];    /* this boot's; a record from another boot names no process */

        /* Bumped on every change a reply could show (an object added or removed, a
         * claim, a state change): a reply built at generation g is still true while the
         * generation is g. Atomic. */
        uint64_t generation;

        struct {
                const struct berth_obj_ops *ops;
                void *data; /* the type's own state (its module's context) */
        } types[_BERTH_OBJ_TYPE_MAX];

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

/* Register an object type (before recovery and before any request). data is the
 * type's context (berth_store_type_data()); ops->done frees it with the store. */
int berth_store_register_type(struct berth_store *s, enum berth_obj_type type,
                              const struct berth_obj_ops *ops, void *data);
static inline void *berth_store_type_data(const struct berth_store *s, enum berth_obj_type type)
{
        return s->types[type].data;
}

/* Create a top-level object from its spec (the user holds the claim). On success the
 * visitor sees the new object before any other request can change it. */
int berth_store_create(struct berth_store *s, enum berth_obj_type type, const void *spec,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Each type's metrics, and the number of objects of each type. */
void berth_store_metrics(struct berth_store *s, berth_metric_fn fn, void *userdata);

/* Delete a user-created object. The visitor sees it as it was, before teardown.
 * Returns 0 / -ENOENT (no such id) / -EBUSY (claimed by others, or in use outside
 * berth; the message names the users) / other -errno. */
int berth_store_delete(struct berth_store *s, enum berth_obj_type type, uint64_t id, bool force,
                       berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Force-delete every object of every type (berthd --shutdown-containers, once the
 * containers have stopped). 0, or -EBUSY when something could not be removed (logged). */
int berth_store_remove_all(struct berth_store *s);

/* Number of claims, as reported in `refs`. */
static inline unsigned berth_obj_refs(const struct berth_obj *o)
{
        return (unsigned)o->user + (unsigned)o->n_holders;
}

/* "mount 3", "attachment 0" … into buf. */
const char *berth_obj_describe(const struct berth_obj *o, char *buf, size_t size);

static inline void berth_store_changed(struct berth_store *s)
{
        __atomic_add_fetch(&s->generation, 1, __ATOMIC_SEQ_CST);
}
static inline uint64_t berth_store_gen(const struct berth_store *s)
{
        return __atomic_load_n(&s->generation, __ATOMIC_SEQ_CST);
}

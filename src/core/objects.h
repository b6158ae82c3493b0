/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rbd.h"

/*
 * The objects berth manages, and the specs that requests decode into.
 *
 * A spec is what a client asked for; it is pure data (no kernel state) and is what
 * the codecs produce and the fuzzers exercise. An object is a live thing: a loop
 * device, a mount. Objects hold claims on each other (a mount on its attachment, an
 * overlay on its lowers); `refs` on the wire is the number of claims.
 */

enum berth_obj_type {
        BERTH_OBJ_ATTACH,
        BERTH_OBJ_MOUNT,
        BERTH_OBJ_CONTAINER,
        _BERTH_OBJ_TYPE_MAX,
        _BERTH_OBJ_TYPE_INVALID = -EINVAL,
};

enum berth_attach_kind {
        BERTH_ATTACH_ISCSI,
        BERTH_ATTACH_LOCAL,
        BERTH_ATTACH_LOOPBACK,
        BERTH_ATTACH_RBD,
        _BERTH_ATTACH_KIND_MAX,
        _BERTH_ATTACH_KIND_INVALID = -EINVAL,
};

enum berth_mount_kind {
        BERTH_MOUNT_ATTACH,
        BERTH_MOUNT_BIND,
        BERTH_MOUNT_NFS,
        BERTH_MOUNT_OVERLAY,
        BERTH_MOUNT_URI,
        _BERTH_MOUNT_KIND_MAX,
        _BERTH_MOUNT_KIND_INVALID = -EINVAL,
};

/* Where a loopback file or a bind source path is resolved. */
enum berth_base {
        BERTH_BASE_ROOT,  /* the host's / */
        BERTH_BASE_MOUNT, /* the mountpoint of another berth mount */
        _BERTH_BASE_MAX,
        _BERTH_BASE_INVALID = -EINVAL,
};

const char *berth_obj_type_to_string(enum berth_obj_type t);
int berth_obj_type_from_string(const char *s); /* -EINVAL when unknown */
const char *berth_attach_kind_to_string(enum berth_attach_kind k);
enum berth_attach_kind berth_attach_kind_from_string(const char *s);
const char *berth_mount_kind_to_string(enum berth_mount_kind k);
enum berth_mount_kind berth_mount_kind_from_string(const char *s);
const char *berth_base_to_string(enum berth_base b);
enum berth_base berth_base_from_string(const char *s);

/* ---------------------------------------------------------------------------------------
 * Specs
 * ------------------------------------------------------------------------------------- */

struct berth_mount_spec;

/* A nested object is either a reference to an existing object by id, or a definition
 * that is created with (and owned by) its parent. */
struct berth_attach_spec {
        bool is_ref;
        uint64_t ref_id;
        enum berth_attach_kind kind; /* for a reference: optional check, _INVALID if absent */

        struct {
                char *path;
                enum berth_base base;
                bool read_partitions;
                int ro; /* -1: decide (ro when the parent mounts it ro), 0, 1 */
                struct berth_mount_spec *mount;
        } loopback;
        struct {
                char *path;
        } local;
        struct berth_rbd_spec rbd;
};

struct berth_mount_spec {
        bool is_ref;
        uint64_t ref_id;
        enum berth_mount_kind kind;

        struct {
                struct berth_attach_spec *attach;
                char *fs_type;
                char **options; /* strv, as given; NULL when absent */
        } attach;
        struct {
                struct berth_mount_spec **lower;
                size_t n_lower;
                bool upper_size_set; /* upper_size given: else the store's default */
                uint64_t upper_size; /* bytes of the upper dir's tmpfs; 0: none of its own */
                bool dev;            /* device nodes work (else nodev) */
        } overlay;
        struct {
                char *path;
                enum berth_base base;
                bool recursive;
                bool ro;
                struct berth_mount_spec *mount;
        } bind;
};

struct berth_attach_spec *berth_attach_spec_free(struct berth_attach_spec *s);
struct berth_mount_spec *berth_mount_spec_free(struct berth_mount_spec *s);
static inline void berth_attach_spec_freep(struct berth_attach_spec **s)
{
        berth_attach_spec_free(*s);
}
static inline void berth_mount_spec_freep(struct berth_mount_spec **s)
{
        berth_mount_spec_free(*s);
}

/* ---------------------------------------------------------------------------------------
 * Objects
 * ------------------------------------------------------------------------------------- */

struct berth_obj {
        enum berth_obj_type type;
        uint64_t id;
        bool registered;         /* has an id and is in the store's table */
        bool removed;            /* deleted from the table; kept alive by remaining holders */
        bool user;               /* the API user holds a claim (created by a top-level request) */
        struct berth_obj *owner; /* the parent that created it, NULL if user-created */
        struct berth_obj **holders; /* every object holding a claim, the owner included */
        size_t n_holders;
        struct berth_obj *all_prev, *all_next; /* every live object, registered or not */
};

struct berth_mount;

struct berth_attach {
        struct berth_obj obj;
        enum berth_attach_kind kind;
        char *device_file;
        dev_t rdev;
        bool read_only;

        struct {
                char *path;
                enum berth_base base;
                bool read_partitions;
                struct berth_mount *mount; /* base mount, claimed */
                char *backing_file;        /* resolved host path of the image */
                dev_t backing_dev;
                ino_t backing_ino;
                int loop_nr;
                int fd; /* kept open: the device is autoclear */
        } loopback;
        struct {
                char *path;
        } local;
        struct {
                struct berth_rbd_spec spec; /* kept in memory only: a dead helper is
                                               restarted with it */
                bool krbd;
                int device_id;            /* krbd */
                struct rbd_helper helper; /* berth-rbd */
                int loop_nr;              /* berth-rbd: the loop device on its file */
                int fd;
                bool watched;    /* the supervisor watches the helper's pidfd */
                bool stopping;   /* detach has begun: an exit of the helper is expected */
                bool recovering; /* a new helper is being started for a dead one */
                unsigned restarts;
        } rbd;
};

/* The API's rbd object of an attachment: monitors, pool, image, snapshot, options
 * (never the secret), and device_id for krbd. */
json_t *berth_rbd_to_json(const struct berth_attach *a);
/* Its inverse, for a record (without the secret, which records never hold). */
int berth_rbd_from_json(json_t *j, struct berth_rbd_spec *s);

struct berth_mount {
        struct berth_obj obj;
        enum berth_mount_kind kind;
        char *mountpoint;
        bool mountpoint_is_file; /* a bind mount of a file */
        bool read_only;
        bool detached; /* unmounted (lazily, when forced) while holders may still use it */

        struct {
                struct berth_attach *attach;
                char *fs_type;
                char **options;
        } attach;
        struct {
                struct berth_mount **lower;
                size_t n_lower;
                char *upperdir;
                char *workdir;
                /* The tmpfs of upper_size bytes that holds upperdir and workdir (so that
                 * no container can fill the state directory), or NULL. */
                char *upper_mount;
                uint64_t upper_size;
                bool dev;
        } overlay;
        struct {
                char *path;
                enum berth_base base;
                bool recursive;
                bool ro;
                struct berth_mount *mount;
                char *source; /* resolved host path */
        } bind;
};

static inline struct berth_attach *berth_obj_to_attach(struct berth_obj *o)
{
        return o && o->type == BERTH_OBJ_ATTACH ? (struct berth_attach *)o : NULL;
}
static inline struct berth_mount *berth_obj_to_mount(struct berth_obj *o)
{
        return o && o->type == BERTH_OBJ_MOUNT ? (struct berth_mount *)o : NULL;
}

/* Names of containers (and later pods): ^[A-Za-z0-9._-]+$, 1..128 bytes. */
#define BERTH_NAME_MAX 128
bool berth_name_is_valid(const char *s);

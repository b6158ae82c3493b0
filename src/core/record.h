/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "objects.h"

struct berth_obj_ops;
struct berth_store;
struct berth_error;

/*
 * The durable record of an object (see persist.h): an envelope that every type shares
 * ({"version":1, "type", "id", "user", "removed", "object"}) around what the type's
 * encode() writes. Records name no type here: the type's ops do the body.
 */

/* The record of o; a new reference, or NULL on OOM. */
json_t *berth_record_encode(const struct berth_obj_ops *ops, const struct berth_obj *o);

/*
 * Decoding (recover.c): a record back into an object with its fields, but without its
 * kernel side (no fds, no pidfd) and without its claims. The children it names come
 * back as links, resolved once every record is loaded.
 */
struct berth_record_link {
        struct berth_obj *parent;
        unsigned slot; /* the parent type's (its ops->link() knows it) */
        size_t index;
        enum berth_obj_type type; /* the child's */
        uint64_t id;
        bool owned;
};

struct berth_record_links {
        struct berth_record_link *v;
        size_t n;
};

/* The record's type, or -EINVAL with a message when it is not one berthd wrote. */
int berth_record_type(json_t *j, struct berth_error *err);

/* Decode the body with ops (the type's); appends to links. On failure *ret may hold a
 * partly decoded object that the caller frees; links added by this call are dropped. */
int berth_record_decode(const struct berth_obj_ops *ops, struct berth_store *s, json_t *j,
                        struct berth_obj **ret, struct berth_record_links *links,
                        struct berth_error *err);

/* For the types' codecs. */
json_t *berth_record_child(const struct berth_obj *parent, const struct berth_obj *child);
int berth_record_add_link(struct berth_record_links *l, struct berth_obj *parent, unsigned slot,
                          size_t index, enum berth_obj_type type, json_t *ref);
const char *berth_record_str(json_t *j, const char *key);
char *berth_record_strdup(json_t *j, const char *key);
json_int_t berth_record_int(json_t *j, const char *key, json_int_t def);
bool berth_record_bool(json_t *j, const char *key);
/* A list of strings ([] when absent); NULL on OOM. */
char **berth_record_strv(json_t *j, const char *key);

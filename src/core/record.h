/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "objects.h"

/* The durable record of an object (see persist.h). Returns a new reference or NULL
 * on OOM. */
json_t *berth_record_from_obj(const struct berth_obj *o);

struct berth_store;
struct berth_error;

/*
 * Decoding (recover.c): a record back into an object with its fields, but without
 * its kernel side (no fds, no pidfd) and without its claims. The children it names
 * come back as links, resolved once every record is loaded.
 */
enum berth_record_slot {
        BERTH_SLOT_LOOPBACK_MOUNT, /* attachment: loopback.mount */
        BERTH_SLOT_ATTACH,         /* mount: attach.attach */
        BERTH_SLOT_LOWER,          /* mount: overlay.lower[index] */
        BERTH_SLOT_BIND_MOUNT,     /* mount: bind.mount */
        BERTH_SLOT_MOUNT,          /* container: mount */
};

struct berth_record_link {
        struct berth_obj *parent;
        enum berth_record_slot slot;
        size_t index;
        enum berth_obj_type type; /* the child's */
        uint64_t id;
        bool owned;
};

/* -EINVAL (with a message) for a record that is not one berthd wrote. Appends to
 * *links. */
int berth_record_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                        struct berth_record_link **links, size_t *n_links, struct berth_error *err);
/* Put child into the parent's slot (the claim is the caller's). */
void berth_record_link_set(const struct berth_record_link *l, struct berth_obj *child);

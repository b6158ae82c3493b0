/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by container.c (the object) and container-type.c (the type: records,
 * recovery, engines); not for anyone else. */

#include "container.h"
#include "store-internal.h"

#define BERTH_ENGINES_MAX 4

struct container_ctx {
        struct berth_logkeep *logkeep; /* the logs of deleted containers */
        bool refuse_privileged;
        struct berth_engine *engines[BERTH_ENGINES_MAX]; /* [0] is the default */
        size_t n_engines;
};

static inline struct container_ctx *cctx(const struct berth_store *s)
{
        return berth_store_type_data(s, BERTH_OBJ_CONTAINER);
}

static inline struct berth_container *container_of(struct berth_obj *o)
{
        return (struct berth_container *)o;
}

/* A container object (a request's or a record's) not yet in the table, with a copy of
 * w (NULL: an empty workload) and e's state; NULL on OOM. */
struct berth_container *container_alloc(struct berth_store *s, const char *name,
                                        const struct berth_workload *w, struct berth_engine *e);

bool container_live(const struct berth_container *c);

/* The type's ops (container.c). */
int container_check_delete(struct berth_store *s, struct berth_obj *o, bool force,
                           struct berth_error *err);
int container_teardown(struct berth_store *s, struct berth_obj *o, bool force, bool defer,
                       struct berth_error *err);
void container_release(struct berth_store *s, struct berth_obj *o);
void container_free_fields(struct berth_obj *o);

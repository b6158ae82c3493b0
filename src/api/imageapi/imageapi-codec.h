/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "container.h"
#include "objects.h"

struct berth_error;

/*
 * The ImageAPI wire format (reference/imageapi.md §1.3, v0.2.0 models, plus the
 * pre-release shapes the seed walk-through uses). Pure functions: no store, no I/O;
 * fuzzed and unit-tested.
 *
 * Nesting: wherever an attach or mount is embedded, an object with `id` and no
 * definition is a reference to that object (kind, when given, must match); an object
 * with a definition (`attach`, `overlay`, `bind`, `loopback` …) is created with its
 * parent. `{"id":0}` references object 0. For clients that send every field, a
 * definition may carry `"id":0` and zero read-only fields.
 */

/* Nesting deeper than this (mount → attach → mount …) is refused. */
#define IMAGEAPI_DEPTH_MAX 8
#define IMAGEAPI_PATH_MAX 4096

enum {
        /* The seed's v0.1 shapes: overlay.lower items may be plain integers or
         * {"mount_id":N}. */
        IMAGEAPI_DECODE_V01 = 1u << 0,
};

/* Top level: path is "" and the result must be a definition. Returns 0 / -EINVAL
 * (message names the field) / -ENOMEM. */
int imageapi_decode_attach(json_t *j, const char *path, unsigned depth, unsigned flags,
                           struct berth_attach_spec **ret, struct berth_error *err);
int imageapi_decode_mount(json_t *j, const char *path, unsigned depth, unsigned flags,
                          struct berth_mount_spec **ret, struct berth_error *err);

/* The body of v0.1's DELETE /mount: which mount (mount_id, id, or the id in its
 * definition; 0 when none is given), and of which kind (overlay; rbd, an attach mount;
 * _BERTH_MOUNT_KIND_INVALID when kind is left out). */
int imageapi_decode_mount_target_v01(json_t *j, uint64_t *ret_id, enum berth_mount_kind *ret_kind,
                                     struct berth_error *err);

/* Body of the seed's POST /mount/overlay: {"lower":[0, …]}. */
int imageapi_decode_overlay_v01(json_t *j, struct berth_mount_spec **ret, struct berth_error *err);

/* Encoders; NULL on OOM. Nested objects are rendered in full (secrets never). */
json_t *imageapi_encode_attach(const struct berth_attach *a, unsigned depth);
json_t *imageapi_encode_mount(const struct berth_mount *m, unsigned depth);
json_t *imageapi_encode_overlay_v01(const struct berth_mount *m);

/* The seed's v0.1 rbd paths: /attach/rbd takes and returns the rbd object itself;
 * /mount/rbd takes {"id"|"rbd_id": <rbd attachment>, "fs_type", "mount_options"}. */
int imageapi_decode_rbd_v01(json_t *j, struct berth_attach_spec **ret, struct berth_error *err);
int imageapi_decode_mount_rbd_v01(json_t *j, struct berth_mount_spec **ret,
                                  struct berth_error *err);
json_t *imageapi_encode_rbd_v01(const struct berth_attach *a);
json_t *imageapi_encode_mount_rbd_v01(const struct berth_mount *m);

/* The ImageAPI's error body (http.h): {"code":<status>,"message":msg}, status as it
 * is. */
struct berth_http_request;
json_t *imageapi_error_body(const struct berth_http_request *req, int *status, const char *msg);

/* The {id} of a path ("/mount/overlay/{id}", "/container/{id}"): a non-negative
 * decimal integer. Returns 0 / -EINVAL. */
int imageapi_decode_path_id(const char *s, uint64_t *ret, struct berth_error *err);

/* What the client can do about an error (err->hint), in the ImageAPI's words:
 * appended to the message. */
void imageapi_word_hint(struct berth_error *err);
struct berth_http_request;
/* imageapi_word_hint(), then the error reply. */
int imageapi_reply_error(struct berth_http_request *req, struct berth_error *err);

/* Containers (imageapi-container-codec.c). command is split like a shell word list
 * (quotes group and are removed); args is the alternative as an argv array. */
struct berth_container;

/* A container as an ImageAPI request describes it; translated into a workload by
 * imageapi_container_workload(). */
struct berth_container_spec {
        char *name;
        struct berth_mount_spec *mount;
        char *command; /* as given; split into args by the codec */
        char **args;
        char **env; /* "KEY=value" */
        char *hostname;
        bool systemd;
        enum berth_container_state state; /* CREATED or RUNNING */
        unsigned namespaces;
        uint64_t stop_timeout_ms;
        struct berth_limits limits;
};

struct berth_container_spec *berth_container_spec_free(struct berth_container_spec *s);
static inline void berth_container_spec_freep(struct berth_container_spec **s)
{
        berth_container_spec_free(*s);
}

/* The workload of a spec (its strings are borrowed: do not berth_workload_done() it). */
void imageapi_container_workload(const struct berth_container_spec *s, struct berth_workload *w);

int imageapi_decode_container(json_t *j, struct berth_container_spec **ret,
                              struct berth_error *err);
json_t *imageapi_encode_container(const struct berth_container *c);

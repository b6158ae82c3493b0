/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "http.h"
#include "imageapi-codec.h"
#include "attach.h"
#include "imageapi.h"
#include "mount.h"
#include "macro.h"
#include "store.h"

/*
 * ImageAPI handlers: v0.2.0 (`/attach`, `/mount` with query parameters) and the seed's
 * v0.1 paths (`/mount/overlay[/{id}]`). Each handler is method check (done by the
 * router) → decode → core → encode.
 */

#define IMAGEAPI_PREFIX "/imageapi/v1"

enum shape {
        SHAPE_V02,
        SHAPE_V01_OVERLAY,   /* /mount/overlay */
        SHAPE_V01_RBD,       /* /attach/rbd */
        SHAPE_V01_MOUNT_RBD, /* /mount/rbd */
};

struct encode_ctx {
        enum shape shape;
        int kind;        /* filter for lists, -1 = any */
        bool only_shape; /* v0.1 paths: objects of other kinds do not exist there */
        bool wrong_kind;
        json_t *out; /* array for lists, object for one */
};

static json_t *encode(struct berth_obj *o, enum shape shape)
{
        switch (shape) {
        case SHAPE_V01_OVERLAY:
                return imageapi_encode_overlay_v01((struct berth_mount *)o);
        case SHAPE_V01_RBD:
                return imageapi_encode_rbd_v01((struct berth_attach *)o);
        case SHAPE_V01_MOUNT_RBD:
                return imageapi_encode_mount_rbd_v01((struct berth_mount *)o);
        case SHAPE_V02:
        default:
                break;
        }
        if (o->type == BERTH_OBJ_ATTACH)
                return imageapi_encode_attach((struct berth_attach *)o, 0);
        return imageapi_encode_mount((struct berth_mount *)o, 0);
}

/* Whether a v0.1 path shows the object; what it is called there. */
static bool shape_accepts(const struct berth_obj *o, enum shape shape)
{
        const struct berth_mount *m = (const struct berth_mount *)o;

        switch (shape) {
        case SHAPE_V01_OVERLAY:
                return m->kind == BERTH_MOUNT_OVERLAY;
        case SHAPE_V01_RBD:
                return ((const struct berth_attach *)o)->kind == BERTH_ATTACH_RBD;
        case SHAPE_V01_MOUNT_RBD:
                return m->kind == BERTH_MOUNT_ATTACH && m->attach.attach &&
                       m->attach.attach->kind == BERTH_ATTACH_RBD;
        case SHAPE_V02:
        default:
                return true;
        }
}

static const char *shape_noun(enum shape shape)
{
        return shape == SHAPE_V01_OVERLAY ? "an overlay"
               : shape == SHAPE_V01_RBD   ? "an rbd attachment"
                                          : "an rbd mount";
}

static int kind_of(struct berth_obj *o)
{
        return o->type == BERTH_OBJ_ATTACH ? (int)((struct berth_attach *)o)->kind
                                           : (int)((struct berth_mount *)o)->kind;
}

static int visit_append(struct berth_obj *o, void *userdata)
{
        struct encode_ctx *c = userdata;

        if ((c->kind >= 0 && kind_of(o) != c->kind) || !shape_accepts(o, c->shape))
                return 0;
        return json_array_append_new(c->out, encode(o, c->shape)) < 0 ? -ENOMEM : 0;
}

static int visit_one(struct berth_obj *o, void *userdata)
{
        struct encode_ctx *c = userdata;

        if (c->only_shape && !shape_accepts(o, c->shape)) {
                c->wrong_kind = true;
                return -ENOENT;
        }
        c->out = encode(o, c->shape);
        return c->out ? 0 : -ENOMEM;
}

static int query_kind(const struct berth_http_query *q, enum berth_obj_type type,
                      struct berth_error *err)
{
        const char *v = berth_http_query_get(q, "kind");
        int k;

        if (!v)
                return -1;
        k = type == BERTH_OBJ_ATTACH ? (int)berth_attach_kind_from_string(v)
                                     : (int)berth_mount_kind_from_string(v);
        if (k < 0)
                return berth_error_set(err, EINVAL, "kind in query should be one of [%s]",
                                       type == BERTH_OBJ_ATTACH ? "iscsi local loopback rbd"
                                                                : "attach bind nfs overlay uri");
        return k;
}

static void reply_not_found(struct berth_http_request *req, enum berth_obj_type type, uint64_t id)
{
        (void)berth_http_reply_error(req, 404, "%s %llu not found", berth_obj_type_to_string(type),
                                     (unsigned long long)id);
}

static void list(struct berth_http_request *req, struct imageapi *api, enum berth_obj_type type)
{
        static const char *const allowed[] = { "id", "kind", NULL };
        struct encode_ctx c = { .shape = SHAPE_V02, .kind = -1 };
        struct berth_http_query q;
        struct berth_error err = {};
        uint64_t id = 0;
        int r, has_id;

        r = berth_http_query_parse(req->query, allowed, &q, &err);
        if (r < 0)
                goto fail;
        has_id = r = berth_http_query_u64(&q, "id", &id, &err);
        if (r >= 0)
                r = c.kind = query_kind(&q, type, &err);
        berth_http_query_done(&q);
        if (r < -1)
                goto fail;

        c.out = json_array();
        if (!c.out) {
                (void)berth_http_reply_error(req, 500, "out of memory");
                return;
        }
        if (has_id) {
                struct encode_ctx one = { .shape = SHAPE_V02, .kind = -1 };
                /* With an id the reply is a one-element array and kind is ignored,
                 * as in the Go server. */
                r = berth_store_visit_one(api->store, type, id, visit_one, &one);
                if (r == -ENOENT) {
                        json_decref(c.out);
                        reply_not_found(req, type, id);
                        return;
                }
                if (r >= 0)
                        r = json_array_append_new(c.out, one.out);
        } else
                r = berth_store_visit_all(api->store, type, visit_append, &c);
        if (r < 0) {
                json_decref(c.out);
                (void)berth_http_reply_error(req, 500, "encode reply: %s", strerror(-r));
                return;
        }
        (void)berth_http_reply_json(req, 200, c.out);
        return;
fail:
        (void)imageapi_reply_error(req, &err);
}

static void create(struct berth_http_request *req, struct imageapi *api, enum berth_obj_type type,
                   enum shape shape)
{
        _cleanup_(berth_attach_spec_freep) struct berth_attach_spec *as = NULL;
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *ms = NULL;
        struct encode_ctx c = { .shape = shape, .kind = -1 };
        struct berth_error err = {};
        json_t *j = NULL;
        int r;

        r = berth_http_read_json(req, api->max_body, &j, &err);
        if (r < 0)
                goto fail;
        if (shape == SHAPE_V01_RBD)
                r = imageapi_decode_rbd_v01(j, &as, &err);
        else if (type == BERTH_OBJ_ATTACH)
                r = imageapi_decode_attach(j, "", 0, 0, &as, &err);
        else if (shape == SHAPE_V01_OVERLAY)
                r = imageapi_decode_overlay_v01(j, &ms, &err);
        else if (shape == SHAPE_V01_MOUNT_RBD)
                r = imageapi_decode_mount_rbd_v01(j, &ms, &err);
        else
                r = imageapi_decode_mount(j, "", 0, 0, &ms, &err);
        berth_http_json_release(j);
        if (r < 0)
                goto fail;

        if (type == BERTH_OBJ_ATTACH)
                r = berth_attach_create(api->store, as, visit_one, &c, &err);
        else
                r = berth_mount_create(api->store, ms, visit_one, &c, &err);
        if (r < 0)
                goto fail;
        (void)berth_http_reply_json(req, 201, c.out);
        return;
fail:
        berth_error_ensure(&err, r, "create");
        (void)imageapi_reply_error(req, &err);
}

/* A v0.1 path (or body) only knows objects of its kind; kinds never change. Replies 404
 * when the object is of another kind. */
static bool reply_wrong_kind(struct berth_http_request *req, struct imageapi *api,
                             enum berth_obj_type type, uint64_t id, enum shape shape)
{
        struct encode_ctx probe = { .shape = shape, .kind = -1, .only_shape = true };

        if (shape == SHAPE_V02)
                return false;
        (void)berth_store_visit_one(api->store, type, id, visit_one, &probe);
        json_decref(probe.out);
        if (!probe.wrong_kind)
                return false;
        (void)berth_http_reply_error(req, 404, "%s %llu is not %s", berth_obj_type_to_string(type),
                                     (unsigned long long)id, shape_noun(shape));
        return true;
}

/* Delete object id (of the kind a v0.1 path or body names: probe) and answer with it as
 * it was, in c's shape. */
static void delete_and_reply(struct berth_http_request *req, struct imageapi *api,
                             enum berth_obj_type type, uint64_t id, bool force, enum shape probe,
                             struct encode_ctx *c)
{
        struct berth_error err = {};
        int r;

        if (reply_wrong_kind(req, api, type, id, probe))
                return;
        r = berth_store_delete(api->store, type, id, force, visit_one, c, &err);
        if (r >= 0) {
                (void)berth_http_reply_json(req, 200, c->out);
                return;
        }
        /* The visitor may have encoded the object before the delete failed. */
        json_decref(c->out);
        if (r == -ENOENT)
                reply_not_found(req, type, id);
        else {
                berth_error_ensure(&err, r, "delete");
                (void)imageapi_reply_error(req, &err);
        }
}

static void delete_one(struct berth_http_request *req, struct imageapi *api,
                       enum berth_obj_type type, enum shape shape, const char *path_id)
{
        static const char *const allowed[] = { "id", "force", NULL };
        static const char *const allowed_path[] = { "force", NULL };
        struct encode_ctx c = { .shape = shape, .kind = -1, .only_shape = shape != SHAPE_V02 };
        struct berth_http_query q;
        struct berth_error err = {};
        bool force = false;
        uint64_t id = 0;
        int r;

        r = berth_http_expect_no_body(req, &err);
        if (r >= 0)
                r = berth_http_query_parse(req->query, path_id ? allowed_path : allowed, &q, &err);
        if (r < 0)
                goto fail;
        if (path_id) {
                r = imageapi_decode_path_id(path_id, &id, &err);
        } else {
                r = berth_http_query_u64(&q, "id", &id, &err);
                if (r == 0)
                        r = berth_error_set(&err, EINVAL, "id in query is required");
        }
        if (r >= 0)
                r = berth_http_query_bool(&q, "force", &force, &err);
        berth_http_query_done(&q);
        if (r < 0)
                goto fail;

        delete_and_reply(req, api, type, id, force, shape, &c);
        return;
fail:
        berth_error_ensure(&err, r, "delete");
        (void)imageapi_reply_error(req, &err);
}

static void h_attach_get(struct berth_http_request *req, void *userdata)
{
        list(req, userdata, BERTH_OBJ_ATTACH);
}
static void h_attach_post(struct berth_http_request *req, void *userdata)
{
        create(req, userdata, BERTH_OBJ_ATTACH, SHAPE_V02);
}
static void h_attach_delete(struct berth_http_request *req, void *userdata)
{
        delete_one(req, userdata, BERTH_OBJ_ATTACH, SHAPE_V02, NULL);
}
static void h_mount_get(struct berth_http_request *req, void *userdata)
{
        list(req, userdata, BERTH_OBJ_MOUNT);
}
static void h_mount_post(struct berth_http_request *req, void *userdata)
{
        create(req, userdata, BERTH_OBJ_MOUNT, SHAPE_V02);
}
/* v0.1's DELETE /mount names the mount in its body (a v0.1 mount: kind and mount_id,
 * or the id of its definition); v0.2's in the query. */
static void delete_mount_v01(struct berth_http_request *req, struct imageapi *api)
{
        struct encode_ctx c = { .shape = SHAPE_V02, .kind = -1 };
        enum berth_mount_kind kind = _BERTH_MOUNT_KIND_INVALID;
        struct berth_error err = {};
        json_t *j = NULL;
        uint64_t id = 0;
        int r;

        if (req->query)
                r = berth_error_set(&err, EINVAL,
                                    "DELETE /mount takes the mount either in its body (v0.1) "
                                    "or as ?id= (v0.2), not both");
        else
                r = berth_http_read_json(req, api->max_body, &j, &err);
        if (r >= 0)
                r = imageapi_decode_mount_target_v01(j, &id, &kind, &err);
        berth_http_json_release(j);
        if (r < 0) {
                berth_error_ensure(&err, r, "delete");
                (void)imageapi_reply_error(req, &err);
                return;
        }
        delete_and_reply(req, api, BERTH_OBJ_MOUNT, id, false,
                         kind == BERTH_MOUNT_OVERLAY  ? SHAPE_V01_OVERLAY
                         : kind == BERTH_MOUNT_ATTACH ? SHAPE_V01_MOUNT_RBD
                                                      : SHAPE_V02,
                         &c);
}

static void h_mount_delete(struct berth_http_request *req, void *userdata)
{
        if (berth_http_has_body(req))
                delete_mount_v01(req, userdata);
        else
                delete_one(req, userdata, BERTH_OBJ_MOUNT, SHAPE_V02, NULL);
}

/* ---- the seed's v0.1 overlay paths --------------------------------------------- */

static void list_v01(struct berth_http_request *req, struct imageapi *api, enum berth_obj_type type,
                     enum shape shape)
{
        struct encode_ctx c = { .shape = shape, .kind = -1 };
        struct berth_error err = {};
        struct berth_http_query q;
        int r;

        r = berth_http_query_parse(req->query, (const char *const[]){ NULL }, &q, &err);
        if (r < 0) {
                (void)imageapi_reply_error(req, &err);
                return;
        }
        c.out = json_array();
        r = c.out ? berth_store_visit_all(api->store, type, visit_append, &c) : -ENOMEM;
        if (r < 0) {
                json_decref(c.out);
                (void)berth_http_reply_error(req, 500, "encode reply: %s", strerror(-r));
                return;
        }
        (void)berth_http_reply_json(req, 200, c.out);
}

static void get_v01(struct berth_http_request *req, struct imageapi *api, enum berth_obj_type type,
                    enum shape shape)
{
        struct encode_ctx c = { .shape = shape, .kind = -1, .only_shape = true };
        struct berth_error err = {};
        struct berth_http_query q;
        uint64_t id = 0;
        int r;

        r = berth_http_query_parse(req->query, (const char *const[]){ NULL }, &q, &err);
        if (r >= 0) {
                berth_http_query_done(&q);
                r = imageapi_decode_path_id(req->captures[0], &id, &err);
        }
        if (r < 0) {
                (void)imageapi_reply_error(req, &err);
                return;
        }
        r = berth_store_visit_one(api->store, type, id, visit_one, &c);
        if (r == -ENOENT) {
                if (c.wrong_kind)
                        (void)berth_http_reply_error(req, 404, "%s %llu is not %s",
                                                     berth_obj_type_to_string(type),
                                                     (unsigned long long)id, shape_noun(shape));
                else
                        reply_not_found(req, type, id);
                return;
        }
        if (r < 0) {
                (void)berth_http_reply_error(req, 500, "encode reply: %s", strerror(-r));
                return;
        }
        (void)berth_http_reply_json(req, 200, c.out);
}

#define V01_HANDLERS(name, type, shape)                                               \
        static void h_##name##_list(struct berth_http_request *req, void *userdata)   \
        {                                                                             \
                list_v01(req, userdata, type, shape);                                 \
        }                                                                             \
        static void h_##name##_post(struct berth_http_request *req, void *userdata)   \
        {                                                                             \
                create(req, userdata, type, shape);                                   \
        }                                                                             \
        static void h_##name##_get(struct berth_http_request *req, void *userdata)    \
        {                                                                             \
                get_v01(req, userdata, type, shape);                                  \
        }                                                                             \
        static void h_##name##_delete(struct berth_http_request *req, void *userdata) \
        {                                                                             \
                delete_one(req, userdata, type, shape, req->captures[0]);             \
        }

V01_HANDLERS(overlay, BERTH_OBJ_MOUNT, SHAPE_V01_OVERLAY)
V01_HANDLERS(rbd, BERTH_OBJ_ATTACH, SHAPE_V01_RBD)
V01_HANDLERS(mount_rbd, BERTH_OBJ_MOUNT, SHAPE_V01_MOUNT_RBD)

static const struct berth_http_route imageapi_routes[] = {
        { "GET", IMAGEAPI_PREFIX "/attach", h_attach_get },
        { "POST", IMAGEAPI_PREFIX "/attach", h_attach_post },
        { "DELETE", IMAGEAPI_PREFIX "/attach", h_attach_delete },
        { "GET", IMAGEAPI_PREFIX "/mount", h_mount_get },
        { "POST", IMAGEAPI_PREFIX "/mount", h_mount_post },
        { "DELETE", IMAGEAPI_PREFIX "/mount", h_mount_delete },
        { "GET", IMAGEAPI_PREFIX "/mount/overlay", h_overlay_list },
        { "POST", IMAGEAPI_PREFIX "/mount/overlay", h_overlay_post },
        { "GET", IMAGEAPI_PREFIX "/mount/overlay/{id}", h_overlay_get },
        { "DELETE", IMAGEAPI_PREFIX "/mount/overlay/{id}", h_overlay_delete },
        { "GET", IMAGEAPI_PREFIX "/attach/rbd", h_rbd_list },
        { "POST", IMAGEAPI_PREFIX "/attach/rbd", h_rbd_post },
        { "GET", IMAGEAPI_PREFIX "/attach/rbd/{id}", h_rbd_get },
        { "DELETE", IMAGEAPI_PREFIX "/attach/rbd/{id}", h_rbd_delete },
        { "GET", IMAGEAPI_PREFIX "/mount/rbd", h_mount_rbd_list },
        { "POST", IMAGEAPI_PREFIX "/mount/rbd", h_mount_rbd_post },
        { "GET", IMAGEAPI_PREFIX "/mount/rbd/{id}", h_mount_rbd_get },
        { "DELETE", IMAGEAPI_PREFIX "/mount/rbd/{id}", h_mount_rbd_delete },
};

int imageapi_init(struct imageapi *api, struct berth_store *store, size_t max_body)
{
        *api = (struct imageapi){
                .store = store,
                .max_body = max_body,
                .http =
                        {
                                .name = "imageapi",
                                .prefix = IMAGEAPI_PREFIX,
                                .routes = imageapi_routes,
                                .n_routes = ELEMENTSOF(imageapi_routes),
                                .error_body = imageapi_error_body,
                        },
        };
        api->http.userdata = api;
        return 0;
}

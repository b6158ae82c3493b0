/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <pthread.h>

#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "error.h"
#include "http.h"
#include "imageapi-codec.h"
#include "imageapi.h"
#include "macro.h"
#include "store.h"

/*
 * ImageAPI containers: v0.2.0 (`/container` with id, name, state and force query
 * parameters, PATCH for state changes) and the seed's v0.1 paths (`/container/{id}`,
 * `/container/{id}/{state}`, `/container/byname/{name}[/{state}]`, where a GET changes
 * the state, as in the walk-through).
 */

#define PREFIX "/imageapi/v1"

struct ctx {
        int state_filter; /* -1 = any */
        json_t *out;
};

static int visit_append(struct berth_obj *o, void *userdata)
{
        struct ctx *c = userdata;
        struct berth_container *ct = (struct berth_container *)o;

        if (c->state_filter >= 0 && (int)ct->state != c->state_filter)
                return 0;
        return json_array_append_new(c->out, imageapi_encode_container(ct)) < 0 ? -ENOMEM : 0;
}

static int visit_one(struct berth_obj *o, void *userdata)
{
        struct ctx *c = userdata;

        json_decref(c->out);
        c->out = imageapi_encode_container((struct berth_container *)o);
        return c->out ? 0 : -ENOMEM;
}

/* id wins over name (as in the Go server); one of them is required when need. */
static int target(struct imageapi *api, const struct berth_http_query *q, bool need,
                  uint64_t *ret_id, bool *ret_given, struct berth_error *err)
{
        const char *name = berth_http_query_get(q, "name");
        int r;

        *ret_given = false;
        r = berth_http_query_u64(q, "id", ret_id, err);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret_given = true;
                return 0;
        }
        if (name) {
                *ret_given = true;
                r = berth_container_find(api->store, name, ret_id);
                if (r < 0)
                        return berth_error_set(err, ENOENT, "no container by name: %.128s", name);
                return 0;
        }
        if (need)
                return berth_error_set(err, EINVAL, "either id or name must be provided");
        return 0;
}

static void reply_err(struct berth_http_request *req, struct berth_error *err, int r)
{
        berth_error_ensure(err, r, "container");
        imageapi_word_hint(err);
        (void)berth_http_reply_berror(req, err);
}

/* The whole list, as last built, and the store generation it was built at: a node agent
 * is polled far more often than it changes, and building the list of 1,000 containers
 * takes 30 ms (600 KB of JSON) where sending a copy takes one. Any change bumps the
 * generation; the list is then built anew on the next request. */
static struct {
        pthread_mutex_t lock;
        char *text;
        size_t len;
        uint64_t gen;
} list_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool reply_cached_list(struct berth_http_request *req, uint64_t gen)
{
        _cleanup_free_ char *copy = NULL;
        size_t len = 0;

        pthread_mutex_lock(&list_cache.lock);
        if (list_cache.text && list_cache.gen == gen) {
                copy = strndup(list_cache.text, list_cache.len);
                len = list_cache.len;
        }
        pthread_mutex_unlock(&list_cache.lock);
        if (!copy)
                return false;
        (void)berth_http_reply_json_text(req, 200, copy, len);
        return true;
}

/* Keeps a copy of text (JSON: no NUL inside). */
static void cache_list(const char *text, size_t len, uint64_t gen)
{
        char *copy = strndup(text, len);

        if (!copy)
                return;
        pthread_mutex_lock(&list_cache.lock);
        free(list_cache.text);
        list_cache.text = copy;
        list_cache.len = len;
        list_cache.gen = gen;
        pthread_mutex_unlock(&list_cache.lock);
}

/* The whole list, sent and kept for the next request (when it asks for nothing else). */
static void reply_list(struct berth_http_request *req, json_t *list, uint64_t gen)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = berth_http_json_format(list, &text, &len);
        json_decref(list);
        if (r < 0) {
                (void)berth_http_reply_error(req, 500, "out of memory encoding the reply");
                return;
        }
        if (!req->query)
                cache_list(text, len, gen);
        (void)berth_http_reply_json_text(req, 200, text, len);
}

static void h_list(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "id", "name", "state", NULL };
        struct imageapi *api = userdata;
        struct ctx c = { .state_filter = -1 };
        struct berth_error err = {};
        struct berth_http_query q;
        bool given;
        uint64_t id = 0, gen;
        int r;

        r = berth_http_query_parse(req->query, allowed, &q, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        r = target(api, &q, false, &id, &given, &err);
        if (r >= 0 && berth_http_query_get(&q, "state")) {
                c.state_filter =
                        berth_container_state_from_string(berth_http_query_get(&q, "state"));
                if (c.state_filter < 0)
                        r = berth_error_set(&err, EINVAL,
                                            "state in query should be one of [created running "
                                            "paused stopping exited dead]");
        }
        berth_http_query_done(&q);
        if (r < 0)
                return reply_err(req, &err, r);
        if (given) {
                r = berth_store_visit_one(api->store, BERTH_OBJ_CONTAINER, id, visit_one, &c);
                if (r == -ENOENT) {
                        (void)berth_http_reply_error(req, 404, "container %llu not found",
                                                     (unsigned long long)id);
                        return;
                }
                if (r >= 0)
                        (void)berth_http_reply_json(req, 200, json_pack("[o]", c.out));
                else
                        (void)berth_http_reply_error(req, 500, "encode reply");
                return;
        }
        if (!req->query && reply_cached_list(req, berth_store_gen(api->store)))
                return;
        gen = berth_store_gen(api->store);
        c.out = json_array();
        r = c.out ? berth_store_visit_all(api->store, BERTH_OBJ_CONTAINER, visit_append, &c)
                  : -ENOMEM;
        if (r < 0) {
                json_decref(c.out);
                (void)berth_http_reply_error(req, 500, "encode reply");
                return;
        }
        reply_list(req, c.out, gen);
}

static void h_create(struct berth_http_request *req, void *userdata)
{
        _cleanup_(berth_container_spec_freep) struct berth_container_spec *spec = NULL;
        struct imageapi *api = userdata;
        struct berth_error err = {};
        struct ctx c = {};
        json_t *j = NULL;
        int r;

        r = berth_http_read_json(req, api->max_body, &j, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        r = imageapi_decode_container(j, &spec, &err);
        berth_http_json_release(j);
        if (r < 0)
                return reply_err(req, &err, r);
        {
                struct berth_workload w;
                imageapi_container_workload(spec, &w);
                r = berth_container_create(api->store,
                                           &(struct berth_container_def){
                                                   .name = spec->name,
                                                   .root = spec->mount,
                                                   .workload = &w,
                                                   .start = spec->state == BERTH_CONTAINER_RUNNING,
                                           },
                                           visit_one, &c, &err);
        }
        if (r < 0) {
                json_decref(c.out);
                return reply_err(req, &err, r);
        }
        (void)berth_http_reply_json(req, 201, c.out);
}

static void do_delete(struct berth_http_request *req, struct imageapi *api, uint64_t id, bool force)
{
        struct berth_error err = {};
        struct ctx c = {};
        int r;

        r = berth_store_delete(api->store, BERTH_OBJ_CONTAINER, id, force, visit_one, &c, &err);
        if (r < 0) {
                json_decref(c.out);
                if (r == -ENOENT) {
                        (void)berth_http_reply_error(req, 404, "container %llu not found",
                                                     (unsigned long long)id);
                        return;
                }
                return reply_err(req, &err, r);
        }
        (void)berth_http_reply_json(req, 200, c.out);
}

static void do_set_state(struct berth_http_request *req, struct imageapi *api, uint64_t id,
                         const char *state)
{
        enum berth_container_state st = berth_container_state_from_string(state);
        struct berth_error err = {};
        struct ctx c = {};
        int r;

        if (st != BERTH_CONTAINER_RUNNING && st != BERTH_CONTAINER_EXITED &&
            st != BERTH_CONTAINER_PAUSED) {
                (void)berth_http_reply_error(req, 422,
                                             "state should be one of [running exited paused]");
                return;
        }
        r = berth_container_set_state(api->store, id, st, visit_one, &c, &err);
        if (r < 0) {
                json_decref(c.out);
                if (r == -ENOENT) {
                        (void)berth_http_reply_error(req, 404, "container %llu not found",
                                                     (unsigned long long)id);
                        return;
                }
                return reply_err(req, &err, r);
        }
        (void)berth_http_reply_json(req, 200, c.out);
}

static void h_delete(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "id", "name", "force", NULL };
        struct imageapi *api = userdata;
        struct berth_error err = {};
        struct berth_http_query q;
        bool force = false, given;
        uint64_t id = 0;
        int r;

        r = berth_http_expect_no_body(req, &err);
        if (r >= 0)
                r = berth_http_query_parse(req->query, allowed, &q, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        r = berth_http_query_bool(&q, "force", &force, &err);
        if (r >= 0)
                r = target(api, &q, true, &id, &given, &err);
        berth_http_query_done(&q);
        if (r < 0)
                return reply_err(req, &err, r);
        do_delete(req, api, id, force);
}

static void h_patch(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "id", "name", "state", NULL };
        struct imageapi *api = userdata;
        struct berth_error err = {};
        struct berth_http_query q;
        char state[16] = "";
        uint64_t id = 0;
        bool given;
        int r;

        r = berth_http_expect_no_body(req, &err);
        if (r >= 0)
                r = berth_http_query_parse(req->query, allowed, &q, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        if (!berth_http_query_get(&q, "state"))
                r = berth_error_set(&err, EINVAL, "state in query is required");
        else
                (void)snprintf(state, sizeof(state), "%s", berth_http_query_get(&q, "state"));
        if (r >= 0)
                r = target(api, &q, true, &id, &given, &err);
        berth_http_query_done(&q);
        if (r < 0)
                return reply_err(req, &err, r);
        do_set_state(req, api, id, state);
}

/* ---- v0.1 paths ------------------------------------------------------------------- */

static int path_target(struct berth_http_request *req, struct imageapi *api, bool byname,
                       uint64_t *ret_id, struct berth_error *err)
{
        struct berth_http_query q;
        int r;

        r = berth_http_query_parse(req->query, (const char *const[]){ "force", NULL }, &q, err);
        berth_http_query_done(&q);
        if (r < 0)
                return r;
        if (!byname)
                return imageapi_decode_path_id(req->captures[0], ret_id, err);
        r = berth_container_find(api->store, req->captures[0], ret_id);
        if (r < 0)
                return berth_error_set(err, ENOENT, "no container by name: %.128s",
                                       req->captures[0]);
        return 0;
}

static void v01_get(struct berth_http_request *req, struct imageapi *api, bool byname)
{
        struct berth_error err = {};
        struct ctx c = {};
        uint64_t id = 0;
        int r;

        r = path_target(req, api, byname, &id, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        r = berth_store_visit_one(api->store, BERTH_OBJ_CONTAINER, id, visit_one, &c);
        if (r == -ENOENT) {
                (void)berth_http_reply_error(req, 404, "container %llu not found",
                                             (unsigned long long)id);
                return;
        }
        if (r < 0) {
                json_decref(c.out);
                (void)berth_http_reply_error(req, 500, "encode reply");
                return;
        }
        (void)berth_http_reply_json(req, 200, c.out);
}

static void v01_delete(struct berth_http_request *req, struct imageapi *api, bool byname)
{
        struct berth_error err = {};
        struct berth_http_query q;
        bool force = false;
        uint64_t id = 0;
        int r;

        r = path_target(req, api, byname, &id, &err);
        if (r >= 0 && berth_http_query_parse(req->query, (const char *const[]){ "force", NULL }, &q,
                                             &err) >= 0) {
                r = berth_http_query_bool(&q, "force", &force, &err);
                berth_http_query_done(&q);
        }
        if (r < 0)
                return reply_err(req, &err, r);
        do_delete(req, api, id, force);
}

static void v01_state(struct berth_http_request *req, struct imageapi *api, bool byname)
{
        struct berth_error err = {};
        uint64_t id = 0;
        int r;

        /* These GETs change state (as in the walk-through); a HEAD must not. */
        if (streq(req->method, "HEAD")) {
                (void)berth_http_reply_error_headers(
                        req, 405, &(struct berth_http_header){ "Allow", "GET" }, 1,
                        "HEAD would change the container's state here; use GET");
                return;
        }

        r = path_target(req, api, byname, &id, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        /* One container object, as upstream's swagger and server answer (and as Go
         * clients decode it), though the walk-through's README prints a one-element
         * array for /container/byname/test-container/exited. */
        do_set_state(req, api, id, req->captures[1]);
}

static void h_get_id(struct berth_http_request *req, void *userdata)
{
        v01_get(req, userdata, false);
}
static void h_get_name(struct berth_http_request *req, void *userdata)
{
        v01_get(req, userdata, true);
}
static void h_delete_id(struct berth_http_request *req, void *userdata)
{
        v01_delete(req, userdata, false);
}
static void h_delete_name(struct berth_http_request *req, void *userdata)
{
        v01_delete(req, userdata, true);
}
static void h_state_id(struct berth_http_request *req, void *userdata)
{
        v01_state(req, userdata, false);
}
static void h_state_name(struct berth_http_request *req, void *userdata)
{
        v01_state(req, userdata, true);
}

/* byname first: "/container/byname/x" would also match "/container/{id}/{state}". */
static const struct berth_http_route container_routes[] = {
        { "GET", PREFIX "/container", h_list },
        { "POST", PREFIX "/container", h_create },
        { "DELETE", PREFIX "/container", h_delete },
        { "PATCH", PREFIX "/container", h_patch },
        { "GET", PREFIX "/container/byname/{name}", h_get_name },
        { "DELETE", PREFIX "/container/byname/{name}", h_delete_name },
        { "GET", PREFIX "/container/byname/{name}/{state}", h_state_name },
        { "GET", PREFIX "/container/{id}", h_get_id },
        { "DELETE", PREFIX "/container/{id}", h_delete_id },
        { "GET", PREFIX "/container/{id}/{state}", h_state_id },
};

void imageapi_containers_init(struct imageapi *api, struct berth_http_api *http)
{
        *http = (struct berth_http_api){
                .name = "imageapi-containers",
                .prefix = PREFIX "/container",
                .routes = container_routes,
                .n_routes = ELEMENTSOF(container_routes),
                .error_body = imageapi_error_body,
                .userdata = api,
        };
}

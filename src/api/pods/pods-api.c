/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /api/v2/pod door (seed 000): pods, recipes and the engine's configuration, with
 * the seed's request and reply shapes. Replies are "application/json; charset=utf-8"
 * as the seed's are, errors {"code", "message"}; there is no
 * Access-Control-Allow-Origin: this is a root API (README). Each handler is body →
 * pod.h call → reply; the CLI text of the seed's replies is pods-text.c's.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "error.h"
#include "events.h"
#include "http.h"
#include "jdec.h"
#include "json-util.h"
#include "macro.h"
#include "pod.h"
#include "pods-api.h"
#include "pods-door.h"
#include "pods-inspect.h"
#include "pods-log.h"
#include "pods-config.h"
#include "pods-text.h"
#include "recipes.h"
#include "store.h"
#include "strbuf.h"
#include "strv.h"

#define MOUNTINFO "/proc/self/mountinfo"
#define DAEMON_JSON_DEFAULT "/etc/docker/daemon.json"
#define PREFIX PODS_PREFIX

/* ---- replies ------------------------------------------------------------------- */

/* A POST's body: none, or an object of the allowed keys only (*ret NULL when there is
 * none). The seed sends "{}" with every call. */
static int read_body(struct berth_http_request *req, struct berth_pods_api *api,
                     const char *const *allowed, json_t **ret, struct berth_error *err)
{
        json_t *j = NULL;
        int r;

        *ret = NULL;
        if (!berth_http_has_body(req))
                return 0;
        r = berth_http_read_json(req, api->max_body, &j, err);
        if (r < 0)
                return r;
        r = pods_check_keys(j, "the body", allowed, err);
        if (r < 0) {
                berth_http_json_release(j);
                return r;
        }
        *ret = j;
        return 0;
}

static const char *const no_keys[] = { NULL };

/* {fileContents (an object, required), recipes (recipe names, optional)}; borrowed. */
static int decode_contents(json_t *body, json_t **ret_fc, json_t **ret_recipes,
                           struct berth_error *err)
{
        json_t *fc = json_object_get(body, "fileContents");
        json_t *recipes = json_object_get(body, "recipes"), *v;
        size_t i;

        if (!body)
                return berth_error_set(err, EINVAL,
                                       "a request body is required: {\"fileContents\": {...}, "
                                       "\"recipes\": [...]}");
        if (!json_is_object(fc))
                return berth_error_set(err, EINVAL,
                                       "fileContents is required and must be an object (a "
                                       "compose document)");
        if (json_is_null(recipes))
                recipes = NULL;
        if (recipes && !json_is_array(recipes))
                return berth_error_set(err, EINVAL, "recipes must be an array of recipe names");
        json_array_foreach (recipes, i, v)
                if (!json_is_string(v))
                        return berth_error_set(err, EINVAL,
                                               "recipes[%zu] must be a string (a recipe name)", i);
        *ret_fc = fc;
        *ret_recipes = recipes;
        return 0;
}

/* ---- steps (berth_pod_do) ---------------------------------------------------------- */

struct steps {
        struct pods_step *v;
        size_t n;
        bool oom;
};

static void collect_step(const char *container, const char *error, void *userdata)
{
        struct steps *s = userdata;
        struct pods_step *v;

        if (s->oom)
                return;
        v = realloc(s->v, (s->n + 1) * sizeof(*v));
        if (!v) {
                s->oom = true;
                return;
        }
        s->v = v;
        v[s->n] = (struct pods_step){ strdup(container), error ? strdup(error) : NULL };
        if (!v[s->n].container || (error && !v[s->n].error)) {
                free(v[s->n].container);
                free(v[s->n].error);
                s->oom = true;
                return;
        }
        s->n++;
}

/* A failed verb: the error's status, its message, then the steps as text. */
static void reply_steps_error(struct berth_http_request *req, struct berth_error *err, int r,
                              const struct strbuf *text)
{
        _cleanup_free_ char *msg = NULL;

        (void)berth_error_ensure(err, r, "pod");
        if (!text->p || !text->p[0] || asprintf(&msg, "%s\n%s", err->msg, text->p) < 0)
                return pods_reply_err(req, err, r);
        pods_reply_msg(req, pods_status_of(err->code), msg);
}

/* ---- list, details, set, update, test --------------------------------------------- */

static json_t *service_json(const struct berth_pod_status *st)
{
        _cleanup_free_ char *id = NULL;

        if (asprintf(&id, "%s.service", st->name) < 0)
                return NULL;
        return json_pack("{s:s, s:s, s:b}", "id", id, "state", berth_pod_state_to_string(st->state),
                         "locked", st->enabled);
}

static void h_list(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        struct berth_pod_status *v = NULL;
        struct berth_error err = {};
        json_t *out;
        size_t n = 0;
        bool ok;
        int r;

        r = berth_pods_list(api->pods, &v, &n, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        out = json_array();
        ok = out != NULL;
        for (size_t i = 0; i < n; i++) {
                if (ok)
                        ok = json_array_append_new(out,
                                                   json_pack("{s:s, s:o}", "name", v[i].name,
                                                             "service", service_json(&v[i]))) >= 0;
                berth_pod_status_done(&v[i]);
        }
        free(v);
        if (!ok) {
                json_decref(out);
                out = NULL;
        }
        pods_reply_json(req, 200, out);
}

/* {name, compose_file, service: [{id, state, locked}]}: details, set, update and the
 * verbs that change the pod's service. */
static void reply_details(struct berth_http_request *req, struct berth_pods_api *api,
                          const char *name)
{
        struct berth_pod_status st = {};
        struct berth_error err = {};
        json_t *doc = NULL, *recipes = NULL;
        int r;

        r = berth_pod_details(api->pods, name, &doc, &recipes, &st, &err);
        json_decref(recipes);
        if (r < 0) {
                json_decref(doc);
                berth_pod_status_done(&st);
                return pods_reply_err(req, &err, r);
        }
        pods_reply_json(req, 200,
                        json_pack("{s:s, s:o, s:[o]}", "name", st.name ? st.name : name,
                                  "compose_file", doc ? doc : json_object(), "service",
                                  service_json(&(struct berth_pod_status){
                                          .name = (char *)name,
                                          .enabled = st.enabled,
                                          .state = st.state,
                                  })));
        berth_pod_status_done(&st);
}

static void h_details(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL;
        struct berth_error err = {};
        int r;

        /* A GET's body ("{}" in the seed) is not read: the transport discards it. */
        r = pods_pod_name(api, req, &name, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        reply_details(req, api, name);
}

static void do_set(struct berth_http_request *req, struct berth_pods_api *api, bool update)
{
        static const char *const allowed[] = { "fileContents", "recipes", NULL };
        _cleanup_free_ char *name = NULL;
        struct berth_error err = {};
        json_t *body = NULL, *fc = NULL, *recipes = NULL;
        int r;

        r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, allowed, &body, &err);
        if (r >= 0)
                r = decode_contents(body, &fc, &recipes, &err);
        if (r >= 0)
                r = berth_pod_set(api->pods, name, fc, recipes, update, &err);
        berth_http_json_release(body);
        if (r == -EEXIST && !update) {
                size_t n = strlen(err.msg);
                (void)snprintf(err.msg + n, sizeof(err.msg) - n, " (POST %s/%s/update)", PREFIX,
                               name);
        }
        if (r < 0)
                return pods_reply_err(req, &err, r);
        reply_details(req, api, name);
}

static void h_set(struct berth_http_request *req, void *userdata)
{
        do_set(req, userdata, false);
}

static void h_update(struct berth_http_request *req, void *userdata)
{
        do_set(req, userdata, true);
}

static void h_test(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "fileContents", "recipes", NULL };
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL;
        struct berth_error err = {};
        json_t *body = NULL, *fc = NULL, *recipes = NULL, *doc = NULL;
        bool exists = false;
        int r;

        r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, allowed, &body, &err);
        if (r >= 0)
                r = decode_contents(body, &fc, &recipes, &err);
        if (r >= 0)
                r = berth_pod_test(api->pods, name, fc, recipes, &doc, &exists, &err);
        berth_http_json_release(body);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        pods_reply_json(req, 200,
                        json_pack("{s:s, s:o, s:b}", "name", name, "data", doc, "exists", exists));
}

/* ---- destroy --------------------------------------------------------------------- */

static void h_destroy(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL, *text = NULL;
        _cleanup_free_ const char **stopped = NULL, **removed = NULL;
        struct members m = {};
        struct berth_error err = {};
        struct steps st = {};
        struct strbuf b = {};
        size_t n_stopped = 0, len = 0;
        json_t *body = NULL;
        int r;

        r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, no_keys, &body, &err);
        berth_http_json_release(body);
        /* What runs now is what the destroy stops. */
        if (r >= 0)
                r = pods_members_get(api, name, &m, &err);
        if (r >= 0)
                r = berth_pod_destroy_steps(api->pods, name, collect_step, &st, &err);
        if (r < 0) {
                pods_text_steps(&b, "Removing", st.v, st.n);
                reply_steps_error(req, &err, r, &b);
                goto out;
        }
        stopped = calloc(st.n + 1, sizeof(char *));
        removed = calloc(st.n + 1, sizeof(char *));
        if (stopped && removed) {
                /* In the order the destroy went (compose's down: the reverse of the
                 * start order). */
                for (size_t i = 0; i < st.n; i++)
                        for (size_t k = 0; k < m.n; k++)
                                if (m.v[k].exists && pods_state_live(m.v[k].state) &&
                                    streq(m.v[k].container, st.v[i].container)) {
                                        stopped[n_stopped++] = m.v[k].container;
                                        break;
                                }
                for (size_t i = 0; i < st.n; i++)
                        removed[i] = st.v[i].container;
                pods_text_down(&b, stopped, n_stopped, removed, st.n);
        }
        text = b.p && !b.oom && !st.oom ? pods_text_utf8(b.p, b.len, &len) : NULL;
        pods_reply_json(
                req, 200,
                text ? json_pack("{s:s%, s:{}}", "containerResponse", text, len, "serviceResponse")
                     : NULL);
out:
        strbuf_wipe(&b);
        pods_steps_done(st.v, st.n);
        pods_members_done(&m);
}

/* ---- pause, unpause, kill, enable, disable, start, stop, restart ------------------ */

static const struct verb {
        const char *path;
        enum berth_pod_verb verb;
        const char *word; /* compose's */
        bool text;        /* the reply is the steps' text (else the details) */
} verbs[] = {
        { "pause", BERTH_POD_PAUSE, "Pausing", true },
        { "unpause", BERTH_POD_UNPAUSE, "Unpausing", true },
        { "kill", BERTH_POD_KILL, "Killing", true },
        { "enable", BERTH_POD_ENABLE, "Starting", false },
        { "disable", BERTH_POD_DISABLE, "Stopping", false },
        { "start", BERTH_POD_START, "Starting", false },
        { "stop", BERTH_POD_STOP, "Stopping", false },
        { "restart", BERTH_POD_RESTART, "Restarting", false },
};

static void h_verb(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        const char *last = req->path ? strrchr(req->path, '/') : NULL;
        const struct verb *v = NULL;
        _cleanup_free_ char *name = NULL;
        struct berth_error err = {};
        struct steps st = {};
        struct strbuf b = {};
        json_t *body = NULL;
        int r;

        for (size_t i = 0; last && i < ELEMENTSOF(verbs); i++)
                if (streq(last + 1, verbs[i].path))
                        v = &verbs[i];
        if (!v)
                return pods_reply_msg(req, 404, "no such pod action");
        r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, no_keys, &body, &err);
        berth_http_json_release(body);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        r = berth_pod_do(api->pods, name, v->verb, collect_step, &st, &err);
        pods_text_steps(&b, v->word, st.v, st.n);
        if (r < 0)
                reply_steps_error(req, &err, r, &b);
        else if (b.oom || st.oom)
                pods_reply_msg(req, 500, "out of memory encoding the reply");
        else if (v->text)
                pods_reply_string(req, b.p, b.len);
        else
                reply_details(req, api, name);
        strbuf_wipe(&b);
        pods_steps_done(st.v, st.n);
}

/* ---- recipes ---------------------------------------------------------------------- */

static void h_suggested(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        const char *dir = berth_pods_config(api->pods)->recipes_dir;
        struct berth_error err = {};
        json_t *list = NULL;
        int r;

        if (!dir)
                return pods_reply_json(req, 200, json_array());
        r = pod_recipes_list(dir, &list, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        pods_reply_json(req, 200, list);
}

static void h_recipe(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        const char *dir = berth_pods_config(api->pods)->recipes_dir;
        struct berth_error err = {};
        json_t *recipe = NULL;
        int r;

        if (!dir)
                return pods_reply_msg(req, 404,
                                      "no recipe catalogue is configured (--recipes-dir)");
        r = pod_recipe_get(dir, req->captures[0], &recipe, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        pods_reply_json(req, 200, recipe);
}

/* ---- config ----------------------------------------------------------------------- */

static const char *daemon_json_path(const struct berth_pods_api *api)
{
        return api->daemon_json ? api->daemon_json : DAEMON_JSON_DEFAULT;
}

static json_t *setting_json(struct berth_pods_api *api, const char *key)
{
        _cleanup_free_ char *v = berth_pods_setting_get(api->pods, key);

        return v ? json_string(v) : json_null();
}

static void h_config_get(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        const char *root = berth_pods_config(api->pods)->data_root;
        _cleanup_free_ char *resolved = NULL;
        struct berth_error err = {};
        json_t *daemon = NULL, *mount = NULL;
        int r;

        r = pods_config_read_daemon_json(daemon_json_path(api), &daemon, &err);
        if (r == -EBADMSG) { /* the file is bad, not the request */
                char msg[sizeof(err.msg)];

                memcpy(msg, err.msg, sizeof(msg));
                r = berth_error_set(&err, EIO, "%s", msg);
        }
        if (r < 0)
                return pods_reply_err(req, &err, r);
        r = pods_config_resolve(root ? root : "/", &resolved);
        if (r < 0)
                r = berth_error_set_errno(&err, -r, "resolve the pod data root %s", root);
        else
                r = pods_config_mount_of(MOUNTINFO, resolved, &mount, &err);
        if (r < 0) {
                json_decref(daemon);
                return pods_reply_err(req, &err, r);
        }
        /* The seed's two, and the file systems POST /pod/config recorded. */
        pods_reply_json(req, 200,
                        json_pack("{s:o, s:o, s:o, s:o}", "daemonJson", daemon, "podDataMount",
                                  mount, "podImageFs", setting_json(api, "podImageFs"), "podDataFs",
                                  setting_json(api, "podDataFs")));
}

static void h_config_set(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "configJson", "podImageFs", "podDataFs", NULL };
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *image_fs = NULL, *data_fs = NULL;
        const char *path = daemon_json_path(api);
        struct berth_error err = {};
        json_t *body = NULL, *cfg;
        int r, written = 0;

        r = read_body(req, api, allowed, &body, &err);
        if (r >= 0 && !body)
                r = berth_error_set(&err, EINVAL,
                                    "a request body is required: {\"configJson\": {...}, "
                                    "\"podImageFs\": \"...\", \"podDataFs\": \"...\"}");
        cfg = json_object_get(body, "configJson");
        if (r >= 0 && !cfg)
                r = berth_error_set(&err, EINVAL,
                                    "configJson is required: the engine's daemon.json, an object");
        if (r >= 0)
                r = pods_config_check_daemon_json(cfg, &err);
        if (r >= 0)
                r = jdec_string(body, "", "podImageFs", false, 256, &image_fs, &err);
        if (r >= 0)
                r = jdec_string(body, "", "podDataFs", false, 256, &data_fs, &err);
        /* The file first: the settings only say what it was made for. */
        if (r >= 0)
                r = written = pods_config_write_daemon_json(path, cfg, &err);
        berth_http_json_release(body);
        if (r >= 0 && image_fs)
                r = berth_pods_setting_set(api->pods, "podImageFs", image_fs, &err);
        if (r >= 0 && data_fs)
                r = berth_pods_setting_set(api->pods, "podDataFs", data_fs, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        /* The engine reads daemon.json when it starts: berth never restarts it. */
        pods_reply_json(req, 200,
                        json_pack("{s:o, s:o, s:b, s:s}", "podImageFs",
                                  setting_json(api, "podImageFs"), "podDataFs",
                                  setting_json(api, "podDataFs"), "restartRequired", written > 0,
                                  "daemonJsonPath", path));
}

/* ---- the door --------------------------------------------------------------------- */

/* Literal segments win over {name} (http.h): a pod named "config" is reached as
 * od-pod-config. */
static const struct berth_http_route routes[] = {
        { "GET", PREFIX, h_list },
        { "GET", PREFIX "/suggested", h_suggested },
        { "GET", PREFIX "/suggested/{name}", h_recipe },
        { "GET", PREFIX "/config", h_config_get },
        { "POST", PREFIX "/config", h_config_set },
        { "GET", PREFIX "/{name}/details", h_details },
        { "POST", PREFIX "/{name}/set", h_set },
        { "POST", PREFIX "/{name}/update", h_update },
        { "POST", PREFIX "/{name}/destroy", h_destroy },
        { "GET", PREFIX "/{name}/inspect", pods_h_inspect },
        { "GET", PREFIX "/{name}/log", pods_h_log },
        { "POST", PREFIX "/{name}/test", h_test },
        { "POST", PREFIX "/{name}/pause", h_verb },
        { "POST", PREFIX "/{name}/unpause", h_verb },
        { "POST", PREFIX "/{name}/kill", h_verb },
        { "POST", PREFIX "/{name}/enable", h_verb },
        { "POST", PREFIX "/{name}/disable", h_verb },
        { "POST", PREFIX "/{name}/start", h_verb },
        { "POST", PREFIX "/{name}/stop", h_verb },
        { "POST", PREFIX "/{name}/restart", h_verb },
};

void berth_pods_api_init(struct berth_pods_api *api, struct berth_pods *pods,
                         struct berth_store *store, const char *daemon_json, size_t max_body)
{
        *api = (struct berth_pods_api){
                .pods = pods,
                .store = store,
                .daemon_json = daemon_json,
                .max_body = max_body,
                .http = {
                        .name = "pods",
                        .prefix = PREFIX,
                        .routes = routes,
                        .n_routes = ELEMENTSOF(routes),
                        .error_body = pods_error_body,
                },
        };
        api->http.userdata = api;
}

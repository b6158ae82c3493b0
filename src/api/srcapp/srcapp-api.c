/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps door (seed 001): /{facility}/{verb}?query, as the seed's URLs are.
 * Facilities come from --src-facility; a verb the node's mode does not support is a
 * 409 naming the mode. Success bodies of actions are the JSON string "Success"; errors
 * {"code", "message"} naming the app or image. The door's routes are behind the same
 * token as every other (the router's); approve-image needs the admin token on top.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker.h"
#include "error.h"
#include "http.h"
#include "json-util.h"
#include "macro.h"
#include "src-format.h"
#include "src-names.h"
#include "srcapp-api.h"
#include "srcapp-swarm.h"
#include "srcapp.h"
#include "strv.h"
#include "uptime.h"

#define CT_JSON "application/json"

enum verb_mode {
        MODE_BOTH,
        MODE_SOLO,
        MODE_SWARM,
};

struct verb {
        const char *name;
        const char *method;
        enum verb_mode mode;
        const char *const *query; /* the keys it takes */
        void (*fn)(struct berth_srcapp_api *api, struct berth_http_request *req,
                   const char *facility, const struct berth_http_query *q, const struct verb *v);
        int op; /* enum src_op for the app actions */
        const char *usage;
};

/* ---- replies ----------------------------------------------------------------------- */

static void reply_msg(struct berth_http_request *req, int status, const char *msg)
{
        _cleanup_free_ char *clean = strdup(msg ? msg : "");
        json_t *probe;

        if (!clean) {
                (void)berth_http_reply_error(req, 500, "out of memory");
                return;
        }
        /* The engine's words may not be UTF-8: JSON needs them to be. */
        probe = json_string(clean);
        if (!probe)
                for (char *p = clean; *p; p++)
                        if ((unsigned char)*p >= 0x80)
                                *p = '?';
        json_decref(probe);
        (void)berth_http_reply_error(req, status, "%s", clean);
}

static int status_of(int r)
{
        if (r == -EHOSTDOWN)
                return 503;
        if (r == -ENOTCONN)
                return 409;
        return berth_http_status_from_errno(r);
}

static void reply_err(struct berth_http_request *req, struct berth_error *err, int r)
{
        (void)berth_error_ensure(err, r, "SRC");
        reply_msg(req, status_of(err->code ? err->code : r), err->msg);
}

static void reply_json(struct berth_http_request *req, json_t *j)
{
        if (!j) {
                reply_msg(req, 500, "out of memory encoding the reply");
                return;
        }
        (void)berth_http_reply_json(req, 200, j);
}

static void reply_success(struct berth_http_request *req)
{
        reply_json(req, json_string("Success"));
}

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- apps ------------------------------------------------------------------------ */

static const char *required(struct berth_http_request *req, const struct berth_http_query *q,
                            const char *key)
{
        const char *v = berth_http_query_get(q, key);

        if (!v || !*v) {
                reply_msg(req, 422,
                          key[0] == 'n' ? "name is required (?name=IMAGE--USER)"
                                        : "a required query parameter is missing");
                return NULL;
        }
        return v;
}

static void h_action(struct berth_srcapp_api *api, struct berth_http_request *req,
                     const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        const char *name = required(req, q, "name");
        int r;

        if (!name)
                return;
        r = src_app_do(api->apps, facility, name, (enum src_op)v->op, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_success(req);
}

static void h_create(struct berth_srcapp_api *api, struct berth_http_request *req,
                     const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        int r;

        (void)v;
        r = src_app_create(api->apps, facility, berth_http_query_get(q, "image"),
                           berth_http_query_get(q, "user"), NULL, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_success(req);
}

static const char *item_name(json_t *item)
{
        const char *s = json_string_value(json_array_get(json_object_get(item, "Names"), 0));

        return s && s[0] == '/' ? s + 1 : s;
}

static void h_names(struct berth_srcapp_api *api, struct berth_http_request *req,
                    const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        json_auto_t *l = NULL;
        json_t *out = json_array(), *item;
        bool users = streq(v->name, "get-users");
        size_t i;
        int r;

        (void)q;
        if (!out)
                return reply_msg(req, 500, "out of memory");
        r = src_app_list(api->apps, facility, NULL, &l, &err);
        if (r < 0) {
                json_decref(out);
                return reply_err(req, &err, r);
        }
        json_array_foreach (l, i, item) {
                const char *s = users ? json_string_value(json_object_get(
                                                json_object_get(item, "Labels"), SRC_LABEL_USER))
                                      : item_name(item);

                if (s && src_json_add_unique(out, s) < 0) {
                        json_decref(out);
                        return reply_msg(req, 500, "out of memory");
                }
        }
        reply_json(req, out);
}

static void h_status(struct berth_srcapp_api *api, struct berth_http_request *req,
                     const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        const char *name = berth_http_query_get(q, "name");
        json_auto_t *l = NULL;
        json_t *out, *item;
        uint64_t now = now_usec();
        size_t i;
        int r;

        (void)v;
        r = src_app_list(api->apps, facility, name, &l, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        if (name)
                return reply_json(req, src_ps_json(json_array_get(l, 0), now));
        out = json_array();
        json_array_foreach (l, i, item)
                if (!out || json_array_append_new(out, src_ps_json(item, now)) < 0) {
                        json_decref(out);
                        return reply_msg(req, 500, "out of memory");
                }
        reply_json(req, out);
}

static void h_stats(struct berth_srcapp_api *api, struct berth_http_request *req,
                    const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        const char *name = berth_http_query_get(q, "name");
        struct berth_engine *e = src_apps_engine(api->apps);
        json_auto_t *l = NULL;
        json_t *out, *item;
        size_t i;
        int r;

        (void)v;
        r = src_app_list(api->apps, facility, name, &l, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        out = json_array();
        if (!out)
                return reply_msg(req, 500, "out of memory");
        json_array_foreach (l, i, item) {
                const char *id = json_string_value(json_object_get(item, "Id"));
                json_auto_t *st = NULL;
                json_t *o;

                r = id ? berth_docker_container_stats(e, id, &st, &err) : -EIO;
                if (r < 0) {
                        json_decref(out);
                        (void)berth_error_prefix(&err, "app '%s': stats", item_name(item));
                        return reply_err(req, &err, r);
                }
                o = src_stats_json(st, name);
                if (!o || json_array_append_new(out, o) < 0) {
                        json_decref(out);
                        return reply_msg(req, 500, "out of memory");
                }
        }
        if (name) {
                json_t *one = json_incref(json_array_get(out, 0));
                json_decref(out);
                return reply_json(req, one);
        }
        reply_json(req, out);
}

static void h_info(struct berth_srcapp_api *api, struct berth_http_request *req,
                   const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        const char *name = required(req, q, "name");
        json_auto_t *l = NULL;
        json_t *j = NULL;
        int r;

        (void)v;
        if (!name)
                return;
        r = src_app_list(api->apps, facility, name, &l, &err);
        if (r >= 0)
                r = berth_docker_container_inspect(
                        src_apps_engine(api->apps),
                        json_string_value(json_object_get(json_array_get(l, 0), "Id")), &j, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, j);
}

/* `docker images --format '{{json .}}'`'s row for one tag of an image, and the count of
 * the facility's apps made from that reference. */
static json_t *image_row(json_t *img, const char *repo_tag, json_t *apps, uint64_t now)
{
        const char *id = json_string_value(json_object_get(img, "Id"));
        const char *colon = strrchr(repo_tag, ':');
        const char *slash = strrchr(repo_tag, '/');
        double created = json_number_value(json_object_get(img, "Created"));
        double size = json_number_value(json_object_get(img, "Size"));
        char dur[48], since[64], sz[32], at[64], idbuf[16];
        const char *digest =
                json_string_value(json_array_get(json_object_get(img, "RepoDigests"), 0));
        time_t t = (time_t)created;
        struct tm tm;
        json_int_t count = 0;
        json_t *item;
        size_t i;

        if (colon && slash && colon < slash)
                colon = NULL; /* a registry's port, no tag */
        if (id && strncmp(id, "sha256:", 7) == 0)
                id += 7;
        (void)snprintf(idbuf, sizeof(idbuf), "%.12s", id ? id : "");
        src_human_duration(dur, sizeof(dur), (double)now / 1e6 - created);
        (void)snprintf(since, sizeof(since), "%s ago", dur);
        src_human_size(sz, sizeof(sz), size, 3);
        if (!localtime_r(&t, &tm) || !strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S %z %Z", &tm))
                at[0] = 0;
        json_array_foreach (apps, i, item) {
                const char *ref = json_string_value(
                        json_object_get(json_object_get(item, "Labels"), SRC_LABEL_IMAGE));
                if (ref && streq(ref, repo_tag))
                        count++;
        }
        digest = digest ? strchr(digest, '@') : NULL;
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}",
                         "Containers", "N/A", "CreatedAt", at, "CreatedSince", since, "Digest",
                         digest ? digest + 1 : "<none>", "ID", idbuf, "Repository", "",
                         "SharedSize", "N/A", "Size", sz, "Tag", colon ? colon + 1 : "<none>",
                         "UniqueSize", "N/A", "VirtualSize", sz, "CreatedContainerCount", count);
}

static void h_images(struct berth_srcapp_api *api, struct berth_http_request *req,
                     const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_error err = {};
        json_auto_t *imgs = NULL, *apps = NULL;
        json_t *out = NULL, *img;
        uint64_t now = now_usec();
        size_t i;
        int r;

        (void)q, (void)v;
        r = src_app_list(api->apps, facility, NULL, &apps, &err);
        if (r >= 0)
                r = berth_docker_images(src_apps_engine(api->apps), &imgs, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        out = json_array();
        json_array_foreach (imgs, i, img) {
                size_t j;
                json_t *t;

                json_array_foreach (json_object_get(img, "RepoTags"), j, t) {
                        const char *rt = json_string_value(t);
                        json_t *row;

                        if (!rt || streq(rt, "<none>:<none>"))
                                continue;
                        row = image_row(img, rt, apps, now);
                        if (row) {
                                /* Repository is the part before the tag. */
                                const char *c = strrchr(rt, ':');
                                _cleanup_free_ char *repo =
                                        c ? strndup(rt, (size_t)(c - rt)) : strdup(rt);
                                if (repo)
                                        (void)json_object_set_new(row, "Repository",
                                                                  json_string(repo));
                        }
                        if (!out || !row || json_array_append_new(out, row) < 0) {
                                json_decref(out);
                                return reply_msg(req, 500, "out of memory");
                        }
                }
        }
        reply_json(req, out);
}

/* ---- images ---------------------------------------------------------------------- */

static void h_request_image(struct berth_srcapp_api *api, struct berth_http_request *req,
                            const char *facility, const struct berth_http_query *q,
                            const struct verb *v)
{
        struct berth_error err = {};
        int r;

        (void)facility, (void)v;
        r = src_image_request(api->apps, berth_http_query_get(q, "image"), NULL, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_success(req);
}

/* The admin token, where the API token goes: "token:" or "Authorization: Bearer". With
 * both tokens set, a client sends one in each header (the router checks its own). */
static bool is_admin(struct berth_srcapp_api *api, struct berth_http_request *req)
{
        const char *t = berth_http_header(req, "token");
        const char *a = berth_http_header(req, "Authorization");

        if (t && src_apps_admin_token(api->apps, t))
                return true;
        if (a && strncasecmp(a, "Bearer ", 7) == 0) {
                a += 7;
                a += strspn(a, " ");
                return src_apps_admin_token(api->apps, a);
        }
        return false;
}

static void h_approve_image(struct berth_srcapp_api *api, struct berth_http_request *req,
                            const char *facility, const struct berth_http_query *q,
                            const struct verb *v)
{
        struct berth_error err = {};
        const char *image = berth_http_query_get(q, "image");
        _cleanup_free_ char *ref = NULL;
        int r;

        (void)facility, (void)v;
        if (!is_admin(api, req)) {
                /* The token is never echoed. */
                const char *t = berth_http_header(req, "token");
                const char *a = berth_http_header(req, "Authorization");
                if (!t && !a)
                        return reply_msg(req, 401,
                                         "approve-image needs the admin token (header 'token: "
                                         "...' or 'Authorization: Bearer ...')");
                return reply_msg(req, 403,
                                 "approve-image: the admin token is not among the "
                                 "tokens sent");
        }
        /* Checked before the pull reaches any registry. */
        r = src_image_with_tag(image ? image : "", &ref, &err);
        if (r >= 0)
                r = src_image_approve(api->apps, ref, NULL, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_success(req);
}

static void h_image_requests(struct berth_srcapp_api *api, struct berth_http_request *req,
                             const char *facility, const struct berth_http_query *q,
                             const struct verb *v)
{
        struct berth_error err = {};
        json_t *l = NULL;
        int r;

        (void)facility, (void)q, (void)v;
        r = src_image_requests(api->apps, &l, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, l);
}

/* ---- nodes (swarm) ----------------------------------------------------------------- */

static const char *node_hostname(json_t *node)
{
        return json_string_value(json_object_get(json_object_get(node, "Description"), "Hostname"));
}

static void h_nodes(struct berth_srcapp_api *api, struct berth_http_request *req,
                    const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        struct berth_engine *e = src_apps_engine(api->apps);
        const char *host = berth_http_query_get(q, "hostname");
        struct berth_error err = {};
        json_auto_t *nodes = NULL, *info = NULL;
        json_t *out = NULL, *node;
        bool names = streq(v->name, "get-node-names"), infos = streq(v->name, "get-node-info");
        size_t i;
        int r;

        (void)facility;
        if (infos && (!host || !*host))
                return reply_msg(req, 422, "hostname is required (?hostname=)");
        r = berth_docker_nodes(e, NULL, &nodes, &err);
        if (r >= 0 && !names && !infos)
                r = berth_docker_info(e, &info, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        out = json_array();
        json_array_foreach (nodes, i, node) {
                const char *h = node_hostname(node);
                json_t *o;

                if (host && (!h || !streq(h, host)))
                        continue;
                o = names   ? json_string(h ? h : "")
                    : infos ? json_incref(node)
                            : src_node_json(node, info);
                if (!out || !o || json_array_append_new(out, o) < 0) {
                        json_decref(out);
                        return reply_msg(req, 500, "out of memory");
                }
        }
        if (host && json_array_size(out) == 0) {
                json_decref(out);
                err = (struct berth_error){};
                return reply_err(
                        req, &err,
                        berth_error_set(&err, ENOENT, "node '%.255s' is not in the swarm", host));
        }
        if (host && !infos) {
                json_t *one = json_incref(json_array_get(out, 0));
                json_decref(out);
                return reply_json(req, one);
        }
        reply_json(req, out);
}

/* ---- uptime (srcapp-uptime.h) ------------------------------------------------------ */

static double uptime_now(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* get-uptime-summary: duration hour|day|week|month (else -EINVAL listing them), the app
 * of the facility (else -ENOENT naming it); intervals: uptime.h's intervals document
 * instead of the seed's summary. */
static int app_uptime(struct src_apps *a, const char *facility, const char *name,
                      const char *duration, bool intervals, json_t **ret, struct berth_error *err)
{
        static const char *const durations[] = { "hour", "day", "week", "month", NULL };
        struct src_uptime *u = src_apps_uptime(a);
        json_auto_t *l = NULL;
        enum src_mode mode;
        bool known = false;
        int k;

        for (size_t i = 0; duration && durations[i]; i++)
                known = known || streq(durations[i], duration);
        if (!name || !*name)
                return berth_error_set(err, EINVAL, "name is required (?name=IMAGE--USER)");
        if (!known)
                return berth_error_set(err, EINVAL,
                                       "duration '%.32s' is not one of hour, day, week, month",
                                       duration ? duration : "");
        if (!u)
                return berth_error_set(err, EHOSTDOWN, "the uptime history is not open");
        /* An app of the facility, as every verb: 404 naming it otherwise. */
        k = src_apps_mode(a, &mode, err);
        if (k >= 0)
                k = mode == SRC_MODE_SWARM ? src_swarm_info(a, facility, name, &l, err)
                                           : src_app_list(a, facility, name, &l, err);
        if (k < 0)
                return k;
        k = intervals ? src_uptime_intervals(u, name, duration, uptime_now(), ret, err)
                      : src_uptime_summary(u, name, duration, uptime_now(), ret, err);
        if (k == -ENOENT) {
                *err = (struct berth_error){};
                return berth_error_set(err, ENOENT,
                                       "app '%s' has no uptime history yet (never seen running "
                                       "or stopped since the door followed the engine)",
                                       name);
        }
        return k;
}

static void h_uptime(struct berth_srcapp_api *api, struct berth_http_request *req,
                     const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        const char *name = required(req, q, "name");
        const char *format = berth_http_query_get(q, "format");
        struct berth_error err = {};
        json_t *out = NULL;
        int r;

        (void)v;
        if (!name)
                return;
        if (format && !streq(format, "summary") && !streq(format, "intervals"))
                return reply_msg(req, 422, "format must be summary (the default) or intervals");
        r = app_uptime(api->apps, facility, name, berth_http_query_get(q, "duration"),
                       format && streq(format, "intervals"), &out, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, out);
}

/* ---- the verbs ----------------------------------------------------------------------- */

static const char *const q_name[] = { "name", NULL };
static const char *const q_none[] = { NULL };
static const char *const q_create[] = { "image", "user", "version", NULL };
static const char *const q_image[] = { "image", NULL };
static const char *const q_host[] = { "hostname", NULL };
static const char *const q_uptime[] = { "name", "duration", "format", NULL };

static const struct verb verbs[] = {
        { "start-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_START,
          "start-app?name=APP_NAME: start a created or stopped app" },
        { "stop-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_STOP,
          "stop-app?name=APP_NAME: SIGTERM, then SIGKILL after 10 s" },
        { "pause-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_PAUSE,
          "pause-app?name=APP_NAME: pause a running app" },
        { "unpause-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_UNPAUSE,
          "unpause-app?name=APP_NAME: unpause a paused app" },
        { "restart-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_RESTART,
          "restart-app?name=APP_NAME: stop, then start" },
        { "kill-app", "POST", MODE_BOTH, q_name, h_action, SRC_OP_KILL,
          "kill-app?name=APP_NAME: SIGKILL (swarm: remove the service)" },
        { "create-app", "POST", MODE_BOTH, q_create, h_create, 0,
          "create-app?image=IMAGE&user=USER: create IMAGE--USER from an approved image "
          "(solo: not started)" },
        { "delete-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_DELETE,
          "delete-app?name=APP_NAME: stop and remove the app and its data" },
        { "hard-reset-app", "POST", MODE_SOLO, q_name, h_action, SRC_OP_HARD_RESET,
          "hard-reset-app?name=APP_NAME: stop, remove, recreate from the original image" },
        { "get-users", "GET", MODE_BOTH, q_none, h_names, 0,
          "get-users: the distinct users of existing apps" },
        { "get-app-names", "GET", MODE_BOTH, q_none, h_names, 0,
          "get-app-names: every app, whatever its state" },
        { "get-app-status", "GET", MODE_BOTH, q_name, h_status, 0,
          "get-app-status[?name=APP_NAME]: docker ps's objects (one with a name)" },
        { "get-app-stats", "GET", MODE_BOTH, q_name, h_stats, 0,
          "get-app-stats[?name=APP_NAME]: docker stats --no-stream's objects" },
        { "get-app-info", "GET", MODE_BOTH, q_name, h_info, 0,
          "get-app-info?name=APP_NAME: the engine's inspect document" },
        { "get-node-names", "GET", MODE_SWARM, q_none, h_nodes, 0,
          "get-node-names: the hostnames of the swarm's nodes" },
        { "get-node-status", "GET", MODE_SWARM, q_host, h_nodes, 0,
          "get-node-status[?hostname=HOSTNAME]: docker node ls's objects" },
        { "get-node-info", "GET", MODE_SWARM, q_host, h_nodes, 0,
          "get-node-info?hostname=HOSTNAME: the engine's node inspect document" },
        { "request-image", "POST", MODE_BOTH, q_image, h_request_image, 0,
          "request-image?image=IMAGE: ask for an image to be approved" },
        { "approve-image", "POST", MODE_BOTH, q_image, h_approve_image, 0,
          "approve-image?image=IMAGE: approve and pull an image (admin token)" },
        { "get-image-requests", "GET", MODE_BOTH, q_none, h_image_requests, 0,
          "get-image-requests: requested and approved images" },
        { "get-images", "GET", MODE_BOTH, q_none, h_images, 0,
          "get-images: the engine's images, with CreatedContainerCount" },
        { "get-uptime-summary", "GET", MODE_BOTH, q_uptime, h_uptime, 0,
          "get-uptime-summary?name=APP_NAME&duration=hour|day|week|month[&format=intervals]: "
          "the app's running state over the window, from the engine's events" },
};

static const char *verb_mode_name(enum verb_mode m)
{
        return m == MODE_SOLO ? "solo" : m == MODE_SWARM ? "swarm" : "both";
}

/* The verbs for both modes that swarm mode does its own way (h_swarm). */
static bool swarm_pending(const struct verb *v)
{
        return v->mode == MODE_BOTH &&
               (v->fn == h_action || v->fn == h_create || v->fn == h_status || v->fn == h_stats ||
                v->fn == h_info || v->fn == h_names);
}

/* The both-modes app verbs in swarm mode (srcapp-swarm.h). */
static void h_swarm(struct berth_srcapp_api *api, struct berth_http_request *req,
                    const char *facility, const struct berth_http_query *q, const struct verb *v)
{
        const char *name = berth_http_query_get(q, "name");
        struct berth_error err = {};
        json_t *out = NULL;
        int r;

        if (v->fn == h_action || v->fn == h_info) {
                name = required(req, q, "name");
                if (!name)
                        return;
        }
        if (v->fn == h_action) {
                r = src_swarm_kill(api->apps, facility, name, &err);
                out = r >= 0 ? json_string("Success") : NULL;
        } else if (v->fn == h_create) {
                r = src_swarm_create(api->apps, facility, berth_http_query_get(q, "image"),
                                     berth_http_query_get(q, "user"), NULL, &err);
                out = r >= 0 ? json_string("Success") : NULL;
        } else if (v->fn == h_names)
                r = src_swarm_names(api->apps, facility, streq(v->name, "get-users"), &out, &err);
        else if (v->fn == h_status)
                r = src_swarm_status(api->apps, facility, name, now_usec(), &out, &err);
        else if (v->fn == h_stats)
                r = src_swarm_stats(api->apps, facility, name, &out, &err);
        else
                r = src_swarm_info(api->apps, facility, name, &out, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, out);
}

static struct berth_srcapp_api *door(struct berth_http_request *req, void *userdata,
                                     const char **ret_facility)
{
        struct berth_srcapp_api *api = userdata;
        const char *facility = req->captures[0];

        if (!api->apps) {
                reply_msg(req, 503, api->off_reason);
                return NULL;
        }
        if (!src_apps_has_facility(api->apps, facility)) {
                char msg[400];
                (void)snprintf(msg, sizeof(msg), "facility '%.64s' does not exist (%.200s)",
                               facility, req->path);
                for (char *p = msg; *p; p++)
                        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                                *p = '?';
                reply_msg(req, 404, msg);
                return NULL;
        }
        *ret_facility = facility;
        return api;
}

static void h_outline(struct berth_http_request *req, void *userdata)
{
        _cleanup_free_ char *text = NULL;
        const char *facility;
        size_t len = 0;
        FILE *f;

        if (!door(req, userdata, &facility))
                return;
        f = open_memstream(&text, &len);
        if (!f)
                return reply_msg(req, 500, "out of memory");
        fprintf(f, "SRC Container API, facility %s\n\n", facility);
        fprintf(f, "Apps are named IMAGE--USER. %s.\n\n", SRC_USER_RULE);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                fprintf(f, "<%s> /%s/%s\n    mode: %s\n", verbs[i].method, facility, verbs[i].usage,
                        verb_mode_name(verbs[i].mode));
        if (fclose(f) != 0)
                return reply_msg(req, 500, "out of memory");
        (void)berth_http_reply(req, 200, "text/plain; charset=utf-8", text, len, NULL, 0);
}

static void h_verb(struct berth_http_request *req, void *userdata)
{
        struct berth_srcapp_api *api;
        const char *facility, *name = req->captures[1];
        const struct verb *v = NULL;
        struct berth_http_query q = {};
        struct berth_error err = {};
        enum src_mode mode;
        int r;

        api = door(req, userdata, &facility);
        if (!api)
                return;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        v = &verbs[i];
        if (!v) {
                char msg[300];
                (void)snprintf(msg, sizeof(msg),
                               "'%.64s' is not a verb of the SRC API (GET /%s/ lists them)", name,
                               facility);
                for (char *p = msg; *p; p++)
                        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                                *p = '?';
                return reply_msg(req, 404, msg);
        }
        if (!streq(req->method, v->method) &&
            !(streq(req->method, "HEAD") && streq(v->method, "GET"))) {
                const struct berth_http_header allow = { "Allow", v->method };
                (void)berth_http_reply_error_headers(req, 405, &allow, 1, "%s takes %s", v->name,
                                                     v->method);
                return;
        }
        r = berth_http_query_parse(req->query, v->query, &q, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        r = src_apps_mode(api->apps, &mode, &err);
        if (r < 0) {
                berth_http_query_done(&q);
                return reply_err(req, &err, r);
        }
        if ((v->mode == MODE_SOLO && mode == SRC_MODE_SWARM) ||
            (v->mode == MODE_SWARM && mode == SRC_MODE_SOLO)) {
                char msg[200];
                (void)snprintf(msg, sizeof(msg), "%s is a %s-mode verb; this node is in %s mode",
                               v->name, verb_mode_name(v->mode), src_mode_to_string(mode));
                berth_http_query_done(&q);
                return reply_msg(req, 409, msg);
        }
        if (mode == SRC_MODE_SWARM && swarm_pending(v)) {
                h_swarm(api, req, facility, &q, v);
                berth_http_query_done(&q);
                return;
        }
        v->fn(api, req, facility, &q, v);
        berth_http_query_done(&q);
}

static const struct berth_http_route routes[] = {
        /* "/{facility}/" only: "/x" stays the router's own 404. */
        { "GET", "/{facility}/", h_outline },
        { "GET", "/{facility}/{verb}", h_verb },
        { "POST", "/{facility}/{verb}", h_verb },
};

void berth_srcapp_api_init(struct berth_srcapp_api *api, struct src_apps *apps,
                           const char *off_reason)
{
        *api = (struct berth_srcapp_api){
                .apps = apps,
                .http = {
                        .name = "srcapp",
                        .prefix = "/",
                        .routes = routes,
                        .n_routes = ELEMENTSOF(routes),
                },
        };
        (void)snprintf(api->off_reason, sizeof(api->off_reason), "the SRC apps are off: %s",
                       off_reason ? off_reason : "not set up");
        api->http.userdata = api;
}

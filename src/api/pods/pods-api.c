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
#include "pods-config.h"
#include "pods-text.h"
#include "recipes.h"
#include "store.h"
#include "strbuf.h"
#include "strv.h"

#define PREFIX "/api/v2/pod"
#define CT_JSON "application/json; charset=utf-8"
/* A log reply (not followed) stops near here and says so: the tail of a chatty
 * container is what ?tail=N is for. */
#define LOG_REPLY_MAX (1u << 20)
#define MOUNTINFO "/proc/self/mountinfo"
#define DAEMON_JSON_DEFAULT "/etc/docker/daemon.json"
/* Ports of one container listed from its workload (an engine without inspect). */
#define WORKLOAD_PORTS_MAX 1024

/* ---- replies ------------------------------------------------------------------- */

static json_t *error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        (void)req;
        return json_pack("{s:i, s:s}", "code", *status, "message", msg ? msg : "");
}

/* The error body of error_body(), with the seed's content type (the router's own
 * errors, 401 and 404 before a route, have the transport's "application/json"). */
static void reply_msg(struct berth_http_request *req, int status, const char *msg)
{
        _cleanup_free_ char *clean = pods_text_utf8(msg, strlen(msg), NULL), *text = NULL;
        json_t *j = clean ? error_body(req, &status, clean) : NULL;
        size_t len = 0;
        int r;

        r = j ? berth_http_json_format(j, &text, &len) : -ENOMEM;
        json_decref(j);
        if (r < 0) {
                (void)berth_http_reply_error(req, 500, "out of memory encoding the reply");
                return;
        }
        (void)berth_http_reply(req, status, CT_JSON, text, len, NULL, 0);
}

/* Steals j (NULL: out of memory). */
static void reply_json(struct berth_http_request *req, int status, json_t *j)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = j ? berth_http_json_format(j, &text, &len) : -ENOMEM;
        json_decref(j);
        if (r < 0) {
                reply_msg(req, 500, "out of memory encoding the reply");
                return;
        }
        (void)berth_http_reply(req, status, CT_JSON, text, len, NULL, 0);
}

/* A JSON string of text (any bytes: what is not UTF-8 becomes U+FFFD). */
static void reply_string(struct berth_http_request *req, const char *text, size_t len)
{
        _cleanup_free_ char *clean = NULL;
        size_t clen = 0;

        clean = pods_text_utf8(text ? text : "", text ? len : 0, &clen);
        reply_json(req, 200, clean ? json_stringn(clean, clen) : NULL);
}

/* berth's errno mapping, and 503 for an engine that does not answer (pod.h). */
static int status_of(int r)
{
        if (r == -EHOSTDOWN || r == EHOSTDOWN)
                return 503;
        return berth_http_status_from_errno(r);
}

static void reply_err(struct berth_http_request *req, struct berth_error *err, int r)
{
        (void)berth_error_ensure(err, r, "pod");
        reply_msg(req, status_of(err->code ? err->code : r), err->msg);
}

/* ---- requests ------------------------------------------------------------------ */

static int pod_name(struct berth_pods_api *api, struct berth_http_request *req, char **ret,
                    struct berth_error *err)
{
        return berth_pod_name(api->pods, req->captures[0], ret, err);
}

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
                return reply_err(req, err, r);
        reply_msg(req, status_of(err->code), msg);
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
                return reply_err(req, &err, r);
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
        reply_json(req, 200, out);
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
                return reply_err(req, &err, r);
        }
        reply_json(req, 200,
                   json_pack("{s:s, s:o, s:[o]}", "name", st.name ? st.name : name, "compose_file",
                             doc ? doc : json_object(), "service",
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
        r = pod_name(api, req, &name, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_details(req, api, name);
}

static void do_set(struct berth_http_request *req, struct berth_pods_api *api, bool update)
{
        static const char *const allowed[] = { "fileContents", "recipes", NULL };
        _cleanup_free_ char *name = NULL;
        struct berth_error err = {};
        json_t *body = NULL, *fc = NULL, *recipes = NULL;
        int r;

        r = pod_name(api, req, &name, &err);
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
                return reply_err(req, &err, r);
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

        r = pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, allowed, &body, &err);
        if (r >= 0)
                r = decode_contents(body, &fc, &recipes, &err);
        if (r >= 0)
                r = berth_pod_test(api->pods, name, fc, recipes, &doc, &exists, &err);
        berth_http_json_release(body);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, 200,
                   json_pack("{s:s, s:o, s:b}", "name", name, "data", doc, "exists", exists));
}

/* ---- a pod's containers as they are now ----------------------------------------- */

struct member {
        char *service, *container, *engine;
        uint64_t id;
        /* from the store, when the object exists */
        const char *project; /* found by name: its project label must be this */
        bool exists;
        enum berth_container_state state;
        int exit_code, signal;
        char *command;
        struct pods_port *ports; /* its workload's (host_ip owned) */
        size_t n_ports;
        /* from its engine */
        json_t *inspect, *top;
        char *inspect_error, *top_error;
        char state_text[64];
};

struct members {
        struct member *v;
        size_t n;
};

static void member_done(struct member *m)
{
        free(m->service);
        free(m->container);
        free(m->engine);
        free(m->command);
        for (size_t i = 0; i < m->n_ports; i++)
                free((char *)m->ports[i].host_ip);
        free(m->ports);
        json_decref(m->inspect);
        json_decref(m->top);
        free(m->inspect_error);
        free(m->top_error);
}

static void members_done(struct members *m)
{
        for (size_t i = 0; i < m->n; i++)
                member_done(&m->v[i]);
        free(m->v);
        *m = (struct members){};
}

static int add_member(const struct berth_pod_member *pm, void *userdata)
{
        struct members *m = userdata;
        struct member *v = realloc(m->v, (m->n + 1) * sizeof(*v)), *x;

        if (!v)
                return -ENOMEM;
        m->v = v;
        x = &v[m->n];
        *x = (struct member){
                .service = strdup(pm->service),
                .container = strdup(pm->container),
                .engine = strdup(pm->engine ? pm->engine : ""),
                .id = pm->id,
                .exit_code = -1,
        };
        m->n++;
        return x->service && x->container && x->engine ? 0 : -ENOMEM;
}

static bool state_live(enum berth_container_state s)
{
        return s == BERTH_CONTAINER_RUNNING || s == BERTH_CONTAINER_PAUSED ||
               s == BERTH_CONTAINER_STOPPING;
}

/* The workload's published ports, each port of a range apart (as Docker lists them). */
static int copy_ports(struct member *x, const struct berth_workload *w)
{
        size_t n = 0;

        for (size_t i = 0; i < w->n_ports; i++)
                n += (size_t)MAX(w->ports[i].port_end, w->ports[i].port) - w->ports[i].port + 1;
        n = MIN(n, (size_t)WORKLOAD_PORTS_MAX);
        x->ports = n ? calloc(n, sizeof(*x->ports)) : NULL;
        if (n && !x->ports)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_ports && x->n_ports < n; i++) {
                const struct berth_wl_port *p = &w->ports[i];
                unsigned last = MAX(p->port_end, p->port);

                for (unsigned k = 0; (unsigned)p->port + k <= last && x->n_ports < n; k++) {
                        struct pods_port *o = &x->ports[x->n_ports++];

                        o->port = p->port + k;
                        o->host_port = p->host_port ? p->host_port + k : 0;
                        o->proto = p->proto;
                        if (p->host_ip && !(o->host_ip = strdup(p->host_ip)))
                                return -ENOMEM;
                }
        }
        /* proto points into the workload: keep only the three names. */
        for (size_t i = 0; i < x->n_ports; i++) {
                const char *pr = x->ports[i].proto;
                x->ports[i].proto = streq_ptr(pr, "udp")    ? "udp"
                                    : streq_ptr(pr, "sctp") ? "sctp"
                                                            : "tcp";
        }
        return 0;
}

/* The label compose (and pod.c) put on a pod's containers. */
static bool has_project_label(const struct berth_container *c, const char *project)
{
        static const char key[] = "com.docker.compose.project=";

        STRV_FOREACH (l, c->w.labels)
                if (strncmp(*l, key, strlen(key)) == 0 && streq(*l + strlen(key), project))
                        return true;
        return false;
}

/* Under the store's lock: what the tables need of the object. */
static int snapshot(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = berth_obj_to_container(o);
        struct member *x = userdata;

        if (!c || (x->project && !has_project_label(c, x->project)))
                return -ENOENT;
        x->exists = true;
        x->state = c->state;
        x->exit_code = c->exit_code;
        x->signal = c->signal;
        x->command = pods_text_command(c->w.entrypoint, c->w.args);
        if (!x->command)
                return -ENOMEM;
        return copy_ports(x, &c->w);
}

static int members_get(struct berth_pods_api *api, const char *name, struct members *ret,
                       struct berth_error *err)
{
        struct members m = {};
        int r;

        r = berth_pod_members(api->pods, name, add_member, &m, err);
        for (size_t i = 0; r >= 0 && i < m.n; i++) {
                /* pod.h gives 0 for "no container", which is also the first object's
                 * id: look the name up (its project label must be the pod's). */
                if (m.v[i].id == 0) {
                        if (berth_container_find(api->store, m.v[i].container, &m.v[i].id) < 0)
                                continue;
                        m.v[i].project = name;
                }
                r = berth_store_visit_one(api->store, BERTH_OBJ_CONTAINER, m.v[i].id, snapshot,
                                          &m.v[i]);
                if (r == -ENOENT) /* deleted meanwhile */
                        r = 0;
        }
        if (r < 0) {
                members_done(&m);
                return berth_error_ensure(err, r, "list the pod's containers");
        }
        *ret = m;
        return 0;
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

        r = pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, no_keys, &body, &err);
        berth_http_json_release(body);
        /* What runs now is what the destroy stops. */
        if (r >= 0)
                r = members_get(api, name, &m, &err);
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
                                if (m.v[k].exists && state_live(m.v[k].state) &&
                                    streq(m.v[k].container, st.v[i].container)) {
                                        stopped[n_stopped++] = m.v[k].container;
                                        break;
                                }
                for (size_t i = 0; i < st.n; i++)
                        removed[i] = st.v[i].container;
                pods_text_down(&b, stopped, n_stopped, removed, st.n);
        }
        text = b.p && !b.oom && !st.oom ? pods_text_utf8(b.p, b.len, &len) : NULL;
        reply_json(
                req, 200,
                text ? json_pack("{s:s%, s:{}}", "containerResponse", text, len, "serviceResponse")
                     : NULL);
out:
        strbuf_wipe(&b);
        pods_steps_done(st.v, st.n);
        members_done(&m);
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
                return reply_msg(req, 404, "no such pod action");
        r = pod_name(api, req, &name, &err);
        if (r >= 0)
                r = read_body(req, api, no_keys, &body, &err);
        berth_http_json_release(body);
        if (r < 0)
                return reply_err(req, &err, r);
        r = berth_pod_do(api->pods, name, v->verb, collect_step, &st, &err);
        pods_text_steps(&b, v->word, st.v, st.n);
        if (r < 0)
                reply_steps_error(req, &err, r, &b);
        else if (b.oom || st.oom)
                reply_msg(req, 500, "out of memory encoding the reply");
        else if (v->text)
                reply_string(req, b.p, b.len);
        else
                reply_details(req, api, name);
        strbuf_wipe(&b);
        pods_steps_done(st.v, st.n);
}

/* ---- inspect ---------------------------------------------------------------------- */

/* Ports as the engine's inspect lists them ({host_ip, host_port, port, proto}; ports
 * as numbers or strings), into x->ports instead of the workload's. */
static unsigned port_number(const json_t *v)
{
        long long n = json_is_integer(v)  ? json_integer_value(v)
                      : json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
                                          : 0;
        return n > 0 && n <= 65535 ? (unsigned)n : 0;
}

static int ports_from_inspect(struct member *x, const json_t *ports)
{
        size_t n = MIN(json_array_size(ports), (size_t)WORKLOAD_PORTS_MAX), i, k = 0;
        struct pods_port *v = NULL;
        const json_t *p;

        if (!json_is_array(ports))
                return 0; /* the engine does not say: the workload's stay */
        if (n && !(v = calloc(n, sizeof(*v))))
                return -ENOMEM;
        json_array_foreach (ports, i, p) {
                const char *ip = json_string_value(json_object_get(p, "host_ip"));
                const char *proto = json_string_value(json_object_get(p, "proto"));

                if (k >= n || port_number(json_object_get(p, "port")) == 0)
                        continue;
                v[k] = (struct pods_port){
                        .host_port = port_number(json_object_get(p, "host_port")),
                        .port = port_number(json_object_get(p, "port")),
                        .proto = streq_ptr(proto, "udp")    ? "udp"
                                 : streq_ptr(proto, "sctp") ? "sctp"
                                                            : "tcp",
                };
                if (ip && *ip && !(v[k].host_ip = strdup(ip))) {
                        for (size_t j = 0; j < k; j++)
                                free((char *)v[j].host_ip);
                        free(v);
                        return -ENOMEM;
                }
                k++;
        }
        for (size_t j = 0; j < x->n_ports; j++)
                free((char *)x->ports[j].host_ip);
        free(x->ports);
        x->ports = v;
        x->n_ports = k;
        return 0;
}

/* The command the engine runs, when it says (an image's own, which the workload does
 * not carry): inspect's "command", an array or a string. */
static void command_from_inspect(struct member *x, const json_t *cmd)
{
        _cleanup_strv_free_ char **l = NULL;
        char *c = NULL;

        if (json_is_string(cmd)) {
                char *one[] = { (char *)json_string_value(cmd), NULL };
                c = pods_text_command(NULL, one);
        } else if (json_is_array(cmd) && json_array_size(cmd) > 0 &&
                   berth_strv_from_json(cmd, &l) >= 0)
                c = pods_text_command(NULL, l);
        if (!c)
                return;
        free(x->command);
        x->command = c;
}

static void state_text(struct member *x, const char *health, bool restarting)
{
        char buf[sizeof(x->state_text)];
        const struct pods_state_in in = {
                .state = x->state,
                .exit_code = x->exit_code,
                .signal = x->signal,
                .health = health,
                .restarting = restarting,
        };

        (void)snprintf(x->state_text, sizeof(x->state_text), "%s",
                       pods_text_state(&in, buf, sizeof(buf)));
}

/* What the engine knows of each container, outside every lock (the container is
 * pinned by the core meanwhile). */
static void ask_engines(struct berth_pods_api *api, struct members *m)
{
        for (size_t i = 0; i < m->n; i++) {
                struct member *x = &m->v[i];
                struct berth_error e = {};
                const char *health;

                if (!x->exists)
                        continue;
                if (berth_container_inspect(api->store, x->id, &x->inspect, &e) < 0)
                        x->inspect_error = strdup(e.msg[0] ? e.msg : "inspect failed");
                if (x->inspect) {
                        (void)ports_from_inspect(x, json_object_get(x->inspect, "ports"));
                        command_from_inspect(x, json_object_get(x->inspect, "command"));
                }
                health = json_string_value(json_object_get(x->inspect, "health"));
                state_text(x, health && !streq(health, "none") ? health : NULL,
                           json_is_true(json_object_get(x->inspect, "restarting")));
                if (!state_live(x->state))
                        continue;
                e = (struct berth_error){};
                if (berth_container_top(api->store, x->id, &x->top, &e) < 0)
                        x->top_error = strdup(e.msg[0] ? e.msg : "no process list");
        }
}

/* A JSON string of built text (NULL on OOM, of b too). */
static json_t *text_json(const struct strbuf *b)
{
        _cleanup_free_ char *clean = NULL;
        size_t len = 0;

        if (b->oom)
                return NULL;
        clean = pods_text_utf8(b->p ? b->p : "", b->p ? b->len : 0, &len);
        return clean ? json_stringn(clean, len) : NULL;
}

static json_t *ports_json(const struct member *x)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < x->n_ports; i++) {
                const struct pods_port *p = &x->ports[i];

                if (json_array_append_new(
                            a, json_pack("{s:o, s:o, s:i, s:s}", "host_ip",
                                         p->host_ip ? json_string(p->host_ip) : json_null(),
                                         "host_port",
                                         p->host_port ? json_integer(p->host_port) : json_null(),
                                         "port", (int)p->port, "proto", p->proto)) < 0) {
                        json_decref(a);
                        a = NULL;
                }
        }
        return a;
}

/* One container of the structured reply; what the engine could not say is null, with
 * its reason beside it. */
static json_t *container_json(const struct member *x)
{
        const char *eid = json_string_value(json_object_get(x->inspect, "id"));
        char idbuf[32];
        int code = x->exit_code >= 0 ? x->exit_code : x->signal > 0 ? 128 + x->signal : -1;
        json_t *o;

        (void)snprintf(idbuf, sizeof(idbuf), "%llu", (unsigned long long)x->id);
        o = json_pack(
                "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "service", x->service, "name",
                x->container, "engine", x->engine, "id",
                x->exists ? json_string(eid && *eid ? eid : idbuf) : json_null(), "object_id",
                x->exists ? json_integer((json_int_t)x->id) : json_null(), "state",
                x->exists ? json_string(berth_container_state_to_string(x->state)) : json_null(),
                "status", x->exists ? json_string(x->state_text) : json_null(), "exit_code",
                x->exists && !state_live(x->state) && code >= 0 ? json_integer(code) : json_null(),
                "ports", ports_json(x), "processes", x->top ? json_incref(x->top) : json_null());
        if (o && x->inspect_error)
                (void)json_object_set_new(o, "inspect_error", json_string(x->inspect_error));
        if (o && x->top_error)
                (void)json_object_set_new(o, "processes_error", json_string(x->top_error));
        return o;
}

static int cmp_member_name(const void *a, const void *b)
{
        const struct member *const *x = a, *const *y = b;

        return strcmp((*x)->container, (*y)->container);
}

/* `docker-compose top`: the live containers by name, a blank line between them. */
static void running_processes(struct strbuf *b, struct members *m)
{
        _cleanup_free_ struct member **sorted = calloc(m->n + 1, sizeof(*sorted));
        size_t n = 0, shown = 0;

        if (!sorted) {
                b->oom = true;
                return;
        }
        for (size_t i = 0; i < m->n; i++)
                if (m->v[i].exists && state_live(m->v[i].state))
                        sorted[n++] = &m->v[i];
        if (n > 1)
                qsort(sorted, n, sizeof(*sorted), cmp_member_name);
        strbuf_printf(b, "%s", "");
        for (size_t i = 0; i < n; i++) {
                struct member *x = sorted[i];

                if (shown++ > 0)
                        strbuf_printf(b, "\n");
                if (x->top && pods_text_top(b, x->container, x->top) >= 0)
                        continue;
                strbuf_printf(b, "%s\n(no process list: %s)\n", x->container,
                              x->top_error ? x->top_error : "the engine's answer has no Titles");
        }
}

static void h_inspect(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ struct pods_ps_row *rows = NULL;
        _cleanup_free_ char **ports = NULL;
        struct berth_error err = {};
        struct strbuf ps = {}, top = {};
        struct members m = {};
        size_t n_rows = 0;
        json_t *containers = NULL;
        int r;

        r = pod_name(api, req, &name, &err);
        if (r >= 0)
                r = members_get(api, name, &m, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        ask_engines(api, &m);
        rows = calloc(m.n + 1, sizeof(*rows));
        ports = calloc(m.n + 1, sizeof(char *));
        containers = json_array();
        if (!rows || !ports || !containers)
                goto oom;
        for (size_t i = 0; i < m.n; i++) {
                struct member *x = &m.v[i];

                if (json_array_append_new(containers, container_json(x)) < 0)
                        goto oom;
                if (!x->exists)
                        continue;
                ports[n_rows] = pods_text_ports(x->ports, x->n_ports);
                if (!ports[n_rows])
                        goto oom;
                rows[n_rows] = (struct pods_ps_row){ x->container, x->command, x->state_text,
                                                     ports[n_rows] };
                n_rows++;
        }
        pods_text_ps(&ps, rows, n_rows);
        running_processes(&top, &m);
        reply_json(req, 200,
                   json_pack("{s:s, s:o, s:o, s:o}", "name", name, "container_status",
                             text_json(&ps), "running_processes", text_json(&top), "containers",
                             containers));
        containers = NULL;
        goto out;
oom:
        reply_msg(req, 500, "out of memory encoding the reply");
out:
        json_decref(containers);
        for (size_t i = 0; ports && i < n_rows; i++)
                free(ports[i]);
        strbuf_wipe(&ps);
        strbuf_wipe(&top);
        members_done(&m);
}

/* ---- log ------------------------------------------------------------------------- */

/* A log reply being built (not followed). */
struct log_ctx {
        const struct member *x;
        struct berth_log_meta meta;
        char *label;  /* compose's prefix: "<service>_1" or the container's name */
        size_t width; /* the longest service name + 3 */
        bool json;
        struct strbuf *text;
        json_t *lines;
        size_t bytes;
        bool truncated;
};

static void append_bytes(struct strbuf *b, const char *s, size_t len)
{
        size_t need = b->len + len + 1;

        if (need > b->size && strbuf_grow(b, MAX(need, b->size * 2)) < 0)
                return;
        memcpy(b->p + b->len, s, len);
        b->len += len;
        b->p[b->len] = 0;
}

static json_t *line_json(const char *container, const char *service,
                         const struct berth_log_meta *meta, const char *line, size_t len)
{
        _cleanup_free_ char *clean = NULL;
        size_t clen = 0;
        json_t *j;

        clean = pods_text_utf8(line, len, &clen);
        if (!clean)
                return NULL;
        j = json_pack("{s:s, s:s, s:n, s:n, s:s%}", "container", container, "service", service,
                      "stream", "time", "line", clean, clen);
        /* What the engine could tell (the native engine keeps one log of both streams,
         * without times: null). */
        if (j && meta->stream > 0)
                json_object_set_new(j, "stream",
                                    json_string(meta->stream == 2 ? "stderr" : "stdout"));
        if (j && meta->time > 0) {
                char when[64];
                time_t sec = (time_t)meta->time;
                struct tm tm;
                (void)gmtime_r(&sec, &tm);
                (void)snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                               tm.tm_sec, (int)((meta->time - (double)sec) * 1e6));
                json_object_set_new(j, "time", json_string(when));
        }
        return j;
}

static int log_line(const char *line, size_t len, void *userdata)
{
        struct log_ctx *c = userdata;
        /* What the line adds to the reply: its prefix, or its object's keys. */
        size_t cost = len + (c->json ? strlen(c->x->container) + strlen(c->x->service) + 80
                                     : MAX(c->width, strlen(c->label)) + 4);

        if (c->bytes + cost > LOG_REPLY_MAX) {
                c->truncated = true;
                return -1;
        }
        c->bytes += cost;
        if (c->json) {
                json_t *j = line_json(c->x->container, c->x->service, &c->meta, line, len);
                return json_array_append_new(c->lines, j) < 0 ? -ENOMEM : 0;
        }
        pods_text_log_prefix(c->text, c->label, c->width);
        append_bytes(c->text, line, len);
        append_bytes(c->text, "\n", 1);
        return c->text->oom ? -ENOMEM : 0;
}

/*
 * ?follow: one thread per container, each writing its lines to the stream as they
 * come (one writer at a time). The request ends when every container's log has ended
 * or a write failed (the client is gone); the threads of containers that stay silent
 * then learn it at their next line (or when their container ends or is deleted) and
 * end on their own: the request does not wait for them, and nothing of it is touched
 * after it returned (gone is set first).
 */
struct follow_shared {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned refs;    /* the request, and each follower */
        unsigned running; /* followers still following */
        bool gone;        /* the client is gone, or the request has returned */
        struct berth_http_request *req;
};

struct follower {
        struct follow_shared *sh;
        struct berth_store *store;
        uint64_t id;
        struct berth_logs_query q;
        struct berth_log_meta meta;
        char *label, *container, *service;
        size_t width;
        bool json;
};

static void follow_unref(struct follow_shared *sh)
{
        bool last;

        pthread_mutex_lock(&sh->lock);
        last = --sh->refs == 0;
        pthread_mutex_unlock(&sh->lock);
        if (!last)
                return;
        pthread_mutex_destroy(&sh->lock);
        pthread_cond_destroy(&sh->cond);
        free(sh);
}

static void follower_free(struct follower *f)
{
        free(f->label);
        free(f->container);
        free(f->service);
        free(f);
}

static int follow_line(const char *line, size_t len, void *userdata)
{
        struct follower *f = userdata;
        struct follow_shared *sh = f->sh;
        _cleanup_free_ char *dump = NULL;
        struct strbuf b = {};
        int r;

        if (f->json) {
                json_t *j = line_json(f->container, f->service, &f->meta, line, len);
                dump = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                if (dump)
                        strbuf_printf(&b, "%s\n", dump);
        } else {
                pods_text_log_prefix(&b, f->label, f->width);
                append_bytes(&b, line, len);
                append_bytes(&b, "\n", 1);
        }
        pthread_mutex_lock(&sh->lock);
        if (sh->gone)
                r = -EPIPE;
        else if (b.oom || !b.p)
                r = -ENOMEM;
        else
                r = berth_http_stream_write(sh->req, b.p, b.len);
        if (r < 0 && !sh->gone) {
                sh->gone = true;
                pthread_cond_broadcast(&sh->cond);
        }
        pthread_mutex_unlock(&sh->lock);
        strbuf_wipe(&b);
        return r < 0 ? -1 : 0;
}

static void *follow_one(void *userdata)
{
        struct follower *f = userdata;
        struct follow_shared *sh = f->sh;
        struct berth_error e = {};

        (void)berth_container_logs(f->store, f->id, &f->q, follow_line, f, &e);
        pthread_mutex_lock(&sh->lock);
        sh->running--;
        pthread_cond_broadcast(&sh->cond);
        pthread_mutex_unlock(&sh->lock);
        follower_free(f);
        follow_unref(sh);
        return NULL;
}

static struct follower *follower_new(struct follow_shared *sh, struct berth_pods_api *api,
                                     const struct member *x, const struct log_ctx *c, size_t tail)
{
        struct follower *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        *f = (struct follower){
                .sh = sh,
                .store = api->store,
                .id = x->id,
                .q = { .tail = tail, .follow = true },
                .label = strdup(c->label),
                .container = strdup(x->container),
                .service = strdup(x->service),
                .width = c->width,
                .json = c->json,
        };
        if (!f->label || !f->container || !f->service) {
                follower_free(f);
                return NULL;
        }
        if (f->json)
                f->q.meta = &f->meta;
        return f;
}

/* berthd is stopping (its event bus is closed): a stream ends then, so that the HTTP
 * server's stop does not wait for it. */
static bool shutting_down(struct berth_pods_api *api)
{
        bool lost;

        return api->store->events && berth_events_wait(api->store->events, UINT64_MAX - 1, 0, NULL,
                                                       0, &lost) == -ESHUTDOWN;
}

static void log_follow(struct berth_http_request *req, struct berth_pods_api *api,
                       struct members *m, const struct log_ctx *ctx, bool json, size_t tail,
                       const struct strbuf *attaching)
{
        struct follow_shared *sh = calloc(1, sizeof(*sh));
        sigset_t all, old;
        int r;

        if (!sh)
                return reply_msg(req, 500, "out of memory");
        *sh = (struct follow_shared){ .refs = 1, .req = req };
        pthread_mutex_init(&sh->lock, NULL);
        pthread_cond_init(&sh->cond, NULL);
        r = berth_http_stream_begin(req, 200,
                                    json ? "application/x-ndjson" : "text/plain; charset=utf-8");
        if (r >= 0 && !json)
                r = berth_http_stream_write(req, attaching->p, attaching->len);
        /* The followers take no signal (berthd's main thread waits for them). */
        (void)sigfillset(&all);
        (void)pthread_sigmask(SIG_BLOCK, &all, &old);
        for (size_t i = 0; r >= 0 && i < m->n; i++) {
                struct follower *f;
                pthread_t t;

                if (!m->v[i].exists || !(f = follower_new(sh, api, &m->v[i], &ctx[i], tail)))
                        continue;
                pthread_mutex_lock(&sh->lock);
                sh->refs++;
                sh->running++;
                pthread_mutex_unlock(&sh->lock);
                if (pthread_create(&t, NULL, follow_one, f) == 0)
                        (void)pthread_detach(t);
                else
                        (void)follow_one(f); /* no thread: here, the others wait */
        }
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_mutex_lock(&sh->lock);
        while (r >= 0 && sh->running > 0 && !sh->gone && !shutting_down(api)) {
                struct timespec t;

                (void)clock_gettime(CLOCK_REALTIME, &t);
                t.tv_sec += 1;
                (void)pthread_cond_timedwait(&sh->cond, &sh->lock, &t);
        }
        sh->gone = true; /* from here on no follower touches req */
        pthread_mutex_unlock(&sh->lock);
        follow_unref(sh);
}

static int log_query(struct berth_http_request *req, size_t *ret_tail, bool *ret_json,
                     bool *ret_follow, struct berth_error *err)
{
        static const char *const allowed[] = { "tail", "format", "follow", NULL };
        struct berth_http_query q;
        uint64_t tail = 0;
        const char *format;
        int r;

        r = berth_http_query_parse(req->query, allowed, &q, err);
        if (r < 0)
                return r;
        r = berth_http_query_u64(&q, "tail", &tail, err);
        if (r >= 0)
                r = berth_http_query_bool(&q, "follow", ret_follow, err);
        format = berth_http_query_get(&q, "format");
        if (r >= 0 && format && !streq(format, "text") && !streq(format, "json"))
                r = berth_error_set(err, EINVAL, "format in query must be text or json");
        *ret_json = format && streq(format, "json");
        *ret_tail = (size_t)MIN(tail, (uint64_t)SIZE_MAX);
        berth_http_query_done(&q);
        return r < 0 ? r : 0;
}

static void h_log(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ const char **services = NULL, **names = NULL;
        _cleanup_free_ struct log_ctx *ctx = NULL;
        struct berth_error err = {};
        struct strbuf text = {};
        struct members m = {};
        json_auto_t *lines = NULL;
        size_t tail = 0, n_names = 0, width;
        bool json = false, follow = false, truncated = false;
        int r;

        r = log_query(req, &tail, &json, &follow, &err);
        if (r >= 0)
                r = pod_name(api, req, &name, &err);
        if (r >= 0)
                r = members_get(api, name, &m, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        services = calloc(m.n + 1, sizeof(char *));
        names = calloc(m.n + 1, sizeof(char *));
        ctx = calloc(m.n + 1, sizeof(*ctx));
        lines = json_array();
        if (!services || !names || !ctx || !lines) {
                reply_msg(req, 500, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < m.n; i++) {
                services[i] = m.v[i].service;
                if (m.v[i].exists)
                        names[n_names++] = m.v[i].container;
        }
        width = pods_text_log_width(services, m.n);
        pods_text_attaching(&text, names, n_names);
        for (size_t i = 0; i < m.n; i++) {
                ctx[i] = (struct log_ctx){
                        .x = &m.v[i], .width = width, .json = json, .text = &text, .lines = lines
                };
                ctx[i].label = pods_text_log_label(name, m.v[i].service, m.v[i].container);
                if (!ctx[i].label) {
                        reply_msg(req, 500, "out of memory");
                        goto out;
                }
        }
        /* HEAD: the headers of the reply, never a stream. */
        if (follow && !streq_ptr(req->method, "HEAD")) {
                log_follow(req, api, &m, ctx, json, tail, &text);
                goto out;
        }
        for (size_t i = 0, bytes = 0; i < m.n && !truncated; i++) {
                if (!m.v[i].exists)
                        continue;
                ctx[i].bytes = bytes;
                r = berth_container_logs(api->store, m.v[i].id,
                                         &(struct berth_logs_query){
                                                 .tail = tail,
                                                 .meta = json ? &ctx[i].meta : NULL,
                                         },
                                         log_line, &ctx[i], &err);
                /* ENOENT: deleted meanwhile; a reply that is full stops the reading. */
                if (r < 0 && r != -ENOENT && !ctx[i].truncated) {
                        (void)berth_error_prefix(&err, "the log of %s", m.v[i].container);
                        reply_err(req, &err, r);
                        goto out;
                }
                bytes = ctx[i].bytes;
                truncated = ctx[i].truncated;
        }
        if (json)
                reply_json(req, 200,
                           json_pack("{s:O, s:b}", "lines", lines, "truncated", truncated));
        else {
                if (truncated)
                        strbuf_printf(&text,
                                      "(berth: the reply stops at %u KiB; ask for the last "
                                      "lines with ?tail=N)\n",
                                      LOG_REPLY_MAX / 1024);
                if (text.oom)
                        reply_msg(req, 500, "out of memory");
                else
                        reply_string(req, text.p, text.len);
        }
out:
        for (size_t i = 0; ctx && i < m.n; i++)
                free(ctx[i].label);
        strbuf_wipe(&text);
        members_done(&m);
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
                return reply_json(req, 200, json_array());
        r = pod_recipes_list(dir, &list, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, 200, list);
}

static void h_recipe(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        const char *dir = berth_pods_config(api->pods)->recipes_dir;
        struct berth_error err = {};
        json_t *recipe = NULL;
        int r;

        if (!dir)
                return reply_msg(req, 404, "no recipe catalogue is configured (--recipes-dir)");
        r = pod_recipe_get(dir, req->captures[0], &recipe, &err);
        if (r < 0)
                return reply_err(req, &err, r);
        reply_json(req, 200, recipe);
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
                return reply_err(req, &err, r);
        r = pods_config_resolve(root ? root : "/", &resolved);
        if (r < 0)
                r = berth_error_set_errno(&err, -r, "resolve the pod data root %s", root);
        else
                r = pods_config_mount_of(MOUNTINFO, resolved, &mount, &err);
        if (r < 0) {
                json_decref(daemon);
                return reply_err(req, &err, r);
        }
        /* The seed's two, and the file systems POST /pod/config recorded. */
        reply_json(req, 200,
                   json_pack("{s:o, s:o, s:o, s:o}", "daemonJson", daemon, "podDataMount", mount,
                             "podImageFs", setting_json(api, "podImageFs"), "podDataFs",
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
                return reply_err(req, &err, r);
        /* The engine reads daemon.json when it starts: berth never restarts it. */
        reply_json(req, 200,
                   json_pack("{s:o, s:o, s:b, s:s}", "podImageFs", setting_json(api, "podImageFs"),
                             "podDataFs", setting_json(api, "podDataFs"), "restartRequired",
                             written > 0, "daemonJsonPath", path));
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
        { "GET", PREFIX "/{name}/inspect", h_inspect },
        { "GET", PREFIX "/{name}/log", h_log },
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
                        .error_body = error_body,
                },
        };
        api->http.userdata = api;
}

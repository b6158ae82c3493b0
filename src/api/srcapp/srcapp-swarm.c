/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps in swarm mode (srcapp-swarm.h): services of one replica, through the
 * Engine API's swarm calls (docker.h). Every name is checked before the engine hears of
 * it; a service is the facility's only when its facility label says so.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker-client.h"
#include "docker.h"
#include "error.h"
#include "macro.h"
#include "src-format.h"
#include "src-names.h"
#include "src-nodes.h"
#include "srcapp-swarm.h"
#include "srcapp.h"

#define KILL_WAIT_MS 20000u

static int engine_of(struct src_apps *a, struct berth_engine **ret, struct berth_error *err)
{
        *ret = src_apps_engine(a);
        if (!*ret)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no docker engine");
        return 0;
}

static const char *label(const json_t *spec_or_labels, const char *key)
{
        return json_string_value(json_object_get(spec_or_labels, key));
}

static const json_t *service_labels(const json_t *svc)
{
        return json_object_get(json_object_get(svc, "Spec"), "Labels");
}

static const char *service_name(const json_t *svc)
{
        return json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"));
}

/* The facility's services (all, or the one named: -ENOENT naming it). */
static int services_of(struct berth_engine *e, const char *facility, const char *name, json_t **ret,
                       struct berth_error *err)
{
        _cleanup_free_ char *lf = NULL;
        json_auto_t *filters = NULL, *l = NULL, *out = NULL;
        json_t *svc;
        size_t i;
        int r;

        if (name) {
                r = src_app_split(name, NULL, NULL, err);
                if (r < 0)
                        return r;
        }
        if (asprintf(&lf, "%s=%s", SRC_LABEL_FACILITY, facility) < 0)
                return -ENOMEM;
        filters = name ? json_pack("{s:[s], s:[s]}", "label", lf, "name", name)
                       : json_pack("{s:[s]}", "label", lf);
        out = json_array();
        if (!filters || !out)
                return -ENOMEM;
        r = berth_docker_services(e, filters, &l, err);
        if (r < 0)
                return r;
        /* Docker's name filter matches prefixes: keep the exact name only. */
        json_array_foreach (l, i, svc) {
                const char *n = service_name(svc);
                const char *f = label(service_labels(svc), SRC_LABEL_FACILITY);

                if (!n || !f || !streq(f, facility) || (name && !streq(n, name)))
                        continue;
                if (json_array_append(out, svc) < 0)
                        return -ENOMEM;
        }
        if (name && json_array_size(out) == 0)
                return berth_error_set(err, ENOENT, "app '%s' does not exist in facility '%s'",
                                       name, facility);
        *ret = TAKE_PTR(out);
        return 0;
}

int src_swarm_create(struct src_apps *a, const char *facility, const char *image, const char *user,
                     char **ret_name, struct berth_error *err)
{
        _cleanup_free_ char *ref = NULL, *name = NULL;
        json_auto_t *labels = NULL, *spec = NULL, *existing = NULL;
        struct berth_engine *e;
        int r;

        r = src_create_checks(a, image, user, &ref, &name, err);
        if (r < 0)
                return r;
        r = engine_of(a, &e, err);
        if (r < 0)
                return r;
        /* A service of that name in any facility: Docker's names are one namespace. */
        r = berth_docker_service_inspect(e, name, &existing, err);
        if (r >= 0)
                return berth_error_set(err, EEXIST, "app '%s' already exists", name);
        if (r != -ENOENT)
                return r;
        *err = (struct berth_error){};
        r = berth_docker_image_exists(e, ref, err);
        if (r == 0)
                r = berth_docker_pull(e, ref, NULL, err);
        if (r < 0)
                return berth_error_prefix(err, "app '%s': image '%s'", name, ref);
        labels = json_pack("{s:s, s:s, s:s}", SRC_LABEL_FACILITY, facility, SRC_LABEL_IMAGE, ref,
                           SRC_LABEL_USER, user);
        if (!labels)
                return -ENOMEM;
        spec = json_pack("{s:s, s:O, s:{s:{s:s, s:O}}, s:{s:{s:i}}}", "Name", name, "Labels",
                         labels, "TaskTemplate", "ContainerSpec", "Image", ref, "Labels", labels,
                         "Mode", "Replicated", "Replicas", 1);
        if (!spec)
                return -ENOMEM;
        r = berth_docker_service_create(e, spec, NULL, err);
        if (r == -EEXIST)
                return berth_error_set(err, EEXIST, "app '%s' already exists", name);
        if (r < 0)
                return berth_error_prefix(err, "app '%s' could not be created", name);
        if (ret_name)
                *ret_name = TAKE_PTR(name);
        return 0;
}

/* This engine's containers of a service (all states). */
static int task_containers(struct berth_engine *e, const char *service_id, bool all, json_t **ret,
                           struct berth_error *err)
{
        _cleanup_free_ char *l = NULL;
        json_auto_t *filters = NULL;

        if (asprintf(&l, "com.docker.swarm.service.id=%s", service_id) < 0)
                return -ENOMEM;
        filters = json_pack("{s:[s]}", "label", l);
        if (!filters)
                return -ENOMEM;
        return berth_docker_containers(e, filters, all, ret, err);
}

int src_swarm_kill(struct src_apps *a, const char *facility, const char *name,
                   struct berth_error *err)
{
        _cleanup_free_ char *id = NULL;
        json_auto_t *svcs = NULL;
        struct berth_engine *e;
        struct timespec ts = { 0, 200 * 1000 * 1000 };
        int r;

        r = engine_of(a, &e, err);
        if (r < 0)
                return r;
        r = services_of(e, facility, name, &svcs, err);
        if (r < 0)
                return r;
        id = strdup(json_string_value(json_object_get(json_array_get(svcs, 0), "ID")) ?: "");
        if (!id)
                return -ENOMEM;
        r = berth_docker_service_remove(e, id, err);
        if (r == -ENOENT)
                return berth_error_set(err, ENOENT, "app '%s' does not exist in facility '%s'",
                                       name, facility);
        if (r < 0)
                return berth_error_prefix(err, "app '%s' could not be removed", name);
        /* Its tasks go with it: wait (bounded) until this engine has none of them. */
        for (unsigned waited = 0; waited < KILL_WAIT_MS; waited += 200) {
                json_auto_t *l = NULL;

                if (task_containers(e, id, true, &l, &(struct berth_error){}) < 0 ||
                    json_array_size(l) == 0)
                        break;
                (void)nanosleep(&ts, NULL);
        }
        return 0;
}

int src_swarm_names(struct src_apps *a, const char *facility, bool users, json_t **ret,
                    struct berth_error *err)
{
        json_auto_t *svcs = NULL, *out = json_array();
        struct berth_engine *e;
        json_t *svc;
        size_t i;
        int r;

        if (!out)
                return -ENOMEM;
        r = engine_of(a, &e, err);
        if (r >= 0)
                r = services_of(e, facility, NULL, &svcs, err);
        if (r < 0)
                return r;
        json_array_foreach (svcs, i, svc) {
                const char *s =
                        users ? label(service_labels(svc), SRC_LABEL_USER) : service_name(svc);

                if (s && src_json_add_unique(out, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/* The node id of this engine (from /info's Swarm.NodeID), a new string. */
static int self_node(struct berth_engine *e, char **ret, struct berth_error *err)
{
        json_auto_t *info = NULL;
        const char *id;
        int r;

        r = berth_docker_info(e, &info, err);
        if (r < 0)
                return r;
        id = json_string_value(json_object_get(json_object_get(info, "Swarm"), "NodeID"));
        *ret = strdup(id ? id : "");
        return *ret ? 0 : -ENOMEM;
}

/* A task's entry when its container is not on this node (or is not there). */
static json_t *unavailable_ps(const char *name, const json_t *task, const char *why)
{
        const char *tid = json_string_value(json_object_get(task, "ID"));
        const char *node = json_string_value(json_object_get(task, "NodeID"));

        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Names", name, "ID", "--", "Image",
                         "--", "Node", node ? node : "", "Task", tid ? tid : "", "State",
                         "unavailable", "Status", why);
}

static json_t *unavailable_stats(const char *name)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "BlockIO", "--",
                         "CPUPerc", "--", "Container", name, "ID", "--", "MemPerc", "--",
                         "MemUsage", "--", "Name", name, "NetIO", "--", "PIDs", "--");
}

/* Each running task of each service asked for: from its container on this node, from
 * its node's engine (--src-node-engine), or unavailable. */
enum what { WHAT_PS, WHAT_STATS };

struct tasks_ctx {
        struct src_apps *a;
        struct berth_engine *e;
        enum what what;
        uint64_t now;
        char *self;    /* this engine's node id */
        json_t *nodes; /* GET /nodes, asked once, when a task runs elsewhere */
};

/* The hostname of node id ("" when the manager does not know it). */
static const char *node_hostname(struct tasks_ctx *x, const char *id)
{
        json_t *node;
        size_t i;

        if (!x->nodes && berth_docker_nodes(x->e, NULL, &x->nodes, &(struct berth_error){}) < 0)
                x->nodes = NULL;
        json_array_foreach (x->nodes, i, node) {
                const char *nid = json_string_value(json_object_get(node, "ID"));

                if (nid && streq(nid, id))
                        return json_string_value(json_object_get(
                                       json_object_get(node, "Description"), "Hostname"))
                                       ?: "";
        }
        return "";
}

/* The entry of a task whose container is cid, on this engine (c NULL) or on c. */
static int task_entry(struct tasks_ctx *x, struct docker_client *c, const char *sname,
                      const json_t *task, const char *cid, json_t **ret, struct berth_error *err)
{
        json_auto_t *filters = NULL, *l = NULL, *stats = NULL;
        int r;

        if (x->what == WHAT_STATS) {
                r = c ? berth_docker_client_container_stats(c, cid, &stats, err)
                      : berth_docker_container_stats(x->e, cid, &stats, err);
                if (r == -ENOENT) {
                        *ret = unavailable_stats(sname);
                        return 0;
                }
                if (r < 0)
                        return r;
                *ret = src_stats_json(stats, sname);
                return 0;
        }
        filters = json_pack("{s:[s]}", "id", cid);
        if (!filters)
                return -ENOMEM;
        r = c ? berth_docker_client_containers(c, filters, true, &l, err)
              : berth_docker_containers(x->e, filters, true, &l, err);
        if (r < 0)
                return r;
        *ret = json_array_size(l) > 0 ? src_ps_json(json_array_get(l, 0), x->now)
                                      : unavailable_ps(sname, task, "its container is gone");
        return 0;
}

/* A task on another node: through that node's engine, or unavailable (why). */
static int remote_entry(struct tasks_ctx *x, const char *sname, const json_t *task,
                        const char *node, const char *cid, json_t **ret)
{
        const char *host = node_hostname(x, node);
        struct docker_client *c = src_nodes_client(src_apps_nodes(x->a), node, host);
        struct berth_error e = {};
        char why[sizeof(e.msg) + 300];
        int r;

        if (!c) {
                (void)snprintf(why, sizeof(why),
                               "on node %s of the swarm, whose engine berthd was not given "
                               "(--src-node-engine)",
                               *host ? host : node);
                r = -ENXIO;
        } else
                r = task_entry(x, c, sname, task, cid, ret, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (c)
                        (void)snprintf(why, sizeof(why), "on node %s: %s", *host ? host : node,
                                       e.msg);
                *ret = x->what == WHAT_PS ? unavailable_ps(sname, task, why)
                                          : unavailable_stats(sname);
        }
        return 0;
}

static int per_task(struct src_apps *a, const char *facility, const char *name, enum what what,
                    uint64_t now, json_t **ret, struct berth_error *err)
{
        struct tasks_ctx x = { .a = a, .what = what, .now = now };
        json_auto_t *svcs = NULL, *out = json_array();
        json_t *svc;
        size_t i;
        int r;

        if (!out)
                return -ENOMEM;
        r = engine_of(a, &x.e, err);
        if (r >= 0)
                r = services_of(x.e, facility, name, &svcs, err);
        if (r >= 0)
                r = self_node(x.e, &x.self, err);
        json_array_foreach (svcs, i, svc) {
                const char *sname = service_name(svc);
                json_auto_t *tfilters = NULL, *tasks = NULL;
                json_t *task;
                size_t j;

                if (r < 0)
                        break;
                tfilters =
                        json_pack("{s:[s], s:[s]}", "service", sname, "desired-state", "running");
                if (!tfilters) {
                        r = -ENOMEM;
                        break;
                }
                r = berth_docker_tasks(x.e, tfilters, &tasks, err);
                if (r < 0) {
                        r = berth_error_prefix(err, "app '%s': tasks", sname);
                        break;
                }
                json_array_foreach (tasks, j, task) {
                        const json_t *st = json_object_get(task, "Status");
                        const char *state = json_string_value(json_object_get(st, "State"));
                        const char *node = json_string_value(json_object_get(task, "NodeID"));
                        const char *cid = json_string_value(json_object_get(
                                json_object_get(st, "ContainerStatus"), "ContainerID"));
                        json_t *o = NULL;

                        /* Running tasks only (a starting one has no container yet). */
                        if (!state || !streq(state, "running"))
                                continue;
                        if (!cid || !*cid)
                                o = what == WHAT_PS ? unavailable_ps(sname, task,
                                                                     "its container is not known")
                                                    : unavailable_stats(sname);
                        else if (!node || !streq(node, x.self))
                                r = remote_entry(&x, sname, task, node ? node : "", cid, &o);
                        else {
                                r = task_entry(&x, NULL, sname, task, cid, &o, err);
                                if (r < 0)
                                        r = berth_error_prefix(err, "app '%s'", sname);
                        }
                        if (r >= 0 && (!o || json_array_append_new(out, o) < 0))
                                r = -ENOMEM;
                        if (r < 0)
                                break;
                }
                if (r >= 0 && name && json_array_size(out) == 0) {
                        /* One app asked for, and no task of it runs. */
                        json_t *o = what == WHAT_PS
                                            ? json_pack("{s:s, s:s, s:s}", "Names", sname, "State",
                                                        "no running task", "Status",
                                                        "the service has no running task yet")
                                            : unavailable_stats(sname);
                        if (!o || json_array_append_new(out, o) < 0)
                                r = -ENOMEM;
                }
        }
        free(x.self);
        json_decref(x.nodes);
        if (r < 0)
                return r;
        if (name) {
                *ret = json_incref(json_array_get(out, 0));
                return *ret ? 0 : -ENOMEM;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int src_swarm_status(struct src_apps *a, const char *facility, const char *name, uint64_t now_usec,
                     json_t **ret, struct berth_error *err)
{
        return per_task(a, facility, name, WHAT_PS, now_usec, ret, err);
}

int src_swarm_stats(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                    struct berth_error *err)
{
        return per_task(a, facility, name, WHAT_STATS, 0, ret, err);
}

int src_swarm_info(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                   struct berth_error *err)
{
        json_auto_t *svcs = NULL;
        struct berth_engine *e;
        const char *id;
        int r;

        if (!name || !*name)
                return berth_error_set(err, EINVAL, "name is required (?name=IMAGE--USER)");
        r = engine_of(a, &e, err);
        if (r >= 0)
                r = services_of(e, facility, name, &svcs, err);
        if (r < 0)
                return r;
        id = json_string_value(json_object_get(json_array_get(svcs, 0), "ID"));
        return berth_docker_service_inspect(e, id ? id : name, ret, err);
}

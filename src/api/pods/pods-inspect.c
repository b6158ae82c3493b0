/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A pod's containers as they are now (the store's objects and what their engines say),
 * and GET /api/v2/pod/{name}/inspect: the seed's compose ps and top text, and JSON. */
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
#include "pods-door.h"
#include "pods-inspect.h"
#include "pods-text.h"
#include "store.h"
#include "strbuf.h"
#include "strv.h"

/* ---- a pod's containers as they are now ----------------------------------------- */

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

void pods_members_done(struct members *m)
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

bool pods_state_live(enum berth_container_state s)
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

int pods_members_get(struct berth_pods_api *api, const char *name, struct members *ret,
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
                pods_members_done(&m);
                return berth_error_ensure(err, r, "list the pod's containers");
        }
        *ret = m;
        return 0;
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
                if (!pods_state_live(x->state))
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
                x->exists && !pods_state_live(x->state) && code >= 0 ? json_integer(code)
                                                                     : json_null(),
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
                if (m->v[i].exists && pods_state_live(m->v[i].state))
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

void pods_h_inspect(struct berth_http_request *req, void *userdata)
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

        r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = pods_members_get(api, name, &m, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
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
        pods_reply_json(req, 200,
                        json_pack("{s:s, s:o, s:o, s:o}", "name", name, "container_status",
                                  text_json(&ps), "running_processes", text_json(&top),
                                  "containers", containers));
        containers = NULL;
        goto out;
oom:
        pods_reply_msg(req, 500, "out of memory encoding the reply");
out:
        json_decref(containers);
        for (size_t i = 0; ports && i < n_rows; i++)
                free(ports[i]);
        strbuf_wipe(&ps);
        strbuf_wipe(&top);
        pods_members_done(&m);
}

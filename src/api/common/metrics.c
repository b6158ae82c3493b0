/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "macro.h"
#include "metrics.h"
#include "store.h"
#include "strbuf.h"

#define N_KINDS 8
struct counts {
        unsigned n[_BERTH_OBJ_TYPE_MAX][N_KINDS];
};

static int count(struct berth_obj *o, void *userdata)
{
        struct counts *c = userdata;
        int k;

        if (o->type == BERTH_OBJ_ATTACH)
                k = (int)((struct berth_attach *)o)->kind;
        else if (o->type == BERTH_OBJ_MOUNT)
                k = (int)((struct berth_mount *)o)->kind;
        else
                k = (int)((struct berth_container *)o)->state;
        if (k >= 0 && k < N_KINDS)
                c->n[o->type][k]++;
        return 0;
}

static void add_metric(const char *name, const char *help, bool counter, uint64_t value,
                       void *userdata)
{
        strbuf_printf(userdata, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
                      counter ? "counter" : "gauge", name, (unsigned long long)value);
}

static int add_route(const char *route, int status, uint64_t n, double seconds, void *userdata)
{
        struct strbuf *t = userdata;

        strbuf_printf(t, "berth_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", route,
                      status, (unsigned long long)n);
        strbuf_printf(t, "berth_http_request_seconds_total{route=\"%s\",status=\"%d\"} %.6f\n",
                      route, status, seconds);
        return 0;
}

static void h_metrics(struct berth_http_request *req, void *userdata)
{
        struct berth_metrics *m = userdata;
        struct counts c = {};
        struct strbuf t = {};

        for (int type = 0; type < _BERTH_OBJ_TYPE_MAX; type++)
                (void)berth_store_visit_all(m->store, (enum berth_obj_type)type, count, &c);

        strbuf_printf(
                &t,
                "# HELP berth_attachments Attachments by kind.\n# TYPE berth_attachments gauge\n");
        for (int k = 0; k < _BERTH_ATTACH_KIND_MAX; k++)
                strbuf_printf(&t, "berth_attachments{kind=\"%s\"} %u\n",
                              berth_attach_kind_to_string((enum berth_attach_kind)k),
                              c.n[BERTH_OBJ_ATTACH][k]);
        strbuf_printf(&t, "# HELP berth_mounts Mounts by kind.\n# TYPE berth_mounts gauge\n");
        for (int k = 0; k < _BERTH_MOUNT_KIND_MAX && k < N_KINDS; k++)
                strbuf_printf(&t, "berth_mounts{kind=\"%s\"} %u\n",
                              berth_mount_kind_to_string((enum berth_mount_kind)k),
                              c.n[BERTH_OBJ_MOUNT][k]);
        strbuf_printf(
                &t,
                "# HELP berth_containers Containers by state.\n# TYPE berth_containers gauge\n");
        for (int k = 0; k < _BERTH_CONTAINER_STATE_MAX && k < N_KINDS; k++)
                strbuf_printf(&t, "berth_containers{state=\"%s\"} %u\n",
                              berth_container_state_to_string((enum berth_container_state)k),
                              c.n[BERTH_OBJ_CONTAINER][k]);
        /* The types' own: the engines' counters, the kept logs. */
        berth_store_metrics(m->store, add_metric, &t);
        strbuf_printf(&t, "# HELP berth_http_requests_total HTTP requests by route and status.\n"
                          "# TYPE berth_http_requests_total counter\n"
                          "# HELP berth_http_request_seconds_total Time spent answering them.\n"
                          "# TYPE berth_http_request_seconds_total counter\n");
        /* This request is not counted yet: it is still being answered. */
        (void)berth_http_router_stats(m->router, add_route, &t);
        if (t.oom) {
                free(t.p);
                (void)berth_http_reply_error(req, 500, "out of memory");
                return;
        }
        (void)berth_http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8", t.p, t.len,
                               NULL, 0);
        free(t.p);
}

static const struct berth_http_route metrics_routes[] = {
        { "GET", "/metrics", h_metrics },
};

int berth_metrics_init(struct berth_metrics *m, struct berth_store *store,
                       struct berth_http_router *router)
{
        *m = (struct berth_metrics){
                .http =
                        {
                                .name = "metrics",
                                .prefix = "/metrics",
                                .routes = metrics_routes,
                                .n_routes = ELEMENTSOF(metrics_routes),
                                .error_body = NULL, /* the default {"code","message"} */
                        },
                .store = store,
                .router = router,
        };
        m->http.userdata = m;
        return 0;
}

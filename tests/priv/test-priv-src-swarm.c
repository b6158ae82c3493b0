/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps door (seed 001) end to end, swarm mode: a real berthd on a real dockerd
 * of this program's own (test-priv-docker-src makes a swarm of the suite's engine: two
 * swarms on one engine would clash), made a single-node swarm on 127.0.0.2 while berthd
 * runs (the door reads the node's mode per request), and the suite's registry. An image
 * made from the busybox test image (CMD sleep) is pushed to the registry and removed from
 * the engine, so that approve really pulls; create-app makes a service of one replica,
 * kill-app removes it and its task container. The swarm is left (forced) at the end,
 * after a failure too, and the engine is stopped when the program exits.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "error.h"
#include "harness.h"
#include "macro.h"

#define BB_IMAGE "berth-test/busybox:1"
#define ADMIN_TOKEN "src-swarm-admin-0123456789"
#define APP "swsleeper--alice"
#define SWARM_ADDR "127.0.0.2"
/* The second node: an engine of this program's own in a UTS namespace named so, its
 * swarm on 127.0.0.3, its API over TLS on 127.0.0.3:2376. */
#define NODE2 "berth-w1"
#define NODE2_ADDR "127.0.0.3"
#define NODE2_PORT "2376"
#define APP2 "swsleeper--bob"

static char docker_host[300];
static char registry[64];
static char ref[256];        /* REGISTRY/srcswPID/swsleeper:1 */
static char token_file[128]; /* the admin token */
static struct test_berthd d;
static struct berth_engine *engine;
static struct test_docker_node node2;
static struct berth_engine *engine2;

/* What the test leaves, whatever happened: the service, the swarm (forced), its network.
 * No ck_*. */
static void leave_swarm(void)
{
        bool active = false;

        if (engine) {
                (void)berth_docker_service_remove(engine, APP, NULL);
                (void)berth_docker_service_remove(engine, APP2, NULL);
        }
        /* The worker first (its tasks go with it), then the manager. */
        if (engine2 && berth_docker_swarm_mode(engine2, NULL, &active, NULL) >= 0 && active)
                (void)berth_docker_swarm_leave(engine2, true, NULL);
        active = false;
        if (engine && berth_docker_swarm_mode(engine, NULL, &active, NULL) >= 0 && active)
                (void)berth_docker_swarm_leave(engine, true, NULL);
        if (engine)
                (void)berth_docker_network_remove(engine, "docker_gwbridge", NULL);
}

static void setup(void)
{
        const char *extra[] = {
                "--docker-host", docker_host, "--src-facility", "demo", "--src-admin-token-file",
                token_file,      NULL
        };

        engine = test_docker_engine(docker_host, "test-priv-src-swarm");
        ck_assert_ptr_nonnull(engine);
        test_berthd_start(&d, false, extra);
}

/* berthd told of the second node's engine (its TLS client directory tls), or not. */
static void start_berthd(const char *tls)
{
        char spec[200];
        const char *extra[] = { "--docker-host",
                                docker_host,
                                "--src-facility",
                                "demo",
                                "--src-admin-token-file",
                                token_file,
                                tls ? "--src-node-engine" : NULL,
                                spec,
                                "--src-node-tls-dir",
                                tls,
                                NULL };

        (void)snprintf(spec, sizeof(spec), "%s=%s", NODE2, node2.tcp);
        test_berthd_start(&d, false, extra);
}

static void setup_nodes(void)
{
        engine = test_docker_engine(docker_host, "test-priv-src-swarm");
        ck_assert_ptr_nonnull(engine);
        engine2 = test_docker_engine(node2.host, "test-priv-src-swarm");
        ck_assert_ptr_nonnull(engine2);
        start_berthd(node2.client_tls);
}

static void teardown(void)
{
        test_berthd_stop(&d);
        leave_swarm();
        if (engine)
                (void)berth_docker_image_remove(engine, ref, true, NULL);
        if (engine2)
                (void)berth_docker_image_remove(engine2, ref, true, NULL);
        berth_docker_engine_free(engine);
        berth_docker_engine_free(engine2);
        engine = engine2 = NULL;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* The engine's containers of the service APP (all states). */
static size_t app_containers(void)
{
        struct berth_error err = {};
        json_auto_t *f = json_pack("{s:[s]}", "label", "com.docker.swarm.service.name=" APP);
        json_auto_t *l = NULL;

        ck_assert_ptr_nonnull(f);
        ck_assert_msg(berth_docker_containers(engine, f, true, &l, &err) == 0, "%s", err.msg);
        return json_array_size(l);
}

/* request-image, then approve-image (with the admin token) of ref. */
static void request_and_approve(void)
{
        const char *admin[] = { "token: " ADMIN_TOKEN, NULL };
        _cleanup_free_ char *p = test_src_path("/demo/request-image?image=%s", ref);

        test_src_post_ok(&d, p, NULL);
        free(p), p = test_src_path("/demo/approve-image?image=%s", ref);
        test_src_post_ok(&d, p, admin);
}

/* get-app-status?name=app once its task runs (a bounded poll): its object. */
static json_t *wait_running(const char *app)
{
        _cleanup_free_ char *p = test_src_path("/demo/get-app-status?name=%s", app);
        json_t *j = NULL;
        bool running = false;
        const char *s;

        for (int i = 0; i < 120 && !running; i++) {
                test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
                s = json_string_value(json_object_get(j, "State"));
                running = s && streq(s, "running");
                if (!running) {
                        json_decref(j), j = NULL;
                        usleep(500 * 1000);
                }
        }
        ck_assert_msg(running, "no task of %s runs after 60 s", app);
        return j;
}

/* The node id of an engine in a swarm. */
static char *node_id(struct berth_engine *e)
{
        struct berth_error err = {};
        json_auto_t *info = NULL;
        const char *id;

        ck_assert_msg(berth_docker_info(e, &info, &err) == 0, "%s", err.msg);
        id = json_string_value(json_object_get(json_object_get(info, "Swarm"), "NodeID"));
        ck_assert_msg(id && *id, "the engine is in no swarm");
        return strdup(id);
}

/* The node the running task of app is on (asked of the manager). */
static char *task_node(const char *app)
{
        struct berth_error err = {};
        json_auto_t *f = json_pack("{s:[s], s:[s]}", "service", app, "desired-state", "running");
        json_auto_t *l = NULL;
        json_t *t;
        size_t i;

        ck_assert_ptr_nonnull(f);
        ck_assert_msg(berth_docker_tasks(engine, f, &l, &err) == 0, "%s", err.msg);
        json_array_foreach (l, i, t) {
                const char *st =
                        json_string_value(json_object_get(json_object_get(t, "Status"), "State"));
                if (st && streq(st, "running"))
                        return strdup(json_string_value(json_object_get(t, "NodeID")));
        }
        ck_abort_msg("%s has no running task", app);
        return NULL;
}

/* The verbs of one mode only (the seed's table), each a 409 in the other. */
static const char *const solo_verbs[] = {
        "/demo/start-app?name=" APP,      "/demo/stop-app?name=" APP,
        "/demo/pause-app?name=" APP,      "/demo/unpause-app?name=" APP,
        "/demo/restart-app?name=" APP,    "/demo/delete-app?name=" APP,
        "/demo/hard-reset-app?name=" APP,
};
static const char *const swarm_verbs[] = {
        "/demo/get-node-names",
        "/demo/get-node-status",
        "/demo/get-node-status?hostname=x",
        "/demo/get-node-info?hostname=x",
};

/* ---- the walk ------------------------------------------------------------------------ */

START_TEST(swarm_walk)
{
        _cleanup_free_ char *p = NULL;
        struct berth_error err = {};
        json_t *j = NULL, *o = NULL, *labels;
        char host[256] = "";
        bool manager = false, active = false, up = false;
        struct test_reply r;
        const char *s;

        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert_msg(!active, "the private engine at %s is in a swarm already", docker_host);

        /* Solo mode while the engine is in no swarm: swarm verbs are 409 naming it. */
        for (size_t i = 0; i < ELEMENTSOF(swarm_verbs); i++)
                test_src_call(&d, "GET", swarm_verbs[i], NULL, 409, "solo mode", NULL);

        /* The node becomes a swarm manager while berthd runs: berthd sees it within a
         * second (it asks the engine at most once a second). */
        ck_assert_msg(berth_docker_swarm_init(engine, SWARM_ADDR, &err) == 0, "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert(manager && active);
        usleep(1100000);

        test_src_call(&d, "GET", "/demo/get-node-names", NULL, 200, NULL, &j);
        ck_assert_msg(json_array_size(j) == 1 && test_json_has_string(j, host),
                      "get-node-names: not [%s]", host);
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-node-status", NULL, 200, "Leader", &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        o = json_array_get(j, 0);
        ck_assert_str_eq(json_string_value(json_object_get(o, "Hostname")), host);
        ck_assert_str_eq(json_string_value(json_object_get(o, "ManagerStatus")), "Leader");
        json_decref(j), j = NULL;
        free(p), p = test_src_path("/demo/get-node-info?hostname=%s", host);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        ck_assert(json_is_true(
                json_object_get(json_object_get(json_array_get(j, 0), "ManagerStatus"), "Leader")));
        json_decref(j), j = NULL;

        /* Solo verbs are 409 naming swarm mode; nothing exists yet. */
        for (size_t i = 0; i < ELEMENTSOF(solo_verbs); i++)
                test_src_call(&d, "POST", solo_verbs[i], NULL, 409, "swarm mode", NULL);
        test_src_call(&d, "GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-app-info?name=" APP, NULL, 404, APP, NULL);
        test_src_call(&d, "POST", "/demo/kill-app?name=" APP, NULL, 404, APP, NULL);
        test_src_call(&d, "GET", "/demo/get-app-status?name=bad..name", NULL, 422, NULL, NULL);

        /* Not approved: 403, no service. */
        free(p), p = test_src_path("/demo/create-app?image=%s&user=alice", ref);
        test_src_call(&d, "POST", p, NULL, 403, ref, NULL);
        ck_assert_int_eq(berth_docker_service_inspect(engine, APP, &j, &err), -ENOENT);

        request_and_approve();

        /* create-app: a service of one replica, with the app's labels. */
        free(p), p = test_src_path("/demo/create-app?image=%s&user=alice", ref);
        test_src_post_ok(&d, p, NULL);
        test_src_call(&d, "POST", p, NULL, 409, "already exists", NULL);
        ck_assert_msg(berth_docker_service_inspect(engine, APP, &j, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(
                json_integer_value(json_object_get(
                        json_object_get(json_object_get(json_object_get(j, "Spec"), "Mode"),
                                        "Replicated"),
                        "Replicas")),
                1);
        labels = json_object_get(json_object_get(j, "Spec"), "Labels");
        ck_assert_str_eq(json_string_value(json_object_get(labels, "io.berth.src.facility")),
                         "demo");
        ck_assert_str_eq(json_string_value(json_object_get(labels, "io.berth.src.image")), ref);
        ck_assert_str_eq(json_string_value(json_object_get(labels, "io.berth.src.user")), "alice");
        json_decref(j), j = NULL;

        /* Its task runs within a bounded poll; get-app-status shows its container. */
        j = wait_running(APP);
        s = json_string_value(json_object_get(j, "Names"));
        ck_assert_msg(s && strncmp(s, APP ".", strlen(APP) + 1) == 0, "Names %s", s ? s : "-");
        ck_assert_msg(strstr(json_string_value(json_object_get(j, "Labels")) ?: "",
                             "io.berth.src.user=alice"),
                      "Labels of the task container");
        json_decref(j), j = NULL;
        ck_assert_uint_eq(app_containers(), 1);

        test_src_call(&d, "GET", "/demo/get-app-status", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert(json_array_size(j) == 1 && test_json_has_string(j, APP));
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-users", NULL, 200, NULL, &j);
        ck_assert(json_array_size(j) == 1 && test_json_has_string(j, "alice"));
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-app-stats?name=" APP, NULL, 200, NULL, &j);
        s = json_string_value(json_object_get(j, "CPUPerc"));
        ck_assert_msg(s && s[strlen(s) - 1] == '%', "CPUPerc %s", s ? s : "-");
        ck_assert_str_ne(json_string_value(json_object_get(j, "MemUsage")), "--");
        json_decref(j), j = NULL;
        /* The both-modes verbs that are not the app's own: images and uptime. */
        test_src_call(&d, "GET", "/demo/get-images", NULL, 200, "srcsw", NULL);
        test_src_call(&d, "GET", "/demo/get-image-requests", NULL, 200, ref, NULL);
        /* The task's start, from the engine's events, counts for the app (its service):
         * the last point of the hour is up. */
        for (int i = 0; i < 50; i++) {
                json_t *last = NULL, *v;
                const char *k;

                test_http_headers(&d, "GET", "/demo/get-uptime-summary?name=" APP "&duration=hour",
                                  NULL, NULL, &r);
                if (r.status == 200)
                        json_object_foreach (r.json, k, v)
                                last = v;
                up = json_is_true(last);
                test_reply_done(&r);
                if (up)
                        break;
                usleep(100 * 1000);
        }
        ck_assert_msg(up, "get-uptime-summary of %s: the app is not up", APP);
        test_src_call(&d, "GET", "/demo/get-uptime-summary?name=nosuch--app&duration=hour", NULL,
                      404, "nosuch--app", NULL);
        test_src_call(&d, "GET", "/demo/get-app-info?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "Spec"), "Name")),
                         APP);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "ID")));
        json_decref(j), j = NULL;

        /* And while the app exists: nothing happens to its service. */
        for (size_t i = 0; i < ELEMENTSOF(solo_verbs); i++)
                test_src_call(&d, "POST", solo_verbs[i], NULL, 409, "swarm mode", NULL);
        ck_assert_uint_eq(app_containers(), 1);

        /* kill-app: the service and its task container are gone. */
        test_src_post_ok(&d, "/demo/kill-app?name=" APP, NULL);
        ck_assert_int_eq(berth_docker_service_inspect(engine, APP, &j, &err), -ENOENT);
        ck_assert_uint_eq(app_containers(), 0);
        test_src_call(&d, "GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j), j = NULL;
        test_src_call(&d, "POST", "/demo/kill-app?name=" APP, NULL, 404, APP, NULL);

        /* Back to solo mode when the node leaves. */
        ck_assert_msg(berth_docker_swarm_leave(engine, true, &err) == 0, "%s", err.msg);
        usleep(1100000);
        for (size_t i = 0; i < ELEMENTSOF(swarm_verbs); i++)
                test_src_call(&d, "GET", swarm_verbs[i], NULL, 409, "solo mode", NULL);
}
END_TEST

/* Two nodes: the private engine (manager) and a second engine joined as a worker, with
 * its own hostname. The status and stats of a task on the worker come from the worker's
 * engine over TLS (--src-node-engine); without it, or with a client the worker does not
 * trust, the task is unavailable and says why. */
START_TEST(swarm_two_nodes)
{
        _cleanup_free_ char *p = NULL, *token = NULL, *self = NULL, *n1 = NULL, *n2 = NULL;
        struct berth_error err = {};
        json_t *j = NULL, *o;
        const char *remote, *local, *s;
        char host[256] = "", want_id[16];
        bool both = false;

        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        ck_assert_msg(berth_docker_swarm_init(engine, SWARM_ADDR, &err) == 0, "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_join_token(engine, &token, &err) == 0, "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_join(engine2, NODE2_ADDR, SWARM_ADDR, token, &err) == 0,
                      "%s", err.msg);
        self = node_id(engine);
        usleep(1100000); /* berthd asks the engine's mode at most once a second */

        /* Both nodes, each with its own hostname. */
        test_src_call(&d, "GET", "/demo/get-node-names", NULL, 200, NULL, &j);
        ck_assert_msg(json_array_size(j) == 2 && test_json_has_string(j, host) &&
                              test_json_has_string(j, NODE2),
                      "get-node-names: not [%s, %s]", host, NODE2);
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-node-status?hostname=" NODE2, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "Hostname")), NODE2);
        json_decref(j), j = NULL;

        request_and_approve();

        /* Two apps of one replica: the scheduler spreads them, one on each node (the
         * worker pulls the image from the registry itself). */
        free(p), p = test_src_path("/demo/create-app?image=%s&user=alice", ref);
        test_src_post_ok(&d, p, NULL);
        json_decref(wait_running(APP));
        free(p), p = test_src_path("/demo/create-app?image=%s&user=bob", ref);
        test_src_post_ok(&d, p, NULL);
        json_decref(wait_running(APP2));
        n1 = task_node(APP);
        n2 = task_node(APP2);
        ck_assert_msg(!streq(n1, n2), "both tasks run on node %s", n1);
        remote = streq(n1, self) ? APP2 : APP;
        local = streq(n1, self) ? APP : APP2;

        /* The remote task, as the worker's own engine has its container. */
        {
                json_auto_t *f =
                        json_pack("{s:[s]}", "label",
                                  streq(remote, APP) ? "com.docker.swarm.service.name=" APP
                                                     : "com.docker.swarm.service.name=" APP2);
                json_auto_t *l = NULL;

                ck_assert_msg(berth_docker_containers(engine2, f, false, &l, &err) == 0, "%s",
                              err.msg);
                ck_assert_uint_eq(json_array_size(l), 1);
                (void)snprintf(want_id, sizeof(want_id), "%.12s",
                               json_string_value(json_object_get(json_array_get(l, 0), "Id")));
        }
        free(p), p = test_src_path("/demo/get-app-status?name=%s", remote);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "running");
        ck_assert_str_eq(json_string_value(json_object_get(j, "ID")), want_id);
        s = json_string_value(json_object_get(j, "Names"));
        ck_assert_msg(s && strncmp(s, remote, strlen(remote)) == 0, "Names %s", s ? s : "-");
        json_decref(j), j = NULL;
        test_src_call(&d, "GET", "/demo/get-app-status", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 2);
        for (size_t i = 0; i < 2; i++) {
                o = json_array_get(j, i);
                ck_assert_str_eq(json_string_value(json_object_get(o, "State")), "running");
                both = both || streq(json_string_value(json_object_get(o, "ID")), want_id);
        }
        ck_assert_msg(both, "the remote task is not in the list");
        json_decref(j), j = NULL;
        free(p), p = test_src_path("/demo/get-app-stats?name=%s", remote);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        s = json_string_value(json_object_get(j, "CPUPerc"));
        ck_assert_msg(s && s[strlen(s) - 1] == '%', "CPUPerc %s", s ? s : "-");
        ck_assert_str_ne(json_string_value(json_object_get(j, "MemUsage")), "--");
        ck_assert_str_eq(json_string_value(json_object_get(j, "ID")), want_id);
        json_decref(j), j = NULL;

        /* berthd not told of the worker's engine: unavailable, and why. The local task
         * is as before. */
        test_berthd_stop(&d);
        start_berthd(NULL);
        usleep(1100000);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "CPUPerc")), "--");
        json_decref(j), j = NULL;
        free(p), p = test_src_path("/demo/get-app-status?name=%s", remote);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "unavailable");
        s = json_string_value(json_object_get(j, "Status"));
        ck_assert_msg(s && strstr(s, NODE2) && strstr(s, "--src-node-engine"), "Status %s",
                      s ? s : "-");
        json_decref(j), j = NULL;
        free(p), p = test_src_path("/demo/get-app-status?name=%s", local);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "running");
        json_decref(j), j = NULL;

        /* A client of another CA: the worker refuses it (and berthd would refuse an
         * engine its CA did not sign): unavailable, naming the engine. */
        test_berthd_stop(&d);
        start_berthd(node2.rogue_tls);
        usleep(1100000);
        free(p), p = test_src_path("/demo/get-app-status?name=%s", remote);
        test_src_call(&d, "GET", p, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "unavailable");
        s = json_string_value(json_object_get(j, "Status"));
        ck_assert_msg(s && strstr(s, node2.tcp), "Status %s", s ? s : "-");
        json_decref(j), j = NULL;

        /* kill-app of both: the services, and their tasks on both nodes, are gone. */
        test_src_post_ok(&d, "/demo/kill-app?name=" APP, NULL);
        test_src_post_ok(&d, "/demo/kill-app?name=" APP2, NULL);
        test_src_call(&d, "GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j), j = NULL;
        for (int i = 0; i < 100; i++) {
                json_auto_t *f = json_pack("{s:[s]}", "label", "io.berth.src.facility=demo");
                json_auto_t *l = NULL;

                ck_assert_msg(berth_docker_containers(engine2, f, true, &l, &err) == 0, "%s",
                              err.msg);
                if (json_array_size(l) == 0)
                        break;
                ck_assert_msg(i < 99, "the worker still has the task containers after 20 s");
                usleep(200 * 1000);
        }
}
END_TEST

static Suite *swarm_suite(void)
{
        Suite *s = suite_create("src-swarm");

        tcase_add_test(test_tcase(s, "swarm", setup, teardown, 240), swarm_walk);
        tcase_add_test(test_tcase(s, "nodes", setup_nodes, teardown, 240), swarm_two_nodes);
        return s;
}

int main(void)
{
        int r;

        test_require_root("test-priv-src-swarm");
        test_priv_begin("test-priv-src-swarm", "src-swarm");
        /* An engine of this program's own, not the suite's (see the top). */
        (void)unsetenv("BERTH_TEST_DOCKER_HOST");
        r = test_docker_need("test-priv-src-swarm", docker_host, sizeof(docker_host), BB_IMAGE,
                             registry, sizeof(registry));
        if (r != 0)
                return r;
        if (test_docker_node(NODE2, NODE2_ADDR, NODE2_PORT, &node2) < 0) {
                fprintf(stderr, "test-priv-src-swarm: no second engine (openssl, util-linux)\n");
                return 1;
        }
        /* The sleeper image in the registry, and not in the engine. */
        (void)snprintf(ref, sizeof(ref), "%s/srcsw%d/swsleeper:1", registry, (int)getpid());
        if (test_src_image("test-priv-src-swarm", docker_host, BB_IMAGE, ref, true) < 0 ||
            test_src_file(token_file, sizeof(token_file), "bsrcsw-token", ADMIN_TOKEN) < 0)
                return 1;
        r = test_priv_run(swarm_suite(), "test-priv-src-swarm", NULL, NULL);
        (void)unlink(token_file);
        return r;
}

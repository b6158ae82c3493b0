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
#include <fcntl.h>
#include <stdarg.h>
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

static char docker_host[300];
static char registry[64];
static char ref[256];        /* REGISTRY/srcswPID/swsleeper:1 */
static char token_file[128]; /* the admin token */
static struct test_berthd d;
static struct berth_engine *engine;

static struct berth_engine *engine_new(void)
{
        struct berth_error err = {};
        struct berth_engine *e = NULL;

        if (berth_docker_engine_new(NULL,
                                    &(struct berth_docker_config){
                                            .host = docker_host,
                                            .owner = "test-priv-src-swarm",
                                    },
                                    &e, &err) < 0) {
                fprintf(stderr, "test-priv-src-swarm: engine: %s\n", err.msg);
                return NULL;
        }
        return e;
}

/* The sleeper image in the registry, and not in the engine. Runs before the tests (no
 * ck_* outside a test: returns < 0). */
static int make_image(void)
{
        struct berth_error err = {};
        struct berth_engine *e = engine_new();
        char dir[] = "/var/tmp/bsrcsw-XXXXXX", path[300], repo[200];
        FILE *f;
        int r;

        if (!e || !mkdtemp(dir))
                return -1;
        (void)snprintf(path, sizeof(path), "%s/Dockerfile", dir);
        f = fopen(path, "we");
        if (!f)
                return -1;
        fprintf(f, "FROM %s\nCMD [\"sleep\", \"3600\"]\n", BB_IMAGE);
        fclose(f);
        (void)snprintf(repo, sizeof(repo), "%s/srcsw%d/swsleeper", registry, (int)getpid());
        (void)snprintf(ref, sizeof(ref), "%s:1", repo);
        r = berth_docker_build(e, dir, NULL, ref, NULL, NULL, &err);
        if (r >= 0)
                r = berth_docker_push(e, repo, "1", &err);
        if (r >= 0)
                r = berth_docker_image_remove(e, ref, false, &err);
        if (r < 0)
                fprintf(stderr, "test-priv-src-swarm: image %s: %s\n", ref, err.msg);
        (void)unlink(path);
        (void)rmdir(dir);
        berth_docker_engine_free(e);
        return r;
}

/* What the test leaves, whatever happened: the service, the swarm (forced), its network.
 * No ck_*. */
static void leave_swarm(void)
{
        bool active = false;

        if (!engine)
                return;
        (void)berth_docker_service_remove(engine, APP, NULL);
        if (berth_docker_swarm_mode(engine, NULL, &active, NULL) >= 0 && active)
                (void)berth_docker_swarm_leave(engine, true, NULL);
        (void)berth_docker_network_remove(engine, "docker_gwbridge", NULL);
}

static void setup(void)
{
        const char *extra[] = {
                "--docker-host", docker_host, "--src-facility", "demo", "--src-admin-token-file",
                token_file,      NULL
        };

        engine = engine_new();
        ck_assert_ptr_nonnull(engine);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_berthd_stop(&d);
        leave_swarm();
        if (engine)
                (void)berth_docker_image_remove(engine, ref, true, NULL);
        berth_docker_engine_free(engine);
        engine = NULL;
}

/* ---- helpers ------------------------------------------------------------------------- */

static void call(const char *method, const char *path, const char *const *headers, long want,
                 const char *needle, json_t **ret)
{
        struct test_reply r;

        test_http_headers(&d, method, path, NULL, headers, &r);
        ck_assert_msg(r.status == want, "%s %s: want %ld, got %ld: %s", method, path, want,
                      r.status, r.body ? r.body : "");
        if (want >= 400)
                test_assert_error(&r, want, needle);
        else if (needle)
                ck_assert_msg(r.body && strstr(r.body, needle), "%s %s: '%s' not in %s", method,
                              path, needle, r.body ? r.body : "");
        if (ret)
                *ret = json_incref(r.json);
        test_reply_done(&r);
}

static void post_ok(const char *path, const char *const *headers)
{
        json_t *j = NULL;

        call("POST", path, headers, 200, NULL, &j);
        ck_assert_msg(json_is_string(j) && streq(json_string_value(j), "Success"),
                      "POST %s: not \"Success\"", path);
        json_decref(j);
}

_printf_(1, 2) static char *path_of(const char *fmt, ...)
{
        va_list ap;
        int r;
        char *p = NULL;

        va_start(ap, fmt);
        r = vasprintf(&p, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(r, 0);
        return p;
}

static bool has_string(json_t *l, const char *s)
{
        json_t *x;
        size_t i;

        json_array_foreach (l, i, x)
                if (json_is_string(x) && streq(json_string_value(x), s))
                        return true;
        return false;
}

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

/* ---- the walk ------------------------------------------------------------------------ */

START_TEST(swarm_walk)
{
        const char *admin[] = { "token: " ADMIN_TOKEN, NULL };
        _cleanup_free_ char *p = NULL;
        struct berth_error err = {};
        json_t *j = NULL, *o = NULL, *labels;
        char host[256] = "";
        bool manager = false, active = false, running = false;
        const char *s;

        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert_msg(!active, "the private engine at %s is in a swarm already", docker_host);

        /* Solo mode while the engine is in no swarm: swarm verbs are 409 naming it. */
        call("GET", "/demo/get-node-names", NULL, 409, "solo mode", NULL);

        /* The node becomes a swarm manager while berthd runs: berthd sees it within a
         * second (it asks the engine at most once a second). */
        ck_assert_msg(berth_docker_swarm_init(engine, SWARM_ADDR, &err) == 0, "%s", err.msg);
        ck_assert_msg(berth_docker_swarm_mode(engine, &manager, &active, &err) == 0, "%s", err.msg);
        ck_assert(manager && active);
        usleep(1100000);

        call("GET", "/demo/get-node-names", NULL, 200, NULL, &j);
        ck_assert_msg(json_array_size(j) == 1 && has_string(j, host), "get-node-names: not [%s]",
                      host);
        json_decref(j), j = NULL;
        call("GET", "/demo/get-node-status", NULL, 200, "Leader", &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        o = json_array_get(j, 0);
        ck_assert_str_eq(json_string_value(json_object_get(o, "Hostname")), host);
        ck_assert_str_eq(json_string_value(json_object_get(o, "ManagerStatus")), "Leader");
        json_decref(j), j = NULL;
        free(p), p = path_of("/demo/get-node-info?hostname=%s", host);
        call("GET", p, NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        ck_assert(json_is_true(
                json_object_get(json_object_get(json_array_get(j, 0), "ManagerStatus"), "Leader")));
        json_decref(j), j = NULL;

        /* Solo verbs are 409 naming swarm mode; nothing exists yet. */
        call("POST", "/demo/start-app?name=" APP, NULL, 409, "swarm mode", NULL);
        call("POST", "/demo/delete-app?name=" APP, NULL, 409, "swarm mode", NULL);
        call("GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j), j = NULL;
        call("GET", "/demo/get-app-info?name=" APP, NULL, 404, APP, NULL);
        call("POST", "/demo/kill-app?name=" APP, NULL, 404, APP, NULL);
        call("GET", "/demo/get-app-status?name=bad..name", NULL, 422, NULL, NULL);

        /* Not approved: 403, no service. */
        free(p), p = path_of("/demo/create-app?image=%s&user=alice", ref);
        call("POST", p, NULL, 403, ref, NULL);
        ck_assert_int_eq(berth_docker_service_inspect(engine, APP, &j, &err), -ENOENT);

        free(p), p = path_of("/demo/request-image?image=%s", ref);
        post_ok(p, NULL);
        free(p), p = path_of("/demo/approve-image?image=%s", ref);
        post_ok(p, admin);

        /* create-app: a service of one replica, with the app's labels. */
        free(p), p = path_of("/demo/create-app?image=%s&user=alice", ref);
        post_ok(p, NULL);
        call("POST", p, NULL, 409, "already exists", NULL);
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
        for (int i = 0; i < 120 && !running; i++) {
                call("GET", "/demo/get-app-status?name=" APP, NULL, 200, NULL, &j);
                s = json_string_value(json_object_get(j, "State"));
                running = s && streq(s, "running");
                if (!running) {
                        json_decref(j), j = NULL;
                        usleep(500 * 1000);
                }
        }
        ck_assert_msg(running, "no task of %s runs after 60 s", APP);
        s = json_string_value(json_object_get(j, "Names"));
        ck_assert_msg(s && strncmp(s, APP ".", strlen(APP) + 1) == 0, "Names %s", s ? s : "-");
        ck_assert_msg(strstr(json_string_value(json_object_get(j, "Labels")) ?: "",
                             "io.berth.src.user=alice"),
                      "Labels of the task container");
        json_decref(j), j = NULL;
        ck_assert_uint_eq(app_containers(), 1);

        call("GET", "/demo/get-app-status", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        json_decref(j), j = NULL;
        call("GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert(json_array_size(j) == 1 && has_string(j, APP));
        json_decref(j), j = NULL;
        call("GET", "/demo/get-users", NULL, 200, NULL, &j);
        ck_assert(json_array_size(j) == 1 && has_string(j, "alice"));
        json_decref(j), j = NULL;
        call("GET", "/demo/get-app-stats?name=" APP, NULL, 200, NULL, &j);
        s = json_string_value(json_object_get(j, "CPUPerc"));
        ck_assert_msg(s && s[strlen(s) - 1] == '%', "CPUPerc %s", s ? s : "-");
        ck_assert_str_ne(json_string_value(json_object_get(j, "MemUsage")), "--");
        json_decref(j), j = NULL;
        call("GET", "/demo/get-app-info?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "Spec"), "Name")),
                         APP);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "ID")));
        json_decref(j), j = NULL;

        call("POST", "/demo/start-app?name=" APP, NULL, 409, "swarm mode", NULL);
        call("POST", "/demo/stop-app?name=" APP, NULL, 409, "swarm mode", NULL);

        /* kill-app: the service and its task container are gone. */
        post_ok("/demo/kill-app?name=" APP, NULL);
        ck_assert_int_eq(berth_docker_service_inspect(engine, APP, &j, &err), -ENOENT);
        ck_assert_uint_eq(app_containers(), 0);
        call("GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j), j = NULL;
        call("POST", "/demo/kill-app?name=" APP, NULL, 404, APP, NULL);

        /* Back to solo mode when the node leaves. */
        ck_assert_msg(berth_docker_swarm_leave(engine, true, &err) == 0, "%s", err.msg);
        usleep(1100000);
        call("GET", "/demo/get-node-names", NULL, 409, "solo mode", NULL);
}
END_TEST

static Suite *swarm_suite(void)
{
        Suite *s = suite_create("src-swarm");
        TCase *tc = tcase_create("swarm");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, swarm_walk);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int fd, r;

        test_require_root("test-priv-src-swarm");
        test_priv_begin("test-priv-src-swarm", "src-swarm");
        /* An engine of this program's own, not the suite's (see the top). */
        (void)unsetenv("BERTH_TEST_DOCKER_HOST");
        if (test_docker_host(docker_host, sizeof(docker_host)) < 0 ||
            test_docker_busybox_image(docker_host, BB_IMAGE) < 0) {
                fprintf(stderr, "test-priv-src-swarm: no docker engine\n");
                return getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;
        }
        if (test_registry(registry, sizeof(registry)) < 0) {
                fprintf(stderr, "test-priv-src-swarm: no registry (apt-get install "
                                "docker-registry)\n");
                return getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;
        }
        if (make_image() < 0)
                return 1;
        (void)snprintf(token_file, sizeof(token_file), "/var/tmp/bsrcsw-token-%d", (int)getpid());
        fd = open(token_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, ADMIN_TOKEN "\n", strlen(ADMIN_TOKEN) + 1) < 0)
                return 1;
        close(fd);
        r = test_priv_run(swarm_suite(), "test-priv-src-swarm", NULL, NULL);
        (void)unlink(token_file);
        return r;
}

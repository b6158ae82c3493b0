/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps door (seed 001) end to end, solo mode: a real berthd on the suite's real
 * dockerd and its real registry (contrib/dockerd.sh, contrib/registry.sh). An image made
 * from the busybox test image (CMD sleep) is pushed to the registry and removed from the
 * engine, so that request -> approve -> pull really pulls; then every solo verb with the
 * seed's URLs, checked against what the engine has. Bad names, users and images reach no
 * engine call. Each test removes what it made in the engine.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"
#include "harness.h"
#include "macro.h"

#define BB_IMAGE "berth-test/busybox:1"
#define ADMIN_TOKEN "src-admin-0123456789"
#define APP "sleeper--alice"

static char docker_host[300];
static char registry[64];
static char ref[256];        /* REGISTRY/srcPID/sleeper:1 */
static char token_file[128]; /* the admin token */
static struct test_berthd d;
static struct berth_engine *engine;

static void setup(void)
{
        const char *extra[] = { "--docker-host",
                                docker_host,
                                "--src-facility",
                                "demo",
                                "--src-facility",
                                "lab",
                                "--src-admin-token-file",
                                token_file,
                                NULL };

        engine = test_docker_engine(docker_host, "test-priv-src");
        ck_assert_ptr_nonnull(engine);
        test_berthd_start(&d, false, extra);
}

/* Every container of the door's facilities, and the pulled image. */
static void cleanup_engine(void)
{
        json_t *filters = json_pack("{s:[s]}", "label", "io.berth.src.facility");
        json_t *l = NULL, *c;
        size_t i;

        if (filters && berth_docker_containers(engine, filters, true, &l, NULL) >= 0)
                json_array_foreach (l, i, c) {
                        const char *id = json_string_value(json_object_get(c, "Id"));
                        json_t *ignored = NULL;
                        if (id && berth_docker_container_inspect(engine, id, &ignored, NULL) >= 0)
                                fprintf(stderr, "test-priv-src: left behind: %s\n", id);
                        json_decref(ignored);
                }
        json_decref(l);
        json_decref(filters);
        (void)berth_docker_image_remove(engine, ref, true, NULL);
}

static void teardown(void)
{
        if (d.pid > 0) {
                /* What a failed test left: through the door, which knows its objects. */
                (void)test_try(&d, "POST", "/demo/delete-app?name=" APP, NULL, NULL);
                (void)test_try(&d, "POST", "/lab/delete-app?name=" APP, NULL, NULL);
        }
        test_berthd_stop(&d);
        cleanup_engine();
        berth_docker_engine_free(engine);
        engine = NULL;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* The engine's state of a container, or NULL when there is none (a new string). */
static char *engine_state(const char *name, char **ret_id)
{
        json_t *j = NULL;
        char *s;
        int r = berth_docker_container_inspect(engine, name, &j, NULL);

        if (r == -ENOENT)
                return NULL;
        ck_assert_int_eq(r, 0);
        s = strdup(json_string_value(json_object_get(json_object_get(j, "State"), "Status")));
        if (ret_id)
                *ret_id = strdup(json_string_value(json_object_get(j, "Id")));
        json_decref(j);
        return s;
}

static void assert_state(const char *name, const char *want)
{
        _cleanup_free_ char *s = engine_state(name, NULL);

        ck_assert_msg(s && streq(s, want), "%s: engine says %s, want %s", name, s ? s : "(none)",
                      want);
}

static size_t count_src_containers(void)
{
        json_t *filters = json_pack("{s:[s]}", "label", "io.berth.src.facility");
        json_t *l = NULL;
        size_t n;

        ck_assert_int_ge(berth_docker_containers(engine, filters, true, &l, NULL), 0);
        n = json_array_size(l);
        json_decref(l);
        json_decref(filters);
        return n;
}

static bool image_there(void)
{
        json_t *j = NULL;
        int r = berth_docker_image_inspect(engine, ref, &j, NULL);

        json_decref(j);
        ck_assert(r == 0 || r == -ENOENT);
        return r == 0;
}

/* ---- tests ------------------------------------------------------------------------- */

START_TEST(facilities_and_outline)
{
        struct test_reply r;

        test_src_call(&d, "GET", "/nowhere/get-app-names", NULL, 404, "nowhere", NULL);
        test_src_call(&d, "GET", "/demo/no-such-verb", NULL, 404, "no-such-verb", NULL);
        test_src_call(&d, "GET", "/demo/start-app?name=a--b", NULL, 405, NULL, NULL);
        test_http_headers(&d, "GET", "/demo/", NULL, NULL, &r);
        ck_assert_status(&r, 200);
        ck_assert_msg(strstr(r.content_type, "text/plain"), "%s", r.content_type);
        ck_assert_ptr_nonnull(strstr(r.body, "/demo/create-app?image="));
        ck_assert_ptr_nonnull(strstr(r.body, "/demo/get-node-info?hostname="));
        test_reply_done(&r);
        test_src_call(&d, "GET", "/lab/", NULL, 200, "/lab/get-app-status", NULL);
        /* The swarm verbs on a node in no swarm: 409 naming the mode. */
        test_src_call(&d, "GET", "/demo/get-node-names", NULL, 409, "solo mode", NULL);
        test_src_call(&d, "GET", "/demo/get-node-status", NULL, 409, "solo mode", NULL);
        test_src_call(&d, "GET", "/demo/get-node-status?hostname=n1", NULL, 409, "solo mode", NULL);
        test_src_call(&d, "GET", "/demo/get-node-info?hostname=n1", NULL, 409, "solo mode", NULL);
}
END_TEST

START_TEST(images_and_bad_input)
{
        _cleanup_free_ char *p = NULL;
        const char *wrong[] = { "token: not-the-admin", NULL };
        const char *bearer[] = { "Authorization: Bearer " ADMIN_TOKEN, NULL };
        json_t *l = NULL, *o;
        size_t i;
        bool found = false;

        ck_assert(!image_there());
        /* Not approved: 403 naming it, nothing made. */
        free(p), p = test_src_path("/demo/create-app?image=%s&user=alice", ref);
        test_src_call(&d, "POST", p, NULL, 403, ref, NULL);
        free(p), p = test_src_path("/demo/request-image?image=%s", ref);
        test_src_post_ok(&d, p, NULL);
        test_src_call(&d, "GET", "/demo/get-image-requests", NULL, 200, NULL, &l);
        json_array_foreach (l, i, o)
                if (streq(json_string_value(json_object_get(o, "image")), ref)) {
                        found = true;
                        ck_assert(json_is_false(json_object_get(o, "approved")));
                        ck_assert_int_eq(json_integer_value(json_object_get(o, "requests")), 1);
                }
        ck_assert(found);
        json_decref(l);
        /* Approval needs the admin token: nothing is pulled without it. */
        free(p), p = test_src_path("/demo/approve-image?image=%s", ref);
        test_src_call(&d, "POST", p, NULL, 401, "admin token", NULL);
        test_src_call(&d, "POST", p, wrong, 403, "admin token", NULL);
        ck_assert(!image_there());
        test_src_call(&d, "POST", p, bearer, 200, "Success", NULL);
        ck_assert_msg(image_there(), "approve-image did not pull %s", ref);
        test_src_call(&d, "GET", "/demo/get-image-requests", NULL, 200, NULL, &l);
        found = false;
        json_array_foreach (l, i, o)
                if (streq(json_string_value(json_object_get(o, "image")), ref)) {
                        found = true;
                        ck_assert(json_is_true(json_object_get(o, "approved")));
                        ck_assert_str_eq(json_string_value(json_object_get(o, "approved_by")),
                                         "admin");
                }
        ck_assert(found);
        json_decref(l);

        /* Shell metacharacters and broken rules: 422 quoting the rule, no engine call. */
        free(p), p = test_src_path("/demo/create-app?image=%s&user=a%%3Brm%%20-rf%%20%%2F", ref);
        test_src_call(&d, "POST", p, NULL, 422, "cannot have double dashes", NULL);
        free(p), p = test_src_path("/demo/create-app?image=%s&user=a--b", ref);
        test_src_call(&d, "POST", p, NULL, 422, "double dashes", NULL);
        free(p), p = test_src_path("/demo/create-app?image=%s&user=-x", ref);
        test_src_call(&d, "POST", p, NULL, 422, "start with a dash", NULL);
        test_src_call(&d, "POST", "/demo/create-app?image=%24(id)&user=bob", NULL, 422, NULL, NULL);
        test_src_call(&d, "POST", "/demo/create-app?image=busybox%60id%60&user=bob", NULL, 422,
                      NULL, NULL);
        test_src_call(&d, "POST", "/demo/create-app?user=bob", NULL, 422, "image", NULL);
        test_src_call(&d, "POST", "/demo/start-app?name=x%3By--bob", NULL, 422, NULL, NULL);
        test_src_call(&d, "POST", "/demo/start-app?name=nodashes", NULL, 422, NULL, NULL);
        test_src_call(&d, "POST", "/demo/request-image?image=a%7Cb", NULL, 422, NULL, NULL);
        test_src_call(&d, "POST", "/demo/approve-image?image=a%26%26b", bearer, 422, NULL, NULL);
        test_src_call(&d, "POST", "/demo/create-app?image=x&user=bob&extra=1", NULL, 422, "extra",
                      NULL);
        ck_assert_uint_eq(count_src_containers(), 0);
        /* An unknown app: 404 naming it. */
        test_src_call(&d, "POST", "/demo/start-app?name=ghost--bob", NULL, 404, "ghost--bob", NULL);
        test_src_call(&d, "GET", "/demo/get-app-status?name=ghost--bob", NULL, 404, "ghost--bob",
                      NULL);
        test_src_call(&d, "GET", "/demo/get-app-info?name=ghost--bob", NULL, 404, "ghost--bob",
                      NULL);
}
END_TEST

START_TEST(solo_walk)
{
        _cleanup_free_ char *p = NULL, *id1 = NULL, *id2 = NULL, *st = NULL;
        const char *bearer[] = { "token: " ADMIN_TOKEN, NULL };
        json_t *j = NULL, *o;
        size_t i;
        bool found = false;

        free(p), p = test_src_path("/demo/approve-image?image=%s", ref);
        test_src_call(&d, "POST", p, bearer, 200, "Success", NULL);
        free(p), p = test_src_path("/demo/create-app?image=%s&user=alice", ref);
        test_src_post_ok(&d, p, NULL);
        test_src_call(&d, "POST", p, NULL, 409, APP, NULL);
        /* Created, not started, with the labels. */
        st = engine_state(APP, &id1);
        ck_assert_msg(st && streq(st, "created"), "%s", st ? st : "(none)");
        ck_assert_int_eq(berth_docker_container_inspect(engine, APP, &j, NULL), 0);
        o = json_object_get(json_object_get(j, "Config"), "Labels");
        ck_assert_str_eq(json_string_value(json_object_get(o, "io.berth.src.facility")), "demo");
        ck_assert_str_eq(json_string_value(json_object_get(o, "io.berth.src.image")), ref);
        ck_assert_str_eq(json_string_value(json_object_get(o, "io.berth.src.user")), "alice");
        json_decref(j);

        test_src_call(&d, "GET", "/demo/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        ck_assert_str_eq(json_string_value(json_array_get(j, 0)), APP);
        json_decref(j);
        test_src_call(&d, "GET", "/demo/get-users", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 1);
        ck_assert_str_eq(json_string_value(json_array_get(j, 0)), "alice");
        json_decref(j);
        /* Another facility does not see it. */
        test_src_call(&d, "GET", "/lab/get-app-names", NULL, 200, NULL, &j);
        ck_assert_uint_eq(json_array_size(j), 0);
        json_decref(j);
        test_src_call(&d, "POST", "/lab/start-app?name=" APP, NULL, 404, APP, NULL);

        test_src_post_ok(&d, "/demo/start-app?name=" APP, NULL);
        assert_state(APP, "running");
        test_src_call(&d, "GET", "/demo/get-app-status?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "running");
        ck_assert_msg(strncmp(json_string_value(json_object_get(j, "Status")), "Up", 2) == 0, "%s",
                      json_string_value(json_object_get(j, "Status")));
        ck_assert_str_eq(json_string_value(json_object_get(j, "Names")), APP);
        json_decref(j);
        test_src_call(&d, "GET", "/demo/get-app-status", NULL, 200, NULL, &j);
        ck_assert(json_is_array(j) && json_array_size(j) == 1);
        json_decref(j);

        test_src_post_ok(&d, "/demo/pause-app?name=" APP, NULL);
        assert_state(APP, "paused");
        test_src_call(&d, "POST", "/demo/start-app?name=" APP, NULL, 409, "paused", NULL);
        test_src_call(&d, "POST", "/demo/pause-app?name=" APP, NULL, 409, APP, NULL);
        test_src_post_ok(&d, "/demo/unpause-app?name=" APP, NULL);
        assert_state(APP, "running");
        test_src_call(&d, "POST", "/demo/unpause-app?name=" APP, NULL, 409, APP, NULL);
        test_src_post_ok(&d, "/demo/restart-app?name=" APP, NULL);
        assert_state(APP, "running");
        test_src_post_ok(&d, "/demo/stop-app?name=" APP, NULL);
        assert_state(APP, "exited");
        test_src_call(&d, "POST", "/demo/kill-app?name=" APP, NULL, 409, APP, NULL);
        test_src_post_ok(&d, "/demo/start-app?name=" APP, NULL);
        test_src_post_ok(&d, "/demo/kill-app?name=" APP, NULL);
        assert_state(APP, "exited");
        test_src_call(&d, "GET", "/demo/get-app-status?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "State")), "exited");
        json_decref(j);

        test_src_call(&d, "GET", "/demo/get-app-info?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "Id")), id1);
        json_decref(j);
        test_src_call(&d, "GET", "/demo/get-app-stats?name=" APP, NULL, 200, NULL, &j);
        ck_assert_str_eq(json_string_value(json_object_get(j, "Container")), APP);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "MemUsage")));
        json_decref(j);

        test_src_call(&d, "GET", "/demo/get-images", NULL, 200, NULL, &j);
        json_array_foreach (j, i, o) {
                char repo[256];
                (void)snprintf(repo, sizeof(repo), "%.*s", (int)(strlen(ref) - 2), ref);
                if (streq(json_string_value(json_object_get(o, "Repository")), repo) &&
                    streq(json_string_value(json_object_get(o, "Tag")), "1")) {
                        found = true;
                        ck_assert_int_eq(
                                json_integer_value(json_object_get(o, "CreatedContainerCount")), 1);
                }
        }
        ck_assert_msg(found, "%s not in get-images", ref);
        json_decref(j);

        /* Hard reset: a new container from the same image, created. */
        test_src_post_ok(&d, "/demo/start-app?name=" APP, NULL);
        test_src_post_ok(&d, "/demo/hard-reset-app?name=" APP, NULL);
        free(st), st = engine_state(APP, &id2);
        ck_assert_msg(st && streq(st, "created"), "%s", st ? st : "(none)");
        ck_assert_str_ne(id1, id2);

        test_src_post_ok(&d, "/demo/delete-app?name=" APP, NULL);
        free(st), st = engine_state(APP, NULL);
        ck_assert_ptr_null(st);
        test_src_call(&d, "POST", "/demo/delete-app?name=" APP, NULL, 404, APP, NULL);
        ck_assert_uint_eq(count_src_containers(), 0);
}
END_TEST

static Suite *src_suite(void)
{
        Suite *s = suite_create("src");
        TCase *tc = test_tcase(s, "solo", setup, teardown, 240);

        tcase_add_test(tc, facilities_and_outline);
        tcase_add_test(tc, images_and_bad_input);
        tcase_add_test(tc, solo_walk);
        return s;
}

int main(void)
{
        int r;

        test_require_root("test-priv-src");
        test_priv_begin("test-priv-src", "src");
        r = test_docker_need("test-priv-src", docker_host, sizeof(docker_host), BB_IMAGE, registry,
                             sizeof(registry));
        if (r != 0)
                return r;
        /* The sleeper image in the registry, and not in the engine. */
        (void)snprintf(ref, sizeof(ref), "%s/src%d/sleeper:1", registry, (int)getpid());
        if (test_src_image("test-priv-src", docker_host, BB_IMAGE, ref, true) < 0 ||
            test_src_file(token_file, sizeof(token_file), "bsrc-token", ADMIN_TOKEN) < 0)
                return 1;
        r = test_priv_run(src_suite(), "test-priv-src", NULL, NULL);
        (void)unlink(token_file);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC door's uptime from the engine's events (issue 15), end to end on the suite's
 * real dockerd: an app started, stopped for over a minute, started again; the
 * intervals show exactly that stop (to the engine's own StartedAt / FinishedAt, not the
 * test's clock) and the summary's points inside it are false. Then berthd is SIGKILLed,
 * the app is stopped behind its back through the engine's socket (libcurl, not the
 * door), berthd starts again and its catch-up from the bookmark records that stop.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "error.h"
#include "harness.h"
#include "macro.h"

#define BB_IMAGE "berth-test/busybox:1"
#define APP "upsleeper--bob"
/* Event times and the engine's State times are taken apart by a few ms. */
#define SLACK 0.5

static char docker_host[300];
static char socket_path[300];
static char ref[128];          /* berth-test/upsleeper:1, local only */
static char allowed_file[128]; /* the allow-list with ref */
static struct test_berthd d;
static struct berth_engine *engine;
static const char *extra[10];

static int make_image(void)
{
        struct berth_error err = {};
        struct berth_engine *e = NULL;
        char dir[] = "/var/tmp/bsrcu-XXXXXX", path[300];
        FILE *f;
        int r;

        if (berth_docker_engine_new(NULL,
                                    &(struct berth_docker_config){
                                            .host = docker_host, .owner = "test-priv-src-uptime" },
                                    &e, &err) < 0 ||
            !mkdtemp(dir))
                return -1;
        (void)snprintf(path, sizeof(path), "%s/Dockerfile", dir);
        f = fopen(path, "we");
        if (!f)
                return -1;
        fprintf(f, "FROM %s\nCMD [\"sleep\", \"3600\"]\n", BB_IMAGE);
        fclose(f);
        (void)snprintf(ref, sizeof(ref), "berth-test/upsleeper:1");
        r = berth_docker_build(e, dir, NULL, ref, NULL, NULL, &err);
        if (r < 0)
                fprintf(stderr, "test-priv-src-uptime: image %s: %s\n", ref, err.msg);
        (void)unlink(path);
        (void)rmdir(dir);
        berth_docker_engine_free(e);
        return r;
}

static void setup(void)
{
        struct berth_error err = {};
        size_t n = 0;

        ck_assert_msg(berth_docker_engine_new(NULL,
                                              &(struct berth_docker_config){
                                                      .host = docker_host,
                                                      .owner = "test-priv-src-uptime",
                                              },
                                              &engine, &err) >= 0,
                      "%s", err.msg);
        extra[n++] = "--docker-host";
        extra[n++] = docker_host;
        extra[n++] = "--src-facility";
        extra[n++] = "demo";
        extra[n++] = "--src-allowed-images";
        extra[n++] = allowed_file;
        extra[n++] = "--src-uptime-keep";
        extra[n++] = "30d";
        extra[n] = NULL;
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        if (d.pid > 0)
                (void)test_try(&d, "POST", "/demo/delete-app?name=" APP, NULL, NULL);
        test_berthd_stop(&d);
        {
                json_t *j = NULL;
                if (berth_docker_container_inspect(engine, APP, &j, NULL) >= 0)
                        fprintf(stderr, "test-priv-src-uptime: %s left behind\n", APP);
                json_decref(j);
        }
        berth_docker_engine_free(engine);
        engine = NULL;
}

/* ---- helpers ------------------------------------------------------------------------- */

static json_t *get(const char *path, long want, const char *needle)
{
        struct test_reply r;
        json_t *j;

        test_http_headers(&d, "GET", path, NULL, NULL, &r);
        ck_assert_msg(r.status == want, "GET %s: want %ld, got %ld: %s", path, want, r.status,
                      r.body ? r.body : "");
        if (want >= 400)
                test_assert_error(&r, want, needle);
        j = json_incref(r.json);
        test_reply_done(&r);
        return j;
}

static void post_ok(const char *path)
{
        struct test_reply r;

        test_http_headers(&d, "POST", path, NULL, NULL, &r);
        ck_assert_msg(r.status == 200, "POST %s: %ld: %s", path, r.status, r.body ? r.body : "");
        test_reply_done(&r);
}

/* "2024-01-02T03:04:05[.123456789]" (UTC, Z or not) in seconds. */
static double parse_iso(const char *s)
{
        struct tm tm = {};
        const char *p;
        double frac = 0;

        ck_assert_ptr_nonnull(s);
        p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        ck_assert_msg(p, "not a time: %s", s);
        if (*p == '.')
                frac = strtod(p, NULL);
        return (double)timegm(&tm) + frac;
}

/* The engine's State.StartedAt and State.FinishedAt of the app. */
static void engine_times(double *started, double *finished)
{
        json_t *j = NULL, *st;

        ck_assert_int_eq(berth_docker_container_inspect(engine, APP, &j, NULL), 0);
        st = json_object_get(j, "State");
        *started = parse_iso(json_string_value(json_object_get(st, "StartedAt")));
        *finished = parse_iso(json_string_value(json_object_get(st, "FinishedAt")));
        json_decref(j);
}

static json_t *intervals(void)
{
        json_t *j = get("/demo/get-uptime-summary?name=" APP "&duration=hour&format=intervals", 200,
                        NULL);
        json_t *l = json_object_get(j, "intervals");

        ck_assert_msg(json_is_array(l), "no intervals");
        json_incref(l);
        json_decref(j);
        return l;
}

static void assert_near(double got, double want, const char *what)
{
        ck_assert_msg(fabs(got - want) <= SLACK, "%s: %.3f, the engine says %.3f", what, got, want);
}

static double iv(json_t *l, size_t i, const char *key)
{
        return parse_iso(json_string_value(json_object_get(json_array_get(l, i), key)));
}

/* Wait (up to 10 s) for n intervals, the last one closed when closed. */
static json_t *wait_intervals(size_t n, bool closed)
{
        for (int i = 0; i < 100; i++) {
                json_t *l = intervals();
                json_t *last = json_array_get(l, json_array_size(l) - 1);

                if (json_array_size(l) == n &&
                    json_is_true(json_object_get(last, "open")) == !closed)
                        return l;
                json_decref(l);
                usleep(100 * 1000);
        }
        ck_abort_msg("the intervals never showed %zu intervals, the last %s", n,
                     closed ? "closed" : "open");
        return NULL;
}

static size_t curl_sink(char *p, size_t sz, size_t n, void *ud)
{
        (void)p, (void)ud;
        return sz * n;
}

/* POST /containers/APP/stop on the engine's socket: berthd knows nothing of it. */
static void stop_behind_its_back(void)
{
        CURL *c = curl_easy_init();
        long status = 0;

        ck_assert_ptr_nonnull(c);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path);
        curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v1.41/containers/" APP "/stop?t=1");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_sink);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        ck_assert_int_eq(status, 204);
}

/* ---- the test ---------------------------------------------------------------------- */

START_TEST(uptime_from_events)
{
        char path[400];
        double started1, stopped1, started2, finished;
        const char *key;
        json_t *j, *l, *v;
        int inside = 0;

        (void)snprintf(path, sizeof(path), "/demo/create-app?image=%s&user=bob", ref);
        post_ok(path);
        /* Bad input: 422 listing the durations, 404 naming the app. */
        j = get("/demo/get-uptime-summary?name=" APP "&duration=year", 422, "hour, day, week");
        json_decref(j);
        j = get("/demo/get-uptime-summary?name=nosuch--app&duration=hour", 404, "nosuch--app");
        json_decref(j);
        j = get("/demo/get-uptime-summary?name=" APP "&duration=hour&format=xml", 422, "format");
        json_decref(j);

        post_ok("/demo/start-app?name=" APP);
        engine_times(&started1, &finished);
        l = wait_intervals(1, false);
        assert_near(iv(l, 0, "start"), started1, "first start");
        json_decref(l);

        /* Stopped for over a minute: a point of the hour's summary is inside. */
        post_ok("/demo/stop-app?name=" APP);
        engine_times(&started1, &stopped1);
        while ((double)time(NULL) < stopped1 + 62)
                usleep(200 * 1000);
        post_ok("/demo/start-app?name=" APP);
        engine_times(&started2, &finished);
        ck_assert_double_eq(finished, stopped1); /* the engine's view of that stop */
        ck_assert(started2 > stopped1 + 61);

        l = wait_intervals(2, false);
        assert_near(iv(l, 0, "start"), started1, "first start");
        assert_near(iv(l, 0, "end"), stopped1, "the stop");
        assert_near(iv(l, 1, "start"), started2, "the second start");
        json_decref(l);

        /* The summary's points (a minute apart, from now back): false inside the stop,
         * true inside the runs, at least one inside the stop. */
        sleep(2);
        j = get("/demo/get-uptime-summary?name=" APP "&duration=hour", 200, NULL);
        ck_assert_uint_eq(json_object_size(j), 61);
        json_object_foreach (j, key, v) {
                double at = parse_iso(key);

                ck_assert_msg(json_is_boolean(v), "%s: not a boolean", key);
                if (at > stopped1 + SLACK && at < started2 - SLACK) {
                        inside++;
                        ck_assert_msg(json_is_false(v), "%s: not false inside the stop", key);
                } else if ((at > started1 + SLACK && at < stopped1 - SLACK) ||
                           at > started2 + SLACK)
                        ck_assert_msg(json_is_true(v), "%s: not true while running", key);
                else if (at < started1 - SLACK)
                        ck_assert_msg(json_is_false(v), "%s: not false before the start", key);
        }
        ck_assert_int_ge(inside, 1);
        json_decref(j);

        /* berthd gone; the app stopped behind its back; berthd back: the catch-up. */
        test_berthd_crash(&d);
        stop_behind_its_back();
        engine_times(&started2, &finished);
        ck_assert(finished > started2);
        test_berthd_spawn(&d, false, extra);
        l = wait_intervals(2, true);
        assert_near(iv(l, 0, "end"), stopped1, "the stop");
        assert_near(iv(l, 1, "start"), started2, "the second start");
        assert_near(iv(l, 1, "end"), finished, "the stop while berthd was down");
        json_decref(l);

        post_ok("/demo/delete-app?name=" APP);
}
END_TEST

static Suite *uptime_suite(void)
{
        Suite *s = suite_create("src-uptime");
        TCase *tc = tcase_create("uptime");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, uptime_from_events);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        struct berth_engine *e = NULL;
        int fd, r;

        test_require_root("test-priv-src-uptime");
        test_priv_begin("test-priv-src-uptime", "src");
        if (test_docker_host(docker_host, sizeof(docker_host)) < 0 ||
            test_docker_busybox_image(docker_host, BB_IMAGE) < 0) {
                fprintf(stderr, "test-priv-src-uptime: no docker engine\n");
                return getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;
        }
        (void)snprintf(socket_path, sizeof(socket_path), "%s",
                       strncmp(docker_host, "unix://", 7) == 0 ? docker_host + 7 : docker_host);
        if (make_image() < 0)
                return 1;
        (void)snprintf(allowed_file, sizeof(allowed_file), "/var/tmp/bsrcu-allowed-%d",
                       (int)getpid());
        fd = open(allowed_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || dprintf(fd, "%s\n", ref) < 0)
                return 1;
        close(fd);
        r = test_priv_run(uptime_suite(), "test-priv-src-uptime", NULL, NULL);
        (void)unlink(allowed_file);
        if (berth_docker_engine_new(NULL,
                                    &(struct berth_docker_config){
                                            .host = docker_host, .owner = "test-priv-src-uptime" },
                                    &e, NULL) >= 0)
                (void)berth_docker_image_remove(e, ref, true, NULL);
        berth_docker_engine_free(e);
        return r;
}

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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
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

static void setup(void)
{
        size_t n = 0;

        engine = test_docker_engine(docker_host, "test-priv-src-uptime");
        ck_assert_ptr_nonnull(engine);
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
        json_t *j = NULL, *l;

        test_src_call(&d, "GET",
                      "/demo/get-uptime-summary?name=" APP "&duration=hour&format=intervals", NULL,
                      200, NULL, &j);
        l = json_object_get(j, "intervals");
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
        test_src_post_ok(&d, path, NULL);
        /* Bad input: 422 listing the durations, 404 naming the app. */
        test_src_call(&d, "GET", "/demo/get-uptime-summary?name=" APP "&duration=year", NULL, 422,
                      "hour, day, week", NULL);
        test_src_call(&d, "GET", "/demo/get-uptime-summary?name=nosuch--app&duration=hour", NULL,
                      404, "nosuch--app", NULL);
        test_src_call(&d, "GET", "/demo/get-uptime-summary?name=" APP "&duration=hour&format=xml",
                      NULL, 422, "format", NULL);

        test_src_post_ok(&d, "/demo/start-app?name=" APP, NULL);
        engine_times(&started1, &finished);
        l = wait_intervals(1, false);
        assert_near(iv(l, 0, "start"), started1, "first start");
        json_decref(l);

        /* Stopped for over a minute: a point of the hour's summary is inside. */
        test_src_post_ok(&d, "/demo/stop-app?name=" APP, NULL);
        engine_times(&started1, &stopped1);
        while ((double)time(NULL) < stopped1 + 62)
                usleep(200 * 1000);
        test_src_post_ok(&d, "/demo/start-app?name=" APP, NULL);
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
        test_src_call(&d, "GET", "/demo/get-uptime-summary?name=" APP "&duration=hour", NULL, 200,
                      NULL, &j);
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

        test_src_post_ok(&d, "/demo/delete-app?name=" APP, NULL);
}
END_TEST

static Suite *uptime_suite(void)
{
        Suite *s = suite_create("src-uptime");

        tcase_add_test(test_tcase(s, "uptime", setup, teardown, 240), uptime_from_events);
        return s;
}

int main(void)
{
        struct berth_engine *e;
        int r;

        test_require_root("test-priv-src-uptime");
        test_priv_begin("test-priv-src-uptime", "src");
        r = test_docker_need("test-priv-src-uptime", docker_host, sizeof(docker_host), BB_IMAGE,
                             NULL, 0);
        if (r != 0)
                return r;
        (void)snprintf(socket_path, sizeof(socket_path), "%s",
                       strncmp(docker_host, "unix://", 7) == 0 ? docker_host + 7 : docker_host);
        /* The sleeper image, local only: allowed by the list, so no approval is needed. */
        (void)snprintf(ref, sizeof(ref), "berth-test/upsleeper:1");
        if (test_src_image("test-priv-src-uptime", docker_host, BB_IMAGE, ref, false) < 0 ||
            test_src_file(allowed_file, sizeof(allowed_file), "bsrcu-allowed", ref) < 0)
                return 1;
        r = test_priv_run(uptime_suite(), "test-priv-src-uptime", NULL, NULL);
        (void)unlink(allowed_file);
        e = test_docker_engine(docker_host, "test-priv-src-uptime");
        if (e)
                (void)berth_docker_image_remove(e, ref, true, NULL);
        berth_docker_engine_free(e);
        return r;
}

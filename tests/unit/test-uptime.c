/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC apps' uptime history (src/api/srcapp/uptime.c) on a SQLite file in a temporary
 * directory: an app stopped for a known interval in the summary, the intervals and the
 * percentage; changes exactly on a sample point; out-of-order and replayed records;
 * reopening the database (same answers, the bookmark kept); pruning that keeps the state
 * at the window's start; each duration's step and number of points; bad input. Fixed
 * `now` values, no sleeping, no root.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "harness.h"
#include "macro.h"
#include "uptime.h"

/* 2023-06-20T14:00:00Z, a few minutes after the seed's example. */
#define T0 1687269600.0
#define APP "busybox--alice"

static char base[512];
static char dbpath[600];
static struct src_uptime *u;

static void base_setup(void)
{
        const char *t = getenv("TMPDIR");

        (void)snprintf(base, sizeof(base), "%s/berth-test-uptime-XXXXXX", t && *t ? t : "/tmp");
        ck_assert_msg(mkdtemp(base), "mkdtemp '%s': %m", base);
}

static void base_teardown(void)
{
        test_rm_rf(base);
        base[0] = 0;
}

static void db_setup(void)
{
        struct berth_error err = {};
        char dir[560];
        int r;

        (void)snprintf(dir, sizeof(dir), "%s/t-XXXXXX", base);
        ck_assert_msg(mkdtemp(dir), "mkdtemp '%s': %m", dir);
        (void)snprintf(dbpath, sizeof(dbpath), "%s/src.db", dir);
        r = src_uptime_open(dbpath, &u, &err);
        ck_assert_msg(r == 0, "open %s: %d %s", dbpath, r, err.msg);
}

static void db_teardown(void)
{
        u = src_uptime_free(u);
}

static void reopen(void)
{
        struct berth_error err = {};

        u = src_uptime_free(u);
        ck_assert_int_eq(src_uptime_open(dbpath, &u, &err), 0);
}

static void record(const char *app, double t, bool running, const char *event, int want)
{
        struct berth_error err = {};
        int r = src_uptime_record(u, app, t, running, event, &err);

        ck_assert_msg(r == want, "record %s %.3f %d: %d (want %d) %s", app, t, running, r, want,
                      err.msg);
}

/* The test's own UTC formatting and parsing of the seed's keys. */
static void iso(double t, char *buf, size_t size)
{
        time_t s = (time_t)t;
        struct tm tm;

        ck_assert(gmtime_r(&s, &tm));
        ck_assert(strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) == 19);
}

static double parse_iso(const char *s)
{
        struct tm tm = {};
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

        ck_assert_msg(end && (*end == 0 || *end == '.'), "not an ISO time: '%s'", s);
        return (double)timegm(&tm) + (*end == '.' ? atof(end) : 0);
}

static json_t *summary(const char *app, const char *duration, double now)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = src_uptime_summary(u, app, duration, now, &j, &err);

        ck_assert_msg(r == 0, "summary %s %s: %d %s", app, duration, r, err.msg);
        ck_assert(json_is_object(j));
        return j;
}

static json_t *intervals(const char *app, const char *duration, double now)
{
        struct berth_error err = {};
        json_t *j = NULL;
        int r = src_uptime_intervals(u, app, duration, now, &j, &err);

        ck_assert_msg(r == 0, "intervals %s %s: %d %s", app, duration, r, err.msg);
        ck_assert(json_is_object(j));
        return j;
}

/* Each point of a summary against the state the test expects at that instant. */
static void assert_summary(json_t *map, double first, double step, int points,
                           bool (*expect)(double at))
{
        int n = 0;

        ck_assert_int_eq((int)json_object_size(map), points);
        for (int k = 0; k < points; k++) {
                double at = first + k * step;
                char key[32];
                json_t *v;

                iso(at, key, sizeof(key));
                v = json_object_get(map, key);
                ck_assert_msg(json_is_boolean(v), "no point %s", key);
                ck_assert_msg(json_is_true(v) == expect(at), "point %s is %s", key,
                              json_is_true(v) ? "true" : "false");
                n++;
        }
        ck_assert_int_eq(n, points);
}

/* ---- an app stopped for a known interval ------------------------------------------ */

/* Running since two hours before T0; died at T0 - 1799.5, started again at T0 - 1199.75. */
#define DIE (T0 - 1799.5)
#define RESTART (T0 - 1199.75)

static bool expect_stop(double at)
{
        return !(at >= DIE && at < RESTART);
}

static void record_stop(const char *app)
{
        record(app, T0 - 7200, true, "start", 1);
        record(app, DIE, false, "die", 1);
        record(app, RESTART, true, "start", 1);
}

START_TEST(test_stop_summary)
{
        json_auto_t *j = NULL;
        const char *key;
        json_t *v;
        int nfalse = 0;

        record_stop(APP);
        j = summary(APP, "hour", T0);
        assert_summary(j, T0 - 3600, 60, 61, expect_stop);
        /* The seed's key format, exactly, and the window's ends. */
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T13:00:00")));
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T14:00:00")));
        /* Points 13:31 … 13:40 are inside the stop: ten of them. */
        json_object_foreach (j, key, v) {
                ck_assert_int_eq((int)strlen(key), 19);
                if (json_is_false(v)) {
                        double at = parse_iso(key);
                        ck_assert(at > DIE && at < RESTART);
                        nfalse++;
                }
        }
        ck_assert_int_eq(nfalse, 10);
        ck_assert(json_is_false(json_object_get(j, "2023-06-20T13:31:00")));
        ck_assert(json_is_false(json_object_get(j, "2023-06-20T13:40:00")));
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T13:30:00")));
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T13:41:00")));
}
END_TEST

START_TEST(test_stop_intervals)
{
        json_auto_t *j = NULL;
        json_t *list, *a, *b;

        record_stop(APP);
        j = intervals(APP, "hour", T0);
        ck_assert_str_eq(json_string_value(json_object_get(j, "from")), "2023-06-20T13:00:00.000");
        ck_assert_str_eq(json_string_value(json_object_get(j, "to")), "2023-06-20T14:00:00.000");
        list = json_object_get(j, "intervals");
        ck_assert_int_eq((int)json_array_size(list), 2);
        a = json_array_get(list, 0);
        b = json_array_get(list, 1);
        /* Clipped to the window's start; the stop's sub-second times kept. */
        ck_assert_str_eq(json_string_value(json_object_get(a, "start")), "2023-06-20T13:00:00.000");
        ck_assert_str_eq(json_string_value(json_object_get(a, "end")), "2023-06-20T13:30:00.500");
        ck_assert(!json_object_get(a, "open"));
        ck_assert(json_real_value(json_object_get(a, "seconds")) == DIE - (T0 - 3600));
        ck_assert_str_eq(json_string_value(json_object_get(b, "start")), "2023-06-20T13:40:00.250");
        ck_assert_str_eq(json_string_value(json_object_get(b, "end")), "2023-06-20T14:00:00.000");
        ck_assert(json_is_true(json_object_get(b, "open")));
        ck_assert(json_real_value(json_object_get(b, "seconds")) == T0 - RESTART);
        /* (1800.5 + 1199.75) / 3600 = 83.3402…% */
        ck_assert_double_eq_tol(json_real_value(json_object_get(j, "uptime_percent")), 83.34, 1e-9);
        ck_assert(parse_iso(json_string_value(json_object_get(a, "end"))) == DIE);
}
END_TEST

START_TEST(test_intervals_edges)
{
        json_auto_t *never = NULL, *always = NULL, *gone = NULL;
        json_t *list;

        /* Known but never running in the window: no interval, 0%. */
        record("never--bob", T0 - 10, false, "create", 1);
        never = intervals("never--bob", "hour", T0);
        ck_assert_int_eq((int)json_array_size(json_object_get(never, "intervals")), 0);
        ck_assert(json_real_value(json_object_get(never, "uptime_percent")) == 0);

        /* Running since before the window: one open interval over all of it, 100%. */
        record("always--bob", T0 - 86400 * 3, true, "start", 1);
        always = intervals("always--bob", "day", T0);
        list = json_object_get(always, "intervals");
        ck_assert_int_eq((int)json_array_size(list), 1);
        ck_assert(json_is_true(json_object_get(json_array_get(list, 0), "open")));
        ck_assert(json_real_value(json_object_get(always, "uptime_percent")) == 100);

        /* Stopped before the window: nothing; a restart (start after start) is one run. */
        record("gone--bob", T0 - 7200, true, "start", 1);
        record("gone--bob", T0 - 5000, true, "restart", 1);
        record("gone--bob", T0 - 4000, false, "die", 1);
        gone = intervals("gone--bob", "hour", T0);
        ck_assert_int_eq((int)json_array_size(json_object_get(gone, "intervals")), 0);
        json_decref(gone);
        gone = intervals("gone--bob", "day", T0);
        list = json_object_get(gone, "intervals");
        ck_assert_int_eq((int)json_array_size(list), 1);
        ck_assert(json_real_value(json_object_get(json_array_get(list, 0), "seconds")) == 3200);
}
END_TEST

/* ---- changes exactly on a sample point -------------------------------------------- */

static bool expect_boundary(double at)
{
        /* Died at a point (that point is false), started at a later point (true). */
        return at < T0 - 1800 || at >= T0 - 1200;
}

START_TEST(test_boundaries)
{
        json_auto_t *j = NULL, *k = NULL, *late = NULL;

        record(APP, T0 - 3600, true, "start", 1); /* exactly the first point */
        record(APP, T0 - 1800, false, "die", 1);
        record(APP, T0 - 1200, true, "start", 1);
        j = summary(APP, "hour", T0);
        assert_summary(j, T0 - 3600, 60, 61, expect_boundary);
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T13:00:00")));
        ck_assert(json_is_false(json_object_get(j, "2023-06-20T13:30:00")));
        ck_assert(json_is_true(json_object_get(j, "2023-06-20T13:40:00")));

        /* Before the first record, false; a change at now counts for the last point. */
        record("late--bob", T0, true, "start", 1);
        late = summary("late--bob", "hour", T0);
        ck_assert(json_is_true(json_object_get(late, "2023-06-20T14:00:00")));
        ck_assert(json_is_false(json_object_get(late, "2023-06-20T13:59:00")));
        ck_assert(json_is_false(json_object_get(late, "2023-06-20T13:00:00")));

        /* A change a hair after a point is not seen at it. */
        record("hair--bob", T0 - 60 + 0.001, true, "start", 1);
        k = summary("hair--bob", "hour", T0);
        ck_assert(json_is_false(json_object_get(k, "2023-06-20T13:59:00")));
        ck_assert(json_is_true(json_object_get(k, "2023-06-20T14:00:00")));
}
END_TEST

/* ---- out of order, replays --------------------------------------------------------- */

START_TEST(test_out_of_order_and_duplicates)
{
        json_auto_t *a = NULL, *b = NULL, *ia = NULL, *ib = NULL, *same = NULL;

        record_stop("inorder--bob");
        /* The same changes, latest first, each replayed (a restart's catch-up). */
        record("reverse--bob", RESTART, true, "start", 1);
        record("reverse--bob", DIE, false, "die", 1);
        record("reverse--bob", T0 - 7200, true, "start", 1);
        record("reverse--bob", DIE, false, "die", 0);
        record("reverse--bob", RESTART, true, "start", 0);
        record("reverse--bob", T0 - 7200, true, "create", 0); /* same change, other event */
        a = summary("inorder--bob", "hour", T0);
        b = summary("reverse--bob", "hour", T0);
        ck_assert(json_equal(a, b));
        assert_summary(b, T0 - 3600, 60, 61, expect_stop);
        ia = intervals("inorder--bob", "day", T0);
        ib = intervals("reverse--bob", "day", T0);
        ck_assert(json_equal(ia, ib));
        ck_assert_int_eq((int)json_array_size(json_object_get(ib, "intervals")), 2);

        /* Two different changes at the same instant: the one recorded last wins. */
        record("same--bob", T0 - 600, true, "start", 1);
        record("same--bob", T0 - 600, false, "die", 1);
        same = summary("same--bob", "hour", T0);
        ck_assert(json_is_false(json_object_get(same, "2023-06-20T13:50:00")));
        ck_assert(json_is_false(json_object_get(same, "2023-06-20T14:00:00")));
}
END_TEST

/* ---- reopening, the bookmark ------------------------------------------------------- */

START_TEST(test_reopen_and_bookmark)
{
        json_auto_t *s1 = NULL, *s2 = NULL, *i1 = NULL, *i2 = NULL;
        struct berth_error err = {};
        double t = -1;

        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 0);
        ck_assert(t == 0);
        record_stop(APP);
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 1);
        ck_assert(t == RESTART);
        /* An event that changed no state still moves the bookmark; an older one does not. */
        ck_assert_int_eq(src_uptime_set_last_event(u, T0 - 100.125, &err), 0);
        ck_assert_int_eq(src_uptime_set_last_event(u, T0 - 5000, &err), 0);
        /* A replayed older change does not move it back either. */
        record(APP, DIE, false, "die", 0);
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 1);
        ck_assert(t == T0 - 100.125);
        s1 = summary(APP, "day", T0);
        i1 = intervals(APP, "day", T0);

        reopen();
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 1);
        ck_assert(t == T0 - 100.125);
        s2 = summary(APP, "day", T0);
        i2 = intervals(APP, "day", T0);
        ck_assert(json_equal(s1, s2));
        ck_assert(json_equal(i1, i2));
        /* Catching up: the events since the bookmark, replayed with one new one. */
        record(APP, RESTART, true, "start", 0);
        record(APP, T0 - 30, false, "die", 1);
        reopen();
        json_decref(s2);
        s2 = summary(APP, "hour", T0);
        ck_assert(json_is_true(json_object_get(s2, "2023-06-20T13:59:00")));
        ck_assert(json_is_false(json_object_get(s2, "2023-06-20T14:00:00")));
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 1);
        ck_assert(t == T0 - 30);
}
END_TEST

START_TEST(test_shared_file)
{
        struct src_uptime *other = NULL;
        struct berth_error err = {};
        json_auto_t *j = NULL;

        /* A second handle on the same file (another module, or a second open) sees the
         * same history; the tables are created only once. */
        ck_assert_int_eq(src_uptime_open(dbpath, &other, &err), 0);
        record_stop(APP);
        ck_assert_int_eq(src_uptime_summary(other, APP, "hour", T0, &j, &err), 0);
        assert_summary(j, T0 - 3600, 60, 61, expect_stop);
        src_uptime_free(other);
}
END_TEST

/* ---- pruning ----------------------------------------------------------------------- */

static bool expect_pruned(double at)
{
        return at < T0 - 100;
}

START_TEST(test_prune)
{
        json_auto_t *before = NULL, *after = NULL, *old = NULL;
        struct berth_error err = {};

        record(APP, T0 - 10000, true, "start", 1);
        record(APP, T0 - 9000, false, "die", 1);
        record(APP, T0 - 8000, true, "start", 1); /* the last change before the cut */
        record(APP, T0 - 100, false, "die", 1);
        record("old--bob", T0 - 20000, true, "start", 1);
        record("old--bob", T0 - 19000, false, "die", 1);
        before = summary(APP, "hour", T0);
        ck_assert_int_eq(src_uptime_prune(u, T0 - 3600, &err), 3);
        ck_assert_int_eq(src_uptime_prune(u, T0 - 3600, &err), 0);
        after = summary(APP, "hour", T0);
        ck_assert(json_equal(before, after));
        assert_summary(after, T0 - 3600, 60, 61, expect_pruned);
        /* All of old--bob was before the cut: its last change (stopped) stays. */
        old = summary("old--bob", "hour", T0);
        ck_assert(json_is_false(json_object_get(old, "2023-06-20T13:00:00")));
        /* The kept change is itself history older than the cut: the earlier ones are gone. */
        json_decref(after);
        after = intervals(APP, "day", T0);
        ck_assert_int_eq((int)json_array_size(json_object_get(after, "intervals")), 1);
        ck_assert_str_eq(json_string_value(json_object_get(
                                 json_array_get(json_object_get(after, "intervals"), 0), "start")),
                         "2023-06-20T11:46:40.000");
        /* Nothing left to keep for old--bob: forgetting it removes it. */
        ck_assert_int_eq(src_uptime_forget(u, "old--bob", &err), 1);
        ck_assert_int_eq(src_uptime_forget(u, "old--bob", &err), 0);
        json_decref(old);
        old = NULL;
        ck_assert_int_eq(src_uptime_summary(u, "old--bob", "hour", T0, &old, &err), -ENOENT);
        ck_assert(!old);
}
END_TEST

/* ---- durations --------------------------------------------------------------------- */

static const struct {
        const char *name;
        double seconds, step;
        int points;
} durations[] = {
        { "hour", 3600, 60, 61 },
        { "day", 86400, 600, 145 },
        { "week", 7 * 86400, 3600, 169 },
        { "month", 30 * 86400, 6 * 3600, 121 },
};

static bool expect_true(double at)
{
        (void)at;
        return true;
}

START_TEST(test_duration_steps)
{
        double now = T0 + 0.7; /* points fall on whole seconds, the last at 14:00:00 */
        json_auto_t *j = NULL;
        const char *key;
        double prev = -1;
        json_t *v;

        record(APP, T0 - 40 * 86400, true, "start", 1);
        j = summary(APP, durations[_i].name, now);
        assert_summary(j, T0 - durations[_i].seconds, durations[_i].step, durations[_i].points,
                       expect_true);
        /* The keys, in order, one step apart from now - duration to now. */
        json_object_foreach (j, key, v) {
                double at = parse_iso(key);
                if (prev < 0)
                        ck_assert(at == T0 - durations[_i].seconds);
                else
                        ck_assert_msg(at - prev == durations[_i].step, "%s after %.0f", key, prev);
                prev = at;
        }
        ck_assert(prev == T0);
}
END_TEST

static bool expect_week(double at)
{
        return at >= T0 - 3 * 86400 + 1800 && at < T0 - 86400;
}

START_TEST(test_week_exact)
{
        json_auto_t *j = NULL, *i = NULL;

        /* Started between two hourly points, stopped exactly on one. */
        record(APP, T0 - 3 * 86400 + 1800, true, "start", 1);
        record(APP, T0 - 86400, false, "stop", 1);
        j = summary(APP, "week", T0);
        assert_summary(j, T0 - 7 * 86400, 3600, 169, expect_week);
        i = intervals(APP, "week", T0);
        ck_assert_double_eq_tol(json_real_value(json_object_get(i, "uptime_percent")),
                                (2 * 86400.0 - 1800) / (7 * 86400.0) * 100, 0.005);
}
END_TEST

/* ---- bad input --------------------------------------------------------------------- */

static void assert_record_bad(const char *app, double t, const char *event, const char *needle)
{
        struct berth_error err = {};

        ck_assert_int_eq(src_uptime_record(u, app, t, true, event, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, needle), "'%s' lacks '%s'", err.msg, needle);
}

START_TEST(test_bad_input)
{
        struct berth_error err = {};
        char longname[300];
        json_t *j = NULL;
        double t = -1;

        memset(longname, 'a', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = 0;
        assert_record_bad(NULL, T0, "start", "no app name");
        assert_record_bad("", T0, "start", "empty");
        assert_record_bad(longname, T0, "start", "longer than");
        assert_record_bad("bad\nname", T0, "start", "control character");
        assert_record_bad(APP, NAN, "start", "seconds since the epoch");
        assert_record_bad(APP, -1, "start", "seconds since the epoch");
        assert_record_bad(APP, INFINITY, "start", "seconds since the epoch");
        assert_record_bad(APP, 1e12, "start", "seconds since the epoch");
        assert_record_bad(APP, T0, longname, "event name");
        /* Nothing was recorded, not even the bookmark. */
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 0);
        ck_assert_int_eq(src_uptime_summary(u, APP, "hour", T0, &j, &err), -ENOENT);
        ck_assert(strstr(err.msg, APP));
        ck_assert(!j);

        record(APP, T0 - 10, true, NULL, 1);
        ck_assert_int_eq(src_uptime_summary(u, APP, "year", T0, &j, &err), -EINVAL);
        ck_assert(strstr(err.msg, "'year'") && strstr(err.msg, "hour, day, week or month"));
        ck_assert_int_eq(src_uptime_intervals(u, APP, NULL, T0, &j, &err), -EINVAL);
        ck_assert(strstr(err.msg, "hour, day, week or month"));
        ck_assert_int_eq(src_uptime_summary(u, APP, "Hour", T0, &j, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_summary(u, APP, "hour", NAN, &j, &err), -EINVAL);
        ck_assert(strstr(err.msg, "now"));
        ck_assert_int_eq(src_uptime_intervals(u, APP, "hour", -5, &j, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_summary(u, NULL, "hour", T0, &j, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_intervals(u, "", "hour", T0, &j, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_intervals(u, "nobody--bob", "hour", T0, &j, &err), -ENOENT);
        ck_assert(strstr(err.msg, "nobody--bob"));
        ck_assert(!j);
        ck_assert_int_eq(src_uptime_set_last_event(u, NAN, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_set_last_event(u, -3, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_prune(u, NAN, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_forget(u, "", &err), -EINVAL);
        ck_assert_int_eq(src_uptime_forget(u, NULL, &err), -EINVAL);
        /* The valid record is the only one. */
        ck_assert_int_eq(src_uptime_last_event(u, &t, &err), 1);
        ck_assert(t == T0 - 10);
        ck_assert_int_eq(src_uptime_forget(u, APP, &err), 1);
}
END_TEST

START_TEST(test_bad_open)
{
        struct src_uptime *x = NULL;
        struct berth_error err = {};
        char path[700];

        ck_assert_int_eq(src_uptime_open(NULL, &x, &err), -EINVAL);
        ck_assert_int_eq(src_uptime_open("", &x, &err), -EINVAL);
        (void)snprintf(path, sizeof(path), "%s/no/such/dir/src.db", base);
        ck_assert_int_lt(src_uptime_open(path, &x, &err), 0);
        ck_assert(strstr(err.msg, path));
        ck_assert(!x);
        ck_assert(access(path, F_OK) < 0);
        ck_assert(src_uptime_free(NULL) == NULL);
}
END_TEST

/* ---- threads ----------------------------------------------------------------------- */

#define N_THREAD_RECORDS 200

static void *recorder(void *arg)
{
        const char *app = arg;

        for (int i = 0; i < N_THREAD_RECORDS; i++)
                if (src_uptime_record(u, app, T0 - 3600 + i * 10, i % 2 == 0, "x", NULL) != 1)
                        return (void *)1;
        return NULL;
}

static void *reader(void *arg)
{
        (void)arg;
        for (int i = 0; i < 50; i++) {
                json_t *j = NULL;
                int r = src_uptime_summary(u, "t1--bob", "hour", T0, &j, NULL);
                if (r < 0 && r != -ENOENT)
                        return (void *)1;
                json_decref(j);
        }
        return NULL;
}

START_TEST(test_threads)
{
        pthread_t a, b, c;
        void *ra, *rb, *rc;
        json_auto_t *i1 = NULL, *i2 = NULL;

        ck_assert_int_eq(pthread_create(&a, NULL, recorder, (void *)"t1--bob"), 0);
        ck_assert_int_eq(pthread_create(&b, NULL, recorder, (void *)"t2--bob"), 0);
        ck_assert_int_eq(pthread_create(&c, NULL, reader, NULL), 0);
        pthread_join(a, &ra);
        pthread_join(b, &rb);
        pthread_join(c, &rc);
        ck_assert(!ra && !rb && !rc);
        i1 = intervals("t1--bob", "hour", T0);
        i2 = intervals("t2--bob", "hour", T0);
        ck_assert(json_equal(i1, i2));
        /* Running on every other 10 s from T0 - 3600 to T0 - 1610, then stopped. */
        ck_assert_int_eq((int)json_array_size(json_object_get(i1, "intervals")),
                         N_THREAD_RECORDS / 2);
        ck_assert_double_eq_tol(json_real_value(json_object_get(i1, "uptime_percent")),
                                N_THREAD_RECORDS / 2 * 10 / 3600.0 * 100, 0.005);
}
END_TEST

static Suite *uptime_suite(void)
{
        Suite *s = suite_create("uptime");
        TCase *tc;

        tc = tcase_create("stop");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, db_setup, db_teardown);
        tcase_add_test(tc, test_stop_summary);
        tcase_add_test(tc, test_stop_intervals);
        tcase_add_test(tc, test_intervals_edges);
        tcase_add_test(tc, test_boundaries);
        tcase_add_test(tc, test_out_of_order_and_duplicates);
        suite_add_tcase(s, tc);

        tc = tcase_create("store");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, db_setup, db_teardown);
        tcase_add_test(tc, test_reopen_and_bookmark);
        tcase_add_test(tc, test_shared_file);
        tcase_add_test(tc, test_prune);
        tcase_add_test(tc, test_threads);
        suite_add_tcase(s, tc);

        tc = tcase_create("durations");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, db_setup, db_teardown);
        tcase_add_loop_test(tc, test_duration_steps, 0, (int)ELEMENTSOF(durations));
        tcase_add_test(tc, test_week_exact);
        suite_add_tcase(s, tc);

        tc = tcase_create("bad");
        tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
        tcase_add_checked_fixture(tc, db_setup, db_teardown);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_bad_open);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(uptime_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

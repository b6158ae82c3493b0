/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * src-format.h against the docker 20.10 CLI: tests/unit/src-fixtures holds what a real
 * engine answered (Engine API JSON) and what /usr/bin/docker printed with
 * --format '{{json .}}' for the same containers and node; every key must match. Then
 * the formulas on made-up documents (cgroup v1, percpu, zero deltas) and go-units.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "src-format.h"

static json_t *fixture(const char *name)
{
        const char *src = getenv("BERTH_SRCDIR");
        char path[600];
        json_error_t e;
        json_t *j;

        (void)snprintf(path, sizeof(path), "%s/tests/unit/src-fixtures/%s", src ? src : ".", name);
        j = json_load_file(path, 0, &e);
        ck_assert_msg(j, "%s: %s", path, e.text);
        return j;
}

/* "a,b" lists compared as sets (Go prints map keys in random order). */
static void same_set(const char *got, const char *want, const char *what)
{
        size_t n = strlen(got);
        char *w = strdup(want), *save = NULL;

        ck_assert_uint_eq(n, strlen(want));
        for (char *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save))
                ck_assert_msg(strstr(got, t), "%s: '%s' not in '%s'", what, t, got);
        free(w);
}

static void same_keys(const json_t *got, const json_t *want, const char *const *skip)
{
        const char *k;
        json_t *v;

        ck_assert_uint_eq(json_object_size(got), json_object_size(want));
        json_object_foreach ((json_t *)want, k, v) {
                json_t *g = json_object_get(got, k);
                bool skipped = false;

                for (const char *const *s = skip; s && *s; s++)
                        skipped |= streq(*s, k);
                ck_assert_msg(g, "key %s missing", k);
                if (skipped) {
                        ck_assert_msg(json_is_string(g) && json_string_length(g) > 0, "%s empty",
                                      k);
                        continue;
                }
                if (streq(k, "Labels") || streq(k, "Networks"))
                        same_set(json_string_value(g), json_string_value(v), k);
                else
                        ck_assert_msg(json_equal(g, v), "%s: got %s, the CLI printed %s", k,
                                      json_dumps(g, JSON_ENCODE_ANY),
                                      json_dumps(v, JSON_ENCODE_ANY));
        }
}

START_TEST(test_ps_fixtures)
{
        json_auto_t *api = fixture("ps-api.json"), *cli = fixture("ps-cli.json"),
                    *now = fixture("ps-now.json");
        uint64_t at = (uint64_t)(json_number_value(json_object_get(now, "after")) * 1e6);
        size_t i, j, matched = 0;
        json_t *item, *want;

        ck_assert_uint_gt(json_array_size(api), 4);
        json_array_foreach (api, i, item) {
                json_auto_t *got = src_ps_json(item, at);

                ck_assert_ptr_nonnull(got);
                json_array_foreach (cli, j, want)
                        if (json_equal(json_object_get(want, "ID"), json_object_get(got, "ID"))) {
                                same_keys(got, want, NULL);
                                matched++;
                        }
        }
        ck_assert_uint_eq(matched, json_array_size(cli));
}
END_TEST

START_TEST(test_stats_fixtures)
{
        json_auto_t *api = fixture("stats-api.json"), *cli = fixture("stats-cli.json");
        /* The CLI's sample is not the one the fixture recorded: the values that move
         * between two samples of a running container are only checked for shape. */
        static const char *const moving[] = { "CPUPerc", "MemUsage", "MemPerc", "NetIO", NULL };
        const char *name;
        json_t *s;

        ck_assert_uint_eq(json_object_size(api), 4);
        json_object_foreach (api, name, s) {
                json_auto_t *got = src_stats_json(s, name);
                bool stable = streq(name, "paused--dave") || streq(name, "done--carol");

                ck_assert_ptr_nonnull(got);
                same_keys(got, json_object_get(cli, name), stable ? NULL : moving);
        }
}
END_TEST

START_TEST(test_node_fixtures)
{
        json_auto_t *api = fixture("node-api.json"), *cli = fixture("node-cli.json"),
                    *info = fixture("node-info.json");
        json_auto_t *got = src_node_json(json_array_get(api, 0), info);
        json_auto_t *alone = src_node_json(json_array_get(api, 0), NULL);

        ck_assert_ptr_nonnull(got);
        same_keys(got, json_array_get(cli, 0), NULL);
        ck_assert(json_is_false(json_object_get(alone, "Self")));
        ck_assert_str_eq(json_string_value(json_object_get(alone, "TLSStatus")), "Unknown");
}
END_TEST

static json_t *J(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);

        ck_assert_msg(j, "%s: %s", e.text, text);
        return j;
}

static const char *field(json_t *o, const char *k)
{
        return json_string_value(json_object_get(o, k));
}

START_TEST(test_stats_formulas)
{
        /* cgroup v1: usage - total_inactive_file; 4 CPUs from percpu_usage. */
        json_auto_t *v1 = J(
                "{\"id\":\"0123456789abcdef\",\"name\":\"/a--b\","
                "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":3000,\"percpu_usage\":[1,2,3,4]},"
                "\"system_cpu_usage\":20000,\"online_cpus\":0},"
                "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":1000},\"system_cpu_usage\":10000}"
                ","
                "\"memory_stats\":{\"usage\":3145728,\"limit\":104857600,"
                "\"stats\":{\"total_inactive_file\":1048576,\"inactive_file\":5}},"
                "\"blkio_stats\":{\"io_service_bytes_recursive\":[{\"op\":\"Read\",\"value\":1500},"
                "{\"op\":\"Write\",\"value\":2000000},{\"op\":\"read\",\"value\":500},{\"op\":\"\","
                "\"value\":9}]},"
                "\"networks\":{\"eth0\":{\"rx_bytes\":1200,\"tx_bytes\":648},\"eth1\":{\"rx_"
                "bytes\":190,\"tx_bytes\":0}},"
                "\"pids_stats\":{\"current\":82}}");
        json_auto_t *o = src_stats_json(v1, NULL);

        ck_assert_str_eq(field(o, "CPUPerc"), "80.00%");
        ck_assert_str_eq(field(o, "MemUsage"), "2MiB / 100MiB");
        ck_assert_str_eq(field(o, "MemPerc"), "2.00%");
        ck_assert_str_eq(field(o, "BlockIO"), "2kB / 2MB");
        ck_assert_str_eq(field(o, "NetIO"), "1.39kB / 648B");
        ck_assert_str_eq(field(o, "PIDs"), "82");
        ck_assert_str_eq(field(o, "Container"), "0123456789ab");
        ck_assert_str_eq(field(o, "Name"), "a--b");
        json_decref(TAKE_PTR(o));

        /* cgroup v2 (no total_inactive_file), online_cpus wins, a zero system delta. */
        json_auto_t *v2 =
                J("{\"id\":\"x\",\"name\":\"/\",\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5},"
                  "\"system_cpu_usage\":7,\"online_cpus\":2},\"precpu_stats\":{\"cpu_usage\":{"
                  "\"total_usage\":1},"
                  "\"system_cpu_usage\":7},\"memory_stats\":{\"usage\":1000,\"limit\":0,"
                  "\"stats\":{\"inactive_file\":4000}}}");
        o = src_stats_json(v2, "mine");
        ck_assert_str_eq(field(o, "CPUPerc"), "0.00%");
        ck_assert_str_eq(field(o, "MemUsage"), "1000B / 0B");
        ck_assert_str_eq(field(o, "MemPerc"), "0.00%");
        ck_assert_str_eq(field(o, "Container"), "mine");
        ck_assert_str_eq(field(o, "Name"), "--");
        json_decref(TAKE_PTR(o));
        {
                json_auto_t *a = json_array();

                ck_assert_ptr_null(src_stats_json(a, NULL));
        }
}
END_TEST

START_TEST(test_ps_shapes)
{
        json_auto_t *item = J(
                "{\"Id\":\"abcdef0123456789\",\"Names\":[\"/other/link\",\"/web--al\"],"
                "\"Image\":\"docker.io/library/httpd:2@sha256:0123\",\"ImageID\":\"sha256:ff\","
                "\"Command\":\"/docker-entrypoint.sh \\\"x\\\"\",\"Created\":1000000000,"
                "\"Ports\":[{\"PrivatePort\":81,\"Type\":\"tcp\"},{\"PrivatePort\":80,\"Type\":"
                "\"tcp\"},"
                "{\"PrivatePort\":90,\"Type\":\"udp\"},{\"IP\":\"::\",\"PrivatePort\":22,"
                "\"PublicPort\":2222,\"Type\":\"tcp\"},"
                "{\"IP\":\"0.0.0.0\",\"PrivatePort\":443,\"PublicPort\":443,\"Type\":\"tcp\"}],"
                "\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"State\":\"running\",\"Status\":\"Up 5 "
                "minutes\","
                "\"Mounts\":[{\"Name\":\"\",\"Source\":\"/a/very/long/host/path\",\"Driver\":\"\"},"
                "{\"Name\":\"v\",\"Driver\":\"local\"}],\"SizeRw\":1234567}");
        json_auto_t *o = src_ps_json(item, 1000000000ull * 1000000 + 3 * 3600 * 1000000ull);

        ck_assert_str_eq(field(o, "Command"), "\"/docker-entrypoint.…\"");
        ck_assert_str_eq(field(o, "Names"), "web--al");
        ck_assert_str_eq(field(o, "Image"), "httpd:2");
        ck_assert_str_eq(field(o, "Ports"),
                         "80-81/tcp, 90/udp, 0.0.0.0:443->443/tcp, [::]:2222->22/tcp");
        ck_assert_str_eq(field(o, "Labels"), "a=1,b=2");
        ck_assert_str_eq(field(o, "Mounts"), "/a/very/long/h…,v");
        ck_assert_str_eq(field(o, "LocalVolumes"), "1");
        ck_assert_str_eq(field(o, "RunningFor"), "3 hours ago");
        ck_assert_str_eq(field(o, "Size"), "1.23MB");
        ck_assert_str_eq(field(o, "CreatedAt"), "2001-09-09 01:46:40 +0000 UTC");
}
END_TEST

START_TEST(test_units)
{
        char b[64];
        static const struct {
                double d;
                const char *want;
        } dur[] = { { 0.5, "Less than a second" }, { 1, "1 second" },
                    { 59, "59 seconds" },          { 60, "About a minute" },
                    { 119, "About a minute" },     { 120, "2 minutes" },
                    { 3599, "59 minutes" },        { 3600, "About an hour" },
                    { 5400, "2 hours" },           { 47 * 3600, "47 hours" },
                    { 48 * 3600, "2 days" },       { 14 * 86400, "2 weeks" },
                    { 60 * 86400, "2 months" },    { 800 * 86400.0, "2 years" } };

        for (size_t i = 0; i < ELEMENTSOF(dur); i++) {
                src_human_duration(b, sizeof(b), dur[i].d);
                ck_assert_str_eq(b, dur[i].want);
        }
        src_bytes_size(b, sizeof(b), 23.54 * 1024 * 1024 * 1024);
        ck_assert_str_eq(b, "23.54GiB");
        src_bytes_size(b, sizeof(b), 316 * 1024);
        ck_assert_str_eq(b, "316KiB");
        src_human_size(b, sizeof(b), 999.9, 3);
        ck_assert_str_eq(b, "1e+03B");
        src_human_size(b, sizeof(b), 0, 3);
        ck_assert_str_eq(b, "0B");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("src-format");
        TCase *tc = tcase_create("format");
        SRunner *sr;
        int failed;

        (void)setenv("TZ", "UTC", 1);
        tzset();
        tcase_add_test(tc, test_ps_fixtures);
        tcase_add_test(tc, test_stats_fixtures);
        tcase_add_test(tc, test_node_fixtures);
        tcase_add_test(tc, test_stats_formulas);
        tcase_add_test(tc, test_ps_shapes);
        tcase_add_test(tc, test_units);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCIContainer door (seed 004, issue 16) end to end: a real berthd, JSON-RPC over
 * HTTP, real bundles made at test time from the busybox test rootfs: `crun spec`'s
 * default config with its args changed, and what `umoci unpack` makes of an OCI image
 * of that rootfs. Containers run on the native engine (real namespaces, cgroups and
 * mounts), are core containers (the ImageAPI lists them) and survive a restart of
 * berthd with their descriptors.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300];         /* bundles live here (in the run directory) */
static char crun_bundle[300];  /* crun spec, args: a shell that sleeps */
static char umoci_bundle[300]; /* umoci unpack of an image of the same rootfs */

/* ---- bundles -------------------------------------------------------------------------- */

/* The bundles, made by the first test's setup (in the run directory, which outlives
 * the forked tests): crun spec's config with its args changed, and umoci's unpack of
 * an OCI image of the same rootfs (tests/lib/harness-oci.h). */
static void make_bundles(void)
{
        char cfg[400];

        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", umoci_bundle);
        if (access(cfg, F_OK) == 0)
                return;
        test_oci_crun_bundle(crun_bundle, "[\"sh\", \"-c\", \"echo started; exec sleep 300\"]");
        test_oci_umoci_bundle(umoci_bundle, work, "echo umoci; exec sleep 300");
}

/* ---- JSON-RPC ------------------------------------------------------------------------- */

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };

        (void)test_sweep(cgparent);
        make_bundles();
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* org.rdk.OCIContainer's calls to d's /jsonrpc (harness-oci.h). */
#define rpc(...) test_oci_rpc(&d, "/jsonrpc", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc", __VA_ARGS__)

/* A result that must be success:false with an errorReason containing needle. */
static void rpc_fails(const char *needle, const char *method, const char *params)
{
        json_auto_t *r = rpc(method, "%s", params);
        const char *why = json_string_value(json_object_get(r, "errorReason"));

        ck_assert_msg(!test_oci_ok(r), "%s %s succeeded", method, params);
        ck_assert_msg(why && strstr(why, needle), "%s %s: errorReason '%s' lacks '%s'", method,
                      params, why ? why : "(none)", needle);
}

static const char *state_of(const char *id)
{
        static char buf[32];
        json_auto_t *r = rpc("getContainerState", "{\"containerId\":\"%s\"}", id);

        (void)snprintf(buf, sizeof(buf), "%s",
                       test_oci_ok(r) ? json_string_value(json_object_get(r, "state")) ?: "?"
                                      : "(none)");
        return buf;
}

static size_t n_listed(void)
{
        json_auto_t *r = rpc_ok("listContainers", NULL);

        return json_array_size(json_object_get(r, "containers"));
}

static int start_bundle(const char *id, const char *bundle)
{
        json_auto_t *r = rpc_ok("startContainer", "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"}",
                                id, bundle);
        json_t *desc = json_object_get(r, "descriptor");

        ck_assert_msg(json_is_integer(desc) && json_integer_value(desc) > 0, "descriptor");
        return (int)json_integer_value(desc);
}

/* ---- the tests ------------------------------------------------------------------------ */

/* Every method with the seed's bodies, on crun spec's bundle. */
START_TEST(crun_bundle_walk)
{
        json_t *r, *c, *info;
        const char *s;
        char descs[16];
        int desc;

        ck_assert_uint_eq(n_listed(), 0);
        desc = start_bundle("SleepTest", crun_bundle);
        {
                char p[500];

                (void)snprintf(p, sizeof(p),
                               "{\"containerId\":\"SleepTest\",\"bundlePath\":\"%s\"}",
                               crun_bundle);
                rpc_fails("SleepTest", "startContainer", p);
        }

        /* listContainers, verbatim from the seed (no params). */
        r = test_oci_post(&d, "/jsonrpc/",
                          "{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": "
                          "\"org.rdk.OCIContainer.1.listContainers\"}");
        c = json_object_get(json_object_get(r, "result"), "containers");
        ck_assert_uint_eq(json_array_size(c), 1);
        ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(c, 0), "Descriptor")),
                         desc);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c, 0), "Id")),
                         "SleepTest");
        json_decref(r);

        /* State by id and by the descriptor as a string. */
        ck_assert_str_eq(state_of("SleepTest"), "Running");
        (void)snprintf(descs, sizeof(descs), "%d", desc);
        ck_assert_str_eq(state_of(descs), "Running");

        /* Info from its cgroups. */
        r = rpc_ok("getContainerInfo", "{\"containerId\": \"SleepTest\"}");
        info = json_object_get(r, "info");
        ck_assert_str_eq(json_string_value(json_object_get(info, "id")), "SleepTest");
        ck_assert_uint_ge(json_array_size(json_object_get(info, "pids")), 1);
        ck_assert_int_gt(
                json_integer_value(json_object_get(
                        json_object_get(json_object_get(info, "memory"), "user"), "usage")),
                0);
        ck_assert(json_is_integer(
                json_object_get(json_object_get(json_object_get(info, "cpu"), "usage"), "total")));
        ck_assert_int_gt(json_integer_value(json_object_get(info, "timestamp")), 0);
        json_decref(r);

        /* executeCommand: output (stdout and stderr) and exit code. */
        r = rpc_ok("executeCommand",
                   "{\"containerId\":\"SleepTest\",\"options\":\"\",\"command\":\"sh -c 'echo out; "
                   "echo err >&2; exit 3'\"}");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "exitCode")), 3);
        s = json_string_value(json_object_get(r, "output"));
        ck_assert_msg(s && strstr(s, "out") && strstr(s, "err"), "output '%s'", s ? s : "");
        json_decref(r);
        /* The seed's own command, and the alias. */
        r = rpc_ok("executeCommand",
                   "{\"containerId\": \"SleepTest\", \"options\": \"\", \"command\": \"ls\"}");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "exitCode")), 0);
        ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(r, "output")) ?: "", "bin"));
        json_decref(r);
        r = rpc_ok("execCommand", "{\"containerId\":\"SleepTest\",\"options\":\"--env FOO=b$ar "
                                  "--cwd /bin\",\"command\":\"sh -c 'echo $FOO; pwd'\"}");
        s = json_string_value(json_object_get(r, "output"));
        ck_assert_msg(s && strstr(s, "b$ar") && strstr(s, "/bin"), "output '%s'", s ? s : "");
        json_decref(r);
        rpc_fails(
                "--privileged", "executeCommand",
                "{\"containerId\":\"SleepTest\",\"options\":\"--privileged\",\"command\":\"ls\"}");
        /* A command that outlives its timeout. */
        rpc_fails("longer than its timeout of 1 s", "executeCommand",
                  "{\"containerId\":\"SleepTest\",\"command\":\"sleep 30\",\"timeout\":1}");

        /* It is a core container: the ImageAPI lists it. */
        r = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        {
                _cleanup_free_ char *text = json_dumps(r, JSON_COMPACT);
                ck_assert_msg(text && strstr(text, "SleepTest"), "not in the ImageAPI list");
        }
        json_decref(r);

        /* Pause and resume (the freezer), only from the right state. */
        json_decref(rpc_ok("pauseContainer", "{\"containerId\": \"SleepTest\"}"));
        ck_assert_str_eq(state_of("SleepTest"), "Paused");
        rpc_fails("Paused", "pauseContainer", "{\"containerId\": \"SleepTest\"}");
        json_decref(rpc_ok("resumeContainer", "{\"containerId\": \"SleepTest\"}"));
        ck_assert_str_eq(state_of("SleepTest"), "Running");
        rpc_fails("Running", "resumeContainer", "{\"containerId\": \"SleepTest\"}");

        /* Stop (SIGTERM: sleep, as PID 1's child, ends at once): it is gone. */
        json_decref(rpc_ok("stopContainer", "{\"containerId\": \"SleepTest\"}"));
        ck_assert_uint_eq(n_listed(), 0);
        rpc_fails("SleepTest", "getContainerState", "{\"containerId\": \"SleepTest\"}");
        rpc_fails("SleepTest", "stopContainer", "{\"containerId\": \"SleepTest\"}");
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* umoci's bundle runs unchanged; a forced stop; the unversioned names. */
START_TEST(umoci_bundle_runs)
{
        json_auto_t *r = NULL;
        const char *s;

        (void)start_bundle("umoci.app", umoci_bundle);
        ck_assert_str_eq(state_of("umoci.app"), "Running");
        r = test_oci_post(&d, "/jsonrpc",
                          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
                          "\"org.rdk.OCIContainer.executeCommand\",\"params\":{"
                          "\"containerId\":\"umoci.app\",\"command\":\"hostname\"}}");
        ck_assert_int_eq(json_integer_value(json_object_get(r, "id")), 7);
        s = json_string_value(json_object_get(json_object_get(r, "result"), "output"));
        /* Its config's hostname. */
        ck_assert_msg(s && strstr(s, "umoci-default"), "hostname '%s'", s ? s : "");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"umoci.app\",\"force\":true}"));
        ck_assert_uint_eq(n_listed(), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* A restart of berthd keeps the containers and their descriptors. */
START_TEST(restart_keeps_descriptors)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        json_auto_t *r = NULL;
        json_t *c;
        int a, b;

        a = start_bundle("keep-a", crun_bundle);
        b = start_bundle("keep-b", umoci_bundle);
        ck_assert_int_ne(a, b);
        test_berthd_kill(&d);
        test_berthd_spawn(&d, false, extra);
        r = rpc_ok("listContainers", NULL);
        c = json_object_get(r, "containers");
        ck_assert_uint_eq(json_array_size(c), 2);
        for (size_t i = 0; i < 2; i++) {
                json_t *e = json_array_get(c, i);
                const char *id = json_string_value(json_object_get(e, "Id"));
                ck_assert_int_eq(json_integer_value(json_object_get(e, "Descriptor")),
                                 streq(id, "keep-a") ? a : b);
        }
        ck_assert_str_eq(state_of("keep-a"), "Running");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"keep-a\",\"force\":true}"));
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"keep-b\"}"));
        ck_assert_uint_eq(n_listed(), 0);
}
END_TEST

/* A copy of the crun bundle, its config.json's member key of object parent ("" for the
 * top level, else a member of the top level) set to value; startContainer of it must
 * fail naming needle, and leave nothing. */
static void bad_bundle(const char *name, const char *parent, const char *key, json_t *value,
                       const char *needle)
{
        char dir[400], cfg[440];
        _cleanup_free_ char *params = NULL;
        json_auto_t *c = NULL;
        json_t *p;

        (void)snprintf(dir, sizeof(dir), "%s/bad-%s", work, name);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
        test_rm_rf(dir);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", crun_bundle, dir, NULL }), 0);
        c = json_load_file(cfg, 0, NULL);
        ck_assert_ptr_nonnull(c);
        p = *parent ? json_object_get(c, parent) : c;
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(json_object_set_new(p, key, value), 0);
        ck_assert_int_eq(json_dump_file(c, cfg, 0), 0);
        ck_assert_int_ge(
                asprintf(&params, "{\"containerId\":\"bad-%s\",\"bundlePath\":\"%s\"}", name, dir),
                0);
        rpc_fails(needle, "startContainer", params);
        ck_assert_uint_eq(n_listed(), 0);
        test_rm_rf(dir);
}

/* Bad bundles get an errorReason that names what is wrong, and leave nothing behind. */
START_TEST(bad_bundles)
{
        char p[600];

        bad_bundle("unknown", "", "frobnicate", json_true(), "frobnicate");
        bad_bundle("nested", "process", "frobnicate", json_true(), "process.frobnicate");
        bad_bundle("escape", "root", "path", json_string("../../.."), "root.path");
        /* Once refused whole ("not supported yet"); now the names reach libseccomp as they
         * are (one it does not know is skipped, as in crun), and the action is refused:
         * berth has no notify listener (test-priv-oci-seccomp has the rest). */
        bad_bundle("seccomp", "linux", "seccomp",
                   json_pack("{s:s, s:[{s:[s], s:s}]}", "defaultAction", "SCMP_ACT_ALLOW",
                             "syscalls", "names", "getpid\"; rm -rf /", "action",
                             "SCMP_ACT_NOTIFY"),
                   "linux.seccomp.syscalls[0].action 'SCMP_ACT_NOTIFY'");
        bad_bundle("version", "", "ociVersion", json_string("2.0.0"), "ociVersion");
        rpc_fails("bundlePath", "startContainer",
                  "{\"containerId\":\"rel\",\"bundlePath\":\"crun-bundle\"}");
        (void)snprintf(p, sizeof(p), "{\"containerId\":\"noconf\",\"bundlePath\":\"%s\"}", work);
        rpc_fails("config.json", "startContainer", p);
        ck_assert_uint_eq(n_listed(), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* Malformed calls: JSON-RPC errors with the call's id. */
START_TEST(jsonrpc_errors)
{
        static const struct {
                const char *body;
                int code;
                const char *id; /* the reply's id, as JSON */
        } cases[] = {
                { "{\"jsonrpc\":\"2.0\",\"id\":5,", -32700, "null" },
                { "[{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.1."
                  "listContainers\"}]",
                  -32600, "null" },
                { "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"x\"}", -32600, "5" },
                { "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":7}", -32600, "\"a\"" },
                { "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.1.nope\"}",
                  -32601, "5" },
                { "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.2."
                  "listContainers\"}",
                  -32601, "5" },
                { "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.1."
                  "getContainerState\",\"params\":[1]}",
                  -32602, "5" },
                { "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.1."
                  "getContainerState\",\"params\":{}}",
                  -32602, "5" },
                { "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"org.rdk.OCIContainer.1."
                  "stopContainer\",\"params\":{\"containerId\":\"x\",\"forse\":true}}",
                  -32602, "5" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_auto_t *r = test_oci_post(&d, "/jsonrpc", cases[i].body);
                json_t *e = json_object_get(r, "error");
                _cleanup_free_ char *id = json_dumps(json_object_get(r, "id"), JSON_ENCODE_ANY);

                ck_assert_msg(json_is_object(e), "%s: no error", cases[i].body);
                ck_assert_msg(json_integer_value(json_object_get(e, "code")) == cases[i].code,
                              "%s: code %lld, want %d", cases[i].body,
                              (long long)json_integer_value(json_object_get(e, "code")),
                              cases[i].code);
                ck_assert_msg(id && streq(id, cases[i].id), "%s: id %s, want %s", cases[i].body,
                              id ? id : "(none)", cases[i].id);
                ck_assert_str_eq(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
        }
}
END_TEST

static Suite *oci_suite(void)
{
        Suite *s = suite_create("oci");

        tcase_add_test(test_tcase(s, "walk", setup, teardown, 120), crun_bundle_walk);
        tcase_add_test(test_tcase(s, "umoci", setup, teardown, 60), umoci_bundle_runs);
        tcase_add_test(test_tcase(s, "restart", setup, teardown, 60), restart_keeps_descriptors);
        tcase_add_test(test_tcase(s, "bad", setup, teardown, 60), bad_bundles);
        tcase_add_test(test_tcase(s, "errors", setup, teardown, 30), jsonrpc_errors);
        return s;
}

int main(void)
{
        const char *tmp;
        int r;

        test_require_root("test-priv-oci");
        test_priv_begin("test-priv-oci", "oci");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/bundles", tmp && *tmp ? tmp : "/var/tmp");
        (void)snprintf(crun_bundle, sizeof(crun_bundle), "%s/crun-bundle", work);
        (void)snprintf(umoci_bundle, sizeof(umoci_bundle), "%s/umoci-bundle", work);
        r = test_priv_run(oci_suite(), "test-priv-oci", NULL, cgparent);
        return r;
}

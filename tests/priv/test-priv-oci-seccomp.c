/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Custom seccomp filters through the OCIContainer door end to end: a real berthd, crun
 * spec's bundle of the busybox test rootfs with a linux.seccomp of its own. The filter
 * is the whole filter (berth's profile replaced), the payload and executeCommand both
 * run under it, a restarted berthd still applies it (the record keeps the rules), a
 * bundle a zygote would otherwise take starts fresh with its filter, and bad rule sets
 * get an errorReason naming the field and leave nothing. (A Dobby spec's seccomp:
 * test-priv-oci-dobby.)
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300];        /* bundles live here (in the run directory) */
static char base_bundle[300]; /* crun spec, args: a shell that sleeps */

/* mkdir and mkdirat fail with errnoRet 1 (EPERM), rmdir with 122 (EDQUOT, an errno no
 * one would see by chance), kill with SIGUSR1 (10) as its second argument with EPERM;
 * everything else is allowed. */
#define FILTER                                                                              \
        "{\"defaultAction\":\"SCMP_ACT_ALLOW\","                                            \
        "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"     \
        "\"syscalls\":["                                                                    \
        "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}," \
        "{\"names\":[\"rmdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":122},"           \
        "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\","                              \
        "\"args\":[{\"index\":1,\"value\":10,\"op\":\"SCMP_CMP_EQ\"}]}]}"

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        char cfg[400];

        (void)test_sweep(cgparent);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", base_bundle);
        if (access(cfg, F_OK) != 0)
                test_oci_crun_bundle(base_bundle,
                                     "[\"sh\", \"-c\", \"mkdir /dev/shm/p 2>/dev/shm/payload.err; "
                                     "exec sleep 300\"]");
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

#define rpc(...) test_oci_rpc(&d, "/jsonrpc", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc", __VA_ARGS__)

/* A copy of the base bundle at work/name with linux.seccomp set to filter (JSON text;
 * NULL: none). zygote_shape: without the network namespace and the cgroup mount, a
 * bundle a zygote would take (native-start.c, zygote_fits()). */
static void make_bundle(const char *name, const char *filter, bool zygote_shape, char *dir,
                        size_t size)
{
        char cfg[500];
        json_auto_t *c = NULL;
        json_t *linux_, *mounts, *m;
        size_t i;

        (void)snprintf(dir, size, "%s/%s", work, name);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
        test_rm_rf(dir);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", base_bundle, dir, NULL }), 0);
        c = json_load_file(cfg, 0, NULL);
        ck_assert_ptr_nonnull(c);
        linux_ = json_object_get(c, "linux");
        if (filter)
                ck_assert_int_eq(
                        json_object_set_new(linux_, "seccomp", json_loads(filter, 0, NULL)), 0);
        if (zygote_shape) {
                ck_assert_int_eq(json_object_set_new(linux_, "namespaces",
                                                     json_pack("[{s:s}, {s:s}, {s:s}, {s:s}]",
                                                               "type", "pid", "type", "ipc", "type",
                                                               "uts", "type", "mount")),
                                 0);
                mounts = json_object_get(c, "mounts");
                json_array_foreach (mounts, i, m)
                        if (streq(json_string_value(json_object_get(m, "type")) ?: "", "cgroup")) {
                                ck_assert_int_eq(json_array_remove(mounts, i), 0);
                                break;
                        }
        }
        ck_assert_int_eq(json_dump_file(c, cfg, 0), 0);
}

static void start(const char *id, const char *dir)
{
        json_decref(rpc_ok("startContainer", "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"}", id,
                           dir));
}

/* executeCommand of command (JSON text of a string) in id: its exit code, its output
 * into out. */
static int exec_in(const char *id, const char *command, char *out, size_t size)
{
        json_auto_t *r =
                rpc_ok("executeCommand", "{\"containerId\":\"%s\",\"command\":%s}", id, command);

        (void)snprintf(out, size, "%s", json_string_value(json_object_get(r, "output")) ?: "");
        return (int)json_integer_value(json_object_get(r, "exitCode"));
}

/* What the filter does to commands run in id, through executeCommand. */
static void assert_filtered(const char *id)
{
        char out[2048];

        ck_assert_int_ne(exec_in(id, "\"mkdir /dev/shm/e\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "mkdir: '%s'", out);
        /* Other calls work: a file can be made where the directory could not. */
        ck_assert_int_eq(
                exec_in(id, "\"sh -c 'touch /dev/shm/f && ls /dev/shm'\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "f") && !strstr(out, "e\n"), "ls: '%s'", out);
        ck_assert_int_ne(exec_in(id, "\"rmdir /dev/shm/x\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Disk quota exceeded"), "rmdir: '%s'", out);
        /* kill(2) with signal 0 passes the argument rule, SIGUSR1 does not (else the
         * shell would die of it and print nothing more). */
        ck_assert_int_eq(
                exec_in(id, "\"sh -c 'kill -0 $$ && echo zero-ok; kill -USR1 $$; echo usr1=$?'\"",
                        out, sizeof(out)),
                0);
        ck_assert_msg(strstr(out, "zero-ok") && strstr(out, "usr1=1"), "kill: '%s'", out);
}

/* ---- the tests ------------------------------------------------------------------------ */

/* Without a filter of its own, mkdir works in the bundle's /dev/shm (what the filter
 * refuses below is the filter's doing); with one, the payload and executeCommand are
 * under it, also after a restart of berthd. */
START_TEST(bundle_filter)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        char plain[400], filtered[400], out[2048];

        make_bundle("plain", NULL, false, plain, sizeof(plain));
        start("plain", plain);
        ck_assert_int_eq(exec_in("plain", "\"mkdir /dev/shm/d\"", out, sizeof(out)), 0);
        ck_assert_int_eq(exec_in("plain", "\"cat /dev/shm/payload.err\"", out, sizeof(out)), 0);
        ck_assert_str_eq(out, "");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"plain\",\"force\":true}"));

        make_bundle("filtered", FILTER, false, filtered, sizeof(filtered));
        start("filtered", filtered);
        /* The payload's own mkdir failed (its shell went on to sleep). */
        ck_assert_int_eq(exec_in("filtered", "\"cat /dev/shm/payload.err\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "payload: '%s'", out);
        assert_filtered("filtered");

        test_berthd_kill(&d);
        test_berthd_spawn(&d, false, extra);
        assert_filtered("filtered");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"filtered\",\"force\":true}"));
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
        test_rm_rf(plain);
        test_rm_rf(filtered);
}
END_TEST

/* A bundle of the zygotes' shape: with a filter of its own it starts fresh (a zygote has
 * installed berth's profile already), under its filter. */
START_TEST(zygote_shape)
{
        char dir[400], out[2048];

        make_bundle("zyg", FILTER, true, dir, sizeof(dir));
        start("zyg", dir);
        ck_assert_int_eq(exec_in("zyg", "\"cat /dev/shm/payload.err\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "payload: '%s'", out);
        assert_filtered("zyg");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"zyg\",\"force\":true}"));
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
        test_rm_rf(dir);
}
END_TEST

/* Bad rule sets: an errorReason naming the field, no container, nothing left. */
START_TEST(bad_filters)
{
        static const struct {
                const char *filter, *needle;
        } cases[] = {
                { "{\"defaultAction\":\"SCMP_ACT_FOO\"}",
                  "linux.seccomp.defaultAction 'SCMP_ACT_FOO' is not an action" },
                { "{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}",
                  "linux.seccomp.defaultAction 'SCMP_ACT_NOTIFY': not supported" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/seccomp.sock\"}",
                  "linux.seccomp.listenerPath: not supported" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\"},{\"names\":[\"kill\"],\"action\":"
                  "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_FOO\"}]}"
                  "]}",
                  "linux.seccomp.syscalls[1].args[0].op 'SCMP_CMP_FOO' is not a comparison" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"kill\"],"
                  "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":9,"
                  "\"op\":\"SCMP_CMP_EQ\"}]}]}",
                  "linux.seccomp.syscalls[0].args[0].index must be an integer from 0 to 5" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"kill\"],"
                  "\"action\":\"SCMP_ACT_KILL_ALL\"}]}",
                  "linux.seccomp.syscalls[0].action 'SCMP_ACT_KILL_ALL' is not an action" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"kill\"],"
                  "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
                  "linux.seccomp.syscalls[0].action 'SCMP_ACT_NOTIFY': not supported" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}",
                  "linux.seccomp.flags[0] 'SECCOMP_FILTER_FLAG_LOG'" },
                { "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
                  "linux.seccomp.architectures[0] 'SCMP_ARCH_VAX'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char dir[400];
                _cleanup_free_ char *params = NULL;
                json_auto_t *r = NULL;
                const char *why;

                make_bundle("bad", cases[i].filter, false, dir, sizeof(dir));
                ck_assert_int_ge(
                        asprintf(&params, "{\"containerId\":\"bad\",\"bundlePath\":\"%s\"}", dir),
                        0);
                r = rpc("startContainer", "%s", params);
                why = json_string_value(json_object_get(r, "errorReason"));
                ck_assert_msg(!test_oci_ok(r), "%s started", cases[i].filter);
                ck_assert_msg(why && strstr(why, cases[i].needle), "errorReason '%s' lacks '%s'",
                              why ? why : "(none)", cases[i].needle);
                ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
                test_rm_rf(dir);
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

static Suite *seccomp_suite(void)
{
        Suite *s = suite_create("oci-seccomp");

        tcase_add_test(test_tcase(s, "bundle", setup, teardown, 120), bundle_filter);
        tcase_add_test(test_tcase(s, "zygote", setup, teardown, 60), zygote_shape);
        tcase_add_test(test_tcase(s, "bad", setup, teardown, 60), bad_filters);
        return s;
}

int main(void)
{
        const char *tmp;

        test_require_root("test-priv-oci-seccomp");
        test_priv_begin("test-priv-oci-seccomp", "oci-seccomp");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/bundles", tmp && *tmp ? tmp : "/var/tmp");
        (void)snprintf(base_bundle, sizeof(base_bundle), "%s/seccomp-base", work);
        return test_priv_run(seccomp_suite(), "test-priv-oci-seccomp", NULL, cgparent);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The OCIContainer door's cpu sets, end to end with a real berthd:
 * an OCI bundle's linux.resources.cpu.cpus and a Dobby spec's cpu.cores confine the
 * container (its /proc/self/status Cpus_allowed_list, and its cpuset group's
 * cpuset.cpus); a cpu the host lacks is refused naming the field (a Dobby spec's cores
 * are trimmed to the host, as Dobby trims them). (A Dobby spec's devices:
 * test-priv-oci-devices.)
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300];   /* bundles and console logs */
static char bundle[400]; /* crun spec's bundle, args: a shell that sleeps */

#define rpc(...) test_oci_rpc(&d, "/jsonrpc", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc", __VA_ARGS__)

static void start_berthd(const char *const *more)
{
        const char *extra[8] = { "--cgroup-parent", cgparent };
        size_t n = 2;

        for (; more && *more && n < ELEMENTSOF(extra) - 1; more++)
                extra[n++] = *more;
        extra[n] = NULL;
        test_berthd_start(&d, false, extra);
}

static void setup(void)
{
        char cfg[500];

        (void)test_sweep(cgparent);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", bundle);
        if (access(cfg, F_OK) < 0)
                test_oci_crun_bundle(bundle, "[\"sh\", \"-c\", \"exec sleep 300\"]");
        start_berthd(NULL);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* The value of Key in the container's /proc/self/status. */
static char *status_of(const char *id, const char *key)
{
        _cleanup_free_ char *out = NULL;
        char cmd[128], *v;

        (void)snprintf(cmd, sizeof(cmd), "grep '^%s:' /proc/self/status", key);
        ck_assert_int_eq(test_oci_exec(&d, "/jsonrpc", id, cmd, &out), 0);
        v = out + strlen(key) + 1;
        v += strspn(v, " \t");
        v[strcspn(v, "\n")] = 0;
        return strdup(v);
}

/* cpuset.cpus of the only container's cpuset group under the parent. */
static char *group_cpus(void)
{
        static const char *const roots[] = { "/sys/fs/cgroup/cpuset", "/sys/fs/cgroup" };
        char dir[300], path[600], buf[256] = "";

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                struct dirent *de;
                DIR *dd;
                int n = 0;

                (void)snprintf(dir, sizeof(dir), "%s/%s", roots[i], cgparent);
                dd = opendir(dir);
                while (dd && (de = readdir(dd))) {
                        if (de->d_type != DT_DIR || de->d_name[0] == '.' || de->d_name[0] == 'z')
                                continue;
                        (void)snprintf(path, sizeof(path), "%s/%s/cpuset.cpus", dir, de->d_name);
                        n++;
                }
                if (dd)
                        closedir(dd);
                if (n == 0)
                        continue;
                ck_assert_int_eq(n, 1);
                {
                        FILE *f = fopen(path, "re");
                        ck_assert_msg(f, "%s", path);
                        ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
                        fclose(f);
                }
                buf[strcspn(buf, "\n")] = 0;
                return strdup(buf);
        }
        ck_abort_msg("no cpuset group under %s", cgparent);
        return NULL;
}

static void stop(const char *id)
{
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"%s\",\"force\":true}", id));
        ck_assert_int_eq(test_wait_container_cgroups_gone(cgparent), 0);
}

/* A copy of the bundle as name, with linux.resources.cpu.cpus set to cpus. */
static void bundle_with_cpus(const char *name, const char *cpus, char *dir, size_t size)
{
        (void)snprintf(dir, size, "%s/%s", work, name);
        test_rm_rf(dir);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", bundle, dir, NULL }), 0);
        ck_assert_int_eq(test_oci_config_set(
                                 dir, (const char *[]){ "linux", "resources", "cpu", "cpus", NULL },
                                 json_string(cpus)),
                         0);
}

/* ---- cpu sets ------------------------------------------------------------------------- */

START_TEST(bundle_cpus)
{
        _cleanup_free_ char *allowed = NULL, *group = NULL;
        char dir[500];

        bundle_with_cpus("cpus0", "0", dir, sizeof(dir));
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"c0\",\"bundlePath\":\"%s\"}", dir));
        allowed = status_of("c0", "Cpus_allowed_list");
        ck_assert_str_eq(allowed, "0");
        group = group_cpus();
        ck_assert_str_eq(group, "0");
        stop("c0");

        /* A cpu this node lacks (it has 2): refused naming the field; nothing left. */
        bundle_with_cpus("cpus7", "7", dir, sizeof(dir));
        {
                json_auto_t *r = rpc("startContainer",
                                     "{\"containerId\":\"c7\",\"bundlePath\":\"%s\"}", dir);
                const char *why = json_string_value(json_object_get(r, "errorReason"));

                ck_assert_msg(!test_oci_ok(r), "cpus 7 started");
                ck_assert_msg(why && strstr(why, "linux.resources.cpu.cpus '7': this node has no "
                                                 "cpu 7"),
                              "errorReason '%s'", why ? why : "");
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

START_TEST(dobby_cores)
{
        _cleanup_free_ char *body =
                test_oci_dobby_request(work, "cores1", "{\"cpu\": {\"cores\": \"1\"}}");
        _cleanup_free_ char *allowed = NULL, *group = NULL, *all = NULL;
        _cleanup_free_ char *trimmed =
                test_oci_dobby_request(work, "cores7", "{\"cpu\": {\"cores\": \"7\"}}");

        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        allowed = status_of("cores1", "Cpus_allowed_list");
        ck_assert_str_eq(allowed, "1");
        group = group_cpus();
        ck_assert_str_eq(group, "1");
        stop("cores1");

        /* Trimmed to the node's cpus, as Dobby trims: nothing is left of "7", and Dobby
         * then sets no cpus: the container may run on all of them. */
        (void)test_oci_start_ok(&d, "/jsonrpc/", trimmed);
        all = status_of("cores7", "Cpus_allowed_list");
        ck_assert_str_eq(all, "0-1");
        stop("cores7");
        /* Beyond Dobby's 8 cores: refused naming the field, nothing left. */
        {
                _cleanup_free_ char *bad =
                        test_oci_dobby_request(work, "cores8", "{\"cpu\": {\"cores\": \"0-8\"}}");
                test_oci_start_fails(&d, "/jsonrpc/", bad,
                                     "cpu.cores '0-8' must list cpus from 0 to 7");
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

static Suite *cpuset_suite(void)
{
        Suite *s = suite_create("oci-cpuset");

        tcase_add_test(test_tcase(s, "bundle-cpus", setup, teardown, 60), bundle_cpus);
        tcase_add_test(test_tcase(s, "dobby-cores", setup, teardown, 60), dobby_cores);
        return s;
}

int main(void)
{
        const char *tmp;

        test_require_root("test-priv-oci-cpuset");
        test_priv_begin("test-priv-oci-cpuset", "oci-cpuset");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/cpuset", tmp && *tmp ? tmp : "/var/tmp");
        (void)snprintf(bundle, sizeof(bundle), "%s/bundle", work);
        return test_priv_run(cpuset_suite(), "test-priv-oci-cpuset", NULL, cgparent);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A Dobby spec's devices, end to end with a real berthd and real containers: a node the
 * test makes below /dev (c 1:11, the kernel log, which no container may open by
 * default) is named by --oci-device-allow; a spec that asks for it with access "w" sees
 * it at the same path and may open it for writing, not for reading (EPERM from the
 * device cgroup, v1 and the v2 program alike); a container whose spec binds the same
 * node without asking for it cannot open it at all (berth's parent group allows the
 * device, and every other group denies it again). A device the flag does not name, and
 * an access with mknod, are refused naming devices[0]; a berthd restarted without the
 * flag takes the device back from berth's groups; nothing is left behind. OCI bundles:
 * linux.devices binds the node read-write, a device rule allows a node the bundle binds
 * itself (and without it the node is EPERM), and a device off the list is refused.
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
static char work[300]; /* console logs */
static char node[64];  /* /dev/berth-devtest-<pid>: c 1:11, 0666 */

#define rpc(...) test_oci_rpc(&d, "/jsonrpc", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc", __VA_ARGS__)

static void setup(void)
{
        (void)test_sweep(cgparent);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        if (access(node, F_OK) < 0)
                ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 11)), 0);
        ck_assert_int_eq(chmod(node, 0666), 0);
        test_berthd_start(
                &d, false,
                (const char *[]){ "--cgroup-parent", cgparent, "--oci-device-allow", node, NULL });
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* The seed's Dobby request as containerId id, network "private", its console in the
 * test's directory, and the members of extra (a JSON object's text, with every "NODE"
 * the test's node) in its dobbySpec. */
static char *spec_with(const char *id, const char *extra)
{
        _cleanup_free_ char *a = test_oci_replace(test_oci_seed_dobby_body, "\"network\": \"nat\"",
                                                  "\"network\": \"private\"");
        _cleanup_free_ char *b = NULL, *x_text = strdup(extra);
        json_auto_t *req = NULL, *x = NULL;
        json_t *params;
        char path[400];

        ck_assert_ptr_nonnull(x_text);
        while (strstr(x_text, "NODE")) {
                char *t = test_oci_replace(x_text, "NODE", node);
                free(x_text);
                x_text = t;
        }
        x = json_loads(x_text, 0, NULL);
        (void)snprintf(path, sizeof(path), "\"path\": \"%s/console.log\"", work);
        b = test_oci_replace(a, "\"path\": \"/tmp/container.log\"", path);
        req = json_loads(b, 0, NULL);
        ck_assert_ptr_nonnull(req);
        ck_assert_msg(x, "bad JSON in the test: %s", x_text);
        params = json_object_get(req, "params");
        ck_assert_int_eq(json_object_set_new(params, "containerId", json_string(id)), 0);
        ck_assert_int_eq(json_object_update(json_object_get(params, "dobbySpec"), x), 0);
        return json_dumps(req, JSON_COMPACT);
}

/* Open the node in the container: "w" for writing, "r" for reading. The shell's exit
 * status; *ret_out its message. */
static int open_node(const char *id, const char *how, char **ret_out)
{
        char cmd[300];

        (void)snprintf(cmd, sizeof(cmd), "sh -c 'exec 3%s %s && echo opened' 2>&1",
                       streq(how, "w") ? ">" : "<", node);
        return test_oci_exec(&d, "/jsonrpc", id, cmd, ret_out);
}

/* devices.list of the only container's v1 devices group under the parent ("" without
 * one). */
static char *group_devices(void)
{
        char dir[300], path[600] = "", buf[4096] = "";
        struct dirent *de;
        size_t n = 0;
        DIR *dd;
        FILE *f;

        (void)snprintf(dir, sizeof(dir), "/sys/fs/cgroup/devices/%s", cgparent);
        dd = opendir(dir);
        if (!dd)
                return strdup("");
        while ((de = readdir(dd))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.' || de->d_name[0] == 'z')
                        continue;
                (void)snprintf(path, sizeof(path), "%s/%s/devices.list", dir, de->d_name);
                n++;
        }
        closedir(dd);
        ck_assert_uint_eq(n, 1);
        f = fopen(path, "re");
        ck_assert_msg(f, "%s", path);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        fclose(f);
        return strdup(buf);
}

static void stop(const char *id)
{
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"%s\",\"force\":true}", id));
        ck_assert_int_eq(test_wait_container_cgroups_gone(cgparent), 0);
}

START_TEST(allowed)
{
        _cleanup_free_ char *body =
                spec_with("dev1", "{\"devices\": [{\"major\": 1, \"minor\": 11, \"access\": "
                                  "\"w\"}]}");
        _cleanup_free_ char *out = NULL, *rout = NULL, *list = NULL;

        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        ck_assert_msg(open_node("dev1", "w", &out) == 0 && strstr(out, "opened"),
                      "open for writing: %s", out);
        /* "w" only: reading is the device cgroup's EPERM (the node is 0666). */
        ck_assert_int_ne(open_node("dev1", "r", &rout), 0);
        ck_assert_msg(strstr(rout, "Operation not permitted"), "open for reading: %s", rout);
        list = group_devices();
        /* A v1 devices group (this machine's hybrid layout): the container's own rule. */
        ck_assert(list[0] || access("/sys/fs/cgroup/devices", F_OK) < 0);
        if (list[0])
                ck_assert_msg(strstr(list, "c 1:11 w\n"), "devices.list: %s", list);
        stop("dev1");
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* The same node bound without asking for the device: the cgroup refuses it. */
START_TEST(not_asked)
{
        _cleanup_free_ char *body =
                spec_with("dev2", "{\"mounts\": [{\"source\": \"NODE\", \"destination\": "
                                  "\"NODE\", \"type\": \"bind\", \"options\": [\"bind\"]}]}");
        _cleanup_free_ char *out = NULL, *list = NULL;

        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        ck_assert_int_ne(open_node("dev2", "w", &out), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "open for writing: %s", out);
        list = group_devices();
        ck_assert_msg(!strstr(list, "1:11"), "devices.list: %s", list);
        stop("dev2");
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* devices.list of berth's v1 parent group ("" without one). */
static char *parent_devices(void)
{
        char path[300], buf[4096] = "";
        FILE *f;
        size_t n;

        (void)snprintf(path, sizeof(path), "/sys/fs/cgroup/devices/%s/devices.list", cgparent);
        f = fopen(path, "re");
        if (!f)
                return strdup("");
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        fclose(f);
        return strdup(buf);
}

/* berthd restarts while the container runs: with the flag the container keeps its
 * device; without it berth's parent denies it again (the kernel takes it from the
 * groups below too), though the parent has children and cannot be reset. */
START_TEST(restart)
{
        _cleanup_free_ char *body =
                spec_with("dev3", "{\"devices\": [{\"major\": 1, \"minor\": 11, \"access\": "
                                  "\"rw\"}]}");
        _cleanup_free_ char *out = NULL, *out2 = NULL, *out3 = NULL, *list = NULL;

        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        ck_assert_msg(open_node("dev3", "w", &out) == 0, "open for writing: %s", out);
        test_berthd_kill(&d);
        test_berthd_spawn(
                &d, false,
                (const char *[]){ "--cgroup-parent", cgparent, "--oci-device-allow", node, NULL });
        ck_assert_msg(open_node("dev3", "w", &out2) == 0, "after a restart: %s", out2);
        test_berthd_kill(&d);
        test_berthd_spawn(&d, false, (const char *[]){ "--cgroup-parent", cgparent, NULL });
        list = parent_devices();
        ck_assert_msg(!strstr(list, "1:11"), "the parent's devices.list: %s", list);
        if (list[0]) { /* v1 confines it now; v2's program of its own still allows it */
                ck_assert_int_ne(open_node("dev3", "w", &out3), 0);
                ck_assert_msg(strstr(out3, "Operation not permitted"), "without the flag: %s",
                              out3);
        }
        stop("dev3");
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

START_TEST(refused)
{
        static const struct {
                const char *devices, *needle;
        } cases[] = {
                { "[{\"major\": 1, \"minor\": 12, \"access\": \"w\"}]",
                  "devices[0]: character device 1:12 is not on the node's allow-list (berthd "
                  "--oci-device-allow names no such node)" },
                { "[{\"major\": 1, \"minor\": 11, \"access\": \"m\"}]",
                  "devices[0].access 'm' must be" },
                { "[{\"major\": 1, \"minor\": 11, \"access\": \"rwm\"}]",
                  "devices[0].access 'rwm' must be" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *extra = NULL, *body = NULL;

                ck_assert_int_ge(asprintf(&extra, "{\"devices\": %s}", cases[i].devices), 0);
                body = spec_with("devbad", extra);
                test_oci_start_fails(&d, "/jsonrpc/", body, cases[i].needle);
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- OCI bundles: linux.devices and device rules --------------------------------------- */

/* crun spec's bundle at work/<name> with its linux object's member key set to value
 * (JSON text, "NODE" the test's node). */
static void bundle_with(const char *name, char dir[static 400], const char *key, const char *value)
{
        _cleanup_free_ char *text = strdup(value);
        char *more;

        ck_assert_ptr_nonnull(text);
        (void)snprintf(dir, 400, "%s/%s", work, name);
        test_oci_crun_bundle(dir, "[\"sh\", \"-c\", \"exec sleep 300\"]");
        while (strstr(text, "NODE")) {
                more = test_oci_replace(text, "NODE", node);
                free(text);
                text = more;
        }
        ck_assert_int_eq(test_oci_config_set(dir, (const char *[]){ "linux", key, NULL },
                                             json_loads(text, 0, NULL)),
                         0);
}

/* linux.devices: the node bound at its path, read-write; a device rule that allows only
 * reading a node the bundle binds itself; a device the flag does not name refused. */
START_TEST(bundle_devices)
{
        char dir[400], cmd[300];
        _cleanup_free_ char *out = NULL;

        bundle_with("oci-node", dir, "devices",
                    "[{\"path\": \"NODE\", \"type\": \"c\", \"major\": 1, \"minor\": 11}]");
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"onode\",\"bundlePath\":\"%s\"}", dir));
        (void)snprintf(cmd, sizeof(cmd), "sh -c 'echo berth-test > %s && echo written'", node);
        ck_assert_int_eq(test_oci_exec(&d, "/jsonrpc", "onode", cmd, &out), 0);
        ck_assert_str_eq(out, "written\n");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"onode\",\"force\":true}"));

        /* A rule that allows writing the node the bundle binds: it may; without the rule
         * the same bind is EPERM (the device cgroup, v1 and the v2 program alike). */
        for (int allow = 1; allow >= 0; allow--) {
                _cleanup_free_ char *o = NULL;
                char id[16];

                (void)snprintf(id, sizeof(id), "orule%d", allow);
                bundle_with(id, dir, "resources",
                            allow ? "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, "
                                    "{\"allow\": true, \"type\": \"c\", \"major\": 1, "
                                    "\"minor\": 11, \"access\": \"w\"}]}"
                                  : "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}");
                ck_assert_int_eq(
                        test_oci_config_set(
                                dir, (const char *[]){ "mounts", NULL },
                                json_pack("[{s:s, s:s, s:s, s:[s, s]}, {s:s, s:s, s:s}]",
                                          "destination", "/dev/devtest", "type", "bind", "source",
                                          node, "options", "bind", "rw", "destination", "/proc",
                                          "type", "proc", "source", "proc")),
                        0);
                json_decref(rpc_ok("startContainer",
                                   "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"}", id, dir));
                if (allow)
                        ck_assert_int_eq(test_oci_exec(&d, "/jsonrpc", id,
                                                       "sh -c 'echo berth-test > /dev/devtest'",
                                                       NULL),
                                         0);
                else {
                        ck_assert_int_ne(test_oci_exec(&d, "/jsonrpc", id,
                                                       "sh -c 'echo x > /dev/devtest'", &o),
                                         0);
                        ck_assert_msg(strstr(o, "Operation not permitted"), "write: %s", o);
                }
                json_decref(rpc_ok("stopContainer", "{\"containerId\":\"%s\",\"force\":true}", id));
        }

        bundle_with("oci-other", dir, "devices",
                    "[{\"path\": \"/dev/other\", \"type\": \"c\", \"major\": 1, \"minor\": 12}]");
        {
                json_auto_t *r = rpc("startContainer",
                                     "{\"containerId\":\"oother\",\"bundlePath\":\"%s\"}", dir);
                const char *why = json_string_value(json_object_get(r, "errorReason"));

                ck_assert_msg(!test_oci_ok(r) && why &&
                                      strstr(why, "linux.devices[0]: character device 1:12 is not "
                                                  "on the node's allow-list"),
                              "%s", why ? why : "started");
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

static Suite *devices_suite(void)
{
        Suite *s = suite_create("oci-devices");

        tcase_add_test(test_tcase(s, "allowed", setup, teardown, 60), allowed);
        tcase_add_test(test_tcase(s, "not-asked", setup, teardown, 60), not_asked);
        tcase_add_test(test_tcase(s, "refused", setup, teardown, 60), refused);
        tcase_add_test(test_tcase(s, "restart", setup, teardown, 90), restart);
        tcase_add_test(test_tcase(s, "bundle", setup, teardown, 90), bundle_devices);
        return s;
}

int main(void)
{
        const char *tmp;
        int r;

        test_require_root("test-priv-oci-devices");
        test_priv_begin("test-priv-oci-devices", "oci-devices");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        (void)snprintf(node, sizeof(node), "/dev/berth-devtest-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/devices", tmp && *tmp ? tmp : "/var/tmp");
        r = test_priv_run(devices_suite(), "test-priv-oci-devices", NULL, cgparent);
        (void)unlink(node);
        return r;
}

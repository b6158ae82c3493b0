/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * startContainerFromDobbySpec end to end (seed 004, issue 16): a real berthd, the seed's
 * curl body as it is but for its network ("private": test-priv-oci-nat has nat) and its console
 * path (in the test's directory). The container runs the host's programs in Dobby's
 * root file system, <state>/oci-roots/<id>.<random>: /bin/sh is there, /etc/passwd
 * holds the spec's line, the process is root inside and user.uid (1000) on the host,
 * its output lands in console.path, and the root goes with the container: after a stop,
 * after a removal through the ImageAPI, and at a restart of berthd; restartOnCrash
 * starts a crashed one again; its seccomp is the container's filter. Bad specs get an
 * errorReason naming the field and leave nothing: no container, root, cgroup or mount.
 */
#include "config.h"

#include <check.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300]; /* console logs */

/* ---- JSON-RPC ------------------------------------------------------------------------- */

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };

        (void)test_sweep(cgparent);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* org.rdk.OCIContainer's calls to d's /jsonrpc/ (harness-oci.h). */
#define rpc(...) test_oci_rpc(&d, "/jsonrpc/", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc/", __VA_ARGS__)

static char *exec_out(const char *id, const char *command)
{
        json_auto_t *c = json_string(command);
        _cleanup_free_ char *cs = json_dumps(c, JSON_ENCODE_ANY);
        json_auto_t *r =
                rpc_ok("executeCommand", "{\"containerId\":\"%s\",\"command\":%s}", id, cs);

        ck_assert_msg(json_integer_value(json_object_get(r, "exitCode")) == 0, "%s: %s", command,
                      json_dumps(r, JSON_COMPACT));
        return strdup(json_string_value(json_object_get(r, "output")) ?: "");
}

static char roots_dir[400];

static int n_roots(void)
{
        (void)snprintf(roots_dir, sizeof(roots_dir), "%s/oci-roots", d.state_dir);
        return test_count_dir_entries(roots_dir);
}

/* Nothing of the door's containers is left. */
static void assert_nothing(void)
{
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc/"), 0);
        ck_assert_int_eq(n_roots(), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
}

/* Field value of "Key:\tv1\tv2 …" in /proc/pid/status (the first number). */
static long status_field(pid_t pid, const char *key)
{
        char path[64], line[256];
        size_t n = strlen(key);
        long v = -1;
        FILE *f;

        (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, key, n) == 0 && line[n] == ':')
                        v = strtol(line + n + 1, NULL, 10);
        fclose(f);
        return v;
}

/* The names of the network interfaces in /proc/net/dev text, sorted, one per line. */
static char *ifaces(const char *text)
{
        char *out = calloc(1, 1), *copy = strdup(text), *save = NULL;
        size_t len = 0;

        ck_assert_ptr_nonnull(copy);
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *colon = strchr(l, ':');

                if (!colon || strchr(l, '|'))
                        continue;
                *colon = 0;
                l += strspn(l, " ");
                out = realloc(out, len + strlen(l) + 2);
                len += (size_t)sprintf(out + len, "%s\n", l);
        }
        free(copy);
        return out;
}

/* The start of a file into buf ("" when there is none). */
static void slurp(const char *path, char *buf, size_t size)
{
        FILE *f = fopen(path, "re");
        size_t n = 0;

        if (f) {
                n = fread(buf, 1, size - 1, f);
                fclose(f);
        }
        buf[n] = 0;
}

/* ---- the tests ------------------------------------------------------------------------ */

/* The seed's body, network private: everything Dobby's root promises. */
START_TEST(seed_spec)
{
        _cleanup_free_ char *body = test_oci_dobby_request(work, NULL, NULL), *out = NULL;
        json_auto_t *info = NULL;
        json_t *pids;
        size_t i;
        int desc;

        ck_assert_int_eq(n_roots(), 0);
        desc = test_oci_start_ok(&d, "/jsonrpc/", body);
        ck_assert_int_eq(n_roots(), 1);
        {
                json_auto_t *st = rpc_ok("getContainerState", "{\"containerId\":\"SleepTest\"}");
                ck_assert_str_eq(json_string_value(json_object_get(st, "state")), "Running");
        }
        (void)desc;

        /* Root inside, user.uid and user.gid outside. */
        info = rpc_ok("getContainerInfo", "{\"containerId\":\"SleepTest\"}");
        pids = json_object_get(json_object_get(info, "info"), "pids");
        ck_assert_uint_ge(json_array_size(pids), 1);
        for (i = 0; i < json_array_size(pids); i++) {
                pid_t pid = (pid_t)json_integer_value(json_array_get(pids, i));

                ck_assert_int_eq(status_field(pid, "Uid"), 1000);
                ck_assert_int_eq(status_field(pid, "Gid"), 1000);
        }
        out = exec_out("SleepTest", "sh -c 'id -u; id -g'");
        ck_assert_str_eq(out, "0\n0\n");
        free(out);

        /* The constructed /etc, the host's programs, Dobby's hostname and HOME. */
        out = exec_out("SleepTest", "cat /etc/passwd /etc/group");
        ck_assert_str_eq(out, "root::0:0:root:/:/bin/false\nroot:x:0:\n");
        free(out);
        out = exec_out("SleepTest",
                       "sh -c 'test -x /bin/sh && hostname && echo $HOME && ls /usr/bin/env'");
        ck_assert_str_eq(out, "dobby\n/home/private\n/usr/bin/env\n");
        free(out);
        /* Read-only root, and a writable /tmp. */
        out = exec_out("SleepTest",
                       "sh -c 'touch /x 2>/dev/null || echo ro; touch /tmp/x && echo tmp'");
        ck_assert_str_eq(out, "ro\ntmp\n");
        free(out);
        /* Only lo in its network namespace. */
        out = exec_out("SleepTest", "cat /proc/net/dev");
        {
                _cleanup_free_ char *names = ifaces(out);
                ck_assert_str_eq(names, "lo\n");
        }
        free(out);
        out = NULL;

        /* Stop: the container and its root are gone. */
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"SleepTest\"}"));
        assert_nothing();
}
END_TEST

/* The console's output lands in console.path. */
START_TEST(console_path)
{
        _cleanup_free_ char *body = test_oci_dobby_request(
                work, "console-test",
                "{\"args\": [\"sh\", \"-c\", \"echo 'hello a\\\"b' \\\"$HOME\\\"; sleep 60\"]}");
        char path[400], log[65536] = "";

        (void)snprintf(path, sizeof(path), "%s/console.log", work);
        (void)unlink(path);
        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        for (int i = 0; i < 100 && !strstr(log, "hello a\"b /home/private\n"); i++) {
                usleep(50000);
                slurp(path, log, sizeof(log));
        }
        ck_assert_msg(strstr(log, "hello a\"b /home/private\n"), "console.log ends: '%s'",
                      strlen(log) > 600 ? log + strlen(log) - 600 : log);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"console-test\",\"force\":true}"));
        assert_nothing();
        /* The log is the user's: it stays. */
        ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

/* network "open" is the host's network. */
START_TEST(network_open)
{
        _cleanup_free_ char *body =
                test_oci_dobby_request(work, "open-net", "{\"network\": \"open\"}");
        _cleanup_free_ char *out = NULL, *host = NULL, *mine = NULL, *theirs = NULL;

        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        out = exec_out("open-net", "cat /proc/net/dev");
        ck_assert_int_eq(
                test_run_output((const char *[]){ "cat", "/proc/net/dev", NULL }, false, &host), 0);
        mine = ifaces(host);
        theirs = ifaces(out);
        ck_assert_str_eq(theirs, mine);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"open-net\"}"));
        assert_nothing();
}
END_TEST

/* Bad specs: an errorReason naming the field, and nothing left. */
START_TEST(bad_specs)
{
        static const struct {
                const char *extra, *needle;
        } cases[] = {
                { "{\"user\": {\"uid\": 0, \"gid\": 0}}", "user.uid 0" },
                { "{\"userNs\": false, \"user\": {\"uid\": 0, \"gid\": 0}}", "user.uid 0" },
                { "{\"frobnicate\": true}", "unknown fields: frobnicate" },
                { "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {\"names\": "
                  "[\"getpid\\\"], \\\"x\\\": [\\\"\"], \"action\": \"SCMP_ACT_ERRNO\"}}}",
                  "seccomp.syscalls.names[0] 'getpid\"], \"x\": [\"' is not a system call name" },
                { "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_KILL\", \"syscalls\": {\"names\": "
                  "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}}}",
                  "seccomp.defaultAction must be \"SCMP_ACT_ALLOW\" or \"SCMP_ACT_ERRNO\"" },
                { "{\"gpu\": {\"enable\": true}}", "gpu.enable: this node has no GPU" },
                { "{\"network\": \"bridge\"}", "network 'bridge' must be" },
                { "{\"mounts\": [{\"source\": \"/x.img\", \"destination\": \"/d\", \"type\": "
                  "\"loop\", \"fstype\": \"ext4\"}]}",
                  "mounts[0].source '/x.img'" },
                /* Past the translation: the root (a bind source the host lacks), then the
                 * engine (a program the root lacks). */
                { "{\"mounts\": [{\"source\": \"/nonexistent\", \"destination\": \"/d\", "
                  "\"type\": \"bind\"}]}",
                  "mounts[0].source '/nonexistent'" },
                { "{\"args\": [\"no-such-program\"]}", "no-such-program" },
        };
        _cleanup_free_ char *missing = NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *body = test_oci_dobby_request(work, "bad", cases[i].extra);

                test_oci_start_fails(&d, "/jsonrpc/", body, cases[i].needle);
                assert_nothing();
        }
        /* The mandatory fields, all named. */
        missing = test_oci_replace(test_oci_seed_dobby_body, "\"memLimit\": 41943040,", "");
        {
                _cleanup_free_ char *m2 = test_oci_replace(missing,
                                                           "\"user\": {\n\"uid\": 1000,\n\"gid\": "
                                                           "1000\n},",
                                                           "");
                test_oci_start_fails(&d, "/jsonrpc/", m2,
                                     "missing mandatory fields: user, memLimit");
        }
        assert_nothing();
}
END_TEST

/* executeCommand of command (JSON text of a string) in id: its exit code, its output
 * into out. */
static int exec_code(const char *id, const char *command, char *out, size_t size)
{
        json_auto_t *r =
                rpc_ok("executeCommand", "{\"containerId\":\"%s\",\"command\":%s}", id, command);

        (void)snprintf(out, size, "%s", json_string_value(json_object_get(r, "output")) ?: "");
        return (int)json_integer_value(json_object_get(r, "exitCode"));
}

/* seccomp: Dobby's one rule is the container's whole filter. Without it mkdir works in
 * the root's /tmp; with mkdir and mkdirat SCMP_ACT_ERRNO it fails with EPERM while other
 * calls work. */
START_TEST(seccomp_filter)
{
        _cleanup_free_ char *plain = test_oci_dobby_request(work, "plain", "{}");
        _cleanup_free_ char *filtered =
                test_oci_dobby_request(work, "filtered",
                                       "{\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
                                       "\"syscalls\": {\"names\": [\"mkdir\", \"mkdirat\"], "
                                       "\"action\": \"SCMP_ACT_ERRNO\"}}}");
        _cleanup_free_ char *caps =
                test_oci_dobby_request(work, "caps",
                                       "{\"capabilities\": [\"CAP_NET_RAW\"], \"seccomp\": "
                                       "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                       "{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": "
                                       "\"SCMP_ACT_ERRNO\"}}}");
        char out[2048];

        (void)test_oci_start_ok(&d, "/jsonrpc/", plain);
        ck_assert_int_eq(exec_code("plain", "\"mkdir /tmp/d\"", out, sizeof(out)), 0);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"plain\",\"force\":true}"));

        (void)test_oci_start_ok(&d, "/jsonrpc/", filtered);
        ck_assert_int_ne(exec_code("filtered", "\"mkdir /tmp/d\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "mkdir: '%s'", out);
        ck_assert_int_eq(exec_code("filtered", "\"sh -c 'echo x > /tmp/f && cat /tmp/f'\"", out,
                                   sizeof(out)),
                         0);
        ck_assert_str_eq(out, "x\n");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"filtered\",\"force\":true}"));

        /* With extra capabilities the payload has no no_new_privs and no CAP_SYS_ADMIN:
         * berth-init installs the filter before it drops its capabilities (as crun does;
         * it once failed with "install the seccomp filter: Permission denied"). */
        (void)test_oci_start_ok(&d, "/jsonrpc/", caps);
        ck_assert_int_ne(exec_code("caps", "\"mkdir /tmp/d\"", out, sizeof(out)), 0);
        ck_assert_msg(strstr(out, "Operation not permitted"), "mkdir: '%s'", out);
        ck_assert_int_eq(exec_code("caps",
                                   "\"grep -E '^(NoNewPrivs|CapBnd|Seccomp):' "
                                   "/proc/self/status\"",
                                   out, sizeof(out)),
                         0);
        ck_assert_msg(strstr(out, "NoNewPrivs:\t0") && strstr(out, "Seccomp:\t2") &&
                              strstr(out, "CapBnd:\t0000000020002420"),
                      "status: '%s'", out);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"caps\",\"force\":true}"));
        assert_nothing();
}
END_TEST

/* The root goes with the container whichever door removes it, and a restarted berthd
 * keeps the roots of its containers and removes any other. */
START_TEST(roots_follow_containers)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        _cleanup_free_ char *a = test_oci_dobby_request(work, "keep-a", "{}"),
                            *b = test_oci_dobby_request(work, "keep-b", "{}");
        json_auto_t *list = NULL;
        char stray[500];
        long long id = -1;

        (void)test_oci_start_ok(&d, "/jsonrpc/", a);
        (void)test_oci_start_ok(&d, "/jsonrpc/", b);
        ck_assert_int_eq(n_roots(), 2);
        test_berthd_kill(&d);
        (void)snprintf(stray, sizeof(stray), "%s/oci-roots/left.abcdef", d.state_dir);
        ck_assert_int_eq(mkdir(stray, 0755), 0);
        test_berthd_spawn(&d, false, extra);
        ck_assert_int_eq(n_roots(), 2);
        ck_assert_int_eq(access(stray, F_OK), -1);
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc/"), 2);
        {
                _cleanup_free_ char *out = exec_out("keep-a", "cat /etc/passwd");
                ck_assert_str_eq(out, "root::0:0:root:/:/bin/false\n");
        }

        /* Removed through the ImageAPI: its root follows. */
        list = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        for (size_t i = 0; i < json_array_size(list); i++) {
                json_t *c = json_array_get(list, i);
                if (streq(test_json_str(c, "name") ?: "", "keep-b"))
                        id = test_json_int(c, "id");
        }
        ck_assert_int_ge(id, 0);
        {
                char path[64];
                struct test_reply r;

                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?force=true&id=%lld", id);
                test_delete(&d, path, &r);
                ck_assert_int_lt(r.status, 300);
                test_reply_done(&r);
        }
        for (int i = 0; i < 100 && n_roots() != 1; i++)
                usleep(20000);
        ck_assert_int_eq(n_roots(), 1);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"keep-a\",\"force\":true}"));
        assert_nothing();
}
END_TEST

/* restartOnCrash: a crash starts it again (it is not removed as it ends); a stop
 * removes it for good. */
START_TEST(restart_on_crash)
{
        _cleanup_free_ char *body = test_oci_dobby_request(
                work, "crashy",
                "{\"restartOnCrash\": true, \"args\": [\"sh\", \"-c\", \"sleep 0.3; exit 3\"]}");
        char path[400], text[65536] = "";
        int starts = 0;

        (void)snprintf(path, sizeof(path), "%s/console.log", work);
        (void)unlink(path);
        (void)test_oci_start_ok(&d, "/jsonrpc/", body);
        /* Each start writes "container running" into the console's file. */
        for (int i = 0; i < 100 && starts < 3; i++) {
                usleep(50000);
                slurp(path, text, sizeof(text));
                starts = 0;
                for (const char *p = text; (p = strstr(p, "container running")); p++)
                        starts++;
        }
        ck_assert_msg(starts >= 3, "started %d times, %zu listed: %s", starts,
                      test_oci_n_listed(&d, "/jsonrpc/"),
                      strlen(text) > 1500 ? text + strlen(text) - 1500 : text);
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc/"), 1);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"crashy\",\"force\":true}"));
        assert_nothing();
}
END_TEST

static Suite *dobby_suite(void)
{
        Suite *s = suite_create("oci-dobby");

        tcase_add_test(test_tcase(s, "seed", setup, teardown, 60), seed_spec);
        tcase_add_test(test_tcase(s, "console", setup, teardown, 60), console_path);
        tcase_add_test(test_tcase(s, "open", setup, teardown, 60), network_open);
        tcase_add_test(test_tcase(s, "bad", setup, teardown, 60), bad_specs);
        tcase_add_test(test_tcase(s, "seccomp", setup, teardown, 60), seccomp_filter);
        tcase_add_test(test_tcase(s, "roots", setup, teardown, 60), roots_follow_containers);
        tcase_add_test(test_tcase(s, "restart", setup, teardown, 60), restart_on_crash);
        return s;
}

int main(void)
{
        const char *tmp;

        test_require_root("test-priv-oci-dobby");
        test_priv_begin("test-priv-oci-dobby", "oci-dobby");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/dobby", tmp && *tmp ? tmp : "/var/tmp");
        return test_priv_run(dobby_suite(), "test-priv-oci-dobby", NULL, cgparent);
}

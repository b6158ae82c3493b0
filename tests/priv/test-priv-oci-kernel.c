/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI bundles' kernel parameters and namespaces joined by path (issue 16): a real berthd,
 * crun spec's bundle with linux.sysctl, and with linux.namespaces[].path naming the
 * network, ipc and uts namespaces of a process the test made. The container must be in
 * exactly those namespaces (and its executeCommand too), its sysctls set in its own
 * namespaces and not on the host, and every bad value an errorReason that leaves nothing.
 */
#include "config.h"

#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dobby-spec.h"
#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
static char cgparent[64];
static char work[300];
static char base[300]; /* crun spec, args: a shell that sleeps */

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        char cfg[400];

        (void)test_sweep(cgparent);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", base);
        if (access(cfg, F_OK) < 0)
                test_oci_crun_bundle(base, "[\"sh\", \"-c\", \"exec sleep 300\"]");
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

#define rpc(...) test_oci_rpc(&d, "/jsonrpc", __VA_ARGS__)
#define rpc_ok(...) test_oci_rpc_ok(&d, "/jsonrpc", __VA_ARGS__)

/* A copy of the base bundle as dir/<name>, its config.json edited by edit. */
static void bundle(const char *name, char dir[static 400],
                   void (*edit)(json_t *c, const void *data), const void *data)
{
        char cfg[440];
        json_auto_t *c = NULL;

        (void)snprintf(dir, 400, "%s/%s", work, name);
        (void)snprintf(cfg, sizeof(cfg), "%s/config.json", dir);
        test_rm_rf(dir);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", base, dir, NULL }), 0);
        c = json_load_file(cfg, 0, NULL);
        ck_assert_ptr_nonnull(c);
        edit(c, data);
        ck_assert_int_eq(json_dump_file(c, cfg, 0), 0);
}

/* startContainer of dir as id: its result. */
static json_t *start(const char *id, const char *dir)
{
        return rpc("startContainer", "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"}", id, dir);
}

/* startContainer of dir fails naming needle, and leaves n containers listed. */
static void start_fails_leaving(const char *id, const char *dir, const char *needle, size_t n)
{
        json_auto_t *r = start(id, dir);
        const char *why = json_string_value(json_object_get(r, "errorReason"));

        ck_assert_msg(!test_oci_ok(r), "%s started", id);
        ck_assert_msg(why && strstr(why, needle), "%s: errorReason '%s' lacks '%s'", id,
                      why ? why : "(none)", needle);
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), n);
}

static void start_fails(const char *id, const char *dir, const char *needle)
{
        start_fails_leaving(id, dir, needle, 0);
}

/* executeCommand's output in id (exit code 0). */
static char *exec_out(const char *id, const char *command)
{
        json_auto_t *r = rpc_ok("executeCommand", "{\"containerId\":\"%s\",\"command\":\"%s\"}", id,
                                command);
        const char *out = json_string_value(json_object_get(r, "output"));

        ck_assert_int_eq(json_integer_value(json_object_get(r, "exitCode")), 0);
        ck_assert_ptr_nonnull(out);
        return strdup(out);
}

static char *read_host(const char *path)
{
        char buf[256] = "";
        FILE *f = fopen(path, "re");

        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
        fclose(f);
        return strdup(buf);
}

/* Stopped containers go (as under Dobby): wait for the list to be empty. */
static void wait_none(void)
{
        double until = test_now() + 10;

        while (test_oci_n_listed(&d, "/jsonrpc") > 0 && test_now() < until)
                usleep(20000);
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
}

/* ---- sysctl ----------------------------------------------------------------------------- */

static void set_sysctl(json_t *c, const void *data)
{
        json_object_set_new(json_object_get(c, "linux"), "sysctl", json_loads(data, 0, NULL));
}

static void no_network(json_t *c, const void *data)
{
        json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces"), *v;
        size_t i;

        json_array_foreach (ns, i, v)
                if (streq(json_string_value(json_object_get(v, "type")), "network")) {
                        json_array_remove(ns, i);
                        break;
                }
        set_sysctl(c, data);
}

START_TEST(sysctls)
{
        _cleanup_free_ char *host_fwd = read_host("/proc/sys/net/ipv4/ip_forward"),
                            *host_shm = read_host("/proc/sys/kernel/shmmni"), *out = NULL,
                            *after_fwd = NULL, *after_shm = NULL;
        char dir[400];

        bundle("sysctl", dir, set_sysctl,
               "{\"net.ipv4.ip_forward\": \"1\", \"kernel.shmmni\": \"1234\", "
               "\"net.ipv4.ping_group_range\": \"7 8\"}");
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"sys\",\"bundlePath\":\"%s\"}", dir));
        out = exec_out("sys", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni "
                              "/proc/sys/net/ipv4/ping_group_range");
        ck_assert_msg(strcmp(out, "1\n1234\n7\t8\n") == 0, "container's sysctls: '%s'", out);
        /* Its namespaces', not the host's. */
        after_fwd = read_host("/proc/sys/net/ipv4/ip_forward");
        after_shm = read_host("/proc/sys/kernel/shmmni");
        ck_assert_str_eq(after_fwd, host_fwd);
        ck_assert_str_eq(after_shm, host_shm);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"sys\",\"force\":true}"));
        wait_none();

        bundle("sysctl-host", dir, set_sysctl, "{\"vm.swappiness\": \"1\"}");
        start_fails("sysctl-host", dir,
                    "linux.sysctl.vm.swappiness: not a parameter of a namespace");
        bundle("sysctl-open", dir, no_network, "{\"net.ipv4.ip_forward\": \"1\"}");
        start_fails("sysctl-open", dir, "shares the host's network namespace");
        bundle("sysctl-name", dir, set_sysctl, "{\"net.ipv4.conf.all/../x\": \"1\"}");
        start_fails("sysctl-name", dir, "not a parameter name");
        /* A parameter the kernel does not have: the start fails, naming it. */
        bundle("sysctl-none", dir, set_sysctl, "{\"net.ipv4.no_such_knob\": \"1\"}");
        start_fails("sysctl-none", dir, "net.ipv4.no_such_knob");
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- namespaces by path ----------------------------------------------------------------- */

/* A process in new network, ipc and uts namespaces (hostname "joined-uts"), which dies
 * with the test. */
static pid_t holder(void)
{
        int p[2];
        char c;
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0 ||
                    sethostname("joined-uts", 10) < 0)
                        _exit(1);
                if (write(p[1], "k", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(p[1]);
        ck_assert_int_eq(read(p[0], &c, 1), 1);
        close(p[0]);
        return pid;
}

struct joins {
        const char *net, *ipc, *uts, *pid;
        bool keep_hostname;
};

static void set_joins(json_t *c, const void *data)
{
        const struct joins *j = data;
        json_t *ns = json_object_get(json_object_get(c, "linux"), "namespaces"), *v;
        size_t i;

        json_array_foreach (ns, i, v) {
                const char *t = json_string_value(json_object_get(v, "type")), *path = NULL;

                path = streq(t, "network") ? j->net
                       : streq(t, "ipc")   ? j->ipc
                       : streq(t, "uts")   ? j->uts
                       : streq(t, "pid")   ? j->pid
                                           : NULL;
                if (path)
                        json_object_set_new(v, "path", json_string(path));
        }
        if (!j->keep_hostname)
                json_object_del(c, "hostname");
}

/* "net:[4026531992]" of /proc/pid/ns/name, as readlink shows it. */
static void ns_link(pid_t pid, const char *name, char buf[static 64])
{
        char p[64];
        struct stat st;

        (void)snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, name);
        ck_assert_int_eq(stat(p, &st), 0);
        (void)snprintf(buf, 64, "%s:[%llu]\n", name, (unsigned long long)st.st_ino);
}

START_TEST(joins)
{
        pid_t h = holder();
        char net[64], ipc[64], uts[64], want[256], dir[400], pnet[64], pipc[64], puts_[64],
                bad[440];
        _cleanup_free_ char *out = NULL, *self = NULL;

        (void)snprintf(pnet, sizeof(pnet), "/proc/%d/ns/net", (int)h);
        (void)snprintf(pipc, sizeof(pipc), "/proc/%d/ns/ipc", (int)h);
        (void)snprintf(puts_, sizeof(puts_), "/proc/%d/ns/uts", (int)h);
        ns_link(h, "net", net);
        ns_link(h, "ipc", ipc);
        ns_link(h, "uts", uts);
        (void)snprintf(want, sizeof(want), "%s%s%sjoined-uts\n", net, ipc, uts);

        bundle("join", dir, set_joins, &(struct joins){ .net = pnet, .ipc = pipc, .uts = puts_ });
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"join\",\"bundlePath\":\"%s\"}", dir));
        /* The payload (sleep), and the exec itself. */
        out = exec_out("join",
                       "sh -c 'for n in net ipc uts; do readlink /proc/$(pidof sleep)/ns/$n; done; "
                       "hostname'");
        ck_assert_msg(streq(out, want), "namespaces '%s', want '%s'", out, want);
        self = exec_out("join", "readlink /proc/self/ns/net");
        ck_assert_msg(streq(self, net), "exec's network namespace '%s', want '%s'", self, net);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"join\",\"force\":true}"));
        wait_none();

        /* What cannot be joined, or is not a namespace of that kind. */
        bundle("join-pid", dir, set_joins, &(struct joins){ .pid = "/proc/1/ns/pid" });
        start_fails("join-pid", dir, "joining the pid namespace is not supported");
        bundle("join-host", dir, set_joins, &(struct joins){ .uts = puts_, .keep_hostname = true });
        start_fails("join-host", dir, "the uts namespace is joined");
        (void)snprintf(bad, sizeof(bad), "%s/join-host/config.json", work);
        bundle("join-file", dir, set_joins, &(struct joins){ .net = bad });
        start_fails("join-file", dir, "is not a namespace file");
        bundle("join-kind", dir, set_joins, &(struct joins){ .net = puts_ });
        start_fails("join-kind", dir, "is a namespace of another kind");
        bundle("join-gone", dir, set_joins, &(struct joins){ .net = "/proc/999999999/ns/net" });
        start_fails("join-gone", dir, "ns_join.net '/proc/999999999/ns/net'");
        test_assert_clean(d.state_dir, NULL, cgparent);
        /* The holder's namespaces are untouched. */
        ck_assert_int_eq(kill(h, SIGKILL), 0);
        ck_assert_int_eq(waitpid(h, NULL, 0), h);
}
END_TEST

/* ---- cgroupsPath ----------------------------------------------------------------------- */

static void set_cgroups_path(json_t *c, const void *data)
{
        json_t *l = json_object_get(c, "linux");

        json_object_set_new(l, "cgroupsPath", json_string(data));
        json_object_set_new(l, "resources",
                            json_pack("{s:{s:I}}", "memory", "limit", (json_int_t)64 << 20));
}

START_TEST(cgroups_path)
{
        char dir[400], group[300], file[340], top[300];
        _cleanup_free_ char *limit = NULL, *procs = NULL;
        json_auto_t *info = NULL;

        (void)snprintf(group, sizeof(group), "/sys/fs/cgroup/memory/%s/oci-apps/web", cgparent);
        (void)snprintf(top, sizeof(top), "/sys/fs/cgroup/memory/%s/oci-apps", cgparent);
        bundle("cgpath", dir, set_cgroups_path, "/oci-apps/web");
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"web\",\"bundlePath\":\"%s\"}", dir));
        /* Its groups are there, with its limit and its processes. */
        (void)snprintf(file, sizeof(file), "%s/memory.limit_in_bytes", group);
        limit = read_host(file);
        ck_assert_str_eq(limit, "67108864\n");
        (void)snprintf(file, sizeof(file), "%s/cgroup.procs", group);
        procs = read_host(file);
        ck_assert_msg(atoi(procs) > 0, "no process in %s", group);
        info = rpc_ok("getContainerInfo", "{\"containerId\":\"web\"}");
        /* getContainerInfo reads the same groups. */
        ck_assert_int_eq(
                json_integer_value(json_object_get(
                        json_object_get(json_object_get(json_object_get(info, "info"), "memory"),
                                        "user"),
                        "limit")),
                (json_int_t)64 << 20);

        /* Another container cannot have the same groups. */
        bundle("cgpath2", dir, set_cgroups_path, "oci-apps/web");
        {
                json_auto_t *r = start("web2", dir);
                const char *why = json_string_value(json_object_get(r, "errorReason"));

                ck_assert_msg(!test_oci_ok(r) && why && strstr(why, "in use"), "web2: %s",
                              why ? why : "started");
        }
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 1);
        ck_assert_int_eq(access(group, F_OK), 0);

        bundle("cgpath-bad", dir, set_cgroups_path, "/17/x");
        start_fails_leaving("cgpath-bad", dir, "linux.cgroupsPath '/17/x'", 1);

        /* A restarted berthd finds its groups by the path in its record (and pauses it
         * through them). */
        {
                const char *extra[] = { "--cgroup-parent", cgparent, NULL };
                json_auto_t *state = NULL;

                test_berthd_kill(&d);
                test_berthd_spawn(&d, false, extra);
                json_decref(rpc_ok("pauseContainer", "{\"containerId\":\"web\"}"));
                state = rpc_ok("getContainerState", "{\"containerId\":\"web\"}");
                ck_assert_str_eq(json_string_value(json_object_get(state, "state")), "Paused");
                json_decref(rpc_ok("resumeContainer", "{\"containerId\":\"web\"}"));
        }

        /* Gone with the container, the group between too. */
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"web\",\"force\":true}"));
        wait_none();
        test_assert_clean(d.state_dir, NULL, cgparent);
        ck_assert_msg(access(group, F_OK) < 0 && access(top, F_OK) < 0, "%s left", top);
}
END_TEST

/* ---- a Dobby spec's rtPriority ---------------------------------------------------------- */

/* Does this process have the capability (its effective set, /proc/self/status)? */
static bool have_cap(unsigned cap)
{
        char line[256];
        unsigned long long eff = 0;
        FILE *f = fopen("/proc/self/status", "re");

        ck_assert_ptr_nonnull(f);
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "CapEff: %llx", &eff) == 1)
                        break;
        fclose(f);
        return eff & (1ull << cap);
}

#define RT_SPEC                                                                         \
        "{\"containerId\":\"rt\",\"dobbySpec\":{\"version\":\"1.1\",\"cwd\":\"/\","     \
        "\"args\":[\"sleep\",\"300\"],\"env\":[],\"user\":{\"uid\":1000,\"gid\":1000}," \
        "\"memLimit\":41943040,\"network\":\"private\",\"mounts\":[],"                  \
        "\"rtPriority\":{\"default\":5,\"limit\":10}}}"

START_TEST(realtime)
{
        char file[340];
        _cleanup_free_ char *budget = NULL, *sched = NULL;
        json_auto_t *r = NULL;

        /* RLIMIT_RTPRIO 10 raises the hard limit (0 here): that takes CAP_SYS_RESOURCE,
         * which a sandbox may have taken from root. Then the start fails, saying so, after
         * berthd has moved the container into its groups and made it SCHED_RR (which
         * fails first without the groups' real-time budget). */
        if (!have_cap(24 /* CAP_SYS_RESOURCE */)) {
                r = rpc("startContainerFromDobbySpec", "%s", RT_SPEC);
                ck_assert_msg(
                        !test_oci_ok(r) &&
                                strstr(json_string_value(json_object_get(r, "errorReason")) ?: "",
                                       "set RLIMIT_RTPRIO of the container: Operation not "
                                       "permitted"),
                        "%s", json_dumps(r, JSON_COMPACT));
                ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
                test_assert_clean(d.state_dir, NULL, cgparent);
                return;
        }
        json_decref(rpc_ok("startContainerFromDobbySpec", "%s", RT_SPEC));
        /* The payload runs SCHED_RR at 5, its limit 10 ... */
        sched = exec_out("rt", "sh -c 'chrt -p $(pidof sleep); grep \"Max realtime priority\" "
                               "/proc/$(pidof sleep)/limits'");
        ck_assert_msg(strstr(sched, "scheduling policy: SCHED_RR") &&
                              strstr(sched, "scheduling priority: 5") && strstr(sched, " 10 "),
                      "%s", sched);
        /* ... in a cpu group with a real-time budget. */
        r = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
        (void)snprintf(file, sizeof(file), "/sys/fs/cgroup/cpu/%s/%lld/cpu.rt_runtime_us", cgparent,
                       json_integer_value(json_object_get(json_array_get(r, 0), "id")));
        if (access(file, F_OK) == 0) {
                budget = read_host(file);
                ck_assert_str_eq(budget, "50000\n");
        }
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"rt\",\"force\":true}"));
        wait_none();
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- a Dobby spec's loop mounts ---------------------------------------------------------- */

/* startContainerFromDobbySpec of id with one mount (JSON text): its result. */
static json_t *start_dobby_with_mount(const char *id, const char *mount)
{
        return rpc("startContainerFromDobbySpec",
                   "{\"containerId\":\"%s\",\"dobbySpec\":{\"version\":\"1.0\",\"cwd\":\"/\","
                   "\"args\":[\"sleep\",\"300\"],\"env\":[],\"user\":{\"uid\":1000,\"gid\":1000},"
                   "\"memLimit\":41943040,\"network\":\"private\",\"mounts\":[%s]}}",
                   id, mount);
}

START_TEST(loop_mounts)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };
        char rootfs[400], mount[1200], image[440];
        _cleanup_free_ char *out = NULL;
        _cleanup_free_ char *dir = test_busybox_rootfs("berth-oci-loop", rootfs, sizeof(rootfs));
        json_auto_t *r = NULL;

        (void)snprintf(image, sizeof(image), "%s/busybox.sqsh", dir);
        (void)snprintf(mount, sizeof(mount),
                       "{\"source\":\"%s\",\"destination\":\"/data\",\"type\":\"loop\","
                       "\"fstype\":\"squashfs\",\"options\":[\"ro\",\"nosuid\"]}",
                       image);
        r = start_dobby_with_mount("loop", mount);
        ck_assert_msg(test_oci_ok(r), "%s", json_string_value(json_object_get(r, "errorReason")));
        /* The image's files at the destination, on a loop device of its own. */
        out = exec_out("loop", "ls /data/bin/busybox");
        ck_assert_str_eq(out, "/data/bin/busybox\n");
        ck_assert_int_eq(test_count_loops_backed_by(image), 1);
        /* A restarted berthd keeps it. */
        test_berthd_kill(&d);
        test_berthd_spawn(&d, false, extra);
        free(out);
        out = exec_out("loop", "ls /data/bin/busybox");
        ck_assert_str_eq(out, "/data/bin/busybox\n");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"loop\",\"force\":true}"));
        wait_none();
        ck_assert_int_eq(test_wait_loops_gone(image), 0);
        ck_assert_int_eq(test_count_mounts_under(d.state_dir), 0);

        /* What cannot be mounted: named, and nothing is left. */
        json_decref(r);
        (void)snprintf(mount, sizeof(mount),
                       "{\"source\":\"%s\",\"destination\":\"/data\",\"type\":\"loop\","
                       "\"fstype\":\"ext4\",\"options\":[\"ro\"]}",
                       image);
        r = start_dobby_with_mount("loop-ext4", mount);
        ck_assert_msg(!test_oci_ok(r) &&
                              strstr(json_string_value(json_object_get(r, "errorReason")) ?: "",
                                     "mounts[0]: mount the ext4 image"),
                      "%s", json_string_value(json_object_get(r, "errorReason")));
        json_decref(r);
        (void)snprintf(mount, sizeof(mount),
                       "{\"source\":\"%s\",\"destination\":\"/data\",\"type\":\"loop\","
                       "\"fstype\":\"squashfs\"}",
                       dir);
        r = start_dobby_with_mount("loop-dir", mount);
        ck_assert_msg(!test_oci_ok(r) &&
                              strstr(json_string_value(json_object_get(r, "errorReason")) ?: "",
                                     "mounts[0].source"),
                      "%s", json_string_value(json_object_get(r, "errorReason")));
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
        ck_assert_int_eq(test_wait_loops_gone(image), 0);
        test_assert_clean(d.state_dir, NULL, cgparent);
        test_rm_rf(dir);
}
END_TEST

/* ---- a Dobby spec's dbus: the AI buses ------------------------------------------------- */

static char ai_socket[400];
static int ai_fd = -1;

/* berthd with --oci-ai-public-bus naming a listening socket of the test's. */
static void setup_ai(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *extra[] = { "--cgroup-parent", cgparent, "--oci-ai-public-bus", ai_socket,
                                NULL };

        (void)test_sweep(cgparent);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        (void)snprintf(ai_socket, sizeof(ai_socket), "%s/ai-public.sock", work);
        (void)unlink(ai_socket);
        (void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ai_socket);
        ai_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(ai_fd, 0);
        ck_assert_int_eq(bind(ai_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(ai_fd, 4), 0);
        test_berthd_start(&d, false, extra);
}

static void teardown_ai(void)
{
        test_remove_everything_and_stop(&d);
        if (ai_fd >= 0)
                close(ai_fd);
        (void)unlink(ai_socket);
}

START_TEST(ai_buses)
{
        struct stat st;
        char want[64];
        _cleanup_free_ char *body = NULL, *out = NULL;

        /* dbus.session "ai-public": the node's socket at the session bus's place. */
        body = test_oci_dobby_request(work, "ai",
                                      "{\"args\": [\"sleep\", \"300\"], \"dbus\": {\"session\": "
                                      "\"ai-public\", \"system\": \"ai-private\"}}");
        test_oci_start_fails(&d, "/jsonrpc", body,
                             "dbus.system 'ai-private': this node has no ai-private bus");
        free(body);
        body = test_oci_dobby_request(work, "ai",
                                      "{\"args\": [\"sleep\", \"300\"], \"dbus\": {\"session\": "
                                      "\"ai-public\"}}");
        (void)test_oci_start_ok(&d, "/jsonrpc", body);
        ck_assert_int_eq(stat(ai_socket, &st), 0);
        (void)snprintf(want, sizeof(want), "%llu unix:path=%s\n", (unsigned long long)st.st_ino,
                       DOBBY_DBUS_SESSION_SOCKET);
        ck_assert_int_eq(test_oci_exec(&d, "/jsonrpc", "ai",
                                       "sh -c 'echo $(stat -c %i " DOBBY_DBUS_SESSION_SOCKET
                                       ") $DBUS_SESSION_BUS_ADDRESS'",
                                       &out),
                         0);
        ck_assert_str_eq(out, want);
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"ai\",\"force\":true}"));
        wait_none();
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- a console log swapped for a FIFO ------------------------------------------------------ */

/* A Dobby spec's console.path is a path anyone who can write its directory may replace:
 * with a FIFO nobody reads there, berthd's own lines (the container's end) must not
 * block it. */
START_TEST(console_fifo)
{
        char log[440];
        _cleanup_free_ char *body = NULL;
        double t0;

        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        body = test_oci_dobby_request(work, "fifo", "{\"args\": [\"sleep\", \"300\"]}");
        (void)test_oci_start_ok(&d, "/jsonrpc", body);
        (void)snprintf(log, sizeof(log), "%s/console.log", work);
        ck_assert_int_eq(unlink(log), 0);
        ck_assert_int_eq(mkfifo(log, 0600), 0);
        t0 = test_now();
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"fifo\",\"force\":true}"));
        wait_none();
        ck_assert_msg(test_now() - t0 < 5, "the stop took %.1f s", test_now() - t0);
        ck_assert_uint_eq(test_oci_n_listed(&d, "/jsonrpc"), 0);
        (void)unlink(log);
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- what executeCommand takes of the container's process ------------------------------- */

static void set_process(json_t *c, const void *data)
{
        json_t *p = json_object_get(c, "process");

        (void)data;
        json_object_set_new(json_object_get(p, "user"), "additionalGids",
                            json_pack("[i, i]", 5, 7));
        json_object_set_new(json_object_get(p, "user"), "umask", json_integer(027));
        json_object_set_new(
                p, "rlimits",
                json_pack("[{s:s, s:i, s:i}]", "type", "RLIMIT_NOFILE", "soft", 321, "hard", 654));
}

/* As crun exec: the container's supplementary groups (unless the exec names its own
 * user), resource limits and umask. */
START_TEST(exec_process)
{
        char dir[400];
        _cleanup_free_ char *out = NULL;
        json_auto_t *r = NULL;

        bundle("process", dir, set_process, NULL);
        json_decref(
                rpc_ok("startContainer", "{\"containerId\":\"proc\",\"bundlePath\":\"%s\"}", dir));
        ck_assert_int_eq(test_oci_exec(&d, "/jsonrpc", "proc",
                                       "sh -c 'id -G; ulimit -n; ulimit -Hn; umask'", &out),
                         0);
        ck_assert_msg(streq(out, "0 5 7\n321\n654\n0027\n"), "exec's process: '%s'", out);
        r = rpc_ok("executeCommand",
                   "{\"containerId\":\"proc\",\"options\":\"--user 1000:1000\",\"command\":\"id "
                   "-G\"}");
        ck_assert_str_eq(json_string_value(json_object_get(r, "output")), "1000\n");
        json_decref(rpc_ok("stopContainer", "{\"containerId\":\"proc\",\"force\":true}"));
        wait_none();
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

/* ---- memory plus swap ------------------------------------------------------------------- */

static void set_swap(json_t *c, const void *data)
{
        json_object_set_new(json_object_get(c, "linux"), "resources",
                            json_pack("{s:{s:I, s:I}}", "memory", "limit", (json_int_t)64 << 20,
                                      "swap", *(const json_int_t *)data));
}

/* The container's memsw (v1) as linux.resources.memory.swap asks: memory plus swap, or
 * unlimited with -1; without swap accounting on a host, nothing to read. */
START_TEST(swap)
{
        static const json_int_t asks[] = { (json_int_t)128 << 20, -1 };
        const char *want[] = { "134217728\n", "9223372036854771712\n" };

        for (size_t i = 0; i < ELEMENTSOF(asks); i++) {
                char dir[400], name[32], file[300];
                _cleanup_free_ char *memsw = NULL;
                json_auto_t *l = NULL;

                (void)snprintf(name, sizeof(name), "swap%zu", i);
                bundle(name, dir, set_swap, &asks[i]);
                json_decref(rpc_ok("startContainer",
                                   "{\"containerId\":\"%s\",\"bundlePath\":\"%s\"}", name, dir));
                l = test_call(&d, "GET", "/imageapi/v1/container", NULL, 200);
                (void)snprintf(file, sizeof(file),
                               "/sys/fs/cgroup/memory/%s/%lld/memory.memsw.limit_in_bytes",
                               cgparent,
                               json_integer_value(json_object_get(json_array_get(l, 0), "id")));
                if (access(file, F_OK) == 0) {
                        memsw = read_host(file);
                        ck_assert_str_eq(memsw, want[i]);
                }
                json_decref(
                        rpc_ok("stopContainer", "{\"containerId\":\"%s\",\"force\":true}", name));
                wait_none();
        }
        test_assert_clean(d.state_dir, NULL, cgparent);
}
END_TEST

static Suite *kernel_suite(void)
{
        Suite *s = suite_create("oci-kernel");

        tcase_add_test(test_tcase(s, "sysctls", setup, teardown, 60), sysctls);
        tcase_add_test(test_tcase(s, "joins", setup, teardown, 60), joins);
        tcase_add_test(test_tcase(s, "cgroups", setup, teardown, 60), cgroups_path);
        tcase_add_test(test_tcase(s, "realtime", setup, teardown, 60), realtime);
        tcase_add_test(test_tcase(s, "loop", setup, teardown, 90), loop_mounts);
        tcase_add_test(test_tcase(s, "dbus", setup_ai, teardown_ai, 60), ai_buses);
        tcase_add_test(test_tcase(s, "fifo", setup, teardown, 60), console_fifo);
        tcase_add_test(test_tcase(s, "exec", setup, teardown, 60), exec_process);
        tcase_add_test(test_tcase(s, "swap", setup, teardown, 60), swap);
        return s;
}

int main(void)
{
        const char *tmp;

        test_require_root("test-priv-oci-kernel");
        test_priv_begin("test-priv-oci-kernel", "oci-kernel");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        tmp = getenv("TMPDIR");
        (void)snprintf(work, sizeof(work), "%s/kernel-bundles", tmp && *tmp ? tmp : "/var/tmp");
        (void)snprintf(base, sizeof(base), "%s/base", work);
        return test_priv_run(kernel_suite(), "test-priv-oci-kernel", NULL, cgparent);
}

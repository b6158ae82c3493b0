/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged container tests: busybox squashfs images built at test time, a real
 * berthd, real namespaces, cgroups, seccomp and capabilities. Every test ends with no
 * mount, loop device, cgroup or process of its own left.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "launch-spec.h"
#include "macro.h"

static char *images;
static char image[512]; /* busybox with every applet */
static struct test_berthd d;
static char cgparent[64];

/* ---- fixture ----------------------------------------------------------------------- */

static void build_images(void)
{
        const char *src = getenv("BERTH_SRCDIR");
        char script[512];

        if (images)
                return; /* one set for every test case */
        images = test_tmpdir("berth-cimages-");
        (void)snprintf(image, sizeof(image), "%s/busybox.sqsh", images);
        (void)snprintf(script, sizeof(script), "%s/contrib/mkimage-busybox.sh", src ? src : ".");
        ck_assert_int_eq(test_run((const char *[]){ script, image, NULL }), 0);
}

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, "--log-max-size", "65536", NULL };

        /* cgparent was set in main(), before the runner forked this test. A test that
         * failed before this one left its containers and mounts (Check ends it without
         * its teardown): remove them, so that one failure does not fail every test after
         * it. */
        (void)test_sweep(cgparent);
        test_berthd_start(&d, false, extra);
}

static void setup_cold(void)
{
        const char *extra[] = {
                "--cgroup-parent", cgparent, "--log-max-size", "65536", "--zygotes", "0", NULL
        };

        (void)test_sweep(cgparent);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* Nothing of the test is left: mounts, loop devices, cgroups. */
static void assert_clean(void)
{
        test_assert_clean(d.state_dir, images, cgparent);
}

/* ---- helpers ----------------------------------------------------------------------- */

static json_t *post(const char *path, const char *body, long want)
{
        return test_call(&d, "POST", path, body, want);
}

static json_t *call(const char *method, const char *path, long want)
{
        return test_call(&d, method, path, NULL, want);
}

/* A container request on a fresh nested overlay over the busybox image. */
static char *container_body(const char *name, const char *state, const char *argv_json,
                            const char *extra)
{
        char *b;

        ck_assert(
                asprintf(&b,
                         "{%s%s%s\"state\":\"%s\",\"args\":%s,%s\"mount\":{\"overlay\":{\"lower\":"
                         "[{\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],"
                         "\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}]}}}",
                         name ? "\"name\":\"" : "", name ? name : "", name ? "\"," : "", state,
                         argv_json, extra ? extra : "", image) > 0);
        return b;
}

static char *read_log(json_t *c)
{
        char *text = NULL;

        ck_assert_int_ge(read_file(test_json_str(c, "logfile"), 1 << 22, &text, NULL), 0);
        return text;
}

/* ---- tests ------------------------------------------------------------------------- */

/* The seed walk-through, steps 3–9, with a loopback attachment in place of RBD and a
 * busybox payload in place of systemd (test-priv-systemd boots systemd). */
START_TEST(test_seed_walkthrough)
{
        char body[1024];
        json_t *c, *a;
        char *log, *out;
        pid_t pid;

        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\",\"base\":\"root\"}}",
                       image);
        json_decref(post("/imageapi/v1/attach", body, 201));
        json_decref(post("/imageapi/v1/mount",
                         "{\"id\": 0, \"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},"
                         "\"fs_type\": \"squashfs\", \"mount_options\": [ \"ro\" ]}}",
                         201));
        c = post("/imageapi/v1/mount/overlay", "{ \"lower\": [ 0 ]}", 201);
        ck_assert_int_eq(test_json_int(c, "id"), 1);
        json_decref(c);

        /* Step 6, verbatim but for the command. */
        c = post(
                "/imageapi/v1/container",
                "{ \"name\": \"test-container\", \"mount\": { \"id\": 1, \"kind\": \"overlay\" }, "
                "\"command\": \"/bin/sh -c 'echo started; exec sleep 60'\", \"state\": \"created\" "
                "}",
                201);
        ck_assert_int_eq(test_json_int(c, "id"), 0);
        ck_assert_str_eq(test_json_str(c, "state"), "created");
        ck_assert_msg(strstr(test_json_str(c, "logfile"), "/logs/0-"), "logfile");
        log = read_log(c);
        ck_assert_msg(strstr(log, "container(0): container created"), "%s", log);
        free(log);
        json_decref(c);

        /* Step 7: GET /container/0/running starts it. */
        c = call("GET", "/imageapi/v1/container/0/running", 200);
        ck_assert_str_eq(test_json_str(c, "state"), "running");
        pid = (pid_t)test_json_int(c, "pid");
        ck_assert(test_pid_alive(pid));
        json_decref(c);
        /* The payload is sh, which execs sleep once it has run: look until it has. */
        for (int i = 0; i < 100; i++) {
                out = test_in_container(pid, "ps; hostname");
                if (strstr(out, "sleep 60"))
                        break;
                free(out);
                out = NULL;
                usleep(20000);
        }
        ck_assert_msg(out && strstr(out, "berth-init") && strstr(out, "sleep 60") &&
                              strstr(out, "test-container"),
                      "%s", out ? out : "(no sleep 60 within 2 s)");
        free(out);
        /* ps shows "sleep 60" in sh's own command line too, before sh has run echo: on a
         * loaded machine the stop below could come first. Wait for the output. */
        for (int i = 0; i < 500; i++) {
                c = test_get_container(&d, 0);
                log = read_log(c);
                json_decref(c);
                if (strstr(log, "started"))
                        break;
                free(log);
                log = NULL;
                usleep(10000);
        }
        ck_assert_msg(log, "the payload's output never reached the log");
        free(log);

        a = call("GET", "/imageapi/v1/container", 200);
        ck_assert_int_eq(json_array_size(a), 1);
        json_decref(a);

        /* Step 8: by name. One container object, as upstream's swagger and server
         * answer and Go clients decode (the walk-through's README prints an array). */
        a = call("GET", "/imageapi/v1/container/byname/test-container/exited", 200);
        ck_assert(json_is_object(a));
        /* sleep ends at once on SIGTERM: it may be gone before the reply is made. */
        ck_assert_msg(streq(test_json_str(a, "state"), "stopping") ||
                              streq(test_json_str(a, "state"), "exited"),
                      "%s", test_json_str(a, "state"));
        json_decref(a);
        c = test_wait_container_state(&d, 0, "exited", 5);
        ck_assert(!test_pid_alive(pid));
        json_decref(c);

        /* Step 9. */
        c = call("DELETE", "/imageapi/v1/container/0", 200);
        log = read_log(c);
        json_decref(c);
        ck_assert_msg(strstr(log, "starting container") && strstr(log, "init: mounting /proc") &&
                              strstr(log, "init: making device file /dev/null") &&
                              strstr(log, "started") && strstr(log, "container deleted"),
                      "%s", log);
        free(log);
        json_decref(call("DELETE", "/imageapi/v1/mount/overlay/1", 200));
        json_decref(call("DELETE", "/imageapi/v1/mount?id=0", 200));
        json_decref(call("DELETE", "/imageapi/v1/attach?id=0", 200));
        assert_clean();
}
END_TEST

START_TEST(test_exit_codes_and_signals)
{
        static const struct {
                const char *argv, *state;
                int code, sig;
        } cases[] = {
                { "[\"/bin/true\"]", "exited", 0, 0 },
                { "[\"sh\",\"-c\",\"exit 7\"]", "dead", 7, 0 },
                { "[\"sh\",\"-c\",\"kill -SEGV $$\"]", "dead", -1, 11 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *b = container_body(NULL, "running", cases[i].argv, NULL);
                json_t *c = post("/imageapi/v1/container", b, 201);
                long long id = test_json_int(c, "id");
                json_t *e;
                char path[64];

                json_decref(c);
                c = test_wait_container_state(&d, id, cases[i].state, 5);
                e = json_object_get(c, "exit_code");
                if (cases[i].code >= 0)
                        ck_assert_msg(json_integer_value(e) == cases[i].code, "case %zu: %s", i,
                                      json_dumps(c, 0));
                else
                        ck_assert_int_eq(json_integer_value(json_object_get(c, "signal")),
                                         cases[i].sig);
                ck_assert(json_is_string(json_object_get(c, "finished_at")));
                json_decref(c);
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
                json_decref(call("DELETE", path, 200));
        }
        /* Counted for /metrics. */
        {
                struct test_reply r;
                test_get(&d, "/metrics", &r);
                ck_assert_msg(strstr(r.body, "berth_container_starts_total 3\n") &&
                                      strstr(r.body, "berth_container_exits_total 3\n"),
                              "%s", r.body);
                test_reply_done(&r);
        }
        assert_clean();
}
END_TEST

START_TEST(test_logs_and_rotation)
{
        _cleanup_free_ char *b = container_body(
                "logger", "running",
                "[\"sh\",\"-c\",\"echo to-stdout; echo to-stderr >&2; i=0; while [ $i -lt 900 ]; "
                "do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done; echo "
                "the-end\"]",
                NULL);
        json_t *c = post("/imageapi/v1/container", b, 201);
        _cleanup_free_ char *old_path = NULL, *old = NULL;
        struct stat st;
        char *log;

        json_decref(c);
        c = test_wait_container_state(&d, 0, "exited", 10);
        log = read_log(c);
        ck_assert_msg(strstr(log, "the-end"), "last line missing: %s", log);
        ck_assert(asprintf(&old_path, "%s.1", test_json_str(c, "logfile")) > 0);
        /* 900 lines of ~150 bytes is ~130 KiB against a 64 KiB cap: the log was rotated,
         * the last lines are in the log and the first ones were in an old copy. */
        ck_assert_int_eq(stat(test_json_str(c, "logfile"), &st), 0);
        ck_assert_msg(st.st_size <= 65536 + 16384, "log is %lld bytes", (long long)st.st_size);
        ck_assert_int_ge(read_file(old_path, 1 << 22, &old, NULL), 0);
        ck_assert_msg(strlen(old) > 32768 && strstr(old, "line-"), "old log: %.300s", old);
        ck_assert_msg(!strstr(log, "to-stdout"), "the first lines were not rotated out");
        free(log);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=logger", 200));
        assert_clean();
}
END_TEST

START_TEST(test_stop_trap_and_escalation)
{
        _cleanup_free_ char *trap = container_body(
                "trap", "running",
                "[\"sh\",\"-c\",\"trap 'echo got-term; exit 0' TERM; while :; do sleep 0.1; "
                "done\"]",
                NULL);
        _cleanup_free_ char *deaf = container_body(
                "deaf", "running", "[\"sh\",\"-c\",\"trap '' TERM; while :; do sleep 0.1; done\"]",
                "\"stop_timeout\":1,");
        json_t *c;
        double t0, dt;
        char *log;

        json_decref(post("/imageapi/v1/container", trap, 201));
        json_decref(post("/imageapi/v1/container", deaf, 201));
        usleep(300000);

        t0 = test_now();
        c = call("PATCH", "/imageapi/v1/container?name=trap&state=exited", 200);
        /* The trap may have ended it before the reply was made. */
        ck_assert_msg(streq(test_json_str(c, "state"), "stopping") ||
                              streq(test_json_str(c, "state"), "exited"),
                      "%s", test_json_str(c, "state"));
        json_decref(c);
        c = test_wait_container_state(&d, 0, "exited", 5);
        dt = test_now() - t0;
        ck_assert_msg(dt < 1.0, "a TERM-handling payload took %.2f s to stop", dt);
        ck_assert_int_eq(test_json_int(c, "exit_code"), 0);
        log = read_log(c);
        ck_assert_msg(strstr(log, "got-term"), "%s", log);
        free(log);
        json_decref(c);

        t0 = test_now();
        json_decref(call("PATCH", "/imageapi/v1/container?name=deaf&state=exited", 200));
        usleep(500000);
        c = test_get_container(&d, 1);
        ck_assert_str_eq(test_json_str(c, "state"), "stopping");
        json_decref(c);
        c = test_wait_container_state(&d, 1, "exited", 5);
        dt = test_now() - t0;
        ck_assert_msg(dt >= 0.9 && dt < 3, "escalation after %.2f s (stop_timeout 1 s)", dt);
        ck_assert_int_eq(test_json_int(c, "signal"), 9);
        log = read_log(c);
        ck_assert_msg(strstr(log, "stop timeout"), "%s", log);
        free(log);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=trap", 200));
        json_decref(call("DELETE", "/imageapi/v1/container?name=deaf", 200));
        assert_clean();
}
END_TEST

START_TEST(test_pause_resume)
{
        _cleanup_free_ char *b = container_body(
                "counter", "running",
                "[\"sh\",\"-c\",\"i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.02; "
                "done\"]",
                NULL);
        json_t *c = post("/imageapi/v1/container", b, 201);
        char *x, *y, *z;
        pid_t pid = (pid_t)test_json_int(c, "pid");

        json_decref(c);
        usleep(200000);
        /* The whole list (served from a cache while nothing changes) follows. */
        c = call("GET", "/imageapi/v1/container", 200);
        ck_assert_str_eq(test_json_str(json_array_get(c, 0), "state"), "running");
        json_decref(c);
        c = call("GET", "/imageapi/v1/container", 200);
        json_decref(c);
        c = call("PATCH", "/imageapi/v1/container?name=counter&state=paused", 200);
        ck_assert_str_eq(test_json_str(c, "state"), "paused");
        json_decref(c);
        c = call("GET", "/imageapi/v1/container", 200);
        ck_assert_str_eq(test_json_str(json_array_get(c, 0), "state"), "paused");
        json_decref(c);
        x = test_in_container(pid, "cat /tmp/n");
        usleep(400000);
        y = test_in_container(pid, "cat /tmp/n");
        ck_assert_msg(streq(x, y), "a paused container made progress: %s -> %s", x, y);
        /* A paused container cannot be deleted without force. */
        json_decref(call("DELETE", "/imageapi/v1/container?name=counter", 409));
        c = call("PATCH", "/imageapi/v1/container?name=counter&state=running", 200);
        ck_assert_str_eq(test_json_str(c, "state"), "running");
        json_decref(c);
        /* It goes on counting (on a loaded machine, give it up to 5 s). */
        z = NULL;
        for (int i = 0; i < 50; i++) {
                free(z);
                usleep(100000);
                z = test_in_container(pid, "cat /tmp/n");
                if (atoi(z) > atoi(y))
                        break;
        }
        ck_assert_msg(atoi(z) > atoi(y), "no progress after resume: '%.8s' -> '%.8s'", y, z);
        free(x);
        free(y);
        free(z);
        /* Stop while paused: the signal is delivered once thawed. */
        json_decref(call("PATCH", "/imageapi/v1/container?name=counter&state=paused", 200));
        json_decref(call("PATCH", "/imageapi/v1/container?name=counter&state=exited", 200));
        json_decref(test_wait_container_state(&d, 0, "exited", 5));
        json_decref(call("DELETE", "/imageapi/v1/container?name=counter", 200));
        c = call("GET", "/imageapi/v1/container", 200);
        ck_assert_int_eq(json_array_size(c), 0);
        json_decref(c);
        assert_clean();
}
END_TEST

START_TEST(test_memory_limit_oom)
{
        _cleanup_free_ char *b = container_body("hog", "running", "[\"tail\",\"/dev/zero\"]",
                                                "\"limits\":{\"memory\":33554432},");
        json_t *c = post("/imageapi/v1/container", b, 201);
        char *log;

        json_decref(c);
        c = test_wait_container_state(&d, 0, "dead", 20);
        ck_assert_msg(json_is_true(json_object_get(c, "oom_killed")), "%s", json_dumps(c, 0));
        ck_assert_int_eq(test_json_int(c, "signal"), 9);
        log = read_log(c);
        ck_assert_msg(strstr(log, "out of memory"), "%s", log);
        free(log);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=hog", 200));
        assert_clean();
}
END_TEST

START_TEST(test_pids_limit)
{
        /* The inner shell forks until it cannot (ash gives up on a failed fork); the
         * outer one then keeps the container alive for inspection. */
        _cleanup_free_ char *b = container_body(
                "forker", "running",
                "[\"sh\",\"-c\",\"sh -c 'i=0; while [ $i -lt 40 ]; do sleep 30 & i=$((i+1)); "
                "done'; echo fork-bomb-stopped; sleep 30\"]",
                "\"limits\":{\"pids\":16},");
        json_t *c = post("/imageapi/v1/container", b, 201);
        char path[256], *text = NULL, *log = NULL;
        double deadline = test_now() + 5;

        for (;;) {
                free(log);
                log = read_log(c);
                if (strstr(log, "fork-bomb-stopped") || test_now() > deadline)
                        break;
                usleep(20000);
        }
        ck_assert_msg(strstr(log, "can't fork") && strstr(log, "fork-bomb-stopped"), "%s", log);
        free(log);
        (void)snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/%s/0/pids.current", cgparent);
        ck_assert_int_ge(read_file(path, 64, &text, NULL), 0);
        ck_assert_msg(atoi(text) <= 16 && atoi(text) > 1, "pids.current %s", text);
        free(text);
        (void)snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/%s/0/pids.events", cgparent);
        ck_assert_int_ge(read_file(path, 64, &text, NULL), 0);
        ck_assert_msg(strncmp(text, "max ", 4) == 0 && atoi(text + 4) > 0, "pids.events %s", text);
        free(text);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=forker&force=true", 200));
        assert_clean();
}
END_TEST

START_TEST(test_namespaces_and_root)
{
        _cleanup_free_ char *b =
                container_body("iso", "running", "[\"sleep\",\"60\"]", "\"namespaces\":[\"net\"],");
        json_t *c = post("/imageapi/v1/container", b, 201);
        pid_t pid = (pid_t)test_json_int(c, "pid");
        char *out;

        json_decref(c);
        out = test_in_container(pid, "tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; "
                                     "cat /proc/self/mountinfo; ip -o link; ls /");
        ck_assert_msg(strncmp(out, "berth-init", 10) == 0, "PID 1 is not berth-init: %s", out);
        ck_assert_msg(strstr(out, "\niso\n"), "hostname: %s", out);
        /* No host mount is visible: not the state dir, not the host's root device. */
        ck_assert_msg(!strstr(out, d.state_dir + 1) || strstr(out, "lowerdir="),
                      "host paths visible: %s", out);
        ck_assert_msg(!strstr(out, " /work") && !strstr(out, " /var/tmp") && !strstr(out, " /run/"),
                      "host mounts visible: %s", out);
        /* Only loopback in the new network namespace. */
        ck_assert_msg(strstr(out, "lo:") && !strstr(out, "eth0"), "%s", out);
        free(out);
        json_decref(call("DELETE", "/imageapi/v1/container?name=iso&force=true", 200));
        ck_assert(!test_pid_alive(pid));

        /* A user namespace (identity-mapped) and a cgroup namespace on request. */
        {
                _cleanup_free_ char *u = container_body(
                        "userns", "running",
                        "[\"sh\",\"-c\",\"cat /proc/self/uid_map; cat /proc/self/cgroup; "
                        "echo x > /dev/null && echo null-ok\"]",
                        "\"namespaces\":[\"user\",\"cgroup\"],");
                char *log;

                c = post("/imageapi/v1/container", u, 201);
                json_decref(c);
                c = test_wait_container_state(&d, 1, "exited", 5);
                log = read_log(c);
                ck_assert_msg(strstr(log, "0          0 4294967295") && strstr(log, "0::/\n") &&
                                      strstr(log, "null-ok"),
                              "%s", log);
                free(log);
                json_decref(c);
                json_decref(call("DELETE", "/imageapi/v1/container?name=userns", 200));
        }
        assert_clean();
}
END_TEST

/* What a container must not do fails with EPERM inside: capabilities it does not have,
 * calls the seccomp filter denies, devices outside the allow-list, read-only /proc. */
START_TEST(test_security)
{
        _cleanup_free_ char *b = container_body(
                "jail", "running",
                "[\"sh\",\"-c\",\"hostname evil 2>&1; echo hostname=$?; insmod /etc/os-release "
                "2>&1; echo insmod=$?; date -s 2001-01-01 2>&1; echo date=$?; "
                "echo 1 > /proc/sys/kernel/printk 2>&1; echo sysctl=$?; "
                "mknod /tmp/disk b 7 0 && head -c 1 /tmp/disk 2>&1; echo disk=$?; "
                "wc -c < /proc/kcore; "
                "grep -E 'CapBnd|CapAmb|SigIgn|NoNewPrivs|Seccomp:' /proc/self/status\"]",
                NULL);
        json_t *c = post("/imageapi/v1/container", b, 201);
        char *log;

        json_decref(c);
        c = test_wait_container_state(&d, 0, "exited", 10);
        log = read_log(c);
        ck_assert_msg(strstr(log, "hostname=1"), "sethostname without CAP_SYS_ADMIN: %s", log);
        ck_assert_msg(strstr(log, "insmod=1") && strstr(log, "Operation not permitted"),
                      "init_module: %s", log);
        ck_assert_msg(strstr(log, "can't set date: Operation not permitted"), "settimeofday: %s",
                      log);
        ck_assert_msg(strstr(log, "sysctl=1") || strstr(log, "sysctl=2"), "/proc/sys: %s", log);
        ck_assert_msg(strstr(log, "disk=1"), "block device outside the allow-list: %s", log);
        ck_assert_msg(strstr(log, "NoNewPrivs:\t1") && strstr(log, "Seccomp:\t2"), "%s", log);
        ck_assert_msg(strstr(log, "CapBnd:\t00000000a80405fb"), "%s", log);
        ck_assert_msg(strstr(log, "CapAmb:\t0000000000000000"), "%s", log);
        /* berthd ignores SIGPIPE; the payload must not inherit that (busybox sh
         * ignores a few signals of its own, so only SIGPIPE's bit is checked). */
        {
                const char *ign = strstr(log, "SigIgn:\t");
                ck_assert_ptr_nonnull(ign);
                ck_assert_msg((strtoull(ign + 8, NULL, 16) & (1ull << (SIGPIPE - 1))) == 0,
                              "SIGPIPE still ignored: %s", log);
        }
        free(log);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=jail", 200));
        assert_clean();
}
END_TEST

/* The v0.2 chain exactly as the go-swagger v0.2.0 client's models send it: every zero
 * field left out, so a reference to attachment 0 or mount 0 is an object with its kind
 * and nothing else; "namespaces" (not omitempty in the model) as null. Every reply must
 * have the model's JSON types. */
START_TEST(test_go_client_v02_chain)
{
        char body[1024];
        json_t *j;
        long long pid;

        (void)snprintf(body, sizeof(body), "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\"}}",
                       image);
        j = post("/imageapi/v1/attach", body, 201);
        test_assert_imageapi_shape(j, "attach");
        ck_assert_int_eq(test_json_int(j, "id"), 0);
        json_decref(j);
        j = post("/imageapi/v1/mount",
                 "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"kind\":\"loopback\"},"
                 "\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}}",
                 201);
        test_assert_imageapi_shape(j, "mount");
        ck_assert_int_eq(test_json_int(j, "id"), 0);
        ck_assert_int_eq(
                test_json_int(json_object_get(json_object_get(j, "attach"), "attach"), "id"), 0);
        json_decref(j);
        j = post("/imageapi/v1/mount",
                 "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"attach\"}]}}", 201);
        test_assert_imageapi_shape(j, "mount");
        ck_assert_int_eq(test_json_int(j, "id"), 1);
        json_decref(j);
        j = post("/imageapi/v1/container",
                 "{\"command\":\"sleep 1000\",\"mount\":{\"id\":1,\"kind\":\"overlay\"},"
                 "\"name\":\"gochain\",\"namespaces\":null,\"state\":\"running\"}",
                 201);
        test_assert_imageapi_shape(j, "container");
        ck_assert_str_eq(test_json_str(j, "state"), "running");
        pid = test_json_int(j, "pid");
        json_decref(j);
        /* Lists: arrays of the models. */
        static const struct {
                const char *path, *model;
        } lists[] = {
                { "/imageapi/v1/attach", "[attach]" },
                { "/imageapi/v1/mount", "[mount]" },
                { "/imageapi/v1/container", "[container]" },
                { "/imageapi/v1/container?name=gochain", "[container]" },
        }, deletes[] = {
                { "/imageapi/v1/container?name=gochain", "container" },
                { "/imageapi/v1/mount?id=1", "mount" },
                { "/imageapi/v1/mount?id=0", "mount" },
                { "/imageapi/v1/attach?id=0", "attach" },
        };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                json_decref(test_assert_imageapi_shape(call("GET", lists[i].path, 200),
                                                       lists[i].model));
        json_decref(test_assert_imageapi_shape(
                call("PATCH", "/imageapi/v1/container?name=gochain&state=exited", 200),
                "container"));
        json_decref(test_wait_container_state(&d, 0, "exited", 10));
        ck_assert(!test_pid_alive((pid_t)pid));
        for (size_t i = 0; i < ELEMENTSOF(deletes); i++)
                json_decref(test_assert_imageapi_shape(call("DELETE", deletes[i].path, 200),
                                                       deletes[i].model));
        assert_clean();
}
END_TEST

START_TEST(test_bad_requests_leave_nothing)
{
        struct test_snapshot before;
        char body[1024];
        json_t *c;

        test_snapshot_take(&before, images);
        (void)snprintf(body, sizeof(body),
                       "{\"name\":\"x\",\"command\":\"/no/such/init\",\"state\":\"running\","
                       "\"mount\":{\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\","
                       "\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}]}}}",
                       image);
        c = post("/imageapi/v1/container", body, 422);
        ck_assert_msg(strstr(test_json_str(c, "message"), "/no/such/init"), "%s",
                      test_json_str(c, "message"));
        json_decref(c);
        (void)snprintf(body, sizeof(body),
                       "{\"name\":\"x\",\"command\":\"/etc/os-release\",\"mount\":{\"overlay\":{"
                       "\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\",\"attach\":{\"loopback\":"
                       "{\"path\":\"%s\"}}}}]}}}",
                       image);
        c = post("/imageapi/v1/container", body, 422);
        ck_assert_msg(strstr(test_json_str(c, "message"), "not an executable"), "%s",
                      test_json_str(c, "message"));
        json_decref(c);
        json_decref(post("/imageapi/v1/container", "{\"command\":\"/bin/sh\",\"mount\":{\"id\":7}}",
                         404));
        json_decref(post("/imageapi/v1/container",
                         "{\"command\":\"/bin/sh\",\"namespaces\":[\"time\"],\"mount\":{\"id\":7}}",
                         422));
        test_snapshot_assert_same(&before);
        test_snapshot_done(&before);

        /* Nothing was consumed: the next container is 0, its mounts 0 and 1. */
        {
                _cleanup_free_ char *b = container_body("ok", "created", "[\"true\"]", NULL);
                c = post("/imageapi/v1/container", b, 201);
                ck_assert_int_eq(test_json_int(c, "id"), 0);
                ck_assert_int_eq(test_json_int(json_object_get(c, "mount"), "id"), 1);
                json_decref(c);
        }
        {
                _cleanup_free_ char *b = container_body("ok", "created", "[\"true\"]", NULL);
                c = post("/imageapi/v1/container", b, 409);
                ck_assert_msg(strstr(test_json_str(c, "message"), "'ok' exists"), "%s",
                              test_json_str(c, "message"));
                json_decref(c);
        }
        json_decref(call("PATCH", "/imageapi/v1/container?name=ok&state=paused", 409));
        json_decref(call("PATCH", "/imageapi/v1/container?name=ok&state=dead", 422));
        json_decref(call("PATCH", "/imageapi/v1/container?state=running", 422));
        json_decref(call("PATCH", "/imageapi/v1/container?name=nope&state=running", 404));
        json_decref(call("GET", "/imageapi/v1/container/byname/nope", 404));
        json_decref(call("DELETE", "/imageapi/v1/container/9", 404));
        /* Deleting the container releases the nested mounts with it. */
        json_decref(call("DELETE", "/imageapi/v1/container?name=ok", 200));
        c = call("GET", "/imageapi/v1/mount", 200);
        ck_assert_int_eq(json_array_size(c), 0);
        json_decref(c);
        assert_clean();
}
END_TEST

/* A container in use keeps its mount; force deletes kill it. */
START_TEST(test_delete_cascade)
{
        _cleanup_free_ char *b = container_body("runner", "running", "[\"sleep\",\"60\"]", NULL);
        json_t *c = post("/imageapi/v1/container", b, 201);
        pid_t pid = (pid_t)test_json_int(c, "pid");
        long long mid = test_json_int(json_object_get(c, "mount"), "id");
        char path[128];

        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=runner", 409));
        (void)snprintf(path, sizeof(path), "/imageapi/v1/mount?id=%lld", mid);
        c = call("DELETE", path, 409);
        ck_assert_msg(strstr(test_json_str(c, "message"), "container 0"), "%s",
                      test_json_str(c, "message"));
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=runner&force=true", 200));
        ck_assert(!test_pid_alive(pid));
        c = call("GET", "/imageapi/v1/attach", 200);
        ck_assert_int_eq(json_array_size(c), 0);
        json_decref(c);
        assert_clean();
}
END_TEST

/* Reads server-sent events from a raw connection. */
START_TEST(test_events)
{
        _cleanup_free_ char *b =
                container_body("ev", "running", "[\"sh\",\"-c\",\"exit 3\"]", NULL);
        struct sockaddr_in sa = { .sin_family = AF_INET };
        char req[256], buf[16384];
        size_t len = 0;
        double deadline;
        int fd, port;

        ck_assert_int_eq(sscanf(d.url, "http://127.0.0.1:%d", &port), 1);
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        (void)snprintf(req, sizeof(req), "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        usleep(100000);

        json_decref(post("/imageapi/v1/container", b, 201));
        deadline = test_now() + 5;
        (void)fcntl(fd, F_SETFL, O_NONBLOCK);
        while (test_now() < deadline && !strstr(buf, "\"event\":\"dead\"")) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n > 0) {
                        len += (size_t)n;
                        buf[len] = 0;
                } else
                        usleep(10000);
        }
        close(fd);
        ck_assert_msg(strstr(buf, "text/event-stream"), "%s", buf);
        ck_assert_msg(strstr(buf, "event: mount") && strstr(buf, "\"event\":\"created\""), "%s",
                      buf);
        ck_assert_msg(strstr(buf, "\"event\":\"running\"") && strstr(buf, "\"name\":\"ev\""), "%s",
                      buf);
        ck_assert_msg(strstr(buf, "\"event\":\"dead\"") && strstr(buf, "\"exit_code\":3"), "%s",
                      buf);
        json_decref(call("DELETE", "/imageapi/v1/container?name=ev", 200));
        assert_clean();
}
END_TEST

/* Containers do not die with berthd; berth-init records how the payload ended. */
START_TEST(test_survives_berthd)
{
        _cleanup_free_ char *b =
                container_body("survivor", "running", "[\"sh\",\"-c\",\"sleep 4; exit 5\"]", NULL);
        json_t *c = post("/imageapi/v1/container", b, 201);
        pid_t pid = (pid_t)test_json_int(c, "pid");
        char status_path[512], *status = NULL;

        json_decref(c);
        /* The payload outlives berthd's stop by seconds, also when that stop is slow (a
         * sanitizer's leak check at exit): 1 s raced it. */
        test_berthd_kill(&d);
        ck_assert(test_pid_alive(pid));
        (void)snprintf(status_path, sizeof(status_path), "%s/containers/0/exit.json", d.state_dir);
        for (int i = 0; i < 800 && test_pid_alive(pid); i++)
                usleep(10000);
        ck_assert(!test_pid_alive(pid));
        ck_assert_int_ge(read_file(status_path, 4096, &status, NULL), 0);
        ck_assert_msg(strstr(status, "\"exit_code\":5"), "%s", status);
        free(status);

        /* The next berthd reports how it ended, and removes it on request. */
        test_berthd_spawn(&d, false, (const char *[]){ "--cgroup-parent", cgparent, NULL });
        c = test_get_container(&d, 0);
        ck_assert_str_eq(test_json_str(c, "state"), "dead");
        ck_assert_int_eq(test_json_int(c, "exit_code"), 5);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?id=0", 200));
        ck_assert_int_eq(test_wait_loops_gone(images), 0);
        ck_assert_int_eq(test_count_container_cgroups(cgparent), 0);
}
END_TEST

/* Zygotes: ready processes for the default profile that hold no host mount, wait in
 * cgroups of their own, become containers (groups renamed to the container's id), are
 * replaced, are skipped when dead, and end with berthd, even a killed one. */
START_TEST(test_zygotes)
{
        _cleanup_free_ char *b = container_body("zyg", "running", "[\"sleep\",\"1000\"]", NULL);
        _cleanup_free_ char *mi = NULL, *cg = NULL;
        pid_t z[8], z2[8], pid;
        char p[300], want[128];
        json_t *c;
        int n;

        ck_assert_int_eq(test_wait_children(d.pid, "berth-zygote", 2, z, ELEMENTSOF(z)), 2);
        /* The default profile's restrictions are on before any claim: no_new_privs, the
         * bounding set and the seccomp filter. */
        {
                _cleanup_free_ char *st = NULL;
                char bnd[64];
                (void)snprintf(p, sizeof(p), "/proc/%d/status", (int)z[0]);
                ck_assert_int_ge(read_file(p, 1 << 16, &st, NULL), 0);
                (void)snprintf(bnd, sizeof(bnd), "CapBnd:\t%016llx\n",
                               (unsigned long long)BERTH_CAPS_ZYGOTE);
                ck_assert_msg(strstr(st, "NoNewPrivs:\t1\n") && strstr(st, "Seccomp:\t2\n") &&
                                      strstr(st, bnd),
                              "%s", st);
        }
        /* Pivoted into its staging tmpfs: nothing of the host's tree. */
        (void)snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)z[0]);
        ck_assert_int_ge(read_file(p, 1 << 20, &mi, NULL), 0);
        ck_assert_msg(!strstr(mi, d.state_dir) && !strstr(mi, "cgroup") && !strstr(mi, images),
                      "a zygote sees host mounts: %s", mi);
        (void)snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)z[0]);
        ck_assert_int_ge(read_file(p, 1 << 16, &cg, NULL), 0);
        (void)snprintf(want, sizeof(want), ":/%s/z", cgparent);
        ck_assert_msg(strstr(cg, want), "%s", cg);

        /* One dies: the next container takes the other one. */
        ck_assert_int_eq(kill(z[0], SIGKILL), 0);
        for (int i = 0; i < 200 && test_pid_alive(z[0]); i++)
                usleep(10000);
        c = post("/imageapi/v1/container", b, 201);
        pid = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        /* Taken from the pool (the other one, or one refilled meanwhile), not the dead
         * one: its PID 1 is a claimed zygote (it has the seccomp filter itself, which a
         * fresh berth-init leaves to its payload), whose command line reads as a fresh
         * berth-init's, without the zygote's arguments. */
        ck_assert_int_ne(pid, z[0]);
        {
                _cleanup_free_ char *cmd = NULL, *st = NULL;
                size_t len = 0;
                (void)snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
                ck_assert_int_ge(read_file(p, 1 << 16, &st, NULL), 0);
                ck_assert_msg(strstr(st, "Seccomp:\t2\n"), "%s", st);
                (void)snprintf(p, sizeof(p), "/proc/%d/cmdline", (int)pid);
                ck_assert_int_ge(read_file(p, 4096, &cmd, &len), 0);
                ck_assert_msg(len == sizeof("berth-init") && memcmp(cmd, "berth-init", len) == 0,
                              "%.*s", (int)len, cmd);
        }
        cg = mfree(cg);
        (void)snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        ck_assert_int_ge(read_file(p, 1 << 16, &cg, NULL), 0);
        (void)snprintf(want, sizeof(want), ":/%s/0\n", cgparent);
        ck_assert_msg(strstr(cg, want), "%s", cg);
        {
                _cleanup_free_ char *out = test_in_container(pid, "hostname");
                ck_assert_msg(strstr(out, "zyg"), "%s", out);
        }

        /* Refilled; and a killed berthd takes its zygotes with it (not its container). */
        ck_assert_int_eq(test_wait_children(d.pid, "berth-zygote", 2, z2, ELEMENTSOF(z2)), 2);
        ck_assert(z2[0] != pid && z2[1] != pid);
        test_berthd_crash(&d);
        for (int i = 0; i < 300 && (test_pid_alive(z2[0]) || test_pid_alive(z2[1])); i++)
                usleep(10000);
        ck_assert(!test_pid_alive(z2[0]) && !test_pid_alive(z2[1]));
        ck_assert(test_pid_alive(pid));
        test_berthd_spawn(&d, false, (const char *[]){ "--cgroup-parent", cgparent, NULL });
        n = test_wait_children(d.pid, "berth-zygote", 2, z2, ELEMENTSOF(z2));
        ck_assert_int_eq(n, 2);
        ck_assert(z2[0] != pid && z2[1] != pid);
        json_decref(call("DELETE", "/imageapi/v1/container?id=0&force=true", 200));
        ck_assert(!test_pid_alive(pid));
        assert_clean();
}
END_TEST

/* berthd holds a container's mount namespace while it runs, so that the namespace's
 * teardown (an RCU grace period) comes after its end is reported, and lets go of it
 * then: nothing of the container's mounts outlives its exit. Its PID 1 has pivoted
 * into the container's root, with nothing else stacked below (a zygote's staging
 * tmpfs is detached once the payload runs). */
START_TEST(test_mount_namespace_held)
{
        _cleanup_free_ char *b = container_body("held", "running", "[\"sleep\",\"1000\"]", NULL);
        char p[64], link[128];
        json_t *c = post("/imageapi/v1/container", b, 201);
        pid_t pid = (pid_t)test_json_int(c, "pid");
        ssize_t n;

        json_decref(c);
        (void)snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)pid);
        n = readlink(p, link, sizeof(link) - 1);
        ck_assert_int_gt(n, 0);
        link[n] = 0;
        ck_assert_msg(test_holds_fd_on(d.pid, link), "berthd does not hold %s", link);
        {
                _cleanup_free_ char *mi = NULL;
                bool staged = true;
                (void)snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)pid);
                for (int i = 0; i < 100 && staged; i++) {
                        mi = mfree(mi);
                        ck_assert_int_ge(read_file(p, 1 << 20, &mi, NULL), 0);
                        staged = strstr(mi, " berth-zygote ") != NULL;
                        if (staged)
                                usleep(10000);
                }
                ck_assert_msg(!staged, "the zygote's staging tmpfs stays: %s", mi);
        }

        json_decref(call("PATCH", "/imageapi/v1/container?id=0&state=exited", 200));
        json_decref(test_wait_container_state(&d, 0, "exited", 5));
        /* Let go once the exit was handled (the state changes before that). */
        for (int i = 0; i < 200 && test_holds_fd_on(d.pid, link); i++)
                usleep(10000);
        ck_assert_msg(!test_holds_fd_on(d.pid, link), "berthd still holds %s", link);
        json_decref(call("DELETE", "/imageapi/v1/container?id=0", 200));
        assert_clean();
}
END_TEST

/* The logs of deleted containers stay, within --logs-kept-size, oldest removed first;
 * the logs of containers that exist are never touched; a restart applies the budget to
 * what it finds. */
START_TEST(test_deleted_logs_kept)
{
        const char *small[] = { "--cgroup-parent", cgparent, "--logs-kept-size", "12k", NULL };
        const char *smaller[] = { "--cgroup-parent", cgparent, "--logs-kept-size", "4k", NULL };
        _cleanup_free_ char *b = container_body(NULL, "created", "[\"true\"]", NULL);
        char logs[512], path[128], first[512] = "", last[512] = "", live[512];
        json_t *c;

        test_berthd_stop(&d);
        test_berthd_start(&d, false, small);
        (void)snprintf(logs, sizeof(logs), "%s/logs", d.state_dir);
        c = post("/imageapi/v1/container", b, 201); /* stays */
        (void)snprintf(live, sizeof(live), "%s", test_json_str(c, "logfile"));
        json_decref(c);
        for (int i = 1; i <= 8; i++) {
                c = post("/imageapi/v1/container", b, 201);
                (void)snprintf(i == 1 ? first : last, sizeof(first), "%s",
                               test_json_str(c, "logfile"));
                (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld",
                               test_json_int(c, "id"));
                json_decref(c);
                json_decref(call("DELETE", path, 200));
        }
        /* Logs of a few lines take a block each here (4 KiB): three kept, and the live
         * container's own. */
        ck_assert_int_eq(access(live, F_OK), 0);
        ck_assert_int_eq(access(last, F_OK), 0);
        ck_assert_int_ne(access(first, F_OK), 0);
        ck_assert_int_le(test_count_dir_entries(logs), 4);
        ck_assert_int_ge(test_count_dir_entries(logs), 2);
        {
                /* And /metrics says what is kept. */
                struct test_reply r;
                char want[64];
                test_get(&d, "/metrics", &r);
                ck_assert_status(&r, 200);
                (void)snprintf(want, sizeof(want), "\nberth_kept_logs_files %d\n",
                               test_count_dir_entries(logs) - 1);
                ck_assert_msg(strstr(r.body, want), "%s", r.body);
                test_reply_done(&r);
        }

        test_berthd_kill(&d);
        test_berthd_spawn(&d, false, smaller); /* the same state directory */
        ck_assert_int_eq(access(live, F_OK), 0);
        ck_assert_int_eq(access(last, F_OK), 0);
        ck_assert_int_eq(test_count_dir_entries(logs), 2);
        json_decref(call("DELETE", "/imageapi/v1/container?id=0", 200));
        assert_clean();
}
END_TEST

/* berthd --shutdown-containers: SIGTERM stops every container (TERM first) and removes
 * every container, mount and attachment; nothing is left. */
START_TEST(test_shutdown_containers)
{
        const char *extra[] = { "--cgroup-parent", cgparent, "--shutdown-containers", NULL };
        _cleanup_free_ char *b1 = container_body(
                "trap", "running",
                "[\"sh\",\"-c\",\"trap 'exit 0' TERM; while :; do sleep 0.1; done\"]", NULL);
        _cleanup_free_ char *b2 = container_body("plain", "running", "[\"sleep\",\"60\"]", NULL);
        char body[1024], p[600];
        pid_t p1, p2;
        json_t *c;

        test_berthd_stop(&d);
        test_berthd_start(&d, false, extra);
        c = post("/imageapi/v1/container", b1, 201);
        p1 = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        c = post("/imageapi/v1/container", b2, 201);
        p2 = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        /* And objects of the client's own: an attachment and a mount on it. */
        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\",\"ro\":true}}", image);
        json_decref(post("/imageapi/v1/attach", body, 201));
        json_decref(post("/imageapi/v1/mount",
                         "{\"attach\":{\"attach\":{\"id\":2},\"fs_type\":\"squashfs\"}}", 201));

        test_berthd_kill(&d); /* SIGTERM; asserts a clean exit */
        ck_assert(!test_pid_alive(p1) && !test_pid_alive(p2));
        (void)snprintf(p, sizeof(p), "%s/", d.state_dir);
        ck_assert_int_eq(test_count_mounts_under(p), 0);
        ck_assert_int_eq(test_wait_loops_gone(images), 0);
        ck_assert_int_eq(test_count_container_cgroups(cgparent), 0);
        (void)snprintf(p, sizeof(p), "%s/db", d.state_dir);
        /* Only the id counters are left of the records. */
        ck_assert_int_eq(test_count_dir_entries(p), 1);
}
END_TEST

/* A host with no cgroups mounted (this test's own mount namespace, with /sys/fs/cgroup
 * taken away): containers run, without CAP_MKNOD (no devices group confines them), so
 * without zygotes, which keep it. */
START_TEST(test_no_cgroups)
{
        _cleanup_free_ char *b =
                container_body("bare", "running",
                               "[\"sh\",\"-c\",\"mknod /tmp/disk b 7 0; echo mknod=$?; grep CapBnd "
                               "/proc/self/status\"]",
                               NULL);
        _cleanup_free_ char *blog = NULL;
        uint64_t capbnd = 0;
        json_t *c;
        char *log, *at;

        ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
        ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ck_assert_int_eq(umount2("/sys/fs/cgroup", MNT_DETACH), 0);
        test_berthd_start(&d, false, (const char *[]){ "--zygotes", "1", NULL });

        json_decref(post("/imageapi/v1/container", b, 201));
        c = test_wait_container_state(&d, 0, "exited", 10);
        ck_assert_int_eq(test_json_int(c, "exit_code"), 0);
        log = read_log(c);
        ck_assert_msg(strstr(log, "mknod=1"), "mknod without a devices group: %s", log);
        at = strstr(log, "CapBnd:\t");
        ck_assert_msg(at && sscanf(at, "CapBnd:\t%" SCNx64, &capbnd) == 1, "%s", log);
        ck_assert_msg(capbnd == (BERTH_CAPS_ZYGOTE & ~(1ull << CAP_MKNOD)), "CapBnd %" PRIx64,
                      capbnd);
        free(log);
        json_decref(c);
        ck_assert_int_ge(read_file(d.log_path, 1 << 22, &blog, NULL), 0);
        ck_assert_msg(strstr(blog, "cgroups: none layout") && strstr(blog, "Zygotes are off"), "%s",
                      blog);
}
END_TEST

static Suite *containers_suite(void)
{
        Suite *s = suite_create("priv-containers");
        TCase *tc = tcase_create("containers");

        tcase_add_unchecked_fixture(tc, build_images, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_seed_walkthrough);
        tcase_add_test(tc, test_exit_codes_and_signals);
        tcase_add_test(tc, test_logs_and_rotation);
        tcase_add_test(tc, test_stop_trap_and_escalation);
        tcase_add_test(tc, test_pause_resume);
        tcase_add_test(tc, test_memory_limit_oom);
        tcase_add_test(tc, test_pids_limit);
        tcase_add_test(tc, test_namespaces_and_root);
        tcase_add_test(tc, test_security);
        tcase_add_test(tc, test_bad_requests_leave_nothing);
        tcase_add_test(tc, test_go_client_v02_chain);
        tcase_add_test(tc, test_delete_cascade);
        tcase_add_test(tc, test_events);
        tcase_add_test(tc, test_survives_berthd);
        tcase_add_test(tc, test_shutdown_containers);
        tcase_add_test(tc, test_zygotes);
        tcase_add_test(tc, test_mount_namespace_held);
        tcase_add_test(tc, test_deleted_logs_kept);
        suite_add_tcase(s, tc);

        /* The same without zygotes: every container cloned on request. */
        tc = tcase_create("containers-without-zygotes");
        tcase_add_unchecked_fixture(tc, build_images, NULL);
        tcase_add_checked_fixture(tc, setup_cold, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_seed_walkthrough);
        tcase_add_test(tc, test_exit_codes_and_signals);
        tcase_add_test(tc, test_pause_resume);
        tcase_add_test(tc, test_memory_limit_oom);
        tcase_add_test(tc, test_namespaces_and_root);
        tcase_add_test(tc, test_security);
        tcase_add_test(tc, test_mount_namespace_held);
        suite_add_tcase(s, tc);

        tc = tcase_create("no-cgroups");
        tcase_add_unchecked_fixture(tc, build_images, NULL);
        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_no_cgroups);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        test_require_root("test-priv-containers");
        test_priv_begin("test-priv-containers", "containers");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        return test_priv_run(containers_suite(), "test-priv-containers", images, cgparent);
}

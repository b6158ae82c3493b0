/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd as PID 1: a Debian 12 image with systemd (debootstrap, built once and cached
 * by contrib/mkimage-systemd.sh), booted through the API in systemd mode until
 * `systemctl is-system-running` says running with no failed unit; nothing may leak to
 * the host (its sysctls, its cgroups); then PATCH exited and systemd must shut down
 * cleanly within the stop timeout.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "macro.h"

static char image[512];
static char cgparent[64];
static struct test_berthd d;

/* Every cgroup directory on the host outside berth's parent group. */
/* The host's groups, but berth's own and those of this machine's command runner, which
 * makes and removes a group per command it runs (memory/process_api/<hash>) while the
 * test runs: seen to fail the comparison twice, once in a helper's run and once in CI. */
static char *host_cgroups(void)
{
        /* berth's groups and the suite's Docker engine's containers are pruned, not only
         * left out of the list: other tests make and remove theirs meanwhile (and find
         * would complain of one gone under it). */
        const char *const argv[] = { "find",
                                     "/sys/fs/cgroup",
                                     "-mindepth",
                                     "1",
                                     "(",
                                     "-name",
                                     "berth-*",
                                     "-o",
                                     "-path",
                                     "*/process_api/*",
                                     "-o",
                                     "-path",
                                     "/sys/fs/cgroup/*/docker/*",
                                     ")",
                                     "-prune",
                                     "-o",
                                     "-type",
                                     "d",
                                     "-print",
                                     NULL };
        char *out = NULL;

        (void)test_run_output(argv, false, &out);
        return out;
}

static json_t *call(const char *method, const char *path, const char *body, long want)
{
        return test_call(&d, method, path, body, want);
}

static void build_image(void)
{
        const char *src = getenv("BERTH_SRCDIR");
        const char *cache = getenv("BERTH_IMAGE_CACHE");
        char script[512];

        (void)snprintf(image, sizeof(image), "%s/systemd-bookworm.sqsh",
                       cache && *cache ? cache : "/var/cache/berth-tools/images");
        (void)snprintf(script, sizeof(script), "%s/contrib/mkimage-systemd.sh", src ? src : ".");
        /* Built once (about a minute), then taken from the cache. */
        ck_assert_int_eq(test_run((const char *[]){ script, image, NULL }), 0);
}

static void setup(void)
{
        const char *extra[] = { "--cgroup-parent", cgparent, NULL };

        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        if (d.pid > 0) {
                struct test_reply r;
                test_delete(&d, "/imageapi/v1/container?name=debian&force=true", &r);
                test_reply_done(&r);
        }
        test_berthd_stop(&d);
}

START_TEST(test_boot_and_stop)
{
        _cleanup_free_ char *pid_max = NULL, *cgroups_before = NULL, *cgroups_after = NULL;
        char body[2048], *out = NULL, *log = NULL;
        double t0, boot, stop;
        long long id;
        json_t *c;
        pid_t pid;

        ck_assert_int_ge(read_file("/proc/sys/kernel/pid_max", 64, &pid_max, NULL), 0);
        cgroups_before = host_cgroups();

        (void)snprintf(
                body, sizeof(body),
                "{\"name\":\"debian\",\"systemd\":true,\"state\":\"running\","
                "\"command\":\"/lib/systemd/systemd\",\"mount\":{\"overlay\":{\"lower\":["
                "{\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],\"attach\":"
                "{\"loopback\":{\"path\":\"%s\"}}}}]}}}",
                image);
        t0 = test_now();
        c = call("POST", "/imageapi/v1/container", body, 201);
        ck_assert_str_eq(test_json_str(c, "state"), "running");
        id = test_json_int(c, "id");
        pid = (pid_t)test_json_int(c, "pid");
        json_decref(c);

        /* Until systemd says the system is up (or gives up). */
        for (;;) {
                free(out);
                out = test_in_container(pid, "systemctl is-system-running 2>&1");
                if (strncmp(out, "running", 7) == 0 || strncmp(out, "degraded", 8) == 0 ||
                    test_now() - t0 > 90)
                        break;
                usleep(20000);
        }
        boot = test_now() - t0;
        if (strncmp(out, "running", 7) != 0) {
                char *failed = test_in_container(
                        pid, "systemctl --failed --no-pager 2>&1; "
                             "journalctl -b --no-pager -p warning 2>&1 | tail -40");
                ck_abort_msg("systemd is '%.20s' after %.1f s:\n%s", out, boot, failed);
        }
        free(out);
        fprintf(stderr, "test-priv-systemd: boot to running in %.3f s\n", boot);
        out = test_in_container(pid, "systemctl --failed --no-legend --no-pager; cat /proc/1/comm; "
                                     "hostname; cat /etc/machine-id; cat /proc/self/cgroup");
        ck_assert_msg(strstr(out, "systemd\n") && strstr(out, "debian\n"), "%s", out);
        /* A cgroup namespace: systemd sees its own group as the root. */
        ck_assert_msg(strstr(out, "0::/"), "%s", out);
        free(out);

        /* Nothing leaked to the host: the image's sysctl.d sets kernel.pid_max, and the
         * host's cgroup tree outside berth's group is untouched. */
        {
                _cleanup_free_ char *now_max = NULL;
                ck_assert_int_ge(read_file("/proc/sys/kernel/pid_max", 64, &now_max, NULL), 0);
                ck_assert_str_eq(now_max, pid_max);
        }
        cgroups_after = host_cgroups();
        ck_assert_msg(streq(cgroups_before, cgroups_after), "host cgroups changed:\n%s\n---\n%s",
                      cgroups_before, cgroups_after);

        /* The console is copied into the log. */
        c = call("GET", "/imageapi/v1/container?name=debian", NULL, 200);
        ck_assert_int_ge(
                read_file(test_json_str(json_array_get(c, 0), "logfile"), 1 << 22, &log, NULL), 0);
        ck_assert_msg(strstr(log, "Welcome to") || strstr(log, "Debian"), "%s", log);
        free(log);
        json_decref(c);

        /* PATCH exited: SIGRTMIN+3, and systemd halts on its own within the timeout. */
        t0 = test_now();
        c = call("PATCH", "/imageapi/v1/container?name=debian&state=exited", NULL, 200);
        ck_assert_str_eq(test_json_str(c, "state"), "stopping");
        json_decref(c);
        c = test_wait_container_state(&d, id, "exited", 20);
        stop = test_now() - t0;
        ck_assert_int_ne(json_integer_value(json_object_get(c, "signal")), 9);
        ck_assert_msg(stop < 10, "systemd took %.1f s to stop", stop);
        ck_assert_int_ge(read_file(test_json_str(c, "logfile"), 1 << 22, &log, NULL), 0);
        ck_assert_msg(!strstr(log, "stop timeout"), "systemd had to be killed: %s", log);
        free(log);
        json_decref(c);
        fprintf(stderr, "test-priv-systemd: stopped in %.3f s\n", stop);

        json_decref(call("DELETE", "/imageapi/v1/container?name=debian", NULL, 200));
        {
                char p[512];
                (void)snprintf(p, sizeof(p), "%s/", d.state_dir);
                ck_assert_int_eq(test_count_mounts_under(p), 0);
                ck_assert_int_eq(test_wait_loops_gone(image), 0);
        }
}
END_TEST

/* The Debian image with its own shell in the default profile (the seccomp allow-list,
 * Docker's capabilities without CAP_NET_RAW): the ordinary tools of a distribution
 * work. */
START_TEST(test_debian_shell)
{
        char body[2048], *log = NULL;
        long long id;
        json_t *c;

        (void)snprintf(
                body, sizeof(body),
                "{\"name\":\"debian\",\"state\":\"running\",\"args\":[\"/bin/bash\",\"-c\","
                "\"set -e; id; cat /etc/debian_version; ls -la / >/dev/null; tmp=$(mktemp -d); "
                "tar -C /etc -cf $tmp/etc.tar os-release; tar -tf $tmp/etc.tar; sort /etc/passwd "
                "| head -n 1; date >/dev/null; getent passwd root; stat -c %%U /etc/passwd; "
                "find /usr/bin -maxdepth 1 -name bash; systemctl --version | head -n 1; "
                "echo DEBIAN-SHELL-OK\"],\"mount\":{\"overlay\":{\"lower\":[{\"attach\":{"
                "\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],\"attach\":{\"loopback\":"
                "{\"path\":\"%s\"}}}}]}}}",
                image);
        c = call("POST", "/imageapi/v1/container", body, 201);
        id = test_json_int(c, "id");
        json_decref(c);
        c = test_wait_container_state(&d, id, "exited", 30);
        ck_assert_int_ge(read_file(test_json_str(c, "logfile"), 1 << 22, &log, NULL), 0);
        ck_assert_msg(test_json_int(c, "exit_code") == 0 && strstr(log, "DEBIAN-SHELL-OK"), "%s",
                      log);
        free(log);
        json_decref(c);
        json_decref(call("DELETE", "/imageapi/v1/container?name=debian", NULL, 200));
}
END_TEST

static Suite *systemd_suite(void)
{
        Suite *s = suite_create("priv-systemd");
        TCase *tc = tcase_create("systemd");

        tcase_add_unchecked_fixture(tc, build_image, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_boot_and_stop);
        tcase_add_test(tc, test_debian_shell);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        test_require_root("test-priv-systemd");
        if (access("/usr/sbin/debootstrap", X_OK) < 0 &&
            access("/var/cache/berth-tools/images/systemd-bookworm.sqsh", R_OK) < 0 &&
            !getenv("BERTH_IMAGE_CACHE")) {
                /* contrib/install-deps.sh test installs it. */
                if (getenv("BERTH_TESTS_MUST_RUN") && streq(getenv("BERTH_TESTS_MUST_RUN"), "1")) {
                        fprintf(stderr, "test-priv-systemd: debootstrap is missing\n");
                        return 1;
                }
                return 77;
        }
        test_priv_begin("test-priv-systemd", "systemd");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-systemd-%d", (int)getpid());
        /* The cgroup parent goes with the run directory (test_sweep). */
        return test_priv_run(systemd_suite(), "test-priv-systemd", NULL, cgparent);
}

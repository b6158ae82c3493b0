/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recovery: berthd killed with SIGKILL (at chosen and at random points) and started
 * again on the same state directory re-adopts every object; what the API reports
 * matches the kernel; nothing running was stopped; after deleting everything nothing
 * is left. Real loop devices, squashfs, overlays, namespaces and cgroups.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "macro.h"
#include "strv.h"

static char *images;
static char image[512];
static struct test_berthd d;
static char cgparent[64];
static const char *extra[] = { "--cgroup-parent", cgparent, NULL };

/* ---- fixture ----------------------------------------------------------------------- */

static void build_images(void)
{
        const char *src = getenv("BERTH_SRCDIR");
        char script[512];

        images = test_tmpdir("berth-rimages-");
        (void)snprintf(image, sizeof(image), "%s/busybox.sqsh", images);
        (void)snprintf(script, sizeof(script), "%s/contrib/mkimage-busybox.sh", src ? src : ".");
        ck_assert_int_eq(test_run((const char *[]){ script, image, NULL }), 0);
}

static void setup(void)
{
        (void)test_sweep(cgparent);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

static void assert_clean(void)
{
        char p[512];

        test_assert_clean(d.state_dir, images, cgparent);
        (void)snprintf(p, sizeof(p), "%s/rbd", d.state_dir);
        ck_assert_msg(test_count_dir_entries(p) == 0, "directories left in %s", p);
}

/* ---- helpers ----------------------------------------------------------------------- */

static json_t *call(const char *method, const char *path, const char *body, long want)
{
        return test_call(&d, method, path, body, want);
}

static char *container_body(const char *name, const char *argv_json)
{
        char *b;

        ck_assert(asprintf(&b,
                           "{\"name\":\"%s\",\"state\":\"running\",\"args\":%s,\"stop_timeout\":2,"
                           "\"mount\":{\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":"
                           "\"squashfs\",\"mount_options\":[\"ro\"],\"attach\":{\"loopback\":{"
                           "\"path\":\"%s\"}}}}]}}}",
                           name, argv_json, image) > 0);
        return b;
}

/* test_json_int(o, "id"), saying where when o has none. */
#define ID_OF(o)                                                                                  \
        ({                                                                                        \
                json_t *o_ = (o);                                                                 \
                ck_assert_msg(json_is_integer(json_object_get(o_, "id")), "line %d: no id in %s", \
                              __LINE__, o_ ? "an object" : "null");                               \
                (long long)json_integer_value(json_object_get(o_, "id"));                         \
        })

static json_t *find_id(json_t *list, long long id)
{
        size_t i;
        json_t *o;

        json_array_foreach (list, i, o)
                if (ID_OF(o) == id)
                        return o;
        return NULL;
}

/* Is the process ending (PF_EXITING in /proc/PID/stat's flags)? Its cgroups are the root
 * ones then: a container that the killed berthd had just sent SIGKILL (a forced delete
 * in flight) can still be alive when the new berthd re-adopts it and end right after. */
static bool is_exiting(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char p[64];
        const char *s;
        unsigned long flags = 0;

        (void)snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
        if (read_file(p, 4096, &text, NULL) < 0)
                return true; /* gone */
        s = strrchr(text, ')');
        /* After "(comm)": state ppid pgrp session tty_nr tpgid flags. */
        if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
                return false;
        return (flags & 0x4 /* PF_EXITING */) != 0;
}

static bool in_cgroup(pid_t pid, long long id)
{
        _cleanup_free_ char *text = NULL;
        char p[64], want[128];

        (void)snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        (void)snprintf(want, sizeof(want), "/%s/%lld\n", cgparent, id);
        return (read_file(p, 65536, &text, NULL) >= 0 && strstr(text, want) != NULL) ||
               is_exiting(pid);
}

static bool is_mountpoint(const char *path)
{
        _cleanup_free_ char *mi = NULL;
        char needle[1100];

        (void)snprintf(needle, sizeof(needle), " %s ", path);
        return read_file("/proc/self/mountinfo", 1 << 22, &mi, NULL) >= 0 &&
               strstr(mi, needle) != NULL;
}

/* What the API reports is what the kernel has, both ways. */
static void assert_consistent(void)
{
        json_t *cs = call("GET", "/imageapi/v1/container", NULL, 200);
        json_t *ms = call("GET", "/imageapi/v1/mount", NULL, 200);
        json_t *as = call("GET", "/imageapi/v1/attach", NULL, 200);
        _cleanup_strv_free_ char **devices = NULL;
        char p[512];
        size_t i;
        json_t *o;

        json_array_foreach (cs, i, o) {
                const char *st = test_json_str(o, "state");
                long long id = ID_OF(o);
                if (streq(st, "running") || streq(st, "paused") || streq(st, "stopping")) {
                        pid_t pid = (pid_t)test_json_int(o, "pid");
                        ck_assert_msg(pid > 0 && test_pid_alive(pid),
                                      "container %lld is %s but its pid %d is not alive", id, st,
                                      (int)pid);
                        if (!in_cgroup(pid, id)) {
                                _cleanup_free_ char *cg = NULL, *log = NULL;
                                char p2[64];
                                (void)snprintf(p2, sizeof(p2), "/proc/%d/cgroup", (int)pid);
                                (void)read_file(p2, 65536, &cg, NULL);
                                (void)read_file(d.log_path, 1 << 20, &log, NULL);
                                /* The restarted berthd's log, from its start. */
                                const char *from = log;
                                for (const char *q = log; q && (q = strstr(q, "cgroups: ")); q++)
                                        from = q;
                                ck_abort_msg("pid %d is not in the cgroup of %lld: %s\nberthd "
                                             "log since its start: %.3000s",
                                             (int)pid, id, cg ? cg : "?", from ? from : "");
                        }
                }
        }
        json_array_foreach (ms, i, o)
                ck_assert_msg(is_mountpoint(test_json_str(o, "mountpoint")),
                              "mount %lld: %s is not mounted", test_json_int(o, "id"),
                              test_json_str(o, "mountpoint"));
        (void)snprintf(p, sizeof(p), "%s/mounts/", d.state_dir);
        ck_assert_msg(test_count_mounts_under(p) == test_state_mounts_of(ms),
                      "%d mounts under %s, the API reports %zu (%d with overlays' tmpfs)",
                      test_count_mounts_under(p), p, json_array_size(ms), test_state_mounts_of(ms));
        json_array_foreach (as, i, o) {
                const char *dev = test_json_str(o, "device_file");
                _cleanup_free_ char *backing = NULL;
                char sys[128];
                ck_assert(dev && strncmp(dev, "/dev/loop", 9) == 0);
                (void)snprintf(sys, sizeof(sys), "/sys/block/%s/loop/backing_file", dev + 5);
                ck_assert_msg(read_file(sys, 4096, &backing, NULL) >= 0,
                              "attachment %lld: %s has no file", test_json_int(o, "id"), dev);
                ck_assert_msg(strncmp(backing, images, strlen(images)) == 0,
                              "attachment %lld: %s is on %s", test_json_int(o, "id"), dev, backing);
                if (!strv_contains(devices, dev))
                        (void)strv_extend(&devices, dev);
        }
        ck_assert_int_eq(test_count_loops_backed_by(images), (int)strv_length(devices));
        json_decref(cs);
        json_decref(ms);
        json_decref(as);
}

/* ---- tests ------------------------------------------------------------------------- */

/* Every kind of state across a SIGKILL of berthd: a running container (same pid, still
 * supervised: a stop works), one that exits while no berthd runs (its real exit code
 * afterwards), a paused one, an exited one, an attachment nothing mounts (its loop
 * device went with the old berthd's fd: attached again), ids that continue. */
START_TEST(test_restart_readopts)
{
        _cleanup_free_ char *b1 = container_body("keep", "[\"sleep\",\"1000\"]");
        _cleanup_free_ char *b2 = container_body("ends", "[\"sh\",\"-c\",\"sleep 1; exit 7\"]");
        _cleanup_free_ char *b3 = container_body("frozen", "[\"sleep\",\"1000\"]");
        _cleanup_free_ char *b4 = container_body("done", "[\"true\"]");
        char body[700], p[700];
        json_t *c, *a, *before, *after;
        long long att;
        pid_t keep_pid;

        c = call("POST", "/imageapi/v1/container", b1, 201);
        keep_pid = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        json_decref(call("POST", "/imageapi/v1/container", b2, 201));
        json_decref(call("POST", "/imageapi/v1/container", b3, 201));
        json_decref(call("PATCH", "/imageapi/v1/container?name=frozen&state=paused", NULL, 200));
        json_decref(call("POST", "/imageapi/v1/container", b4, 201));
        json_decref(test_wait_container_state(&d, 3, "exited", 10));
        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\",\"ro\":true}}", image);
        a = call("POST", "/imageapi/v1/attach", body, 201);
        att = test_json_int(a, "id");
        json_decref(a);
        before = call("GET", "/imageapi/v1/container", NULL, 200);

        test_berthd_crash(&d);
        ck_assert(test_pid_alive(keep_pid));
        sleep(2); /* "ends" exits meanwhile */
        test_berthd_spawn(&d, false, extra);

        after = call("GET", "/imageapi/v1/container", NULL, 200);
        ck_assert_int_eq(json_array_size(after), json_array_size(before));
        for (long long id = 0; id < 4; id++) {
                json_t *x = find_id(before, id), *y = find_id(after, id);
                ck_assert_ptr_nonnull(y);
                ck_assert_str_eq(test_json_str(x, "name"), test_json_str(y, "name"));
                ck_assert_str_eq(test_json_str(x, "logfile"), test_json_str(y, "logfile"));
                ck_assert_int_eq(test_json_int(x, "refs"), test_json_int(y, "refs"));
        }
        ck_assert_str_eq(test_json_str(find_id(after, 0), "state"), "running");
        ck_assert_int_eq(test_json_int(find_id(after, 0), "pid"), keep_pid);
        {
                /* Its mount namespace is held again, as at a start. */
                char ns[64], link[128];
                ssize_t n;
                (void)snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)keep_pid);
                n = readlink(ns, link, sizeof(link) - 1);
                ck_assert_int_gt(n, 0);
                link[n] = 0;
                ck_assert_msg(test_holds_fd_on(d.pid, link), "berthd does not hold %s", link);
        }
        ck_assert_str_eq(test_json_str(find_id(after, 1), "state"), "dead");
        ck_assert_int_eq(test_json_int(find_id(after, 1), "exit_code"), 7);
        ck_assert_str_eq(test_json_str(find_id(after, 2), "state"), "paused");
        ck_assert_str_eq(test_json_str(find_id(after, 3), "state"), "exited");
        ck_assert_int_eq(test_json_int(find_id(after, 3), "exit_code"), 0);
        json_decref(before);
        json_decref(after);
        (void)snprintf(p, sizeof(p), "/imageapi/v1/attach?id=%lld", att);
        json_decref(call("GET", p, NULL, 200));
        assert_consistent();

        /* Still supervised: a stop ends it and reports how. */
        json_decref(call("PATCH", "/imageapi/v1/container?id=0&state=exited", NULL, 200));
        c = test_wait_container_state(&d, 0, "exited", 10);
        ck_assert_int_eq(test_json_int(c, "signal"), SIGTERM);
        json_decref(c);
        ck_assert(!test_pid_alive(keep_pid));
        json_decref(call("PATCH", "/imageapi/v1/container?id=2&state=running", NULL, 200));

        /* Ids go on after the old ones. */
        c = call("POST", "/imageapi/v1/container", b1 /* "keep" is taken: rename */, 409);
        json_decref(c);
        {
                _cleanup_free_ char *b5 = container_body("new", "[\"true\"]");
                c = call("POST", "/imageapi/v1/container", b5, 201);
                ck_assert_int_gt(test_json_int(c, "id"), 3);
                json_decref(c);
        }
        test_remove_all(&d, "/imageapi/v1/container");
        test_remove_all(&d, "/imageapi/v1/attach");
        assert_clean();
}
END_TEST

/* What a crash leaves without a record is removed at the next start: a mount under
 * <state>/mounts, a cgroup with a process and no container, an unreadable record
 * (moved aside, not trusted). */
START_TEST(test_leftovers_swept)
{
        char mp[600], cg[300], procs[400], rec[600], pid_s[32];
        pid_t child;
        FILE *f;

        test_berthd_kill(&d);
        (void)snprintf(mp, sizeof(mp), "%s/mounts/mount_crash1", d.state_dir);
        ck_assert_int_eq(mkdir(mp, 0755), 0);
        ck_assert_int_eq(mount("berth-test", mp, "tmpfs", 0, "size=1m"), 0);
        (void)snprintf(cg, sizeof(cg), "/sys/fs/cgroup/pids/%s/4242", cgparent);
        (void)mkdir_p(cg, 0755);
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        (void)snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
        (void)snprintf(pid_s, sizeof(pid_s), "%d", (int)child);
        f = fopen(procs, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_gt(fputs(pid_s, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        (void)snprintf(rec, sizeof(rec), "%s/db/mount-77.json", d.state_dir);
        ck_assert_int_eq(write_file_atomic(rec, "{\"version\":1,\"type\":\"mount\"", 28, 0600), 0);

        test_berthd_spawn(&d, false, extra);
        ck_assert(!is_mountpoint(mp));
        ck_assert_int_eq(access(mp, F_OK), -1);
        {
                /* Killed by berthd (bounded wait: a failure must not hang the suite). */
                pid_t w = 0;
                for (int i = 0; i < 500 && w == 0; i++) {
                        w = waitpid(child, NULL, WNOHANG);
                        if (w == 0)
                                usleep(10000);
                }
                if (w == 0) {
                        (void)kill(child, SIGKILL);
                        (void)waitpid(child, NULL, 0);
                }
                ck_assert_msg(w == child, "the process in the stale cgroup was not killed");
        }
        ck_assert_int_eq(access(cg, F_OK), -1);
        ck_assert_int_eq(access(rec, F_OK), -1);
        strcat(rec, ".invalid");
        ck_assert_int_eq(access(rec, F_OK), 0);
        assert_consistent();
        assert_clean();
}
END_TEST

/* The fault test: a loop creates, stops and deletes containers (and attachments and
 * mounts) while berthd is killed with SIGKILL at a random moment; each time berthd is
 * started again and must report exactly what the kernel has, with every container
 * that was running still running. */
static unsigned rounds(void)
{
        const char *e = getenv("BERTH_FAULT_ROUNDS");

        return e ? (unsigned)atoi(e) : 8;
}

START_TEST(test_sigkill_at_random_points)
{
        unsigned seed = (unsigned)time(NULL), kills = 0, ops = 0, name_seq = 0;

        fprintf(stderr, "test_sigkill_at_random_points: seed %u\n", seed);
        srand(seed);
        for (unsigned round = 0; round < rounds(); round++) {
                json_t *list = call("GET", "/imageapi/v1/container", NULL, 200), *o;
                _cleanup_strv_free_ char **touched = NULL;
                long long running[64];
                pid_t running_pid[64], killer;
                size_t n_running = 0, i;

                json_array_foreach (list, i, o)
                        if (streq(test_json_str(o, "state"), "running") && n_running < 64) {
                                running_pid[n_running] = (pid_t)test_json_int(o, "pid");
                                running[n_running++] = ID_OF(o);
                        }

                killer = fork();
                ck_assert_int_ge(killer, 0);
                if (killer == 0) {
                        usleep((useconds_t)(rand() % 150000));
                        (void)kill(d.pid, SIGKILL);
                        _exit(0);
                }
                for (int step = 0; step < 60; step++) {
                        char path[128], name[32], body[700], ids[32];
                        int op = rand() % 6;
                        long st;
                        json_t *pick;

                        pick = json_array_size(list)
                                       ? json_array_get(list,
                                                        (size_t)rand() % json_array_size(list))
                                       : NULL;
                        if (op <= 1 || !pick) {
                                _cleanup_free_ char *b = NULL;
                                (void)snprintf(name, sizeof(name), "f%u", name_seq++);
                                b = container_body(name, "[\"sleep\",\"1000\"]");
                                st = test_try(&d, "POST", "/imageapi/v1/container", b, NULL);
                        } else {
                                (void)snprintf(ids, sizeof(ids), "%lld", ID_OF(pick));
                                (void)strv_extend(&touched, ids);
                                if (op == 2)
                                        (void)snprintf(path, sizeof(path),
                                                       "/imageapi/v1/container?id=%s&state=exited",
                                                       ids);
                                else if (op == 3)
                                        (void)snprintf(path, sizeof(path),
                                                       "/imageapi/v1/container?id=%s&state=paused",
                                                       ids);
                                else
                                        (void)snprintf(path, sizeof(path),
                                                       "/imageapi/v1/container?id=%s&force=true",
                                                       ids);
                                if (op == 5) {
                                        /* An attachment and a mount on it, then the mount
                                         * goes again. */
                                        (void)snprintf(body, sizeof(body),
                                                       "{\"kind\":\"attach\",\"attach\":{"
                                                       "\"fs_type\":\"squashfs\",\"mount_options\""
                                                       ":[\"ro\"],\"attach\":{\"loopback\":{"
                                                       "\"path\":\"%s\"}}}}",
                                                       image);
                                        json_t *m = NULL;
                                        st = test_try(&d, "POST", "/imageapi/v1/mount", body, &m);
                                        /* A reply cut off by the kill (civetweb sends
                                         * its head in pieces) leaves the outcome
                                         * unknown, as no reply does. */
                                        if (st == 201 && !m)
                                                st = 0;
                                        if (st == 201) {
                                                (void)snprintf(path, sizeof(path),
                                                               "/imageapi/v1/mount?id=%lld",
                                                               ID_OF(m));
                                                st = test_try(&d, "DELETE", path, NULL, NULL);
                                        }
                                        json_decref(m);
                                } else
                                        st = test_try(&d, op == 4 ? "DELETE" : "PATCH", path, NULL,
                                                      NULL);
                        }
                        ops++;
                        if (st == 0)
                                break; /* berthd is gone */
                        ck_assert_msg(st < 500, "request failed with %ld", st);
                        json_decref(list);
                        list = NULL;
                        if (test_try(&d, "GET", "/imageapi/v1/container", NULL, &list) != 200)
                                break;
                }
                json_decref(list);
                ck_assert_int_eq(waitpid(killer, NULL, 0), killer);
                test_berthd_crash(&d);
                kills++;
                test_berthd_spawn(&d, false, extra);

                assert_consistent();
                /* Every container that was running and that no request touched is still
                 * running, as the same process. */
                list = call("GET", "/imageapi/v1/container", NULL, 200);
                for (size_t k = 0; k < n_running; k++) {
                        char ids[32];
                        (void)snprintf(ids, sizeof(ids), "%lld", running[k]);
                        if (strv_contains(touched, ids))
                                continue;
                        o = find_id(list, running[k]);
                        ck_assert_msg(o, "container %lld vanished", running[k]);
                        ck_assert_str_eq(test_json_str(o, "state"), "running");
                        ck_assert_int_eq(test_json_int(o, "pid"), running_pid[k]);
                }
                /* Keep the number of containers bounded. */
                if (json_array_size(list) > 6)
                        test_remove_all(&d, "/imageapi/v1/container");
                json_decref(list);
        }
        fprintf(stderr, "test_sigkill_at_random_points: %u kills, %u requests\n", kills, ops);
        test_remove_all(&d, "/imageapi/v1/container");
        test_remove_all(&d, "/imageapi/v1/mount");
        test_remove_all(&d, "/imageapi/v1/attach");
        assert_clean();
}
END_TEST

/* ---- two berthds on one host ---------------------------------------------------- */

static char *cgroup_of(pid_t pid)
{
        char p[64], *text = NULL;

        (void)snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
        ck_assert_int_ge(read_file(p, 65536, &text, NULL), 0);
        return text;
}

struct instance {
        struct test_berthd *t;
        pid_t payload, zygotes[8];
        int n_zygotes, n_mounts;
        char *cgroup;
};

static void snapshot_instance(struct instance *in)
{
        char p[400];

        in->n_zygotes = test_wait_children(in->t->pid, "berth-zygote", 2, in->zygotes,
                                           ELEMENTSOF(in->zygotes));
        ck_assert_int_eq(in->n_zygotes, 2);
        (void)snprintf(p, sizeof(p), "%s/", in->t->state_dir);
        in->n_mounts = test_count_mounts_under(p);
        free(in->cgroup);
        in->cgroup = cgroup_of(in->payload);
}

/* Nothing of in changed: its container's PID 1, its waiting zygotes, its groups and
 * its mounts. */
static void assert_untouched(const struct instance *in, const char *what)
{
        _cleanup_free_ char *cg = NULL;
        char p[400];

        ck_assert_msg(test_pid_alive(in->payload), "%s: the container's PID 1 died", what);
        for (int i = 0; i < in->n_zygotes; i++)
                ck_assert_msg(test_pid_alive(in->zygotes[i]), "%s: zygote %d was killed", what,
                              (int)in->zygotes[i]);
        cg = cgroup_of(in->payload);
        ck_assert_msg(streq(cg, in->cgroup), "%s: cgroups changed:\n%s\n---\n%s", what, in->cgroup,
                      cg);
        (void)snprintf(p, sizeof(p), "%s/", in->t->state_dir);
        ck_assert_msg(test_count_mounts_under(p) == in->n_mounts, "%s: mounts changed", what);
}

/* Two berthds with their own state directories and the default cgroup parent (one of
 * their own each): they run containers and zygotes side by side, restart, crash, and
 * neither touches the other's processes, groups or mounts. A third that asks for the
 * first one's cgroup parent is refused. */
START_TEST(test_two_berthds)
{
        struct test_berthd a = {}, b = {};
        struct instance ia = { .t = &a }, ib = { .t = &b };
        char body[1024];
        json_t *c;

        test_berthd_start(&a, false, NULL);
        test_berthd_start(&b, false, NULL);
        (void)snprintf(body, sizeof(body),
                       "{\"state\":\"running\",\"args\":[\"sleep\",\"1000\"],\"mount\":{"
                       "\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\","
                       "\"mount_options\":[\"ro\"],\"attach\":{\"loopback\":{\"path\":\"%s\","
                       "\"ro\":true}}}}]}}}",
                       image);
        c = test_call(&a, "POST", "/imageapi/v1/container", body, 201);
        ia.payload = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        c = test_call(&b, "POST", "/imageapi/v1/container", body, 201);
        ib.payload = (pid_t)test_json_int(c, "pid");
        json_decref(c);
        snapshot_instance(&ia);
        snapshot_instance(&ib);
        ck_assert_msg(!streq(ia.cgroup, ib.cgroup), "both containers in one group:\n%s", ia.cgroup);

        /* A crashes and comes back: its recovery sweep must leave B alone. */
        test_berthd_crash(&a);
        test_berthd_spawn(&a, false, NULL);
        assert_untouched(&ib, "after A's crash and restart");
        ck_assert(test_pid_alive(ia.payload));
        snapshot_instance(&ia);
        /* B stops and starts again: A is untouched. */
        test_berthd_kill(&b);
        test_berthd_spawn(&b, false, NULL);
        assert_untouched(&ia, "after B's restart");
        snapshot_instance(&ib);

        /* A third berthd on A's cgroup parent is refused before it touches anything. */
        {
                const char *name = strstr(ia.cgroup, ":memory:/");
                char parent[64] = "", out[4096] = "";
                _cleanup_free_ char *dir = test_tmpdir("berth-c3-");
                int r;

                ck_assert_ptr_nonnull(name);
                (void)sscanf(name + 9, "%63[^/]", parent);
                r = test_berthd_run(
                        (const char *[]){ "--state-dir", dir, "--cgroup-parent", parent, NULL },
                        out, sizeof(out));
                ck_assert_msg(r > 0 && strstr(out, "is in use by another berthd"),
                              "a second berthd on cgroup parent %s: %s", parent, out);
                test_rm_rf(dir);
        }
        assert_untouched(&ia, "after the refused third berthd");
        assert_untouched(&ib, "after the refused third berthd");

        test_remove_everything_and_stop(&a);
        test_remove_everything_and_stop(&b);
        ck_assert(!test_pid_alive(ia.payload) && !test_pid_alive(ib.payload));
        ck_assert_int_eq(test_wait_loops_gone(images), 0);
        free(ia.cgroup);
        free(ib.cgroup);
}
END_TEST

static Suite *recovery_suite(void)
{
        Suite *s = suite_create("priv-recovery");
        TCase *tc = tcase_create("recovery");

        tcase_add_unchecked_fixture(tc, build_images, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_restart_readopts);
        tcase_add_test(tc, test_leftovers_swept);
        tcase_add_test(tc, test_sigkill_at_random_points);
        tcase_add_test(tc, test_two_berthds);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        test_require_root("test-priv-recovery");
        test_priv_begin("test-priv-recovery", "recovery");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-rec-%d", (int)getpid());
        return test_priv_run(recovery_suite(), "test-priv-recovery", images, cgparent);
}

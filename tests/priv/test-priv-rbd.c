/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RBD against a real Ceph cluster: a throw-away mon + osd (memstore, cephx on,
 * 127.0.0.1 only) started by contrib/ceph-cluster.sh, squashfs images built and
 * imported at test time, a real berthd. This kernel has no rbd driver, so every
 * attachment goes through berth-rbd (librbd + FUSE) and a loop device.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
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

static struct test_berthd d;
static char *work; /* images and the cluster's directory */
static struct test_ceph ceph;
static char cgparent[64];

/* A script of contrib/. */
static const char *script(const char *name)
{
        static char p[512];
        const char *src = getenv("BERTH_SRCDIR");

        (void)snprintf(p, sizeof(p), "%s/contrib/%s", src ? src : ".", name);
        return p;
}

/* An unchecked fixture: runs once, in the runner's process, before the tests. */
static void cluster_start(void)
{
        char sqsh[600], junk[600], of[620];

        work = test_tmpdir("berth-rbdwork-");
        test_ceph_start(&ceph, work);
        (void)snprintf(sqsh, sizeof(sqsh), "%s/busybox.sqsh", work);
        (void)snprintf(junk, sizeof(junk), "%s/junk.img", work);
        (void)snprintf(of, sizeof(of), "of=%s", junk);
        ck_assert_int_eq(test_run((const char *[]){ script("mkimage-busybox.sh"), sqsh, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "dd", "if=/dev/urandom", of, "bs=64k",
                                                    "count=16", "status=none", NULL }),
                         0);
        test_ceph_import(&ceph, sqsh, "busybox.sqsh");
        test_ceph_import(&ceph, junk, "junk.img");
        /* A second image: one RBD image is attached once. */
        test_ceph_import(&ceph, sqsh, "busybox2.sqsh");
}

/* Also from main(), after a failed start: no ck_* calls here. Stopping a cluster that
 * is not running is fine. */
static void cluster_stop(void)
{
        test_ceph_stop(&ceph);
}

/* The cluster's configuration names its keyring: attachments without a secret use it. */
static const char *extra[] = { "--cgroup-parent", cgparent, "--ceph-conf", ceph.conf, NULL };

static void setup(void)
{

        /* What a failed earlier test left (it ends without its teardown). */
        (void)test_sweep(cgparent);
        test_berthd_start(&d, false, extra);
}

static void teardown(void)
{
        test_remove_everything_and_stop(&d);
}

/* ---- helpers ----------------------------------------------------------------------- */

/* No reply ever carries a key. */
static void assert_no_key(json_t *j)
{
        _cleanup_free_ char *text = j ? json_dumps(j, 0) : NULL;

        ck_assert_msg(!text || (!strstr(text, ceph.admin_key) && !strstr(text, ceph.client_key)),
                      "a key in the reply: %s", text);
}

static json_t *request(const char *method, const char *path, const char *body, long want)
{
        json_t *j = test_call(&d, method, path, body, want);

        assert_no_key(j);
        return j;
}

/* POST a container that must be running: its pid, after a look inside (busybox is there).
 * model: the ImageAPI model the reply must have, or NULL. */
static pid_t post_running(const char *body, const char *model)
{
        json_t *j = request("POST", "/imageapi/v1/container", body, 201);
        _cleanup_free_ char *out = NULL;
        pid_t pid;

        if (model)
                test_assert_imageapi_shape(j, model);
        ck_assert_str_eq(test_json_str(j, "state"), "running");
        pid = (pid_t)test_json_int(j, "pid");
        json_decref(j);
        out = test_in_container(pid, "ls /bin/busybox && echo ok");
        ck_assert_msg(strstr(out, "ok"), "%s", out);
        return pid;
}

static char *rbd_def(const char *image, const char *options)
{
        char *b;

        ck_assert(asprintf(&b,
                           "{\"monitors\":[\"%s\"],\"pool\":\"rbd\",\"image\":\"%s\","
                           "\"options\":{%s}}",
                           ceph.mon, image, options) > 0);
        return b;
}

static char *admin_options(bool ro)
{
        char *o;

        ck_assert(asprintf(&o, "\"ro\":%s,\"name\":\"admin\",\"secret\":\"%s\"",
                           ro ? "true" : "false", ceph.admin_key) > 0);
        return o;
}

/* berth-rbd helpers that are children of our berthd. */
static int count_helpers(void)
{
        return test_children_of(d.pid, "berth-rbd", NULL, 0);
}

static void assert_clean(void)
{
        char p[600];

        (void)snprintf(p, sizeof(p), "%s/", d.state_dir);
        ck_assert_msg(test_wait_children(d.pid, "berth-rbd", 0, NULL, 0) == 0,
                      "berth-rbd helpers left");
        ck_assert_msg(test_count_mounts_under(p) == 0, "mounts left under %s", p);
        ck_assert_msg(test_wait_loops_gone(p) == 0, "loop devices left on FUSE files");
        (void)snprintf(p, sizeof(p), "%s/rbd", d.state_dir);
        /* A lingering helper's directory goes when berthd has reaped it. */
        for (int i = 0; i < 500 && test_count_dir_entries(p) > 0; i++)
                usleep(10000);
        ck_assert_msg(test_count_dir_entries(p) == 0, "FUSE mountpoints left in %s", p);
        (void)snprintf(p, sizeof(p), "%s/mounts", d.state_dir);
        ck_assert_msg(test_count_dir_entries(p) == 0, "directories left in %s", p);
}

static void assert_log_has_no_key(void)
{
        _cleanup_free_ char *log = NULL;

        ck_assert_int_ge(read_file(d.log_path, 1 << 24, &log, NULL), 0);
        ck_assert_msg(!strstr(log, ceph.admin_key) && !strstr(log, ceph.client_key),
                      "a key in the log");
}

/* ---- tests ------------------------------------------------------------------------- */

/* The seed's walk-through, steps 3–9, against the test cluster. */
START_TEST(test_seed_walkthrough)
{
        _cleanup_free_ char *opts = admin_options(true), *body = rbd_def("busybox.sqsh", opts);
        json_t *j, *a;
        pid_t pid;
        char *out = NULL;
        double t0;

        t0 = test_now();
        j = request("POST", "/imageapi/v1/attach/rbd", body, 201);
        ck_assert_int_eq(test_json_int(j, "id"), 0);
        ck_assert_msg(strncmp(test_json_str(j, "device_file"), "/dev/loop", 9) == 0, "%s",
                      test_json_str(j, "device_file"));
        ck_assert_str_eq(test_json_str(json_object_get(j, "options"), "name"), "admin");
        ck_assert(json_is_true(json_object_get(json_object_get(j, "options"), "ro")));
        ck_assert_ptr_null(json_object_get(json_object_get(j, "options"), "secret"));
        json_decref(j);
        fprintf(stderr, "rbd attach took %.0f ms\n", (test_now() - t0) * 1000);
        ck_assert_int_eq(count_helpers(), 1);

        j = request("GET", "/imageapi/v1/attach/rbd/0", NULL, 200);
        ck_assert_str_eq(test_json_str(j, "image"), "busybox.sqsh");
        test_assert_imageapi_shape(j, "rbd_v01");
        json_decref(j);
        a = request("GET", "/imageapi/v1/attach/rbd", NULL, 200);
        ck_assert_int_eq(json_array_size(a), 1);
        test_assert_imageapi_shape(a, "[rbd_v01]");
        json_decref(a);

        j = request("POST", "/imageapi/v1/mount/rbd",
                    "{\"id\":0,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}", 201);
        ck_assert_int_eq(test_json_int(j, "id"), 0);
        ck_assert_int_eq(test_json_int(j, "rbd_id"), 0);
        test_assert_imageapi_shape(j, "mount_rbd_v01");
        json_decref(j);
        json_decref(test_assert_imageapi_shape(request("GET", "/imageapi/v1/mount/rbd", NULL, 200),
                                               "[mount_rbd_v01]"));
        j = request("POST", "/imageapi/v1/mount/overlay", "{\"lower\":[0]}", 201);
        ck_assert_int_eq(test_json_int(j, "id"), 1);
        /* v0.1's lower is [mount]: the v0.1 rbd mount 0. */
        test_assert_imageapi_shape(j, "mount_overlay_v01");
        ck_assert_str_eq(test_json_str(json_array_get(json_object_get(j, "lower"), 0), "kind"),
                         "rbd");
        json_decref(j);
        json_decref(test_assert_imageapi_shape(
                request("GET", "/imageapi/v1/mount/overlay", NULL, 200), "[mount_overlay_v01]"));

        j = request(
                "POST", "/imageapi/v1/container",
                "{\"name\":\"test-container\",\"mount\":{\"id\":1,\"kind\":\"overlay\"},"
                "\"command\":\"/bin/sh -c 'echo started; exec sleep 60'\",\"state\":\"created\"}",
                201);
        ck_assert_int_eq(test_json_int(j, "id"), 0);
        json_decref(j);
        j = request("GET", "/imageapi/v1/container/0/running", NULL, 200);
        test_assert_imageapi_shape(j, "container");
        ck_assert_str_eq(test_json_str(j, "state"), "running");
        pid = (pid_t)test_json_int(j, "pid");
        json_decref(j);
        /* The overlay is read-write over the read-only image. */
        /* The payload's exec may still be under way when the start returns. */
        for (int i = 0; i < 100; i++) {
                free(out);
                out = test_in_container(pid,
                                        "ps; ls /bin/busybox; echo written > /etc/w && cat /etc/w");
                if (strstr(out, "sleep 60"))
                        break;
                usleep(20000);
        }
        ck_assert_msg(strstr(out, "sleep 60") && strstr(out, "/bin/busybox") &&
                              strstr(out, "\nwritten"),
                      "%s", out);
        free(out);
        out = NULL;

        json_decref(test_assert_imageapi_shape(
                request("GET", "/imageapi/v1/container/byname/test-container/exited", NULL, 200),
                "container"));
        /* "stopping" until the exit is handled, then "exited". */
        json_decref(test_assert_imageapi_shape(
                test_wait_state_at(&d, "/imageapi/v1/container/0", "exited", 10, assert_no_key),
                "container"));
        ck_assert(!test_pid_alive(pid));

        /* Every v0.1 reply has its model's types. */
        static const struct {
                const char *method, *path, *model;
        } v01[] = {
                { "GET", "/imageapi/v1/mount/overlay/1", "mount_overlay_v01" },
                { "GET", "/imageapi/v1/mount/rbd/0", "mount_rbd_v01" },
                { "DELETE", "/imageapi/v1/container/0", "container" },
                { "DELETE", "/imageapi/v1/mount/overlay/1", "mount_overlay_v01" },
                { "DELETE", "/imageapi/v1/mount/rbd/0", "mount_rbd_v01" },
                { "DELETE", "/imageapi/v1/attach/rbd/0", "rbd_v01" },
        };
        for (size_t i = 0; i < ELEMENTSOF(v01); i++)
                json_decref(test_assert_imageapi_shape(
                        request(v01[i].method, v01[i].path, NULL, 200), v01[i].model));
        assert_clean();

        /* No secret: the key of client.admin comes from --ceph-conf's keyring. */
        {
                _cleanup_free_ char *b = rbd_def("busybox.sqsh", "\"ro\":true");
                j = request("POST", "/imageapi/v1/attach/rbd", b, 201);
                json_decref(j);
                json_decref(request("DELETE", "/imageapi/v1/attach/rbd/1", NULL, 200));
        }
        assert_clean();
        assert_log_has_no_key();
}
END_TEST

/* The v0.2 nested form Kraken sends: the whole chain in one POST, torn down by one
 * DELETE. With the second client's key (profile rbd). */
START_TEST(test_nested_and_cascade)
{
        _cleanup_free_ char *opts = NULL, *def = NULL, *body = NULL;
        json_t *j;
        pid_t pid;

        ck_assert(asprintf(&opts, "\"ro\":true,\"name\":\"%s\",\"secret\":\"%s\"", ceph.client,
                           ceph.client_key) > 0);
        def = rbd_def("busybox.sqsh", opts);
        ck_assert(
                asprintf(
                        &body,
                        "{\"name\":\"nested\",\"state\":\"running\",\"args\":[\"sleep\",\"60\"],"
                        "\"mount\":{\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\","
                        "\"mount_options\":[\"ro\"],\"attach\":{\"kind\":\"rbd\",\"rbd\":%s}}}]}}}",
                        def) > 0);
        pid = post_running(body, NULL);
        ck_assert_int_eq(count_helpers(), 1);
        json_decref(request("DELETE", "/imageapi/v1/container?name=nested&force=true", NULL, 200));
        ck_assert(!test_pid_alive(pid));
        /* The cascade took the overlay, the squashfs mount and the attachment with it. */
        j = request("GET", "/imageapi/v1/attach", NULL, 200);
        ck_assert_int_eq(json_array_size(j), 0);
        json_decref(j);
        assert_clean();
        assert_log_has_no_key();
}
END_TEST

/* Kraken's calls, from its v0.1 client and models (omitempty everywhere): the
 * one-request container of an overlay over a nested rbd mount of a nested rbd, the list
 * it polls, stop by name, get by name, delete by name; then the v0.1 mount_id
 * references. Every reply has the v0.1 model's JSON types. */
START_TEST(test_kraken_v01_client)
{
        _cleanup_free_ char *opts = admin_options(true), *rbd = rbd_def("busybox.sqsh", opts),
                            *body = NULL;
        json_t *j;
        pid_t pid;

        ck_assert(asprintf(&body,
                           "{\"command\":\"/bin/sh -c 'exec sleep 600'\",\"mount\":{\"kind\":"
                           "\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"rbd\",\"rbd\":"
                           "{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],\"rbd\":%s}}]}},"
                           "\"name\":\"kraken-node\",\"namespaces\":null,\"state\":\"running\"}",
                           rbd) > 0);
        pid = post_running(body, "container");

        j = request("GET", "/imageapi/v1/container", NULL, 200);
        test_assert_imageapi_shape(j, "[container]");
        ck_assert_int_eq(json_array_size(j), 1);
        json_decref(j);
        j = request("GET", "/imageapi/v1/container/byname/kraken-node", NULL, 200);
        test_assert_imageapi_shape(j, "container");
        ck_assert_str_eq(test_json_str(j, "name"), "kraken-node");
        json_decref(j);
        json_decref(test_assert_imageapi_shape(
                request("GET", "/imageapi/v1/container/byname/kraken-node/exited", NULL, 200),
                "container"));
        json_decref(test_wait_state_at(&d, "/imageapi/v1/container/byname/kraken-node", "exited",
                                       10, assert_no_key));
        ck_assert(!test_pid_alive(pid));
        json_decref(test_assert_imageapi_shape(
                request("DELETE", "/imageapi/v1/container/byname/kraken-node", NULL, 200),
                "container"));
        j = request("GET", "/imageapi/v1/attach", NULL, 200);
        ck_assert_int_eq(json_array_size(j), 0);
        json_decref(j);

        /* v0.1 mount_id references: an rbd mount made by itself, an overlay over it by
         * {"kind":"rbd","mount_id":N}, a container on {"kind":"overlay","mount_id":M},
         * and v0.1's DELETE /mount with the mount in the body. */
        {
                _cleanup_free_ char *mb = NULL;
                long long rid, mid, oid;

                j = request("POST", "/imageapi/v1/attach/rbd", rbd, 201);
                rid = test_json_int(j, "id");
                json_decref(j);
                ck_assert(asprintf(&mb,
                                   "{\"rbd_id\":%lld,\"fs_type\":\"squashfs\",\"mount_options\":"
                                   "[\"ro\"]}",
                                   rid) > 0);
                j = request("POST", "/imageapi/v1/mount/rbd", mb, 201);
                mid = test_json_int(j, "id");
                json_decref(j);
                free(mb);
                ck_assert(asprintf(&mb, "{\"lower\":[{\"kind\":\"rbd\",\"mount_id\":%lld}]}", mid) >
                          0);
                j = request("POST", "/imageapi/v1/mount/overlay", mb, 201);
                test_assert_imageapi_shape(j, "mount_overlay_v01");
                oid = test_json_int(j, "id");
                ck_assert_int_eq(
                        test_json_int(json_array_get(json_object_get(j, "lower"), 0), "mount_id"),
                        mid);
                json_decref(j);
                free(mb);
                ck_assert(asprintf(&mb,
                                   "{\"command\":\"sleep 600\",\"mount\":{\"kind\":\"overlay\","
                                   "\"mount_id\":%lld},\"name\":\"by-mount-id\"}",
                                   oid) > 0);
                j = request("POST", "/imageapi/v1/container", mb, 201);
                test_assert_imageapi_shape(j, "container");
                ck_assert_int_eq(test_json_int(json_object_get(j, "mount"), "id"), oid);
                json_decref(j);
                json_decref(
                        request("DELETE", "/imageapi/v1/container/byname/by-mount-id", NULL, 200));
                free(mb);
                ck_assert(asprintf(&mb, "{\"kind\":\"overlay\",\"mount_id\":%lld}", oid) > 0);
                j = request("DELETE", "/imageapi/v1/mount", mb, 200);
                test_assert_imageapi_shape(j, "mount");
                ck_assert_int_eq(test_json_int(j, "id"), oid);
                json_decref(j);
                j = request("GET", "/imageapi/v1/mount/rbd", NULL, 200);
                test_assert_imageapi_shape(j, "[mount_rbd_v01]");
                ck_assert_int_eq(json_array_size(j), 1);
                json_decref(j);
        }
        test_remove_all(&d, "/imageapi/v1/mount");
        test_remove_all(&d, "/imageapi/v1/attach");
        assert_clean();
        assert_log_has_no_key();
}
END_TEST

START_TEST(test_bad_input)
{
        _cleanup_free_ char *good = admin_options(true);
        struct {
                const char *image, *monitor;
                char *options;
                long status;
                const char *msg;
                double max_s;
        } cases[] = {
                { "busybox.sqsh", NULL, NULL, 422, "authentication failed", 10 },
                { "busybox.sqsh", NULL, NULL, 422, "authentication failed", 10 },
                { "busybox.sqsh", NULL, NULL, 422, "pool 'nope' does not exist", 10 },
                { "nope", NULL, NULL, 422, "image 'nope' does not exist", 10 },
                { "busybox.sqsh", "127.0.0.1:1", NULL, 504, "unreachable", 9 },
                { "busybox.sqsh", NULL, NULL, 422, "queue_depth", 2 },
        };
        char path[64];
        json_t *j;

        /* A well-formed key that is not the admin's: the osd key format, other bytes. */
        ck_assert(asprintf(&cases[0].options,
                           "\"ro\":true,\"name\":\"admin\","
                           "\"secret\":\"AQCKtEdmAAAAABAAk1Qm0fYpQoMmkx9y0AyL5A==\"") > 0);
        ck_assert(asprintf(&cases[1].options, "\"ro\":true,\"name\":\"nobody\",\"secret\":\"%s\"",
                           ceph.admin_key) > 0);
        ck_assert(asprintf(&cases[2].options, "%s", good) > 0);
        ck_assert(asprintf(&cases[3].options, "%s", good) > 0);
        ck_assert(asprintf(&cases[4].options, "%s,\"mount_timeout\":3", good) > 0);
        ck_assert(asprintf(&cases[5].options, "%s,\"queue_depth\":32", good) > 0);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *b = NULL;
                struct test_reply r;
                double t0 = test_now(), dt;

                ck_assert(
                        asprintf(&b,
                                 "{\"kind\":\"rbd\",\"rbd\":{\"monitors\":[\"%s\"],\"pool\":\"%s\","
                                 "\"image\":\"%s\",\"options\":{%s}}}",
                                 cases[i].monitor ? cases[i].monitor : ceph.mon,
                                 i == 2 ? "nope" : "rbd", cases[i].image, cases[i].options) > 0);
                test_post(&d, "/imageapi/v1/attach", b, &r);
                dt = test_now() - t0;
                test_assert_error(&r, cases[i].status, cases[i].msg);
                ck_assert_msg(!strstr(r.body, ceph.admin_key) && !strstr(r.body, "AQCKtEdm"),
                              "a key in the reply: %s", r.body);
                ck_assert_msg(dt < cases[i].max_s, "case %zu took %.1f s", i, dt);
                fprintf(stderr, "case %zu: %ld in %.2f s: %s\n", i, r.status, dt, r.body);
                test_reply_done(&r);
                free(cases[i].options);
                assert_clean();
        }

        /* A non-squashfs image mounted as squashfs: the attachment works, the mount says
         * what is wrong, nothing of the mount is left. */
        {
                _cleanup_free_ char *b = rbd_def("junk.img", good);
                j = request("POST", "/imageapi/v1/attach/rbd", b, 201);
                (void)snprintf(path, sizeof(path), "/imageapi/v1/attach/rbd/%lld",
                               test_json_int(j, "id"));
                json_decref(j);
                j = request("POST", "/imageapi/v1/mount/rbd",
                            "{\"id\":0,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}", 422);
                ck_assert_msg(strstr(test_json_str(j, "message"), "squashfs"), "%s",
                              test_json_str(j, "message"));
                json_decref(j);
                json_decref(request("DELETE", path, NULL, 200));
                assert_clean();
        }

        /* Twice the same image: 409 naming the attachment. An attachment in use by a
         * mount: 409. */
        {
                _cleanup_free_ char *b = rbd_def("busybox.sqsh", good);
                json_decref(request("POST", "/imageapi/v1/attach/rbd", b, 201));
                j = request("POST", "/imageapi/v1/attach/rbd", b, 409);
                ck_assert_msg(
                        strstr(test_json_str(j, "message"), "already attached as attachment 1"),
                        "%s", test_json_str(j, "message"));
                json_decref(j);
                j = request("POST", "/imageapi/v1/mount/rbd",
                            "{\"id\":1,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}", 201);
                /* The failed mount of the junk image took no id: this is mount 0. */
                ck_assert_int_eq(test_json_int(j, "id"), 0);
                json_decref(j);
                json_decref(request("DELETE", "/imageapi/v1/attach/rbd/1", NULL, 409));
                json_decref(request("DELETE", "/imageapi/v1/mount/rbd/0", NULL, 200));
                json_decref(request("DELETE", "/imageapi/v1/attach/rbd/1", NULL, 200));
                json_decref(request("DELETE", "/imageapi/v1/attach/rbd/1", NULL, 404));
        }
        assert_clean();
        assert_log_has_no_key();
}
END_TEST

static pid_t helper_of(uint64_t id, char **ret_mountpoint)
{
        _cleanup_free_ char *rec = NULL;
        char p[700];
        json_t *j, *r;
        pid_t pid;

        (void)snprintf(p, sizeof(p), "%s/db/attachment-%llu.json", d.state_dir,
                       (unsigned long long)id);
        ck_assert_int_ge(read_file(p, 1 << 20, &rec, NULL), 0);
        j = json_loads(rec, 0, NULL);
        r = json_object_get(json_object_get(json_object_get(j, "object"), "rbd"), "berth");
        pid = (pid_t)json_integer_value(json_object_get(r, "helper_pid"));
        if (ret_mountpoint)
                *ret_mountpoint = strdup(json_string_value(json_object_get(r, "fuse_mountpoint")));
        json_decref(j);
        return pid;
}

static pid_t wait_helper_change(uint64_t id, pid_t old)
{
        for (int i = 0; i < 1000; i++) {
                pid_t p = helper_of(id, NULL);
                if (p > 0 && p != old)
                        return p;
                usleep(10000);
        }
        return old;
}

/* berthd killed with SIGKILL: its helpers and the container on the image go on; a
 * berthd started again re-adopts them (same pids), re-attaches the loop device of an
 * attachment nothing mounted (it went with the old berthd's fd), restarts a helper
 * that dies afterwards, and ends every helper when the attachments are deleted. */
START_TEST(test_helper_readopted)
{
        _cleanup_free_ char *opts = admin_options(true), *def = rbd_def("busybox.sqsh", opts);
        _cleanup_free_ char *def2 = rbd_def("busybox2.sqsh", opts);
        _cleanup_free_ char *body = NULL, *mp = NULL, *out = NULL, *head = NULL;
        pid_t helper0, helper1, helper1b, pid;
        char p[700];
        json_t *j;
        int fd;

        ck_assert(asprintf(&body,
                           "{\"name\":\"onrbd\",\"state\":\"running\",\"args\":[\"sleep\","
                           "\"1000\"],\"mount\":{\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\""
                           ":\"squashfs\",\"mount_options\":[\"ro\"],\"attach\":{\"kind\":\"rbd\","
                           "\"rbd\":%s}}}]}}}",
                           def) > 0);
        j = request("POST", "/imageapi/v1/container", body, 201);
        pid = (pid_t)test_json_int(j, "pid");
        json_decref(j);
        json_decref(request("POST", "/imageapi/v1/attach/rbd", def2, 201));
        helper0 = helper_of(0, NULL);
        helper1 = helper_of(1, &mp);
        ck_assert(helper0 > 0 && helper1 > 0 && helper0 != helper1);

        test_berthd_crash(&d);
        ck_assert_msg(test_pid_alive(helper0) && test_pid_alive(helper1),
                      "berth-rbd died with berthd");
        ck_assert(test_pid_alive(pid));
        (void)snprintf(p, sizeof(p), "%s/image", mp);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        head = calloc(1, 4);
        ck_assert_int_eq(pread(fd, head, 4, 0), 4);
        ck_assert_msg(memcmp(head, "hsqs", 4) == 0, "not a squashfs image through FUSE");
        close(fd);

        test_berthd_spawn(&d, false, extra);
        j = request("GET", "/imageapi/v1/attach", NULL, 200);
        ck_assert_int_eq(json_array_size(j), 2);
        json_decref(j);
        ck_assert_int_eq(helper_of(0, NULL), helper0);
        ck_assert_int_eq(helper_of(1, NULL), helper1);
        j = request("GET", "/imageapi/v1/container?name=onrbd", NULL, 200);
        ck_assert_str_eq(test_json_str(json_array_get(j, 0), "state"), "running");
        ck_assert_int_eq(test_json_int(json_array_get(j, 0), "pid"), pid);
        json_decref(j);
        out = test_in_container(pid, "ls /bin/busybox && echo ok");
        ck_assert_msg(strstr(out, "ok"), "%s", out);
        j = request("GET", "/imageapi/v1/attach/rbd/1", NULL, 200);
        (void)snprintf(p, sizeof(p), "%s", test_json_str(j, "device_file"));
        json_decref(j);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        ck_assert_msg(fd >= 0, "%s: %m", p);
        ck_assert_int_eq(pread(fd, head, 4, 0), 4);
        ck_assert(memcmp(head, "hsqs", 4) == 0);
        close(fd);

        /* Supervised again: a helper that dies is replaced (the key now comes from
         * --ceph-conf: the request's secret was never written down). */
        ck_assert_int_eq(kill(helper1, SIGKILL), 0);
        helper1b = wait_helper_change(1, helper1);
        ck_assert_msg(helper1b != helper1, "berth-rbd of attachment 1 was not restarted");

        json_decref(request("DELETE", "/imageapi/v1/container?name=onrbd&force=true", NULL, 200));
        json_decref(request("DELETE", "/imageapi/v1/attach/rbd/1", NULL, 200));
        for (int i = 0; i < 500 && (test_pid_alive(helper0) || test_pid_alive(helper1b)); i++)
                usleep(10000);
        ck_assert(!test_pid_alive(helper0) && !test_pid_alive(helper1b));
        (void)snprintf(p, sizeof(p), "%s/", d.state_dir);
        ck_assert_int_eq(test_count_mounts_under(p), 0);
        ck_assert_int_eq(test_wait_loops_gone(d.state_dir), 0);
}
END_TEST

/* berth-rbd processes serving this berthd's state directory, whoever their parent is
 * (after a restart they are not children of the new berthd). */
static int count_state_helpers(void)
{
        DIR *dir = opendir("/proc");
        struct dirent *de;
        int n = 0;

        while (dir && (de = readdir(dir))) {
                _cleanup_free_ char *cmd = NULL;
                char p[300];
                size_t len = 0;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                (void)snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
                if (read_file(p, 1 << 16, &cmd, &len) < 0 || !strstr(cmd, "berth-rbd"))
                        continue;
                for (size_t i = 0; i < len; i++)
                        if (cmd[i] == 0)
                                cmd[i] = ' ';
                if (strstr(cmd, d.state_dir) && test_pid_alive(atoi(de->d_name)))
                        n++;
        }
        if (dir)
                closedir(dir);
        return n;
}

/* The fault test on RBD: containers on an RBD image are created and deleted while
 * berthd is killed with SIGKILL at random moments; each time, the berthd started again
 * reports exactly the helpers, loop devices, mounts and containers the kernel has. */
START_TEST(test_sigkill_during_rbd_ops)
{
        _cleanup_free_ char *opts = admin_options(true), *def = rbd_def("busybox.sqsh", opts);
        unsigned seed = (unsigned)time(NULL), requests = 0;
        char p[700];

        fprintf(stderr, "test_sigkill_during_rbd_ops: seed %u\n", seed);
        srand(seed);
        for (unsigned round = 0; round < 6; round++) {
                pid_t killer = fork();
                json_t *as, *ms, *cs, *o;
                size_t i;

                ck_assert_int_ge(killer, 0);
                if (killer == 0) {
                        usleep((useconds_t)(rand() % 1500000));
                        (void)kill(d.pid, SIGKILL);
                        _exit(0);
                }
                for (unsigned step = 0; step < 40; step++) {
                        json_t *l = NULL;
                        long st = test_try(&d, "GET", "/imageapi/v1/container", NULL, &l);
                        if (st == 200 && !json_is_array(l))
                                st = 0; /* a reply cut off by the kill */
                        if (st == 200 && json_array_size(l) == 0) {
                                _cleanup_free_ char *body = NULL;
                                ck_assert(asprintf(&body,
                                                   "{\"name\":\"r%u\",\"state\":\"running\","
                                                   "\"args\":[\"sleep\",\"1000\"],\"mount\":{"
                                                   "\"overlay\":{\"lower\":[{\"attach\":{"
                                                   "\"fs_type\":\"squashfs\",\"mount_options\":"
                                                   "[\"ro\"],\"attach\":{\"kind\":\"rbd\","
                                                   "\"rbd\":%s}}}]}}}",
                                                   step, def) > 0);
                                st = test_try(&d, "POST", "/imageapi/v1/container", body, NULL);
                        } else if (st == 200) {
                                (void)snprintf(p, sizeof(p),
                                               "/imageapi/v1/container?id=%lld&force=true",
                                               test_json_int(json_array_get(l, 0), "id"));
                                st = test_try(&d, "DELETE", p, NULL, NULL);
                        }
                        json_decref(l);
                        requests++;
                        if (st == 0)
                                break;
                        ck_assert_msg(st < 500, "request failed with %ld", st);
                }
                ck_assert_int_eq(waitpid(killer, NULL, 0), killer);
                test_berthd_crash(&d);
                test_berthd_spawn(&d, false, extra);

                /* The API and the kernel agree. */
                as = request("GET", "/imageapi/v1/attach", NULL, 200);
                ms = request("GET", "/imageapi/v1/mount", NULL, 200);
                cs = request("GET", "/imageapi/v1/container", NULL, 200);
                json_array_foreach (as, i, o) {
                        _cleanup_free_ char *mp = NULL, *backing = NULL;
                        const char *dev = test_json_str(o, "device_file");
                        pid_t h = helper_of((uint64_t)test_json_int(o, "id"), &mp);
                        ck_assert_msg(test_pid_alive(h), "helper %d of attachment %lld", (int)h,
                                      test_json_int(o, "id"));
                        (void)snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", dev + 5);
                        ck_assert_int_ge(read_file(p, 4096, &backing, NULL), 0);
                        ck_assert_msg(strstr(backing, mp) == backing, "%s is on %s, not %s", dev,
                                      backing, mp);
                }
                ck_assert_int_eq(count_state_helpers(), (int)json_array_size(as));
                (void)snprintf(p, sizeof(p), "%s/mounts/", d.state_dir);
                ck_assert_int_eq(test_count_mounts_under(p), test_state_mounts_of(ms));
                json_array_foreach (cs, i, o)
                        if (streq(test_json_str(o, "state"), "running"))
                                ck_assert(test_pid_alive((pid_t)test_json_int(o, "pid")));
                json_decref(as);
                json_decref(ms);
                json_decref(cs);
        }
        fprintf(stderr, "test_sigkill_during_rbd_ops: 6 kills, %u requests\n", requests);
        test_remove_all(&d, "/imageapi/v1/container");
        test_remove_all(&d, "/imageapi/v1/mount");
        test_remove_all(&d, "/imageapi/v1/attach");
        for (int k = 0; k < 500 && count_state_helpers() > 0; k++)
                usleep(10000);
        ck_assert_int_eq(count_state_helpers(), 0);
        (void)snprintf(p, sizeof(p), "%s/", d.state_dir);
        ck_assert_int_eq(test_count_mounts_under(p), 0);
        ck_assert_int_eq(test_wait_loops_gone(d.state_dir), 0);
}
END_TEST

/* A helper that dies is replaced under the loop device: the squashfs mounted on it keeps
 * working, and the dead helper's mount is gone. */
START_TEST(test_helper_restarted)
{
        _cleanup_free_ char *opts = admin_options(true), *body = rbd_def("busybox.sqsh", opts);
        _cleanup_free_ char *old_mp = NULL, *mp = NULL, *before = NULL, *after = NULL;
        const char *const md5[] = { "md5sum", NULL, NULL };
        char file[700];
        pid_t old, now = 0;
        json_t *j;

        json_decref(request("POST", "/imageapi/v1/attach/rbd", body, 201));
        j = request("POST", "/imageapi/v1/mount/rbd",
                    "{\"id\":0,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}", 201);
        mp = strdup(test_json_str(j, "mountpoint"));
        json_decref(j);
        (void)snprintf(file, sizeof(file), "%s/bin/busybox", mp);
        ((const char **)md5)[1] = file;
        ck_assert_int_eq(test_run_output(md5, false, &before), 0);

        old = helper_of(0, &old_mp);
        ck_assert_int_eq(kill(old, SIGKILL), 0);
        for (int i = 0; i < 1000; i++) {
                now = helper_of(0, NULL);
                if (now != old && now > 0 && test_pid_alive(now))
                        break;
                usleep(10000);
        }
        ck_assert_msg(now != old && test_pid_alive(now), "no new helper for attachment 0");
        /* Read it again from the device, not from the page cache. */
        ck_assert_int_eq(
                test_run((const char *[]){ "sh", "-c", "echo 3 > /proc/sys/vm/drop_caches", NULL }),
                0);
        ck_assert_int_eq(test_run_output(md5, false, &after), 0);
        ck_assert_str_eq(before, after);
        ck_assert_int_eq(test_count_mounts_under(old_mp), 0);
        ck_assert_int_eq(count_helpers(), 1);

        json_decref(request("DELETE", "/imageapi/v1/mount/rbd/0", NULL, 200));
        json_decref(request("DELETE", "/imageapi/v1/attach/rbd/0", NULL, 200));
        assert_clean();
}
END_TEST

/* force=true on an attachment that a running container still reads: it leaves the API
 * at once, the container keeps reading its root (the helper lingers), and the helper
 * ends when the last user is gone. */
START_TEST(test_force_delete_in_use)
{
        _cleanup_free_ char *opts = admin_options(true), *body = rbd_def("busybox.sqsh", opts);
        _cleanup_free_ char *host = NULL, *out = NULL;
        json_t *j;
        pid_t pid;

        ck_assert_int_eq(
                test_run_output((const char *[]){ "md5sum", "/bin/busybox", NULL }, false, &host),
                0);
        host[32] = 0;
        json_decref(request("POST", "/imageapi/v1/attach/rbd", body, 201));
        json_decref(request("POST", "/imageapi/v1/mount/rbd",
                            "{\"id\":0,\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}", 201));
        json_decref(request("POST", "/imageapi/v1/mount/overlay", "{\"lower\":[0]}", 201));
        j = request("POST", "/imageapi/v1/container",
                    "{\"name\":\"reader\",\"state\":\"running\",\"args\":[\"sleep\",\"60\"],"
                    "\"mount\":{\"id\":1}}",
                    201);
        pid = (pid_t)test_json_int(j, "pid");
        json_decref(j);

        json_decref(request("DELETE", "/imageapi/v1/attach/rbd/0", NULL, 409));
        json_decref(request("DELETE", "/imageapi/v1/attach/rbd/0?force=true", NULL, 200));
        json_decref(request("GET", "/imageapi/v1/attach/rbd/0", NULL, 404));
        ck_assert_int_eq(
                test_run((const char *[]){ "sh", "-c", "echo 3 > /proc/sys/vm/drop_caches", NULL }),
                0);
        out = test_in_container(pid, "md5sum /bin/busybox");
        ck_assert_msg(strncmp(out, host, 32) == 0, "in the container: %s, on the host: %s", out,
                      host);
        ck_assert_int_eq(count_helpers(), 1);

        /* The last user goes: container, overlay, squashfs mount; then the helper. */
        json_decref(request("DELETE", "/imageapi/v1/container?name=reader&force=true", NULL, 200));
        json_decref(request("DELETE", "/imageapi/v1/mount?id=1", NULL, 200));
        json_decref(request("DELETE", "/imageapi/v1/mount?id=0", NULL, 200));
        assert_clean();
}
END_TEST

static Suite *rbd_suite(void)
{
        Suite *s = suite_create("priv-rbd");
        TCase *tc = tcase_create("rbd");

        tcase_add_unchecked_fixture(tc, cluster_start, cluster_stop);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 180);
        tcase_add_test(tc, test_seed_walkthrough);
        tcase_add_test(tc, test_nested_and_cascade);
        tcase_add_test(tc, test_kraken_v01_client);
        tcase_add_test(tc, test_bad_input);
        tcase_add_test(tc, test_helper_readopted);
        tcase_add_test(tc, test_sigkill_during_rbd_ops);
        tcase_add_test(tc, test_helper_restarted);
        tcase_add_test(tc, test_force_delete_in_use);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        test_require_root("test-priv-rbd");
        test_priv_begin("test-priv-rbd", "rbd");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-rbd-%d", (int)getpid());
        sr = srunner_create(rbd_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        cluster_stop();
        test_run_dir_leave(cgparent);
        free(work);
        curl_global_cleanup();
        return failed ? 1 : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privileged tests: real loop devices, squashfs and ext4 images built at test time from
 * busybox-static, real mounts and overlays, all driven through a real berthd over HTTP.
 * The whole binary runs in a private mount namespace, so a failing test cannot leave
 * a mount on the host; loop devices are global, so every test checks that none backed
 * by its images is left.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "harness.h"
#include "loop.h"
#include "macro.h"

static char *images;       /* directory with the images built for this run */
static char squashfs[512]; /* busybox rootfs as squashfs */
static char ext4_template[512];

static struct test_berthd d;

/* ---- images ---------------------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
        ck_assert_int_eq(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void build_rootfs(const char *root)
{
        static const char *const dirs[] = { "bin", "sbin", "etc",     "proc",   "sys",
                                            "dev", "tmp",  "usr/bin", "var/lib" };
        char p[600];

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                (void)snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
                ck_assert_int_eq(mkdir_p(p, 0755), 0);
        }
        (void)snprintf(p, sizeof(p), "%s/bin/busybox", root);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "/bin/busybox", p, NULL }), 0);
        (void)snprintf(p, sizeof(p), "%s/bin/sh", root);
        ck_assert_int_eq(symlink("busybox", p), 0);
        (void)snprintf(p, sizeof(p), "%s/etc/os-release", root);
        write_text(p, "NAME=berth-test\nID=berth-test\n");
        (void)snprintf(p, sizeof(p), "%s/etc/hostname", root);
        write_text(p, "image\n");
}

static void build_images(void)
{
        char root[600];

        images = test_tmpdir("berth-images-");
        (void)snprintf(root, sizeof(root), "%s/rootfs", images);
        build_rootfs(root);
        (void)snprintf(squashfs, sizeof(squashfs), "%s/busybox.sqsh", images);
        ck_assert_int_eq(
                test_run((const char *[]){ "mksquashfs", root, squashfs, "-noappend", "-quiet",
                                           "-no-progress", "-comp", "gzip", NULL }),
                0);
        (void)snprintf(ext4_template, sizeof(ext4_template), "%s/template.ext4", images);
        ck_assert_int_eq(test_run((const char *[]){ "mkfs.ext4", "-q", "-F", "-d", root,
                                                    ext4_template, "16M", NULL }),
                         0);
}

/* A private copy of the ext4 image for a test that writes. */
static void ext4_copy(const char *name, char *out, size_t size)
{
        (void)snprintf(out, size, "%s/%s.ext4", images, name);
        ck_assert_int_eq(
                test_run((const char *[]){ "cp", "--sparse=always", ext4_template, out, NULL }), 0);
}

/* ---- fixture ----------------------------------------------------------------------- */

static char cgparent[64];
static const char *berthd_args[] = { "--cgroup-parent", cgparent, NULL };

static void setup(void)
{
        /* What a failed earlier test left (it ends without its teardown). */
        (void)test_sweep(cgparent);
        test_berthd_start(&d, false, berthd_args);
}

/* Nothing of berth's may be left: no mount under the state dir, no loop device on our
 * images, no directory in <state>/mounts, no record but the id counters. */
static void assert_clean(void)
{
        char p[512];

        test_assert_clean(d.state_dir, images, NULL);
        (void)snprintf(p, sizeof(p), "%s/db", d.state_dir);
        ck_assert_msg(test_count_dir_entries(p) <= 1, "records left in %s", p);
}

static void teardown(void)
{
        if (d.pid > 0) {
                test_remove_all(&d, "/imageapi/v1/mount");
                test_remove_all(&d, "/imageapi/v1/attach");
        }
        test_berthd_stop(&d);
}

/* ---- helpers ----------------------------------------------------------------------- */

static json_t *post_ok(const char *path, const char *body, long status)
{
        struct test_reply r;
        json_t *j;

        test_post(&d, path, body, &r);
        ck_assert_msg(r.status == status, "POST %s %s: want %ld, got %ld %s", path, body, status,
                      r.status, r.body);
        j = json_incref(r.json);
        test_reply_done(&r);
        return j;
}

static void delete_ok(const char *path)
{
        struct test_reply r;

        test_delete(&d, path, &r);
        ck_assert_msg(r.status == 200, "DELETE %s: %ld %s", path, r.status, r.body);
        test_reply_done(&r);
}

static void expect_error(const char *method, const char *path, const char *body, long status,
                         const char *needle)
{
        struct test_reply r;

        test_http(&d, method, path, NULL, body, body ? strlen(body) : 0, false, &r);
        test_assert_error(&r, status, needle);
        test_reply_done(&r);
}

static char *attach_body(const char *file, const char *extra)
{
        char *b;

        ck_assert(asprintf(&b,
                           "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\",\"base\":\"root\"%"
                           "s}}",
                           file, extra ? extra : "") > 0);
        return b;
}

static bool is_read_only(const char *path)
{
        struct statvfs sv;

        ck_assert_int_eq(statvfs(path, &sv), 0);
        return sv.f_flag & ST_RDONLY;
}

static bool exists(const char *dir, const char *name)
{
        char p[1024];

        (void)snprintf(p, sizeof(p), "%s/%s", dir, name);
        return access(p, F_OK) == 0;
}

static long long refs_of(const char *collection, long long id)
{
        char path[128];
        struct test_reply r;
        long long refs;

        (void)snprintf(path, sizeof(path), "/imageapi/v1/%s?id=%lld", collection, id);
        test_get(&d, path, &r);
        ck_assert_status(&r, 200);
        ck_assert_int_eq(json_array_size(r.json), 1);
        refs = test_json_int(json_array_get(r.json, 0), "refs");
        test_reply_done(&r);
        return refs;
}

/* ---- tests ----------------------------------------------------------------------- */

/* The seed walk-through's mount steps, with a loopback attachment in place of RBD. */
START_TEST(test_seed_overlay)
{
        _cleanup_free_ char *body = attach_body(squashfs, NULL);
        json_t *a, *m, *o;
        char mp[512], upper[512], lower_mp[512], f[600];
        const char *device;

        a = post_ok("/imageapi/v1/attach", body, 201);
        ck_assert_int_eq(test_json_int(a, "id"), 0);
        ck_assert_int_eq(test_json_int(a, "refs"), 1);
        device = test_json_str(a, "device_file");
        ck_assert_msg(strncmp(device, "/dev/loop", 9) == 0, "%s", device);
        ck_assert_int_eq(test_count_loops_backed_by(squashfs), 1);

        m = post_ok("/imageapi/v1/mount",
                    "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":"
                    "\"squashfs\",\"mount_options\":[\"ro\"]}}",
                    201);
        ck_assert_int_eq(test_json_int(m, "id"), 0);
        (void)snprintf(lower_mp, sizeof(lower_mp), "%s", test_json_str(m, "mountpoint"));
        ck_assert(exists(lower_mp, "bin/busybox"));
        ck_assert(is_read_only(lower_mp));

        /* Verbatim from the seed. */
        o = post_ok("/imageapi/v1/mount/overlay", "{ \"lower\": [ 0 ]}", 201);
        ck_assert_int_eq(test_json_int(o, "id"), 1);
        /* v0.1's mount_overlay.lower is [mount]: objects, not the ids the request gave. */
        {
                json_t *l0 = json_array_get(json_object_get(o, "lower"), 0);
                ck_assert_msg(json_is_object(l0), "lower[0] is not a v0.1 mount object");
                ck_assert_int_eq(test_json_int(l0, "mount_id"), 0);
                ck_assert_str_eq(test_json_str(l0, "kind"), "attach");
        }
        (void)snprintf(mp, sizeof(mp), "%s", test_json_str(o, "mountpoint"));
        (void)snprintf(upper, sizeof(upper), "%s", test_json_str(o, "upperdir"));
        ck_assert_msg(strncmp(mp, d.state_dir, strlen(d.state_dir)) == 0, "%s", mp);
        /* The upper and work directories share a tmpfs of the default size
         * (--overlay-size, 1GiB): a container cannot fill the state directory. */
        ck_assert_msg(strstr(test_json_str(o, "workdir"), "/mounts/ovl_") &&
                              strstr(test_json_str(o, "workdir"), "/work"),
                      "workdir %s", test_json_str(o, "workdir"));
        ck_assert_msg(strstr(upper, "/mounts/ovl_") && strstr(upper, "/upper"), "upperdir %s",
                      upper);
        {
                struct statfs sf;
                ck_assert_int_eq(statfs(upper, &sf), 0);
                ck_assert_msg(sf.f_type == TMPFS_MAGIC &&
                                      (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize == 1ull << 30,
                              "upper dir: fs 0x%lx, %llu bytes", (unsigned long)sf.f_type,
                              (unsigned long long)sf.f_blocks * (unsigned long long)sf.f_bsize);
        }

        /* Read-write, and the writes land in the upper directory only. */
        ck_assert(!is_read_only(mp));
        ck_assert(exists(mp, "bin/busybox"));
        (void)snprintf(f, sizeof(f), "%s/etc/written-through-overlay", mp);
        write_text(f, "hello\n");
        ck_assert(exists(upper, "etc/written-through-overlay"));
        ck_assert(!exists(lower_mp, "etc/written-through-overlay"));
        (void)snprintf(f, sizeof(f), "%s/etc/os-release", mp);
        ck_assert_int_eq(unlink(f), 0);
        ck_assert(exists(lower_mp, "etc/os-release"));

        ck_assert_int_eq(refs_of("mount", 0), 2);
        ck_assert_int_eq(refs_of("attach", 0), 2);
        /* GET never changes refs. */
        ck_assert_int_eq(refs_of("mount", 0), 2);

        {
                struct test_reply r;
                test_get(&d, "/imageapi/v1/mount/overlay/1", &r);
                ck_assert_status(&r, 200);
                ck_assert_str_eq(test_json_str(r.json, "mountpoint"), mp);
                test_reply_done(&r);
                test_get(&d, "/imageapi/v1/mount/overlay", &r);
                ck_assert_int_eq(json_array_size(r.json), 1);
                test_reply_done(&r);
                /* Mount 0 is not an overlay. */
                test_get(&d, "/imageapi/v1/mount/overlay/0", &r);
                test_assert_error(&r, 404, "not an overlay");
                test_reply_done(&r);
                /* Nor for DELETE, even while it is in use. */
                test_delete(&d, "/imageapi/v1/mount/overlay/0", &r);
                test_assert_error(&r, 404, "not an overlay");
                test_reply_done(&r);
                /* Nor for v0.1's DELETE /mount, whose body names the kind. */
                static const char *const wrong[][2] = {
                        { "{\"kind\":\"overlay\",\"mount_id\":0}", "mount 0 is not an overlay" },
                        { "{\"kind\":\"rbd\",\"mount_id\":0}", "mount 0 is not an rbd mount" },
                        { "{\"kind\":\"rbd\",\"mount_id\":1}", "mount 1 is not an rbd mount" },
                };
                for (size_t i = 0; i < ELEMENTSOF(wrong); i++) {
                        test_http(&d, "DELETE", "/imageapi/v1/mount", "application/json",
                                  wrong[i][0], strlen(wrong[i][0]), false, &r);
                        test_assert_error(&r, 404, wrong[i][1]);
                        test_reply_done(&r);
                }
        }

        /* Records exist while the objects do. */
        {
                char p[512];
                (void)snprintf(p, sizeof(p), "%s/db/mount-1.json", d.state_dir);
                ck_assert_int_eq(access(p, F_OK), 0);
                (void)snprintf(p, sizeof(p), "%s/db/attachment-0.json", d.state_dir);
                ck_assert_int_eq(access(p, F_OK), 0);
        }

        /* Tear down in the seed's order. */
        delete_ok("/imageapi/v1/mount/overlay/1");
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/attach?id=0");
        assert_clean();
        ck_assert(!exists(upper, "."));
        json_decref(a);
        json_decref(m);
        json_decref(o);
}
END_TEST

/* One POST with the whole chain, as Kraken sends it; ids innermost first; the
 * parts belong to the whole and go with it. */
START_TEST(test_nested_cascade)
{
        char body[2048];
        json_t *o, *lower, *att;
        struct test_reply r;

        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"attach\","
                       "\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],"
                       "\"attach\":{\"kind\":\"loopback\",\"loopback\":{\"path\":\"%s\","
                       "\"base\":\"root\"}}}}]}}",
                       squashfs);
        o = post_ok("/imageapi/v1/mount", body, 201);
        ck_assert_int_eq(test_json_int(o, "id"), 1);
        lower = json_array_get(json_object_get(json_object_get(o, "overlay"), "lower"), 0);
        ck_assert_int_eq(test_json_int(lower, "id"), 0);
        att = json_object_get(json_object_get(lower, "attach"), "attach");
        ck_assert_int_eq(test_json_int(att, "id"), 0);
        /* The nested loopback is read-only because its parent mounts it read-only. */
        ck_assert(json_is_true(json_object_get(json_object_get(att, "loopback"), "ro")));
        ck_assert(exists(test_json_str(o, "mountpoint"), "bin/busybox"));

        expect_error("DELETE", "/imageapi/v1/attach?id=0", NULL, 409, "created as part of mount 0");
        expect_error("DELETE", "/imageapi/v1/mount?id=0", NULL, 409, "created as part of mount 1");

        /* Referencing a nested part by id is allowed and blocks nothing of the parent. */
        {
                json_t *b = post_ok("/imageapi/v1/mount",
                                    "{\"kind\":\"bind\",\"bind\":{\"path\":\"/etc\",\"base\":"
                                    "\"mount\",\"ro\":true,\"mount\":{\"id\":0}}}",
                                    201);
                ck_assert_int_eq(test_json_int(b, "id"), 2);
                ck_assert(exists(test_json_str(b, "mountpoint"), "os-release"));
                json_decref(b);
        }
        /* Deleting the overlay drops its claim; mount 0 stays for the bind. */
        delete_ok("/imageapi/v1/mount?id=1");
        test_get(&d, "/imageapi/v1/mount", &r);
        ck_assert_int_eq(json_array_size(r.json), 2);
        test_reply_done(&r);
        ck_assert_int_eq(refs_of("mount", 0), 1);
        /* The bind goes, and with it the last claim: the nested chain is collected. */
        delete_ok("/imageapi/v1/mount?id=2");
        test_get(&d, "/imageapi/v1/mount", &r);
        ck_assert_str_eq(r.body, "[]\n");
        test_reply_done(&r);
        test_get(&d, "/imageapi/v1/attach", &r);
        ck_assert_str_eq(r.body, "[]\n");
        test_reply_done(&r);
        assert_clean();
        json_decref(o);
}
END_TEST

START_TEST(test_in_use_and_double_delete)
{
        _cleanup_free_ char *body = attach_body(squashfs, NULL);

        json_decref(post_ok("/imageapi/v1/attach", body, 201));
        json_decref(post_ok("/imageapi/v1/mount",
                            "{\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\"}}", 201));
        json_decref(post_ok("/imageapi/v1/mount",
                            "{\"overlay\":{\"lower\":[{\"id\":0,\"kind\":\"attach\"}]}}", 201));

        expect_error("DELETE", "/imageapi/v1/mount?id=0", NULL, 409, "in use by mount 1");
        expect_error("DELETE", "/imageapi/v1/attach?id=0", NULL, 409, "in use by mount 0");
        /* The reference's kind must match. */
        expect_error("POST", "/imageapi/v1/mount",
                     "{\"overlay\":{\"lower\":[{\"id\":0,\"kind\":\"bind\"}]}}", 422,
                     "mount 0 is attach, not bind");
        ck_assert_int_eq(refs_of("mount", 0), 2);

        delete_ok("/imageapi/v1/mount?id=1");
        expect_error("DELETE", "/imageapi/v1/mount?id=1", NULL, 404, "mount 1 not found");
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/attach?id=0");
        expect_error("DELETE", "/imageapi/v1/attach?id=0", NULL, 404, "attachment 0 not found");
        assert_clean();

        /* Ids are never reused. */
        {
                json_t *a = post_ok("/imageapi/v1/attach", body, 201);
                ck_assert_int_eq(test_json_int(a, "id"), 1);
                json_decref(a);
                delete_ok("/imageapi/v1/attach?id=1");
        }
        assert_clean();
}
END_TEST

/* A process working inside a mount makes a plain DELETE fail; force detaches lazily. */
START_TEST(test_busy_and_force)
{
        _cleanup_free_ char *body = attach_body(squashfs, NULL);
        char mp[512], f[600], buf[64];
        json_t *o;
        int fd;
        ssize_t n;

        json_decref(post_ok("/imageapi/v1/attach", body, 201));
        json_decref(post_ok("/imageapi/v1/mount",
                            "{\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\"}}", 201));
        o = post_ok("/imageapi/v1/mount/overlay", "{\"lower\":[0]}", 201);
        (void)snprintf(mp, sizeof(mp), "%s", test_json_str(o, "mountpoint"));
        json_decref(o);

        (void)snprintf(f, sizeof(f), "%s/etc/hostname", mp);
        fd = open(f, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        expect_error("DELETE", "/imageapi/v1/mount?id=1", NULL, 409, "busy");
        ck_assert(exists(mp, "bin/busybox"));

        /* Force on the squashfs under the overlay: it leaves the API and the host's
         * mount table, and the overlay keeps working. */
        delete_ok("/imageapi/v1/mount?id=0&force=true");
        ck_assert(exists(mp, "bin/busybox"));
        expect_error("GET", "/imageapi/v1/mount?id=0", NULL, 404, "mount 0 not found");
        ck_assert_int_eq(refs_of("attach", 0), 2);

        delete_ok("/imageapi/v1/mount?id=1&force=true");
        n = read(fd, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert(strncmp(buf, "image", 5) == 0);
        close(fd);
        /* The forced mount 0 was held by the overlay; with the overlay gone it let
         * go of attachment 0 too. */
        ck_assert_int_eq(refs_of("attach", 0), 1);
        delete_ok("/imageapi/v1/attach?id=0");
        assert_clean();
}
END_TEST

/* Read-only attachments of one file share a loop device (one squashfs cache); a
 * delete of one leaves the other working. */
START_TEST(test_shared_read_only_device)
{
        _cleanup_free_ char *body = attach_body(squashfs, ",\"ro\":true");
        json_t *a, *b, *m;
        char dev[64];

        a = post_ok("/imageapi/v1/attach", body, 201);
        b = post_ok("/imageapi/v1/attach", body, 201);
        (void)snprintf(dev, sizeof(dev), "%s", test_json_str(a, "device_file"));
        ck_assert_str_eq(test_json_str(b, "device_file"), dev);
        ck_assert_int_eq(test_count_loops_backed_by(squashfs), 1);
        m = post_ok("/imageapi/v1/mount",
                    "{\"attach\":{\"attach\":{\"id\":1},\"fs_type\":\"squashfs\"}}", 201);
        /* The other attachment's mount is berth's own, not a use outside berth. */
        delete_ok("/imageapi/v1/attach?id=0");
        ck_assert(exists(test_json_str(m, "mountpoint"), "bin/busybox"));
        ck_assert_int_eq(test_count_loops_backed_by(squashfs), 1);
        delete_ok("/imageapi/v1/mount?id=0");
        /* Dropping one sharer while nothing is mounted must not clear the device
         * under the other (LOOP_CLR_FD would leave it in rundown: ENXIO on open). */
        json_decref(post_ok("/imageapi/v1/attach", body, 201));
        delete_ok("/imageapi/v1/attach?id=2");
        json_decref(m);
        m = post_ok("/imageapi/v1/mount",
                    "{\"attach\":{\"attach\":{\"id\":1},\"fs_type\":\"squashfs\"}}", 201);
        ck_assert(exists(test_json_str(m, "mountpoint"), "bin/busybox"));
        delete_ok("/imageapi/v1/mount?id=1");
        delete_ok("/imageapi/v1/attach?id=1");
        assert_clean();
        json_decref(a);
        json_decref(b);
        json_decref(m);
}
END_TEST

START_TEST(test_loop_used_outside_berth)
{
        _cleanup_free_ char *body = attach_body(squashfs, NULL);
        char *mnt = test_tmpdir("berth-outside-");
        json_t *a;

        a = post_ok("/imageapi/v1/attach", body, 201);
        ck_assert_int_eq(mount(test_json_str(a, "device_file"), mnt, "squashfs", MS_RDONLY, NULL),
                         0);
        expect_error("DELETE", "/imageapi/v1/attach?id=0", NULL, 409, "in use outside berth");
        ck_assert_int_eq(umount2(mnt, 0), 0);
        delete_ok("/imageapi/v1/attach?id=0");
        assert_clean();
        rmdir(mnt);
        free(mnt);
        json_decref(a);
}
END_TEST

START_TEST(test_ext4_read_write)
{
        char img[512], f[600], mp[512], body[1024];
        json_t *m;

        ext4_copy("rw", img, sizeof(img));
        (void)snprintf(
                body, sizeof(body),
                "{\"attach\":{\"fs_type\":\"ext4\",\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}",
                img);
        m = post_ok("/imageapi/v1/mount", body, 201);
        (void)snprintf(mp, sizeof(mp), "%s", test_json_str(m, "mountpoint"));
        ck_assert(!is_read_only(mp));
        ck_assert(json_is_false(json_object_get(
                json_object_get(json_object_get(json_object_get(m, "attach"), "attach"),
                                "loopback"),
                "ro")));
        (void)snprintf(f, sizeof(f), "%s/persisted", mp);
        write_text(f, "42\n");
        json_decref(m);

        /* A second read-write attachment of the same file is refused. */
        {
                _cleanup_free_ char *b = attach_body(img, NULL);
                expect_error("POST", "/imageapi/v1/attach", b, 409, "already attached");
        }
        delete_ok("/imageapi/v1/mount?id=0");
        assert_clean();

        /* Attached read-only on request: a read-write mount is refused, ro works and
         * shows what was written before. */
        {
                _cleanup_free_ char *b = attach_body(img, ",\"ro\":true");
                json_t *a = post_ok("/imageapi/v1/attach", b, 201);
                ck_assert(json_is_true(json_object_get(json_object_get(a, "loopback"), "ro")));
                json_decref(a);
        }
        expect_error("POST", "/imageapi/v1/mount",
                     "{\"attach\":{\"attach\":{\"id\":1},\"fs_type\":\"ext4\"}}", 422, "read-only");
        m = post_ok("/imageapi/v1/mount",
                    "{\"attach\":{\"attach\":{\"id\":1},\"fs_type\":\"ext4\",\"mount_options\":"
                    "[\"ro\",\"noload\"]}}",
                    201);
        ck_assert_int_eq(test_json_int(m, "id"), 1);
        ck_assert(exists(test_json_str(m, "mountpoint"), "persisted"));
        ck_assert(is_read_only(test_json_str(m, "mountpoint")));
        json_decref(m);
        delete_ok("/imageapi/v1/mount?id=1");
        delete_ok("/imageapi/v1/attach?id=1");
        assert_clean();
        unlink(img);
}
END_TEST

/* A failed create leaves no loop device, mount, directory, record or id. */
START_TEST(test_failed_create_leaves_nothing)
{
        struct test_snapshot before;
        char body[2048];
        json_t *a;

        test_snapshot_take(&before, images);
        (void)snprintf(
                body, sizeof(body),
                "{\"attach\":{\"fs_type\":\"ext4\",\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}",
                squashfs);
        expect_error("POST", "/imageapi/v1/mount", body, 422, "cannot mount");
        test_snapshot_assert_same(&before);

        (void)snprintf(body, sizeof(body),
                       "{\"overlay\":{\"lower\":[{\"attach\":{\"fs_type\":\"squashfs\",\"attach\":"
                       "{\"loopback\":{\"path\":\"%s\"}}}},{\"id\":9}]}}",
                       squashfs);
        expect_error("POST", "/imageapi/v1/mount", body, 404,
                     "overlay.lower[1]: mount 9 not found");
        test_snapshot_assert_same(&before);

        (void)snprintf(body, sizeof(body),
                       "{\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"nosuchopt=1\"],"
                       "\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}",
                       squashfs);
        expect_error("POST", "/imageapi/v1/mount", body, 422, "bad option");
        test_snapshot_assert_same(&before);

        expect_error("POST", "/imageapi/v1/mount",
                     "{\"attach\":{\"fs_type\":\"nosuchfs\",\"attach\":{\"local\":{\"path\":"
                     "\"/dev/loop-control\"}}}}",
                     422, "not a block device");
        test_snapshot_assert_same(&before);
        assert_clean();

        /* No id was consumed by any of it. */
        {
                _cleanup_free_ char *b = attach_body(squashfs, NULL);
                a = post_ok("/imageapi/v1/attach", b, 201);
                ck_assert_int_eq(test_json_int(a, "id"), 0);
                json_decref(a);
        }
        {
                json_t *m = post_ok("/imageapi/v1/mount",
                                    "{\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\"}}",
                                    201);
                ck_assert_int_eq(test_json_int(m, "id"), 0);
                json_decref(m);
        }
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/attach?id=0");
        test_snapshot_assert_same(&before);
        assert_clean();
        test_snapshot_done(&before);
}
END_TEST

START_TEST(test_bind_mounts)
{
        char *dir = test_tmpdir("berth-bind-"), f[600], sub[600];
        char body[1024];
        json_t *m;
        int fd;

        (void)snprintf(sub, sizeof(sub), "%s/sub", dir);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        (void)snprintf(f, sizeof(f), "%s/file", dir);
        write_text(f, "x\n");

        /* ro is really read-only (the Go server's bind ro was not). */
        (void)snprintf(body, sizeof(body), "{\"bind\":{\"path\":\"%s\",\"ro\":true}}", dir);
        m = post_ok("/imageapi/v1/mount", body, 201);
        ck_assert(is_read_only(test_json_str(m, "mountpoint")));
        (void)snprintf(f, sizeof(f), "%s/new", test_json_str(m, "mountpoint"));
        fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ck_assert_int_lt(fd, 0);
        ck_assert_int_eq(errno, EROFS);
        json_decref(m);

        /* Recursive and read-only: a mount below is read-only too. */
        ck_assert_int_eq(mount("tmpfs", sub, "tmpfs", 0, "size=1m"), 0);
        (void)snprintf(body, sizeof(body),
                       "{\"bind\":{\"path\":\"%s\",\"ro\":true,\"recursive\":true}}", dir);
        m = post_ok("/imageapi/v1/mount", body, 201);
        (void)snprintf(f, sizeof(f), "%s/sub", test_json_str(m, "mountpoint"));
        ck_assert(is_read_only(f));
        json_decref(m);

        /* A single file. */
        (void)snprintf(body, sizeof(body), "{\"bind\":{\"path\":\"%s/file\"}}", dir);
        m = post_ok("/imageapi/v1/mount", body, 201);
        {
                _cleanup_free_ char *text = NULL;
                ck_assert_int_eq(read_file(test_json_str(m, "mountpoint"), 100, &text, NULL), 0);
                ck_assert_str_eq(text, "x\n");
        }
        json_decref(m);

        /* base=mount: the path is resolved inside the mount; an absolute symlink in
         * the image cannot point the bind at the host. */
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/mount?id=1");
        delete_ok("/imageapi/v1/mount?id=2");
        ck_assert_int_eq(umount2(sub, 0), 0);
        assert_clean();
        test_rm_rf(dir);
        free(dir);
}
END_TEST

START_TEST(test_bind_in_mount_stays_inside)
{
        char root[600], sq[600], link[700], body[2048];
        json_t *m;

        /* An image with a symlink that points at an absolute host path. */
        (void)snprintf(root, sizeof(root), "%s/evil-root", images);
        build_rootfs(root);
        (void)snprintf(link, sizeof(link), "%s/escape", root);
        ck_assert_int_eq(symlink("/proc/self", link), 0);
        (void)snprintf(link, sizeof(link), "%s/up", root);
        ck_assert_int_eq(symlink("../../../../../../etc", link), 0);
        (void)snprintf(sq, sizeof(sq), "%s/evil.sqsh", images);
        ck_assert_int_eq(test_run((const char *[]){ "mksquashfs", root, sq, "-noappend", "-quiet",
                                                    "-no-progress", NULL }),
                         0);

        (void)snprintf(body, sizeof(body),
                       "{\"bind\":{\"path\":\"/up\",\"base\":\"mount\",\"mount\":{\"attach\":{"
                       "\"fs_type\":\"squashfs\",\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}}}",
                       sq);
        m = post_ok("/imageapi/v1/mount", body, 201);
        /* "../../../etc" from the image's root is the image's /etc, not the host's. */
        ck_assert(exists(test_json_str(m, "mountpoint"), "os-release"));
        ck_assert(!exists(test_json_str(m, "mountpoint"), "passwd"));
        json_decref(m);
        delete_ok("/imageapi/v1/mount?id=1");

        (void)snprintf(body, sizeof(body),
                       "{\"bind\":{\"path\":\"/escape\",\"base\":\"mount\",\"mount\":{\"attach\":{"
                       "\"fs_type\":\"squashfs\",\"attach\":{\"loopback\":{\"path\":\"%s\"}}}}}}",
                       sq);
        expect_error("POST", "/imageapi/v1/mount", body, 422, "does not exist");
        assert_clean();
        unlink(sq);
        test_rm_rf(root);
}
END_TEST

/* A block device that exists already (here a loop device the test made itself). */
START_TEST(test_local_attach)
{
        char dev[64], body[256];
        int backing, loopfd = -1, nr = -1;
        json_t *a, *m;

        backing = open(squashfs, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(backing, 0);
        ck_assert_int_eq(loop_attach(backing, squashfs, true, false, &nr, &loopfd, NULL), 0);
        close(backing);
        (void)snprintf(dev, sizeof(dev), "/dev/loop%d", nr);

        (void)snprintf(body, sizeof(body), "{\"kind\":\"local\",\"local\":{\"path\":\"%s\"}}", dev);
        a = post_ok("/imageapi/v1/attach", body, 201);
        ck_assert_str_eq(test_json_str(a, "device_file"), dev);
        m = post_ok("/imageapi/v1/mount",
                    "{\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\",\"mount_options\":"
                    "[\"ro\"]}}",
                    201);
        ck_assert(exists(test_json_str(m, "mountpoint"), "bin/busybox"));
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/attach?id=0");
        /* berth did not create the device, so it does not remove it. */
        ck_assert_int_eq(test_count_loops_backed_by(squashfs), 1);
        ck_assert_int_eq(loop_detach(loopfd), 0);
        assert_clean();
        json_decref(a);
        json_decref(m);
}
END_TEST

/* Ids and records survive a restart of berthd, and the kernel objects stay up. */
START_TEST(test_restart_keeps_ids)
{
        _cleanup_free_ char *body = attach_body(squashfs, NULL);
        char mp[512], p[600];
        json_t *m;

        json_decref(post_ok("/imageapi/v1/attach", body, 201));
        m = post_ok("/imageapi/v1/mount",
                    "{\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\"}}", 201);
        (void)snprintf(mp, sizeof(mp), "%s", test_json_str(m, "mountpoint"));
        json_decref(m);

        /* SIGTERM leaves mounts and devices up. */
        test_berthd_kill(&d);
        ck_assert(exists(mp, "bin/busybox"));
        (void)snprintf(p, sizeof(p), "%s/db/mount-0.json", d.state_dir);
        ck_assert_int_eq(access(p, F_OK), 0);

        /* A new berthd on the same state directory re-adopts them and continues the
         * counters. */
        test_berthd_spawn(&d, false, berthd_args);
        m = post_ok("/imageapi/v1/mount", "{\"bind\":{\"path\":\"/etc\",\"ro\":true}}", 201);
        ck_assert_int_eq(test_json_int(m, "id"), 1);
        json_decref(m);
        delete_ok("/imageapi/v1/mount?id=1");
        {
                json_t *l = test_call(&d, "GET", "/imageapi/v1/mount?id=0", NULL, 200);
                ck_assert_str_eq(test_json_str(json_array_get(l, 0), "mountpoint"), mp);
                ck_assert_int_eq(test_json_int(json_array_get(l, 0), "refs"), 1);
                json_decref(l);
                l = test_call(&d, "GET", "/imageapi/v1/attach?id=0", NULL, 200);
                ck_assert_int_eq(test_json_int(json_array_get(l, 0), "refs"), 2);
                json_decref(l);
        }
        delete_ok("/imageapi/v1/mount?id=0");
        delete_ok("/imageapi/v1/attach?id=0");
        ck_assert_int_eq(test_wait_loops_gone(squashfs), 0);
        assert_clean();
}
END_TEST

static Suite *priv_suite(void)
{
        Suite *s = suite_create("priv-mounts");
        TCase *tc = tcase_create("mounts");

        tcase_add_unchecked_fixture(tc, build_images, NULL);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_seed_overlay);
        tcase_add_test(tc, test_nested_cascade);
        tcase_add_test(tc, test_in_use_and_double_delete);
        tcase_add_test(tc, test_busy_and_force);
        tcase_add_test(tc, test_loop_used_outside_berth);
        tcase_add_test(tc, test_shared_read_only_device);
        tcase_add_test(tc, test_ext4_read_write);
        tcase_add_test(tc, test_failed_create_leaves_nothing);
        tcase_add_test(tc, test_bind_mounts);
        tcase_add_test(tc, test_bind_in_mount_stays_inside);
        tcase_add_test(tc, test_local_attach);
        tcase_add_test(tc, test_restart_keeps_ids);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        test_require_root("test-priv-mounts");
        test_priv_begin("test-priv-mounts", "mounts");
        (void)snprintf(cgparent, sizeof(cgparent), "berth-mnt-%d", (int)getpid());
        return test_priv_run(priv_suite(), "test-priv-mounts", images, cgparent);
}

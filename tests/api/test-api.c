/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * API tests: a real berthd on 127.0.0.1 (ephemeral port, temporary state directory)
 * driven over HTTP and over its unix socket. Everything here works without root:
 * these are the contract's edges — routing, status codes, error bodies, strict input
 * — and each bad request must leave the kernel exactly as it was.
 */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "fileio.h"
#include "fake-krbd.h"
#include "harness.h"
#include "macro.h"

static struct test_berthd d;
/* A failed check ends the test's process group with SIGKILL, berthd included, which
 * leaves its cgroup parent: every berthd here has this one, swept at the end. */
static char cgparent[64];

static void setup(void)
{
        test_berthd_start(&d, /* use_unix= */ true,
                          (const char *[]){ "--cgroup-parent", cgparent, NULL });
}

static void teardown(void)
{
        test_berthd_stop(&d);
}

START_TEST(test_empty_lists)
{
        static const char *const paths[] = { "/imageapi/v1/attach", "/imageapi/v1/mount",
                                             "/imageapi/v1/mount/overlay" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                struct test_reply r;

                test_get(&d, paths[i], &r);
                ck_assert_status(&r, 200);
                ck_assert_msg(json_is_array(r.json) && json_array_size(r.json) == 0, "%s: %s",
                              paths[i], r.body);
                ck_assert_str_eq(r.content_type, "application/json");
                test_reply_done(&r);
        }
}
END_TEST

START_TEST(test_unknown_path_and_method)
{
        struct test_reply r;

        test_get(&d, "/imageapi/v1/nothing", &r);
        test_assert_error(&r, 404, "/imageapi/v1/nothing");
        test_reply_done(&r);

        test_http(&d, "PUT", "/imageapi/v1/attach", NULL, NULL, 0, false, &r);
        test_assert_error(&r, 405, "PUT");
        ck_assert_msg(strstr(r.allow, "GET") && strstr(r.allow, "POST") &&
                              strstr(r.allow, "DELETE"),
                      "Allow: %s", r.allow);
        test_reply_done(&r);

        test_http(&d, "PATCH", "/imageapi/v1/mount/overlay/3", NULL, NULL, 0, false, &r);
        test_assert_error(&r, 405, NULL);
        ck_assert_str_eq(r.allow, "GET, DELETE");
        test_reply_done(&r);

        test_http(&d, "OPTIONS", "/imageapi/v1/mount", NULL, NULL, 0, false, &r);
        ck_assert_status(&r, 204);
        ck_assert_str_eq(r.allow, "GET, POST, DELETE");
        test_reply_done(&r);

        /* The seed's rbd path checks its body like any other. */
        test_post(&d, "/imageapi/v1/attach/rbd", "{}", &r);
        test_assert_error(&r, 422, "monitors is required");
        test_reply_done(&r);

        /* Parts of the ImageAPI this build does not have say so. */
        test_post(&d, "/imageapi/v1/attach",
                  "{\"iscsi\":{\"initiator\":\"i\",\"target\":\"t\",\"host\":\"h\"}}", &r);
        test_assert_error(&r, 501, "iscsi");
        test_reply_done(&r);

        test_http(&d, "HEAD", "/imageapi/v1/mount", NULL, NULL, 0, false, &r);
        ck_assert_status(&r, 200);
        ck_assert_int_eq(r.len, 0);
        test_reply_done(&r);
}
END_TEST

START_TEST(test_content_type_and_syntax)
{
        static const char body[] = "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\"}}";
        struct test_reply r;

        /* curl -d without -H: form encoding. */
        test_http(&d, "POST", "/imageapi/v1/attach", "application/x-www-form-urlencoded", body,
                  strlen(body), false, &r);
        test_assert_error(&r, 415, "application/json");
        test_reply_done(&r);

        test_http(&d, "POST", "/imageapi/v1/attach", "", body, strlen(body), false, &r);
        test_assert_error(&r, 415, NULL);
        test_reply_done(&r);

        test_http(&d, "POST", "/imageapi/v1/attach", "application/json; charset=utf-8", "{", 1,
                  false, &r);
        test_assert_error(&r, 400, "malformed JSON");
        test_reply_done(&r);

        test_post(&d, "/imageapi/v1/attach", "{\"kind\":\"local\",\"kind\":\"local\"}", &r);
        test_assert_error(&r, 400, "duplicate");
        test_reply_done(&r);

        test_post(&d, "/imageapi/v1/mount", "", &r);
        test_assert_error(&r, 422, "required");
        test_reply_done(&r);

        test_post(&d, "/imageapi/v1/mount", "[1,2]", &r);
        test_assert_error(&r, 422, "must be an object");
        test_reply_done(&r);
}
END_TEST

START_TEST(test_body_limit)
{
        size_t n = 2u << 20;
        char *big = malloc(n + 1);
        struct test_reply r;

        ck_assert(big);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        big[n] = 0;
        test_post(&d, "/imageapi/v1/mount", big, &r);
        test_assert_error(&r, 413, "limit");
        test_reply_done(&r);
        free(big);

        /* The connection is still usable afterwards. */
        test_get(&d, "/imageapi/v1/mount", &r);
        ck_assert_status(&r, 200);
        test_reply_done(&r);
}
END_TEST

struct bad_case {
        const char *path;
        const char *body;
        long status;
        const char *needle;
};

static const struct bad_case bad_bodies[] = {
        /* missing fields */
        { "/imageapi/v1/attach", "{}", 422, "kind is required" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\"}", 422, "loopback is required" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":{}}", 422,
          "loopback.path is required" },
        { "/imageapi/v1/attach", "{\"kind\":\"local\",\"local\":{}}", 422,
          "local.path is required" },
        { "/imageapi/v1/mount", "{\"kind\":\"attach\",\"attach\":{\"fs_type\":\"squashfs\"}}", 422,
          "attach.attach is required" },
        { "/imageapi/v1/mount", "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0}}}", 422,
          "attach.fs_type is required" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{}}", 422,
          "overlay.lower is required" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[]}}", 422,
          "at least one" },
        { "/imageapi/v1/mount", "{\"kind\":\"bind\",\"bind\":{\"base\":\"root\"}}", 422,
          "bind.path is required" },
        { "/imageapi/v1/mount", "{\"kind\":\"bind\",\"bind\":{\"path\":\"/x\",\"base\":\"mount\"}}",
          422, "bind.mount is required" },
        /* wrong types */
        { "/imageapi/v1/attach", "{\"kind\":7}", 422, "kind must be one of" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":{\"path\":3}}", 422,
          "loopback.path must be a string" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\",\"readPartitions\":\"yes\"}}", 422,
          "loopback.readPartitions must be true or false" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":[]}", 422,
          "loopback must be an object" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\","
          "\"mount_options\":\"ro\"}}",
          422, "attach.mount_options must be an array" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[0]}}", 422,
          "overlay.lower[0] must be an object" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":-1}]}}", 422,
          "overlay.lower[0].id must be a non-negative integer" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":\"0\"}]}}",
          422, "overlay.lower[0].id" },
        /* unknown kinds and fields */
        { "/imageapi/v1/attach", "{\"kind\":\"floppy\"}", 422, "kind must be one of" },
        { "/imageapi/v1/mount", "{\"kind\":\"tmpfs\"}", 422, "kind must be one of" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\",\"size\":1}}", 422,
          "loopback.size: unknown field" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"extra\":true,\"overlay\":{}}", 422,
          "extra: unknown field" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"loopback\",\"local\":{\"path\":\"/dev/x\"},\"loopback\":{\"path\":\"/x\"}}",
          422, "not several" },
        { "/imageapi/v1/attach", "{\"kind\":\"local\",\"loopback\":{\"path\":\"/x\"}}", 422,
          "loopback is given but kind is 'local'" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\",\"base\":\"disk\"}}", 422,
          "loopback.base must be one of root, mount" },
        /* read-only fields and references at the top level */
        { "/imageapi/v1/attach", "{\"id\":3}", 422, "id is read-only" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"local\",\"refs\":2,\"local\":{\"path\":\"/dev/null\"}}", 422,
          "refs is read-only" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"local\",\"device_file\":\"/dev/sda\",\"local\":{\"path\":\"/dev/null\"}}",
          422, "device_file is read-only" },
        { "/imageapi/v1/attach", "{\"id\":4,\"kind\":\"local\",\"local\":{\"path\":\"/dev/null\"}}",
          422, "cannot carry an id" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"overlay\",\"mountpoint\":\"/etc\",\"overlay\":{\"lower\":[{\"id\":0}]}}",
          422, "mountpoint is read-only" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":0}],\"upperdir\":\"/etc\"}}", 422,
          "overlay.upperdir is read-only" },
        /* bad values */
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"\"}}", 422,
          "must not be empty" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\\u0001y\"}}",
          422, "control characters" },
        { "/imageapi/v1/attach", "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/x\\u0000y\"}}",
          400, "u0000" },
        { "/imageapi/v1/attach",
          "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/does/not/exist.sqsh\"}}", 422,
          "does not exist" },
        { "/imageapi/v1/attach", "{\"kind\":\"local\",\"local\":{\"path\":\"/etc/passwd\"}}", 422,
          "not a block device" },
        { "/imageapi/v1/attach", "{\"kind\":\"local\",\"local\":{\"path\":\"dev/sda\"}}", 422,
          "absolute" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"SquashFS!\"}}", 422,
          "fs_type" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\","
          "\"mount_options\":[\"bind\"]}}",
          422, "'bind' is not allowed" },
        { "/imageapi/v1/mount",
          "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\","
          "\"mount_options\":[\"ro,x-mount.mkdir\"]}}",
          422, "not allowed" },
        /* references to objects that do not exist */
        { "/imageapi/v1/mount",
          "{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"squashfs\"}}", 404,
          "attachment 0 not found" },
        { "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":42}]}}", 404,
          "mount 42 not found" },
        { "/imageapi/v1/mount/overlay", "{\"lower\":[0]}", 404, "mount 0 not found" },
        { "/imageapi/v1/mount/overlay", "{\"lower\":[]}", 422, "at least one" },
        { "/imageapi/v1/mount/overlay", "{\"lower\":[\"a\"]}", 422, "lower[0]" },
        { "/imageapi/v1/mount/overlay", "{\"upper\":\"/tmp\",\"lower\":[0]}", 422,
          "upper: unknown field" },
        /* nesting */
        { "/imageapi/v1/mount",
          "{\"kind\":\"bind\",\"bind\":{\"path\":\"x\",\"base\":\"mount\",\"mount\":{\"kind\":"
          "\"bind\",\"bind\":{\"path\":\"x\",\"base\":\"mount\",\"mount\":{\"kind\":\"bind\","
          "\"bind\":{\"path\":\"x\",\"base\":\"mount\",\"mount\":{\"kind\":\"bind\",\"bind\":{"
          "\"path\":\"x\",\"base\":\"mount\",\"mount\":{\"kind\":\"bind\",\"bind\":{\"path\":"
          "\"x\",\"base\":\"mount\",\"mount\":{\"kind\":\"bind\",\"bind\":{\"path\":\"x\","
          "\"base\":\"mount\",\"mount\":{\"kind\":\"bind\",\"bind\":{\"path\":\"x\",\"base\":"
          "\"mount\",\"mount\":{\"kind\":\"bind\",\"bind\":{\"path\":\"x\",\"base\":\"mount\","
          "\"mount\":{\"kind\":\"bind\",\"bind\":{\"path\":\"x\",\"base\":\"mount\",\"mount\":{"
          "\"kind\":\"bind\",\"bind\":{\"path\":\"x\"}}}}}}}}}}}}}}}}}}}}",
          422, "nested more than" },
        /* a key that is not one: named, not shown */
        { "/imageapi/v1/attach",
          "{\"kind\":\"rbd\",\"rbd\":{\"monitors\":[\"127.0.0.1\"],\"pool\":\"rbd\",\"image\":"
          "\"x\",\"options\":{\"secret\":\"AQBsecretsecret==\"}}}",
          422, "rbd.options.secret is not a base64 cephx key" },
        /* kinds this build does not have */
        { "/imageapi/v1/attach", "{\"kind\":\"iscsi\",\"iscsi\":{}}", 501, "iscsi" },
        { "/imageapi/v1/mount", "{\"kind\":\"nfs\",\"nfs\":{\"host\":\"h\",\"path\":\"/\"}}", 501,
          "nfs" },
        { "/imageapi/v1/mount", "{\"kind\":\"uri\"}", 501, "uri" },
};

START_TEST(test_bad_bodies)
{
        struct test_snapshot before;

        test_snapshot_take(&before, "/does/not/exist");
        for (size_t i = 0; i < ELEMENTSOF(bad_bodies); i++) {
                const struct bad_case *c = &bad_bodies[i];
                struct test_reply r;

                test_post(&d, c->path, c->body, &r);
                if (r.status != c->status || !r.json ||
                    !strstr(json_string_value(json_object_get(r.json, "message")) ?: "", c->needle))
                        ck_abort_msg("case %zu: POST %s %s\n  expected %ld '%s'\n  got %ld %s", i,
                                     c->path, c->body, c->status, c->needle, r.status, r.body);
                test_assert_error(&r, c->status, c->needle);
                /* A secret sent in a request never comes back. */
                ck_assert_msg(!strstr(r.body, "AQBsecret"), "secret echoed: %s", r.body);
                test_reply_done(&r);
        }
        test_snapshot_assert_same(&before);
        test_snapshot_done(&before);

        /* Nothing was created, not even an id. */
        {
                struct test_reply r;
                test_get(&d, "/imageapi/v1/attach", &r);
                ck_assert_str_eq(r.body, "[]\n");
                test_reply_done(&r);
                test_get(&d, "/imageapi/v1/mount", &r);
                ck_assert_str_eq(r.body, "[]\n");
                test_reply_done(&r);
        }
        {
                char p[512];
                (void)snprintf(p, sizeof(p), "%s/mounts", d.state_dir);
                ck_assert_int_eq(test_count_dir_entries(p), 0);
                (void)snprintf(p, sizeof(p), "%s/db", d.state_dir);
                ck_assert_int_eq(test_count_dir_entries(p), 0);
        }
}
END_TEST

START_TEST(test_queries)
{
        static const struct {
                const char *method, *path;
                long status;
                const char *needle;
        } cases[] = {
                { "GET", "/imageapi/v1/attach?id=0", 404, "attachment 0 not found" },
                { "GET", "/imageapi/v1/mount?id=7", 404, "mount 7 not found" },
                { "GET", "/imageapi/v1/attach?id=x", 422, "id in query" },
                { "GET", "/imageapi/v1/attach?id=-1", 422, "id in query" },
                { "GET", "/imageapi/v1/attach?id=1&id=2", 422, "twice" },
                { "GET", "/imageapi/v1/attach?kind=floppy", 422, "kind in query" },
                { "GET", "/imageapi/v1/mount?kind=tmpfs", 422, "kind in query" },
                { "GET", "/imageapi/v1/mount?verbose=1", 422, "unknown query parameter 'verbose'" },
                { "GET", "/imageapi/v1/attach?id=%zz", 422, "malformed" },
                { "DELETE", "/imageapi/v1/attach", 422, "id in query is required" },
                { "DELETE", "/imageapi/v1/mount?id=0", 404, "mount 0 not found" },
                { "DELETE", "/imageapi/v1/mount?id=0&force=maybe", 422, "force" },
                { "DELETE", "/imageapi/v1/attach?id=99&force=true", 404, "attachment 99" },
                { "GET", "/imageapi/v1/mount/overlay/0", 404, "mount 0 not found" },
                { "GET", "/imageapi/v1/mount/overlay/zero", 422, "id in path" },
                { "GET", "/imageapi/v1/mount/overlay/0?verbose=1", 422, "unknown query parameter" },
                { "DELETE", "/imageapi/v1/mount/overlay/0?id=1", 422, "unknown query parameter" },
                { "DELETE", "/imageapi/v1/mount/overlay/3", 404, "mount 3 not found" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct test_reply r;

                test_http(&d, cases[i].method, cases[i].path, NULL, NULL, 0, false, &r);
                if (r.status != cases[i].status)
                        ck_abort_msg("%s %s: expected %ld, got %ld %s", cases[i].method,
                                     cases[i].path, cases[i].status, r.status, r.body);
                test_assert_error(&r, cases[i].status, cases[i].needle);
                test_reply_done(&r);
        }
        {
                struct test_reply r;
                test_get(&d, "/imageapi/v1/attach?kind=loopback", &r);
                ck_assert_status(&r, 200);
                ck_assert_str_eq(r.body, "[]\n");
                test_reply_done(&r);
        }
}
END_TEST

/* v0.1's DELETE /mount names the mount in its body: the same strict decoding, limits
 * and errors as every body, and nothing happens on a bad one. */
START_TEST(test_delete_mount_v01_body)
{
        static const struct {
                const char *path, *content_type, *body;
                long status;
                const char *needle;
        } cases[] = {
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"overlay\",\"mount_id\":\"0\"}", 422,
                  "mount_id must be a non-negative integer" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"overlay\",\"mount_id\":-1}", 422,
                  "mount_id must be a non-negative integer" },
                { "/imageapi/v1/mount", NULL,
                  "{\"kind\":\"overlay\",\"overlay\":{\"id\":\"../..\"}}", 422,
                  "overlay.id must be a non-negative integer" },
                { "/imageapi/v1/mount", NULL,
                  "{\"kind\":\"overlay\",\"mount_id\":0,\"force\":true}", 422,
                  "force: unknown field" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"overlay; rm -rf /\",\"mount_id\":0}",
                  422, "kind must be one of overlay, rbd" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"$(reboot)\",\"mount_id\":0}", 422,
                  "kind must be one of overlay, rbd" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"bind\",\"mount_id\":0}", 422,
                  "kind must be one of overlay, rbd" },
                { "/imageapi/v1/mount", NULL, "[0]", 422, "must be an object" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"overlay\",", 400, "malformed JSON" },
                { "/imageapi/v1/mount", NULL, "{\"mount_id\":1,\"mount_id\":2}", 400, "duplicate" },
                { "/imageapi/v1/mount", "text/plain", "{\"kind\":\"overlay\",\"mount_id\":0}", 415,
                  "application/json" },
                { "/imageapi/v1/mount?id=0", NULL, "{\"kind\":\"overlay\",\"mount_id\":0}", 422,
                  "not both" },
                { "/imageapi/v1/mount", NULL, "{\"kind\":\"rbd\",\"mount_id\":7}", 404,
                  "mount 7 not found" },
                { "/imageapi/v1/mount", NULL, "{}", 404, "mount 0 not found" },
        };
        struct test_snapshot before;
        struct test_reply r;
        size_t n = 2u << 20;
        _cleanup_free_ char *big = malloc(n + 1);

        test_snapshot_take(&before, "/does/not/exist");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                test_http(&d, "DELETE", cases[i].path, cases[i].content_type ?: "application/json",
                          cases[i].body, strlen(cases[i].body), i % 2 == 1, &r);
                if (r.status != cases[i].status)
                        ck_abort_msg("case %zu: DELETE %s %s: expected %ld, got %ld %s", i,
                                     cases[i].path, cases[i].body, cases[i].status, r.status,
                                     r.body);
                test_assert_error(&r, cases[i].status, cases[i].needle);
                test_reply_done(&r);
        }

        /* The same body limit as every route. */
        ck_assert(big);
        memset(big, ' ', n);
        big[0] = '{';
        big[n - 1] = '}';
        big[n] = 0;
        test_http(&d, "DELETE", "/imageapi/v1/mount", "application/json", big, n, false, &r);
        test_assert_error(&r, 413, "limit");
        test_reply_done(&r);

        test_snapshot_assert_same(&before);
        test_snapshot_done(&before);
        test_get(&d, "/imageapi/v1/mount", &r);
        ck_assert_str_eq(r.body, "[]\n");
        test_reply_done(&r);
}
END_TEST

START_TEST(test_unix_socket)
{
        struct test_reply r;
        struct stat st;

        ck_assert_int_eq(stat(d.socket_path, &st), 0);
        ck_assert_msg(S_ISSOCK(st.st_mode), "not a socket");
        ck_assert_int_eq(st.st_mode & 0777, 0600);

        test_http(&d, "GET", "/imageapi/v1/mount", NULL, NULL, 0, true, &r);
        ck_assert_status(&r, 200);
        ck_assert_str_eq(r.body, "[]\n");
        test_reply_done(&r);

        test_http(&d, "POST", "/imageapi/v1/mount", NULL, "{\"kind\":\"floppy\"}", 17, true, &r);
        test_assert_error(&r, 422, "kind");
        test_reply_done(&r);

        test_http(&d, "PUT", "/imageapi/v1/mount", NULL, NULL, 0, true, &r);
        test_assert_error(&r, 405, NULL);
        ck_assert_str_eq(r.allow, "GET, POST, DELETE");
        test_reply_done(&r);

        test_http(&d, "GET", "/nope", NULL, NULL, 0, true, &r);
        test_assert_error(&r, 404, "/nope");
        test_reply_done(&r);
}
END_TEST

/* Keep-alive, pipelining and chunked bodies on the unix socket, with raw bytes. */
START_TEST(test_unix_raw)
{
        static const char req[] =
                "GET /imageapi/v1/attach HTTP/1.1\r\nHost: x\r\n\r\n"
                "POST /imageapi/v1/mount HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
                "5\r\n{\"kin\r\n"
                "9\r\nd\":\"tmpfs\r\n3\r\n\"}\n\r\n0\r\n\r\n"
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char buf[8192];
        size_t len = 0;
        ssize_t n;
        int fd;

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        strcpy(sa.sun_path, d.socket_path);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(write(fd, req, sizeof(req) - 1), (ssize_t)(sizeof(req) - 1));
        while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = 0;
        close(fd);
        ck_assert_msg(strstr(buf, "HTTP/1.1 200 OK") == buf, "%s", buf);
        ck_assert_msg(strstr(buf, "HTTP/1.1 422"), "chunked body not decoded: %s", buf);
        ck_assert_msg(strstr(buf, "kind must be one of"), "%s", buf);
        ck_assert_msg(strstr(buf, "{\"status\":\"ok\"}"), "third request not served: %s", buf);

        /* Garbage gets a 400 and a closed connection. */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(write(fd, "HELLO\r\n\r\n", 9), 9);
        len = 0;
        while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = 0;
        close(fd);
        ck_assert_msg(strstr(buf, "HTTP/1.1 400"), "%s", buf);
}
END_TEST

/* Send the head of a request with "Expect: 100-continue", read the interim reply,
 * then send the body and read the final one. A server that ignores Expect leaves
 * curl waiting a second on every larger POST; here the read would time out. */
static void expect_continue(int fd)
{
        static const char body[] = "{\"kind\":\"nope\"}";
        struct timeval tv = { .tv_sec = 5 };
        char head[512], buf[4096] = "";
        size_t len = 0;
        ssize_t n;

        ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
        n = snprintf(head, sizeof(head),
                     "POST /imageapi/v1/mount HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\nExpect: 100-continue\r\n"
                     "Connection: close\r\n\r\n",
                     sizeof(body) - 1);
        ck_assert_int_eq(write(fd, head, (size_t)n), n);
        while (!strstr(buf, "\r\n\r\n") && len < sizeof(buf) - 1) {
                n = read(fd, buf + len, sizeof(buf) - 1 - len);
                ck_assert_msg(n > 0, "no interim reply to Expect: 100-continue");
                len += (size_t)n;
                buf[len] = 0;
        }
        ck_assert_msg(strncmp(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0, "%s", buf);
        ck_assert_int_eq(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
        while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = 0;
        ck_assert_msg(strstr(buf + 25, "HTTP/1.1 422"), "%s", buf);
        ck_assert_msg(strstr(buf, "kind must be one of"), "%s", buf);
        close(fd);
}

START_TEST(test_expect_continue)
{
        struct sockaddr_un su = { .sun_family = AF_UNIX };
        struct sockaddr_in si = { .sin_family = AF_INET };
        const char *port = strrchr(d.url, ':');
        int fd;

        ck_assert_ptr_nonnull(port);
        si.sin_port = htons((uint16_t)atoi(port + 1));
        si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&si, sizeof(si)), 0);
        expect_continue(fd);

        strcpy(su.sun_path, d.socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&su, sizeof(su)), 0);
        expect_continue(fd);
}
END_TEST

START_TEST(test_openapi_served)
{
        static const char *const paths[] = { "/imageapi/v1/swagger.json",
                                             "/openapi/imageapi.json" };
        struct test_reply r;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                test_get(&d, paths[i], &r);
                ck_assert_status(&r, 200);
                ck_assert_str_eq(r.content_type, "application/json");
                ck_assert_msg(json_is_object(r.json), "%s is not JSON", paths[i]);
                ck_assert_msg(strncmp(test_json_str(r.json, "openapi"), "3.", 2) == 0,
                              "not OpenAPI 3");
                ck_assert_msg(json_object_get(json_object_get(r.json, "paths"), "/attach"),
                              "no /attach path documented");
                ck_assert_msg(json_object_get(json_object_get(r.json, "paths"), "/mount/overlay"),
                              "no /mount/overlay path documented");
                test_reply_done(&r);
        }
        test_get(&d, "/docs", &r);
        ck_assert_status(&r, 200);
        ck_assert_msg(strstr(r.content_type, "text/html"), "%s", r.content_type);
        ck_assert_msg(strstr(r.body, "/mount/overlay"), "docs page lists no operations");
        test_reply_done(&r);

        test_get(&d, "/healthz", &r);
        ck_assert_status(&r, 200);
        ck_assert_str_eq(test_json_str(r.json, "status"), "ok");
        test_reply_done(&r);
}
END_TEST

START_TEST(test_no_cors)
{
        struct test_reply r;

        /* Nothing in a reply invites a web page in a browser to call the API. */
        test_http(&d, "GET", "/imageapi/v1/mount", NULL, NULL, 0, false, &r);
        ck_assert_status(&r, 200);
        ck_assert_msg(!strcasestr(r.headers, "Access-Control-Allow-Origin"), "%s", r.headers);
        test_reply_done(&r);
        test_http(&d, "OPTIONS", "/imageapi/v1/mount", NULL, NULL, 0, false, &r);
        ck_assert_msg(!strcasestr(r.headers, "Access-Control-Allow"), "%s", r.headers);
        test_reply_done(&r);
}
END_TEST

/* ---- the daemon's command line and life cycle ------------------------------------ */

START_TEST(test_flags)
{
        char out[8192];
        int r;

        r = test_berthd_run((const char *[]){ "--help", NULL }, out, sizeof(out));
        ck_assert_int_eq(r, 0);
        ck_assert_msg(strstr(out, "--socket-path") && strstr(out, "--tls-certificate") &&
                              strstr(out, "--state-dir"),
                      "%s", out);

        r = test_berthd_run((const char *[]){ "--version", NULL }, out, sizeof(out));
        ck_assert_int_eq(r, 0);
        ck_assert_msg(strncmp(out, "berthd ", 7) == 0, "%s", out);

        r = test_berthd_run((const char *[]){ "--bogus", NULL }, out, sizeof(out));
        ck_assert_int_eq(r, 2);
        ck_assert_msg(strstr(out, "'--bogus'") && !strchr(strchr(out, '\n') + 1, '\n'),
                      "want one line naming the flag: %s", out);

        r = test_berthd_run((const char *[]){ "--port", "http", NULL }, out, sizeof(out));
        ck_assert_int_eq(r, 2);
        ck_assert_msg(strstr(out, "port"), "%s", out);

        r = test_berthd_run((const char *[]){ "--scheme", "ftp", NULL }, out, sizeof(out));
        ck_assert_int_eq(r, 2);
        ck_assert_msg(strstr(out, "ftp"), "%s", out);

        r = test_berthd_run((const char *[]){ "--scheme", "https", "--port", "0", NULL }, out,
                            sizeof(out));
        ck_assert_int_eq(r, 2);
        ck_assert_msg(strstr(out, "--tls-certificate"), "%s", out);

        r = test_berthd_run((const char *[]){ "--state-dir", "relative/dir", NULL }, out,
                            sizeof(out));
        ck_assert_int_eq(r, 2);

        r = test_berthd_run((const char *[]){ "--state-dir", "/proc/berth-cannot-be-here",
                                              "--scheme", "http", "--port", "0", NULL },
                            out, sizeof(out));
        ck_assert_int_eq(r, 1);
        ck_assert_msg(strstr(out, "/proc/berth-cannot-be-here") && strstr(out, "not usable"), "%s",
                      out);
}
END_TEST

START_TEST(test_port_in_use)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
        socklen_t len = sizeof(sa);
        char port[16], out[4096], *dir = test_tmpdir("berth-port-");
        int fd, r;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(fd, 1), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        (void)snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));

        r = test_berthd_run(
                (const char *[]){ "--state-dir", dir, "--scheme", "http", "--port", port, NULL },
                out, sizeof(out));
        ck_assert_int_eq(r, 1);
        ck_assert_msg(strstr(out, port), "error does not name the port: %s", out);
        close(fd);
        test_rm_rf(dir);
        free(dir);
}
END_TEST

START_TEST(test_one_daemon_per_state_dir)
{
        char out[4096];
        int r;

        r = test_berthd_run((const char *[]){ "--state-dir", d.state_dir, "--scheme", "http",
                                              "--port", "0", NULL },
                            out, sizeof(out));
        ck_assert_int_eq(r, 1);
        ck_assert_msg(strstr(out, "Another berthd"), "%s", out);

        /* The first one is unaffected. */
        {
                struct test_reply rr;
                test_get(&d, "/healthz", &rr);
                ck_assert_status(&rr, 200);
                test_reply_done(&rr);
        }
}
END_TEST

/* The krbd path of berthd against a fake /sys/bus/rbd (--sysfs-root, --dev-root): the
 * line the kernel gets, the device found, duplicates refused, unmapped on delete, and
 * the key nowhere but in the kernel's line. */
START_TEST(test_rbd_krbd_fake_sysfs)
{
        static const char key[] = "AQBtestkeytestkeytestkeytestkeytestkey==";
        struct fake_krbd f = { .make_node = true };
        struct test_berthd b;
        struct test_reply r;
        char body[1024], dev[600], other[1024];
        _cleanup_free_ char *log = NULL, *db = NULL;

        fake_krbd_start(&f);
        test_berthd_start(&b, false,
                          (const char *[]){ "--sysfs-root", f.sys, "--dev-root", f.dev,
                                            "--cgroup-parent", cgparent, NULL });
        (void)snprintf(body, sizeof(body),
                       "{\"kind\":\"rbd\",\"rbd\":{\"monitors\":[\"127.0.0.1:6789\",\"[::1]\"],"
                       "\"pool\":\"rbd\",\"image\":\"img\",\"options\":{\"ro\":true,\"secret\":"
                       "\"%s\",\"queue_depth\":8,\"force\":true}}}",
                       key);
        test_post(&b, "/imageapi/v1/attach", body, &r);
        ck_assert_status(&r, 201);
        (void)snprintf(dev, sizeof(dev), "%s/rbd0", f.dev);
        ck_assert_str_eq(test_json_str(r.json, "device_file"), dev);
        ck_assert_int_eq(test_json_int(json_object_get(r.json, "rbd"), "device_id"), 0);
        ck_assert_msg(!strstr(r.body, key), "%s", r.body);
        test_reply_done(&r);
        ck_assert_msg(streq(f.last_add,
                            "127.0.0.1:6789,[::1] ro,queue_depth=8,name=admin,"
                            "secret=AQBtestkeytestkeytestkeytestkeytestkey== rbd img -"),
                      "%s", f.last_add);

        /* The same image again: berth's own attachment is named. */
        test_post(&b, "/imageapi/v1/attach", body, &r);
        test_assert_error(&r, 409, "already attached as attachment 0");
        test_reply_done(&r);
        /* An image someone else mapped (here: the fake kernel is told directly). */
        {
                char p[700];
                int fd;
                (void)snprintf(p, sizeof(p), "%s/bus/rbd/add_single_major", f.sys);
                fd = open(p, O_WRONLY | O_CLOEXEC);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(write(fd, "m name=admin rbd other -", 24), 24);
                close(fd);
        }
        (void)snprintf(other, sizeof(other),
                       "{\"rbd\":{\"monitors\":[\"m\"],\"pool\":\"rbd\",\"image\":\"other\"}}");
        {
                char p[700];
                struct stat st;
                (void)snprintf(p, sizeof(p), "%s/bus/rbd/devices/1/current_snap", f.sys);
                for (int i = 0; i < 200 && stat(p, &st) < 0; i++)
                        usleep(5000);
        }
        test_post(&b, "/imageapi/v1/attach", other, &r);
        test_assert_error(&r, 409, "already mapped on this node as");
        ck_assert_msg(strstr(r.body, "/rbd1 (not by berth)"), "%s", r.body);
        test_reply_done(&r);

        /* Nothing of the key in the records either. */
        {
                char p[600];
                (void)snprintf(p, sizeof(p), "%s/db/attachment-0.json", b.state_dir);
                ck_assert_int_ge(read_file(p, 1 << 20, &db, NULL), 0);
                ck_assert_msg(!strstr(db, key) && strstr(db, "\"krbd\":true"), "%s", db);
        }
        test_delete(&b, "/imageapi/v1/attach?id=0", &r);
        ck_assert_status(&r, 200);
        test_reply_done(&r);
        {
                char p[700];
                struct stat st;
                (void)snprintf(p, sizeof(p), "%s/bus/rbd/devices/0", f.sys);
                for (int i = 0; i < 200 && stat(p, &st) == 0; i++)
                        usleep(5000);
                ck_assert_msg(stat(p, &st) < 0, "rbd0 still mapped");
        }
        ck_assert_int_ge(read_file(b.log_path, 1 << 22, &log, NULL), 0);
        ck_assert_msg(!strstr(log, key), "the key is in berthd's log");
        test_berthd_stop(&b);
        fake_krbd_stop(&f);
}
END_TEST

/* --token-file: every route refuses a request without the right token, in either
 * header, with 401 and no change; /healthz needs none; the token is never logged. */
START_TEST(test_auth_token)
{
        static const char token[] = "s3cr3t-T0ken_for.tests";
        static const struct {
                const char *method, *path, *body;
        } routes[] = {
                { "GET", "/imageapi/v1/attach", NULL },
                { "POST", "/imageapi/v1/attach", "{\"loopback\":{\"path\":\"/etc/hostname\"}}" },
                { "DELETE", "/imageapi/v1/attach?id=0", NULL },
                { "GET", "/imageapi/v1/mount", NULL },
                { "POST", "/imageapi/v1/mount", "{\"bind\":{\"path\":\"/etc\"}}" },
                { "DELETE", "/imageapi/v1/mount?id=0", NULL },
                { "DELETE", "/imageapi/v1/mount", "{\"kind\":\"overlay\",\"mount_id\":0}" },
                { "GET", "/imageapi/v1/mount/overlay", NULL },
                { "POST", "/imageapi/v1/mount/overlay", "{\"lower\":[0]}" },
                { "GET", "/imageapi/v1/attach/rbd/0", NULL },
                { "POST", "/imageapi/v1/attach/rbd", "{}" },
                { "DELETE", "/imageapi/v1/mount/rbd/0", NULL },
                { "GET", "/imageapi/v1/container", NULL },
                { "POST", "/imageapi/v1/container", "{\"name\":\"x\",\"mount\":{\"id\":0}}" },
                { "PATCH", "/imageapi/v1/container?id=0&state=running", NULL },
                { "DELETE", "/imageapi/v1/container?id=0", NULL },
                { "GET", "/imageapi/v1/container/0/running", NULL },
                { "GET", "/imageapi/v1/container/byname/x", NULL },
                { "GET", "/openapi/imageapi.json", NULL },
                { "GET", "/docs", NULL },
                { "GET", "/nonexistent", NULL },
                { "OPTIONS", "/imageapi/v1/mount", NULL },
                /* the pods and SRC doors: the same token, before anything is decoded */
                { "GET", "/api/v2/pod", NULL },
                { "POST", "/api/v2/pod/x/set", "{\"fileContents\":{\"services\":{}}}" },
                { "POST", "/api/v2/pod/x/destroy", "{}" },
                { "POST", "/api/v2/pod/config", "{\"configJson\":{}}" },
                { "GET", "/api/v2/pod/x/log?follow=1", NULL },
                { "GET", "/demo/", NULL },
                { "POST", "/demo/create-app?image=busybox&user=u", NULL },
                { "POST", "/demo/approve-image?image=busybox", NULL },
                { "GET", "/demo/get-app-status", NULL },
        };
        static const char *const wrong[] = { "",
                                             "token: wrong",
                                             "Authorization: Bearer wrong",
                                             "X-Token: s3cr3t-T0ken_for.tests",
                                             "Authorization: Basic s3cr3t-T0ken_for.tests",
                                             "token: s3cr3t-T0ken_for.test" };
        _cleanup_free_ char *dir = test_tmpdir("berth-token-"), *log = NULL;
        struct test_berthd b;
        struct test_reply r;
        char file[600];
        int fd;

        (void)snprintf(file, sizeof(file), "%s/token", dir);
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, token, strlen(token)), (ssize_t)strlen(token));
        ck_assert_int_eq(write(fd, "\n", 1), 1);
        close(fd);
        test_berthd_start(
                &b, true,
                (const char *[]){ "--token-file", file, "--cgroup-parent", cgparent, NULL });

        for (size_t w = 0; w < ELEMENTSOF(wrong); w++)
                for (size_t i = 0; i < ELEMENTSOF(routes); i++) {
                        (void)snprintf(b.auth, sizeof(b.auth), "%s", wrong[w]);
                        test_http(&b, routes[i].method, routes[i].path, NULL, routes[i].body,
                                  routes[i].body ? strlen(routes[i].body) : 0, i % 2 == 1, &r);
                        ck_assert_msg(r.status == 401, "%s %s with '%s': %ld %s", routes[i].method,
                                      routes[i].path, wrong[w], r.status, r.body);
                        ck_assert_msg(strstr(r.headers, "WWW-Authenticate: Bearer"), "%s",
                                      r.headers);
                        test_reply_done(&r);
                }

        /* Health needs no token. */
        b.auth[0] = 0;
        test_get(&b, "/healthz", &r);
        ck_assert_status(&r, 200);
        test_reply_done(&r);

        /* The right token, in either header, over TCP and the unix socket; nothing was
         * created by the refused requests. */
        (void)snprintf(b.auth, sizeof(b.auth), "token: %s", token);
        test_get(&b, "/imageapi/v1/mount", &r);
        ck_assert_status(&r, 200);
        ck_assert_int_eq(json_array_size(r.json), 0);
        test_reply_done(&r);
        (void)snprintf(b.auth, sizeof(b.auth), "authorization: bearer %s", token);
        test_http(&b, "GET", "/imageapi/v1/attach", NULL, NULL, 0, true, &r);
        ck_assert_status(&r, 200);
        ck_assert_int_eq(json_array_size(r.json), 0);
        test_reply_done(&r);
        test_get(&b, "/imageapi/v1/container", &r);
        ck_assert_status(&r, 200);
        ck_assert_int_eq(json_array_size(r.json), 0);
        test_reply_done(&r);

        b.auth[0] = 0;
        ck_assert_int_ge(read_file(b.log_path, 1 << 22, &log, NULL), 0);
        ck_assert_msg(strstr(log, "-> 401") && !strstr(log, token), "%s", log);
        test_berthd_stop(&b);
        test_rm_rf(dir);
}
END_TEST

/* A token file that cannot be used stops berthd at start, with a message. */
START_TEST(test_auth_token_file_errors)
{
        _cleanup_free_ char *dir = test_tmpdir("berth-token-");
        char empty[600], spaced[600], out[4096];
        int r;

        (void)snprintf(empty, sizeof(empty), "%s/empty", dir);
        (void)snprintf(spaced, sizeof(spaced), "%s/spaced", dir);
        ck_assert_int_eq(write_file_atomic(empty, "\n", 1, 0600), 0);
        ck_assert_int_eq(write_file_atomic(spaced, "a b\n", 4, 0600), 0);
        r = test_berthd_run((const char *[]){ "--state-dir", dir, "--scheme", "http", "--port", "0",
                                              "--token-file", empty, NULL },
                            out, sizeof(out));
        ck_assert_int_ne(r, 0);
        ck_assert_msg(strstr(out, "is empty"), "%s", out);
        r = test_berthd_run((const char *[]){ "--state-dir", dir, "--scheme", "http", "--port", "0",
                                              "--token-file", spaced, NULL },
                            out, sizeof(out));
        ck_assert_int_ne(r, 0);
        ck_assert_msg(strstr(out, "printable characters without spaces") && !strstr(out, "a b"),
                      "%s", out);
        r = test_berthd_run((const char *[]){ "--state-dir", dir, "--scheme", "http", "--port", "0",
                                              "--token-file", "/nonexistent/token", NULL },
                            out, sizeof(out));
        ck_assert_int_ne(r, 0);
        ck_assert_msg(strstr(out, "/nonexistent/token"), "%s", out);
        test_rm_rf(dir);
}
END_TEST

/* GET /metrics: Prometheus text with objects by kind and state and requests by route. */
START_TEST(test_metrics)
{
        struct test_reply r;

        test_get(&d, "/imageapi/v1/mount", &r);
        test_reply_done(&r);
        test_get(&d, "/imageapi/v1/mount", &r);
        test_reply_done(&r);
        test_get(&d, "/nowhere", &r);
        test_reply_done(&r);
        /* A request is counted just after its reply is sent: give the last one a moment. */
        for (int i = 0; i < 100; i++) {
                test_get(&d, "/metrics", &r);
                if (i == 99 ||
                    (strstr(r.body, "route=\"GET /imageapi/v1/mount\",status=\"200\"} 2\n") &&
                     strstr(r.body, "route=\"* (no route)\",status=\"404\"} 1\n")))
                        break;
                test_reply_done(&r);
                usleep(10000);
        }
        ck_assert_status(&r, 200);
        ck_assert_msg(strstr(r.content_type, "text/plain; version=0.0.4"), "%s", r.content_type);
        ck_assert_msg(strstr(r.body, "berth_containers{state=\"running\"} 0\n") &&
                              strstr(r.body, "berth_attachments{kind=\"rbd\"} 0\n") &&
                              strstr(r.body, "berth_mounts{kind=\"overlay\"} 0\n") &&
                              strstr(r.body, "berth_container_starts_total 0\n") &&
                              strstr(r.body, "# TYPE berth_http_requests_total counter\n"),
                      "%s", r.body);
        ck_assert_msg(strstr(r.body, "berth_http_requests_total{route=\"GET /imageapi/v1/mount\","
                                     "status=\"200\"} 2\n") &&
                              strstr(r.body, "berth_http_requests_total{route=\"* (no route)\","
                                             "status=\"404\"} 1\n"),
                      "%s", r.body);
        test_reply_done(&r);
}
END_TEST

static void openssl(const char *const *argv)
{
        _cleanup_free_ char *out = NULL;

        ck_assert_msg(test_run_output(argv, true, &out) == 0, "%s: %s", argv[1], out);
}

/* A key and a certificate signed by the CA in dir (self-signed when ca is NULL). */
static void make_cert(const char *dir, const char *name, const char *cn, const char *ca)
{
        char key[600], csr[600], pem[600], subj[128], cakey[600], capem[600], ext[600];

        (void)snprintf(key, sizeof(key), "%s/%s.key", dir, name);
        (void)snprintf(csr, sizeof(csr), "%s/%s.csr", dir, name);
        (void)snprintf(pem, sizeof(pem), "%s/%s.pem", dir, name);
        (void)snprintf(subj, sizeof(subj), "/CN=%s", cn);
        if (!ca) {
                openssl((const char *[]){ "openssl", "req", "-x509", "-newkey", "rsa:2048",
                                          "-nodes", "-keyout", key, "-out", pem, "-subj", subj,
                                          "-days", "1", NULL });
                return;
        }
        (void)snprintf(cakey, sizeof(cakey), "%s/%s.key", dir, ca);
        (void)snprintf(capem, sizeof(capem), "%s/%s.pem", dir, ca);
        (void)snprintf(ext, sizeof(ext), "%s/ext.cnf", dir);
        ck_assert_int_eq(write_file_atomic(ext, "subjectAltName=IP:127.0.0.1\n", 28, 0644), 0);
        openssl((const char *[]){ "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                                  "-out", csr, "-subj", subj, NULL });
        openssl((const char *[]){ "openssl", "x509", "-req", "-in", csr, "-CA", capem, "-CAkey",
                                  cakey, "-CAcreateserial", "-out", pem, "-days", "1", "-extfile",
                                  ext, NULL });
}

/* https with client certificates (--tls-ca): a client with a certificate of that CA is
 * served; without one, or with one of another issuer, the handshake fails on every
 * route and nothing changes; plain http is not served on the TLS port. Files that
 * cannot be read are a refusal at start, never http in their place. */
START_TEST(test_https_client_certificates)
{
        static const struct {
                const char *method, *path, *body;
        } routes[] = {
                { "GET", "/healthz", NULL },
                { "GET", "/metrics", NULL },
                { "GET", "/imageapi/v1/attach", NULL },
                { "POST", "/imageapi/v1/attach",
                  "{\"kind\":\"local\",\"local\":{\"path\":\"/dev/null\"}}" },
                { "DELETE", "/imageapi/v1/attach?id=0", NULL },
                { "GET", "/imageapi/v1/mount", NULL },
                { "POST", "/imageapi/v1/mount", "{\"bind\":{\"path\":\"/etc\",\"ro\":true}}" },
                { "DELETE", "/imageapi/v1/mount?id=0", NULL },
                { "GET", "/imageapi/v1/container", NULL },
                { "PATCH", "/imageapi/v1/container?id=0&state=exited", NULL },
                { "DELETE", "/imageapi/v1/container?id=0", NULL },
                { "GET", "/events", NULL },
                { "GET", "/mount", NULL },
                { "POST", "/mount/overlay", "{\"lower\":[0]}" },
        };
        _cleanup_free_ char *dir = test_tmpdir("berth-tls-"), *out = NULL;
        char cert[600], key[600], ca[600], state[600];
        struct test_berthd b;
        struct test_reply r;
        json_t *j;
        int rc;

        make_cert(dir, "ca", "berth-test-ca", NULL);
        make_cert(dir, "server", "127.0.0.1", "ca");
        make_cert(dir, "client", "berth-test-client", "ca");
        make_cert(dir, "rogue", "berth-test-client", NULL);
        (void)snprintf(cert, sizeof(cert), "%s/server.pem", dir);
        (void)snprintf(key, sizeof(key), "%s/server.key", dir);
        (void)snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
        (void)snprintf(state, sizeof(state), "%s/state", dir);

        /* Files that cannot be read: refusals. */
        rc = test_run_output((const char *[]){ "timeout", "5", test_berthd_path(), "--state-dir",
                                               state, "--scheme", "https", "--tls-port", "0",
                                               "--tls-certificate", cert, "--tls-key",
                                               "/nonexistent/key.pem", NULL },
                             true, &out);
        ck_assert_msg(rc != 0 && rc != 124 && strstr(out, "/nonexistent/key.pem"), "%d %s", rc,
                      out);
        ck_assert_msg(!strstr(out, "listening on"), "%s", out);
        out = mfree(out);
        rc = test_run_output((const char *[]){ "timeout", "5", test_berthd_path(), "--state-dir",
                                               state, "--scheme", "https", "--tls-port", "0",
                                               "--tls-certificate", cert, "--tls-key", key,
                                               "--tls-ca", "/nonexistent/ca.pem", NULL },
                             true, &out);
        ck_assert_msg(rc != 0 && rc != 124 && strstr(out, "/nonexistent/ca.pem"), "%d %s", rc, out);
        ck_assert_msg(!strstr(out, "listening on"), "%s", out);

        test_berthd_start(&b, false,
                          (const char *[]){ "--scheme", "https", "--tls-port", "0",
                                            "--tls-certificate", cert, "--tls-key", key, "--tls-ca",
                                            ca, "--cgroup-parent", cgparent, NULL });
        ck_assert_msg(strncmp(b.url, "https://", 8) == 0, "%s", b.url);
        (void)snprintf(b.tls_ca, sizeof(b.tls_ca), "%s", ca);

        /* No client certificate, or one of another issuer: no route answers. */
        for (int who = 0; who < 2; who++) {
                if (who == 1) {
                        (void)snprintf(b.tls_cert, sizeof(b.tls_cert), "%s/rogue.pem", dir);
                        (void)snprintf(b.tls_key, sizeof(b.tls_key), "%s/rogue.key", dir);
                }
                for (size_t i = 0; i < ELEMENTSOF(routes); i++)
                        ck_assert_msg(
                                test_try(&b, routes[i].method, routes[i].path, routes[i].body,
                                         NULL) == 0,
                                "%s %s answered a client %s", routes[i].method, routes[i].path,
                                who ? "with a certificate of another CA" : "without a certificate");
        }
        /* Plain http on the TLS port is not served. */
        {
                struct test_berthd plain = b;
                (void)snprintf(plain.url, sizeof(plain.url), "http://%s", b.url + 8);
                plain.tls_ca[0] = plain.tls_cert[0] = 0;
                ck_assert_int_ne(test_try(&plain, "GET", "/imageapi/v1/attach", NULL, NULL), 200);
        }

        /* The CA's client: served, and nothing was created by the refused requests. */
        (void)snprintf(b.tls_cert, sizeof(b.tls_cert), "%s/client.pem", dir);
        (void)snprintf(b.tls_key, sizeof(b.tls_key), "%s/client.key", dir);
        test_get(&b, "/healthz", &r);
        ck_assert_status(&r, 200);
        test_reply_done(&r);
        for (size_t i = 0; i < 3; i++) {
                static const char *const lists[] = { "/imageapi/v1/attach", "/imageapi/v1/mount",
                                                     "/imageapi/v1/container" };
                j = test_call(&b, "GET", lists[i], NULL, 200);
                ck_assert_int_eq(json_array_size(j), 0);
                json_decref(j);
        }
        j = test_call(&b, "POST", "/imageapi/v1/mount",
                      "{\"bind\":{\"path\":\"/etc\",\"ro\":true}}", 201);
        json_decref(j);
        json_decref(test_call(&b, "DELETE", "/imageapi/v1/mount?id=0", NULL, 200));
        test_berthd_stop(&b);
        test_rm_rf(dir);
}
END_TEST

/* --socket-group: the unix socket is 0660 and that group's; a group that does not
 * exist stops berthd with a message. */
START_TEST(test_socket_group)
{
        struct test_berthd b;
        char gid[16], out[4096];
        struct stat st;
        int r;

        (void)snprintf(gid, sizeof(gid), "%u", (unsigned)getegid());
        test_berthd_start(
                &b, true,
                (const char *[]){ "--socket-group", gid, "--cgroup-parent", cgparent, NULL });
        ck_assert_int_eq(stat(b.socket_path, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0660);
        ck_assert_int_eq(st.st_gid, getegid());
        test_berthd_stop(&b);

        {
                _cleanup_free_ char *dir = test_tmpdir("berth-group-");
                r = test_berthd_run((const char *[]){ "--state-dir", dir, "--scheme", "unix",
                                                      "--socket-group", "no-such-group-berth",
                                                      NULL },
                                    out, sizeof(out));
                ck_assert_int_ne(r, 0);
                ck_assert_msg(strstr(out, "--socket-group 'no-such-group-berth' is not a group"),
                              "%s", out);
                test_rm_rf(dir);
        }
}
END_TEST

static Suite *api_suite(void)
{
        Suite *s = suite_create("api");
        TCase *tc = tcase_create("http");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_empty_lists);
        tcase_add_test(tc, test_unknown_path_and_method);
        tcase_add_test(tc, test_content_type_and_syntax);
        tcase_add_test(tc, test_body_limit);
        tcase_add_test(tc, test_bad_bodies);
        tcase_add_test(tc, test_queries);
        tcase_add_test(tc, test_delete_mount_v01_body);
        tcase_add_test(tc, test_unix_socket);
        tcase_add_test(tc, test_unix_raw);
        tcase_add_test(tc, test_expect_continue);
        tcase_add_test(tc, test_openapi_served);
        tcase_add_test(tc, test_no_cors);
        tcase_add_test(tc, test_metrics);
        tcase_add_test(tc, test_one_daemon_per_state_dir);
        suite_add_tcase(s, tc);

        tc = tcase_create("daemon");
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_flags);
        tcase_add_test(tc, test_port_in_use);
        tcase_add_test(tc, test_rbd_krbd_fake_sysfs);
        tcase_add_test(tc, test_auth_token);
        tcase_add_test(tc, test_auth_token_file_errors);
        tcase_add_test(tc, test_https_client_certificates);
        tcase_add_test(tc, test_socket_group);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr;
        int failed;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        (void)snprintf(cgparent, sizeof(cgparent), "berth-test-%d", (int)getpid());
        test_run_dir_enter("api");
        sr = srunner_create(api_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        test_run_dir_leave(cgparent);
        curl_global_cleanup();
        return failed ? 1 : 0;
}

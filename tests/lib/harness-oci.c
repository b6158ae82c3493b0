/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness-oci.h"
#include "harness.h"
#include "macro.h"

int test_oci_config_set(const char *bundle, const char *const *path, json_t *value)
{
        char file[600];
        json_auto_t *c = NULL;
        json_t *o;
        size_t n = 0;

        while (path[n])
                n++;
        (void)snprintf(file, sizeof(file), "%s/config.json", bundle);
        c = json_load_file(file, 0, NULL);
        o = c;
        for (size_t i = 0; o && i + 1 < n; i++) {
                json_t *next = json_object_get(o, path[i]);

                if (!next && json_object_set_new(o, path[i], next = json_object()) < 0)
                        next = NULL;
                o = json_is_object(next) ? next : NULL;
        }
        if (n == 0 || !o || !value) {
                json_decref(value);
                return -1;
        }
        if (json_object_set_new(o, path[n - 1], value) < 0)
                return -1;
        return json_dump_file(c, file, JSON_INDENT(2));
}

void test_oci_crun_bundle(const char *dir, const char *args)
{
        char rootfs[300], dst[600];
        char *bb = test_busybox_rootfs("boci-", rootfs, sizeof(rootfs));

        ck_assert_ptr_nonnull(bb);
        (void)snprintf(dst, sizeof(dst), "%s/rootfs", dir);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", dir, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "cp", "-a", rootfs, dst, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "crun", "spec", "--bundle", dir, NULL }), 0);
        ck_assert_int_eq(test_oci_config_set(dir, (const char *[]){ "process", "args", NULL },
                                             json_loads(args, 0, NULL)),
                         0);
        test_rm_rf(bb);
        free(bb);
}

void test_oci_umoci_bundle(const char *dir, const char *work, const char *cmd)
{
        char rootfs[300], tar[600], layout[600], img[620];
        char *bb = test_busybox_rootfs("boci-", rootfs, sizeof(rootfs));

        ck_assert_ptr_nonnull(bb);
        (void)snprintf(tar, sizeof(tar), "%s/layer.tar", work);
        (void)snprintf(layout, sizeof(layout), "%s/layout", work);
        (void)snprintf(img, sizeof(img), "%s:bb", layout);
        ck_assert_int_eq(test_run((const char *[]){ "mkdir", "-p", work, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "tar", "--numeric-owner", "-C", rootfs, "-cf",
                                                    tar, ".", NULL }),
                         0);
        ck_assert_int_eq(test_run((const char *[]){ "umoci", "init", "--layout", layout, NULL }),
                         0);
        ck_assert_int_eq(test_run((const char *[]){ "umoci", "new", "--image", img, NULL }), 0);
        ck_assert_int_eq(test_run((const char *[]){ "umoci", "raw", "add-layer", "--image", img,
                                                    tar, NULL }),
                         0);
        ck_assert_int_eq(
                test_run((const char *[]){ "umoci", "config", "--image", img, "--config.cmd", "sh",
                                           "--config.cmd", "-c", "--config.cmd", cmd, NULL }),
                0);
        ck_assert_int_eq(test_run((const char *[]){ "umoci", "unpack", "--image", img, dir, NULL }),
                         0);
        test_rm_rf(bb);
        free(bb);
}

json_t *test_oci_post(struct test_berthd *d, const char *path, const char *body)
{
        struct test_reply r;
        json_t *j;

        test_http_headers(d, "POST", path, body, NULL, &r);
        ck_assert_msg(r.status == 200, "POST %s %s: HTTP %ld: %s", path, body, r.status,
                      r.body ? r.body : "");
        ck_assert_msg(r.json, "POST %s: not JSON: %s", path, r.body ? r.body : "");
        j = json_incref(r.json);
        test_reply_done(&r);
        return j;
}

json_t *test_oci_result(struct test_berthd *d, const char *path, const char *body)
{
        json_auto_t *reply = test_oci_post(d, path, body);
        json_t *result;

        ck_assert_msg(json_integer_value(json_object_get(reply, "id")) == 3, "%s: id", body);
        result = json_incref(json_object_get(reply, "result"));
        ck_assert_msg(result, "%s: no result: %s", body, json_dumps(reply, JSON_COMPACT));
        return result;
}

json_t *test_oci_rpc(struct test_berthd *d, const char *path, const char *method,
                     const char *params_fmt, ...)
{
        _cleanup_free_ char *params = NULL, *body = NULL;
        va_list ap;

        if (params_fmt) {
                va_start(ap, params_fmt);
                ck_assert_int_ge(vasprintf(&params, params_fmt, ap), 0);
                va_end(ap);
        }
        ck_assert_int_ge(asprintf(&body,
                                  "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
                                  "\"org.rdk.OCIContainer.1.%s\"%s%s}",
                                  method, params ? ",\"params\":" : "", params ? params : ""),
                         0);
        return test_oci_result(d, path, body);
}

bool test_oci_ok(const json_t *result)
{
        return json_is_true(json_object_get(result, "success"));
}

/* The seed's "Start (Dobby Spec)" body, byte for byte. */
const char test_oci_seed_dobby_body[] =
        "{\n"
        "\"jsonrpc\":\"2.0\",\n"
        "\"id\":3,\n"
        "\"method\":\"org.rdk.OCIContainer.1.startContainerFromDobbySpec\",\n"
        "\"params\":{\n"
        "\"containerId\": \"SleepTest\",\n"
        "\"dobbySpec\":{\n"
        "\"version\": \"1.0\",\n"
        "\"cwd\": \"/\",\n"
        "\"args\": [\n"
        "\"sleep\",\n"
        "\"60\"\n"
        "],\n"
        "\"env\": [\n"
        "],\n"
        "\"user\": {\n"
        "\"uid\": 1000,\n"
        "\"gid\": 1000\n"
        "},\n"
        "\"console\": {\n"
        "\"limit\": 65536,\n"
        "\"path\": \"/tmp/container.log\"\n"
        "},\n"
        "\"etc\": {\n"
        "\"group\": [\n"
        "\"root:x:0:\"\n"
        "],\n"
        "\"passwd\": [\n"
        "\"root::0:0:root:/:/bin/false\"\n"
        "]\n"
        "},\n"
        "\"memLimit\": 41943040,\n"
        "\"network\": \"nat\",\n"
        "\"mounts\": [\n"
        "]\n"
        "}\n"
        "}\n"
        "}";

/* ---- what the tests of the door share --------------------------------------------------- */

char *test_oci_replace(const char *s, const char *from, const char *to)
{
        const char *at = strstr(s, from);
        char *out = NULL;

        ck_assert_msg(at, "'%s' not in the text", from);
        ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from)), 0);
        return out;
}

char *test_oci_dobby_request(const char *console_dir, const char *id, const char *extra)
{
        _cleanup_free_ char *a = test_oci_replace(test_oci_seed_dobby_body, "\"network\": \"nat\"",
                                                  "\"network\": \"private\"");
        _cleanup_free_ char *b = NULL;
        json_auto_t *req = NULL, *x = NULL;
        json_t *params;
        char path[400];

        (void)snprintf(path, sizeof(path), "\"path\": \"%s/console.log\"", console_dir);
        b = test_oci_replace(a, "\"path\": \"/tmp/container.log\"", path);
        if (!id && !extra)
                return TAKE_PTR(b);
        req = json_loads(b, 0, NULL);
        ck_assert_ptr_nonnull(req);
        params = json_object_get(req, "params");
        if (id)
                ck_assert_int_eq(json_object_set_new(params, "containerId", json_string(id)), 0);
        if (extra) {
                x = json_loads(extra, 0, NULL);
                ck_assert_msg(x, "bad JSON in the test: %s", extra);
                ck_assert_int_eq(json_object_update(json_object_get(params, "dobbySpec"), x), 0);
        }
        return json_dumps(req, JSON_COMPACT);
}

int test_oci_exec(struct test_berthd *d, const char *path, const char *id, const char *command,
                  char **ret_out)
{
        json_auto_t *c = json_string(command);
        _cleanup_free_ char *cs = json_dumps(c, JSON_ENCODE_ANY);
        json_auto_t *r = test_oci_rpc_ok(d, path, "executeCommand",
                                         "{\"containerId\":\"%s\",\"command\":%s}", id, cs);

        if (ret_out)
                *ret_out = strdup(json_string_value(json_object_get(r, "output")) ?: "");
        return (int)json_integer_value(json_object_get(r, "exitCode"));
}

void test_oci_start_fails(struct test_berthd *d, const char *path, const char *body,
                          const char *needle)
{
        json_auto_t *r = test_oci_result(d, path, body);
        const char *why = json_string_value(json_object_get(r, "errorReason"));

        ck_assert_msg(!test_oci_ok(r), "%s succeeded", body);
        ck_assert_msg(why && strstr(why, needle), "errorReason '%s' lacks '%s'", why ? why : "",
                      needle);
}

int test_oci_start_ok(struct test_berthd *d, const char *path, const char *body)
{
        json_auto_t *r = test_oci_result(d, path, body);
        json_t *desc = json_object_get(r, "descriptor");
        _cleanup_free_ char *text = json_dumps(r, JSON_COMPACT);

        ck_assert_msg(test_oci_ok(r), "start: %s", text);
        ck_assert_msg(json_is_integer(desc) && json_integer_value(desc) > 0, "descriptor");
        return (int)json_integer_value(desc);
}

size_t test_oci_n_listed(struct test_berthd *d, const char *path)
{
        json_auto_t *r = test_oci_rpc_ok(d, path, "listContainers", NULL);

        return json_array_size(json_object_get(r, "containers"));
}

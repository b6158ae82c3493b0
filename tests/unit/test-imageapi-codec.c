/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ImageAPI codec alone: decoders on good and bad bodies, encoders on objects
 * built in memory, and every example in openapi/imageapi.yaml run through them.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "docs.h"
#include "error.h"
#include "imageapi-codec.h"
#include "json-util.h"
#include "macro.h"
#include "store.h"
#include "strv.h"

static json_t *parse(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);

        ck_assert_msg(j, "test JSON does not parse: %s: %s", text, e.text);
        return j;
}

static struct berth_mount_spec *mount_ok(const char *text, unsigned flags)
{
        struct berth_mount_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_mount(j, "", 0, flags, &s, &err);

        json_decref(j);
        ck_assert_msg(r == 0, "%s: %d %s", text, r, err.msg);
        return s;
}

static void mount_bad(const char *text, const char *needle)
{
        struct berth_mount_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_mount(j, "", 0, 0, &s, &err);

        json_decref(j);
        ck_assert_msg(r == -EINVAL, "%s: expected -EINVAL, got %d", text, r);
        ck_assert_ptr_null(s);
        ck_assert_msg(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", text, err.msg,
                      needle);
}

static struct berth_attach_spec *attach_ok(const char *text)
{
        struct berth_attach_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_attach(j, "", 0, 0, &s, &err);

        json_decref(j);
        ck_assert_msg(r == 0, "%s: %d %s", text, r, err.msg);
        return s;
}

static void attach_bad(const char *text, const char *needle)
{
        struct berth_attach_spec *s = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = imageapi_decode_attach(j, "", 0, 0, &s, &err);

        json_decref(j);
        ck_assert_msg(r == -EINVAL, "%s: expected -EINVAL, got %d", text, r);
        ck_assert_msg(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", text, err.msg,
                      needle);
}

START_TEST(test_attach_loopback)
{
        struct berth_attach_spec *s;

        s = attach_ok(
                "{\"kind\":\"loopback\",\"loopback\":{\"path\":\"/a.sqsh\",\"base\":\"root\"}}");
        ck_assert(!s->is_ref);
        ck_assert_int_eq(s->kind, BERTH_ATTACH_LOOPBACK);
        ck_assert_str_eq(s->loopback.path, "/a.sqsh");
        ck_assert_int_eq(s->loopback.base, BERTH_BASE_ROOT);
        ck_assert_int_eq(s->loopback.ro, -1);
        ck_assert(!s->loopback.read_partitions);
        berth_attach_spec_free(s);

        /* kind follows from the definition; base defaults to root; ro is explicit. */
        s = attach_ok("{\"loopback\":{\"path\":\"x\",\"ro\":true,\"readPartitions\":true}}");
        ck_assert_int_eq(s->kind, BERTH_ATTACH_LOOPBACK);
        ck_assert_int_eq(s->loopback.ro, 1);
        ck_assert(s->loopback.read_partitions);
        berth_attach_spec_free(s);

        /* Zero read-only fields, as a client echoing a model with defaults sends them. */
        s = attach_ok("{\"id\":0,\"refs\":0,\"device_file\":\"\",\"kind\":\"local\","
                      "\"local\":{\"path\":\"/dev/sdb\"}}");
        ck_assert(!s->is_ref);
        ck_assert_str_eq(s->local.path, "/dev/sdb");
        berth_attach_spec_free(s);

        /* base=mount with a nested reference. */
        s = attach_ok("{\"kind\":\"loopback\",\"loopback\":{\"path\":\"img/a.sqsh\",\"base\":"
                      "\"mount\",\"mount\":{\"id\":3}}}");
        ck_assert_int_eq(s->loopback.base, BERTH_BASE_MOUNT);
        ck_assert(s->loopback.mount->is_ref);
        ck_assert_int_eq(s->loopback.mount->ref_id, 3);
        berth_attach_spec_free(s);

        attach_bad("{\"kind\":\"loopback\",\"loopback\":{\"path\":\"x\",\"base\":\"mount\"}}",
                   "loopback.mount is required when base is 'mount'");
        attach_bad("{\"kind\":\"loopback\",\"loopback\":{\"path\":\"x\",\"mount\":{\"id\":1}}}",
                   "loopback.mount: only used when base is 'mount'");
        attach_bad("{\"kind\":\"loopback\",\"loopback\":{\"path\":\"x\",\"ro\":1}}",
                   "loopback.ro must be true or false");
        attach_bad("{\"kind\":\"loopback\",\"loopback\":{\"path\":\"x\"},\"refs\":1}",
                   "refs is read-only");
        attach_bad("{\"id\":2}", "id is read-only");
        attach_bad("{\"kind\":\"loopback\"}", "loopback is required for kind loopback");
        attach_bad("{}", "kind is required");
        attach_bad("null", "must be an object");
}
END_TEST

START_TEST(test_mount_references)
{
        struct berth_mount_spec *s;

        /* The seed: {"id":1,"kind":"overlay"} references mount 1. */
        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":1,\"kind\":"
                     "\"overlay\"},{\"id\":0}]}}",
                     0);
        ck_assert_int_eq(s->kind, BERTH_MOUNT_OVERLAY);
        ck_assert_int_eq(s->overlay.n_lower, 2);
        ck_assert(s->overlay.lower[0]->is_ref);
        ck_assert_int_eq(s->overlay.lower[0]->ref_id, 1);
        ck_assert_int_eq(s->overlay.lower[0]->kind, BERTH_MOUNT_OVERLAY);
        ck_assert(s->overlay.lower[1]->is_ref);
        ck_assert_int_eq(s->overlay.lower[1]->ref_id, 0);
        ck_assert_int_lt(s->overlay.lower[1]->kind, 0);
        berth_mount_spec_free(s);

        /* A definition with "id":0 is a definition (clients that send defaults). */
        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":0,\"kind\":\"attach\","
                     "\"attach\":{\"fs_type\":\"squashfs\",\"attach\":{\"id\":4}}}]}}",
                     0);
        ck_assert(!s->overlay.lower[0]->is_ref);
        ck_assert(s->overlay.lower[0]->attach.attach->is_ref);
        ck_assert_int_eq(s->overlay.lower[0]->attach.attach->ref_id, 4);
        berth_mount_spec_free(s);

        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":2,\"kind\":\"attach\","
                  "\"attach\":{\"fs_type\":\"squashfs\",\"attach\":{\"id\":4}}}]}}",
                  "overlay.lower[0].id: a definition cannot carry an id");
        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"nope\"}]}}",
                  "overlay.lower[0].kind must be one of attach, bind, nfs, overlay, uri");
        mount_bad(
                "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":1,\"mountpoint\":\"/x\"}]}}",
                "overlay.lower[0].mountpoint is read-only");
        mount_bad("{\"id\":0}", "id is read-only");
        /* A reference carries no read-only values either. */
        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":1,\"refs\":5}]}}",
                  "overlay.lower[0].refs is read-only");
        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":1}]},\"uri\":{}}",
                  "uri: unknown field");
}
END_TEST

START_TEST(test_mount_nested_kraken_shape)
{
        struct berth_mount_spec *s, *am;
        struct berth_attach_spec *a;

        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"attach\","
                     "\"attach\":{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],\"attach\":{"
                     "\"kind\":\"loopback\",\"loopback\":{\"path\":\"/srv/img.sqsh\",\"base\":"
                     "\"root\"}}}}]}}",
                     0);
        am = s->overlay.lower[0];
        ck_assert(!am->is_ref);
        ck_assert_int_eq(am->kind, BERTH_MOUNT_ATTACH);
        ck_assert_str_eq(am->attach.fs_type, "squashfs");
        ck_assert_int_eq(strv_length(am->attach.options), 1);
        ck_assert_str_eq(am->attach.options[0], "ro");
        a = am->attach.attach;
        ck_assert(!a->is_ref);
        ck_assert_str_eq(a->loopback.path, "/srv/img.sqsh");
        berth_mount_spec_free(s);
}
END_TEST

START_TEST(test_mount_bad_shapes)
{
        mount_bad("{\"kind\":\"attach\",\"overlay\":{\"lower\":[{\"id\":0}]}}",
                  "overlay is given but kind is 'attach'");
        mount_bad("{\"attach\":{},\"overlay\":{}}", "not several");
        mount_bad("{\"kind\":\"bind\",\"bind\":{\"path\":\"/a\",\"recursive\":\"yes\"}}",
                  "bind.recursive must be true or false");
        mount_bad("{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"ext4\","
                  "\"mount_options\":[\"ro\",5]}}",
                  "attach.mount_options[1] must be a string");
        mount_bad("{\"kind\":\"attach\",\"attach\":{\"attach\":{\"id\":0},\"fs_type\":\"\"}}",
                  "attach.fs_type must not be empty");
        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":{}}}",
                  "overlay.lower must be an array");
        mount_bad("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[0]}}",
                  "overlay.lower[0] must be an object");

        /* 65 lowers is one too many. */
        {
                char buf[2048] = "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[";
                for (int i = 0; i < 65; i++)
                        strcat(buf, i ? ",{\"id\":0}" : "{\"id\":0}");
                strcat(buf, "]}}");
                mount_bad(buf, "more than 64");
        }
}
END_TEST

START_TEST(test_overlay_v01)
{
        struct berth_mount_spec *s = NULL;
        struct berth_error err = {};
        json_t *j;

        j = parse("{\"lower\":[0, {\"mount_id\":2}, {\"id\":3}]}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), 0);
        json_decref(j);
        ck_assert_int_eq(s->kind, BERTH_MOUNT_OVERLAY);
        ck_assert_int_eq(s->overlay.n_lower, 3);
        ck_assert_int_eq(s->overlay.lower[0]->ref_id, 0);
        ck_assert_int_eq(s->overlay.lower[1]->ref_id, 2);
        ck_assert_int_eq(s->overlay.lower[2]->ref_id, 3);
        berth_mount_spec_free(s);
        s = NULL;

        /* The read-only fields of the v0.1 model may come back empty. */
        j = parse(
                "{\"id\":0,\"lower\":[1],\"mountpoint\":\"\",\"upperdir\":\"\",\"workdir\":\"\"}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), 0);
        json_decref(j);
        berth_mount_spec_free(s);
        s = NULL;

        j = parse("{\"lower\":[{\"mount_id\":1,\"kind\":\"bogus\"}]}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "lower[0].kind must be one of"), "%s", err.msg);
        json_decref(j);

        /* v0.1 kind "rbd" was an RBD mount: an attach mount now. */
        j = parse("{\"lower\":[{\"mount_id\":1,\"kind\":\"rbd\"}]}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), 0);
        ck_assert_int_eq(s->overlay.lower[0]->kind, BERTH_MOUNT_ATTACH);
        json_decref(j);
        berth_mount_spec_free(s);
        s = NULL;

        j = parse("{\"lower\":[{\"mount_id\":1,\"id\":2}]}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "lower[0].id: unknown field"), "%s", err.msg);
        json_decref(j);

        j = parse("{\"lower\":[-1]}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "lower[0]"), "%s", err.msg);
        json_decref(j);

        j = parse("{\"lower\":[0],\"upperdir\":\"/tmp\"}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "upperdir is read-only"), "%s", err.msg);
        json_decref(j);

        j = parse("{}");
        ck_assert_int_eq(imageapi_decode_overlay_v01(j, &s, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "lower is required"), "%s", err.msg);
        json_decref(j);
}
END_TEST

/* What the go-swagger models send: every zero field left out, ids included. An embedded
 * object with its kind and nothing else references object 0. */
START_TEST(test_go_client_zero_ids)
{
        struct berth_mount_spec *s;

        s = mount_ok("{\"kind\":\"attach\",\"attach\":{\"attach\":{\"kind\":\"loopback\"},"
                     "\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"]}}",
                     0);
        ck_assert(!s->is_ref);
        ck_assert(s->attach.attach->is_ref);
        ck_assert_int_eq(s->attach.attach->ref_id, 0);
        ck_assert_int_eq(s->attach.attach->kind, BERTH_ATTACH_LOOPBACK);
        berth_mount_spec_free(s);

        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"attach\"}]}}", 0);
        ck_assert(s->overlay.lower[0]->is_ref);
        ck_assert_int_eq(s->overlay.lower[0]->ref_id, 0);
        ck_assert_int_eq(s->overlay.lower[0]->kind, BERTH_MOUNT_ATTACH);
        berth_mount_spec_free(s);

        /* At the top level a POST is always a definition. */
        mount_bad("{\"kind\":\"overlay\"}", "overlay is required for kind overlay");
        attach_bad("{\"kind\":\"rbd\"}", "rbd is required for kind rbd");
}
END_TEST

/* The v0.1 mount model ({kind: overlay|rbd, mount_id, overlay, rbd}), as Kraken and the
 * v0.1 client build it, wherever a mount may be. */
START_TEST(test_v01_mount_model)
{
        struct berth_mount_spec *s, *l;

        /* mount_id: a reference; a definition beside it is ignored (as upstream v0.1). */
        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"rbd\","
                     "\"mount_id\":2,\"rbd\":{\"fs_type\":\"ext4\"}},{\"kind\":\"overlay\","
                     "\"mount_id\":3}]}}",
                     0);
        ck_assert_uint_eq(s->overlay.n_lower, 2);
        ck_assert(s->overlay.lower[0]->is_ref && s->overlay.lower[0]->ref_id == 2);
        ck_assert_int_eq(s->overlay.lower[0]->kind, BERTH_MOUNT_ATTACH);
        ck_assert(s->overlay.lower[1]->is_ref && s->overlay.lower[1]->ref_id == 3);
        ck_assert_int_eq(s->overlay.lower[1]->kind, BERTH_MOUNT_OVERLAY);
        berth_mount_spec_free(s);

        /* Kraken's one-request container mount: an overlay over a nested rbd mount of a
         * nested rbd, read-only fields echoed empty. */
        s = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"kind\":\"rbd\",\"rbd\":"
                     "{\"fs_type\":\"squashfs\",\"mount_options\":[\"ro\"],\"mountpoint\":\"\","
                     "\"rbd\":{\"monitors\":[\"127.0.0.1:6789\"],\"pool\":\"rbd\",\"image\":"
                     "\"node.sqsh\",\"options\":{\"ro\":true,\"name\":\"admin\"}}}}],"
                     "\"upperdir\":\"\",\"refs\":0}}",
                     0);
        ck_assert(!s->is_ref);
        ck_assert_int_eq(s->kind, BERTH_MOUNT_OVERLAY);
        l = s->overlay.lower[0];
        ck_assert(!l->is_ref);
        ck_assert_int_eq(l->kind, BERTH_MOUNT_ATTACH);
        ck_assert_str_eq(l->attach.fs_type, "squashfs");
        ck_assert(!l->attach.attach->is_ref);
        ck_assert_int_eq(l->attach.attach->kind, BERTH_ATTACH_RBD);
        ck_assert_str_eq(l->attach.attach->rbd.image, "node.sqsh");
        berth_mount_spec_free(s);

        /* rbd_id references an rbd attachment; left out, attachment 0. */
        s = mount_ok("{\"kind\":\"rbd\",\"rbd\":{\"fs_type\":\"ext4\",\"rbd_id\":4}}", 0);
        ck_assert(s->attach.attach->is_ref && s->attach.attach->ref_id == 4);
        berth_mount_spec_free(s);
        s = mount_ok("{\"kind\":\"rbd\",\"rbd\":{\"fs_type\":\"ext4\"}}", 0);
        ck_assert(s->attach.attach->is_ref && s->attach.attach->ref_id == 0);
        ck_assert_int_eq(s->attach.attach->kind, BERTH_ATTACH_RBD);
        berth_mount_spec_free(s);

        mount_bad("{\"kind\":\"bogus\",\"mount_id\":1}", "kind must be one of overlay, rbd");
        mount_bad("{\"kind\":\"overlay\",\"mount_id\":\"1\"}", "mount_id must be");
        mount_bad("{\"kind\":\"overlay\",\"mount_id\":1,\"attach\":{}}", "attach: unknown field");
        mount_bad("{\"kind\":\"rbd\"}", "rbd is required for kind rbd");
}
END_TEST

/* ---- encoders on objects built in memory ---------------------------------------- */

START_TEST(test_encode)
{
        struct berth_attach a = {
                .obj = { .type = BERTH_OBJ_ATTACH, .id = 0, .user = true },
                .kind = BERTH_ATTACH_LOOPBACK,
                .device_file = (char *)"/dev/loop7",
                .read_only = true,
                .loopback = { .path = (char *)"/srv/a.sqsh", .base = BERTH_BASE_ROOT },
        };
        char *opts[] = { (char *)"ro", NULL };
        struct berth_mount m0 = {
                .obj = { .type = BERTH_OBJ_MOUNT, .id = 0, .user = true },
                .kind = BERTH_MOUNT_ATTACH,
                .mountpoint = (char *)"/run/berth/mounts/mount_aaaaaa",
                .attach = { .attach = &a, .fs_type = (char *)"squashfs", .options = opts },
        };
        struct berth_mount *lower[] = { &m0 };
        struct berth_obj *holders_a[] = { &m0.obj };
        struct berth_mount m1 = {
                .obj = { .type = BERTH_OBJ_MOUNT, .id = 1, .user = true },
                .kind = BERTH_MOUNT_OVERLAY,
                .mountpoint = (char *)"/run/berth/mounts/mount_bbbbbb",
                .overlay = { .lower = lower,
                             .n_lower = 1,
                             .upperdir = (char *)"/run/berth/mounts/upper_cccccc",
                             .workdir = (char *)"/run/berth/mounts/work_dddddd" },
        };
        struct berth_obj *holders_m0[] = { &m1.obj };
        json_t *j;
        char *text;

        a.obj.holders = holders_a;
        a.obj.n_holders = 1;
        m0.obj.holders = holders_m0;
        m0.obj.n_holders = 1;

        j = imageapi_encode_attach(&a, 0);
        text = json_dumps(j, JSON_COMPACT);
        ck_assert_str_eq(text,
                         "{\"id\":0,\"kind\":\"loopback\",\"device_file\":\"/dev/loop7\","
                         "\"refs\":2,\"loopback\":{\"path\":\"/srv/a.sqsh\",\"base\":\"root\","
                         "\"readPartitions\":false,\"ro\":true}}");
        free(text);
        json_decref(j);

        j = imageapi_encode_mount(&m1, 0);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "id")), 1);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "refs")), 1);
        {
                json_t *l0 =
                        json_array_get(json_object_get(json_object_get(j, "overlay"), "lower"), 0);
                ck_assert_int_eq(json_integer_value(json_object_get(l0, "refs")), 2);
                ck_assert_str_eq(json_string_value(json_object_get(
                                         json_object_get(json_object_get(l0, "attach"), "attach"),
                                         "device_file")),
                                 "/dev/loop7");
        }
        json_decref(j);

        /* v0.1's shape: lower as [mount] objects (the request may give plain ids). */
        j = imageapi_encode_overlay_v01(&m1);
        text = json_dumps(j, JSON_COMPACT);
        ck_assert_str_eq(text, "{\"id\":1,\"lower\":[{\"kind\":\"attach\",\"mount_id\":0}],"
                               "\"mountpoint\":\"/run/berth/mounts/"
                               "mount_bbbbbb\",\"upperdir\":\"/run/berth/mounts/upper_cccccc\","
                               "\"workdir\":\"/run/berth/mounts/work_dddddd\",\"refs\":1}");
        free(text);
        json_decref(j);

        j = imageapi_error_body(NULL, &(int){ 409 }, "mount 0 is in use by mount 1");
        text = json_dumps(j, JSON_COMPACT);
        ck_assert_str_eq(text, "{\"code\":409,\"message\":\"mount 0 is in use by mount 1\"}");
        free(text);
        json_decref(j);
}
END_TEST

/* The head of an attach or a mount (kind, reference or definition): the exact messages,
 * the same for both. */
static void head_msg(bool attach, const char *text, const char *want)
{
        struct berth_attach_spec *as = NULL;
        struct berth_mount_spec *ms = NULL;
        struct berth_error err = {};
        json_t *j = parse(text);
        int r = attach ? imageapi_decode_attach(j, "", 0, 0, &as, &err)
                       : imageapi_decode_mount(j, "", 0, 0, &ms, &err);

        json_decref(j);
        berth_attach_spec_free(as);
        berth_mount_spec_free(ms);
        ck_assert_msg(r == -EINVAL, "%s: expected -EINVAL, got %d", text, r);
        ck_assert_str_eq(err.msg, want);
}

START_TEST(test_head_messages)
{
        head_msg(true, "{}",
                 "kind is required (one of iscsi, local, loopback, rbd), with its definition");
        head_msg(false, "{}",
                 "kind is required (one of attach, bind, overlay), with its definition");
        head_msg(true, "{\"kind\":\"disk\"}", "kind must be one of iscsi, local, loopback, rbd");
        head_msg(false, "{\"kind\":\"disk\"}",
                 "kind must be one of attach, bind, nfs, overlay, uri");
        head_msg(true, "{\"kind\":\"local\"}", "local is required for kind local");
        head_msg(true, "{\"kind\":\"rbd\"}", "rbd is required for kind rbd");
        head_msg(false, "{\"kind\":\"bind\"}", "bind is required for kind bind");
        head_msg(true, "{\"kind\":\"local\",\"loopback\":{\"path\":\"/a\"}}",
                 "loopback is given but kind is 'local'");
        head_msg(true, "{\"local\":{\"path\":\"/a\"},\"loopback\":{\"path\":\"/b\"}}",
                 "attachment: give one definition, not several");
        head_msg(false, "{\"id\":3}",
                 "id is read-only: a POST creates a new mount; reference existing ones by id "
                 "from a parent");
        head_msg(true, "{\"id\":3,\"kind\":\"local\"}",
                 "id is read-only: a POST creates a new attachment; reference existing ones by "
                 "id from a parent");
        head_msg(true, "{\"id\":3,\"local\":{\"path\":\"/a\"}}",
                 "id: a definition cannot carry an id (ids are assigned by berthd); send either "
                 "{\"id\":N} or a definition");
        head_msg(true, "{\"refs\":2,\"local\":{\"path\":\"/a\"}}",
                 "refs is read-only; berthd sets it");
        head_msg(false, "{\"kind\":\"attach\",\"attach\":{\"fs_type\":\"ext4\",\"attach\":{}}}",
                 "attach.attach.kind is required (one of iscsi, local, loopback, rbd), with its "
                 "definition");
        head_msg(false,
                 "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":0},{\"bind\":{\"path\":"
                 "\"/a\"},\"attach\":{}}]}}",
                 "overlay.lower[1]: give one definition, not several");
        head_msg(false,
                 "{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":1,\"kind\":\"x\"}]}}",
                 "overlay.lower[0].kind must be one of attach, bind, nfs, overlay, uri");
}
END_TEST

START_TEST(test_head_kinds)
{
        struct berth_attach_spec *a;
        struct berth_mount_spec *m;

        /* The kind follows from the definition; kinds of this build without one pass. */
        a = attach_ok("{\"local\":{\"path\":\"/a\"}}");
        ck_assert_int_eq(a->kind, BERTH_ATTACH_LOCAL);
        ck_assert(!a->is_ref);
        berth_attach_spec_free(a);
        a = attach_ok("{\"kind\":\"iscsi\"}");
        ck_assert_int_eq(a->kind, BERTH_ATTACH_ISCSI);
        berth_attach_spec_free(a);
        m = mount_ok("{\"kind\":\"nfs\"}", 0);
        ck_assert_int_eq(m->kind, BERTH_MOUNT_NFS);
        berth_mount_spec_free(m);

        /* References: by id with or without kind, and kind alone (a Go client's id 0). */
        m = mount_ok("{\"kind\":\"overlay\",\"overlay\":{\"lower\":[{\"id\":4},{\"id\":5,"
                     "\"kind\":\"bind\"},{\"kind\":\"attach\"}]}}",
                     0);
        ck_assert_uint_eq(m->overlay.n_lower, 3);
        ck_assert(m->overlay.lower[0]->is_ref);
        ck_assert_uint_eq(m->overlay.lower[0]->ref_id, 4);
        ck_assert_int_eq(m->overlay.lower[0]->kind, _BERTH_MOUNT_KIND_INVALID);
        ck_assert_uint_eq(m->overlay.lower[1]->ref_id, 5);
        ck_assert_int_eq(m->overlay.lower[1]->kind, BERTH_MOUNT_BIND);
        ck_assert(m->overlay.lower[2]->is_ref);
        ck_assert_uint_eq(m->overlay.lower[2]->ref_id, 0);
        ck_assert_int_eq(m->overlay.lower[2]->kind, BERTH_MOUNT_ATTACH);
        berth_mount_spec_free(m);
}
END_TEST

START_TEST(test_path_id)
{
        static const char *const bad[] = {
                "", "-1", "+1", "1x", "0x10", " 1", "9223372036854775808", "99999999999999999999"
        };
        struct berth_error err = {};
        uint64_t id = 42;

        ck_assert_int_eq(imageapi_decode_path_id("0", &id, &err), 0);
        ck_assert_uint_eq(id, 0);
        ck_assert_int_eq(imageapi_decode_path_id("9223372036854775807", &id, &err), 0);
        ck_assert_uint_eq(id, INT64_MAX);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                id = 42;
                ck_assert_int_eq(imageapi_decode_path_id(bad[i], &id, &err), -EINVAL);
                ck_assert_uint_eq(id, 42);
        }
        ck_assert_int_eq(imageapi_decode_path_id("abc", &id, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "id in path must be a non-negative integer: \"abc\"");
        ck_assert_int_eq(imageapi_decode_path_id(NULL, &id, &err), -EINVAL);
        ck_assert_str_eq(err.msg, "id in path must be a non-negative integer: \"\"");
}
END_TEST

static void strv_json_eq(char *const *l, const char *want)
{
        json_t *j = berth_strv_to_json(l);
        char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

        ck_assert_str_eq(text, want);
        free(text);
        json_decref(j);
}

START_TEST(test_strv_json)
{
        char *const two[] = { (char *)"a", (char *)"b c", NULL };
        char *const bad_utf8[] = { (char *)"a", (char *)"\xff", (char *)"b", NULL };
        char *const empty[] = { NULL };
        char **l = NULL;
        json_t *j;

        strv_json_eq(two, "[\"a\",\"b c\"]");
        strv_json_eq(empty, "[]");
        strv_json_eq(NULL, "[]");
        strv_json_eq(bad_utf8, "[\"a\",\"b\"]");

        j = parse("[\"x\", 1, null, \"y\"]");
        ck_assert_int_eq(berth_strv_from_json(j, &l), 0);
        ck_assert_uint_eq(strv_length(l), 2);
        ck_assert_str_eq(l[0], "x");
        ck_assert_str_eq(l[1], "y");
        l = strv_free(l);
        json_decref(j);
        /* Not an array, or none: an empty list, never NULL. */
        ck_assert_int_eq(berth_strv_from_json(NULL, &l), 0);
        ck_assert_ptr_nonnull(l);
        ck_assert_uint_eq(strv_length(l), 0);
        l = strv_free(l);
        j = parse("{\"a\":\"b\"}");
        ck_assert_int_eq(berth_strv_from_json(j, &l), 0);
        ck_assert_ptr_nonnull(l);
        ck_assert_uint_eq(strv_length(l), 0);
        l = strv_free(l);
        json_decref(j);
}
END_TEST

/* ---- every example in the OpenAPI document --------------------------------------- */

static int decode_for(const char *path, json_t *value, struct berth_error *err)
{
        struct berth_attach_spec *as = NULL;
        struct berth_mount_spec *ms = NULL;
        int r;

        if (streq(path, "/attach"))
                r = imageapi_decode_attach(value, "", 0, 0, &as, err);
        else if (streq(path, "/mount"))
                r = imageapi_decode_mount(value, "", 0, 0, &ms, err);
        else if (streq(path, "/mount/overlay"))
                r = imageapi_decode_overlay_v01(value, &ms, err);
        else if (streq(path, "/attach/rbd"))
                r = imageapi_decode_rbd_v01(value, &as, err);
        else if (streq(path, "/mount/rbd"))
                r = imageapi_decode_mount_rbd_v01(value, &ms, err);
        else if (streq(path, "/container")) {
                struct berth_container_spec *cs = NULL;
                r = imageapi_decode_container(value, &cs, err);
                berth_container_spec_free(cs);
        } else
                return berth_error_set(err, ENOENT, "no decoder for POST %s", path);
        berth_attach_spec_free(as);
        berth_mount_spec_free(ms);
        return r;
}

static size_t check_examples(json_t *media, const char *what, const char *path, bool request,
                             const char *status)
{
        json_t *examples = json_object_get(media, "examples"), *ex;
        const char *name;
        size_t n = 0;

        json_object_foreach (examples, name, ex) {
                json_t *value = json_object_get(ex, "value");
                struct berth_error err = {};

                ck_assert_msg(value, "%s example '%s' has no value", what, name);
                if (request) {
                        int r = decode_for(path, value, &err);
                        ck_assert_msg(r == 0, "%s example '%s' is refused by the decoder: %s", what,
                                      name, err.msg);
                } else if (status[0] != '2') {
                        json_t *code = json_object_get(value, "code");
                        ck_assert_msg(json_is_integer(code) &&
                                              json_integer_value(code) == atoi(status) &&
                                              json_is_string(json_object_get(value, "message")),
                                      "%s error example '%s' is not {code:%s,message}", what, name,
                                      status);
                }
                n++;
        }
        return n;
}

START_TEST(test_openapi_examples)
{
        json_t *doc = parse(berth_openapi_imageapi_json), *paths, *item;
        const char *path;
        size_t n_request = 0, n_response = 0;

        ck_assert_msg(strncmp(json_string_value(json_object_get(doc, "openapi")), "3.", 2) == 0,
                      "not OpenAPI 3");
        paths = json_object_get(doc, "paths");
        json_object_foreach (paths, path, item) {
                const char *method;
                json_t *op;

                json_object_foreach (item, method, op) {
                        json_t *rb = json_object_get(op, "requestBody"), *resps, *resp;
                        const char *status;
                        char what[256];

                        (void)snprintf(what, sizeof(what), "%s %s", method, path);
                        if (rb)
                                n_request += check_examples(
                                        json_object_get(json_object_get(rb, "content"),
                                                        "application/json"),
                                        what, path, true, NULL);
                        resps = json_object_get(op, "responses");
                        json_object_foreach (resps, status, resp)
                                n_response += check_examples(
                                        json_object_get(json_object_get(resp, "content"),
                                                        "application/json"),
                                        what, path, false, status);
                }
        }
        ck_assert_msg(n_request >= 8, "only %zu request examples in the OpenAPI document",
                      n_request);
        ck_assert_msg(n_response >= 8, "only %zu response examples in the OpenAPI document",
                      n_response);
        json_decref(doc);
}
END_TEST

static Suite *codec_suite(void)
{
        Suite *s = suite_create("imageapi-codec");
        TCase *tc = tcase_create("decode");

        tcase_add_test(tc, test_attach_loopback);
        tcase_add_test(tc, test_mount_references);
        tcase_add_test(tc, test_mount_nested_kraken_shape);
        tcase_add_test(tc, test_mount_bad_shapes);
        tcase_add_test(tc, test_overlay_v01);
        tcase_add_test(tc, test_go_client_zero_ids);
        tcase_add_test(tc, test_v01_mount_model);
        tcase_add_test(tc, test_head_messages);
        tcase_add_test(tc, test_head_kinds);
        tcase_add_test(tc, test_path_id);
        tcase_add_test(tc, test_strv_json);
        suite_add_tcase(s, tc);
        tc = tcase_create("encode");
        tcase_add_test(tc, test_encode);
        suite_add_tcase(s, tc);
        tc = tcase_create("openapi");
        tcase_add_test(tc, test_openapi_examples);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(codec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}

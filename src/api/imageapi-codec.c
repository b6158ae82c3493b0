/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "imageapi-codec.h"
#include "jdec.h"
#include "macro.h"
#include "store.h"
#include "strv.h"

#define MOUNT_OPTIONS_MAX 64

static const char *const attach_kinds[_BERTH_ATTACH_KIND_MAX] = {
        [BERTH_ATTACH_ISCSI] = "iscsi",
        [BERTH_ATTACH_LOCAL] = "local",
        [BERTH_ATTACH_LOOPBACK] = "loopback",
        [BERTH_ATTACH_RBD] = "rbd",
};
static const char *const mount_kinds[_BERTH_MOUNT_KIND_MAX] = {
        [BERTH_MOUNT_ATTACH] = "attach",   [BERTH_MOUNT_BIND] = "bind", [BERTH_MOUNT_NFS] = "nfs",
        [BERTH_MOUNT_OVERLAY] = "overlay", [BERTH_MOUNT_URI] = "uri",
};
static const char *const bases[_BERTH_BASE_MAX] = {
        [BERTH_BASE_ROOT] = "root",
        [BERTH_BASE_MOUNT] = "mount",
};

/* The definition key for each kind ("uri" has none in the models). */
static const char *const attach_def_keys[] = { "iscsi", "local", "loopback", "rbd", NULL };
static const char *const mount_def_keys[] = { "attach", "bind", "nfs", "overlay", NULL };

static int present_def(json_t *j, const char *const *keys, const char **ret)
{
        int n = 0;

        *ret = NULL;
        for (const char *const *k = keys; *k; k++)
                if (jdec_has(j, *k)) {
                        if (!*ret)
                                *ret = *k;
                        n++;
                }
        return n;
}

/* Reference or definition? Shared by attach and mount. Returns 1 for a reference
 * (id in *ret_id), 0 for a definition. */
static int classify(json_t *j, const char *path, const char *what, unsigned depth,
                    const char *const *def_keys, uint64_t *ret_id, struct berth_error *err)
{
        const char *def;
        char p[JDEC_PATH_MAX];
        uint64_t id = 0;
        int has_id, n_defs, r;

        has_id = jdec_u64(j, path, "id", &id, err);
        if (has_id < 0)
                return has_id;
        r = jdec_readonly(j, path, "refs", err);
        if (r < 0)
                return r;
        n_defs = present_def(j, def_keys, &def);
        if (n_defs > 1)
                return berth_error_set(err, EINVAL, "%s: give one definition, not several",
                                       path && *path ? path : what);
        if (has_id && n_defs == 0) {
                if (depth == 0)
                        return berth_error_set(err, EINVAL,
                                               "id is read-only: a POST creates a new %s; "
                                               "reference existing ones by id from a parent",
                                               what);
                *ret_id = id;
                return 1;
        }
        if (has_id && id != 0)
                return berth_error_set(err, EINVAL,
                                       "%s: a definition cannot carry an id (ids are assigned by "
                                       "berthd); send either {\"id\":N} or a definition",
                                       jdec_join(p, path, "id"));
        return 0;
}

/* ---- attach -------------------------------------------------------------------- */

static int decode_loopback(json_t *j, const char *path, unsigned depth, unsigned flags,
                           struct berth_attach_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "path", "base", "readPartitions", "ro", "mount", NULL };
        bool ro = false;
        int r;

        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->loopback.path, err);
        if (r < 0)
                return r;
        r = jdec_enum(j, path, "base", bases, _BERTH_BASE_MAX, false, err);
        if (r == -EINVAL)
                return r;
        s->loopback.base = r >= 0 ? (enum berth_base)r : BERTH_BASE_ROOT;
        r = jdec_bool(j, path, "readPartitions", &s->loopback.read_partitions, err);
        if (r < 0)
                return r;
        r = jdec_bool(j, path, "ro", &ro, err);
        if (r < 0)
                return r;
        s->loopback.ro = r > 0 ? ro : -1;
        if (jdec_has(j, "mount")) {
                char p[JDEC_PATH_MAX];
                if (s->loopback.base != BERTH_BASE_MOUNT)
                        return berth_error_set(err, EINVAL, "%s: only used when base is 'mount'",
                                               jdec_join(p, path, "mount"));
                r = imageapi_decode_mount(json_object_get(j, "mount"), jdec_join(p, path, "mount"),
                                          depth + 1, flags, &s->loopback.mount, err);
                if (r < 0)
                        return r;
        } else if (s->loopback.base == BERTH_BASE_MOUNT) {
                char p[JDEC_PATH_MAX];
                return berth_error_set(err, EINVAL, "%s is required when base is 'mount'",
                                       jdec_join(p, path, "mount"));
        }
        return 0;
}

static int decode_local(json_t *j, const char *path, struct berth_attach_spec *s,
                        struct berth_error *err)
{
        static const char *const keys[] = { "path", NULL };
        int r;

        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->local.path, err);
        return r;
}

int imageapi_decode_attach(json_t *j, const char *path, unsigned depth, unsigned flags,
                           struct berth_attach_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",    "kind",     "device_file", "refs", "iscsi",
                                            "local", "loopback", "rbd",         NULL };
        _cleanup_(berth_attach_spec_freep) struct berth_attach_spec *s = NULL;
        char p[JDEC_PATH_MAX];
        const char *def;
        uint64_t id;
        int r, kind;

        if (depth > IMAGEAPI_DEPTH_MAX)
                return berth_error_set(err, EINVAL, "%s: nested more than %d levels deep", path,
                                       IMAGEAPI_DEPTH_MAX);
        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "device_file", err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->loopback.ro = -1;

        kind = jdec_enum(j, path, "kind", attach_kinds, _BERTH_ATTACH_KIND_MAX, false, err);
        if (kind == -EINVAL)
                return kind;
        s->kind = kind >= 0 ? (enum berth_attach_kind)kind : _BERTH_ATTACH_KIND_INVALID;

        r = classify(j, path, "attachment", depth, attach_def_keys, &id, err);
        if (r < 0)
                return r;
        if (r > 0) {
                s->is_ref = true;
                s->ref_id = id;
                *ret = TAKE_PTR(s);
                return 0;
        }

        (void)present_def(j, attach_def_keys, &def);
        if (s->kind < 0) {
                /* The kind follows from the one definition given. */
                if (!def)
                        return berth_error_set(err, EINVAL,
                                               "%s is required (one of iscsi, local, loopback, "
                                               "rbd), with its definition",
                                               jdec_join(p, path, "kind"));
                s->kind = berth_attach_kind_from_string(def);
        } else if (def && !streq(def, attach_kinds[s->kind]))
                return berth_error_set(err, EINVAL, "%s is given but kind is '%s'",
                                       jdec_join(p, path, def), attach_kinds[s->kind]);

        switch (s->kind) {
        case BERTH_ATTACH_LOOPBACK:
                if (!def)
                        return berth_error_set(err, EINVAL, "%s is required for kind loopback",
                                               jdec_join(p, path, "loopback"));
                r = decode_loopback(json_object_get(j, "loopback"), jdec_join(p, path, "loopback"),
                                    depth, flags, s, err);
                break;
        case BERTH_ATTACH_LOCAL:
                if (!def)
                        return berth_error_set(err, EINVAL, "%s is required for kind local",
                                               jdec_join(p, path, "local"));
                r = decode_local(json_object_get(j, "local"), jdec_join(p, path, "local"), s, err);
                break;
        case BERTH_ATTACH_ISCSI:
        case BERTH_ATTACH_RBD:
                /* Not supported by this build: the core answers 501. */
                r = 0;
                break;
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- mount --------------------------------------------------------------------- */

static int decode_mount_attach(json_t *j, const char *path, unsigned depth, unsigned flags,
                               struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "attach", "fs_type", "mount_options", NULL };
        char p[JDEC_PATH_MAX];
        int r;

        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "fs_type", true, 32, &s->attach.fs_type, err);
        if (r >= 0)
                r = jdec_strv(j, path, "mount_options", MOUNT_OPTIONS_MAX, 256, &s->attach.options,
                              err);
        if (r < 0)
                return r;
        if (!jdec_has(j, "attach"))
                return berth_error_set(err, EINVAL, "%s is required", jdec_join(p, path, "attach"));
        return imageapi_decode_attach(json_object_get(j, "attach"), jdec_join(p, path, "attach"),
                                      depth + 1, flags, &s->attach.attach, err);
}

/* The seed's overlay.lower items: a plain mount id, or the v0.1 model {"mount_id":N,
 * "kind":…} where kind "rbd" meant an RBD mount (an attach mount now). Anything else
 * is decoded as a v0.2 mount (-ENOENT). */
static int decode_lower_v01(json_t *item, const char *path, struct berth_mount_spec **ret,
                            struct berth_error *err)
{
        static const char *const keys[] = { "mount_id", "kind", NULL };
        static const char *const kinds[] = { "overlay", "rbd", "attach", "bind" };
        static const enum berth_mount_kind kind_map[] = { BERTH_MOUNT_OVERLAY, BERTH_MOUNT_ATTACH,
                                                          BERTH_MOUNT_ATTACH, BERTH_MOUNT_BIND };
        enum berth_mount_kind kind = _BERTH_MOUNT_KIND_INVALID;
        struct berth_mount_spec *l;
        uint64_t id = 0;
        int r;

        if (json_is_integer(item)) {
                if (json_integer_value(item) < 0)
                        return berth_error_set(err, EINVAL, "%s must be a mount id (>= 0)", path);
                id = (uint64_t)json_integer_value(item);
        } else if (json_is_object(item) && json_object_get(item, "mount_id")) {
                r = jdec_check_keys(item, path, keys, err);
                if (r >= 0)
                        r = jdec_u64(item, path, "mount_id", &id, err);
                if (r == 0)
                        r = berth_error_set(err, EINVAL, "%s.mount_id must be a mount id", path);
                if (r < 0)
                        return r;
                r = jdec_enum(item, path, "kind", kinds, ELEMENTSOF(kinds), false, err);
                if (r == -EINVAL)
                        return r;
                if (r >= 0)
                        kind = kind_map[r];
        } else
                return -ENOENT;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->is_ref = true;
        l->ref_id = id;
        l->kind = kind;
        *ret = l;
        return 0;
}

static int decode_overlay(json_t *j, const char *path, unsigned depth, unsigned flags,
                          struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "lower", "upperdir", "workdir", NULL };
        char p[JDEC_PATH_MAX];
        json_t *lower, *item;
        size_t i;
        int r;

        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "upperdir", err);
        if (r >= 0)
                r = jdec_readonly(j, path, "workdir", err);
        if (r < 0)
                return r;
        jdec_join(p, path, "lower");
        lower = json_object_get(j, "lower");
        if (!lower || json_is_null(lower))
                return berth_error_set(err, EINVAL, "%s is required", p);
        if (!json_is_array(lower))
                return berth_error_set(err, EINVAL, "%s must be an array of mounts", p);
        if (json_array_size(lower) == 0)
                return berth_error_set(err, EINVAL, "%s must name at least one mount", p);
        if (json_array_size(lower) > 64)
                return berth_error_set(err, EINVAL, "%s has more than 64 mounts", p);
        s->overlay.lower = calloc(json_array_size(lower), sizeof(*s->overlay.lower));
        if (!s->overlay.lower)
                return -ENOMEM;
        json_array_foreach (lower, i, item) {
                char ip[JDEC_PATH_MAX];

                (void)snprintf(ip, sizeof(ip), "%s[%zu]", p, i);
                r = -ENOENT;
                if (flags & IMAGEAPI_DECODE_V01)
                        r = decode_lower_v01(item, ip, &s->overlay.lower[i], err);
                if (r == -ENOENT)
                        r = imageapi_decode_mount(item, ip, depth + 1, flags, &s->overlay.lower[i],
                                                  err);
                if (r < 0)
                        return r;
                s->overlay.n_lower = i + 1;
        }
        return 0;
}

static int decode_bind(json_t *j, const char *path, unsigned depth, unsigned flags,
                       struct berth_mount_spec *s, struct berth_error *err)
{
        static const char *const keys[] = { "path", "base", "recursive", "ro", "mount", NULL };
        char p[JDEC_PATH_MAX];
        int r;

        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_string(j, path, "path", true, IMAGEAPI_PATH_MAX, &s->bind.path, err);
        if (r >= 0)
                r = jdec_bool(j, path, "recursive", &s->bind.recursive, err);
        if (r >= 0)
                r = jdec_bool(j, path, "ro", &s->bind.ro, err);
        if (r < 0)
                return r;
        r = jdec_enum(j, path, "base", bases, _BERTH_BASE_MAX, false, err);
        if (r == -EINVAL)
                return r;
        s->bind.base = r >= 0 ? (enum berth_base)r : BERTH_BASE_ROOT;
        if (jdec_has(j, "mount")) {
                if (s->bind.base != BERTH_BASE_MOUNT)
                        return berth_error_set(err, EINVAL, "%s: only used when base is 'mount'",
                                               jdec_join(p, path, "mount"));
                return imageapi_decode_mount(json_object_get(j, "mount"),
                                             jdec_join(p, path, "mount"), depth + 1, flags,
                                             &s->bind.mount, err);
        }
        if (s->bind.base == BERTH_BASE_MOUNT)
                return berth_error_set(err, EINVAL, "%s is required when base is 'mount'",
                                       jdec_join(p, path, "mount"));
        return 0;
}

int imageapi_decode_mount(json_t *j, const char *path, unsigned depth, unsigned flags,
                          struct berth_mount_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",   "kind", "mountpoint", "refs", "attach",
                                            "bind", "nfs",  "overlay",    NULL };
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = NULL;
        char p[JDEC_PATH_MAX];
        const char *def;
        uint64_t id;
        int r, kind;

        if (depth > IMAGEAPI_DEPTH_MAX)
                return berth_error_set(err, EINVAL, "%s: nested more than %d levels deep", path,
                                       IMAGEAPI_DEPTH_MAX);
        r = jdec_expect_object(j, path, err);
        if (r >= 0)
                r = jdec_check_keys(j, path, keys, err);
        if (r >= 0)
                r = jdec_readonly(j, path, "mountpoint", err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;

        kind = jdec_enum(j, path, "kind", mount_kinds, _BERTH_MOUNT_KIND_MAX, false, err);
        if (kind == -EINVAL)
                return kind;
        s->kind = kind >= 0 ? (enum berth_mount_kind)kind : _BERTH_MOUNT_KIND_INVALID;

        r = classify(j, path, "mount", depth, mount_def_keys, &id, err);
        if (r < 0)
                return r;
        if (r > 0) {
                s->is_ref = true;
                s->ref_id = id;
                *ret = TAKE_PTR(s);
                return 0;
        }

        (void)present_def(j, mount_def_keys, &def);
        if (s->kind < 0) {
                if (!def)
                        return berth_error_set(err, EINVAL,
                                               "%s is required (one of attach, bind, overlay), "
                                               "with its definition",
                                               jdec_join(p, path, "kind"));
                s->kind = berth_mount_kind_from_string(def);
        } else if (def && !streq(def, mount_kinds[s->kind]))
                return berth_error_set(err, EINVAL, "%s is given but kind is '%s'",
                                       jdec_join(p, path, def), mount_kinds[s->kind]);
        if (!def && s->kind != BERTH_MOUNT_URI && s->kind != BERTH_MOUNT_NFS)
                return berth_error_set(err, EINVAL, "%s is required for kind %s",
                                       jdec_join(p, path, mount_kinds[s->kind]),
                                       mount_kinds[s->kind]);

        switch (s->kind) {
        case BERTH_MOUNT_ATTACH:
                r = decode_mount_attach(json_object_get(j, "attach"), jdec_join(p, path, "attach"),
                                        depth, flags, s, err);
                break;
        case BERTH_MOUNT_OVERLAY:
                r = decode_overlay(json_object_get(j, "overlay"), jdec_join(p, path, "overlay"),
                                   depth, flags, s, err);
                break;
        case BERTH_MOUNT_BIND:
                r = decode_bind(json_object_get(j, "bind"), jdec_join(p, path, "bind"), depth,
                                flags, s, err);
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
                /* Not supported by this build: the core answers 501. */
                r = 0;
                break;
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int imageapi_decode_overlay_v01(json_t *j, struct berth_mount_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = { "id",      "lower", "mountpoint", "upperdir",
                                            "workdir", "refs",  NULL };
        _cleanup_(berth_mount_spec_freep) struct berth_mount_spec *s = NULL;
        int r;

        r = jdec_expect_object(j, "", err);
        if (r >= 0)
                r = jdec_check_keys(j, "", keys, err);
        for (const char *const *k = keys; r >= 0 && *k; k++)
                if (!streq(*k, "lower"))
                        r = jdec_readonly(j, "", *k, err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->kind = BERTH_MOUNT_OVERLAY;
        /* Same shape as the v0.2 overlay definition, minus the read-only fields. */
        {
                json_t *o = json_pack("{s:O?}", "lower", json_object_get(j, "lower"));
                if (!o)
                        return -ENOMEM;
                r = decode_overlay(o, "", 0, IMAGEAPI_DECODE_V01, s, err);
                json_decref(o);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- encoding ------------------------------------------------------------------ */

#define ENCODE_DEPTH_MAX 16

json_t *imageapi_encode_attach(const struct berth_attach *a, unsigned depth)
{
        json_t *j, *def = NULL;

        j = json_pack("{s:I, s:s, s:s?, s:I}", "id", (json_int_t)a->obj.id, "kind",
                      berth_attach_kind_to_string(a->kind), "device_file", a->device_file, "refs",
                      (json_int_t)berth_obj_refs(&a->obj));
        if (!j)
                return NULL;
        switch (a->kind) {
        case BERTH_ATTACH_LOOPBACK:
                def = json_pack("{s:s, s:s, s:b, s:b}", "path", a->loopback.path, "base",
                                berth_base_to_string(a->loopback.base), "readPartitions",
                                a->loopback.read_partitions, "ro", a->read_only);
                if (def && a->loopback.mount && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "mount",
                                            imageapi_encode_mount(a->loopback.mount, depth + 1));
                break;
        case BERTH_ATTACH_LOCAL:
                def = json_pack("{s:s}", "path", a->local.path);
                break;
        case BERTH_ATTACH_ISCSI:
        case BERTH_ATTACH_RBD:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                break;
        }
        if (def)
                json_object_set_new(j, berth_attach_kind_to_string(a->kind), def);
        return j;
}

static json_t *strv_to_json(char *const *l)
{
        json_t *a = json_array();

        STRV_FOREACH (s, l)
                json_array_append_new(a, json_string(*s));
        return a;
}

json_t *imageapi_encode_mount(const struct berth_mount *m, unsigned depth)
{
        json_t *j, *def = NULL;

        j = json_pack("{s:I, s:s, s:s?, s:I}", "id", (json_int_t)m->obj.id, "kind",
                      berth_mount_kind_to_string(m->kind), "mountpoint", m->mountpoint, "refs",
                      (json_int_t)berth_obj_refs(&m->obj));
        if (!j)
                return NULL;
        switch (m->kind) {
        case BERTH_MOUNT_ATTACH:
                def = json_pack("{s:s, s:o}", "fs_type", m->attach.fs_type, "mount_options",
                                strv_to_json(m->attach.options));
                if (def && m->attach.attach && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "attach",
                                            imageapi_encode_attach(m->attach.attach, depth + 1));
                break;
        case BERTH_MOUNT_OVERLAY: {
                json_t *lower = json_array();
                for (size_t i = 0; lower && i < m->overlay.n_lower && depth < ENCODE_DEPTH_MAX; i++)
                        json_array_append_new(
                                lower, imageapi_encode_mount(m->overlay.lower[i], depth + 1));
                def = json_pack("{s:o, s:s?, s:s?}", "lower", lower, "upperdir",
                                m->overlay.upperdir, "workdir", m->overlay.workdir);
                break;
        }
        case BERTH_MOUNT_BIND:
                def = json_pack("{s:s, s:s, s:b, s:b}", "path", m->bind.path, "base",
                                berth_base_to_string(m->bind.base), "recursive", m->bind.recursive,
                                "ro", m->bind.ro);
                if (def && m->bind.mount && depth < ENCODE_DEPTH_MAX)
                        json_object_set_new(def, "mount",
                                            imageapi_encode_mount(m->bind.mount, depth + 1));
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                break;
        }
        if (def)
                json_object_set_new(j, berth_mount_kind_to_string(m->kind), def);
        return j;
}

json_t *imageapi_encode_overlay_v01(const struct berth_mount *m)
{
        json_t *lower = json_array();

        for (size_t i = 0; lower && i < m->overlay.n_lower; i++)
                json_array_append_new(lower, json_integer((json_int_t)m->overlay.lower[i]->obj.id));
        return json_pack("{s:I, s:o, s:s?, s:s?, s:s?, s:I}", "id", (json_int_t)m->obj.id, "lower",
                         lower, "mountpoint", m->mountpoint, "upperdir", m->overlay.upperdir,
                         "workdir", m->overlay.workdir, "refs",
                         (json_int_t)berth_obj_refs(&m->obj));
}

json_t *imageapi_error_body(int status, const char *msg)
{
        return json_pack("{s:i, s:s}", "code", status, "message", msg ? msg : "");
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "objects.h"
#include "strv.h"

static const char *const obj_type_table[_BERTH_OBJ_TYPE_MAX] = {
        [BERTH_OBJ_ATTACH] = "attachment",
        [BERTH_OBJ_MOUNT] = "mount",
        [BERTH_OBJ_CONTAINER] = "container",
};

static const char *const attach_kind_table[_BERTH_ATTACH_KIND_MAX] = {
        [BERTH_ATTACH_ISCSI] = "iscsi",
        [BERTH_ATTACH_LOCAL] = "local",
        [BERTH_ATTACH_LOOPBACK] = "loopback",
        [BERTH_ATTACH_RBD] = "rbd",
};

static const char *const mount_kind_table[_BERTH_MOUNT_KIND_MAX] = {
        [BERTH_MOUNT_ATTACH] = "attach",   [BERTH_MOUNT_BIND] = "bind", [BERTH_MOUNT_NFS] = "nfs",
        [BERTH_MOUNT_OVERLAY] = "overlay", [BERTH_MOUNT_URI] = "uri",
};

static const char *const base_table[_BERTH_BASE_MAX] = {
        [BERTH_BASE_ROOT] = "root",
        [BERTH_BASE_MOUNT] = "mount",
};

static int lookup(const char *const *table, size_t n, const char *s)
{
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int)i;
        return -EINVAL;
}

const char *berth_obj_type_to_string(enum berth_obj_type t)
{
        return t >= 0 && t < _BERTH_OBJ_TYPE_MAX ? obj_type_table[t] : NULL;
}

int berth_obj_type_from_string(const char *s)
{
        return lookup(obj_type_table, ELEMENTSOF(obj_type_table), s);
}

const char *berth_attach_kind_to_string(enum berth_attach_kind k)
{
        return k >= 0 && k < _BERTH_ATTACH_KIND_MAX ? attach_kind_table[k] : NULL;
}

enum berth_attach_kind berth_attach_kind_from_string(const char *s)
{
        return lookup(attach_kind_table, ELEMENTSOF(attach_kind_table), s);
}

const char *berth_mount_kind_to_string(enum berth_mount_kind k)
{
        return k >= 0 && k < _BERTH_MOUNT_KIND_MAX ? mount_kind_table[k] : NULL;
}

enum berth_mount_kind berth_mount_kind_from_string(const char *s)
{
        return lookup(mount_kind_table, ELEMENTSOF(mount_kind_table), s);
}

const char *berth_base_to_string(enum berth_base b)
{
        return b >= 0 && b < _BERTH_BASE_MAX ? base_table[b] : NULL;
}

enum berth_base berth_base_from_string(const char *s)
{
        return lookup(base_table, ELEMENTSOF(base_table), s);
}

struct berth_attach_spec *berth_attach_spec_free(struct berth_attach_spec *s)
{
        if (!s)
                return NULL;
        free(s->loopback.path);
        berth_mount_spec_free(s->loopback.mount);
        free(s->local.path);
        berth_rbd_spec_clear(&s->rbd);
        free(s);
        return NULL;
}

json_t *berth_rbd_to_json(const struct berth_attach *a)
{
        const struct berth_rbd_spec *s = &a->rbd.spec;
        json_t *mons = json_array(), *opt = json_object();
        json_t *j;

        if (!mons || !opt)
                goto fail;
        STRV_FOREACH (m, s->monitors)
                json_array_append_new(mons, json_string(*m));
        for (int o = 0; o < _RBD_BOOL_OPT_MAX; o++)
                if (s->opt.bool_set & (1u << o))
                        json_object_set_new(opt, rbd_bool_opt_names[o],
                                            json_boolean(s->opt.bool_val & (1u << o)));
        for (int o = 0; o < _RBD_INT_OPT_MAX; o++)
                if (rbd_opt_has_int(s, (enum rbd_int_opt)o))
                        json_object_set_new(opt, rbd_int_opt_names[o],
                                            json_integer((json_int_t)s->opt.ints[o]));
        json_object_set_new(opt, "name", json_string(s->opt.name ? s->opt.name : "admin"));
        if (s->opt.fsid)
                json_object_set_new(opt, "fsid", json_string(s->opt.fsid));
        if (s->opt.ip)
                json_object_set_new(opt, "ip", json_string(s->opt.ip));
        if (s->opt.ns)
                json_object_set_new(opt, "namespace", json_string(s->opt.ns));
        j = json_pack("{s:o, s:s, s:s, s:o}", "monitors", mons, "pool", s->pool, "image", s->image,
                      "options", opt);
        if (j && s->snapshot)
                json_object_set_new(j, "snapshot", json_string(s->snapshot));
        if (j && a->rbd.krbd)
                json_object_set_new(j, "device_id", json_integer(a->rbd.device_id));
        return j;
fail:
        json_decref(mons);
        json_decref(opt);
        return NULL;
}

struct berth_mount_spec *berth_mount_spec_free(struct berth_mount_spec *s)
{
        if (!s)
                return NULL;
        berth_attach_spec_free(s->attach.attach);
        free(s->attach.fs_type);
        strv_free(s->attach.options);
        for (size_t i = 0; i < s->overlay.n_lower; i++)
                berth_mount_spec_free(s->overlay.lower[i]);
        free(s->overlay.lower);
        free(s->bind.path);
        berth_mount_spec_free(s->bind.mount);
        free(s);
        return NULL;
}

bool berth_name_is_valid(const char *s)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > BERTH_NAME_MAX)
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static char *json_strdup(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

int berth_rbd_from_json(json_t *j, struct berth_rbd_spec *s)
{
        json_t *mons = json_object_get(j, "monitors"), *opt = json_object_get(j, "options"), *v;
        size_t i;

        *s = (struct berth_rbd_spec){};
        json_array_foreach (mons, i, v)
                if (json_is_string(v) && strv_extend(&s->monitors, json_string_value(v)) < 0)
                        goto fail;
        s->pool = json_strdup(j, "pool");
        s->image = json_strdup(j, "image");
        s->snapshot = json_strdup(j, "snapshot");
        if (!s->pool || !s->image)
                goto fail;
        for (int o = 0; o < _RBD_BOOL_OPT_MAX; o++) {
                v = json_object_get(opt, rbd_bool_opt_names[o]);
                if (!json_is_boolean(v))
                        continue;
                s->opt.bool_set |= 1u << o;
                if (json_is_true(v))
                        s->opt.bool_val |= 1u << o;
        }
        for (int o = 0; o < _RBD_INT_OPT_MAX; o++) {
                v = json_object_get(opt, rbd_int_opt_names[o]);
                if (!json_is_integer(v))
                        continue;
                s->opt.int_set |= 1u << o;
                s->opt.ints[o] = json_integer_value(v);
        }
        s->opt.name = json_strdup(opt, "name");
        s->opt.fsid = json_strdup(opt, "fsid");
        s->opt.ip = json_strdup(opt, "ip");
        s->opt.ns = json_strdup(opt, "namespace");
        return 0;
fail:
        berth_rbd_spec_clear(s);
        return -EINVAL;
}

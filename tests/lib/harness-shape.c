/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test harness: replies checked against the JSON types of the upstream ImageAPI models. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "macro.h"

/* ---- reply shapes against the upstream models ------------------------------------ */

struct field_type {
        const char *name;
        int type;          /* JSON_* */
        const char *model; /* nested model for objects and arrays of objects, or NULL */
};

static const struct field_type attach_fields[] = {
        { "id", JSON_INTEGER, NULL },
        { "kind", JSON_STRING, NULL },
        { "device_file", JSON_STRING, NULL },
        { "refs", JSON_INTEGER, NULL },
        { "loopback", JSON_OBJECT, "attach_loopback" },
        { "local", JSON_OBJECT, NULL },
        { "rbd", JSON_OBJECT, "attach_rbd" },
        {},
};
static const struct field_type attach_loopback_fields[] = {
        { "path", JSON_STRING, NULL },
        { "base", JSON_STRING, NULL },
        { "readPartitions", JSON_TRUE, NULL },
        { "mount", JSON_OBJECT, "mount" },
        {},
};
static const struct field_type attach_rbd_fields[] = {
        { "monitors", JSON_ARRAY, NULL },
        { "pool", JSON_STRING, NULL },
        { "image", JSON_STRING, NULL },
        { "snapshot", JSON_STRING, NULL },
        { "options", JSON_OBJECT, NULL },
        { "device_id", JSON_INTEGER, NULL },
        {},
};
static const struct field_type mount_fields[] = {
        { "id", JSON_INTEGER, NULL },
        { "kind", JSON_STRING, NULL },
        { "mountpoint", JSON_STRING, NULL },
        { "refs", JSON_INTEGER, NULL },
        { "attach", JSON_OBJECT, "mount_attach" },
        { "overlay", JSON_OBJECT, "mount_overlay" },
        { "bind", JSON_OBJECT, "mount_bind" },
        {},
};
static const struct field_type mount_attach_fields[] = {
        { "attach", JSON_OBJECT, "attach" },
        { "fs_type", JSON_STRING, NULL },
        { "mount_options", JSON_ARRAY, NULL },
        {},
};
static const struct field_type mount_overlay_fields[] = {
        { "lower", JSON_ARRAY, "mount" },
        { "upperdir", JSON_STRING, NULL },
        { "workdir", JSON_STRING, NULL },
        {},
};
static const struct field_type mount_bind_fields[] = {
        { "path", JSON_STRING, NULL },     { "base", JSON_STRING, NULL },
        { "recursive", JSON_TRUE, NULL },  { "ro", JSON_TRUE, NULL },
        { "mount", JSON_OBJECT, "mount" }, {},
};
static const struct field_type container_fields[] = {
        { "id", JSON_INTEGER, NULL },      { "name", JSON_STRING, NULL },
        { "command", JSON_STRING, NULL },  { "logfile", JSON_STRING, NULL },
        { "state", JSON_STRING, NULL },    { "systemd", JSON_TRUE, NULL },
        { "refs", JSON_INTEGER, NULL },    { "namespaces", JSON_ARRAY, NULL },
        { "mount", JSON_OBJECT, "mount" }, {},
};
/* v0.1 */
static const struct field_type mount_v01_fields[] = {
        { "mount_id", JSON_INTEGER, NULL },
        { "kind", JSON_STRING, NULL },
        { "rbd", JSON_OBJECT, "mount_rbd_v01" },
        { "overlay", JSON_OBJECT, "mount_overlay_v01" },
        {},
};
static const struct field_type mount_overlay_v01_fields[] = {
        { "id", JSON_INTEGER, NULL },
        { "lower", JSON_ARRAY, "mount_v01" },
        { "mountpoint", JSON_STRING, NULL },
        { "upperdir", JSON_STRING, NULL },
        { "workdir", JSON_STRING, NULL },
        { "refs", JSON_INTEGER, NULL },
        {},
};
static const struct field_type rbd_v01_fields[] = {
        { "id", JSON_INTEGER, NULL },         { "device_id", JSON_INTEGER, NULL },
        { "device_file", JSON_STRING, NULL }, { "refs", JSON_INTEGER, NULL },
        { "monitors", JSON_ARRAY, NULL },     { "pool", JSON_STRING, NULL },
        { "image", JSON_STRING, NULL },       { "snapshot", JSON_STRING, NULL },
        { "options", JSON_OBJECT, NULL },     {},
};
static const struct field_type mount_rbd_v01_fields[] = {
        { "id", JSON_INTEGER, NULL },          { "mountpoint", JSON_STRING, NULL },
        { "refs", JSON_INTEGER, NULL },        { "rbd_id", JSON_INTEGER, NULL },
        { "rbd", JSON_OBJECT, "rbd_v01" },     { "fs_type", JSON_STRING, NULL },
        { "mount_options", JSON_ARRAY, NULL }, {},
};

static const struct {
        const char *name;
        const struct field_type *fields;
} models[] = {
        { "attach", attach_fields },
        { "attach_loopback", attach_loopback_fields },
        { "attach_rbd", attach_rbd_fields },
        { "mount", mount_fields },
        { "mount_attach", mount_attach_fields },
        { "mount_overlay", mount_overlay_fields },
        { "mount_bind", mount_bind_fields },
        { "container", container_fields },
        { "mount_v01", mount_v01_fields },
        { "mount_overlay_v01", mount_overlay_v01_fields },
        { "rbd_v01", rbd_v01_fields },
        { "mount_rbd_v01", mount_rbd_v01_fields },
};

static bool type_is(json_t *v, int type)
{
        if (json_is_null(v))
                return true; /* Go decodes null into any field */
        if (type == JSON_TRUE)
                return json_is_boolean(v);
        return (int)json_typeof(v) == type;
}

static void check_model(json_t *j, const char *model, const char *path)
{
        const struct field_type *f = NULL;

        for (size_t i = 0; i < ELEMENTSOF(models); i++)
                if (streq(models[i].name, model))
                        f = models[i].fields;
        ck_assert_msg(f, "no model %s", model);
        ck_assert_msg(json_is_object(j), "%s: a %s must be an object, not %s", path, model,
                      json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT));
        for (; f->name; f++) {
                json_t *v = json_object_get(j, f->name);
                char sub[512];

                if (!v)
                        continue;
                (void)snprintf(sub, sizeof(sub), "%s.%s", path, f->name);
                ck_assert_msg(type_is(v, f->type), "%s has the wrong JSON type for model %s: %s",
                              sub, model, json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT));
                if (!f->model || json_is_null(v))
                        continue;
                if (json_is_array(v)) {
                        json_t *e;
                        size_t i;
                        json_array_foreach (v, i, e) {
                                char el[600];
                                (void)snprintf(el, sizeof(el), "%s[%zu]", sub, i);
                                check_model(e, f->model, el);
                        }
                } else
                        check_model(v, f->model, sub);
        }
}

json_t *test_assert_imageapi_shape(json_t *j, const char *model)
{
        char name[64];
        size_t n = strlen(model);

        if (model[0] == '[') {
                json_t *e;
                size_t i;

                ck_assert_msg(n > 2 && n < sizeof(name), "bad model %s", model);
                memcpy(name, model + 1, n - 2);
                name[n - 2] = 0;
                ck_assert_msg(json_is_array(j), "a list of %s must be an array, not %s", name,
                              json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT));
                json_array_foreach (j, i, e) {
                        char el[64];
                        (void)snprintf(el, sizeof(el), "[%zu]", i);
                        check_model(e, name, el);
                }
                return j;
        }
        check_model(j, model, "");
        return j;
}

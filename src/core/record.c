/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json-util.h"
#include "macro.h"
#include "record.h"
#include "store.h"
#include "strv.h"

json_t *berth_record_encode(const struct berth_obj_ops *ops, const struct berth_obj *o)
{
        json_t *body = ops && ops->encode ? ops->encode(o) : NULL;

        if (!body)
                return NULL;
        return json_pack("{s:i, s:s, s:I, s:b, s:b, s:o}", "version", 1, "type",
                         berth_obj_type_to_string(o->type), "id", (json_int_t)o->id, "user",
                         o->user, "removed", o->removed, "object", body);
}

json_t *berth_record_child(const struct berth_obj *parent, const struct berth_obj *child)
{
        return json_pack("{s:I, s:b}", "id", (json_int_t)child->id, "owned",
                         child->owner == parent);
}

const char *berth_record_str(json_t *j, const char *key)
{
        return json_string_value(json_object_get(j, key));
}

char *berth_record_strdup(json_t *j, const char *key)
{
        const char *v = berth_record_str(j, key);

        return v ? strdup(v) : NULL;
}

json_int_t berth_record_int(json_t *j, const char *key, json_int_t def)
{
        json_t *v = json_object_get(j, key);

        return json_is_integer(v) ? json_integer_value(v) : def;
}

bool berth_record_bool(json_t *j, const char *key)
{
        return json_is_true(json_object_get(j, key));
}

char **berth_record_strv(json_t *j, const char *key)
{
        char **l = NULL;

        return berth_strv_from_json(json_object_get(j, key), &l) < 0 ? NULL : l;
}

int berth_record_add_link(struct berth_record_links *l, struct berth_obj *parent, unsigned slot,
                          size_t index, enum berth_obj_type type, json_t *ref)
{
        struct berth_record_link *v;
        json_t *id = json_object_get(ref, "id");

        if (!json_is_integer(id) || json_integer_value(id) < 0)
                return -EINVAL;
        v = realloc(l->v, sizeof(*v) * (l->n + 1));
        if (!v)
                return -ENOMEM;
        l->v = v;
        v[l->n++] = (struct berth_record_link){ .parent = parent,
                                                .slot = slot,
                                                .index = index,
                                                .type = type,
                                                .id = (uint64_t)json_integer_value(id),
                                                .owned = berth_record_bool(ref, "owned") };
        return 0;
}

int berth_record_type(json_t *j, struct berth_error *err)
{
        int type = berth_obj_type_from_string(berth_record_str(j, "type"));
        json_t *id = json_object_get(j, "id");

        if (berth_record_int(j, "version", 0) != 1 || type < 0 ||
            !json_is_object(json_object_get(j, "object")) || !json_is_integer(id) ||
            json_integer_value(id) < 0)
                return berth_error_set(err, EINVAL, "not a berthd record (version 1)");
        return type;
}

int berth_record_decode(const struct berth_obj_ops *ops, struct berth_store *s, json_t *j,
                        struct berth_obj **ret, struct berth_record_links *links,
                        struct berth_error *err)
{
        int type = berth_record_type(j, err);
        struct berth_obj *o = NULL;
        size_t n0 = links->n;
        int r;

        if (type < 0)
                return type;
        r = ops && ops->decode ? ops->decode(s, json_object_get(j, "object"), &o, links) : -EINVAL;
        if (o) {
                o->id = (uint64_t)json_integer_value(json_object_get(j, "id"));
                o->user = berth_record_bool(j, "user");
                o->removed = berth_record_bool(j, "removed");
        }
        *ret = o;
        if (r < 0) {
                links->n = n0;
                return berth_error_set_errno(err, -r, "%s record is %s",
                                             berth_obj_type_to_string((enum berth_obj_type)type),
                                             r == -EINVAL ? "incomplete" : "unreadable");
        }
        return 0;
}

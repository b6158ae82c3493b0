/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "jdec.h"
#include "macro.h"
#include "strv.h"

const char *jdec_join(char buf[JDEC_PATH_MAX], const char *prefix, const char *key)
{
        if (!prefix || !*prefix)
                (void)snprintf(buf, JDEC_PATH_MAX, "%s", key);
        else
                (void)snprintf(buf, JDEC_PATH_MAX, "%s.%s", prefix, key);
        return buf;
}

int jdec_expect_object(json_t *j, const char *prefix, struct berth_error *err)
{
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "%s must be an object",
                                       prefix && *prefix ? prefix : "the request body");
        return 0;
}

int jdec_check_keys(json_t *o, const char *prefix, const char *const *allowed,
                    struct berth_error *err)
{
        const char *key;
        json_t *v;

        json_object_foreach (o, key, v) {
                char p[JDEC_PATH_MAX];
                bool ok = false;

                for (const char *const *a = allowed; *a; a++)
                        if (streq(*a, key)) {
                                ok = true;
                                break;
                        }
                if (!ok)
                        return berth_error_set(err, EINVAL, "%.200s: unknown field",
                                               jdec_join(p, prefix, key));
        }
        return 0;
}

int jdec_object(json_t *j, const char *prefix, const char *const *allowed, struct berth_error *err)
{
        int r = jdec_expect_object(j, prefix, err);

        return r < 0 ? r : jdec_check_keys(j, prefix, allowed, err);
}

bool jdec_has(json_t *o, const char *key)
{
        json_t *v = json_object_get(o, key);

        return v && !json_is_null(v);
}

static bool has_control_chars(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return true;
        return false;
}

int jdec_string(json_t *o, const char *prefix, const char *key, bool required, size_t max,
                char **ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];
        const char *s;
        size_t len;

        jdec_join(p, prefix, key);
        *ret = NULL;
        if (!v || json_is_null(v)) {
                if (required)
                        return berth_error_set(err, EINVAL, "%s is required", p);
                return 0;
        }
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "%s must be a string", p);
        s = json_string_value(v);
        len = json_string_length(v);
        if (len == 0)
                return berth_error_set(err, EINVAL, "%s must not be empty", p);
        if (len > max)
                return berth_error_set(err, EINVAL, "%s is longer than %zu bytes", p, max);
        if (strlen(s) != len || has_control_chars(s, len))
                return berth_error_set(err, EINVAL, "%s contains control characters", p);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int jdec_bool(json_t *o, const char *prefix, const char *key, bool *ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_boolean(v))
                return berth_error_set(err, EINVAL, "%s must be true or false",
                                       jdec_join(p, prefix, key));
        *ret = json_is_true(v);
        return 1;
}

int jdec_u64(json_t *o, const char *prefix, const char *key, uint64_t *ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return berth_error_set(err, EINVAL, "%s must be a non-negative integer",
                                       jdec_join(p, prefix, key));
        *ret = (uint64_t)json_integer_value(v);
        return 1;
}

int jdec_strv(json_t *o, const char *prefix, const char *key, size_t max_items, size_t max_len,
              char ***ret, struct berth_error *err)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *v = json_object_get(o, key), *item;
        char p[JDEC_PATH_MAX];
        size_t i;

        *ret = NULL;
        jdec_join(p, prefix, key);
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return berth_error_set(err, EINVAL, "%s must be an array of strings", p);
        if (json_array_size(v) > max_items)
                return berth_error_set(err, EINVAL, "%s has more than %zu items", p, max_items);
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_array_foreach (v, i, item) {
                const char *s;
                size_t len;

                if (!json_is_string(item))
                        return berth_error_set(err, EINVAL, "%s[%zu] must be a string", p, i);
                s = json_string_value(item);
                len = json_string_length(item);
                if (len > max_len)
                        return berth_error_set(err, EINVAL, "%s[%zu] is longer than %zu bytes", p,
                                               i, max_len);
                if (strlen(s) != len || has_control_chars(s, len))
                        return berth_error_set(err, EINVAL, "%s[%zu] contains control characters",
                                               p, i);
                if (strv_extend(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static bool is_zero(json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_NULL:
        case JSON_FALSE:
                return true;
        case JSON_INTEGER:
                return json_integer_value(v) == 0;
        case JSON_REAL:
                return json_real_value(v) == 0.0;
        case JSON_STRING:
                return json_string_length(v) == 0;
        case JSON_ARRAY:
                return json_array_size(v) == 0;
        case JSON_OBJECT:
                return json_object_size(v) == 0;
        case JSON_TRUE:
        default:
                return false;
        }
}

int jdec_readonly(json_t *o, const char *prefix, const char *key, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        if (v && !is_zero(v))
                return berth_error_set(err, EINVAL, "%s is read-only; berthd sets it",
                                       jdec_join(p, prefix, key));
        return 0;
}

int jdec_enum(json_t *o, const char *prefix, const char *key, const char *const *values, size_t n,
              bool required, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX], list[256] = "";

        jdec_join(p, prefix, key);
        if (!v || json_is_null(v)) {
                if (required)
                        return berth_error_set(err, EINVAL, "%s is required", p);
                return -ENOENT;
        }
        if (json_is_string(v))
                for (size_t i = 0; i < n; i++)
                        if (values[i] && streq(values[i], json_string_value(v)))
                                return (int)i;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(list);
                if (values[i])
                        (void)snprintf(list + l, sizeof(list) - l, "%s%s", l ? ", " : "",
                                       values[i]);
        }
        return berth_error_set(err, EINVAL, "%s must be one of %s", p, list);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "launch-json.h"
#include "launch-spec.h"
#include "launch.h"
#include "macro.h"
#include "strv.h"
#include "sysctl.h"

/* An integer in [min, max]; field names it in the message. */
int spec_get_int(json_t *v, const char *field, json_int_t min, json_int_t max, json_int_t *ret,
                 struct berth_error *err)
{
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return SPEC_ERROR(err, "'%s' must be an integer from %lld to %lld", field,
                                  (long long)min, (long long)max);
        *ret = json_integer_value(v);
        return 0;
}

int spec_get_bool(json_t *v, const char *field, bool *ret, struct berth_error *err)
{
        if (!json_is_boolean(v))
                return SPEC_ERROR(err, "'%s' must be true or false", field);
        *ret = json_is_true(v);
        return 0;
}

/* A string, or null for none. */
int spec_get_str(json_t *v, const char *field, char **ret, struct berth_error *err)
{
        if (json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return SPEC_ERROR(err, "'%s' must be a string", field);
        free(*ret);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

int spec_get_strv(json_t *a, const char *field, char ***ret, struct berth_error *err)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        json_t *v;
        size_t i;

        if (!l)
                return -ENOMEM;
        if (!json_is_array(a))
                return SPEC_ERROR(err, "'%s' must be an array of strings", field);
        json_array_foreach (a, i, v) {
                if (!json_is_string(v))
                        return SPEC_ERROR(err, "'%s[%zu]' must be a string", field, i);
                if (strv_extend(&l, json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        strv_free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}

int spec_get_path(json_t *v, const char *field, char **ret, struct berth_error *err)
{
        int r = spec_get_str(v, field, ret, err);

        if (r >= 0 && (!*ret || (*ret)[0] != '/'))
                return SPEC_ERROR(err, "'%s' must be an absolute path", field);
        return r;
}

/* A list of paths inside the container to mask or make read-only: absolute, not "/",
 * without a ".." component (each names the place it means, and never the root). */
int spec_get_path_list(json_t *a, const char *field, char ***ret, struct berth_error *err)
{
        json_t *v;
        size_t i;
        int r;

        if (!json_is_array(a) || json_array_size(a) > LAUNCH_PATHS_MAX)
                return SPEC_ERROR(err, "'%s' must be an array of at most %d paths", field,
                                  LAUNCH_PATHS_MAX);
        r = spec_get_strv(a, field, ret, err);
        if (r < 0)
                return r;
        json_array_foreach (a, i, v) {
                const char *p = json_string_value(v);
                size_t n = strlen(p);

                if (p[0] != '/')
                        return SPEC_ERROR(err, "'%s[%zu]' must be an absolute path", field, i);
                if (strspn(p, "/") == n)
                        return SPEC_ERROR(err, "'%s[%zu]' must be a path other than '/'", field, i);
                for (const char *c = p; c; c = strchr(c + 1, '/'))
                        if (strncmp(c, "/..", 3) == 0 && (c[3] == '/' || c[3] == 0))
                                return SPEC_ERROR(err, "'%s[%zu]' must not have a '..' component",
                                                  field, i);
        }
        return 0;
}

/* [[inside, outside, count], …]: the numbers here, the map as a whole in check_launch(). */
int spec_get_idmap(json_t *a, const char *field, struct berth_launch_idmap **ret, size_t *ret_n,
                   struct berth_error *err)
{
        json_t *v;
        size_t i;

        if (!json_is_array(a) || json_array_size(a) > LAUNCH_IDMAP_MAX)
                return SPEC_ERROR(err,
                                  "'%s' must be an array of at most %d [inside, outside, count]",
                                  field, LAUNCH_IDMAP_MAX);
        free(*ret);
        *ret_n = 0;
        *ret = calloc(json_array_size(a) + 1, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                json_int_t n[3];
                char f[64];

                if (!json_is_array(v) || json_array_size(v) != 3)
                        return SPEC_ERROR(err, "'%s[%zu]' must be [inside, outside, count]", field,
                                          i);
                for (size_t k = 0; k < 3; k++) {
                        (void)snprintf(f, sizeof(f), "%s[%zu][%zu]", field, i, k);
                        if (spec_get_int(json_array_get(v, k), f, 0, UINT32_MAX, &n[k], err) < 0)
                                return -EINVAL;
                }
                (*ret)[(*ret_n)++] = (struct berth_launch_idmap){ .inside = (uint32_t)n[0],
                                                                  .outside = (uint32_t)n[1],
                                                                  .count = (uint32_t)n[2] };
        }
        return 0;
}

int spec_get_limit(json_t *v, const char *field, uint64_t *ret, struct berth_error *err)
{
        if (json_is_string(v) &&
            (streq(json_string_value(v), "unlimited") || streq(json_string_value(v), "infinity"))) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        if (json_is_integer(v) && json_integer_value(v) == -1) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return SPEC_ERROR(err, "'%s' must be an integer >= 0, -1 or \"unlimited\"", field);
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

/* l as a JSON array of strings; NULL only for OOM. */
json_t *spec_strv_json(char *const *l)
{
        json_t *a = json_array();

        STRV_FOREACH (s, l)
                json_array_append_new(a, json_string(*s));
        return a;
}

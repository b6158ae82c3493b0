/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "oci-util.h"
#include "strv.h"

const char *oci_idx_path(char buf[JDEC_PATH_MAX], const char *prefix, size_t i)
{
        (void)snprintf(buf, JDEC_PATH_MAX, "%s[%zu]", prefix, i);
        return buf;
}

const char *oci_json_str(json_t *v)
{
        const char *s = json_string_value(v);

        return s && strlen(s) == json_string_length(v) ? s : NULL;
}

int oci_get_str(json_t *o, const char *prefix, const char *key, bool required, const char **ret,
                struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        *ret = NULL;
        if (!v || json_is_null(v))
                return required ? berth_error_set(err, EINVAL, "%s is required",
                                                  jdec_join(p, prefix, key))
                                : 0;
        *ret = oci_json_str(v);
        if (!*ret)
                return berth_error_set(err, EINVAL, "%s must be a string without NUL bytes",
                                       jdec_join(p, prefix, key));
        return 0;
}

int oci_get_int(json_t *o, const char *prefix, const char *key, int64_t min, int64_t max,
                int64_t *ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
                return berth_error_set(err, EINVAL, "%s must be an integer from %lld to %lld",
                                       jdec_join(p, prefix, key), (long long)min, (long long)max);
        *ret = json_integer_value(v);
        return 1;
}

int oci_get_strv(json_t *o, const char *prefix, const char *key, char ***ret,
                 struct berth_error *err)
{
        _cleanup_strv_free_ char **l = NULL;
        json_t *a = json_object_get(o, key), *v;
        char p[JDEC_PATH_MAX], q[JDEC_PATH_MAX];
        size_t i;

        *ret = NULL;
        jdec_join(p, prefix, key);
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return berth_error_set(err, EINVAL, "%s must be an array of strings", p);
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                const char *s = oci_json_str(v);

                if (!s)
                        return berth_error_set(err, EINVAL, "%s must be a string without NUL bytes",
                                               oci_idx_path(q, p, i));
                if (strv_extend(&l, s) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int oci_get_array(json_t *o, const char *prefix, const char *key, json_t **ret,
                  struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return berth_error_set(err, EINVAL, "%s must be an array",
                                       jdec_join(p, prefix, key));
        *ret = v;
        return 0;
}

int oci_path_clean(const char *p, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (!p || p[0] != '/')
                return -EINVAL;
        out = malloc(strlen(p) + 2);
        if (!out)
                return -ENOMEM;
        while (*p) {
                size_t len;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 2 && p[0] == '.' && p[1] == '.')
                        return -EINVAL;
                if (len > 0 && !(len == 1 && p[0] == '.')) {
                        out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
        }
        if (n == 0)
                out[n++] = '/';
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

int oci_path_clean_field(const char *field, const char *p, char **ret, struct berth_error *err)
{
        int r = oci_path_clean(p, ret);

        if (r == -EINVAL)
                return berth_error_set(err, EINVAL, "%s '%s' must be an absolute path without '..'",
                                       field, p);
        return r;
}

bool oci_env_entry_valid(const char *e)
{
        const char *eq = strchr(e, '=');

        return eq && eq != e;
}

int oci_env_set(char ***env, const char *entry)
{
        size_t k = strcspn(entry, "=");

        for (char **e = *env; e && *e; e++)
                if (strncmp(*e, entry, k) == 0 && (*e)[k] == '=') {
                        char *c = strdup(entry);

                        if (!c)
                                return -ENOMEM;
                        free(*e);
                        *e = c;
                        return 0;
                }
        return strv_extend(env, entry);
}

uint32_t oci_cpu_shares_to_weight(int64_t shares)
{
        return (uint32_t)(1 + ((MAX(shares, 2) - 2) * 9999) / 262142);
}

#define CPU_LIST_NUMBER_MAX 4096

/* A number of at most 5 digits at *p: its value / -EINVAL. */
static long list_number(const char **p)
{
        long v = 0;
        int n = 0;

        while (**p >= '0' && **p <= '9') {
                if (++n > 5)
                        return -EINVAL;
                v = v * 10 + (**p - '0');
                (*p)++;
        }
        return n == 0 ? -EINVAL : v;
}

int oci_cpu_list_check(const char *s, unsigned limit, unsigned *ret_bad)
{
        bool over = false;

        for (const char *p = s;;) {
                long a = list_number(&p), b = a;

                if (a >= 0 && *p == '-') {
                        p++;
                        b = list_number(&p);
                }
                if (a < 0 || b < 0 || a > b)
                        return -EINVAL;
                if ((unsigned long)b >= limit && !over) {
                        over = true;
                        *ret_bad = (unsigned)MAX((unsigned long)a, (unsigned long)limit);
                }
                if (*p == 0)
                        break;
                if (*p != ',')
                        return -EINVAL;
                p++;
        }
        return over ? -ERANGE : 0;
}

int oci_get_cpu_list(json_t *o, const char *prefix, const char *key, char *buf, size_t size,
                     struct berth_error *err)
{
        char p[JDEC_PATH_MAX];
        const char *v;
        unsigned bad;
        int r;

        buf[0] = 0;
        r = oci_get_str(o, prefix, key, false, &v, err);
        if (r < 0 || !v || !v[0])
                return r;
        jdec_join(p, prefix, key);
        if (strlen(v) >= size)
                return berth_error_set(err, EINVAL, "%s must be at most %zu characters", p,
                                       size - 1);
        r = oci_cpu_list_check(v, CPU_LIST_NUMBER_MAX, &bad);
        if (r == -EINVAL)
                return berth_error_set(err, EINVAL,
                                       "%s '%.64s' must be numbers and ranges of them joined by "
                                       "',' (\"0-1,3\")",
                                       p, v);
        if (r < 0)
                return berth_error_set(err, EINVAL, "%s '%.64s': %u is not below %u", p, v, bad,
                                       CPU_LIST_NUMBER_MAX);
        memcpy(buf, v, strlen(v) + 1);
        return 0;
}

int oci_cpuset_check_host(const char *cpus, const char *mems, const char *prefix, unsigned ncpus,
                          unsigned nmems, struct berth_error *err)
{
        unsigned bad = 0;

        if (cpus[0] && oci_cpu_list_check(cpus, ncpus, &bad) < 0)
                return berth_error_set(err, EINVAL,
                                       "%s.cpus '%.64s': this node has no cpu %u (it has %u: 0 "
                                       "to %u)",
                                       prefix, cpus, bad, ncpus, ncpus - 1);
        if (mems[0] && oci_cpu_list_check(mems, nmems, &bad) < 0)
                return berth_error_set(err, EINVAL,
                                       "%s.mems '%.64s': this node has no memory node %u (it "
                                       "has %u: 0 to %u)",
                                       prefix, mems, bad, nmems, nmems - 1);
        return 0;
}

/* What a field holds when it asks for nothing: absent, null, false, "", [] or {}. */
bool oci_json_empty(json_t *v)
{
        return !v || json_is_null(v) || json_is_false(v) ||
               (json_is_string(v) && json_string_length(v) == 0) ||
               (json_is_array(v) && json_array_size(v) == 0) ||
               (json_is_object(v) && json_object_size(v) == 0);
}

/* Every member of the object at p must be a field, and no refused one may ask for
 * anything: -EINVAL for an unknown member, -EOPNOTSUPP for a refused one. */
int oci_check_object(json_t *o, const char *p, const struct oci_field *fields,
                     struct berth_error *err)
{
        const char *key;
        json_t *v;

        if (!json_is_object(o))
                return berth_error_set(err, EINVAL, "%s must be an object", *p ? p : "config.json");
        json_object_foreach (o, key, v) {
                const struct oci_field *f = fields;
                char q[JDEC_PATH_MAX];

                while (f->key && !streq(f->key, key))
                        f++;
                jdec_join(q, p, key);
                if (!f->key)
                        return berth_error_set(err, EINVAL, "%.200s: unknown field", q);
                if (f->refused && !oci_json_empty(v))
                        return berth_error_set(err, EOPNOTSUPP, "%.200s: not supported%s%s%s", q,
                                               f->never ? "" : " yet", *f->refused ? ": " : "",
                                               f->refused);
        }
        return 0;
}

/* An object as oci_check_object() wants it (absent and null are fine: *ret = NULL). */
int oci_get_object(json_t *o, const char *prefix, const char *key, const struct oci_field *fields,
                   json_t **ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[JDEC_PATH_MAX];

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        *ret = v;
        return oci_check_object(v, jdec_join(p, prefix, key), fields, err);
}

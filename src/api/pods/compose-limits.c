/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A service's limits (memory, CPU, processes), health check, and what a
 * privileged container would get (privileged:, devices:), refused unless allowed.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose-internal.h"
#include "error.h"
#include "strv.h"

int compose_key_mem_limit(struct compose_svc *v, const char *key, json_t *j)
{
        if (compose_bytes_parse(j, &v->w->limits.memory) < 0)
                return compose_svc_fail(
                        v, EINVAL,
                        "key 'mem_limit' must be a number of bytes or a size like \"512m\" "
                        "or \"1g\" (units b, k, m, g)");
        return 0;
}

int compose_key_cpus(struct compose_svc *v, const char *key, json_t *j)
{
        const char *s = compose_json_str(j);
        double cpus;
        char *end;

        if (json_is_number(j))
                cpus = json_number_value(j);
        else if (s && s[0]) {
                errno = 0;
                cpus = strtod(s, &end);
                if (errno || *end || !(cpus == cpus))
                        return compose_svc_fail(v, EINVAL, "cpus '%s' is not a number", s);
        } else
                return compose_svc_type_error(v, key, "a number");
        if (!(cpus >= 0 && cpus <= 4096) || (cpus > 0 && cpus < 0.01))
                return compose_svc_fail(v, EINVAL,
                                        "cpus must be 0 (no limit) or from 0.01 to 4096");
        if (cpus > 0) {
                v->w->limits.cpu_period_us = 100000;
                v->w->limits.cpu_quota_us = (uint32_t)(cpus * 100000 + 0.5);
        }
        return 0;
}

int compose_key_pids_limit(struct compose_svc *v, const char *key, json_t *j)
{
        json_int_t n;

        if (!json_is_integer(j))
                return compose_svc_type_error(v, key, "an integer");
        n = json_integer_value(j);
        if (n < -1)
                return compose_svc_fail(v, EINVAL,
                                        "pids_limit must be positive, or 0 or -1 for no limit");
        v->w->limits.pids = n > 0 ? (uint64_t)n : 0;
        return 0;
}

static int health_duration(struct compose_svc *v, json_t *hc, const char *name, uint64_t *ret)
{
        json_t *j = json_object_get(hc, name);
        const char *s;

        if (!j || json_is_null(j))
                return 0;
        s = compose_json_str(j);
        if (!s || compose_duration_parse(s, ret) < 0)
                return compose_svc_fail(
                        v, EINVAL,
                        "healthcheck '%s' must be a duration like \"1m30s\", \"10s\" or "
                        "\"500ms\"",
                        name);
        if (*ret > 0 && *ret < 1000000)
                return compose_svc_fail(v, EINVAL, "healthcheck '%s' must be 0 or at least 1ms",
                                        name);
        return 0;
}

static int health_test(struct compose_svc *v, json_t *test, char ***ret)
{
        _cleanup_strv_free_ char **t = NULL;
        const char *s = compose_json_str(test);
        size_t n;
        int r;

        if (s) {
                if (!s[0])
                        return compose_svc_fail(v, EINVAL, "healthcheck 'test' is empty");
                if (strv_extend(&t, "CMD-SHELL") < 0 || strv_extend(&t, s) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(t);
                return 0;
        }
        r = compose_svc_str_list(v, "healthcheck.test", test, &t);
        if (r < 0)
                return r;
        n = strv_length(t);
        if (n == 0 || !((streq(t[0], "CMD") && n >= 2) || (streq(t[0], "CMD-SHELL") && n == 2) ||
                        (streq(t[0], "NONE") && n == 1)))
                return compose_svc_fail(v, EINVAL,
                                        "healthcheck 'test' must be a string, [\"CMD\", args...], "
                                        "[\"CMD-SHELL\", command] or [\"NONE\"]");
        *ret = TAKE_PTR(t);
        return 0;
}

int compose_key_healthcheck(struct compose_svc *v, const char *key, json_t *j)
{
        static const char *const keys[] = { "test",    "interval", "timeout", "start_period",
                                            "retries", "disable",  NULL };
        struct berth_wl_health *h;
        json_t *val;
        const char *k;
        int r;

        if (!json_is_object(j))
                return compose_svc_type_error(v, key, "a mapping");
        if (v->native)
                return compose_svc_not_native(v, key, "it runs no health checks");
        json_object_foreach (j, k, val) {
                bool known = false;
                for (size_t i = 0; keys[i]; i++)
                        known = known || streq(k, keys[i]);
                if (!known)
                        return compose_svc_fail(v, EINVAL, "healthcheck key '%s' is not supported",
                                                k);
        }
        h = v->w->health = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        val = json_object_get(j, "disable");
        if (val && !json_is_boolean(val))
                return compose_svc_fail(v, EINVAL, "healthcheck 'disable' must be a boolean");
        if (json_is_true(val)) {
                if (json_object_size(j) > 1)
                        return compose_svc_fail(
                                v, EINVAL,
                                "healthcheck 'disable: true' cannot be combined with other "
                                "options");
                return strv_extend(&h->test, "NONE");
        }
        val = json_object_get(j, "test");
        if (val && !json_is_null(val)) {
                r = health_test(v, val, &h->test);
                if (r < 0)
                        return r;
        }
        r = health_duration(v, j, "interval", &h->interval_ns);
        if (r >= 0)
                r = health_duration(v, j, "timeout", &h->timeout_ns);
        if (r >= 0)
                r = health_duration(v, j, "start_period", &h->start_period_ns);
        if (r < 0)
                return r;
        val = json_object_get(j, "retries");
        if (val && !json_is_null(val)) {
                if (!json_is_integer(val) || json_integer_value(val) < 0 ||
                    json_integer_value(val) > 1000000)
                        return compose_svc_fail(v, EINVAL, "healthcheck 'retries' must be a count");
                h->retries = (unsigned)json_integer_value(val);
        }
        return 0;
}

int compose_key_privileged(struct compose_svc *v, const char *key, json_t *j)
{
        if (!json_is_boolean(j))
                return compose_svc_type_error(v, key, "a boolean");
        if (!json_is_true(j))
                return 0;
        if (v->native)
                return compose_svc_not_native(v, key,
                                              "berth's own containers are never privileged");
        if (!v->c->o->allow_privileged)
                return compose_svc_fail(
                        v, EPERM,
                        "key 'privileged' is refused: this berthd does not allow privileged "
                        "containers");
        v->w->privileged = true;
        return 0;
}

static bool device_ok(const char *d)
{
        _cleanup_free_ char *copy = strdup(d);
        char *parts[4] = {}, *save = NULL;
        size_t n = 0;

        if (!copy)
                return false;
        for (char *p = strtok_r(copy, ":", &save); p && n < 4; p = strtok_r(NULL, ":", &save))
                parts[n++] = p;
        if (n == 0 || n > 3 || parts[0][0] != '/' || (n >= 2 && parts[1][0] != '/'))
                return false;
        return n < 3 || (strspn(parts[2], "rwm") == strlen(parts[2]) && parts[2][0]);
}

int compose_key_devices(struct compose_svc *v, const char *key, json_t *j)
{
        _cleanup_strv_free_ char **l = NULL;
        int r;

        r = compose_svc_str_list(v, key, j, &l);
        if (r < 0)
                return r;
        if (!l[0])
                return 0;
        if (v->native)
                return compose_svc_not_native(v, key, "it passes no devices");
        if (!v->c->o->allow_privileged)
                return compose_svc_fail(
                        v, EPERM,
                        "key 'devices' is refused: this berthd does not allow host devices in "
                        "containers");
        STRV_FOREACH (d, l)
                if (!device_ok(*d))
                        return compose_svc_fail(
                                v, EINVAL, "device '%s' is not /host/path[:/container/path[:rwm]]",
                                *d);
        v->w->devices = TAKE_PTR(l);
        return 0;
}

/* In this order: network_mode before ports. image and build were read first. */

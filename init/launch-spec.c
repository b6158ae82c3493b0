/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "launch-spec.h"
#include "macro.h"
#include "strv.h"

void berth_launch_done(struct berth_launch *l)
{
        free(l->name);
        free(l->hostname);
        free(l->rootfs);
        free(l->staging);
        strv_free(l->args);
        free(l->exec_path);
        strv_free(l->env);
        free(l->cwd);
        strv_free(l->cgroups);
        free(l->machine_id);
        memset(l, 0, sizeof(*l));
}

static json_t *strv_json(char *const *l)
{
        json_t *a = json_array();

        STRV_FOREACH (s, l)
                json_array_append_new(a, json_string(*s));
        return a;
}

json_t *berth_launch_to_json(const struct berth_launch *l)
{
        return json_pack("{s:I, s:s?, s:s?, s:s, s:s?, s:o, s:s, s:o, s:s?, s:b, s:I, s:o, s:b, "
                         "s:I, s:b, s:I, s:s?}",
                         "id", (json_int_t)l->id, "name", l->name, "hostname", l->hostname,
                         "rootfs", l->rootfs, "staging", l->staging, "args", strv_json(l->args),
                         "exec", l->exec_path, "env", strv_json(l->env), "cwd", l->cwd, "systemd",
                         l->systemd, "namespaces", (json_int_t)l->namespaces, "cgroups",
                         strv_json(l->cgroups), "cgroup2_inside", l->cgroup2_inside, "caps",
                         (json_int_t)l->caps, "no_new_privs", l->no_new_privs, "log_max",
                         (json_int_t)l->log_max, "machine_id", l->machine_id);
}

static int strv_from(json_t *a, char ***ret)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        json_t *v;
        size_t i;

        if (!l)
                return -ENOMEM;
        if (!json_is_array(a))
                return -EINVAL;
        json_array_foreach (a, i, v) {
                if (!json_is_string(v))
                        return -EINVAL;
                if (strv_extend(&l, json_string_value(v)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static char *dup_opt(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

int berth_launch_from_json(json_t *j, struct berth_launch *l, struct berth_error *err)
{
        json_int_t id = 0, ns = 0, caps = 0, log_max = 0;
        int systemd = 0, cg2 = 0, nnp = 0;
        json_t *args = NULL, *env = NULL, *cgroups = NULL;
        json_error_t jerr;

        memset(l, 0, sizeof(*l));
        if (json_unpack_ex(j, &jerr, 0, "{s:I, s:o, s:o, s:b, s:I, s:o, s:b, s:I, s:b, s:I}", "id",
                           &id, "args", &args, "env", &env, "systemd", &systemd, "namespaces", &ns,
                           "cgroups", &cgroups, "cgroup2_inside", &cg2, "caps", &caps,
                           "no_new_privs", &nnp, "log_max", &log_max) < 0)
                return berth_error_set(err, EINVAL, "launch spec: %s", jerr.text);
        l->id = (uint64_t)id;
        l->systemd = systemd;
        l->namespaces = (unsigned)ns;
        l->cgroup2_inside = cg2;
        l->caps = (uint64_t)caps;
        l->no_new_privs = nnp;
        l->log_max = (uint64_t)log_max;
        l->name = dup_opt(j, "name");
        l->hostname = dup_opt(j, "hostname");
        l->rootfs = dup_opt(j, "rootfs");
        l->staging = dup_opt(j, "staging");
        l->exec_path = dup_opt(j, "exec");
        l->cwd = dup_opt(j, "cwd");
        l->machine_id = dup_opt(j, "machine_id");
        if (!l->rootfs || !l->exec_path || strv_from(args, &l->args) < 0 ||
            strv_from(env, &l->env) < 0 || strv_from(cgroups, &l->cgroups) < 0 || !l->args[0]) {
                berth_launch_done(l);
                return berth_error_set(err, EINVAL, "launch spec: missing or malformed fields");
        }
        return 0;
}

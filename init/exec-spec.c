/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The exec spec (launch.h) as JSON, and back (launch-spec.h). */
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

/* ---- the exec spec ----------------------------------------------------------------- */

void berth_exec_spec_done(struct berth_exec_spec *s)
{
        strv_free(s->cgroups);
        strv_free(s->args);
        strv_free(s->env);
        free(s->cwd);
        if (s->process) {
                berth_launch_done(s->process);
                free(s->process);
        }
        *s = (struct berth_exec_spec){ .pidfd = -EBADF };
}

json_t *berth_exec_spec_to_json(const struct berth_exec_spec *s)
{
        json_t *j = json_pack("{s:I, s:o, s:o, s:o, s:s?, s:I, s:b}", "namespaces",
                              (json_int_t)s->namespaces, "cgroups", spec_strv_json(s->cgroups),
                              "args", spec_strv_json(s->args), "env", spec_strv_json(s->env), "cwd",
                              s->cwd, "caps", (json_int_t)s->caps, "no_new_privs", s->no_new_privs);

        if (j && s->user_set &&
            (json_object_set_new(j, "uid", json_integer(s->uid)) < 0 ||
             json_object_set_new(j, "gid", json_integer(s->gid)) < 0))
                j = (json_decref(j), NULL);
        if (j && s->process &&
            json_object_set_new(j, "process", berth_launch_process_to_json(s->process)) < 0)
                j = (json_decref(j), NULL);
        return j;
}

static int exec_field(struct berth_exec_spec *s, const char *key, json_t *v,
                      struct berth_error *err)
{
        json_int_t n = 0;

        if (streq(key, "namespaces")) {
                if (spec_get_int(v, key, 0, LAUNCH_NS_NET | LAUNCH_NS_USER | LAUNCH_NS_CGROUP, &n,
                                 err) < 0)
                        return -EINVAL;
                s->namespaces = (unsigned)n;
                return 0;
        }
        if (streq(key, "cgroups"))
                return spec_get_strv(v, key, &s->cgroups, err);
        if (streq(key, "args"))
                return spec_get_strv(v, key, &s->args, err);
        if (streq(key, "env"))
                return spec_get_strv(v, key, &s->env, err);
        if (streq(key, "cwd"))
                return json_is_null(v) ? 0 : spec_get_path(v, key, &s->cwd, err);
        if (streq(key, "uid") || streq(key, "gid")) {
                if (spec_get_int(v, key, 0, UINT32_MAX - 1, &n, err) < 0)
                        return -EINVAL;
                if (key[0] == 'u')
                        s->uid = (uid_t)n;
                else
                        s->gid = (gid_t)n;
                return 0;
        }
        if (streq(key, "caps")) {
                if (spec_get_int(v, key, 0, INT64_MAX, &n, err) < 0)
                        return -EINVAL;
                s->caps = (uint64_t)n;
                return 0;
        }
        if (streq(key, "no_new_privs"))
                return spec_get_bool(v, key, &s->no_new_privs, err);
        if (streq(key, "process")) {
                s->process = calloc(1, sizeof(*s->process));
                if (!s->process)
                        return -ENOMEM;
                return berth_launch_process_from_json(v, s->process, err);
        }
        return SPEC_ERROR(err, "unknown field '%s'", key);
}

int berth_exec_spec_from_json(json_t *j, struct berth_exec_spec *s, struct berth_error *err)
{
        static const char *const required[] = { "namespaces", "cgroups", "args",
                                                "env",        "caps",    "no_new_privs" };
        bool has_uid, has_gid;
        const char *key;
        json_t *v;
        int r = 0;

        *s = (struct berth_exec_spec){ .pidfd = -EBADF };
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "launch spec: not a JSON object");
        json_object_foreach (j, key, v) {
                r = exec_field(s, key, v, err);
                if (r < 0)
                        break;
        }
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(required); i++)
                if (!json_object_get(j, required[i]))
                        r = SPEC_ERROR(err, "'%s' is missing", required[i]);
        has_uid = json_object_get(j, "uid");
        has_gid = json_object_get(j, "gid");
        if (r >= 0 && has_uid != has_gid)
                r = SPEC_ERROR(err, "'%s' and '%s' go together", "uid", "gid");
        if (r >= 0 && !s->args[0])
                r = SPEC_ERROR(err, "'%s' is empty", "args");
        s->user_set = has_uid;
        if (r < 0) {
                berth_exec_spec_done(s);
                return r == -ENOMEM ? berth_error_set(err, ENOMEM, "launch spec: out of memory")
                                    : r;
        }
        return 0;
}

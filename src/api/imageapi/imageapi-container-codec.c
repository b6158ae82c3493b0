/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmdline.h"
#include "container.h"
#include "error.h"
#include "imageapi-codec.h"
#include "jdec.h"
#include "json-util.h"
#include "macro.h"
#include "strv.h"

#define ENV_MAX 256
#define ENV_LEN_MAX 32768
#define ARGS_MAX 1024
#define STOP_TIMEOUT_MAX_S 3600

void imageapi_container_workload(const struct berth_container_spec *s, struct berth_workload *w)
{
        static char *const none[] = { NULL };

        berth_workload_init(w);
        w->args = s->args;
        w->env = s->env ? s->env : (char **)none;
        w->command_line = s->command;
        w->hostname = s->hostname;
        w->systemd = s->systemd;
        w->seccomp = s->systemd ? BERTH_WL_SECCOMP_PRIVILEGED : BERTH_WL_SECCOMP_DEFAULT;
        w->namespaces = s->namespaces;
        w->stop_timeout_ms = s->stop_timeout_ms;
        w->limits = s->limits;
}

static int decode_namespaces(json_t *j, unsigned *ret, struct berth_error *err)
{
        json_t *a = json_object_get(j, "namespaces"), *v;
        unsigned ns = 0;
        size_t i;

        if (!a || json_is_null(a)) {
                *ret = 0;
                return 0;
        }
        if (!json_is_array(a))
                return berth_error_set(err, EINVAL, "namespaces must be an array of strings");
        json_array_foreach (a, i, v) {
                const char *n = json_is_string(v) ? json_string_value(v) : NULL;

                if (!n)
                        return berth_error_set(err, EINVAL, "namespaces[%zu] must be a string", i);
                if (streq(n, "net"))
                        ns |= BERTH_NS_NET;
                else if (streq(n, "user"))
                        ns |= BERTH_NS_USER;
                else if (streq(n, "cgroup"))
                        ns |= BERTH_NS_CGROUP;
                else if (streq(n, "time"))
                        return berth_error_set(err, EINVAL,
                                               "namespaces[%zu]: the time namespace is not "
                                               "supported",
                                               i);
                else if (!streq(n, "mnt") && !streq(n, "pid") && !streq(n, "uts") &&
                         !streq(n, "ipc"))
                        return berth_error_set(err, EINVAL,
                                               "namespaces[%zu] must be one of cgroup, ipc, net, "
                                               "mnt, pid, user, uts",
                                               i);
        }
        *ret = ns;
        return 0;
}

static bool env_entry_valid(const char *e)
{
        size_t k = strcspn(e, "=");

        if (k == 0 || e[k] != '=')
                return false;
        if (!((e[0] >= 'A' && e[0] <= 'Z') || (e[0] >= 'a' && e[0] <= 'z') || e[0] == '_'))
                return false;
        for (size_t i = 1; i < k; i++)
                if (!((e[i] >= 'A' && e[i] <= 'Z') || (e[i] >= 'a' && e[i] <= 'z') ||
                      (e[i] >= '0' && e[i] <= '9') || e[i] == '_'))
                        return false;
        return true;
}

static bool hostname_valid(const char *h)
{
        size_t n = strlen(h);

        return n > 0 && n <= 63 && h[0] != '-' && h[0] != '.' &&
               strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static int decode_limits(json_t *j, struct berth_limits *l, struct berth_error *err)
{
        static const char *const keys[] = { "memory", "pids", "cpu_weight", "cpus", NULL };
        json_t *lim = json_object_get(j, "limits"), *v;
        uint64_t x;
        int r;

        *l = (struct berth_limits){};
        if (!lim || json_is_null(lim))
                return 0;
        r = jdec_object(lim, "limits", keys, err);
        if (r < 0)
                return r;
        if (jdec_u64(lim, "limits", "memory", &l->memory, err) < 0)
                return -EINVAL;
        if (l->memory && l->memory < (1u << 20))
                return berth_error_set(err, EINVAL, "limits.memory must be at least 1048576 bytes");
        if (jdec_u64(lim, "limits", "pids", &l->pids, err) < 0)
                return -EINVAL;
        r = jdec_u64(lim, "limits", "cpu_weight", &x, err);
        if (r < 0)
                return r;
        if (r > 0) {
                if (x < 1 || x > 10000)
                        return berth_error_set(err, EINVAL, "limits.cpu_weight must be 1 to 10000");
                l->cpu_weight = (uint32_t)x;
        }
        v = json_object_get(lim, "cpus");
        if (v && !json_is_null(v)) {
                double cpus = json_number_value(v);
                if (!json_is_number(v) || !(cpus >= 0.01 && cpus <= 1024))
                        return berth_error_set(err, EINVAL,
                                               "limits.cpus must be a number from "
                                               "0.01 to 1024");
                l->cpu_period_us = 100000;
                l->cpu_quota_us = (uint32_t)(cpus * 100000 + 0.5);
        }
        return 0;
}

static int decode_command(json_t *j, struct berth_container_spec *s, struct berth_error *err)
{
        bool has_cmd = jdec_has(j, "command"), has_args = jdec_has(j, "args");
        int r;

        if (has_cmd && has_args)
                return berth_error_set(err, EINVAL, "give command or args, not both");
        if (!has_cmd && !has_args)
                return berth_error_set(err, EINVAL, "command is required (or args)");
        if (has_cmd) {
                r = jdec_string(j, "", "command", true, CMDLINE_LEN_MAX, &s->command, err);
                if (r < 0)
                        return r;
                r = cmdline_split(s->command, &s->args, err);
                return r < 0 ? berth_error_prefix(err, "command") : 0;
        }
        r = jdec_strv(j, "", "args", ARGS_MAX, CMDLINE_LEN_MAX, &s->args, err);
        if (r < 0)
                return r;
        if (strv_length(s->args) == 0 || !s->args[0][0])
                return berth_error_set(err, EINVAL, "args must start with a non-empty program");
        return 0;
}

int imageapi_decode_container(json_t *j, struct berth_container_spec **ret, struct berth_error *err)
{
        static const char *const keys[] = {
                "id",           "name",       "mount",      "command",     "args", "systemd",
                "state",        "namespaces", "logfile",    "refs",        "pid",  "exit_code",
                "signal",       "oom_killed", "started_at", "finished_at", "env",  "hostname",
                "stop_timeout", "limits",     "error",      NULL,
        };
        static const char *const read_only[] = { "id",         "logfile",    "refs",
                                                 "pid",        "exit_code",  "signal",
                                                 "oom_killed", "started_at", "finished_at",
                                                 "error",      NULL };
        _cleanup_(berth_container_spec_freep) struct berth_container_spec *s = NULL;
        uint64_t timeout;
        int r;

        r = jdec_object(j, "", keys, err);
        for (const char *const *k = read_only; r >= 0 && *k; k++)
                r = jdec_readonly(j, "", *k, err);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->stop_timeout_ms = BERTH_STOP_TIMEOUT_DEFAULT_MS;

        if (jdec_has(j, "name") && json_is_string(json_object_get(j, "name")) &&
            json_string_length(json_object_get(j, "name")) == 0)
                ; /* "" means no name, as in the Go server */
        else {
                r = jdec_string(j, "", "name", false, BERTH_NAME_MAX, &s->name, err);
                if (r < 0)
                        return r;
                if (s->name && !berth_name_is_valid(s->name))
                        return berth_error_set(err, EINVAL,
                                               "name '%s' must match ^[A-Za-z0-9._-]+$", s->name);
        }
        if (!jdec_has(j, "mount"))
                return berth_error_set(err, EINVAL, "mount is required");
        /* depth 1: the container's mount may be a reference ({"id":1,"kind":"overlay"}). */
        r = imageapi_decode_mount(json_object_get(j, "mount"), "mount", 1, 0, &s->mount, err);
        if (r < 0)
                return r;
        r = decode_command(j, s, err);
        if (r < 0)
                return r;
        if (jdec_bool(j, "", "systemd", &s->systemd, err) < 0)
                return -EINVAL;
        {
                static const char *const states[] = { "created", "running" };
                int st = jdec_enum(j, "", "state", states, ELEMENTSOF(states), false, err);
                if (st == -EINVAL)
                        return berth_error_set(err, EINVAL,
                                               "state must be created or running when creating "
                                               "a container");
                s->state = st == 1 ? BERTH_CONTAINER_RUNNING : BERTH_CONTAINER_CREATED;
        }
        r = decode_namespaces(j, &s->namespaces, err);
        if (r < 0)
                return r;
        r = jdec_strv(j, "", "env", ENV_MAX, ENV_LEN_MAX, &s->env, err);
        if (r < 0)
                return r;
        for (size_t i = 0; s->env && s->env[i]; i++)
                if (!env_entry_valid(s->env[i]))
                        return berth_error_set(err, EINVAL,
                                               "env[%zu] must be NAME=value with NAME matching "
                                               "[A-Za-z_][A-Za-z0-9_]*",
                                               i);
        r = jdec_string(j, "", "hostname", false, 63, &s->hostname, err);
        if (r < 0)
                return r;
        if (s->hostname && !hostname_valid(s->hostname))
                return berth_error_set(err, EINVAL, "hostname '%s' is not a valid host name",
                                       s->hostname);
        r = jdec_u64(j, "", "stop_timeout", &timeout, err);
        if (r < 0)
                return r;
        if (r > 0) {
                if (timeout > STOP_TIMEOUT_MAX_S)
                        return berth_error_set(err, EINVAL, "stop_timeout must be 0 to %d seconds",
                                               STOP_TIMEOUT_MAX_S);
                s->stop_timeout_ms = timeout * 1000;
        }
        r = decode_limits(j, &s->limits, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

/* ---- encoding --------------------------------------------------------------------- */

static json_t *timestamp(const struct timespec *ts)
{
        char buf[64];
        struct tm tm;

        if (ts->tv_sec == 0)
                return json_null();
        (void)gmtime_r(&ts->tv_sec, &tm);
        (void)snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       ts->tv_nsec / 1000000);
        return json_string(buf);
}

json_t *imageapi_encode_container(const struct berth_container *c)
{
        const struct berth_workload *w = &c->w;
        json_t *j, *ns, *limits;

        ns = json_pack("[s,s,s,s]", "ipc", "mnt", "pid", "uts");
        if (ns && ((w->namespaces & BERTH_NS_CGROUP) || w->systemd))
                json_array_insert_new(ns, 0, json_string("cgroup"));
        if (ns && (w->namespaces & BERTH_NS_NET))
                json_array_append_new(ns, json_string("net"));
        if (ns && (w->namespaces & BERTH_NS_USER))
                json_array_append_new(ns, json_string("user"));
        limits = json_object();
        if (limits && w->limits.memory)
                json_object_set_new(limits, "memory", json_integer((json_int_t)w->limits.memory));
        if (limits && w->limits.pids)
                json_object_set_new(limits, "pids", json_integer((json_int_t)w->limits.pids));
        if (limits && w->limits.cpu_weight)
                json_object_set_new(limits, "cpu_weight", json_integer(w->limits.cpu_weight));
        if (limits && w->limits.cpu_quota_us)
                json_object_set_new(limits, "cpus",
                                    json_real((double)w->limits.cpu_quota_us /
                                              (double)(w->limits.cpu_period_us ?: 100000)));

        j = json_pack("{s:I, s:s?, s:o, s:s?, s:o, s:b, s:s, s:o, s:s?, s:I, s:o, s:o, s:o, s:b, "
                      "s:o, s:o, s:o, s:s, s:I, s:o}",
                      "id", (json_int_t)c->obj.id, "name", c->name, "mount",
                      c->mount ? imageapi_encode_mount(c->mount, 0) : json_null(), "command",
                      w->command_line, "args", berth_strv_to_json(w->args), "systemd", w->systemd,
                      "state", berth_container_state_to_string(c->state), "namespaces", ns,
                      "logfile", c->logfile, "refs", (json_int_t)berth_obj_refs(&c->obj), "pid",
                      c->pid > 0 ? json_integer(c->pid) : json_null(), "exit_code",
                      c->exit_code >= 0 ? json_integer(c->exit_code) : json_null(), "signal",
                      c->signal > 0 ? json_integer(c->signal) : json_null(), "oom_killed",
                      c->oom_killed, "started_at", timestamp(&c->started_at), "finished_at",
                      timestamp(&c->finished_at), "env", berth_strv_to_json(w->env), "hostname",
                      w->hostname ? w->hostname
                      : c->name   ? c->name
                                  : "berth",
                      "stop_timeout", (json_int_t)(w->stop_timeout_ms / 1000), "limits", limits);
        if (j && c->error)
                json_object_set_new(j, "error", json_string(c->error));
        /* A container of another door whose root is not a berth mount: a host directory
         * (an OCI bundle's) or an image (the docker engine's). */
        if (j && !c->mount && w->root_path)
                json_object_set_new(j, "root_path", json_string(w->root_path));
        if (j && !c->mount && w->image)
                json_object_set_new(j, "image", json_string(w->image));
        return j;
}

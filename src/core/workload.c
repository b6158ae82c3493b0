/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json-util.h"
#include "macro.h"
#include "strv.h"
#include "workload.h"

static const char *const restart_names[_BERTH_RESTART_MAX] = {
        [BERTH_RESTART_NO] = "no",
        [BERTH_RESTART_ALWAYS] = "always",
        [BERTH_RESTART_UNLESS_STOPPED] = "unless-stopped",
        [BERTH_RESTART_ON_FAILURE] = "on-failure",
};

const char *berth_restart_to_string(enum berth_restart r)
{
        return r >= 0 && r < _BERTH_RESTART_MAX ? restart_names[r] : NULL;
}

enum berth_restart berth_restart_from_string(const char *s)
{
        for (int i = 0; s && i < _BERTH_RESTART_MAX; i++)
                if (streq(s, restart_names[i]))
                        return (enum berth_restart)i;
        return _BERTH_RESTART_INVALID;
}

void berth_workload_init(struct berth_workload *w)
{
        *w = (struct berth_workload){
                .umask = -1,
                .stop_timeout_ms = BERTH_STOP_TIMEOUT_DEFAULT_MS,
        };
}

static void wl_mount_done(struct berth_wl_mount *m)
{
        free(m->source);
        free(m->destination);
}

void berth_workload_done(struct berth_workload *w)
{
        strv_free(w->args);
        strv_free(w->env);
        free(w->cwd);
        free(w->command_line);
        free(w->gids);
        free(w->hostname);
        free(w->root_path);
        free(w->image);
        for (size_t i = 0; i < w->n_mounts; i++)
                wl_mount_done(&w->mounts[i]);
        free(w->mounts);
        for (size_t i = 0; i < w->n_rlimits; i++)
                free(w->rlimits[i].type);
        free(w->rlimits);
        strv_free(w->labels);
        strv_free(w->masked_paths);
        strv_free(w->readonly_paths);
        free(w->uid_map);
        free(w->gid_map);
        free(w->log_path);
        free(w->nat_addr);
        strv_free(w->sysctls);
        free(w->cgroups_path);
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                free(w->ns_join[i]);
        strv_free(w->entrypoint);
        free(w->user_name);
        free(w->network_mode);
        free(w->network);
        strv_free(w->network_aliases);
        for (size_t i = 0; i < w->n_ports; i++) {
                free(w->ports[i].host_ip);
                free(w->ports[i].proto);
        }
        free(w->ports);
        if (w->health)
                strv_free(w->health->test);
        free(w->health);
        strv_free(w->devices);
        json_decref(w->seccomp_rules);
        berth_workload_init(w);
}

/* NULL stays NULL; else a copy, or -ENOMEM. */
static int dup_str(char **dst, const char *src)
{
        *dst = strdup_or_null(src);
        return src && !*dst ? -ENOMEM : 0;
}

static int dup_strv(char ***dst, char *const *src)
{
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strv_copy(src);
        return *dst ? 0 : -ENOMEM;
}

int berth_workload_copy(struct berth_workload *dst, const struct berth_workload *src)
{
        int r = 0;

        *dst = *src;
        dst->gids = NULL;
        dst->mounts = NULL;
        dst->rlimits = NULL;
        dst->n_mounts = dst->n_rlimits = dst->n_ports = 0;
        dst->ports = NULL;
        dst->health = NULL;
        dst->seccomp_rules = NULL;
        if (src->seccomp_rules && !(dst->seccomp_rules = json_deep_copy(src->seccomp_rules)))
                r = -ENOMEM;
        r |= dup_strv(&dst->args, src->args);
        r |= dup_strv(&dst->env, src->env);
        r |= dup_strv(&dst->labels, src->labels);
        r |= dup_str(&dst->cwd, src->cwd);
        r |= dup_str(&dst->command_line, src->command_line);
        r |= dup_str(&dst->hostname, src->hostname);
        r |= dup_str(&dst->root_path, src->root_path);
        r |= dup_str(&dst->image, src->image);
        r |= dup_strv(&dst->entrypoint, src->entrypoint);
        r |= dup_str(&dst->user_name, src->user_name);
        r |= dup_str(&dst->network_mode, src->network_mode);
        r |= dup_str(&dst->network, src->network);
        r |= dup_strv(&dst->network_aliases, src->network_aliases);
        r |= dup_strv(&dst->devices, src->devices);
        r |= dup_strv(&dst->masked_paths, src->masked_paths);
        r |= dup_strv(&dst->readonly_paths, src->readonly_paths);
        r |= dup_str(&dst->log_path, src->log_path);
        r |= dup_str(&dst->nat_addr, src->nat_addr);
        r |= dup_strv(&dst->sysctls, src->sysctls);
        r |= dup_str(&dst->cgroups_path, src->cgroups_path);
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                r |= dup_str(&dst->ns_join[i], src->ns_join[i]);
        dst->uid_map = dst->gid_map = NULL;
        dst->n_uid_map = dst->n_gid_map = 0;
        if (src->n_uid_map) {
                dst->uid_map = calloc(src->n_uid_map, sizeof(*dst->uid_map));
                if (dst->uid_map) {
                        memcpy(dst->uid_map, src->uid_map, src->n_uid_map * sizeof(*dst->uid_map));
                        dst->n_uid_map = src->n_uid_map;
                } else
                        r = -ENOMEM;
        }
        if (src->n_gid_map) {
                dst->gid_map = calloc(src->n_gid_map, sizeof(*dst->gid_map));
                if (dst->gid_map) {
                        memcpy(dst->gid_map, src->gid_map, src->n_gid_map * sizeof(*dst->gid_map));
                        dst->n_gid_map = src->n_gid_map;
                } else
                        r = -ENOMEM;
        }
        if (src->n_ports && !(dst->ports = calloc(src->n_ports, sizeof(*dst->ports))))
                r = -ENOMEM;
        for (size_t i = 0; dst->ports && i < src->n_ports; i++) {
                struct berth_wl_port *d = &dst->ports[dst->n_ports++];
                *d = src->ports[i];
                r |= dup_str(&d->host_ip, src->ports[i].host_ip);
                r |= dup_str(&d->proto, src->ports[i].proto);
        }
        if (src->health) {
                dst->health = calloc(1, sizeof(*dst->health));
                if (dst->health) {
                        *dst->health = *src->health;
                        r |= dup_strv(&dst->health->test, src->health->test);
                } else
                        r = -ENOMEM;
        }
        if (src->n_gids) {
                dst->gids = calloc(src->n_gids, sizeof(gid_t));
                if (dst->gids)
                        memcpy(dst->gids, src->gids, src->n_gids * sizeof(gid_t));
                else
                        r = -ENOMEM;
        }
        if (src->n_mounts && !(dst->mounts = calloc(src->n_mounts, sizeof(*dst->mounts))))
                r = -ENOMEM;
        for (size_t i = 0; dst->mounts && i < src->n_mounts; i++) {
                const struct berth_wl_mount *m = &src->mounts[i];
                struct berth_wl_mount *d = &dst->mounts[dst->n_mounts++];
                *d = *m;
                r |= dup_str(&d->source, m->source);
                r |= dup_str(&d->destination, m->destination);
        }
        if (src->n_rlimits && !(dst->rlimits = calloc(src->n_rlimits, sizeof(*dst->rlimits))))
                r = -ENOMEM;
        for (size_t i = 0; dst->rlimits && i < src->n_rlimits; i++) {
                dst->rlimits[dst->n_rlimits] = src->rlimits[i];
                r |= dup_str(&dst->rlimits[dst->n_rlimits++].type, src->rlimits[i].type);
        }
        if (r < 0) {
                berth_workload_done(dst);
                return -ENOMEM;
        }
        return 0;
}

int berth_workload_stop_signal(const struct berth_workload *w)
{
        /* systemd stops on SIGRTMIN+3 and ignores SIGTERM. */
        if (w->stop_signal > 0)
                return w->stop_signal;
        return w->systemd ? SIGRTMIN + 3 : SIGTERM;
}

/* ---- records ------------------------------------------------------------------------- */

static const char *const wl_mount_kinds[_BERTH_WL_MOUNT_KIND_MAX] = {
        [BERTH_WL_BIND] = "bind",
        [BERTH_WL_TMPFS] = "tmpfs",
};

static json_t *mounts_to_json(const struct berth_workload *w)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < w->n_mounts; i++) {
                const struct berth_wl_mount *m = &w->mounts[i];
                json_array_append_new(
                        a, json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I}", "kind",
                                     wl_mount_kinds[m->kind], "source", m->source, "destination",
                                     m->destination, "flags", (json_int_t)m->flags, "propagation",
                                     (json_int_t)m->propagation, "size", (json_int_t)m->size,
                                     "mode", (json_int_t)m->mode));
        }
        return a;
}

static json_t *rlimits_to_json(const struct berth_workload *w)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < w->n_rlimits; i++)
                json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "type", w->rlimits[i].type,
                                                   "soft", (json_int_t)w->rlimits[i].soft, "hard",
                                                   (json_int_t)w->rlimits[i].hard));
        return a;
}

static json_t *gids_to_json(const struct berth_workload *w)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < w->n_gids; i++)
                json_array_append_new(a, json_integer((json_int_t)w->gids[i]));
        return a;
}

static json_t *ports_to_json(const struct berth_workload *w)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < w->n_ports; i++) {
                const struct berth_wl_port *p = &w->ports[i];
                json_array_append_new(
                        a, json_pack("{s:s?, s:i, s:i, s:i, s:i, s:s?}", "host_ip", p->host_ip,
                                     "host_port", p->host_port, "host_port_end", p->host_port_end,
                                     "port", p->port, "port_end", p->port_end, "proto", p->proto));
        }
        return a;
}

/* What only engines that run images read; omitted when none of it is set, so records
 * of other workloads stay as they were. */
static json_t *image_opts_to_json(const struct berth_workload *w)
{
        json_t *o;

        if (!w->entrypoint && !w->user_name && !w->network_mode && !w->network &&
            !w->network_aliases && !w->n_ports && !w->health && !w->privileged && !w->devices)
                return NULL;
        o = json_pack("{s:o, s:s?, s:s?, s:s?, s:o, s:o, s:b, s:o}", "entrypoint",
                      berth_strv_to_json(w->entrypoint), "user_name", w->user_name, "network_mode",
                      w->network_mode, "network", w->network, "network_aliases",
                      berth_strv_to_json(w->network_aliases), "ports", ports_to_json(w),
                      "privileged", w->privileged, "devices", berth_strv_to_json(w->devices));
        if (o && w->health)
                json_object_set_new(o, "health",
                                    json_pack("{s:o, s:I, s:I, s:I, s:i}", "test",
                                              berth_strv_to_json(w->health->test), "interval_ns",
                                              (json_int_t)w->health->interval_ns, "timeout_ns",
                                              (json_int_t)w->health->timeout_ns, "start_period_ns",
                                              (json_int_t)w->health->start_period_ns, "retries",
                                              (int)w->health->retries));
        return o;
}

static json_t *idmap_to_json(const struct berth_wl_idmap *m, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_pack("[I, I, I]", (json_int_t)m[i].inside,
                                                       (json_int_t)m[i].outside,
                                                       (json_int_t)m[i].count)) < 0)
                        return json_decref(a), NULL;
        return a;
}

static int idmap_from_json(json_t *a, struct berth_wl_idmap **ret, size_t *ret_n)
{
        json_t *v;
        size_t i;

        if (json_array_size(a) == 0)
                return 0;
        *ret = calloc(json_array_size(a), sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        json_array_foreach (a, i, v)
                (*ret)[(*ret_n)++] = (struct berth_wl_idmap){
                        .inside = (uint32_t)json_integer_value(json_array_get(v, 0)),
                        .outside = (uint32_t)json_integer_value(json_array_get(v, 1)),
                        .count = (uint32_t)json_integer_value(json_array_get(v, 2)),
                };
        return 0;
}

static const char *const join_names[_BERTH_WL_JOIN_MAX] = {
        [BERTH_WL_JOIN_NET] = "net",
        [BERTH_WL_JOIN_IPC] = "ipc",
        [BERTH_WL_JOIN_UTS] = "uts",
};

/* The kernel's side of an OCI bundle: sysctls and namespaces joined. */
static json_t *kernel_opts_to_json(const struct berth_workload *w)
{
        json_t *j = json_object(), *join = json_object();

        if (!j || !join ||
            (w->sysctls && json_object_set_new(j, "sysctls", berth_strv_to_json(w->sysctls)) < 0))
                goto fail;
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                if (w->ns_join[i] &&
                    json_object_set_new(join, join_names[i], json_string(w->ns_join[i])) < 0)
                        goto fail;
        if ((w->limits.memory_swap &&
             json_object_set_new(j, "memory_swap", json_integer(w->limits.memory_swap)) < 0) ||
            (w->rt_priority &&
             (json_object_set_new(j, "rt_priority", json_integer(w->rt_priority)) < 0 ||
              json_object_set_new(j, "rt_runtime_us", json_integer(w->limits.rt_runtime_us)) <
                      0)) ||
            json_object_set_new(j, "ns_join", join) < 0 ||
            (w->cgroups_path &&
             json_object_set_new(j, "cgroups_path", json_string(w->cgroups_path)) < 0))
                return json_decref(j), NULL;
        return j;
fail:
        json_decref(join);
        json_decref(j);
        return NULL;
}

static int kernel_opts_from_json(json_t *o, struct berth_workload *w)
{
        json_t *join = json_object_get(o, "ns_join");
        const char *cg = json_string_value(json_object_get(o, "cgroups_path"));

        if (json_array_size(json_object_get(o, "sysctls")) > 0 &&
            berth_strv_from_json(json_object_get(o, "sysctls"), &w->sysctls) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++) {
                const char *p = json_string_value(json_object_get(join, join_names[i]));

                if (p && !(w->ns_join[i] = strdup(p)))
                        return -ENOMEM;
        }
        if (cg && !(w->cgroups_path = strdup(cg)))
                return -ENOMEM;
        w->rt_priority = (int)json_integer_value(json_object_get(o, "rt_priority"));
        w->limits.rt_runtime_us = (uint32_t)json_integer_value(json_object_get(o, "rt_runtime_us"));
        w->limits.memory_swap = (int64_t)json_integer_value(json_object_get(o, "memory_swap"));
        return 0;
}

static bool has_kernel_opts(const struct berth_workload *w)
{
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                if (w->ns_join[i])
                        return true;
        return w->sysctls || w->cgroups_path || w->rt_priority || w->limits.memory_swap;
}

bool berth_wl_cgroups_path_valid(const char *p)
{
        size_t comp = 0, n = 0, first = 0;
        bool digits = true, in_first = true;

        if (!p || !*p || strlen(p) > 128)
                return false;
        for (const char *c = p;; c++) {
                if (*c == '/' || *c == 0) {
                        if (comp == 0)
                                return false;
                        if (in_first) {
                                first = comp;
                                in_first = false;
                        }
                        if (++n > 4)
                                return false;
                        if (*c == 0)
                                break;
                        comp = 0;
                        continue;
                }
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.') ||
                    (comp == 0 && *c == '.'))
                        return false;
                if (in_first && !(*c >= '0' && *c <= '9') && !(comp == 0 && *c == 'z'))
                        digits = false;
                comp++;
        }
        /* "123" and "z7" are berth's: a container's id, a zygote's. */
        return !(digits && !(first == 1 && p[0] == 'z'));
}

static json_t *oci_opts_to_json(const struct berth_workload *w)
{
        if (!w->terminal && !w->root_writable && !w->masked_paths && !w->readonly_paths &&
            !w->cgroup_mount && !w->n_uid_map && !w->n_gid_map && !w->log_path && !w->nat_addr &&
            !has_kernel_opts(w))
                return NULL;
        return json_pack("{s:b, s:b, s:o, s:o, s:b, s:o, s:o, s:s?, s:s?, s:o}", "terminal",
                         w->terminal, "root_writable", w->root_writable, "masked_paths",
                         berth_strv_to_json(w->masked_paths), "readonly_paths",
                         berth_strv_to_json(w->readonly_paths), "cgroup_mount", w->cgroup_mount,
                         "uid_map", idmap_to_json(w->uid_map, w->n_uid_map), "gid_map",
                         idmap_to_json(w->gid_map, w->n_gid_map), "log_path", w->log_path,
                         "nat_addr", w->nat_addr, "kernel", kernel_opts_to_json(w));
}

static int oci_opts_from_json(json_t *o, struct berth_workload *w)
{
        int r = 0;

        if (!json_is_object(o))
                return 0;
        w->terminal = json_is_true(json_object_get(o, "terminal"));
        w->root_writable = json_is_true(json_object_get(o, "root_writable"));
        w->cgroup_mount = json_is_true(json_object_get(o, "cgroup_mount"));
        if (json_array_size(json_object_get(o, "masked_paths")) > 0 &&
            berth_strv_from_json(json_object_get(o, "masked_paths"), &w->masked_paths) < 0)
                r = -ENOMEM;
        if (json_array_size(json_object_get(o, "readonly_paths")) > 0 &&
            berth_strv_from_json(json_object_get(o, "readonly_paths"), &w->readonly_paths) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = idmap_from_json(json_object_get(o, "uid_map"), &w->uid_map, &w->n_uid_map);
        if (r >= 0)
                r = idmap_from_json(json_object_get(o, "gid_map"), &w->gid_map, &w->n_gid_map);
        if (r >= 0 && json_string_value(json_object_get(o, "log_path")) &&
            !(w->log_path = strdup(json_string_value(json_object_get(o, "log_path")))))
                r = -ENOMEM;
        if (r >= 0 && json_string_value(json_object_get(o, "nat_addr")) &&
            !(w->nat_addr = strdup(json_string_value(json_object_get(o, "nat_addr")))))
                r = -ENOMEM;
        if (r >= 0)
                r = kernel_opts_from_json(json_object_get(o, "kernel"), w);
        return r;
}

static json_t *workload_json_base(const struct berth_workload *w);

/* limits.devices: [[major, minor, access], ...], only when there are some. */
static int devices_to_json(const struct berth_limits *l, json_t *limits)
{
        json_t *a;

        if (l->n_devices == 0)
                return 0;
        a = json_array();
        for (unsigned i = 0; a && i < l->n_devices && i < BERTH_DEVICES_MAX; i++)
                if (json_array_append_new(a, json_pack("[I, I, I]", (json_int_t)l->devices[i].major,
                                                       (json_int_t)l->devices[i].minor,
                                                       (json_int_t)l->devices[i].access)) < 0) {
                        json_decref(a);
                        return -ENOMEM;
                }
        return json_object_set_new(limits, "devices", a) < 0 ? -ENOMEM : 0;
}

static void devices_from_json(json_t *a, struct berth_limits *l)
{
        json_t *v;
        size_t i;

        json_array_foreach (a, i, v) {
                if (i >= BERTH_DEVICES_MAX || json_array_size(v) != 3)
                        break;
                l->devices[l->n_devices++] = (struct berth_device){
                        .major = (uint32_t)json_integer_value(json_array_get(v, 0)),
                        .minor = (uint32_t)json_integer_value(json_array_get(v, 1)),
                        .access = (unsigned)json_integer_value(json_array_get(v, 2)) &
                                  (BERTH_DEVICE_READ | BERTH_DEVICE_WRITE),
                };
        }
}

json_t *berth_workload_to_json(const struct berth_workload *w)
{
        json_t *j = workload_json_base(w), *o;

        if (j && devices_to_json(&w->limits, json_object_get(j, "limits")) < 0)
                return json_decref(j), NULL;
        if (j && (o = image_opts_to_json(w)))
                json_object_set_new(j, "image_opts", o);
        if (j && (o = oci_opts_to_json(w)))
                json_object_set_new(j, "oci_opts", o);
        /* Only when set: records of other workloads stay as they were. */
        if (j && w->seccomp_rules)
                json_object_set_new(j, "seccomp_rules", json_deep_copy(w->seccomp_rules));
        return j;
}

static json_t *workload_json_base(const struct berth_workload *w)
{
        const struct berth_limits *l = &w->limits;

        return json_pack(
                "{s:o, s:o, s:s?, s:s?, s:b, s:I, s:I, s:o, s:s?, s:s?, s:s?, s:o, s:I, s:b, "
                "s:{s:I, s:I, s:I, s:I, s:I, s:s, s:s}, s:b, s:I, s:b, s:{s:I, s:I, s:I, s:I}, "
                "s:b, "
                "s:b, "
                "s:i, s:o, s:i, s:b, s:i, s:i, s:I, "
                "s:s, s:I, s:I, s:o}",
                "args", berth_strv_to_json(w->args), "env", berth_strv_to_json(w->env), "cwd",
                w->cwd, "command_line", w->command_line, "user_set", w->user_set, "uid",
                (json_int_t)w->uid, "gid", (json_int_t)w->gid, "gids", gids_to_json(w), "hostname",
                w->hostname, "root_path", w->root_path, "image", w->image, "mounts",
                mounts_to_json(w), "namespaces", (json_int_t)w->namespaces, "systemd", w->systemd,
                "limits", "memory", (json_int_t)l->memory, "pids", (json_int_t)l->pids,
                "cpu_weight", (json_int_t)l->cpu_weight, "cpu_quota_us",
                (json_int_t)l->cpu_quota_us, "cpu_period_us", (json_int_t)l->cpu_period_us, "cpus",
                l->cpus, "mems", l->mems, "caps_set", w->caps_set, "caps", (json_int_t)w->caps,
                "cap_sets", w->cap_sets, "cap_sets_v", "effective", (json_int_t)w->cap_effective,
                "permitted", (json_int_t)w->cap_permitted, "inheritable",
                (json_int_t)w->cap_inheritable, "ambient", (json_int_t)w->cap_ambient,
                "no_new_privs_set", w->no_new_privs_set, "no_new_privs", w->no_new_privs, "seccomp",
                (int)w->seccomp, "rlimits", rlimits_to_json(w), "umask", w->umask,
                "oom_score_adj_set", w->oom_score_adj_set, "oom_score_adj", w->oom_score_adj,
                "stop_signal", w->stop_signal, "stop_timeout_ms", (json_int_t)w->stop_timeout_ms,
                "restart", berth_restart_to_string(w->restart), "restart_max",
                (json_int_t)w->restart_max, "log_max", (json_int_t)w->log_max, "labels",
                berth_strv_to_json(w->labels));
}

static char *jstrdup(json_t *j, const char *key, int *r)
{
        const char *v = json_string_value(json_object_get(j, key));
        char *s = v ? strdup(v) : NULL;

        if (v && !s)
                *r = -ENOMEM;
        return s;
}

static uint64_t juint(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        return json_is_integer(v) && json_integer_value(v) >= 0 ? (uint64_t)json_integer_value(v)
                                                                : 0;
}

/* A string of the record's limits into buf; one that does not fit is none (a cut list
 * would name other cpus). */
static void limits_str(json_t *j, const char *key, char *buf, size_t size)
{
        const char *v = json_string_value(json_object_get(j, key));

        buf[0] = 0;
        if (v && strlen(v) < size)
                memcpy(buf, v, strlen(v) + 1);
}

static char **jstrv(json_t *j, const char *key, int *r)
{
        char **l = NULL;

        if (json_object_get(j, key) && berth_strv_from_json(json_object_get(j, key), &l) < 0)
                *r = -ENOMEM;
        return l;
}

static int mounts_from_json(json_t *a, struct berth_workload *w)
{
        json_t *v;
        size_t i;
        int r = 0;

        if (json_array_size(a) == 0)
                return 0;
        w->mounts = calloc(json_array_size(a), sizeof(*w->mounts));
        if (!w->mounts)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                struct berth_wl_mount *m = &w->mounts[w->n_mounts++];
                const char *kind = json_string_value(json_object_get(v, "kind"));

                m->kind = kind && streq(kind, "tmpfs") ? BERTH_WL_TMPFS : BERTH_WL_BIND;
                m->source = jstrdup(v, "source", &r);
                m->destination = jstrdup(v, "destination", &r);
                m->propagation = (unsigned long)juint(v, "propagation");
                m->flags = (unsigned)juint(v, "flags");
                m->size = juint(v, "size");
                m->mode = (uint32_t)juint(v, "mode");
                if (!m->destination && r >= 0)
                        r = -EINVAL;
        }
        return r;
}

static int rlimits_from_json(json_t *a, struct berth_workload *w)
{
        json_t *v;
        size_t i;
        int r = 0;

        if (json_array_size(a) == 0)
                return 0;
        w->rlimits = calloc(json_array_size(a), sizeof(*w->rlimits));
        if (!w->rlimits)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                struct berth_wl_rlimit *l = &w->rlimits[w->n_rlimits++];
                l->type = jstrdup(v, "type", &r);
                l->soft = juint(v, "soft");
                l->hard = juint(v, "hard");
                if (!l->type && r >= 0)
                        r = -EINVAL;
        }
        return r;
}

static int image_opts_from_json(json_t *o, struct berth_workload *w)
{
        json_t *a = json_object_get(o, "ports"), *h = json_object_get(o, "health"), *v;
        size_t i;
        int r = 0;

        if (!json_is_object(o))
                return 0;
        w->entrypoint = jstrv(o, "entrypoint", &r);
        w->user_name = jstrdup(o, "user_name", &r);
        w->network_mode = jstrdup(o, "network_mode", &r);
        w->network = jstrdup(o, "network", &r);
        w->network_aliases = jstrv(o, "network_aliases", &r);
        w->devices = jstrv(o, "devices", &r);
        w->privileged = json_is_true(json_object_get(o, "privileged"));
        if (json_array_size(a) > 0 && r >= 0) {
                w->ports = calloc(json_array_size(a), sizeof(*w->ports));
                if (!w->ports)
                        return -ENOMEM;
                json_array_foreach (a, i, v) {
                        struct berth_wl_port *p = &w->ports[w->n_ports++];
                        p->host_ip = jstrdup(v, "host_ip", &r);
                        p->proto = jstrdup(v, "proto", &r);
                        p->host_port = (uint16_t)juint(v, "host_port");
                        p->host_port_end = (uint16_t)juint(v, "host_port_end");
                        p->port = (uint16_t)juint(v, "port");
                        p->port_end = (uint16_t)juint(v, "port_end");
                }
        }
        if (json_is_object(h) && r >= 0) {
                w->health = calloc(1, sizeof(*w->health));
                if (!w->health)
                        return -ENOMEM;
                w->health->test = jstrv(h, "test", &r);
                w->health->interval_ns = juint(h, "interval_ns");
                w->health->timeout_ns = juint(h, "timeout_ns");
                w->health->start_period_ns = juint(h, "start_period_ns");
                w->health->retries = (unsigned)juint(h, "retries");
        }
        return r;
}

int berth_workload_from_json(json_t *j, struct berth_workload *w, struct berth_error *err)
{
        json_t *lim = json_object_get(j, "limits"), *gids = json_object_get(j, "gids"), *v;
        size_t i;
        int r = 0;

        berth_workload_init(w);
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "workload: not an object");
        w->args = jstrv(j, "args", &r);
        w->env = jstrv(j, "env", &r);
        w->labels = jstrv(j, "labels", &r);
        w->cwd = jstrdup(j, "cwd", &r);
        w->command_line = jstrdup(j, "command_line", &r);
        w->hostname = jstrdup(j, "hostname", &r);
        w->root_path = jstrdup(j, "root_path", &r);
        w->image = jstrdup(j, "image", &r);
        w->user_set = json_is_true(json_object_get(j, "user_set"));
        w->uid = (uid_t)juint(j, "uid");
        w->gid = (gid_t)juint(j, "gid");
        if (json_array_size(gids) > 0 && r >= 0) {
                w->gids = calloc(json_array_size(gids), sizeof(gid_t));
                if (!w->gids)
                        r = -ENOMEM;
                json_array_foreach (gids, i, v)
                        if (w->gids)
                                w->gids[w->n_gids++] = (gid_t)json_integer_value(v);
        }
        if (r >= 0)
                r = mounts_from_json(json_object_get(j, "mounts"), w);
        if (r >= 0)
                r = rlimits_from_json(json_object_get(j, "rlimits"), w);
        w->namespaces = (unsigned)juint(j, "namespaces");
        w->systemd = json_is_true(json_object_get(j, "systemd"));
        w->limits = (struct berth_limits){
                .memory = juint(lim, "memory"),
                .pids = juint(lim, "pids"),
                .cpu_weight = (uint32_t)juint(lim, "cpu_weight"),
                .cpu_quota_us = (uint32_t)juint(lim, "cpu_quota_us"),
                .cpu_period_us = (uint32_t)juint(lim, "cpu_period_us"),
        };
        limits_str(lim, "cpus", w->limits.cpus, sizeof(w->limits.cpus));
        limits_str(lim, "mems", w->limits.mems, sizeof(w->limits.mems));
        devices_from_json(json_object_get(lim, "devices"), &w->limits);
        w->caps_set = json_is_true(json_object_get(j, "caps_set"));
        w->caps = juint(j, "caps");
        w->cap_sets = json_is_true(json_object_get(j, "cap_sets"));
        {
                json_t *cs = json_object_get(j, "cap_sets_v");
                w->cap_effective = juint(cs, "effective");
                w->cap_permitted = juint(cs, "permitted");
                w->cap_inheritable = juint(cs, "inheritable");
                w->cap_ambient = juint(cs, "ambient");
        }
        w->no_new_privs_set = json_is_true(json_object_get(j, "no_new_privs_set"));
        w->no_new_privs = json_is_true(json_object_get(j, "no_new_privs"));
        w->seccomp = juint(j, "seccomp") == BERTH_WL_SECCOMP_PRIVILEGED
                             ? BERTH_WL_SECCOMP_PRIVILEGED
                             : BERTH_WL_SECCOMP_DEFAULT;
        w->umask = json_is_integer(json_object_get(j, "umask"))
                           ? (int)json_integer_value(json_object_get(j, "umask"))
                           : -1;
        w->oom_score_adj_set = json_is_true(json_object_get(j, "oom_score_adj_set"));
        w->oom_score_adj = (int)json_integer_value(json_object_get(j, "oom_score_adj"));
        w->stop_signal = (int)json_integer_value(json_object_get(j, "stop_signal"));
        if (json_object_get(j, "stop_timeout_ms"))
                w->stop_timeout_ms = juint(j, "stop_timeout_ms");
        w->restart = berth_restart_from_string(json_string_value(json_object_get(j, "restart")));
        if (w->restart < 0)
                w->restart = BERTH_RESTART_NO;
        w->restart_max = (unsigned)juint(j, "restart_max");
        w->log_max = juint(j, "log_max");
        if (r >= 0)
                r = image_opts_from_json(json_object_get(j, "image_opts"), w);
        if (r >= 0)
                r = oci_opts_from_json(json_object_get(j, "oci_opts"), w);
        /* Checked again when it is compiled, at each start. */
        if (r >= 0 && json_is_object(json_object_get(j, "seccomp_rules")) &&
            !(w->seccomp_rules = json_deep_copy(json_object_get(j, "seccomp_rules"))))
                r = -ENOMEM;
        /* An image brings its own command; anything else needs args. */
        if (r >= 0 && !w->image && (!w->args || !w->args[0]))
                r = -EINVAL;
        if (r < 0) {
                berth_workload_done(w);
                return r == -ENOMEM ? r
                                    : berth_error_set(err, EINVAL,
                                                      "workload: args, a mount's destination or "
                                                      "an rlimit's type is missing");
        }
        return 0;
}

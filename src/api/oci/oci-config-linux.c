/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The linux object of an OCI config.json (oci-config.h): namespaces, user namespace
 * maps, resources, masked and read-only paths, sysctl and cgroupsPath
 * (oci-config-kernel.c), seccomp (oci-seccomp.c). Every field honoured or refused by
 * name. Pure.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "error.h"
#include "jdec.h"
#include "launch-spec.h"
#include "macro.h"
#include "oci-config-kernel.h"
#include "oci-config-linux.h"
#include "oci-devices.h"
#include "oci-seccomp.h"
#include "oci-util.h"
#include "strv.h"

#define FIELD_MAX JDEC_PATH_MAX

/* ---- linux ------------------------------------------------------------------------ */

enum { NS_PID, NS_NETWORK, NS_MOUNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, _NS_MAX };

static const char *const ns_names[_NS_MAX] = {
        [NS_PID] = "pid", [NS_NETWORK] = "network", [NS_MOUNT] = "mount",   [NS_IPC] = "ipc",
        [NS_UTS] = "uts", [NS_USER] = "user",       [NS_CGROUP] = "cgroup", [NS_TIME] = "time",
};

/* One of linux.namespaces; *ret_path: its path, when it joins one ("" or none: its
 * own). */
static int decode_namespace(json_t *v, const char *p, bool seen[_NS_MAX], const char **ret_path,
                            struct berth_error *err)
{
        static const struct oci_field fields[] = { { "type" }, { "path" }, {} };
        const char *type, *path;
        int r, ns = -1;

        r = oci_check_object(v, p, fields, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", true, &type, err);
        if (r >= 0)
                r = oci_get_str(v, p, "path", false, &path, err);
        if (r < 0)
                return r;
        for (int i = 0; i < _NS_MAX; i++)
                if (streq(type, ns_names[i]))
                        ns = i;
        if (ns < 0)
                return berth_error_set(err, EINVAL,
                                       "%s.type '%s' must be one of pid, network, mount, ipc, "
                                       "uts, user, cgroup, time",
                                       p, type);
        if (seen[ns])
                return berth_error_set(err, EINVAL, "%s: the %s namespace is given twice", p, type);
        seen[ns] = true;
        if (ns == NS_TIME)
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s: the time namespace is not supported "
                                       "yet",
                                       p);
        if (path && *path && ns != NS_NETWORK && ns != NS_IPC && ns != NS_UTS)
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s.path: joining the %s namespace is not supported yet "
                                       "(the network, ipc and uts ones can be joined)",
                                       p, type);
        if (path && *path && path[0] != '/')
                return berth_error_set(err, EINVAL, "%s.path '%.256s' must be absolute", p, path);
        ret_path[ns] = path && *path ? path : NULL;
        return 0;
}

/* The namespaces given by path: joined, never with a new user namespace (its root has
 * no say over namespaces the host's user namespace owns). */
static int decode_joins(const bool seen[_NS_MAX], const char *const paths[_NS_MAX],
                        struct berth_workload *w, struct berth_error *err)
{
        static const struct {
                int ns;
                enum berth_wl_join join;
        } joins[] = {
                { NS_NETWORK, BERTH_WL_JOIN_NET },
                { NS_IPC, BERTH_WL_JOIN_IPC },
                { NS_UTS, BERTH_WL_JOIN_UTS },
        };

        for (size_t i = 0; i < ELEMENTSOF(joins); i++) {
                const char *path = paths[joins[i].ns];

                if (!path)
                        continue;
                if (seen[NS_USER])
                        return berth_error_set(err, EOPNOTSUPP,
                                               "linux.namespaces: joining the %s namespace at "
                                               "'%.256s' with a new user namespace is not "
                                               "supported yet",
                                               ns_names[joins[i].ns], path);
                w->ns_join[joins[i].join] = strdup(path);
                if (!w->ns_join[joins[i].join])
                        return -ENOMEM;
        }
        return 0;
}

/* uidMappings or gidMappings into the workload's map: 1 when given, 0 for none. The
 * identity of every id (containerID 0, hostID 0, size 4294967295) is what berth writes
 * without a map, so it stays none. The native engine checks the lines (overlaps, inside
 * 0 mapped, the process's ids mapped) when the container is made. */
static int decode_mappings(json_t *l, const char *key, struct berth_wl_idmap **ret, size_t *ret_n,
                           struct berth_error *err)
{
        static const struct oci_field fields[] = {
                { "containerID" }, { "hostID" }, { "size" }, {}
        };
        char p[FIELD_MAX], q[FIELD_MAX];
        json_t *a, *v;
        size_t i;
        int r;

        r = oci_get_array(l, "linux", key, &a, err);
        if (r < 0 || !a || json_array_size(a) == 0)
                return r;
        jdec_join(p, "linux", key);
        if (json_array_size(a) > 340)
                return berth_error_set(err, EINVAL, "%s: more than 340 lines", p);
        *ret = calloc(json_array_size(a), sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                int64_t c = -1, h = -1, n = -1;

                oci_idx_path(q, p, i);
                r = oci_check_object(v, q, fields, err);
                if (r >= 0)
                        r = oci_get_int(v, q, "containerID", 0, UINT32_MAX, &c, err);
                if (r >= 0)
                        r = oci_get_int(v, q, "hostID", 0, UINT32_MAX, &h, err);
                if (r >= 0)
                        r = oci_get_int(v, q, "size", 1, UINT32_MAX, &n, err);
                if (r < 0)
                        return r;
                (*ret)[(*ret_n)++] = (struct berth_wl_idmap){ .inside = (uint32_t)c,
                                                              .outside = (uint32_t)h,
                                                              .count = (uint32_t)n };
        }
        if (*ret_n == 1 && (*ret)[0].inside == 0 && (*ret)[0].outside == 0 &&
            (*ret)[0].count == UINT32_MAX) {
                *ret = mfree(*ret);
                *ret_n = 0;
        }
        return 1;
}

static int decode_namespaces(json_t *l, struct berth_workload *w, struct berth_error *err)
{
        bool seen[_NS_MAX] = {};
        const char *paths[_NS_MAX] = {};
        json_t *a, *v;
        size_t i;
        int r, uidmap, gidmap;

        r = oci_get_array(l, "linux", "namespaces", &a, err);
        if (r < 0)
                return r;
        json_array_foreach (a, i, v) {
                char p[FIELD_MAX];

                r = decode_namespace(v, oci_idx_path(p, "linux.namespaces", i), seen, paths, err);
                if (r < 0)
                        return r;
        }
        /* Not listing one means sharing the host's; berth makes its own of these. */
        if (!seen[NS_PID] || !seen[NS_MOUNT])
                return berth_error_set(err, EOPNOTSUPP,
                                       "linux.namespaces: no %s namespace means the host's, which "
                                       "berth does not share: list it",
                                       !seen[NS_PID] ? "pid" : "mount");
        if (seen[NS_NETWORK] && !paths[NS_NETWORK])
                w->namespaces |= BERTH_NS_NET;
        if (seen[NS_CGROUP])
                w->namespaces |= BERTH_NS_CGROUP;
        uidmap = decode_mappings(l, "uidMappings", &w->uid_map, &w->n_uid_map, err);
        if (uidmap < 0)
                return uidmap;
        gidmap = decode_mappings(l, "gidMappings", &w->gid_map, &w->n_gid_map, err);
        if (gidmap < 0)
                return gidmap;
        if (seen[NS_USER] && !(uidmap && gidmap))
                return berth_error_set(err, EINVAL,
                                       "linux.namespaces: a user namespace needs uidMappings and "
                                       "gidMappings");
        if (!seen[NS_USER] && (uidmap || gidmap))
                return berth_error_set(err, EINVAL, "linux.%s: mappings need a user namespace",
                                       uidmap ? "uidMappings" : "gidMappings");
        if (seen[NS_USER])
                w->namespaces |= BERTH_NS_USER;
        return decode_joins(seen, paths, w, err);
}

static int decode_memory(json_t *res, struct berth_limits *lim, struct berth_error *err)
{
        static const struct oci_field fields[] = {
                { "limit" },
                { "swap" },
                { "reservation", "" },
                { "kernel", "" },
                { "kernelTCP", "" },
                { "swappiness", "" },
                { "disableOOMKiller", "" },
                { "useHierarchy", "" },
                { "checkBeforeUpdate", "" },
                {},
        };
        const char *p = "linux.resources.memory";
        int64_t limit = 0, swap = 0;
        json_t *m;
        int r;

        r = oci_get_object(res, "linux.resources", "memory", fields, &m, err);
        if (r < 0 || !m)
                return r;
        r = oci_get_int(m, p, "limit", -1, INT64_MAX, &limit, err);
        if (r >= 0)
                r = oci_get_int(m, p, "swap", -1, INT64_MAX, &swap, err);
        if (r < 0)
                return r;
        if (limit > 0)
                lim->memory = (uint64_t)limit;
        /* Memory plus swap; none (or equal to limit): no swap, berth's default (runc leaves
         * memsw alone then); -1: swap without a limit. */
        if (swap != 0 && limit <= 0)
                return berth_error_set(err, EINVAL, "%s.swap needs a limit", p);
        if (swap > 0 && swap < limit)
                return berth_error_set(err, EINVAL,
                                       "%s.swap %lld is memory plus swap: at least the limit %lld",
                                       p, (long long)swap, (long long)limit);
        lim->memory_swap = swap == limit ? 0 : swap;
        return 0;
}

static int decode_cpu(json_t *res, struct berth_limits *lim, struct berth_error *err)
{
        static const struct oci_field fields[] = {
                { "shares" },
                { "quota" },
                { "period" },
                { "burst", "" },
                { "realtimeRuntime", "" },
                { "realtimePeriod", "" },
                { "cpus" },
                { "mems" },
                { "idle", "" },
                {},
        };
        const char *p = "linux.resources.cpu";
        int64_t shares = 0, quota = 0, period = 0;
        json_t *c;
        int r;

        r = oci_get_object(res, "linux.resources", "cpu", fields, &c, err);
        if (r < 0 || !c)
                return r;
        r = oci_get_int(c, p, "shares", 0, 262144, &shares, err);
        if (r >= 0)
                r = oci_get_int(c, p, "quota", -1, UINT32_MAX, &quota, err);
        if (r >= 0)
                r = oci_get_int(c, p, "period", 0, 1000000, &period, err);
        if (r < 0)
                return r;
        /* crun's conversion of v1 shares (2..262144) to a v2 weight (1..10000). */
        if (shares > 0)
                lim->cpu_weight = oci_cpu_shares_to_weight(shares);
        if (quota > 0)
                lim->cpu_quota_us = (uint32_t)quota;
        if (period > 0 && period < 1000)
                return berth_error_set(err, EINVAL, "%s.period must be from 1000 to 1000000", p);
        lim->cpu_period_us = (uint32_t)period;
        r = oci_get_cpu_list(c, p, "cpus", lim->cpus, sizeof(lim->cpus), err);
        if (r >= 0)
                r = oci_get_cpu_list(c, p, "mems", lim->mems, sizeof(lim->mems), err);
        return r;
}

static int decode_pids(json_t *res, struct berth_limits *lim, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "limit" }, {} };
        int64_t limit = 0;
        json_t *pids;
        int r;

        r = oci_get_object(res, "linux.resources", "pids", fields, &pids, err);
        if (r < 0 || !pids)
                return r;
        r = oci_get_int(pids, "linux.resources.pids", "limit", -1, INT64_MAX, &limit, err);
        if (r < 0)
                return r;
        if (limit > 0)
                lim->pids = (uint64_t)limit;
        return 0;
}

static int decode_resources(json_t *l, struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "devices" },     { "memory" },
                                                   { "cpu" },         { "pids" },
                                                   { "blockIO", "" }, { "hugepageLimits", "" },
                                                   { "network", "" }, { "rdma", "" },
                                                   { "unified", "" }, {} };
        json_t *res;
        int r;

        r = oci_get_object(l, "linux", "resources", fields, &res, err);
        if (r < 0 || !res)
                return r;
        r = decode_memory(res, &w->limits, err);
        if (r >= 0)
                r = decode_cpu(res, &w->limits, err);
        if (r >= 0)
                r = decode_pids(res, &w->limits, err);
        return r;
}

/* maskedPaths or readonlyPaths: absolute, no "..". */
static int decode_paths(json_t *l, const char *key, char ***ret, struct berth_error *err)
{
        _cleanup_strv_free_ char **raw = NULL;
        char p[FIELD_MAX], q[FIELD_MAX];
        int r;

        r = oci_get_strv(l, "linux", key, &raw, err);
        if (r < 0 || !raw)
                return r;
        jdec_join(p, "linux", key);
        STRV_FOREACH (s, raw) {
                char *c;

                r = oci_path_clean_field(oci_idx_path(q, p, (size_t)(s - raw)), *s, &c, err);
                if (r < 0)
                        return r;
                if (streq(c, "/")) {
                        free(c);
                        return berth_error_set(err, EINVAL, "%s must not be /", q);
                }
                r = strv_consume(ret, c);
                if (r < 0)
                        return r;
        }
        return 0;
}

int oci_decode_linux(json_t *config, const struct oci_device_allowlist *devices,
                     struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = {
                { "namespaces" },
                { "uidMappings" },
                { "gidMappings" },
                { "rootfsPropagation" },
                { "resources" },
                { "seccomp" },
                { "maskedPaths" },
                { "readonlyPaths" },
                { "timeOffsets", "no time namespace" },
                { "devices" },
                { "cgroupsPath" },
                { "sysctl" },
                { "mountLabel", "no SELinux" },
                { "intelRdt", "" },
                { "personality", "" },
                { "memoryPolicy", "" },
                { "netDevices", "" },
                {},
        };
        const char *prop;
        json_t *l;
        int r;

        r = oci_get_object(config, "", "linux", fields, &l, err);
        if (r < 0)
                return r;
        if (!l)
                return berth_error_set(err, EINVAL, "linux is required (its namespaces)");
        /* The bundle's filter is the whole filter (berth's profile is replaced), as in crun. */
        r = oci_seccomp_translate(json_object_get(l, "seccomp"), "linux.seccomp", &w->seccomp_rules,
                                  err);
        if (r < 0)
                return r;
        r = oci_get_str(l, "linux", "rootfsPropagation", false, &prop, err);
        if (r < 0)
                return r;
        if (prop && *prop && !streq(prop, "private") && !streq(prop, "rprivate"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "linux.rootfsPropagation '%s': not supported yet: berth's "
                                       "root is private",
                                       prop);
        r = decode_namespaces(l, w, err);
        if (r >= 0)
                r = decode_resources(l, w, err);
        if (r >= 0)
                r = decode_paths(l, "maskedPaths", &w->masked_paths, err);
        if (r >= 0)
                r = decode_paths(l, "readonlyPaths", &w->readonly_paths, err);
        if (r >= 0)
                r = oci_decode_sysctl(l, w, err);
        if (r >= 0)
                r = oci_decode_cgroups_path(l, w, err);
        if (r >= 0)
                r = oci_bundle_devices(l, devices, w, err);
        return r;
}

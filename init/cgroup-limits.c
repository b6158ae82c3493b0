/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container group's limits (cgroup.h): memory, pids, cpu weight and quota, cpu sets and real-time
 * budgets, on v1 or v2. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <libmount.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup-devices.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "cgroup-internal.h"

bool cgroup_wants_cpuset(const struct berth_limits *l)
{
        return l && (l->cpus[0] || l->mems[0]);
}

/* The cpus and memory nodes asked for, in place of the parent's (v1: cgroup_cpuset_inherit()
 * copied them; v2: empty means the parent's). */
static int set_cpuset(struct berth_cgroup *cg, const struct berth_limits *l,
                      struct berth_error *err)
{
        static const struct {
                const char *file, *field;
                size_t off;
        } f[] = {
                { "cpuset.cpus", "limits.cpus", offsetof(struct berth_limits, cpus) },
                { "cpuset.mems", "limits.mems", offsetof(struct berth_limits, mems) },
        };

        for (size_t i = 0; i < ELEMENTSOF(f); i++) {
                const char *v = (const char *)l + f[i].off;
                int r;

                if (!v[0])
                        continue;
                if (!cg->cpuset)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: this host has no cpuset cgroup controller",
                                               f[i].field);
                r = berth_cgroup_write(cg->cpuset, f[i].file, v);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "%s: set %s to '%s' in '%s'",
                                                     f[i].field, f[i].file, v, cg->cpuset);
        }
        return 0;
}

/* rt_runtime_us on the container's v1 cpu group, after the parent's budget. Nothing to
 * do where the kernel does not budget real-time time by group (no cpu.rt_runtime_us). */
static int set_rt(struct berth_cgroup *cg, const struct berth_limits *l, struct berth_error *err)
{
        _cleanup_free_ char *parent = NULL, *cur = NULL;
        char v[32];
        int r;

        if (!l->rt_runtime_us)
                return 0;
        if (!cg->cpu || cg->cpu_v2)
                return 0; /* cgroup2 has no real-time budgets */
        r = cgroup_read_str(cg->cpu, "cpu.rt_runtime_us", &cur);
        if (r == -ENOENT)
                return 0;
        cur = mfree(cur);
        if (cg->depth > 0)
                return berth_error_set(err, EOPNOTSUPP,
                                       "limits.rt_runtime_us: not with a cgroups_path");
        parent = strdup(cg->cpu);
        if (!parent)
                return -ENOMEM;
        *strrchr(parent, '/') = 0;
        if (cgroup_read_str(parent, "cpu.rt_runtime_us", &cur) >= 0 &&
            strtoull(cur, NULL, 10) < BERTH_RT_PARENT_US) {
                (void)snprintf(v, sizeof(v), "%u", BERTH_RT_PARENT_US);
                r = berth_cgroup_write(parent, "cpu.rt_runtime_us", v);
                if (r < 0)
                        return berth_error_set_errno(err, -r,
                                                     "give '%s' a real-time budget of %u µs/s "
                                                     "(the host's is spent)",
                                                     parent, BERTH_RT_PARENT_US);
        }
        (void)snprintf(v, sizeof(v), "%u", l->rt_runtime_us);
        r = berth_cgroup_write(cg->cpu, "cpu.rt_runtime_us", v);
        if (r < 0)
                return berth_error_set_errno(err, -r,
                                             "set a real-time budget of %u µs/s in '%s' (berth's "
                                             "%u µs/s are spent)",
                                             l->rt_runtime_us, cg->cpu, BERTH_RT_PARENT_US);
        return 0;
}

/* Swap beyond the memory limit (v1: memory plus swap, memsw; v2: swap alone, swap.max):
 * none unless asked (where the kernel accounts no swap, that default has nothing to
 * write, but a swap asked for is refused). memory: the limit's text. */
static int set_swap(struct berth_cgroup *cg, const struct berth_limits *l, const char *memory,
                    struct berth_error *err)
{
        const char *file = cg->memory_v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
        char v[32];
        int r;

        if (l->memory_swap == 0)
                (void)snprintf(v, sizeof(v), "%s", cg->memory_v2 ? "0" : memory);
        else if (l->memory_swap < 0)
                (void)snprintf(v, sizeof(v), "%s", cg->memory_v2 ? "max" : "-1");
        else if ((uint64_t)l->memory_swap < l->memory)
                return berth_error_set(err, EINVAL,
                                       "limits.memory_swap %lld is below the memory limit %llu",
                                       (long long)l->memory_swap, (unsigned long long)l->memory);
        else
                (void)snprintf(v, sizeof(v), "%llu",
                               cg->memory_v2 ? (unsigned long long)l->memory_swap - l->memory
                                             : (unsigned long long)l->memory_swap);
        r = berth_cgroup_write(cg->memory, file, v);
        /* The default is best effort, as it always was: no swap accounting, no matter. */
        if (r < 0 && l->memory_swap == 0)
                return 0;
        if (r < 0)
                return berth_error_set_errno(err, -r, "limits.memory_swap: set %s in '%s'%s", file,
                                             cg->memory,
                                             r == -ENOENT ? " (this host accounts no swap)" : "");
        return 0;
}

int cgroup_set_limits(struct berth_cgroup *cg, const struct berth_limits *l,
                      struct berth_error *err)
{
        char v[64];
        int r;

        if (l->memory) {
                if (!cg->memory)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "limits.memory: this host has no memory cgroup "
                                               "controller");
                (void)snprintf(v, sizeof(v), "%llu", (unsigned long long)l->memory);
                r = berth_cgroup_write(cg->memory,
                                       cg->memory_v2 ? "memory.max" : "memory.limit_in_bytes", v);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "set memory limit in '%s'",
                                                     cg->memory);
                r = set_swap(cg, l, v, err);
                if (r < 0)
                        return r;
        }
        if (l->pids) {
                if (!cg->pids)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "limits.pids: this host has no pids cgroup "
                                               "controller");
                (void)snprintf(v, sizeof(v), "%llu", (unsigned long long)l->pids);
                r = berth_cgroup_write(cg->pids, "pids.max", v);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "set pids limit in '%s'", cg->pids);
        }
        r = set_cpuset(cg, l, err);
        if (r >= 0)
                r = set_rt(cg, l, err);
        if (r < 0)
                return r;
        if (l->cpu_weight || l->cpu_quota_us) {
                bool v2 = cg->cpu_v2;

                if (!cg->cpu)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "limits.cpu: this host has no cpu cgroup "
                                               "controller");
                if (l->cpu_weight) {
                        /* v2 weight 1..10000 maps onto v1 shares 2..262144. */
                        unsigned long long shares =
                                2 + ((unsigned long long)(l->cpu_weight - 1) * 262142) / 9999;
                        if (v2)
                                (void)snprintf(v, sizeof(v), "%u", l->cpu_weight);
                        else
                                (void)snprintf(v, sizeof(v), "%llu", shares);
                        r = berth_cgroup_write(cg->cpu, v2 ? "cpu.weight" : "cpu.shares", v);
                        if (r < 0)
                                return berth_error_set_errno(err, -r, "set cpu weight in '%s'",
                                                             cg->cpu);
                }
                if (l->cpu_quota_us) {
                        uint32_t period = l->cpu_period_us ? l->cpu_period_us : 100000;
                        if (v2) {
                                (void)snprintf(v, sizeof(v), "%u %u", l->cpu_quota_us, period);
                                r = berth_cgroup_write(cg->cpu, "cpu.max", v);
                        } else {
                                (void)snprintf(v, sizeof(v), "%u", period);
                                r = berth_cgroup_write(cg->cpu, "cpu.cfs_period_us", v);
                                (void)snprintf(v, sizeof(v), "%u", l->cpu_quota_us);
                                if (r >= 0)
                                        r = berth_cgroup_write(cg->cpu, "cpu.cfs_quota_us", v);
                        }
                        if (r < 0)
                                return berth_error_set_errno(err, -r, "set cpu quota in '%s'",
                                                             cg->cpu);
                }
        }
        return 0;
}

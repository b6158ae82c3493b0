/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * getContainerInfo: cpu, memory and pids of a container from its cgroups, v1 or v2.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "dobby-root.h"
#include "dobby-spec.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "jdec.h"
#include "jsonrpc.h"
#include "log.h"
#include "macro.h"
#include "oci-nat.h"
#include "oci-util.h"
#include "oci-info.h"
#include "store.h"
#include "strv.h"

/* ---- getContainerInfo -------------------------------------------------------------- */

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *path = NULL;
        char buf[64], *end;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = read_one_line(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        errno = 0;
        *ret = strtoull(buf, &end, 10);
        return errno != 0 || end == buf || *end ? -EINVAL : 0;
}

/* An integer, or null when it could not be read. */
static json_t *u64_json(int r, uint64_t v)
{
        return r < 0 ? json_null() : json_integer((json_int_t)MIN(v, (uint64_t)INT64_MAX));
}

static json_t *file_u64(const char *dir, const char *file)
{
        uint64_t v = 0;
        int r = dir ? read_u64(dir, file, &v) : -ENOENT;

        return u64_json(r, v);
}

/* The value of "key N" in a flat-keyed file (cpu.stat, memory.events). */
static int read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        size_t n = strlen(key);
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = read_file(path, 64 << 10, &text, NULL);
        if (r < 0)
                return r;
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == ' ') {
                        char *end;
                        errno = 0;
                        *ret = strtoull(l + n + 1, &end, 10);
                        return errno != 0 || (*end && *end != '\n') ? -EINVAL : 0;
                }
        return -ENOENT;
}

/* Whitespace-separated unsigned numbers of a file, as a JSON array; null when the file
 * cannot be read. */
static json_t *file_numbers(const char *dir, const char *file)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *a;
        char *p, *end;

        if (!dir || asprintf(&path, "%s/%s", dir, file) < 0)
                return json_null();
        if (read_file(path, 4u << 20, &text, NULL) < 0)
                return json_null();
        a = json_array();
        for (p = text; a && *(p += strspn(p, " \t\n"));) {
                unsigned long long v;

                errno = 0;
                v = strtoull(p, &end, 10);
                if (errno != 0 || end == p) {
                        json_decref(a);
                        return json_null();
                }
                if (json_array_append_new(a, json_integer((json_int_t)MIN(
                                                     v, (unsigned long long)INT64_MAX))) < 0) {
                        json_decref(a);
                        return NULL;
                }
                p = end;
        }
        return a;
}

static json_t *cpu_json(const struct oci_cgroup_dirs *d)
{
        uint64_t usec = 0;
        int r;

        if (!d->cpu)
                return json_pack("{s:{s:n, s:n}}", "usage", "percpu", "total");
        if (!d->cpu_v2)
                return json_pack("{s:{s:o, s:o}}", "usage", "percpu",
                                 file_numbers(d->cpu, "cpuacct.usage_percpu"), "total",
                                 file_u64(d->cpu, "cpuacct.usage"));
        /* cgroup2 counts microseconds, and nothing per CPU. */
        r = read_keyed(d->cpu, "cpu.stat", "usage_usec", &usec);
        return json_pack("{s:{s:n, s:o}}", "usage", "percpu", "total",
                         u64_json(r, usec > UINT64_MAX / 1000 ? UINT64_MAX : usec * 1000));
}

static json_t *memory_json(const struct oci_cgroup_dirs *d)
{
        char max[64] = "";
        uint64_t v = 0;
        json_t *limit;
        int r;

        if (!d->memory)
                return json_pack("{s:{s:n, s:n, s:n, s:n}}", "user", "failcnt", "limit", "max",
                                 "usage");
        if (!d->memory_v2)
                return json_pack("{s:{s:o, s:o, s:o, s:o}}", "user", "failcnt",
                                 file_u64(d->memory, "memory.failcnt"), "limit",
                                 file_u64(d->memory, "memory.limit_in_bytes"), "max",
                                 file_u64(d->memory, "memory.max_usage_in_bytes"), "usage",
                                 file_u64(d->memory, "memory.usage_in_bytes"));
        /* cgroup2: "max" is no limit (null); the count of times the limit was hit is
         * memory.events' max, which is what v1's failcnt counts. */
        {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/memory.max", d->memory) >= 0)
                        (void)read_one_line(path, max, sizeof(max));
        }
        limit = streq(max, "max") ? json_null() : file_u64(d->memory, "memory.max");
        r = read_keyed(d->memory, "memory.events", "max", &v);
        return json_pack("{s:{s:o, s:o, s:o, s:o}}", "user", "failcnt", u64_json(r, v), "limit",
                         limit, "max", file_u64(d->memory, "memory.peak"), "usage",
                         file_u64(d->memory, "memory.current"));
}

json_t *oci_cgroup_info(const struct oci_cgroup_dirs *dirs)
{
        json_t *pids = file_numbers(dirs->procs, "cgroup.procs");

        if (json_is_null(pids)) {
                json_decref(pids);
                pids = json_array();
        }
        return json_pack("{s:o, s:o, s:o}", "cpu", cpu_json(dirs), "memory", memory_json(dirs),
                         "pids", pids);
}

struct cg_found {
        char *v2, *memory, *cpuacct;
};

static void cg_found_done(struct cg_found *f)
{
        free(f->v2);
        free(f->memory);
        free(f->cpuacct);
}

static bool has_ctrl(const char *list, const char *ctrl)
{
        size_t n = strlen(ctrl);

        for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, ctrl, n) == 0 && (p[n] == ',' || p[n] == 0))
                        return true;
        return false;
}

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH" ("0::PATH" for cgroup2). */
static int cg_line(const struct berth_cgroup_system *cs, char *line, struct cg_found *f)
{
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        const char *path;

        if (!c2)
                return 0;
        *c2 = 0;
        path = c2 + 1;
        if (streq(line, "0:") && cs->v2 && !f->v2)
                return asprintf(&f->v2, "%s%s", cs->v2, path) < 0 ? -ENOMEM : 0;
        if (has_ctrl(c1 + 1, "memory") && cs->v1[BERTH_CG_MEMORY] && !f->memory &&
            asprintf(&f->memory, "%s%s", cs->v1[BERTH_CG_MEMORY], path) < 0)
                return -ENOMEM;
        if (has_ctrl(c1 + 1, "cpuacct") && cs->v1[BERTH_CG_CPUACCT] && !f->cpuacct &&
            asprintf(&f->cpuacct, "%s%s", cs->v1[BERTH_CG_CPUACCT], path) < 0)
                return -ENOMEM;
        return 0;
}

/* The groups PID is in, read from /proc/PID/cgroup (whatever the engine). */
static int cg_of_pid(const struct berth_cgroup_system *cs, pid_t pid, struct cg_found *f,
                     struct berth_error *why)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        int r;

        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        r = read_file(path, 64 << 10, &text, NULL);
        if (r < 0)
                return berth_error_set_errno(why, -r, "read '%s'", path);
        for (char *l = text, *nl; l && *l; l = nl) {
                nl = strchr(l, '\n');
                if (nl)
                        *nl++ = 0;
                r = cg_line(cs, l, f);
                if (r < 0)
                        return r;
        }
        return 0;
}

int oc_m_info(struct oci_containers *oc, json_t *params, json_t **ret, struct berth_error *err)
{
        static const char *const keys[] = { "containerId", NULL };
        _cleanup_(cg_found_done) struct cg_found f = {};
        const struct berth_cgroup_system *cs = oc->cgroups;
        struct oci_cgroup_dirs dirs;
        struct berth_error why = {};
        struct timespec ts;
        const char *cid;
        struct target t;
        json_t *info;
        int r;

        r = oc_target_of(oc, params, keys, &cid, &t, ret, err);
        if (r <= 0)
                return r;
        if (t.pid <= 0 ||
            (t.state != BERTH_CONTAINER_RUNNING && t.state != BERTH_CONTAINER_PAUSED &&
             t.state != BERTH_CONTAINER_STOPPING))
                return oc_failedf(ret, "container '%s' is %s: it has no processes to measure",
                                  t.name, oc_thunder_state(t.state));
        if (!cs || cs->layout == BERTH_CGROUP_NONE)
                return oc_failedf(ret, "container '%s': this node has no cgroups to read", t.name);
        r = cg_of_pid(cs, t.pid, &f, &why);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return oc_failedf(ret, "container '%s': %s", t.name, why.msg);
        /* v1 groups first: on a hybrid host a container may have no v2 group of its own,
         * and its PID 1 is then in its parent's. */
        dirs = (struct oci_cgroup_dirs){
                .cpu = f.cpuacct ? f.cpuacct : f.v2,
                .cpu_v2 = !f.cpuacct,
                .memory = f.memory                      ? f.memory
                          : cs->v2_has[BERTH_CG_MEMORY] ? f.v2
                                                        : NULL,
                .memory_v2 = !f.memory,
                .procs = f.memory    ? f.memory
                         : f.cpuacct ? f.cpuacct
                                     : f.v2,
        };
        info = oci_cgroup_info(&dirs);
        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!info || json_object_set_new(info, "id", json_string(t.name)) < 0 ||
            json_object_set_new(info, "state",
                                json_string(berth_container_state_to_string(t.state))) < 0 ||
            json_object_set_new(info, "timestamp",
                                json_integer((json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec)) <
                    0) {
                json_decref(info);
                return -ENOMEM;
        }
        *ret = json_pack("{s:o, s:b}", "info", info, "success", 1);
        return *ret ? 0 : -ENOMEM;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A Dobby legacy spec as a workload (dobby-spec.h): the fields DobbySpecConfig.cpp reads,
 * then the fixed parts of its template (OciConfigJson1.0.2-dobby). Where Dobby would
 * paste a string into the template, berth copies it; where Dobby would ignore a field or
 * hand it to a plugin berth lacks, berth refuses it by name. Pure.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "error.h"
#include "jdec.h"
#include "macro.h"
#include "mountopts.h"
#include "oci-config-mounts.h"
#include "oci-seccomp.h"
#include "oci-util.h"
#include "dobby-mounts.h"
#include "dobby-spec.h"
#include "dobby-util.h"
#include "strv.h"

#define ID_MAX 65534 /* user.uid and user.gid are below 65535 */
#define MEM_LIMIT_MIN (UINT64_C(256) << 10)
#define RT_PRIORITY_MAX 99
#define CORES_MAX 8 /* Dobby's bitset */
#define NOFILE_MAX 4096
#define NPROC_MAX 300
#define RESTART_MAX 10

/* Dobby's template: what every container may have, and what a spec may add to the
 * bounding set alone. */
#define CAPS_BASE                                                       \
        ((UINT64_C(1) << CAP_AUDIT_WRITE) | (UINT64_C(1) << CAP_KILL) | \
         (UINT64_C(1) << CAP_NET_BIND_SERVICE))

static const struct {
        const char *name;
        int cap;
} extra_caps[] = {
        { "CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE },
        { "CAP_NET_BROADCAST", CAP_NET_BROADCAST },
        { "CAP_NET_RAW", CAP_NET_RAW },
};

static const char *const etc_keys[_DOBBY_ETC_MAX] = {
        [DOBBY_ETC_PASSWD] = "passwd",         [DOBBY_ETC_GROUP] = "group",
        [DOBBY_ETC_HOSTS] = "hosts",           [DOBBY_ETC_SERVICES] = "services",
        [DOBBY_ETC_LD_PRELOAD] = "ld-preload",
};

static const char *const etc_names[_DOBBY_ETC_MAX] = {
        [DOBBY_ETC_PASSWD] = "passwd",
        [DOBBY_ETC_GROUP] = "group",
        [DOBBY_ETC_HOSTS] = "hosts",
        [DOBBY_ETC_SERVICES] = "services",
        [DOBBY_ETC_LD_PRELOAD] = "ld.so.preload",
};

const char *dobby_etc_file_name(enum dobby_etc_file f)
{
        return f >= 0 && f < _DOBBY_ETC_MAX ? etc_names[f] : NULL;
}

/* ---- paths and the environment ------------------------------------------------------ */

/* path is dir or below it (both clean). */

/* ---- the envelope ------------------------------------------------------------------ */

static const char *const top_keys[] = {
        "version",   "args",         "env",     "cwd",     "user",   "userNs",     "memLimit",
        "swapLimit", "console",      "etc",     "network", "mounts", "plugins",    "rdkPlugins",
        "gpu",       "vpu",          "dbus",    "syslog",  "cpu",    "rtPriority", "restartOnCrash",
        "devices",   "capabilities", "seccomp", NULL,
};

/* "1.0" or "1.1", first: rtPriority's syntax depends on it. */
static int decode_version(json_t *spec, bool *ret_v11, struct berth_error *err)
{
        json_t *v = json_object_get(spec, "version");
        const char *s = oci_json_str(v);

        if (dobby_absent(v))
                return berth_error_set(err, EINVAL, "version is required: \"1.0\" or \"1.1\"");
        if (!s)
                return berth_error_set(err, EINVAL,
                                       "version must be the string \"1.0\" or \"1.1\"");
        if (!streq(s, "1.0") && !streq(s, "1.1"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "version '%.32s' is not supported: \"1.0\" or \"1.1\"", s);
        *ret_v11 = streq(s, "1.1");
        return 0;
}

/* Joined into msg after what it has: ", "-separated. */
static void list_add(char *msg, size_t size, const char *item)
{
        size_t n = strlen(msg);

        (void)snprintf(msg + n, size - n, "%s%.64s", n ? ", " : "", item);
}

/* Unknown fields, every one named; then the mandatory ones that are missing, every one
 * named (as Dobby lists them). */
static int check_fields(json_t *spec, struct berth_error *err)
{
        static const char *const mandatory[] = { "args", "user", "memLimit" };
        char unknown[BERTH_ERROR_MSG_MAX / 2] = "", missing[64] = "";
        const char *key;
        json_t *v;

        json_object_foreach (spec, key, v) {
                const char *const *k = top_keys;

                while (*k && !streq(*k, key))
                        k++;
                if (!*k)
                        list_add(unknown, sizeof(unknown), key);
        }
        if (unknown[0])
                return berth_error_set(err, EINVAL,
                                       "unknown fields: %s (Dobby ignores them; berth refuses "
                                       "what it does not know)",
                                       unknown);
        for (size_t i = 0; i < ELEMENTSOF(mandatory); i++)
                if (dobby_absent(json_object_get(spec, mandatory[i])))
                        list_add(missing, sizeof(missing), mandatory[i]);
        if (missing[0])
                return berth_error_set(err, EINVAL, "missing mandatory fields: %s", missing);
        return 0;
}

/* ---- the process ------------------------------------------------------------------- */

static int decode_args_env(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        const char *cwd;
        int r;

        r = oci_get_strv(spec, "", "args", &w->args, err);
        if (r >= 0)
                r = oci_get_strv(spec, "", "env", &w->env, err);
        if (r >= 0)
                r = oci_get_str(spec, "", "cwd", false, &cwd, err);
        if (r < 0)
                return r;
        if (strv_length(w->args) == 0)
                return berth_error_set(err, EINVAL, "args must have at least one item");
        if (!w->args[0][0])
                return berth_error_set(err, EINVAL, "args[0] must not be empty");
        STRV_FOREACH (e, w->env)
                if (!oci_env_entry_valid(*e))
                        return berth_error_set(err, EINVAL, "env[%zu] '%.128s' must be KEY=value",
                                               (size_t)(e - w->env), *e);
        /* Dobby renders no default (an empty cwd); "/" is what runtimes take for it. */
        if (cwd && cwd[0] != '/')
                return berth_error_set(err, EINVAL, "cwd '%.256s' must be an absolute path", cwd);
        w->cwd = strdup(cwd ? cwd : "/");
        return w->cwd ? 0 : -ENOMEM;
}

static int idmap_one(struct berth_wl_idmap **ret, size_t *n, uint32_t outside, uint32_t count)
{
        *ret = calloc(1, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        **ret = (struct berth_wl_idmap){ .inside = 0, .outside = outside, .count = count };
        *n = 1;
        return 0;
}

/* With a user namespace (the default, and always in Dobby's production builds) the
 * process is root inside, and that root is user.uid outside: uid_map "0 uid 1", and
 * gid_map "0 gid 10" as Dobby writes it. Without one it runs as uid:gid on the host.
 * Root itself is refused either way. */
static int decode_user(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        static const char *const keys[] = { "uid", "gid", NULL };
        int64_t uid = -1, gid = -1;
        bool userns = true;
        json_t *u;
        int r;

        r = dobby_get_object(spec, "", "user", keys, &u, err);
        if (r >= 0)
                r = oci_get_int(u, "user", "uid", 0, ID_MAX, &uid, err);
        if (r >= 0)
                r = oci_get_int(u, "user", "gid", 0, ID_MAX, &gid, err);
        if (r >= 0)
                r = jdec_bool(spec, "", "userNs", &userns, err);
        if (r < 0)
                return r;
        if (uid < 0 || gid < 0)
                return berth_error_set(err, EINVAL, "user.%s is required", uid < 0 ? "uid" : "gid");
        if (uid == 0)
                return berth_error_set(err, EINVAL,
                                       "user.uid 0 is refused: a Dobby container never runs as "
                                       "root on the host");
        w->user_set = true;
        if (!userns) {
                w->uid = (uid_t)uid;
                w->gid = (gid_t)gid;
                return 0;
        }
        w->namespaces |= BERTH_NS_USER;
        w->uid = 0;
        w->gid = 0;
        r = idmap_one(&w->uid_map, &w->n_uid_map, (uint32_t)uid, 1);
        if (r >= 0)
                r = idmap_one(&w->gid_map, &w->n_gid_map, (uint32_t)gid, 10);
        return r;
}

/* memLimit in 64 bits (Dobby holds 32); swapLimit, memory plus swap (without it no swap,
 * berth's default). */
static int decode_memory(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        int64_t mem = 0, swap = 0;
        int r;

        r = oci_get_int(spec, "", "memLimit", 0, INT64_MAX, &mem, err);
        if (r < 0)
                return r;
        if ((uint64_t)mem < MEM_LIMIT_MIN)
                return berth_error_set(err, EINVAL,
                                       "memLimit %lld is below 262144 bytes (256 KiB), too little "
                                       "for any process",
                                       (long long)mem);
        w->limits.memory = (uint64_t)mem;
        r = oci_get_int(spec, "", "swapLimit", 0, INT64_MAX, &swap, err);
        if (r <= 0)
                return r;
        if (swap < mem)
                return berth_error_set(err, EINVAL, "swapLimit %lld must be at least memLimit %lld",
                                       (long long)swap, (long long)mem);
        /* Memory plus swap; equal to memLimit: no swap, as without the field. */
        w->limits.memory_swap = swap == mem ? 0 : swap;
        return 0;
}

/* console.path receives the output (log_path), rotated at limit (-1: never). Without a
 * path the log stays in berth's state directory, where the ImageAPI's logs read it
 * (Dobby sends it to /dev/null). */
static int decode_console(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        static const char *const keys[] = { "path", "limit", NULL };
        _cleanup_free_ char *clean = NULL;
        int64_t limit = -1;
        const char *path;
        json_t *c;
        int r;

        r = dobby_get_object(spec, "", "console", keys, &c, err);
        if (r >= 0)
                r = oci_get_str(c, "console", "path", false, &path, err);
        if (r >= 0)
                r = oci_get_int(c, "console", "limit", INT32_MIN, INT64_MAX, &limit, err);
        if (r < 0 || !c || !path)
                return r;
        r = oci_path_clean_field("console.path", path, &clean, err);
        if (r < 0)
                return r;
        if (streq(clean, "/"))
                return berth_error_set(err, EINVAL, "console.path must name a file");
        if (limit == 0)
                return berth_error_set(err, EINVAL,
                                       "console.limit must be -1 (no limit) or a positive number "
                                       "of bytes");
        /* As Dobby: any negative limit is none. berth rotates into <path>.1 there. */
        w->log_max = limit < 0 ? (uint64_t)INT64_MAX : (uint64_t)limit;
        w->log_path = TAKE_PTR(clean);
        return 0;
}

static int decode_etc(json_t *spec, struct dobby_spec *d, struct berth_error *err)
{
        static const char *const keys[] = { "passwd",   "group",      "hosts",
                                            "services", "ld-preload", NULL };
        json_t *etc;
        int r;

        r = dobby_get_object(spec, "", "etc", keys, &etc, err);
        for (int f = 0; r >= 0 && etc && f < _DOBBY_ETC_MAX; f++)
                r = oci_get_strv(etc, "etc", etc_keys[f], &d->etc[f], err);
        return r;
}

/* "private" (or none): a network namespace with only lo; "open": the host's; "nat": a
 * namespace of its own with eth0 on berth's NAT bridge, whose address the door hands
 * out (oci-nat.h). */
static int decode_network(json_t *spec, struct dobby_spec *d, struct berth_error *err)
{
        const char *n;
        int r;

        r = oci_get_str(spec, "", "network", false, &n, err);
        if (r < 0)
                return r;
        /* Without the field Dobby makes a network namespace too. */
        if (!n || streq(n, "private") || streq(n, "nat")) {
                d->w.namespaces |= BERTH_NS_NET;
                d->nat = n && streq(n, "nat");
                return 0;
        }
        if (streq(n, "open"))
                return 0;
        return berth_error_set(err, EINVAL,
                               "network '%.64s' must be \"nat\", \"open\" or \"private\"", n);
}

/* RLIMIT_RTPRIO is the limit (0 without the field, as Dobby's template has it); a
 * default priority above 0 runs the payload SCHED_RR at it, as Dobby's rtscheduling
 * plugin does, in a cpu group with a real-time budget (BERTH_RT_CONTAINER_US). */
static int decode_rt(json_t *spec, bool v11, struct berth_workload *w, int64_t *ret_limit,
                     struct berth_error *err)
{
        static const char *const keys[] = { "default", "limit", NULL };
        int64_t def = 0, limit = 0;
        json_t *rt;
        int r;

        *ret_limit = 0;
        if (!v11) {
                r = oci_get_int(spec, "", "rtPriority", 0, RT_PRIORITY_MAX, &def, err);
                if (r < 0)
                        return r;
                limit = def;
        } else {
                r = dobby_get_object(spec, "", "rtPriority", keys, &rt, err);
                if (r >= 0)
                        r = oci_get_int(rt, "rtPriority", "default", 0, RT_PRIORITY_MAX, &def, err);
                if (r >= 0)
                        r = oci_get_int(rt, "rtPriority", "limit", 0, RT_PRIORITY_MAX, &limit, err);
                if (r < 0)
                        return r;
                if (def > limit)
                        return berth_error_set(err, EINVAL,
                                               "rtPriority.default %lld is above its limit %lld",
                                               (long long)def, (long long)limit);
        }
        if (def > 0) {
                w->rt_priority = (int)def;
                w->limits.rt_runtime_us = BERTH_RT_CONTAINER_US;
        }
        *ret_limit = limit;
        return 0;
}

/* RLIMIT_NOFILE and RLIMIT_NPROC of the template, and RLIMIT_RTPRIO. */
static int add_rlimits(struct berth_workload *w, int64_t rtprio)
{
        static const char *const types[] = { "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RTPRIO" };
        const uint64_t values[] = { NOFILE_MAX, NPROC_MAX, (uint64_t)rtprio };

        w->rlimits = calloc(ELEMENTSOF(types), sizeof(*w->rlimits));
        if (!w->rlimits)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                w->rlimits[i].type = strdup(types[i]);
                if (!w->rlimits[i].type)
                        return -ENOMEM;
                w->rlimits[i].soft = w->rlimits[i].hard = values[i];
                w->n_rlimits++;
        }
        return 0;
}

/* cores in Dobby's syntax ("0-1,3", cpus below 8) into a mask. */
static int parse_cores(const char *s, unsigned *ret)
{
        unsigned mask = 0;

        for (const char *p = s;;) {
                char *end;
                unsigned long a, b;

                if (*p < '0' || *p > '9')
                        return -EINVAL;
                a = b = strtoul(p, &end, 10);
                if (*end == '-') {
                        p = end + 1;
                        if (*p < '0' || *p > '9')
                                return -EINVAL;
                        b = strtoul(p, &end, 10);
                }
                if (a > b || b >= CORES_MAX)
                        return -EINVAL;
                for (unsigned long i = a; i <= b; i++)
                        mask |= 1u << i;
                if (*end == 0)
                        break;
                if (*end != ',')
                        return -EINVAL;
                p = end + 1;
        }
        *ret = mask;
        return 0;
}

/* The cpus of mask as a list ("0,1,3", as Dobby writes it). */
static void cores_list(unsigned mask, char *buf, size_t size)
{
        size_t n = 0;

        buf[0] = 0;
        for (unsigned i = 0; i < CORES_MAX; i++)
                if (mask & (1u << i))
                        n += (size_t)snprintf(buf + n, size - n, "%s%u", n ? "," : "", i);
}

/* shares: a percentage of 1024, as Dobby's cpu.shares, then crun's conversion of v1
 * shares to a v2 weight (as oci-config.c). cores: trimmed to the host's cpus, as Dobby
 * trims it; what is left confines the container (nothing left: Dobby sets no cpus, and
 * the container may run on all of them). */
static int decode_cpu(json_t *spec, const struct dobby_host *host, struct berth_workload *w,
                      struct berth_error *err)
{
        static const char *const keys[] = { "shares", "cores", NULL };
        unsigned mask = 0, all;
        const char *cores;
        int64_t pct = 0;
        json_t *c;
        int r;

        r = dobby_get_object(spec, "", "cpu", keys, &c, err);
        if (r >= 0)
                r = oci_get_int(c, "cpu", "shares", 1, 100, &pct, err);
        if (r >= 0)
                r = oci_get_str(c, "cpu", "cores", false, &cores, err);
        if (r < 0)
                return r;
        if (pct > 0) {
                int64_t shares = 1024 * pct / 100;

                w->limits.cpu_weight = oci_cpu_shares_to_weight(shares);
        }
        if (!cores)
                return 0;
        if (parse_cores(cores, &mask) < 0)
                return berth_error_set(err, EINVAL,
                                       "cpu.cores '%.64s' must list cpus from 0 to 7 and ranges of "
                                       "them (\"0-1,3\")",
                                       cores);
        all = host->ncpus >= CORES_MAX ? 0xffu : (1u << host->ncpus) - 1;
        cores_list(mask & all, w->limits.cpus, sizeof(w->limits.cpus));
        return 0;
}

/* Dobby's template set in every set; a spec's extra ones in the bounding set alone, and
 * then no no_new_privs (so that a program's file capabilities can raise them). */
static int decode_caps(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        _cleanup_strv_free_ char **names = NULL;
        uint64_t extra = 0;
        int r;

        r = oci_get_strv(spec, "", "capabilities", &names, err);
        if (r < 0)
                return r;
        STRV_FOREACH (n, names) {
                size_t i = 0;

                while (i < ELEMENTSOF(extra_caps) && !streq(extra_caps[i].name, *n))
                        i++;
                if (i == ELEMENTSOF(extra_caps))
                        return berth_error_set(err, EINVAL,
                                               "capabilities[%zu] '%.64s' is not allowed: only "
                                               "CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST and "
                                               "CAP_NET_RAW are",
                                               (size_t)(n - names), *n);
                extra |= UINT64_C(1) << extra_caps[i].cap;
        }
        w->caps_set = w->cap_sets = true;
        w->caps = CAPS_BASE | extra;
        w->cap_effective = w->cap_permitted = w->cap_inheritable = w->cap_ambient = CAPS_BASE;
        w->no_new_privs_set = true;
        w->no_new_privs = !names;
        return 0;
}

static bool syscall_name_valid(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static int seccomp_action(json_t *o, const char *prefix, const char *key, struct berth_error *err)
{
        const char *a;
        char p[FIELD_MAX];
        int r;

        r = oci_get_str(o, prefix, key, false, &a, err);
        if (r < 0)
                return r;
        if (!a || (!streq(a, "SCMP_ACT_ALLOW") && !streq(a, "SCMP_ACT_ERRNO")))
                return berth_error_set(err, EINVAL,
                                       "%s must be \"SCMP_ACT_ALLOW\" or \"SCMP_ACT_ERRNO\"",
                                       jdec_join(p, prefix, key));
        return 0;
}

/* Checked in full (Dobby pastes the names into its template unescaped), then the one OCI
 * rule Dobby's template makes of it: {defaultAction, syscalls: [{names, action}]}, the
 * names as they are. */
static int decode_seccomp(json_t *spec, struct berth_workload *w, struct berth_error *err)
{
        static const char *const keys[] = { "defaultAction", "syscalls", NULL };
        static const char *const sys_keys[] = { "names", "action", NULL };
        _cleanup_strv_free_ char **names = NULL;
        json_auto_t *oci = NULL;
        json_t *s, *sys;
        int r;

        r = dobby_get_object(spec, "", "seccomp", keys, &s, err);
        if (r < 0 || !s)
                return r;
        r = seccomp_action(s, "seccomp", "defaultAction", err);
        if (r >= 0)
                r = dobby_get_object(s, "seccomp", "syscalls", sys_keys, &sys, err);
        if (r >= 0 && !sys)
                r = berth_error_set(err, EINVAL, "seccomp.syscalls is required");
        if (r >= 0)
                r = seccomp_action(sys, "seccomp.syscalls", "action", err);
        if (r >= 0)
                r = oci_get_strv(sys, "seccomp.syscalls", "names", &names, err);
        if (r < 0)
                return r;
        if (strv_length(names) == 0)
                return berth_error_set(err, EINVAL, "seccomp.syscalls.names must not be empty");
        STRV_FOREACH (n, names)
                if (!syscall_name_valid(*n))
                        return berth_error_set(err, EINVAL,
                                               "seccomp.syscalls.names[%zu] '%.64s' is not a "
                                               "system call name",
                                               (size_t)(n - names), *n);
        oci = json_pack("{s:O, s:[{s:O, s:O}]}", "defaultAction",
                        json_object_get(s, "defaultAction"), "syscalls", "names",
                        json_object_get(sys, "names"), "action", json_object_get(sys, "action"));
        if (!oci)
                return -ENOMEM;
        return oci_seccomp_translate(oci, "seccomp", &w->seccomp_rules, err);
}

/* gpu and vpu: nodes with them would name their devices; berth knows none. */
static int decode_accel(json_t *spec, struct berth_error *err)
{
        static const char *const gpu_keys[] = { "enable", "memLimit", NULL };
        static const char *const vpu_keys[] = { "enable", NULL };
        bool gpu = false, vpu = false;
        int64_t mem = 0;
        json_t *g, *v;
        int r;

        r = dobby_get_object(spec, "", "gpu", gpu_keys, &g, err);
        if (r >= 0)
                r = jdec_bool(g, "gpu", "enable", &gpu, err);
        if (r >= 0)
                r = oci_get_int(g, "gpu", "memLimit", 0, INT64_MAX, &mem, err);
        if (r >= 0)
                r = dobby_get_object(spec, "", "vpu", vpu_keys, &v, err);
        if (r >= 0)
                r = jdec_bool(v, "vpu", "enable", &vpu, err);
        if (r < 0)
                return r;
        if (gpu || vpu)
                return berth_error_set(err, EOPNOTSUPP, "%s.enable: this node has no %s",
                                       gpu ? "gpu" : "vpu", gpu ? "GPU" : "VPU");
        return 0;
}

/* What berth has nothing for yet: accepted only when it asks for nothing. */
static int decode_refused(json_t *spec, struct berth_error *err)
{
        static const struct {
                const char *key, *why;
        } refused[] = {
                { "plugins", "berth runs no Dobby plugins" },
                { "rdkPlugins", "berth runs no Dobby plugins" },
        };

        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                json_t *v = json_object_get(spec, refused[i].key);
                bool array = !streq(refused[i].key, "rdkPlugins");

                if (dobby_absent(v))
                        continue;
                if (array ? !json_is_array(v) : !json_is_object(v))
                        return berth_error_set(err, EINVAL, "%s must be an %s", refused[i].key,
                                               array ? "array" : "object");
                if (array ? json_array_size(v) > 0 : json_object_size(v) > 0)
                        return berth_error_set(err, EOPNOTSUPP, "%s: not supported yet: %s",
                                               refused[i].key, refused[i].why);
        }
        return 0;
}

/* ---- the whole ----------------------------------------------------------------------- */

static int apply_overrides(const struct oci_overrides *o, struct berth_workload *w,
                           struct berth_error *err)
{
        int r = oci_overrides_apply(o, w, err);

        if (r < 0)
                return r;
        /* Dobby's template adds these after the spec's environment. */
        r = dobby_env_default(&w->env, "HOME=/home/private");
        if (r >= 0)
                r = dobby_env_default(&w->env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        return r;
}

/* The fixed parts of Dobby's template that the fields do not decide. Its masked and
 * read-only /proc paths are within berth's own (/proc/asound masked rather than
 * read-only); its /tmp, /usr, /bin … are dobby-root.c's. */
static int fixed_parts(const struct dobby_host *host, int64_t rtprio, struct berth_workload *w)
{
        w->hostname = strdup("dobby");
        if (!w->hostname)
                return -ENOMEM;
        /* Its cgroup mount: the container's own tree, where the node has a v2 one. */
        if (host->cgroup2) {
                w->cgroup_mount = true;
                w->namespaces |= BERTH_NS_CGROUP;
        }
        return add_rlimits(w, rtprio);
}

static int translate(json_t *spec, const struct oci_overrides *o, const struct dobby_host *host,
                     struct dobby_spec *d, struct berth_error *err)
{
        struct berth_workload *w = &d->w;
        bool v11 = false, restart = false;
        int64_t rtprio = 0;
        int r;

        if (!json_is_object(spec))
                return berth_error_set(err, EINVAL, "the Dobby spec must be a JSON object");
        r = decode_version(spec, &v11, err);
        if (r >= 0)
                r = check_fields(spec, err);
        if (r >= 0)
                r = decode_args_env(spec, w, err);
        if (r >= 0)
                r = decode_user(spec, w, err);
        if (r >= 0)
                r = decode_memory(spec, w, err);
        if (r >= 0)
                r = decode_console(spec, w, err);
        if (r >= 0)
                r = decode_etc(spec, d, err);
        if (r >= 0)
                r = decode_network(spec, d, err);
        if (r >= 0)
                r = oci_dobby_devices(json_object_get(spec, "devices"), host->devices, &w->limits,
                                      &d->device_paths, err);
        if (r >= 0)
                r = dobby_decode_mounts(spec, o, host, d, err);
        if (r >= 0)
                r = decode_accel(spec, err);
        if (r >= 0)
                r = decode_cpu(spec, host, w, err);
        if (r >= 0)
                r = decode_rt(spec, v11, w, &rtprio, err);
        if (r >= 0)
                r = jdec_bool(spec, "", "restartOnCrash", &restart, err);
        if (r >= 0)
                r = decode_refused(spec, err);
        if (r >= 0)
                r = decode_caps(spec, w, err);
        if (r >= 0)
                r = decode_seccomp(spec, w, err);
        if (r >= 0)
                r = apply_overrides(o, w, err);
        if (r < 0)
                return r;
        /* Dobby restarts a crashed one until 10 restarts came each within 5 minutes of
         * the one before; berth's on-failure:10 gives up after 10, however far apart. */
        if (restart) {
                w->restart = BERTH_RESTART_ON_FAILURE;
                w->restart_max = RESTART_MAX;
        }
        return fixed_parts(host, rtprio, w);
}

void dobby_spec_done(struct dobby_spec *s)
{
        berth_workload_done(&s->w);
        berth_workload_init(&s->w);
        s->mount_fields = strv_free(s->mount_fields);
        for (size_t i = 0; i < s->n_loops; i++) {
                free(s->loops[i].field);
                free(s->loops[i].fstype);
                free(s->loops[i].options);
        }
        s->loops = mfree(s->loops);
        s->n_loops = 0;
        s->device_paths = strv_free(s->device_paths);
        for (int f = 0; f < _DOBBY_ETC_MAX; f++)
                s->etc[f] = strv_free(s->etc[f]);
        s->nat = false;
}

int dobby_spec_translate(json_t *spec, const struct oci_overrides *o, const struct dobby_host *host,
                         struct dobby_spec *ret, struct berth_error *err)
{
        int r;

        *ret = (struct dobby_spec){};
        berth_workload_init(&ret->w);
        r = translate(spec, o, host, ret, err);
        if (r < 0) {
                dobby_spec_done(ret);
                return r == -ENOMEM ? berth_error_set(err, ENOMEM, "out of memory") : r;
        }
        return 0;
}

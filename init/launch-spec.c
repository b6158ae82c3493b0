/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
        free(l->gids);
        for (size_t i = 0; i < l->n_mounts; i++) {
                free(l->mounts[i].source);
                free(l->mounts[i].destination);
        }
        free(l->mounts);
        free(l->rlimits);
        strv_free(l->masked_paths);
        strv_free(l->read_only_paths);
        strv_free(l->sysctls);
        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                free(l->ns_join[i]);
        free(l->uid_map);
        free(l->gid_map);
        memset(l, 0, sizeof(*l));
}

/* ---- names ------------------------------------------------------------------------- */

static const char *const rlimit_names[] = {
        [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
        [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
        [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
        [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
        [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

const char *berth_rlimit_to_string(int resource)
{
        if (resource < 0 || (size_t)resource >= ELEMENTSOF(rlimit_names))
                return NULL;
        return rlimit_names[resource];
}

int berth_rlimit_from_string(const char *s)
{
        if (strncasecmp(s, "RLIMIT_", 7) == 0)
                s += 7;
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (rlimit_names[i] && strcasecmp(s, rlimit_names[i] + 7) == 0)
                        return (int)i;
        return -EINVAL;
}

static const char *const mount_type_names[_LAUNCH_MOUNT_TYPE_MAX] = {
        [LAUNCH_MOUNT_BIND] = "bind",
        [LAUNCH_MOUNT_TMPFS] = "tmpfs",
};

static const struct {
        const char *name;
        unsigned long flags;
} propagations[] = {
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static const char *propagation_to_string(unsigned long p)
{
        for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
                if (propagations[i].flags == p)
                        return propagations[i].name;
        return NULL;
}

int berth_launch_mount_open_source(const struct berth_launch_mount *m)
{
        unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
        long fd;

        if (m->type != LAUNCH_MOUNT_BIND || !m->source)
                return -EINVAL;
        if (m->flags & LAUNCH_MOUNT_RECURSIVE)
                flags |= AT_RECURSIVE;
        fd = syscall(SYS_open_tree, AT_FDCWD, m->source, flags);
        return fd < 0 ? -errno : (int)fd;
}

/* ---- encoding ---------------------------------------------------------------------- */

static json_t *limit_json(uint64_t v)
{
        return v == RLIM_INFINITY ? json_string("unlimited") : json_integer((json_int_t)v);
}

/* A resource by its name; one without a name (a bad value in the struct) as its number,
 * which berth-init refuses with a message naming the field. */
static json_t *limit_type_json(int resource)
{
        const char *name = berth_rlimit_to_string(resource);

        return name ? json_string(name) : json_integer(resource);
}

/* The same for a mount's type. */
static json_t *mount_type_json(enum launch_mount_type t)
{
        return t >= 0 && t < _LAUNCH_MOUNT_TYPE_MAX ? json_string(mount_type_names[t])
                                                    : json_integer(t);
}

static json_t *mount_json(const struct berth_launch_mount *m)
{
        const char *prop = propagation_to_string(m->propagation);
        json_t *j = json_pack(
                "{s:o, s:s, s:b, s:b, s:b, s:b}", "type", mount_type_json(m->type), "destination",
                m->destination, "read_only", !!(m->flags & LAUNCH_MOUNT_READ_ONLY), "nosuid",
                !!(m->flags & LAUNCH_MOUNT_NOSUID), "nodev", !!(m->flags & LAUNCH_MOUNT_NODEV),
                "noexec", !!(m->flags & LAUNCH_MOUNT_NOEXEC));

        if (!j)
                return NULL;
        /* A value without a name goes as its number, which berth-init refuses. */
        if (m->propagation != 0)
                json_object_set_new(j, "propagation",
                                    prop ? json_string(prop)
                                         : json_integer((json_int_t)m->propagation));
        if (m->type == LAUNCH_MOUNT_BIND) {
                json_object_set_new(j, "source", json_string(m->source));
                json_object_set_new(j, "recursive",
                                    json_boolean(m->flags & LAUNCH_MOUNT_RECURSIVE));
        } else {
                json_object_set_new(j, "size", json_integer((json_int_t)m->size));
                json_object_set_new(j, "mode", json_integer(m->mode));
        }
        return j;
}

static json_t *idmap_json(const struct berth_launch_idmap *m, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_pack("[I, I, I]", (json_int_t)m[i].inside,
                                                       (json_int_t)m[i].outside,
                                                       (json_int_t)m[i].count)) < 0)
                        a = (json_decref(a), NULL);
        return a;
}

/* What OCI bundles add: each only when set (its absence is the default). */
static int oci_to_json(const struct berth_launch *l, json_t *j)
{
        int r = 0;

        if (l->root_read_only)
                r |= json_object_set_new(j, "root_read_only", json_true());
        if (l->terminal)
                r |= json_object_set_new(j, "terminal", json_true());
        if (strv_length(l->masked_paths) > 0)
                r |= json_object_set_new(j, "masked_paths", spec_strv_json(l->masked_paths));
        if (strv_length(l->read_only_paths) > 0)
                r |= json_object_set_new(j, "read_only_paths", spec_strv_json(l->read_only_paths));
        if (l->cgroup2_read_only)
                r |= json_object_set_new(j, "cgroup2_read_only", json_true());
        if (l->n_uid_map > 0)
                r |= json_object_set_new(j, "uid_map", idmap_json(l->uid_map, l->n_uid_map));
        if (l->n_gid_map > 0)
                r |= json_object_set_new(j, "gid_map", idmap_json(l->gid_map, l->n_gid_map));
        if (strv_length(l->sysctls) > 0)
                r |= json_object_set_new(j, "sysctls", spec_strv_json(l->sysctls));
        if (l->rt_priority)
                r |= json_object_set_new(j, "rt_priority", json_integer(l->rt_priority));
        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++) {
                json_t *join = json_object_get(j, "ns_join");

                if (!l->ns_join[i])
                        continue;
                if (!join && json_object_set_new(j, "ns_join", join = json_object()) < 0)
                        return -ENOMEM;
                r |= json_object_set_new(join, berth_launch_join_names[i],
                                         json_string(l->ns_join[i]));
        }
        return r ? -ENOMEM : 0;
}

/* The workload's fields. The optional ones (umask, OOM score, capability sets) only
 * when set: their absence is the default. */
/* The payload's groups, resource limits, umask and capability sets (what an exec in the
 * container takes too: berth_launch_process_to_json()). */
static int process_to_json(const struct berth_launch *l, json_t *j)
{
        json_t *gids = json_array(), *rlimits = json_array();
        int r = 0;

        for (size_t i = 0; i < l->n_gids; i++)
                r |= json_array_append_new(gids, json_integer(l->gids[i]));
        for (size_t i = 0; i < l->n_rlimits; i++)
                r |= json_array_append_new(rlimits,
                                           json_pack("{s:o, s:o, s:o}", "type",
                                                     limit_type_json(l->rlimits[i].resource),
                                                     "soft", limit_json(l->rlimits[i].soft), "hard",
                                                     limit_json(l->rlimits[i].hard)));
        r |= json_object_set_new(j, "gids", gids);
        r |= json_object_set_new(j, "rlimits", rlimits);
        if (l->umask_set)
                r |= json_object_set_new(j, "umask", json_integer(l->umask));
        if (l->cap_sets) {
                r |= json_object_set_new(j, "cap_effective",
                                         json_integer((json_int_t)l->cap_effective));
                r |= json_object_set_new(j, "cap_permitted",
                                         json_integer((json_int_t)l->cap_permitted));
                r |= json_object_set_new(j, "cap_inheritable",
                                         json_integer((json_int_t)l->cap_inheritable));
                r |= json_object_set_new(j, "cap_ambient",
                                         json_integer((json_int_t)l->cap_ambient));
        }
        return r ? -ENOMEM : 0;
}

static int workload_to_json(const struct berth_launch *l, json_t *j)
{
        json_t *mounts = json_array();
        int r = 0;

        for (size_t i = 0; i < l->n_mounts; i++)
                r |= json_array_append_new(mounts, mount_json(&l->mounts[i]));
        r |= json_object_set_new(j, "uid", json_integer(l->uid));
        r |= json_object_set_new(j, "gid", json_integer(l->gid));
        r |= json_object_set_new(j, "mounts", mounts);
        if (l->oom_score_adj_set)
                r |= json_object_set_new(j, "oom_score_adj", json_integer(l->oom_score_adj));
        return r || process_to_json(l, j) < 0 ? -ENOMEM : 0;
}

json_t *berth_launch_process_to_json(const struct berth_launch *l)
{
        json_t *j = json_object();

        if (j && process_to_json(l, j) < 0)
                j = (json_decref(j), NULL);
        return j;
}

json_t *berth_launch_to_json(const struct berth_launch *l)
{
        json_t *j = json_pack(
                "{s:I, s:s?, s:s?, s:s, s:s?, s:o, s:s, s:o, s:s?, s:b, s:I, s:o, s:b, "
                "s:I, s:b, s:I, s:s?}",
                "id", (json_int_t)l->id, "name", l->name, "hostname", l->hostname, "rootfs",
                l->rootfs, "staging", l->staging, "args", spec_strv_json(l->args), "exec",
                l->exec_path, "env", spec_strv_json(l->env), "cwd", l->cwd, "systemd", l->systemd,
                "namespaces", (json_int_t)l->namespaces, "cgroups", spec_strv_json(l->cgroups),
                "cgroup2_inside", l->cgroup2_inside, "caps", (json_int_t)l->caps, "no_new_privs",
                l->no_new_privs, "log_max", (json_int_t)l->log_max, "machine_id", l->machine_id);

        if (j && (workload_to_json(l, j) < 0 || oci_to_json(l, j) < 0))
                j = (json_decref(j), NULL);
        return j;
}

/* ---- decoding ---------------------------------------------------------------------- */

static int decode_gids(struct berth_launch *l, json_t *a, struct berth_error *err)
{
        json_t *v;
        size_t i;

        if (!json_is_array(a) || json_array_size(a) > NGROUPS_MAX)
                return SPEC_ERROR(err, "'gids' must be an array of at most %d group ids",
                                  NGROUPS_MAX);
        l->gids = calloc(json_array_size(a) + 1, sizeof(gid_t));
        if (!l->gids)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                char field[32];
                json_int_t g;

                (void)snprintf(field, sizeof(field), "gids[%zu]", i);
                if (spec_get_int(v, field, 0, UINT32_MAX - 1, &g, err) < 0)
                        return -EINVAL;
                l->gids[l->n_gids++] = (gid_t)g;
        }
        return 0;
}

/* One field of an extra mount. */
static int decode_mount_field(struct berth_launch_mount *m, const char *key, json_t *v,
                              const char *field, struct berth_error *err)
{
        static const struct {
                const char *key;
                unsigned flag;
        } bools[] = {
                { "read_only", LAUNCH_MOUNT_READ_ONLY }, { "recursive", LAUNCH_MOUNT_RECURSIVE },
                { "nosuid", LAUNCH_MOUNT_NOSUID },       { "nodev", LAUNCH_MOUNT_NODEV },
                { "noexec", LAUNCH_MOUNT_NOEXEC },
        };
        json_int_t n;
        bool b = false;

        for (size_t i = 0; i < ELEMENTSOF(bools); i++)
                if (streq(key, bools[i].key)) {
                        if (spec_get_bool(v, field, &b, err) < 0)
                                return -EINVAL;
                        m->flags = b ? m->flags | bools[i].flag : m->flags & ~bools[i].flag;
                        return 0;
                }
        if (streq(key, "type")) {
                for (int t = 0; t < _LAUNCH_MOUNT_TYPE_MAX; t++)
                        if (json_is_string(v) && streq(json_string_value(v), mount_type_names[t])) {
                                m->type = (enum launch_mount_type)t;
                                return 0;
                        }
                return SPEC_ERROR(err, "'%s' must be \"bind\" or \"tmpfs\"", field);
        }
        if (streq(key, "source"))
                return spec_get_path(v, field, &m->source, err);
        if (streq(key, "destination"))
                return spec_get_path(v, field, &m->destination, err);
        if (streq(key, "propagation")) {
                for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
                        if (json_is_string(v) &&
                            streq(json_string_value(v), propagations[i].name)) {
                                m->propagation = propagations[i].flags;
                                return 0;
                        }
                return SPEC_ERROR(err,
                                  "'%s' must be one of private, rprivate, slave, rslave, "
                                  "shared, rshared, unbindable, runbindable",
                                  field);
        }
        if (streq(key, "size")) {
                if (spec_get_int(v, field, 0, INT64_MAX, &n, err) < 0)
                        return -EINVAL;
                m->size = (uint64_t)n;
                return 0;
        }
        if (streq(key, "mode")) {
                if (spec_get_int(v, field, 0, 07777, &n, err) < 0)
                        return -EINVAL;
                m->mode = (unsigned)n;
                return 0;
        }
        return SPEC_ERROR(err, "unknown field '%s'", field);
}

static int decode_mount(struct berth_launch_mount *m, json_t *j, size_t idx,
                        struct berth_error *err)
{
        const char *key;
        json_t *v;
        char field[64];

        m->type = _LAUNCH_MOUNT_TYPE_INVALID;
        (void)snprintf(field, sizeof(field), "mounts[%zu]", idx);
        if (!json_is_object(j))
                return SPEC_ERROR(err, "'%s' must be an object", field);
        json_object_foreach (j, key, v) {
                (void)snprintf(field, sizeof(field), "mounts[%zu].%s", idx, key);
                if (decode_mount_field(m, key, v, field, err) < 0)
                        return -EINVAL;
        }
        if (m->type < 0)
                return SPEC_ERROR(err, "'mounts[%zu].type' is missing", idx);
        /* "/data/" is "/data": the last component names the mount point. */
        for (size_t n = m->destination ? strlen(m->destination) : 0;
             n > 1 && m->destination[n - 1] == '/'; n--)
                m->destination[n - 1] = 0;
        if (!m->destination || streq(m->destination, "/"))
                return SPEC_ERROR(err, "'mounts[%zu].destination' must be a path other than '/'",
                                  idx);
        if (m->type == LAUNCH_MOUNT_BIND && !m->source)
                return SPEC_ERROR(err, "'mounts[%zu].source' is missing", idx);
        if (m->type == LAUNCH_MOUNT_BIND &&
            (json_object_get(j, "size") || json_object_get(j, "mode")))
                return SPEC_ERROR(err, "'mounts[%zu]': size and mode are for tmpfs", idx);
        if (m->type == LAUNCH_MOUNT_TMPFS && (m->source || (m->flags & LAUNCH_MOUNT_RECURSIVE)))
                return SPEC_ERROR(err, "'mounts[%zu]': source and recursive are for bind mounts",
                                  idx);
        return 0;
}

static int decode_mounts(struct berth_launch *l, json_t *a, struct berth_error *err)
{
        json_t *v;
        size_t i;

        if (!json_is_array(a) || json_array_size(a) > LAUNCH_MOUNTS_MAX)
                return SPEC_ERROR(err, "'mounts' must be an array of at most %d mounts",
                                  LAUNCH_MOUNTS_MAX);
        l->mounts = calloc(json_array_size(a) + 1, sizeof(*l->mounts));
        if (!l->mounts)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                l->n_mounts++;
                if (decode_mount(&l->mounts[i], v, i, err) < 0)
                        return -EINVAL;
        }
        return 0;
}

static int decode_rlimit(struct berth_launch *l, json_t *j, size_t idx, struct berth_error *err)
{
        struct berth_launch_rlimit *rl = &l->rlimits[idx];
        const char *key, *type = NULL;
        bool soft = false, hard = false;
        json_t *v;
        char field[64];

        if (!json_is_object(j))
                return SPEC_ERROR(err, "'rlimits[%zu]' must be an object", idx);
        json_object_foreach (j, key, v) {
                (void)snprintf(field, sizeof(field), "rlimits[%zu].%s", idx, key);
                if (streq(key, "type")) {
                        /* A number: one berthd had no name for (limit_type_json()). */
                        if (json_is_integer(v))
                                return SPEC_ERROR(err, "'%s': unknown resource limit %lld", field,
                                                  (long long)json_integer_value(v));
                        if (!json_is_string(v))
                                return SPEC_ERROR(err, "'%s' must be a name such as RLIMIT_NOFILE",
                                                  field);
                        type = json_string_value(v);
                } else if (streq(key, "soft")) {
                        if (spec_get_limit(v, field, &rl->soft, err) < 0)
                                return -EINVAL;
                        soft = true;
                } else if (streq(key, "hard")) {
                        if (spec_get_limit(v, field, &rl->hard, err) < 0)
                                return -EINVAL;
                        hard = true;
                } else
                        return SPEC_ERROR(err, "unknown field '%s'", field);
        }
        if (!type || !soft || !hard)
                return SPEC_ERROR(err, "'rlimits[%zu]' needs type, soft and hard", idx);
        rl->resource = berth_rlimit_from_string(type);
        if (rl->resource < 0)
                return SPEC_ERROR(err, "'rlimits[%zu].type': unknown resource limit '%s'", idx,
                                  type);
        if (rl->soft > rl->hard)
                return SPEC_ERROR(err, "'rlimits[%zu]': soft %llu is above hard %llu", idx,
                                  (unsigned long long)rl->soft, (unsigned long long)rl->hard);
        for (size_t k = 0; k < idx; k++)
                if (l->rlimits[k].resource == rl->resource)
                        return SPEC_ERROR(err, "'rlimits[%zu].type': %s is given twice", idx, type);
        return 0;
}

static int decode_rlimits(struct berth_launch *l, json_t *a, struct berth_error *err)
{
        json_t *v;
        size_t i;

        if (!json_is_array(a))
                return SPEC_ERROR(err, "'%s' must be an array", "rlimits");
        l->rlimits = calloc(json_array_size(a) + 1, sizeof(*l->rlimits));
        if (!l->rlimits)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                if (decode_rlimit(l, v, i, err) < 0)
                        return -EINVAL;
                l->n_rlimits++;
        }
        return 0;
}

static_assert(sizeof(uid_t) == sizeof(uint32_t) && sizeof(gid_t) == sizeof(uint32_t),
              "FIELD_ID stores 32 bits");

/* The fields with a plain type: where they go. */
enum field_kind {
        FIELD_U64,
        FIELD_ID, /* uid_t or gid_t */
        FIELD_BOOL,
        FIELD_STR,
        FIELD_STRV,
        FIELD_OTHER, /* decode_other() */
};

static const struct field {
        const char *name;
        enum field_kind kind;
        size_t offset;
        bool required;
} fields[] = {
        { "id", FIELD_U64, offsetof(struct berth_launch, id), true },
        { "name", FIELD_STR, offsetof(struct berth_launch, name), false },
        { "hostname", FIELD_STR, offsetof(struct berth_launch, hostname), false },
        { "rootfs", FIELD_STR, offsetof(struct berth_launch, rootfs), true },
        { "staging", FIELD_STR, offsetof(struct berth_launch, staging), false },
        { "args", FIELD_STRV, offsetof(struct berth_launch, args), true },
        { "exec", FIELD_STR, offsetof(struct berth_launch, exec_path), true },
        { "env", FIELD_STRV, offsetof(struct berth_launch, env), true },
        { "cwd", FIELD_OTHER, 0, false },
        { "systemd", FIELD_BOOL, offsetof(struct berth_launch, systemd), true },
        { "namespaces", FIELD_OTHER, 0, true },
        { "cgroups", FIELD_STRV, offsetof(struct berth_launch, cgroups), true },
        { "cgroup2_inside", FIELD_BOOL, offsetof(struct berth_launch, cgroup2_inside), true },
        { "caps", FIELD_U64, offsetof(struct berth_launch, caps), true },
        { "no_new_privs", FIELD_BOOL, offsetof(struct berth_launch, no_new_privs), true },
        { "log_max", FIELD_U64, offsetof(struct berth_launch, log_max), true },
        { "machine_id", FIELD_STR, offsetof(struct berth_launch, machine_id), false },
        { "uid", FIELD_ID, offsetof(struct berth_launch, uid), false },
        { "gid", FIELD_ID, offsetof(struct berth_launch, gid), false },
        { "gids", FIELD_OTHER, 0, false },
        { "umask", FIELD_OTHER, 0, false },
        { "cap_effective", FIELD_U64, offsetof(struct berth_launch, cap_effective), false },
        { "cap_permitted", FIELD_U64, offsetof(struct berth_launch, cap_permitted), false },
        { "cap_inheritable", FIELD_U64, offsetof(struct berth_launch, cap_inheritable), false },
        { "cap_ambient", FIELD_U64, offsetof(struct berth_launch, cap_ambient), false },
        { "mounts", FIELD_OTHER, 0, false },
        { "rlimits", FIELD_OTHER, 0, false },
        { "oom_score_adj", FIELD_OTHER, 0, false },
        { "root_read_only", FIELD_BOOL, offsetof(struct berth_launch, root_read_only), false },
        { "terminal", FIELD_BOOL, offsetof(struct berth_launch, terminal), false },
        { "masked_paths", FIELD_OTHER, 0, false },
        { "read_only_paths", FIELD_OTHER, 0, false },
        { "cgroup2_read_only", FIELD_BOOL, offsetof(struct berth_launch, cgroup2_read_only),
          false },
        { "uid_map", FIELD_OTHER, 0, false },
        { "gid_map", FIELD_OTHER, 0, false },
        { "sysctls", FIELD_OTHER, 0, false },
        { "ns_join", FIELD_OTHER, 0, false },
        { "rt_priority", FIELD_OTHER, 0, false },
};

const char *const berth_launch_join_names[_LAUNCH_JOIN_MAX] = {
        [LAUNCH_JOIN_NET] = "net",
        [LAUNCH_JOIN_IPC] = "ipc",
        [LAUNCH_JOIN_UTS] = "uts",
};

/* {"net": path, …}: absolute paths. */
static int decode_ns_join(struct berth_launch *l, json_t *v, struct berth_error *err)
{
        const char *key;
        json_t *p;

        if (!json_is_object(v))
                return SPEC_ERROR(err, "'%s' must be an object", "ns_join");
        json_object_foreach (v, key, p) {
                size_t i = 0;

                while (i < _LAUNCH_JOIN_MAX && !streq(key, berth_launch_join_names[i]))
                        i++;
                if (i == _LAUNCH_JOIN_MAX)
                        return SPEC_ERROR(err, "'ns_join.%.32s': unknown namespace", key);
                if (spec_get_path(p, "ns_join", &l->ns_join[i], err) < 0)
                        return -EINVAL;
        }
        return 0;
}

static int decode_other(struct berth_launch *l, const char *key, json_t *v, struct berth_error *err)
{
        json_int_t n;

        if (streq(key, "cwd"))
                return json_is_null(v) ? 0 : spec_get_path(v, key, &l->cwd, err);
        if (streq(key, "namespaces")) {
                /* The LAUNCH_NS_* bits are the low ones: any value up to all of them. */
                if (spec_get_int(v, key, 0, LAUNCH_NS_NET | LAUNCH_NS_USER | LAUNCH_NS_CGROUP, &n,
                                 err) < 0)
                        return -EINVAL;
                l->namespaces = (unsigned)n;
                return 0;
        }
        if (streq(key, "gids"))
                return decode_gids(l, v, err);
        if (streq(key, "umask")) {
                if (spec_get_int(v, key, 0, 0777, &n, err) < 0)
                        return -EINVAL;
                l->umask = (mode_t)n;
                l->umask_set = true;
                return 0;
        }
        if (streq(key, "oom_score_adj")) {
                if (spec_get_int(v, key, -1000, 1000, &n, err) < 0)
                        return -EINVAL;
                l->oom_score_adj = (int)n;
                l->oom_score_adj_set = true;
                return 0;
        }
        if (streq(key, "mounts"))
                return decode_mounts(l, v, err);
        if (streq(key, "masked_paths"))
                return spec_get_path_list(v, key, &l->masked_paths, err);
        if (streq(key, "read_only_paths"))
                return spec_get_path_list(v, key, &l->read_only_paths, err);
        if (streq(key, "uid_map"))
                return spec_get_idmap(v, key, &l->uid_map, &l->n_uid_map, err);
        if (streq(key, "gid_map"))
                return spec_get_idmap(v, key, &l->gid_map, &l->n_gid_map, err);
        if (streq(key, "sysctls"))
                return spec_get_strv(v, key, &l->sysctls, err);
        if (streq(key, "ns_join"))
                return decode_ns_join(l, v, err);
        if (streq(key, "rt_priority")) {
                if (spec_get_int(v, key, 1, 99, &n, err) < 0)
                        return -EINVAL;
                l->rt_priority = (int)n;
                return 0;
        }
        assert(streq(key, "rlimits"));
        return decode_rlimits(l, v, err);
}

static int decode_field(struct berth_launch *l, const struct field *f, json_t *v,
                        struct berth_error *err)
{
        void *p = (char *)l + f->offset;
        json_int_t n;

        switch (f->kind) {
        case FIELD_U64:
                if (spec_get_int(v, f->name, 0, INT64_MAX, &n, err) < 0)
                        return -EINVAL;
                *(uint64_t *)p = (uint64_t)n;
                return 0;
        case FIELD_ID:
                /* (uid_t)-1 means "unchanged" to the set*id calls. */
                if (spec_get_int(v, f->name, 0, UINT32_MAX - 1, &n, err) < 0)
                        return -EINVAL;
                *(uint32_t *)p = (uint32_t)n;
                return 0;
        case FIELD_BOOL:
                return spec_get_bool(v, f->name, p, err);
        case FIELD_STR:
                return spec_get_str(v, f->name, p, err);
        case FIELD_STRV:
                return spec_get_strv(v, f->name, p, err);
        case FIELD_OTHER:
                return decode_other(l, f->name, v, err);
        }
        return -EINVAL;
}

/* The maps as the kernel takes them, and the payload's ids in them (setresuid(2) of an id
 * the namespace does not map is EINVAL, with no word of which). */
static int check_idmaps(const struct berth_launch *l, struct berth_error *err)
{
        int r;

        if (l->n_uid_map == 0 && l->n_gid_map == 0)
                return 0;
        if (!(l->namespaces & LAUNCH_NS_USER))
                return SPEC_ERROR(err, "'%s' and '%s' need the user namespace", "uid_map",
                                  "gid_map");
        if (l->n_uid_map == 0 || l->n_gid_map == 0)
                return SPEC_ERROR(err, "'%s' and '%s' go together", "uid_map", "gid_map");
        r = berth_launch_idmap_check(l->uid_map, l->n_uid_map, "uid_map", err);
        if (r >= 0)
                r = berth_launch_idmap_check(l->gid_map, l->n_gid_map, "gid_map", err);
        if (r < 0) {
                if (r != -ENOMEM)
                        (void)berth_error_prefix(err, "launch spec");
                return r;
        }
        if (!berth_launch_idmap_maps(l->uid_map, l->n_uid_map, l->uid))
                return SPEC_ERROR(err, "'uid' %u is not in 'uid_map'", (unsigned)l->uid);
        if (!berth_launch_idmap_maps(l->gid_map, l->n_gid_map, l->gid))
                return SPEC_ERROR(err, "'gid' %u is not in 'gid_map'", (unsigned)l->gid);
        for (size_t i = 0; i < l->n_gids; i++)
                if (!berth_launch_idmap_maps(l->gid_map, l->n_gid_map, l->gids[i]))
                        return SPEC_ERROR(err, "'gids[%zu]' %u is not in 'gid_map'", i,
                                          (unsigned)l->gids[i]);
        return 0;
}

/* Sysctls of namespaces the container has to itself, and joins that leave nothing
 * to berth-init that it could not do there. */
static int check_kernel(const struct berth_launch *l, struct berth_error *err)
{
        bool joined = false;

        for (size_t i = 0; i < _LAUNCH_JOIN_MAX; i++)
                joined |= l->ns_join[i] != NULL;
        if (joined && (l->namespaces & LAUNCH_NS_USER))
                return SPEC_ERROR(err, "'%s' with a user namespace", "ns_join");
        if (l->ns_join[LAUNCH_JOIN_NET] && (l->namespaces & LAUNCH_NS_NET))
                return SPEC_ERROR(err, "'%s' and a new network namespace", "ns_join.net");
        if (l->ns_join[LAUNCH_JOIN_UTS] && l->hostname)
                return SPEC_ERROR(err, "'%s' and a hostname", "ns_join.uts");
        STRV_FOREACH (e, l->sysctls) {
                size_t i = (size_t)(e - l->sysctls);
                enum berth_sysctl_ns ns;

                if (!berth_sysctl_entry_valid(*e))
                        return SPEC_ERROR(err, "'sysctls[%zu]' is not key=value of a namespace", i);
                ns = berth_sysctl_ns_of(*e);
                if ((ns == BERTH_SYSCTL_NET && !(l->namespaces & LAUNCH_NS_NET)) ||
                    (ns == BERTH_SYSCTL_IPC && l->ns_join[LAUNCH_JOIN_IPC]) ||
                    (ns == BERTH_SYSCTL_UTS && l->ns_join[LAUNCH_JOIN_UTS]))
                        return SPEC_ERROR(err, "'sysctls[%zu]': not the container's own namespace",
                                          i);
        }
        return 0;
}

/* What no single field says. */
static int check_launch(struct berth_launch *l, json_t *j, struct berth_error *err)
{
        static const char *const cap_keys[] = { "cap_effective", "cap_permitted", "cap_inheritable",
                                                "cap_ambient" };
        unsigned n_caps = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                json_t *v = json_object_get(j, fields[i].name);
                if (fields[i].required && (!v || json_is_null(v)))
                        return SPEC_ERROR(err, "'%s' is missing", fields[i].name);
        }
        if (!l->args[0])
                return SPEC_ERROR(err, "'%s' is empty", "args");
        /* Without a cgroup namespace, cgroup2 would show the host's whole tree. */
        if (l->cgroup2_read_only && (!l->cgroup2_inside || !(l->namespaces & LAUNCH_NS_CGROUP)))
                return SPEC_ERROR(err, "'%s' needs 'cgroup2_inside' and the cgroup namespace",
                                  "cgroup2_read_only");
        r = check_idmaps(l, err);
        if (r >= 0)
                r = check_kernel(l, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(cap_keys); i++)
                n_caps += json_object_get(j, cap_keys[i]) != NULL;
        if (n_caps != 0 && n_caps != ELEMENTSOF(cap_keys))
                return SPEC_ERROR(err, "'%s', '%s', '%s' and '%s' go together", cap_keys[0],
                                  cap_keys[1], cap_keys[2], cap_keys[3]);
        l->cap_sets = n_caps != 0;
        if (!l->cap_sets)
                return 0;
        /* What capset(2) and PR_CAP_AMBIENT_RAISE would refuse, named here. */
        if ((l->cap_effective | l->cap_permitted | l->cap_inheritable | l->cap_ambient) & ~l->caps)
                return SPEC_ERROR(err, "'%s': a capability set goes beyond the bounding set 'caps'",
                                  "cap_*");
        if (l->cap_effective & ~l->cap_permitted)
                return SPEC_ERROR(err, "'%s' must be within 'cap_permitted'", "cap_effective");
        if (l->cap_ambient & ~(l->cap_permitted & l->cap_inheritable))
                return SPEC_ERROR(err, "'%s' must be within 'cap_permitted' and 'cap_inheritable'",
                                  "cap_ambient");
        return 0;
}

int berth_launch_from_json(json_t *j, struct berth_launch *l, struct berth_error *err)
{
        const char *key;
        json_t *v;
        int r = 0;

        memset(l, 0, sizeof(*l));
        if (!json_is_object(j))
                return berth_error_set(err, EINVAL, "launch spec: not a JSON object");
        json_object_foreach (j, key, v) {
                const struct field *f = NULL;

                for (size_t i = 0; i < ELEMENTSOF(fields) && !f; i++)
                        if (streq(fields[i].name, key))
                                f = &fields[i];
                r = f ? decode_field(l, f, v, err) : SPEC_ERROR(err, "unknown field '%s'", key);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = check_launch(l, j, err);
        if (r < 0) {
                berth_launch_done(l);
                return r == -ENOMEM ? berth_error_set(err, ENOMEM, "launch spec: out of memory")
                                    : r;
        }
        return 0;
}

int berth_launch_process_from_json(json_t *j, struct berth_launch *l, struct berth_error *err)
{
        static const char *const keys[] = { "gids",          "rlimits",
                                            "umask",         "cap_effective",
                                            "cap_permitted", "cap_inheritable",
                                            "cap_ambient",   NULL };
        unsigned n_caps = 0;
        const char *key;
        json_t *v;

        if (!json_is_object(j))
                return SPEC_ERROR(err, "'%s' must be an object", "process");
        json_object_foreach (j, key, v) {
                const struct field *f = NULL;

                if (!strv_contains((char **)keys, key))
                        return SPEC_ERROR(err, "unknown field 'process.%s'", key);
                for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                        if (streq(fields[i].name, key))
                                f = &fields[i];
                if (!f || decode_field(l, f, v, err) < 0)
                        return -EINVAL;
                n_caps += strncmp(key, "cap_", 4) == 0;
        }
        if (n_caps != 0 && n_caps != 4)
                return SPEC_ERROR(err, "'%s' go together", "process.cap_*");
        l->cap_sets = n_caps == 4;
        return 0;
}

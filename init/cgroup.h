/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct berth_error;

/*
 * Container cgroups on whatever the host has: a pure v2 tree, v1 controllers only, or
 * the hybrid layout (v1 controllers plus a mostly empty v2 at <root>/unified), which
 * crun refuses and which is what this machine kind has. Privilege: root in the host's
 * cgroup namespace.
 *
 * Each container gets <hierarchy>/<parent>/<name> in the v2 tree (when there is one)
 * and in every v1 hierarchy that has a controller berth uses. Limits go where their
 * controller lives: memory, pids and cpu on v2 when v2 has them, else on v1.
 */

enum berth_cgroup_layout {
        BERTH_CGROUP_UNIFIED, /* pure cgroup v2 */
        BERTH_CGROUP_HYBRID,  /* v1 controllers + v2 at <root>/unified */
        BERTH_CGROUP_LEGACY,  /* v1 only */
        BERTH_CGROUP_NONE,    /* nothing mounted: containers run without cgroups */
        _BERTH_CGROUP_LAYOUT_MAX,
};

const char *berth_cgroup_layout_to_string(enum berth_cgroup_layout l);

enum berth_cgroup_ctrl {
        BERTH_CG_MEMORY,
        BERTH_CG_PIDS,
        BERTH_CG_CPU,
        BERTH_CG_CPUACCT,
        BERTH_CG_CPUSET,
        BERTH_CG_FREEZER,
        BERTH_CG_DEVICES,
        BERTH_CG_BLKIO,
        BERTH_CG_SYSTEMD, /* the name=systemd v1 hierarchy */
        _BERTH_CG_MAX,
};

struct berth_cgroup_system {
        enum berth_cgroup_layout layout;
        char *v2;                   /* mount point of the v2 tree, or NULL */
        bool v2_has[_BERTH_CG_MAX]; /* controllers enabled in the v2 root */
        char *v1[_BERTH_CG_MAX];    /* v1 mount point per controller, or NULL */
        char *parent;               /* name of berth's parent group, e.g. "berth" */
        int devices_prog;           /* the BPF device program for v2 groups, or -EBADF */
        /* Devices beyond the standard ones that containers may be given (the node's
         * allow-list): berth's v1 parent allows them, and every new group denies them
         * again but for those its container asks for. */
        struct berth_device *extra;
        size_t n_extra;
};

/* A character device a container may open beyond the standard ones (cgroup-devices.h). */
enum {
        BERTH_DEVICE_READ = 1u << 0,
        BERTH_DEVICE_WRITE = 1u << 1,
};
struct berth_device {
        uint32_t major, minor;
        unsigned access; /* BERTH_DEVICE_READ | BERTH_DEVICE_WRITE; never mknod */
};
#define BERTH_DEVICES_MAX 16

struct berth_limits {
        uint64_t memory;        /* bytes, 0 = none */
        uint64_t pids;          /* 0 = none */
        uint32_t cpu_weight;    /* 1..10000 (v2 scale), 0 = none */
        uint32_t cpu_quota_us;  /* per cpu_period_us, 0 = none */
        uint32_t cpu_period_us; /* default 100000 */
        /* cpuset: the kernel's list syntax ("0-1,3"), checked by the door that took it;
         * "" = the parent's. */
        char cpus[128];
        char mems[64];
        /* Real-time time per second of its v1 cpu group (cpu.rt_runtime_us, where the
         * kernel schedules real-time tasks by group), so that its processes may run
         * SCHED_RR/SCHED_FIFO; berth's parent group gets BERTH_RT_PARENT_US. 0 = none. */
        uint32_t rt_runtime_us;
        /* Memory plus swap (with memory): 0 = the memory limit itself (no swap, berth's
         * default), -1 = swap without a limit, else bytes (at least memory). */
        int64_t memory_swap;
        /* Devices of the host's allow-list (berth_cgroup_system_allow_devices()) this
         * container may open, with the access it may have. */
        struct berth_device devices[BERTH_DEVICES_MAX];
        unsigned n_devices;
};

/* The real-time budget of berth's parent group, in µs per second, which its containers'
 * rt_runtime_us share. */
#define BERTH_RT_PARENT_US 500000u
/* The budget of a container that runs real-time (rt_priority): 50 ms a second. */
#define BERTH_RT_CONTAINER_US 50000u

/* A container's groups: the v2 one and one per v1 hierarchy. */
#define BERTH_CGROUP_PATHS_MAX (1 + _BERTH_CG_MAX)
struct berth_cgroup {
        char *paths[BERTH_CGROUP_PATHS_MAX + 1]; /* directories (v2 first), NULL-terminated */
        size_t n_paths;
        char *v2;                            /* its v2 directory, or NULL */
        char *memory, *pids, *freezer, *cpu; /* where those controllers are (v1 or v2) */
        char *cpuset;                        /* only where limits asked for cpus or mems */
        bool memory_v2, freezer_v2, cpu_v2;
        bool devices_confined; /* a v1 devices group, or the device program on its v2 group */
        unsigned depth;        /* groups between the parent and it (a name with slashes),
                                * removed with it where empty */
};

/* Write value into the file of the group at dir (one write(2)). Returns 0 / -errno. */
int berth_cgroup_write(const char *dir, const char *file, const char *value);

/* Find the layout under root (normally /sys/fs/cgroup) from mountinfo. */
int berth_cgroup_system_detect(const char *root, const char *parent,
                               struct berth_cgroup_system **ret, struct berth_error *err);
struct berth_cgroup_system *berth_cgroup_system_free(struct berth_cgroup_system *cs);
/* The devices containers may be given (before berth_cgroup_system_prepare()); those of
 * the standard list are left out. Returns 0 / -ENOMEM. */
int berth_cgroup_system_allow_devices(struct berth_cgroup_system *cs, const struct berth_device *d,
                                      size_t n);
/* Once, before containers: the device allow-list on berth's v1 devices parent, and the
 * device program for v2 groups (cgroup-devices.h). Returns 0 / -errno; on failure v2
 * groups get no device program (devices_confined stays false for them). */
int berth_cgroup_system_prepare(struct berth_cgroup_system *cs, struct berth_error *err);
/* Remove the parent groups where they are empty (at shutdown: groups of containers
 * that keep running stay, and so do their parents). */
void berth_cgroup_system_prune(const struct berth_cgroup_system *cs);

enum {
        BERTH_CGROUP_V2 = 1u << 0, /* also where it is optional (berth_cgroup_v2_optional()) */
        BERTH_CGROUP_EVERY_V1 = 1u << 1, /* a group in every v1 hierarchy, not only those with
                                          * berth's settings: for containers that may mount
                                          * cgroup v1 (CAP_SYS_ADMIN), whose cgroup namespace
                                          * must not have a hierarchy's root, where
                                          * release_agent runs programs on the host */
};

/* Create the groups named name under the parent and apply limits. A name may have
 * slashes ("apps/web": a container's cgroups_path), the groups between made as needed
 * and removed with it where empty. Without
 * BERTH_CGROUP_V2 the v2 group is left out where it is optional. A new v2 group gets
 * the device program before anything can join it. On failure nothing is left.
 * Returns 0 / -errno (EEXIST: the group exists and is not empty). */
int berth_cgroup_create(const struct berth_cgroup_system *cs, const char *name, unsigned flags,
                        const struct berth_limits *limits, struct berth_cgroup **ret,
                        struct berth_error *err);
/* A hybrid host whose v2 tree has no controllers, with v1 freezer and devices: a v2
 * group there only tracks processes, which the v1 groups do as well. */
bool berth_cgroup_v2_optional(const struct berth_cgroup_system *cs);
/* Can containers here do without joining a v2 group (no v2 tree, or an optional one)? */
bool berth_cgroup_v2_avoidable(const struct berth_cgroup_system *cs);
/* Find the existing groups named name (a restarted berthd re-adopting a container, or
 * removing a group a crash left): those that exist, -ENOENT when there is none.
 * Nothing is changed. */
int berth_cgroup_open(const struct berth_cgroup_system *cs, const char *name,
                      struct berth_cgroup **ret, struct berth_error *err);
/* Pid of the process in the group that is PID 1 of its own pid namespace (a
 * container's init), 0 when there is none, or -errno. */
pid_t berth_cgroup_find_init(struct berth_cgroup *cg);
/* Is the freezer of the group frozen? */
bool berth_cgroup_is_frozen(struct berth_cgroup *cg);
/* Limits, on groups created without (berth_cgroup_create() applies its own). */
int berth_cgroup_apply_limits(struct berth_cgroup *cg, const struct berth_limits *limits,
                              struct berth_error *err);
/* Rename every group of cg (v1 only: cgroup2 cannot rename) to name, in place. */
int berth_cgroup_rename(struct berth_cgroup *cg, const char *name, struct berth_error *err);
/* Remove the groups (they must be empty). Returns 0 / -EBUSY. Frees nothing. */
int berth_cgroup_remove(struct berth_cgroup *cg);
struct berth_cgroup *berth_cgroup_free(struct berth_cgroup *cg);
/* Kill what is left in the groups, remove them (best effort) and free cg. NULL. */
struct berth_cgroup *berth_cgroup_destroy(struct berth_cgroup *cg);

/* Freeze (pause) or thaw; waits until the freezer reports the new state. */
int berth_cgroup_freeze(struct berth_cgroup *cg, bool freeze, struct berth_error *err);
/* SIGKILL every process in the group (cgroup.kill where the kernel has it). */
int berth_cgroup_kill_all(struct berth_cgroup *cg);
/* Number of OOM kills in the group so far. */
int berth_cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *ret);
/* The same of the memory group at the directory memory (v2: of cgroup2). */
int berth_cgroup_oom_kills_at(const char *memory, bool v2, uint64_t *ret);
/* An fd (non-blocking, close-on-exec) that becomes readable when the group's OOM
 * killer may have run: v1 an eventfd registered on memory.oom_control, v2 inotify on
 * memory.events. berth_cgroup_oom_kills() tells whether it did. -errno. */
int berth_cgroup_oom_watch(struct berth_cgroup *cg);
/* Consume what made it readable. */
void berth_cgroup_oom_watch_ack(int fd);
/* Are there processes left in the group? */
int berth_cgroup_is_empty(struct berth_cgroup *cg);

/* What a container's groups use now; *_set tells what could be read. A limit of 0 is
 * none. Returns 0 / -EOPNOTSUPP (no groups). */
struct berth_cgroup_stats {
        uint64_t memory_bytes, memory_limit;
        uint64_t cpu_usage_ns;
        uint64_t pids, pids_limit;
        bool memory_set, cpu_set, pids_set;
};
int berth_cgroup_stats(struct berth_cgroup *cg, struct berth_cgroup_stats *ret);

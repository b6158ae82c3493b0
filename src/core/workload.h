/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

struct berth_error;

/*
 * A workload: the one neutral description of something to run. Every door translates
 * its own words into it (an ImageAPI container, a pod's service, an OCI config.json, a
 * Dobby spec), and an engine turns it into whatever it runs (the native engine: a
 * struct berth_launch for berth-init). Its root is the container's mount object, or a
 * host path mounted read-only (root_path).
 */

/* Namespaces beyond mount, pid, uts and ipc, which every workload gets. */
enum {
        BERTH_NS_NET = 1u << 0,
        BERTH_NS_USER = 1u << 1,
        BERTH_NS_CGROUP = 1u << 2,
};

enum berth_restart {
        BERTH_RESTART_NO,
        BERTH_RESTART_ALWAYS,
        BERTH_RESTART_UNLESS_STOPPED,
        BERTH_RESTART_ON_FAILURE,
        _BERTH_RESTART_MAX,
        _BERTH_RESTART_INVALID = -EINVAL,
};

/* What a workload may ask of the seccomp filter. */
enum berth_wl_seccomp {
        BERTH_WL_SECCOMP_DEFAULT,    /* Docker's default profile (the zygote-able one) */
        BERTH_WL_SECCOMP_PRIVILEGED, /* systemd-nspawn's (with systemd) */
        _BERTH_WL_SECCOMP_MAX,
};

/* Namespaces a workload may join by path instead of having its own (OCI
 * linux.namespaces[].path). */
enum berth_wl_join {
        BERTH_WL_JOIN_NET,
        BERTH_WL_JOIN_IPC,
        BERTH_WL_JOIN_UTS,
        _BERTH_WL_JOIN_MAX,
};

enum berth_wl_mount_kind {
        BERTH_WL_BIND,
        BERTH_WL_TMPFS,
        _BERTH_WL_MOUNT_KIND_MAX,
        _BERTH_WL_MOUNT_KIND_INVALID = -EINVAL,
};

enum {
        BERTH_WL_MOUNT_RO = 1u << 0,
        BERTH_WL_MOUNT_RECURSIVE = 1u << 1,
        BERTH_WL_MOUNT_NOSUID = 1u << 2,
        BERTH_WL_MOUNT_NODEV = 1u << 3,
        BERTH_WL_MOUNT_NOEXEC = 1u << 4,
};

/* One line of a user namespace's uid_map or gid_map. */
struct berth_wl_idmap {
        uint32_t inside, outside, count;
};

/* An extra mount inside the root. */
struct berth_wl_mount {
        enum berth_wl_mount_kind kind;
        char *source;              /* bind: an absolute host path */
        char *destination;         /* an absolute path inside the root */
        unsigned flags;            /* BERTH_WL_MOUNT_* */
        unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE,
                                      with MS_REC; 0: private (rprivate for a recursive
                                      bind) */
        uint64_t size;             /* tmpfs: bytes, 0 = the kernel's default */
        uint32_t mode;             /* tmpfs: of its root; 0 = 0755 */
};

struct berth_wl_rlimit {
        char *type; /* "RLIMIT_NOFILE" or "nofile" */
        uint64_t soft, hard;
};

/* A published port (engines with their own networks: docker). */
struct berth_wl_port {
        char *host_ip;                     /* NULL: every address of the host */
        uint16_t host_port, host_port_end; /* a range; 0: the engine picks one */
        uint16_t port, port_end;           /* in the container */
        char *proto;                       /* "tcp", "udp" or "sctp" */
};

/* A health check (engines that run one: docker). */
struct berth_wl_health {
        char **test; /* ["CMD", argv...], ["CMD-SHELL", "cmd"] or ["NONE"] */
        uint64_t interval_ns, timeout_ns, start_period_ns;
        unsigned retries;
};

struct berth_workload {
        char **args;        /* argv; args[0] is looked up on PATH in the root */
        char **env;         /* "KEY=value", what the request set (the engine adds PATH, HOME …) */
        char *cwd;          /* NULL: "/" */
        char *command_line; /* the command as the client wrote it, when it wrote one */

        bool user_set; /* else root */
        uid_t uid;
        gid_t gid;
        gid_t *gids;
        size_t n_gids;

        char *hostname;
        char *root_path; /* a host path mounted read-only as the root; NULL: the mount */
        char *image;     /* for engines that run images (docker): a reference; NULL: none */
        struct berth_wl_mount *mounts;
        size_t n_mounts;

        unsigned namespaces; /* BERTH_NS_* */
        bool systemd;        /* systemd is PID 1: privileged, cgroup namespace */
        struct berth_limits limits;

        bool caps_set; /* else the engine's default set for the workload */
        uint64_t caps; /* capability bounding set, as a bit mask */
        bool cap_sets; /* else effective = permitted = caps, inheritable = ambient = 0 */
        uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient;
        bool no_new_privs_set; /* else on, unless systemd */
        bool no_new_privs;
        enum berth_wl_seccomp seccomp;
        /* A custom filter that replaces the profile of seccomp, in the canonical form of
         * init/seccomp-rules.h (checked by the door that translated it); NULL: none. */
        json_t *seccomp_rules;
        struct berth_wl_rlimit *rlimits;
        size_t n_rlimits;
        int umask; /* -1: inherit (022) */
        bool oom_score_adj_set;
        int oom_score_adj;

        int stop_signal; /* 0: SIGTERM, or SIGRTMIN+3 for systemd */
        uint64_t stop_timeout_ms;
        enum berth_restart restart;
        unsigned restart_max; /* on-failure:N */
        uint64_t log_max;     /* 0: the engine's default */
        char **labels;        /* "key=value" */

        /* For engines that run images (docker); the native engine refuses what it
         * cannot honour. */
        char **entrypoint;  /* replaces the image's (args then replaces its command);
                               NULL: the image's */
        char *user_name;    /* "user[:group]" as written (names resolved in the image) */
        char *network_mode; /* NULL or "bridge": the engine's network (below); "host",
                               "none" */
        char *network;      /* the network to join: a name (NULL: the engine's default) */
        char **network_aliases;
        struct berth_wl_port *ports;
        size_t n_ports;
        struct berth_wl_health *health; /* NULL: the image's */
        bool privileged;
        char **devices; /* "host[:container[:perms]]" */

        /* What OCI bundles ask beyond that (recorded under "oci_opts" when any is set). */
        bool terminal;         /* stdin, stdout and stderr are the container's console (a
                                * pty whose output goes to the log), as process.terminal */
        bool root_writable;    /* root_path is mounted read-write (else read-only) */
        char **masked_paths;   /* masked beyond the engine's own set (linux.maskedPaths) */
        char **readonly_paths; /* read-only beyond the engine's own (linux.readonlyPaths) */
        bool cgroup_mount;     /* /sys/fs/cgroup: the container's own cgroup2 tree, read-only
                                * (with a cgroup namespace) */
        /* The user namespace's maps (with BERTH_NS_USER); none: every id to itself. */
        struct berth_wl_idmap *uid_map, *gid_map;
        size_t n_uid_map, n_gid_map;
        char *log_path; /* the log at this absolute host path instead of the container's
                         * directory (a Dobby spec's console.path); rotated as ever */
        char *nat_addr; /* "10.77.0.5/24": with BERTH_NS_NET, eth0 in the namespace on
                         * berth's NAT bridge at this address, the range's first host
                         * address (the bridge's) its default route (native-net.h);
                         * NULL: only lo */
        /* Kernel parameters of the container's own namespaces, "net.ipv4.ip_forward=1"
         * (linux.sysctl): written under its /proc/sys before the payload runs. */
        char **sysctls;
        /* Namespace files (/proc/PID/ns/net, /run/netns/NAME …) whose namespace the
         * container joins instead of a new one (BERTH_WL_JOIN_*); NULL: its own (or, for
         * the network, BERTH_NS_NET's choice). Never with BERTH_NS_USER. */
        char *ns_join[_BERTH_WL_JOIN_MAX];
        /* Where its groups go below berthd's cgroup parent ("apps/web", linux.cgroupsPath;
         * berth_wl_cgroups_path_valid()); NULL: a group named by its id. */
        char *cgroups_path;
        /* The payload runs SCHED_RR at this priority (1..99; a Dobby spec's
         * rtPriority.default, with limits.rt_runtime_us and RLIMIT_RTPRIO); 0: the
         * normal policy. */
        int rt_priority;
};

/* A cgroups_path: 1 to 4 components of letters, digits, '_', '-' and '.' (not starting
 * with '.'), 128 bytes at most, the first not a name berth gives its own groups (all
 * digits, or 'z' and digits). */
bool berth_wl_cgroups_path_valid(const char *p);

#define BERTH_STOP_TIMEOUT_DEFAULT_MS 10000u

/* An empty workload: no args, defaults everywhere. */
void berth_workload_init(struct berth_workload *w);
void berth_workload_done(struct berth_workload *w);
/* A deep copy into dst (initialised by this call). -ENOMEM. */
int berth_workload_copy(struct berth_workload *dst, const struct berth_workload *src);

/* The signal that asks it to stop. */
int berth_workload_stop_signal(const struct berth_workload *w);

const char *berth_restart_to_string(enum berth_restart r);
enum berth_restart berth_restart_from_string(const char *s);

/* For records: every field, and back (-EINVAL with a message naming the field). */
json_t *berth_workload_to_json(const struct berth_workload *w);
int berth_workload_from_json(json_t *j, struct berth_workload *w, struct berth_error *err);

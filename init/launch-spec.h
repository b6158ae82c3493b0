/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "launch-idmap.h"

struct berth_error;

/*
 * What berthd hands to berth-init: the single internal launch spec (design.md,
 * "struct berth_launch"), serialised as JSON in a sealed memfd, plus file descriptors
 * at fixed numbers. berth-init is exec'd right after clone() into the new namespaces
 * and does all the set-up itself, so berthd's threads never run code between clone()
 * and exec.
 */

/* File descriptors berth-init starts with. */
enum {
        LAUNCH_FD_STDIN = 0,          /* /dev/null */
        LAUNCH_FD_LOG = 1,            /* the container log, O_APPEND (also fd 2) */
        LAUNCH_FD_SPEC = 3,           /* memfd: this spec as JSON */
        LAUNCH_FD_SYNC = 4,           /* SOCK_SEQPACKET to berthd: "ready", errors, console fd */
        LAUNCH_FD_STATUS = 5,         /* the exit-status file, written when the payload ends */
        LAUNCH_FD_LOG_OLD = 6,        /* <log>.1, where the log is rotated to */
        LAUNCH_FD_SECCOMP = 7,        /* memfd: the seccomp BPF program, or /dev/null for none */
        LAUNCH_FD_SECCOMP_FINISH = 8, /* memfd: a second program the payload installs on top
                                       * (BERTH_SECCOMP_FINISH), or /dev/null */
        _LAUNCH_FD_MAX,
        /* exec mode ("berth-init --exec", launch.h): the container's PID 1 as a pidfd, in
         * place of the status file; stdout and stderr are the output pipe, the old log and
         * the second program /dev/null. */
        LAUNCH_FD_EXEC_PIDFD = LAUNCH_FD_STATUS,
};

/* Namespaces beyond the four every container gets (mount, pid, uts, ipc). */
enum {
        LAUNCH_NS_NET = 1u << 0,
        LAUNCH_NS_USER = 1u << 1,
        LAUNCH_NS_CGROUP = 1u << 2,
};

/* Namespaces joined by path instead of new ones (struct berth_launch.ns_join). */
enum {
        LAUNCH_JOIN_NET,
        LAUNCH_JOIN_IPC,
        LAUNCH_JOIN_UTS,
        _LAUNCH_JOIN_MAX,
};

/* Extra mounts (struct berth_launch_mount.flags). */
enum {
        LAUNCH_MOUNT_READ_ONLY = 1u << 0,
        LAUNCH_MOUNT_RECURSIVE = 1u << 1, /* bind: with the submounts (rbind) */
        LAUNCH_MOUNT_NOSUID = 1u << 2,
        LAUNCH_MOUNT_NODEV = 1u << 3,
        LAUNCH_MOUNT_NOEXEC = 1u << 4,
};

enum launch_mount_type {
        LAUNCH_MOUNT_BIND,  /* JSON "bind" */
        LAUNCH_MOUNT_TMPFS, /* JSON "tmpfs" */
        _LAUNCH_MOUNT_TYPE_MAX,
        _LAUNCH_MOUNT_TYPE_INVALID = -EINVAL,
};

/* At most this many extra mounts (a zygote receives the bind sources in one message). */
#define LAUNCH_MOUNTS_MAX 64
/* At most this many masked_paths, and as many read_only_paths. */
#define LAUNCH_PATHS_MAX 256

/* A mount made in the container once its root is in place (after /proc, /dev, /sys and
 * the pivot), in the order given, so that one may go inside an earlier one. */
struct berth_launch_mount {
        enum launch_mount_type type;
        char *source;      /* bind: an absolute host path, a directory or a file */
        char *destination; /* absolute, inside the container (never "/"); made when missing:
                            * a directory, or an empty file for a file's bind */
        unsigned flags;    /* LAUNCH_MOUNT_*; a read-only recursive bind is read-only
                            * throughout */
        /* MS_PRIVATE, MS_SLAVE, MS_SHARED or MS_UNBINDABLE, with MS_REC for the submounts
         * too (JSON "private", "rslave", …); 0: private (rprivate for a recursive bind). */
        unsigned long propagation;
        uint64_t size; /* tmpfs: bytes; 0: the kernel's default (half the RAM) */
        unsigned mode; /* tmpfs: its root's mode (07777 at most); 0: the kernel's 01777 */
};

/* A resource limit of the payload (JSON {"type": "RLIMIT_NOFILE" or "nofile", "soft",
 * "hard"}; "unlimited" or -1 for RLIM_INFINITY). */
struct berth_launch_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft, hard;
};

struct berth_launch {
        uint64_t id;
        char *name;
        char *hostname;
        char *rootfs;    /* host path of the root file system, a mount point */
        char *staging;   /* an empty host directory: /proc, /dev and /sys are built on a
                          * tmpfs there (in the container's mount namespace), then moved
                          * into the root */
        char **args;     /* argv; args[0] as given */
        char *exec_path; /* args[0] resolved inside the root file system */
        char **env;
        char *cwd; /* absolute, inside the root; NULL: "/" */
        bool systemd;
        unsigned namespaces; /* LAUNCH_NS_* */
        char **cgroups;      /* directories whose cgroup.procs berth-init joins */
        bool cgroup2_inside; /* mount cgroup2 at /sys/fs/cgroup (systemd mode) */
        uint64_t caps;       /* capability bounding set, as a bit mask */
        bool no_new_privs;
        uint64_t log_max; /* rotate the log beyond this many bytes; 0 = never */
        char *machine_id; /* 32 hex digits, passed as container_uuid */

        /* The payload's user: it runs with exactly these ids and supplementary groups
         * (0, 0 and none by default). systemd mode needs uid 0. */
        uid_t uid;
        gid_t gid;
        gid_t *gids;
        size_t n_gids;
        bool umask_set; /* else the payload inherits berth-init's (berthd's) umask */
        mode_t umask;
        /* The payload's capability sets (masks of CAP_*, each within caps). Without
         * them (cap_sets false), effective = permitted = caps and inheritable = ambient
         * = 0. As with crun, execve(2) decides what the payload keeps: uid 0 gets the
         * bounding set, any other uid the ambient set (no file capabilities). */
        bool cap_sets;
        uint64_t cap_effective, cap_permitted, cap_inheritable, cap_ambient;
        struct berth_launch_mount *mounts;
        size_t n_mounts;
        struct berth_launch_rlimit *rlimits; /* each resource once */
        size_t n_rlimits;
        bool oom_score_adj_set; /* else the payload inherits berth-init's */
        int oom_score_adj;      /* -1000..1000 */

        /* What OCI bundles ask beyond that (all optional in the JSON). */
        bool root_read_only; /* "/" is made read-only once the extra mounts are made
                              * (the API mounts keep their own flags) */
        bool terminal;       /* the payload's stdin, stdout and stderr are /dev/console,
                              * its controlling tty (the console goes to the log) */
        /* Masked (as the built-in /proc/kcore …) or made read-only (as /proc/sys …)
         * after the built-in ones and the extra mounts, inside the container; a path
         * that does not exist is skipped. Absolute, never "/", no ".." component. */
        char **masked_paths;
        char **read_only_paths;
        bool cgroup2_read_only; /* cgroup2_inside, read-only (needs LAUNCH_NS_CGROUP) */

        /* With LAUNCH_NS_USER: the namespace's maps, which berthd writes before berth-init
         * runs, both or neither (none: every id to itself). Each maps inside id 0, as
         * whose root berth-init sets the container up, and the payload's uid, gid and
         * gids (berth_launch_idmap_check()). When inside 0 is not the host's root,
         * berth-init comes in with its capabilities ambient, does what reaches into the
         * host's tree as the host's root, and then becomes the namespace's root
         * (berth-init.c). The devpts of the container gets gid 5 ("tty") only where that
         * is mapped. */
        struct berth_launch_idmap *uid_map, *gid_map;
        size_t n_uid_map, n_gid_map;

        /* Kernel parameters of the container's namespaces, "key=value" (sysctl.h: net.*
         * needs LAUNCH_NS_NET, the ipc and uts ones a namespace not joined), written
         * under its /proc/sys before anything is read-only (JSON "sysctls"). */
        char **sysctls;
        /* Namespace files (absolute host paths) whose namespace the container joins
         * instead of a new one (JSON "ns_join": {"net", "ipc", "uts"}): berthd opens
         * them, checks their type and enters them before the clone (launch.c). Never with
         * LAUNCH_NS_USER; a joined net without LAUNCH_NS_NET, a joined uts without a
         * hostname. NULL: a new one (the network: as namespaces says). */
        char *ns_join[_LAUNCH_JOIN_MAX];
        /* The payload's SCHED_RR priority, 1..99 (JSON "rt_priority"); 0: the normal
         * policy. Set as root before the user changes, within RLIMIT_RTPRIO in a user
         * namespace. */
        int rt_priority;
};

/* "net", "ipc", "uts" for LAUNCH_JOIN_*. */
extern const char *const berth_launch_join_names[_LAUNCH_JOIN_MAX];

void berth_launch_done(struct berth_launch *l);
/* Returns NULL only for OOM. */
json_t *berth_launch_to_json(const struct berth_launch *l);
/* Strict: an unknown field, a missing required one or a value out of range is
 * -EINVAL with a message naming the field ("launch spec: 'rlimits[0].type': …"). */
int berth_launch_from_json(json_t *j, struct berth_launch *ret, struct berth_error *err);

/* The payload's process settings alone (gids, rlimits, umask, the capability sets), as
 * an exec in the container takes them: {"gids", "rlimits", "umask"?, "cap_*"?}; the
 * same strictness, into l's fields (others untouched). */
json_t *berth_launch_process_to_json(const struct berth_launch *l);
int berth_launch_process_from_json(json_t *j, struct berth_launch *l, struct berth_error *err);

/* The exec spec (launch.h) as berth-init reads it: namespaces, cgroups, args, env, cwd,
 * uid and gid (only when user_set), caps and no_new_privs; the pidfd and the seccomp
 * profile travel as fds. Strict as berth_launch_from_json(). */
struct berth_exec_spec;
/* Returns NULL only for OOM. */
json_t *berth_exec_spec_to_json(const struct berth_exec_spec *s);
int berth_exec_spec_from_json(json_t *j, struct berth_exec_spec *ret, struct berth_error *err);

/* The source of a bind mount as a detached tree (open_tree(2) with OPEN_TREE_CLONE,
 * AT_RECURSIVE for a recursive one), in the caller's mount namespace: berthd opens
 * them for a zygote, which cannot see the host's tree, and berth-init for itself
 * before it makes its mounts private. Returns the fd / -errno. */
int berth_launch_mount_open_source(const struct berth_launch_mount *m);

/* "RLIMIT_NOFILE" for RLIMIT_NOFILE; NULL when unknown. */
const char *berth_rlimit_to_string(int resource);
/* "RLIMIT_NOFILE", "NOFILE" or "nofile" (any case): the RLIMIT_*, or -EINVAL. */
int berth_rlimit_from_string(const char *s);

/* Messages on LAUNCH_FD_SYNC, one per datagram:
 *   "READY <payload pid inside the namespace>"   (the payload has been exec'd)
 *   "CONSOLE" with the console pty master attached (SCM_RIGHTS), sent before READY
 *   "ERROR <errno> <message>"                     (set-up failed; berth-init exits 127)
 *   exec mode: "READY <pid>" once the command has been exec'd (its pid in berthd's
 *   namespace), or "ERROR …" when it could not be
 *   "GO"  berthd → berth-init: user namespace maps written, the before_go hook done
 *         (launch.h: the network), go on */
#define LAUNCH_MSG_MAX 1024

/* Capability sets (bit masks of CAP_*). */
/* Docker's default set. A container gets CAP_NET_RAW only with a network namespace of
 * its own, and CAP_MKNOD only under a device allow-list (container_caps()). */
#define BERTH_CAPS_DEFAULT 0xA80425FBull
#define BERTH_CAPS_SYSTEMD 0xFCECAFFFull /* systemd-nspawn's default set */
/* What a zygote prepares (the default profile, host network, devices confined). */
#define BERTH_CAPS_ZYGOTE (BERTH_CAPS_DEFAULT & ~(1ull << 13 /* CAP_NET_RAW */))

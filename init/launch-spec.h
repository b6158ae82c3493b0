/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

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
};

/* Namespaces beyond the four every container gets (mount, pid, uts, ipc). */
enum {
        LAUNCH_NS_NET = 1u << 0,
        LAUNCH_NS_USER = 1u << 1,
        LAUNCH_NS_CGROUP = 1u << 2,
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
        char *cwd;
        bool systemd;
        unsigned namespaces; /* LAUNCH_NS_* */
        char **cgroups;      /* directories whose cgroup.procs berth-init joins */
        bool cgroup2_inside; /* mount cgroup2 at /sys/fs/cgroup (systemd mode) */
        uint64_t caps;       /* capability bounding set, as a bit mask */
        bool no_new_privs;
        uint64_t log_max; /* rotate the log beyond this many bytes; 0 = never */
        char *machine_id; /* 32 hex digits, passed as container_uuid */
};

void berth_launch_done(struct berth_launch *l);
json_t *berth_launch_to_json(const struct berth_launch *l);
int berth_launch_from_json(json_t *j, struct berth_launch *ret, struct berth_error *err);

/* Messages on LAUNCH_FD_SYNC, one per datagram:
 *   "READY <payload pid inside the namespace>"   (the payload has been exec'd)
 *   "CONSOLE" with the console pty master attached (SCM_RIGHTS), sent before READY
 *   "ERROR <errno> <message>"                     (set-up failed; berth-init exits 127)
 *   "GO"  berthd → berth-init: user namespace maps written, go on */
#define LAUNCH_MSG_MAX 1024

/* Capability sets (bit masks of CAP_*). */
/* Docker's default set. A container gets CAP_NET_RAW only with a network namespace of
 * its own, and CAP_MKNOD only under a device allow-list (container_caps()). */
#define BERTH_CAPS_DEFAULT 0xA80425FBull
#define BERTH_CAPS_SYSTEMD 0xFCECAFFFull /* systemd-nspawn's default set */
/* What a zygote prepares (the default profile, host network, devices confined). */
#define BERTH_CAPS_ZYGOTE (BERTH_CAPS_DEFAULT & ~(1ull << 13 /* CAP_NET_RAW */))

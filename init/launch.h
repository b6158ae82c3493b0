/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "launch-spec.h"
#include "seccomp-profile.h"

struct berth_error;

/*
 * Starting berth-init in new namespaces, from any berthd thread.
 *
 * Why a thread may clone() here: the child runs nothing but async-signal-safe
 * system calls (fcntl, dup2, close_range, execveat, write, _exit; read, capget, capset
 * and prctl for a user namespace) — the contract of posix_spawn() — so no lock another
 * thread held at clone() time can matter. All set-up that could allocate happens in
 * berth-init after exec. This saves the round trip through a separate launcher process
 * that ../shared/style.md suggests.
 */

struct berth_launcher {
        int init_fd; /* O_PATH fd of the berth-init binary */
        char *init_path;
        int seccomp_fd[_BERTH_SECCOMP_PROFILE_MAX]; /* BPF programs (seccomp-profile.h) */
};

/* Find berth-init next to the running berthd (build tree), else in LIBEXECDIR, and
 * build the seccomp programs. */
int berth_launcher_new(struct berth_launcher **ret, struct berth_error *err);
struct berth_launcher *berth_launcher_free(struct berth_launcher *L);

struct berth_launch_fds {
        int log;       /* the container log, opened O_RDWR|O_APPEND */
        int log_old;   /* <log>.1 */
        int status;    /* the exit-status file */
        int cgroup_v2; /* the container's v2 cgroup directory (CLONE_INTO_CGROUP), or -1 */
        /* Called by berth_launch_start() after the clone (and the user namespace's maps),
         * before berth-init may run: the namespaces of pid are there, nothing runs in them
         * yet (a network set up here is there before the payload). A failure fails the
         * start, the child killed. NULL: none. */
        int (*before_go)(pid_t pid, void *userdata, struct berth_error *err);
        void *before_go_data;
        /* seccomp_custom: the payload installs seccomp_fd's BPF program (a memfd,
         * seccomp-rules.h; not taken over) in place of the launcher's profile. Never a
         * zygote's (it installed its profile already). */
        bool seccomp_custom;
        int seccomp_fd;
};

struct berth_launched {
        pid_t pid; /* berth-init (or systemd), in berthd's pid namespace */
        int pidfd;
        pid_t payload_pid; /* inside the container's pid namespace */
        int console_fd;    /* systemd mode: the console pty master, else -1 */
        int console_slave; /* systemd mode: an fd of its slave, held open, else -1 */
        /* Its mount namespace (negative if it could not be opened). Held by the caller until
         * PID 1's end has been handled: the last reference to a mount namespace
         * unmounts everything in it and waits for an RCU grace period (a few hundred
         * microseconds), and when that is PID 1's own, it comes before the exit is
         * reported. Closing the fd later does that work in the closer, off the exit's
         * path. */
        int mntns_fd;
};

/* Clone, exec berth-init, wait until the payload runs (or set-up failed: then the
 * child is reaped and err carries berth-init's message). timeout_ms bounds the wait.
 * With LAUNCH_NS_USER, the spec's uid_map and gid_map (or the identity) are written
 * before berth-init runs; maps the kernel would refuse are -EINVAL naming them
 * (berth_launch_idmap_check()), before any clone.
 * Returns 0 / -errno; -EOPNOTSUPP when the kernel has no CLONE_INTO_CGROUP (the
 * caller then lists the v2 group's cgroup.procs in spec->cgroups instead). */
int berth_launch_start(struct berth_launcher *L, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err);

/*
 * Zygotes: berth-init started ahead of any request in the default namespaces (mount,
 * pid, uts, ipc), in v1 cgroups of its own, with /proc, /dev and /sys of the default
 * profile built in a tmpfs it has pivoted into (rootfs.h). A claim hands it a
 * container: the spec, log and status files, the root file system as a detached tree
 * (open_tree(2)), and the sources of the spec's bind mounts as detached trees too (it
 * no longer sees the host's tree); it attaches them, pivots into the root and starts
 * the payload as a fresh berth-init would, under the same command line ("berth-init").
 * The clone, the exec of berth-init and most of the mounts are then off the start's
 * path. Only for the default profile (no systemd, no extra namespaces, a bounding set
 * within BERTH_CAPS_ZYGOTE) and no v2 group (its migration costs an RCU grace period).
 * A zygote ends when its socket closes (berthd went away before claiming it).
 */
struct berth_zygote {
        pid_t pid;
        int pidfd;
        int sync_fd;
        int mntns_fd; /* becomes the container's (berth_launched) */
};

/* staging: an empty directory the zygote mounts its tmpfs on (in its own namespace);
 * cgroups: v1 directories it joins first (by itself: writing another process's pid
 * into "tasks" takes the global threadgroup lock, an RCU grace period, ~10 ms here). */
int berth_zygote_start(struct berth_launcher *L, const char *staging, char *const *cgroups,
                       int timeout_ms, struct berth_zygote *ret, struct berth_error *err);
/* On success the zygote is the container (ret as from berth_launch_start()) and z is
 * spent; on failure the caller kills it (berth_zygote_kill()). A claim is a send and a
 * wait: the caller may work while the zygote starts the payload (berthd renames the
 * zygote's groups to the container's meanwhile). */
int berth_zygote_claim(struct berth_zygote *z, const struct berth_launch *spec,
                       const struct berth_launch_fds *fds, int tree_fd, int timeout_ms,
                       struct berth_launched *ret, struct berth_error *err);
int berth_zygote_claim_send(struct berth_zygote *z, const struct berth_launch *spec,
                            const struct berth_launch_fds *fds, int tree_fd,
                            struct berth_error *err);
int berth_zygote_claim_wait(struct berth_zygote *z, int timeout_ms, struct berth_launched *ret,
                            struct berth_error *err);
void berth_zygote_kill(struct berth_zygote *z);

/*
 * exec: a command inside a running container. berth-init is started (as for a launch,
 * clone + exec, so no berthd thread runs code between the two) in exec mode: it joins
 * the container's groups, enters its namespaces through PID 1's pidfd (setns), forks
 * into its pid namespace, and the child takes the container's capabilities, seccomp
 * filter and no_new_privs, changes to cwd (and user) and execs args[0] (looked up on
 * the PATH of env). stdout and stderr go to one pipe, whose read end berthd gets.
 *
 * Details:
 *  - berth-init runs as "berth-init --exec" with the spec (JSON, berth_exec_spec_to_json())
 *    at LAUNCH_FD_SPEC, the container's pidfd at LAUNCH_FD_EXEC_PIDFD and the seccomp
 *    program at LAUNCH_FD_SECCOMP (launch-spec.h); stdin is /dev/null.
 *  - The groups are joined by berth-init itself, before setns() (while the host's
 *    /sys/fs/cgroup is in view): a v1 directory through "tasks", a v2 one (no "tasks")
 *    through "cgroup.procs". berth-init stays in them (one more process in pids.max).
 *  - The seccomp filter is the one the container's payload runs under: its custom one
 *    (seccomp_custom), else systemd-nspawn's when privileged, else the user-namespace profile when
 * the container has a user namespace, else Docker's default (a zygote's payload runs ZYGOTE +
 * FINISH, which is the default profile).
 *  - The command starts in a session of its own, with a clean signal mask and the
 *    ignored signals reset, and keeps berthd's umask, resource limits and OOM score
 *    (an exec spec has none of its own). user_set: exactly uid and gid, no supplementary
 *    groups; else uid 0, gid 0. Its capabilities follow the launch's rules (launch-spec.h):
 *    uid 0 gets caps as effective and permitted set, any other uid none.
 *  - With no cwd, the command starts in the container's root directory.
 *  - berth-init stays outside the pid namespace as the command's parent and ends as the
 *    command does: with its exit code, or killed by the same signal (berth-init re-raises
 *    it on itself, without a core dump). The command dies with berth-init
 *    (PR_SET_PDEATHSIG); what it started in the background stays in the container.
 *    berth-init blocks every other signal: SIGKILL (the deadline, berth_exec_proc_done())
 *    is the way to end it early.
 */
struct berth_exec_spec {
        int pidfd;           /* the container's PID 1 (not taken over) */
        unsigned namespaces; /* LAUNCH_NS_* it has beyond mount, pid, uts and ipc */
        char **cgroups;      /* its group directories (v2 and v1), joined first */
        char **args;
        char **env;
        char *cwd;
        bool user_set; /* else root */
        uid_t uid;
        gid_t gid;
        uint64_t caps; /* capability bounding set */
        bool no_new_privs;
        bool privileged; /* systemd-nspawn's seccomp profile, else Docker's default */
        /* The container's process settings the command takes too, as crun exec does: its
         * supplementary groups (unless the exec names its own user), resource limits,
         * umask and capability sets (berth_launch_process_to_json()); NULL: none. */
        struct berth_launch *process;
        /* Not in the JSON: the container's custom filter (seccomp_fd, a BPF program's
         * memfd, not taken over) in place of the profile, when seccomp_custom. */
        bool seccomp_custom;
        int seccomp_fd;
};
void berth_exec_spec_done(struct berth_exec_spec *s); /* frees the strings; pidfd stays open */

struct berth_exec_proc {
        pid_t pid; /* berth-init in exec mode */
        int pidfd;
        int out_fd; /* read end of stdout and stderr */
};
void berth_exec_proc_done(struct berth_exec_proc *p); /* closes; kills it if still running */

struct berth_exec_status {
        int exit_code; /* -1 when killed by a signal */
        int signal;
        bool timed_out;
        char *output; /* NUL-terminated */
        size_t output_len;
        size_t output_dropped; /* bytes beyond output_max, read and counted */
};

/* Start it; returns once the command has been exec'd in the container (or with
 * berth-init's message when it could not get there: no such command, a namespace it
 * cannot enter). */
/* Returns 0 with *ret (release it with berth_exec_proc_done()), or -errno with err
 * "exec: …" and nothing left running: -ENOENT "exec: 'cmd' not found in the container"
 * (no directory of PATH has it; PATH is Docker's default when env has none), or
 * "exec: execute '/path': …" for a path; -ESRCH "exec: enter the container's
 * namespaces: …" when PID 1 is gone; "exec: join cgroup '…'", "exec: change to the
 * working directory '…'", …; -EIO when berth-init did not get there within 10 s. */
int berth_exec_start(struct berth_launcher *L, const struct berth_exec_spec *spec,
                     struct berth_exec_proc *ret, struct berth_error *err);
/* Read its output (up to output_max bytes kept) until it ends; at timeout_ms it is
 * killed (SIGKILL) and timed_out set. */
/* Once per start. timeout_ms < 0: no deadline. It ends when berth-init has ended (and
 * is reaped: p's fds are closed, berth_exec_proc_done() has nothing left to kill) and
 * the pipe is at its end, or has been silent for 200 ms after that (what the command
 * left running in the background may hold it). The status is berth-init's, which is the
 * command's: exit_code its exit status and signal 0, or exit_code -1 and signal the
 * one that killed it (SIGKILL also when the container ended under it); at the deadline,
 * timed_out and (unless it ended in the same moment) SIGKILL. ret->output belongs to
 * the caller (free()), also when empty (""). Returns 0 / -errno (-ENOMEM; -ECHILD when
 * waited for already); on an error nothing is left running either. */
int berth_exec_wait(struct berth_exec_proc *p, int timeout_ms, size_t output_max,
                    struct berth_exec_status *ret, struct berth_error *err);

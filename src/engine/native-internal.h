/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the native engine's files share:
 *   native-engine.c the ops table, the container's state and records, the engine
 *   native-ctl.c    signals, the stop timer, stop/kill/pause/resume/remove
 *   native-start.c  what to run (args[0] in the image, the environment), the
 *                   container's files, the workload as a launch, starting PID 1
 *   native-watch.c  the supervisor's side (exit, stop timer, console), re-adoption
 *   native-exec.c   exec, stats and logs
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "container.h"
#include "engine.h"
#include "error.h"
#include "launch.h"
#include "native.h"
#include "store.h"

struct berth_zygotes;

struct native {
        struct berth_engine engine; /* engine.data is this */
        struct berth_store *store;
        struct berth_launcher *launcher;
        struct berth_cgroup_system *cgroups; /* NULL: none */
        struct berth_zygotes *zygotes;       /* NULL: containers start without zygotes */
        struct berth_supervisor *supervisor;
        int watch_exit, watch_timer, watch_console, watch_restart,
                watch_oom; /* the supervisor's handlers */
        char *staging_dir; /* <state>/staging: where each container (and zygote) builds its
                              /proc, /dev and /sys, in a tmpfs of its own mount namespace */
        uint64_t log_max;
        struct {
                uint64_t starts, exits, oom_kills; /* with the store's lock */
        } stats;
};

/* A container's PID 1 and what goes with it. */
struct native_ctr {
        uint64_t pid_starttime; /* with pid and boot_id, names PID 1 across a berthd restart */
        char boot_id[37];
        int pidfd;
        pid_t payload_pid;
        int console_fd;
        int console_slave; /* held open so that the console never hangs up */
        int mntns_fd;      /* its mount namespace until its end is handled (launch.h) */
        int timer_fd;
        struct berth_cgroup *cg;
        unsigned cg_pins; /* request handlers using cg outside the lock (with the lock) */
        uint64_t oom_base;
        /* Readable when its OOM killer may have run (berth_cgroup_oom_watch()), and the
         * kills told so far ("oom" published once per kill, as they happen). */
        int oom_fd;
        uint64_t oom_seen;
        unsigned busy; /* supervisor handlers using this container right now (with the lock) */
        bool exit_handled;
        /* The restart policy (native-restart.c): the timer of a restart to come, how many
         * were made since the last start a client asked for, the backoff, and when PID 1
         * started (CLOCK_MONOTONIC, ms). With the store's lock. */
        int restart_fd;
        bool restart_pending;
        bool restarting; /* the start under way is a restart */
        unsigned restarts;
        uint64_t backoff_ms;
        uint64_t started_ms;
        char *exec_path; /* args[0] resolved at create, taken by the first start */
};

static inline struct native *NAT(const struct berth_container *c)
{
        return c->engine->data;
}

static inline struct native_ctr *N(const struct berth_container *c)
{
        return c->engine_state;
}

/* A supervisor handler is done with c (it took busy with the store's lock). */
static inline void native_unbusy(struct berth_store *s, struct berth_container *c)
{
        pthread_mutex_lock(&s->lock);
        N(c)->busy--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

int native_stop(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
int native_kill(struct berth_engine *e, struct berth_container *c, int sig,
                struct berth_error *err);
int native_pause(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
int native_resume(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
int native_remove(struct berth_engine *e, struct berth_container *c, unsigned flags,
                  struct berth_error *err);

/* The store's lock held. */
int native_signal(struct berth_container *c, int sig);
int native_arm_timer(struct berth_container *c, uint64_t ms);
/* Arm the timer *fd (made and watched with handler the first time) to fire in ms. */
int native_timer_arm(struct berth_container *c, int *fd, int handler, uint64_t ms);
/* The namespaces a workload's container has beyond the four (LAUNCH_NS_*). */
unsigned native_launch_namespaces(const struct berth_workload *w);
/* The payload's user, groups, umask, capability sets (within l->caps), OOM score and
 * resource limits from w into l. */
int native_fill_process(const struct berth_workload *w, struct berth_launch *l,
                        struct berth_error *err);
/* The name of a container's groups below berthd's cgroup parent: its cgroups_path, or
 * its id. */
void native_cgroup_name(const struct berth_workload *w, uint64_t id, char *buf, size_t size);
/* A request handler that uses a live container's cgroups outside the lock pins them:
 * the exit handler, which may run meanwhile, then leaves freeing them to the last pin.
 * NULL when the container has none (or has ended). */
struct berth_cgroup *native_cg_pin(struct berth_container *c);
void native_cg_unpin(struct berth_container *c, struct berth_cgroup *cg);

/* The container's environment: berth's defaults (PATH, HOME …), then the workload's. */
char **native_env(const struct berth_container *c);
/* args[0] looked up in the image, with the container's PATH. */
int native_resolve_exec(const struct berth_container *c, char **ret, struct berth_error *err);
/* <state>/containers/<id> and the log file. */
int native_prepare_files(struct berth_container *c, struct berth_error *err);
/* A log file (the container's, or its .1) opened with flags (and O_NOFOLLOW, O_CLOEXEC;
 * mode 0640 when created), a regular file only: a FIFO or device at a workload's
 * log_path neither blocks berthd nor is written to (EINVAL). An fd, or -1 with errno set
 * (ELOOP: a symlink). */
int native_log_open(const char *path, int flags);
/* <log>.1, where the log rotates to (created): an fd, or -1 with errno set, as open(2). */
int native_open_log_old(const struct berth_container *c);
/* keep_log: the log stays, within the budget of kept logs (logkeep.h). */
void native_remove_files(struct berth_container *c, bool keep_log);
int native_start(struct berth_engine *e, struct berth_container *c, struct berth_error *err);

/* The supervisor's handlers (the id is the container's). */
void native_handle_exit(void *userdata, uint64_t id);
void native_handle_timer(void *userdata, uint64_t id);
void native_handle_console(void *userdata, uint64_t id);
/* An OOM kill in a running container: "oom" published at once. */
void native_handle_oom(void *userdata, uint64_t id);
/* Ready the OOM notification of c's groups (before its payload runs), and watch it
 * (once it runs; with the store's lock or before c is shared). */
void native_oom_arm(struct berth_container *c);
void native_watch_oom(struct berth_container *c);
int native_readopt(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
void native_adopted(struct berth_engine *e, struct berth_container *c, bool changed);
void native_forget(struct berth_engine *e, struct berth_container *c);
unsigned native_sweep(struct berth_engine *e);

/* The restart policy (native-restart.c). After PID 1's end was handled (supervisor
 * thread): arm a restart when the policy asks for one. After a restart of berthd: the
 * same for a container that ended meanwhile. cancel: a client stopped or deletes it. */
void native_restart_after_exit(struct berth_container *c);
void native_restart_after_adopt(struct berth_container *c);
void native_restart_cancel(struct berth_container *c);
void native_handle_restart(void *userdata, uint64_t id);

int native_exec(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                struct berth_exec_result *ret, struct berth_error *err);
int native_stats(struct berth_engine *e, struct berth_container *c, struct berth_stats *ret,
                 struct berth_error *err);
int native_top(struct berth_engine *e, struct berth_container *c, json_t **ret,
               struct berth_error *err);
int native_inspect(struct berth_engine *e, struct berth_container *c, json_t **ret,
                   struct berth_error *err);
int native_logs(struct berth_engine *e, struct berth_container *c, const struct berth_logs_query *q,
                berth_log_line_fn fn, void *userdata, struct berth_error *err);

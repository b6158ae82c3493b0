/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "engine.h"
#include "objects.h"
#include "store.h"
#include "workload.h"

/*
 * Containers: a workload run by an engine on a root file system, a berth mount, with
 * the state a client sees (created, running, paused, stopping, exited, dead), its
 * exit, log and record. The container holds a claim on its mount; a mount defined in
 * the container's definition belongs to it. What runs it is the engine's business
 * (engine.h): this file and container.c know no engine.
 */

enum berth_container_state {
        BERTH_CONTAINER_CREATED,
        BERTH_CONTAINER_RUNNING,
        BERTH_CONTAINER_PAUSED,
        BERTH_CONTAINER_STOPPING,
        BERTH_CONTAINER_EXITED,
        BERTH_CONTAINER_DEAD,
        _BERTH_CONTAINER_STATE_MAX,
        _BERTH_CONTAINER_STATE_INVALID = -EINVAL,
};

const char *berth_container_state_to_string(enum berth_container_state s);
enum berth_container_state berth_container_state_from_string(const char *s);

#define BERTH_LOG_MAX_DEFAULT (8u << 20)

/* What a door asks for: a name, a root, a workload, an engine, and whether to start. */
struct berth_container_def {
        const char *name; /* NULL: none */
        /* Its root file system: a mount (built or referenced, claimed by the container),
         * or NULL for an engine that runs an image (workload.image) or a host path. */
        const struct berth_mount_spec *root;
        const struct berth_workload *workload;
        const char *engine; /* NULL: the default (the first registered) */
        bool start;
};

struct berth_container {
        struct berth_obj obj;
        char *name;
        struct berth_mount *mount; /* its root; NULL when its engine runs an image */
        struct berth_workload w;
        struct berth_engine *engine;
        void *engine_state; /* the engine's (engine.h) */
        char machine_id[33];

        enum berth_container_state state;
        char *logfile;
        char *dir;     /* <state>/containers/<id> */
        pid_t pid;     /* host pid of PID 1, 0 when not running */
        int exit_code; /* -1 when none */
        int signal;
        bool oom_killed;
        bool stop_requested;
        struct timespec created_at, started_at, finished_at;
        char *error;
        unsigned pins; /* requests using it outside op_lock (exec, logs), with the lock */
        bool deleting; /* its delete has begun: a log reader stops following (lock) */
};

static inline struct berth_container *berth_obj_to_container(struct berth_obj *o)
{
        return o && o->type == BERTH_OBJ_CONTAINER ? (struct berth_container *)o : NULL;
}

struct berth_logkeep;

struct berth_container_config {
        uint64_t logs_kept;     /* the logs of deleted containers, bytes (logkeep.h) */
        bool refuse_privileged; /* refuse systemd-mode workloads */
};

/* Register the type; engines are added after, the first is the default. */
int berth_container_type_register(struct berth_store *s, const struct berth_container_config *cfg,
                                  struct berth_error *err);
int berth_container_add_engine(struct berth_store *s, struct berth_engine *e);
struct berth_engine *berth_container_engine(struct berth_store *s, const char *name);

/* Create from a definition; starts it when def->start. A request that fails (a start
 * that fails included) leaves nothing behind, id included. */
int berth_container_create(struct berth_store *s, const struct berth_container_def *def,
                           berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Look a container up by name: its id, or -ENOENT. */
int berth_container_find(struct berth_store *s, const char *name, uint64_t *ret_id);

/* RUNNING (start, or resume from PAUSED), EXITED (stop), PAUSED. */
int berth_container_set_state(struct berth_store *s, uint64_t id, enum berth_container_state target,
                              berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Send sig to its processes (its engine's kill): -EBUSY when it is not running or
 * paused. A kill is not a stop: a restart policy may start it again. */
int berth_container_kill(struct berth_store *s, uint64_t id, int sig, struct berth_error *err);

/* Wait until it is not running, paused or stopping (or gone), at most timeout_ms:
 * 0, -ETIMEDOUT. No lock held by the caller. */
int berth_container_wait_ended(struct berth_store *s, uint64_t id, uint64_t timeout_ms);

/* Run x inside the running container (its engine's exec), without op_lock: other
 * requests go on meanwhile, and a delete of the container ends it and waits for it.
 * -EBUSY when it is not running (paused, exited …), with a message that says its state. */
int berth_container_exec(struct berth_store *s, uint64_t id, const struct berth_exec *x,
                         struct berth_exec_result *ret, struct berth_error *err);

/* Its log (its engine's), as lines; with q->follow until fn returns < 0 or the
 * container has ended. Runs without op_lock: a delete waits for it. */
int berth_container_logs(struct berth_store *s, uint64_t id, const struct berth_logs_query *q,
                         berth_log_line_fn fn, void *userdata, struct berth_error *err);

/* Its processes and what its engine knows of it (engine.h: top, inspect); pinned,
 * without op_lock. -EOPNOTSUPP when the engine has no such call. */
int berth_container_top(struct berth_store *s, uint64_t id, json_t **ret, struct berth_error *err);
int berth_container_inspect(struct berth_store *s, uint64_t id, json_t **ret,
                            struct berth_error *err);

/* berthd --shutdown-containers: stop every container (each with its stop signal and
 * timeout, all at once), then remove every object. 0, or -EBUSY when something could
 * not be removed (logged). */
int berth_store_shutdown(struct berth_store *s);

/* ---- for engines -------------------------------------------------------------------- */

/* The type's state for engines: where files go and the kept logs. */
const char *berth_container_state_dir(struct berth_store *s);
struct berth_logkeep *berth_container_logkeep(struct berth_store *s);

/* s->lock held, after every other field of the change is set: the state, the
 * generation, and a broadcast on s->cond. */
void berth_container_set_state_locked(struct berth_store *s, struct berth_container *c,
                                      enum berth_container_state st);
/* The record is encoded under the lock (the supervisor changes fields), and written
 * outside it. */
void berth_container_persist(struct berth_store *s, struct berth_container *c);
void berth_container_publish(struct berth_store *s, const struct berth_container *c,
                             const char *what);
/* Write a "YYYY/MM/DD HH:MM:SS container(ID): …" line to the container's log. */
void berth_container_log(const struct berth_container *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* A registered container by id (locked), or NULL. */
struct berth_container *berth_container_lookup_locked(struct berth_store *s, uint64_t id);

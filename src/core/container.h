/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "objects.h"
#include "store.h"

/*
 * Containers: an argv run by berth-init (or systemd) as PID 1 of new namespaces on a
 * berth mount, with its own cgroups, log file and exit record. The container holds a
 * claim on its mount; a mount defined inside the container's request belongs to it.
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

/* Namespaces a request can ask for beyond mount, pid, uts and ipc. */
enum {
        BERTH_NS_NET = 1u << 0,
        BERTH_NS_USER = 1u << 1,
        BERTH_NS_CGROUP = 1u << 2,
};

#define BERTH_STOP_TIMEOUT_DEFAULT_MS 10000u
#define BERTH_LOG_MAX_DEFAULT (8u << 20)

struct berth_container_spec {
        char *name;
        struct berth_mount_spec *mount;
        char *command; /* as given; split into args by the codec */
        char **args;
        char **env; /* "KEY=value" */
        char *hostname;
        bool systemd;
        enum berth_container_state state; /* CREATED or RUNNING */
        unsigned namespaces;
        uint64_t stop_timeout_ms;
        struct berth_limits limits;
};

struct berth_container_spec *berth_container_spec_free(struct berth_container_spec *s);
static inline void berth_container_spec_freep(struct berth_container_spec **s)
{
        berth_container_spec_free(*s);
}

struct berth_container {
        struct berth_obj obj;
        char *name;
        struct berth_mount *mount;
        char *command;
        char **args;
        char **env_extra; /* what the request set */
        char *hostname;
        bool systemd;
        unsigned namespaces;
        uint64_t stop_timeout_ms;
        struct berth_limits limits;
        char machine_id[33];

        enum berth_container_state state;
        char *logfile;
        char *dir;              /* <state>/containers/<id> */
        pid_t pid;              /* host pid of PID 1, 0 when not running */
        uint64_t pid_starttime; /* with pid and boot_id, names PID 1 across a berthd restart */
        char boot_id[37];
        int pidfd;
        pid_t payload_pid;
        int console_fd;
        int console_slave; /* held open so that the console never hangs up */
        int mntns_fd;      /* its mount namespace until its end is handled (launch.h) */
        int timer_fd;
        struct berth_cgroup *cg;
        unsigned cg_pins; /* request handlers using cg outside the lock (under lock) */
        uint64_t oom_base;
        bool stop_requested;
        bool exit_handled;
        unsigned busy; /* supervisor handlers using this object right now (under lock) */
        int exit_code; /* -1 when none */
        int signal;
        bool oom_killed;
        struct timespec created_at, started_at, finished_at;
        char *error;
};

static inline struct berth_container *berth_obj_to_container(struct berth_obj *o)
{
        return o && o->type == BERTH_OBJ_CONTAINER ? (struct berth_container *)o : NULL;
}

/* Create from a request; starts it when spec->state is RUNNING. A request that fails
 * (including a start that fails) leaves nothing behind, id included. */
int berth_container_create(struct berth_store *s, const struct berth_container_spec *spec,
                           berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* Look a container up by name: its id, or -ENOENT. */
int berth_container_find(struct berth_store *s, const char *name, uint64_t *ret_id);

/* berthd --shutdown-containers: stop every container (each with its stop signal and
 * timeout, all at once), then remove every container, mount and attachment. Returns
 * 0, or -EBUSY when something could not be removed (logged). */
int berth_store_shutdown(struct berth_store *s);

/* PATCH state: RUNNING (start, or resume from PAUSED), EXITED (stop), PAUSED. */
int berth_container_set_state(struct berth_store *s, uint64_t id, enum berth_container_state target,
                              berth_obj_visit_fn fn, void *userdata, struct berth_error *err);

/* A container object from a spec (a request's or a record's), not yet in the store's
 * table; NULL on OOM (a field it could not copy is NULL: the caller checks). */
struct berth_container *container_alloc(struct berth_store *s,
                                        const struct berth_container_spec *spec);
/* A restarted berthd (recover.c): find the container's PID 1 again (pid, start time,
 * boot) or learn how it ended. 0: as recorded; 1: its state changed; -errno: lost.
 * Then, once it is in the table, container_adopted() watches it again. */
int container_readopt(struct berth_store *s, struct berth_container *c, struct berth_error *err);
void container_adopted(struct berth_store *s, struct berth_container *c, bool changed);
/* A container whose delete a crash cut short: end what is left of it (processes,
 * cgroups, its directory; the log stays). */
void container_forget(struct berth_store *s, struct berth_container *c);
/* For the store (store.c): teardown on delete and cascade, and freeing. */
int container_check_deletable(struct berth_container *c, bool force, struct berth_error *err);
int container_teardown(struct berth_store *s, struct berth_container *c, bool force,
                       struct berth_error *err);
void container_release(struct berth_store *s, struct berth_container *c);
void container_free_fields(struct berth_container *c);
void container_for_each_child(struct berth_container *c, void (*fn)(struct berth_obj *, void *),
                              void *userdata);

/* Called by the supervisor when PID 1 has exited / the stop timer fired. */
void container_handle_exit(struct berth_store *s, uint64_t id);
void container_handle_timer(struct berth_store *s, uint64_t id);
void container_handle_console(struct berth_store *s, uint64_t id);

/* Write a "YYYY/MM/DD HH:MM:SS container(ID): …" line to the container's log. */
void container_log(const struct berth_container *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

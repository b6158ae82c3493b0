/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the docker engine's files share:
 *   docker-client.c  the Engine API over its socket (docker-client.h)
 *   docker-engine.c  the ops table, the container's state and records, create, start,
 *                    stop, kill, pause, resume, remove, recovery, the engine itself
 *   docker-config.c  a workload checked and turned into a create request
 *   docker-events.c  the event thread; an object brought in line with Docker's view
 *   docker-exec.c    exec, stats, logs, top, inspect
 *   docker-images.c  networks, images, import, build (and its context as a tar)
 *
 * States: Docker's created, running, paused, exited and dead are the object's; its
 * "restarting" (its restart manager between two runs, no process) is EXITED: the start
 * that follows brings it back to RUNNING through the events. "removing" is DEAD.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "docker-client.h"
#include "docker.h"
#include "engine.h"
#include "error.h"

#define DOCKER_ID_LEN 64

struct docker {
        struct berth_engine engine; /* engine.data is this */
        struct berth_store *store;
        struct docker_client *client;
        char *owner;
        char *owner_label; /* "io.berth.owner=<owner>" */

        pthread_mutex_t lock; /* what follows */
        pthread_cond_t cond;
        bool thread_started;
        bool stopping;
        pthread_t thread;
        unsigned workers;     /* stop workers running */
        int64_t since_ns;     /* the last event seen (or the engine's start), ns */
        uint64_t events_seen; /* container events of ours */
        uint64_t connects;    /* times the event stream was (re)opened */
        bool connected;
};

/* A container's part (c->engine_state); with the store's lock. */
struct docker_ctr {
        char id[DOCKER_ID_LEN + 1]; /* Docker's id, "" until create made it; then fixed */
        unsigned busy;              /* the event thread or a worker uses the object */
        uint64_t dies;              /* die events seen: a start that raced one knows */
        bool stopping;              /* a stop worker has it: it stays STOPPING meanwhile */
        char health[24];            /* its health check's last word, "" when none */
};

static inline struct docker *DK(const struct berth_container *c)
{
        return c->engine->data;
}

static inline struct docker_ctr *D(const struct berth_container *c)
{
        return c->engine_state;
}

/* docker-engine.c */
extern const struct berth_engine_ops docker_ops;
/* 0, or -ENOENT when Docker never made the container (a record of a create cut short). */
int docker_need_id(const struct berth_container *c, struct berth_error *err);
/* Pin c (the store's lock held): false when its delete has begun. */
bool docker_pin_locked(struct berth_container *c);
void docker_unpin(struct berth_container *c);
/* CLOCK_REALTIME in ns. */
int64_t docker_now_ns(void);

/* docker-config.c */
int docker_check_workload(const struct berth_container *c, struct berth_error *err);
/* The body of POST /containers/create (NULL on OOM). */
json_t *docker_create_body(const struct docker *dk, const struct berth_container *c);
/* Docker's State.Status as the object's state (restarting: exited; removing: dead). */
enum berth_container_state docker_state_from_status(const char *status);
/* "2024-01-02T03:04:05.123456789Z" (0001-01-01…: none). */
bool docker_parse_time(const char *s, struct timespec *ret);
/* "SIGTERM", or the number for a signal without a name here. */
void docker_signal_name(int sig, char *buf, size_t size);

/* docker-events.c */
void *docker_events_main(void *userdata);
/* c brought in line with Docker's GET /containers/{id}/json (the store's lock held);
 * true when its state changed. A container berth is stopping stays STOPPING while
 * Docker still runs it. */
bool docker_apply_inspect_locked(struct berth_container *c, json_t *j);
/* The same for the object with id, asking Docker (pinned); persisted and published
 * when it changed. -EHOSTDOWN when the engine does not answer. */
int docker_sync(struct docker *dk, uint64_t id);

/* docker-exec.c */
int docker_exec(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                struct berth_exec_result *ret, struct berth_error *err);
int docker_stats(struct berth_engine *e, struct berth_container *c, struct berth_stats *ret,
                 struct berth_error *err);
int docker_logs(struct berth_engine *e, struct berth_container *c, const struct berth_logs_query *q,
                berth_log_line_fn fn, void *userdata, struct berth_error *err);
int docker_top(struct berth_engine *e, struct berth_container *c, json_t **ret,
               struct berth_error *err);
int docker_inspect(struct berth_engine *e, struct berth_container *c, json_t **ret,
                   struct berth_error *err);

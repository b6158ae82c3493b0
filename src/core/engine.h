/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct berth_container;
struct berth_error;
struct berth_event;
struct berth_store;

/*
 * An engine runs containers: "native" (berth's own launcher, src/engine/native*.c) or
 * "docker" (a Docker engine over its API). The container object (container.c) keeps
 * the state a client sees and calls its engine through this table only; nothing in the
 * core knows which engine it has. Calls come with the store's op_lock held unless they
 * say otherwise; "locked" means with the store's lock.
 */

/* What exec runs, and what comes back. */
struct berth_exec {
        char **args;   /* argv; args[0] looked up on the container's PATH */
        char **env;    /* added to the container's */
        char *cwd;     /* NULL: the container's */
        bool user_set; /* else the container's user */
        uid_t uid;
        gid_t gid;
        uint64_t timeout_ms; /* killed (SIGKILL) at the deadline; 0: 10 s */
        size_t output_max;   /* bytes of output kept (the rest is counted); 0: 1 MiB */
};

struct berth_exec_result {
        int exit_code;  /* -1 when killed by a signal */
        int signal;     /* 0 when it exited */
        bool timed_out; /* killed at the deadline */
        char *output;   /* stdout and stderr as they came, NUL-terminated */
        size_t output_len;
        size_t output_dropped; /* bytes beyond output_max */
};

void berth_exec_result_done(struct berth_exec_result *r);

struct berth_stats {
        uint64_t memory_bytes, memory_limit;
        uint64_t cpu_usage_ns;
        uint64_t pids, pids_limit;
        bool memory_set, cpu_set, pids_set; /* what the engine could read */
};

/* Where a line came from, when the engine knows. */
struct berth_log_meta {
        int stream;  /* 1 stdout, 2 stderr; 0: not known */
        double time; /* when it was written, seconds since the epoch; 0: not known */
};

struct berth_logs_query {
        size_t tail; /* the last N lines; 0: all */
        bool follow; /* keep calling fn as lines come until it returns < 0 */
        /* Not NULL: the engine fills it in before each call of fn (0s when it cannot
         * tell: the native engine keeps one log of both streams, without times). */
        struct berth_log_meta *meta;
};
/* A line of a container's log (without its newline); return < 0 to stop. */
typedef int (*berth_log_line_fn)(const char *line, size_t len, void *userdata);

/* One container an engine runs (list). */
typedef int (*berth_engine_list_fn)(const char *engine_id, const char *name, const char *state,
                                    void *userdata);

enum {
        BERTH_REMOVE_DISCARD = 1u << 0,
};

struct berth_engine;

struct berth_engine_ops {
        /* Per-container state of the engine (c->engine_state): allocated with the
         * object (a request's or a record's), freed with it. */
        int (*state_new)(struct berth_engine *e, struct berth_container *c);
        void (*state_free)(struct berth_engine *e, struct berth_container *c);
        /* Check the workload before anything is made: what this engine cannot honour
         * fails here (-EOPNOTSUPP / -EINVAL, naming the field). */
        int (*validate)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        /* The object has its id: make what it needs before a start (files, the log). */
        int (*create)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        int (*start)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        /* Ask it to stop (its stop signal; SIGKILL after its timeout); returns at once.
         * Also called for a container that is not running (created, exited, dead): the
         * engine cancels what would start it again (a restart its policy scheduled). */
        int (*stop)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        int (*kill)(struct berth_engine *e, struct berth_container *c, int sig,
                    struct berth_error *err);
        int (*pause)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        int (*resume)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        /* Without op_lock (the container is pinned: a delete ends it, then waits): runs
         * while other requests go on. */
        int (*exec)(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                    struct berth_exec_result *ret, struct berth_error *err);
        int (*stats)(struct berth_engine *e, struct berth_container *c, struct berth_stats *ret,
                     struct berth_error *err);
        /* Without op_lock, pinned as exec; follow ends when the container has ended or
         * its delete has begun. */
        int (*logs)(struct berth_engine *e, struct berth_container *c,
                    const struct berth_logs_query *q, berth_log_line_fn fn, void *userdata,
                    struct berth_error *err);
        /* Without op_lock, pinned as exec (optional): its processes as `ps` shows them,
         * {"Titles": [..], "Processes": [[..], ..]} (Docker's /top shape). */
        int (*top)(struct berth_engine *e, struct berth_container *c, json_t **ret,
                   struct berth_error *err);
        /* Without op_lock, pinned as exec (optional): what the engine knows of it beyond
         * the object: {"id": the engine's id, "ports": [{"host_ip", "host_port", "port",
         * "proto"}], "health": "healthy"|..., "restart_count": n, "image": ...}. */
        int (*inspect)(struct berth_engine *e, struct berth_container *c, json_t **ret,
                       struct berth_error *err);
        /* End it (SIGKILL when live) and remove what create made; BERTH_REMOVE_DISCARD:
         * a create that failed, keep nothing (not even the log). */
        int (*remove)(struct berth_engine *e, struct berth_container *c, unsigned flags,
                      struct berth_error *err);
        /* What the engine runs, berth's or not (no lock held). */
        int (*list)(struct berth_engine *e, berth_engine_list_fn fn, void *userdata);
        /* Engine events after seq `after` (no lock held), as the store's bus keeps them;
         * the count, 0 on timeout. */
        int (*events)(struct berth_engine *e, uint64_t after, int timeout_ms,
                      struct berth_event *out, size_t max);

        /* Records and recovery. encode (locked): the engine's part of the record;
         * decode: its inverse. readopt: find the container's processes again (0 as
         * recorded, 1 changed, -errno lost); adopted: it is in the table again, watch
         * it; forget: a container a crash cut short in its delete; sweep: what a crash
         * left that no container of this engine owns. */
        json_t *(*encode)(struct berth_engine *e, const struct berth_container *c);
        int (*decode)(struct berth_engine *e, struct berth_container *c, json_t *j);
        int (*readopt)(struct berth_engine *e, struct berth_container *c, struct berth_error *err);
        void (*adopted)(struct berth_engine *e, struct berth_container *c, bool changed);
        void (*forget)(struct berth_engine *e, struct berth_container *c);
        unsigned (*sweep)(struct berth_engine *e);

        /* Counters for /metrics (name, help, value). */
        void (*metrics)(struct berth_engine *e,
                        void (*fn)(const char *name, const char *help, bool counter, uint64_t value,
                                   void *userdata),
                        void *userdata);
        void (*free)(struct berth_engine *e);
};

struct berth_engine {
        const char *name; /* "native", "docker" */
        const struct berth_engine_ops *ops;
        void *data; /* the engine's own */
};

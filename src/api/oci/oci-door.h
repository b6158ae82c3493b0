/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the files of the OCIContainer door share (ocicontainer.h is its face, and
 * ocicontainer.c its dispatch, with the methods that need little): the object, the
 * container a method works on, descriptors, lookups and the params and results of calls
 * (oci-door.c). Each method that needs more has its file: oci-start.c, oci-info.c,
 * oci-exec.c; oci-reaper.c removes what ended.
 */

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "error.h"
#include "macro.h"
#include "oci-config.h"
#include "oci-labels.h"

#define CONFIG_MAX (1u << 20)
#define EXEC_OUTPUT_MAX (64u << 10)
#define EXEC_TIMEOUT_DEFAULT_S 10
#define EXEC_TIMEOUT_MAX_S 300
/* Beyond a container's stop timeout: its SIGKILL, and the end of it being handled. */
#define STOP_GRACE_MS 5000u
/* How often the reaper looks whether it should stop, when no event comes. */
#define REAPER_POLL_MS 250
#define PARAM_MAX 4096

/* A container of the door that restarts on failure, and how often it failed. */
struct crashes {
        uint64_t id;
        unsigned n;
};

struct oci_containers {
        struct berth_store *store;
        const struct berth_cgroup_system *cgroups;
        const struct oci_device_allowlist *devices; /* --oci-device-allow, or NULL */
        char *ai_buses[2];                          /* --oci-ai-public/private-bus */
        char *engine;
        /* Held from a descriptor's handout to the end of the create that carries it. */
        pthread_mutex_t start_lock;
        unsigned next_descriptor; /* start_lock */
        uint64_t events_after;
        pthread_t reaper;
        bool reaper_running;
        bool stopping; /* atomic */
        /* The roots of Dobby specs' containers (dobby-root.h): <state>/oci-roots, or
         * NULL without a state directory. roots_lock is held while a root is made and by
         * a sweep of the roots, which also keeps those in making: made, and not yet (or
         * no longer) a container's. Taken before start_lock. */
        char *roots;
        pthread_mutex_t roots_lock;
        char **making; /* roots_lock */
        /* Held from the removal of a container to that of its root, so that a call that
         * finds the container gone finds its root gone too (the reaper may have come
         * first), and by a sweep of the roots. Taken after start_lock and roots_lock. */
        pthread_mutex_t reap_lock;
        /* The failures seen of containers that restart on failure (restartOnCrash). */
        pthread_mutex_t crash_lock; /* taken inside the store's lock, never around it */
        struct crashes *crashes;
        size_t n_crashes;
        struct oci_nat *nat; /* the addresses of "nat" containers */
};

/* What a method needs of a container, copied under the store's lock. */
struct target {
        uint64_t id;
        int descriptor;
        char name[BERTH_NAME_MAX + 1];
        enum berth_container_state state;
        pid_t pid;
        uint64_t stop_timeout_ms;
};

/* oci-door.c */

/* Thunder's name of a state: Starting, Running, Paused, Stopping, Stopped, Invalid. */
const char *oc_thunder_state(enum berth_container_state s);

bool oc_all_digits(const char *s);

/* check_params(), then the containerId (required). */
int oc_check_params_cid(json_t *params, const char *const *keys, const char **ret_cid,
                        struct berth_error *err);

/* {"success":false,"errorReason":…}: 0, -ENOMEM. */
int oc_failed(json_t **ret, const char *reason);
_printf_(2, 3) int oc_failedf(json_t **ret, const char *fmt, ...);

/* Its descriptor when c is one of the door's, else -ENOENT (the store's lock held). */
static inline int oc_ours_locked(const struct oci_containers *oc, const struct berth_container *c)
{
        return oci_container_descriptor(c, oc->engine);
}

/* What both starts take besides the container: command, westerosSocket and envvar (in
 * *ret_envvar, which o borrows). */
int oc_param_overrides(json_t *params, struct oci_overrides *o, char ***ret_envvar,
                       struct berth_error *err);

/* A string param, borrowed from params: NULL when absent or null (-EINVAL when required).
 * An empty string is none, for optional ones (Thunder's clients send "" for unset). */
int oc_param_str(json_t *params, const char *key, bool required, const char **ret,
                 struct berth_error *err);

/* containerId (a name, or a descriptor written as a string) to one of the door's
 * containers. -ENOENT with why (the errorReason) when there is none. */
int oc_resolve(struct oci_containers *oc, const char *cid, struct target *t,
               struct berth_error *why);

/* oc_check_params_cid(), then oc_resolve(): 1 with *t; 0 with *ret the failed result
 * (no such container); -errno for params that break the signature (err). */
int oc_target_of(struct oci_containers *oc, json_t *params, const char *const *keys,
                 const char **ret_cid, struct target *t, json_t **ret, struct berth_error *err);

/* {"success":true}: 0, -ENOMEM. */
int oc_succeeded(json_t **ret);

/* Every member of params (NULL: none) must be one of keys: else -EINVAL naming it. */
int oc_check_params(json_t *params, const char *const *keys, struct berth_error *err);

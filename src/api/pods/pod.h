/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pods-state.h"

struct berth_error;
struct berth_store;
struct berth_engine;

/*
 * Pods: a compose project run as a whole, on the docker engine or berth's own (per
 * service, from its image), with the state that survives berthd: the document, the
 * recipes used, enabled or not, and the history, in SQLite (<data_dir>/pods.db, WAL).
 * A pod's containers are the store's container objects (named as compose names them,
 * "<pod>_<service>_1"); a native service's root is an attachment, a squashfs mount
 * and an overlay, like an ImageAPI container's, and is listed there too.
 *
 * Calls are serialised per berthd (one pods lock); the store's own locks are taken
 * inside. Errors as compose.h, plus -ENOENT (no such pod), -EEXIST (set of a pod that
 * exists: the hint says update), -EHOSTDOWN (the docker engine does not answer).
 */

struct berth_pods;

int berth_pods_new(struct berth_store *s, const struct berth_pods_config *cfg,
                   struct berth_pods **ret, struct berth_error *err);
/* After the store has re-adopted its containers: enabled pods whose containers are
 * gone or ended (and not by a stop) are brought up; running containers are left. */
int berth_pods_recover(struct berth_pods *p, struct berth_error *err);
void berth_pods_free(struct berth_pods *p);
const struct berth_pods_config *berth_pods_config(const struct berth_pods *p);

/* "x" or "<prefix>x" → "<prefix>x"; the rest of the name: letters, digits, '_' and
 * '-', 1 to 48 characters, starting with a letter or digit (-EINVAL quoting the rule). */
int berth_pod_name(const struct berth_pods *p, const char *in, char **ret, struct berth_error *err);

enum berth_pod_state {
        BERTH_POD_ONLINE,   /* enabled, and running */
        BERTH_POD_OFFLINE,  /* enabled, not (all) running */
        BERTH_POD_DISABLED, /* not enabled */
};
const char *berth_pod_state_to_string(enum berth_pod_state s);

struct berth_pod_status {
        char *name;
        bool enabled;
        enum berth_pod_state state;
};
void berth_pod_status_done(struct berth_pod_status *st);

/* Every pod, sorted by name. */
int berth_pods_list(struct berth_pods *p, struct berth_pod_status **ret, size_t *ret_n,
                    struct berth_error *err);
/* The stored (normalized) document and recipes of a pod, and its status. */
int berth_pod_details(struct berth_pods *p, const char *name, json_t **ret_doc,
                      json_t **ret_recipes, struct berth_pod_status *ret_st,
                      struct berth_error *err);
/* Validate without making anything: the normalized document, whether the pod exists. */
int berth_pod_test(struct berth_pods *p, const char *name, json_t *file_contents, json_t *recipes,
                   json_t **ret_doc, bool *ret_exists, struct berth_error *err);
/* set (update false): a new pod, disabled, nothing started. update: replace the
 * document; when the pod runs, a service whose config hash changed is recreated, one
 * that did not is left running, one that is gone is removed. */
int berth_pod_set(struct berth_pods *p, const char *name, json_t *file_contents, json_t *recipes,
                  bool update, struct berth_error *err);
/* Stop and remove its containers and networks, then the pod. The pod data is kept. */
int berth_pod_destroy(struct berth_pods *p, const char *name, struct berth_error *err);

enum berth_pod_verb {
        BERTH_POD_ENABLE,  /* start, and start with berthd */
        BERTH_POD_DISABLE, /* stop, and stay stopped */
        BERTH_POD_START,
        BERTH_POD_STOP,
        BERTH_POD_RESTART,
        BERTH_POD_PAUSE,
        BERTH_POD_UNPAUSE,
        BERTH_POD_KILL,
        _BERTH_POD_VERB_MAX,
};
const char *berth_pod_verb_to_string(enum berth_pod_verb v);

/* One step per container, as compose reports it ("Pausing <container> ... done"):
 * error NULL on success, else what went wrong. */
typedef void (*berth_pod_step_fn)(const char *container, const char *error, void *userdata);
/* destroy, with a step per container removed. */
int berth_pod_destroy_steps(struct berth_pods *p, const char *name, berth_pod_step_fn fn,
                            void *userdata, struct berth_error *err);

/* Apply v to the pod (services in start order; stop, pause and kill in reverse). A
 * container that fails does not stop the others: the call fails (-EIO, naming it) when
 * any did. */
int berth_pod_do(struct berth_pods *p, const char *name, enum berth_pod_verb v,
                 berth_pod_step_fn fn, void *userdata, struct berth_error *err);

/* A pod's containers, in start order. */
struct berth_pod_member {
        const char *service;
        const char *container; /* the container's name */
        uint64_t id;           /* the container object, 0 when it has none now */
        const char *engine;    /* "docker" or "native" */
};
int berth_pod_members(struct berth_pods *p, const char *name,
                      int (*fn)(const struct berth_pod_member *m, void *userdata), void *userdata,
                      struct berth_error *err);

/* Settings kept in pods.db (POST /pod/config: podImageFs, podDataFs); NULL when unset. */
int berth_pods_setting_set(struct berth_pods *p, const char *key, const char *value,
                           struct berth_error *err);
char *berth_pods_setting_get(struct berth_pods *p, const char *key);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by pod.c (the pods) and pod-db.c (their database); not for anyone else. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "pod.h"

struct berth_error;
struct pod_compose;
struct pod_db;
struct pod_service;

static inline bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

struct berth_pods {
        struct berth_store *s;
        struct berth_pods_config cfg; /* strings owned */
        struct pod_db *db;
        pthread_mutex_t lock;
};

/* pod-run.c: make and start svc's container (its data directories, what its engine
 * needs first); stop (its signal, then the timeout) and delete one; whether a document
 * has Docker services on the pod's bridge network; remove that network. */
int pod_service_create(struct berth_pods *p, const char *project, const struct pod_service *svc,
                       uint64_t *ret_id, struct berth_error *err);
int pod_container_remove(struct berth_pods *p, uint64_t id, uint64_t stop_timeout_ms,
                         struct berth_error *err);
bool pod_doc_uses_bridge(const struct pod_compose *comp);
void pod_network_cleanup(struct berth_pods *p, const char *project);

struct pod_row {
        char *name;
        json_t *doc;     /* the normalized compose document */
        json_t *recipes; /* the names it was made from */
        bool enabled;
};
void pod_row_done(struct pod_row *row);

int pod_db_open(const char *dir, struct pod_db **ret, struct berth_error *err);
void pod_db_close(struct pod_db *d);
/* -ENOENT when there is no such pod. */
int pod_db_get(struct pod_db *d, const char *name, struct pod_row *ret, struct berth_error *err);
/* Every pod, by name. */
int pod_db_list(struct pod_db *d, struct pod_row **ret, size_t *ret_n, struct berth_error *err);
/* create: -EEXIST when it exists; else -ENOENT when it does not. */
int pod_db_put(struct pod_db *d, const struct pod_row *row, bool create, struct berth_error *err);
int pod_db_set_enabled(struct pod_db *d, const char *name, bool enabled, struct berth_error *err);
int pod_db_delete(struct pod_db *d, const char *name, struct berth_error *err);
/* Append to the pod's history (failures are logged). */
void pod_db_history(struct pod_db *d, const char *name, const char *what, const char *detail);
int pod_db_setting_set(struct pod_db *d, const char *key, const char *value,
                       struct berth_error *err);
char *pod_db_setting_get(struct pod_db *d, const char *key);

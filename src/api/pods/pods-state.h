/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pods' configuration and state, for pod.c, pod-run.c and pod-db.c (pod.h is their
 * face). */

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

struct berth_store;
struct pod_db;

struct berth_pods_config {
        const char *data_dir;    /* pods.db lives here (made 0700 when missing) */
        const char *data_root;   /* the pod data root, where ./rel volumes go */
        const char *recipes_dir; /* the catalogue (recipes.h) */
        const char *prefix;      /* pod names carry it: "od-pod-" */
        const char *ceph_conf;   /* rbd:// images: the monitors and key (NULL: /etc/ceph) */
        bool allow_host_paths, allow_privileged;
};

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

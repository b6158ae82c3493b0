/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of the /api/v2/pod door share (pods-door.c: its replies and the pod a
 * request names): pods-api.c (the routes and the plain calls), pods-inspect.c (a pod's
 * containers as they are now, and inspect), pods-log.c (the log, read or followed). */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "container.h"
#include "http.h"
#include "pods-text.h"

struct berth_pods;
struct berth_store;

/* The /api/v2/pod door (seed 000): pods, recipes and the engine's configuration. */
struct berth_pods_api {
        struct berth_pods *pods;
        struct berth_store *store;
        const char *daemon_json; /* the engine's daemon.json (GET/POST /pod/config) */
        size_t max_body;
        struct berth_http_api http;
};

#define PODS_PREFIX "/api/v2/pod"
#define CT_JSON "application/json; charset=utf-8"
/* A log reply (not followed) stops near here and says so: the tail of a chatty
 * container is what ?tail=N is for. */
#define LOG_REPLY_MAX (1u << 20)
/* Ports of one container listed from its workload (an engine without inspect). */
#define WORKLOAD_PORTS_MAX 1024

struct member {
        char *service, *container, *engine;
        uint64_t id;
        /* from the store, when the object exists */
        const char *project; /* found by name: its project label must be this */
        bool exists;
        enum berth_container_state state;
        int exit_code, signal;
        char *command;
        struct pods_port *ports; /* its workload's (host_ip owned) */
        size_t n_ports;
        /* from its engine */
        json_t *inspect, *top;
        char *inspect_error, *top_error;
        char state_text[64];
};

struct members {
        struct member *v;
        size_t n;
};

/* The door's error body {"message": …} (its http.h error_body hook). */
json_t *pods_error_body(const struct berth_http_request *req, int *status, const char *msg);
/* The HTTP status of a -errno of the pods. */
int pods_status_of(int r);
void pods_reply_msg(struct berth_http_request *req, int status, const char *msg);
void pods_reply_json(struct berth_http_request *req, int status, json_t *j);
void pods_reply_string(struct berth_http_request *req, const char *text, size_t len);
void pods_reply_err(struct berth_http_request *req, struct berth_error *err, int r);
int pods_pod_name(struct berth_pods_api *api, struct berth_http_request *req, char **ret,
                  struct berth_error *err);

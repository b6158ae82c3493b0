/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of the /api/v2/pod door (pods-api.c: the routes and the plain
 * calls; pods-inspect.c: a pod's containers as they are now, and inspect; pods-log.c:
 * the log, read or followed); not for anyone else. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "container.h"
#include "http.h"
#include "pods-api.h"
#include "pods-text.h"

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

void pods_reply_msg(struct berth_http_request *req, int status, const char *msg);
void pods_reply_json(struct berth_http_request *req, int status, json_t *j);
void pods_reply_string(struct berth_http_request *req, const char *text, size_t len);
void pods_reply_err(struct berth_http_request *req, struct berth_error *err, int r);
int pods_pod_name(struct berth_pods_api *api, struct berth_http_request *req, char **ret,
                  struct berth_error *err);
void pods_members_done(struct members *m);
bool pods_state_live(enum berth_container_state s);
int pods_members_get(struct berth_pods_api *api, const char *name, struct members *ret,
                     struct berth_error *err);

void pods_h_inspect(struct berth_http_request *req, void *userdata);
void pods_h_log(struct berth_http_request *req, void *userdata);

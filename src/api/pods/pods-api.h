/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "http.h"

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

void berth_pods_api_init(struct berth_pods_api *api, struct berth_pods *pods,
                         struct berth_store *store, const char *daemon_json, size_t max_body);

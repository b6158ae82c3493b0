/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "http.h"

struct berth_store;

/*
 * GET /metrics, in Prometheus' text format: objects by type and kind (containers by
 * state), container starts, exits and OOM kills, and requests by route and status with
 * their total time.
 */
struct berth_metrics {
        struct berth_http_api http;
        struct berth_store *store;
        struct berth_http_router *router;
};

int berth_metrics_init(struct berth_metrics *m, struct berth_store *store,
                       struct berth_http_router *router);

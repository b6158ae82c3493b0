/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdatomic.h>

#include "http.h"

struct berth_events;

/* GET /events (and /imageapi/v1/events): server-sent events, one JSON object per state
 * change. ?since=<seq> or a Last-Event-ID header resumes after that event. */
struct berth_events_api {
        struct berth_http_api http;
        struct berth_events *events;
        atomic_int clients;
        int max_clients;
};

void berth_events_api_init(struct berth_events_api *a, struct berth_events *events,
                           int max_clients);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "http.h"
#include "pods-door.h"

struct berth_pods;
struct berth_store;

void berth_pods_api_init(struct berth_pods_api *api, struct berth_pods *pods,
                         struct berth_store *store, const char *daemon_json, size_t max_body);

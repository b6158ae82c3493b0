/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "http.h"

struct berth_store;

/* The ImageAPI front door (/imageapi/v1). */
struct imageapi {
        struct berth_store *store;
        size_t max_body;
        struct berth_http_api http;
};

int imageapi_init(struct imageapi *api, struct berth_store *store, size_t max_body);
/* The container routes, a second API object on the same prefix (same error shape). */
void imageapi_containers_init(struct imageapi *api, struct berth_http_api *http);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "http.h"

struct src_apps;

/* The SRC apps door (seed 001): /{facility}/{verb}. apps NULL: the door answers 503
 * with off_reason (its database could not be opened, say). */
struct berth_srcapp_api {
        struct src_apps *apps;
        char off_reason[256];
        struct berth_http_api http;
};

void berth_srcapp_api_init(struct berth_srcapp_api *api, struct src_apps *apps,
                           const char *off_reason);

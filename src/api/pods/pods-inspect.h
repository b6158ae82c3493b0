/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "pods-door.h"

/* A pod's containers as they are now (pods-inspect.c), and inspect. */

void pods_members_done(struct members *m);
bool pods_state_live(enum berth_container_state s);
int pods_members_get(struct berth_pods_api *api, const char *name, struct members *ret,
                     struct berth_error *err);

void pods_h_inspect(struct berth_http_request *req, void *userdata);

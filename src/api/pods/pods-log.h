/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "pods-door.h"

/* GET a pod's log, read or followed (pods-log.c). */
void pods_h_log(struct berth_http_request *req, void *userdata);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "http.h"

struct oci_containers;

/*
 * The org.rdk.OCIContainer door (seed 004): JSON-RPC 2.0 over POST /jsonrpc and
 * /jsonrpc/, one request object per body, behind the router's token like every route.
 * Every JSON-RPC reply is HTTP 200, its errors included; a notification (no id) is
 * carried out and answered 204 without a body. What the router or the transport refuses
 * before a call is decoded (401, 403, 405, 413 …) keeps its HTTP status, with a
 * JSON-RPC error body (id null; -32603 for a 5xx, else -32600).
 */
struct berth_ocicontainer_api {
        struct oci_containers *oc;
        size_t max_body;
        struct berth_http_api http;
};

void berth_ocicontainer_api_init(struct berth_ocicontainer_api *api, struct oci_containers *oc,
                                 size_t max_body);

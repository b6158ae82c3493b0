/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "http.h"

struct oci_containers;
struct oci_events;

/*
 * The org.rdk.OCIContainer door (seed 004): JSON-RPC 2.0 over POST /jsonrpc and
 * /jsonrpc/, one request object per body, behind the router's token like every route.
 * Every JSON-RPC reply is HTTP 200, its errors included; a notification (no id) is
 * carried out and answered 204 without a body. What the router or the transport refuses
 * before a call is decoded (401, 403, 405, 413 …) keeps its HTTP status, with a
 * JSON-RPC error body (id null; -32603 for a 5xx, else -32600).
 *
 * The events, Thunder style: a websocket on GET /jsonrpc and /jsonrpc/ (the same token,
 * checked before the upgrade; plain http and the unix socket, not https: 501), with the
 * subprotocol "notification" or "json" echoed when offered. Each text message is one
 * JSON-RPC call: register and unregister ({event, id}, oci-events.h), and every method
 * of the POST door, answered on the websocket in turn (a notification is carried out
 * without an answer). At most 16 websockets at once (503 beyond: each holds a server
 * thread, as an /events stream does), messages of at most 64 KiB.
 */
struct berth_ocicontainer_api {
        struct oci_containers *oc;
        struct oci_events *events; /* NULL: the websocket answers 501 */
        size_t max_body;
        int websockets; /* open now (atomic) */
        struct berth_http_api http;
};

void berth_ocicontainer_api_init(struct berth_ocicontainer_api *api, struct oci_containers *oc,
                                 size_t max_body);
/* The events the websocket serves (before the server starts). */
void berth_ocicontainer_api_set_events(struct berth_ocicontainer_api *api,
                                       struct oci_events *events);

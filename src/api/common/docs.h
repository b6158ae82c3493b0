/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "http.h"

/* OpenAPI documents (as JSON), the human-readable API page, and /healthz. */
struct berth_docs {
        struct berth_http_api http;
};

int berth_docs_init(struct berth_docs *d);

/* Generated from the YAML documents in openapi/ at build time (openapi/gen-embed.py). */
extern const char berth_openapi_imageapi_json[];
extern const char berth_openapi_pods_json[];
extern const char berth_openapi_srcapp_json[];
/* The OpenRPC document of org.rdk.OCIContainer (openapi/ocicontainer.openrpc.json). */
extern const char berth_openrpc_ocicontainer_json[];
extern const char berth_docs_html[];

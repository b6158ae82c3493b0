/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "docs.h"
#include "macro.h"

static void h_imageapi_json(struct berth_http_request *req, void *userdata)
{
        (void)userdata;
        (void)berth_http_reply(req, 200, "application/json", berth_openapi_imageapi_json,
                               strlen(berth_openapi_imageapi_json), NULL, 0);
}

static void h_pods_json(struct berth_http_request *req, void *userdata)
{
        (void)userdata;
        (void)berth_http_reply(req, 200, "application/json", berth_openapi_pods_json,
                               strlen(berth_openapi_pods_json), NULL, 0);
}

static void h_srcapp_json(struct berth_http_request *req, void *userdata)
{
        (void)userdata;
        (void)berth_http_reply(req, 200, "application/json", berth_openapi_srcapp_json,
                               strlen(berth_openapi_srcapp_json), NULL, 0);
}

static void h_ocicontainer_json(struct berth_http_request *req, void *userdata)
{
        (void)userdata;
        (void)berth_http_reply(req, 200, "application/json", berth_openrpc_ocicontainer_json,
                               strlen(berth_openrpc_ocicontainer_json), NULL, 0);
}

static void h_docs(struct berth_http_request *req, void *userdata)
{
        (void)userdata;
        (void)berth_http_reply(req, 200, "text/html; charset=utf-8", berth_docs_html,
                               strlen(berth_docs_html), NULL, 0);
}

static void h_healthz(struct berth_http_request *req, void *userdata)
{
        static const char ok[] = "{\"status\":\"ok\"}\n";

        (void)userdata;
        (void)berth_http_reply(req, 200, "application/json", ok, strlen(ok), NULL, 0);
}

static const struct berth_http_route docs_routes[] = {
        { "GET", "/imageapi/v1/swagger.json", h_imageapi_json },
        { "GET", "/openapi/imageapi.json", h_imageapi_json },
        { "GET", "/openapi/pods.json", h_pods_json },
        /* Beside the API it describes, as /imageapi/v1/swagger.json is (a pod name has no
         * '.', so no pod route takes it). */
        { "GET", "/api/v2/pod/openapi.json", h_pods_json },
        /* Not beside its API: every /{facility}/{verb} is the SRC door's. */
        { "GET", "/openapi/srcapp.json", h_srcapp_json },
        /* The JSON-RPC door's methods (rpc.discover answers the same document). */
        { "GET", "/openrpc/ocicontainer.json", h_ocicontainer_json },
        { "GET", "/docs", h_docs },
        { "GET", "/imageapi/v1/docs", h_docs },
        { "GET", "/healthz", h_healthz },
};

int berth_docs_init(struct berth_docs *d)
{
        *d = (struct berth_docs){
                .http =
                        {
                                .name = "docs",
                                .prefix = "/",
                                .routes = docs_routes,
                                .n_routes = ELEMENTSOF(docs_routes),
                                .error_body = NULL, /* the default {"code","message"} */
                                .browser_safe = true,
                        },
        };
        return 0;
}

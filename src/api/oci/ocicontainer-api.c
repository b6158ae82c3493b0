/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The org.rdk.OCIContainer door (ocicontainer-api.h): the JSON-RPC envelope (jsonrpc.h)
 * around the methods (ocicontainer.h), and rpc.discover, which answers the OpenRPC
 * document that /openrpc/ocicontainer.json serves.
 *
 * Any Content-Type is taken: the seed's `curl -d` sends
 * application/x-www-form-urlencoded. Web pages cannot use that to reach the door: the
 * router refuses requests from browsers before any handler runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs.h"
#include "error.h"
#include "http.h"
#include "jsonrpc.h"
#include "macro.h"
#include "ocicontainer-api.h"
#include "ocicontainer.h"

#define CALLSIGN "org.rdk.OCIContainer"
#define CALLSIGN_VERSION 1

/* The body, whatever its type, at most max bytes (413 beyond). */
static int read_body(struct berth_http_request *req, size_t max, char **ret, size_t *ret_len,
                     struct berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap;

        if (req->content_length >= 0 && (unsigned long long)req->content_length > max)
                return berth_error_set(err, EMSGSIZE,
                                       "request body of %lld bytes is over the limit of %zu",
                                       req->content_length, max);
        /* One byte beyond what is expected: a longer body is noticed. */
        cap = req->content_length >= 0 ? (size_t)req->content_length + 1 : MIN(max + 1, 4096u);
        for (;;) {
                ssize_t n;

                if (!buf || len == cap) {
                        char *nb;

                        if (buf)
                                cap = MIN(cap * 2, max + 1);
                        nb = realloc(buf, cap + 1);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = req->transport->read(req->conn, buf + len, cap - len);
                if (n < 0)
                        return berth_error_set_errno(err, (int)-n, "read request body");
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return berth_error_set(err, EMSGSIZE,
                                               "request body is over the limit of %zu bytes", max);
        }
        if (req->content_length >= 0 && len < (size_t)req->content_length)
                return berth_error_set(err, EBADMSG, "request body ended after %zu of %lld bytes",
                                       len, req->content_length);
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* rpc.discover: the OpenRPC document (no params, or empty ones). */
static json_t *discover(const struct jsonrpc_request *call)
{
        json_error_t jerr;
        json_t *doc;

        if ((json_is_object(call->params) && json_object_size(call->params) > 0) ||
            (json_is_array(call->params) && json_array_size(call->params) > 0))
                return jsonrpc_error_new(call->id, JSONRPC_INVALID_PARAMS,
                                         "rpc.discover takes no params");
        doc = json_loads(berth_openrpc_ocicontainer_json, 0, &jerr);
        if (!doc)
                return jsonrpc_error_new(call->id, JSONRPC_INTERNAL_ERROR,
                                         "the OpenRPC document cannot be read");
        return jsonrpc_result_new(call->id, doc);
}

static json_t *method_not_found(const struct jsonrpc_request *call, bool version)
{
        char msg[JSONRPC_MESSAGE_MAX];

        (void)snprintf(msg, sizeof(msg),
                       version ? "unknown method '%.200s': " CALLSIGN " has version 1 only"
                               : "unknown method '%.200s' (methods are " CALLSIGN
                                 ".1.<method>, " CALLSIGN ".<method> and rpc.discover)",
                       call->method);
        return jsonrpc_error_new(call->id, JSONRPC_METHOD_NOT_FOUND, msg);
}

/* The reply to a decoded call; NULL on out of memory. */
static json_t *answer(struct berth_ocicontainer_api *api, const struct jsonrpc_request *call)
{
        struct berth_error err = {};
        json_t *result = NULL;
        const char *m;
        int r;

        if (streq(call->method, "rpc.discover"))
                return discover(call);
        r = jsonrpc_thunder_method(call->method, CALLSIGN, CALLSIGN_VERSION, &m);
        if (r < 0)
                return method_not_found(call, r == -EPROTONOSUPPORT);
        r = oci_containers_call(api->oc, m, call->params, &result, &err);
        if (r == -ENOENT)
                return method_not_found(call, false);
        if (r == -EINVAL)
                return jsonrpc_error_new(call->id, JSONRPC_INVALID_PARAMS, err.msg);
        if (r == -ENOMEM)
                return NULL;
        if (r < 0)
                return jsonrpc_error_new(call->id, JSONRPC_INTERNAL_ERROR,
                                         err.msg[0] ? err.msg : strerror(-r));
        return jsonrpc_result_new(call->id, result);
}

static void h_call(struct berth_http_request *req, void *userdata)
{
        struct berth_ocicontainer_api *api = userdata;
        struct jsonrpc_request call = {};
        struct jsonrpc_error e = {};
        struct berth_error err = {};
        _cleanup_free_ char *body = NULL;
        json_t *reply;
        size_t len = 0;
        int r;

        r = read_body(req, api->max_body, &body, &len, &err);
        if (r < 0) {
                (void)berth_error_ensure(&err, r, "read request body");
                (void)berth_http_reply_berror(req, &err);
                return;
        }
        r = jsonrpc_request_parse(body, len, &call, &e);
        if (r == -ENOMEM) {
                (void)berth_http_reply_error(req, 500, "out of memory");
                return;
        }
        if (r < 0) {
                reply = jsonrpc_error_to_json(&e);
                jsonrpc_error_done(&e);
        } else {
                /* For the error hook: a reply that fails from here on is this call's. */
                req->door_data = call.id;
                reply = answer(api, &call);
        }
        if (r >= 0 && !call.id) {
                /* A notification: carried out, and nothing to answer. */
                json_decref(reply);
                (void)berth_http_reply(req, 204, NULL, NULL, 0, NULL, 0);
        } else if (!reply)
                (void)berth_http_reply_error(req, 500, "out of memory encoding the reply");
        else
                (void)berth_http_reply_json(req, 200, reply);
        req->door_data = NULL;
        jsonrpc_request_done(&call);
}

/* Errors the router, the transport or the handler's HTTP helpers send. Once a call is
 * decoded (door_data is its id) it is the call's JSON-RPC error, with HTTP 200. */
static json_t *error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        json_t *id = req->door_data;
        int code = *status >= 500 ? JSONRPC_INTERNAL_ERROR : JSONRPC_INVALID_REQUEST;

        if (id)
                *status = 200;
        return jsonrpc_error_new(id, code, msg);
}

static const struct berth_http_route routes[] = {
        { "POST", "/jsonrpc", h_call },
        /* As the seed's curl commands write it. */
        { "POST", "/jsonrpc/", h_call },
};

void berth_ocicontainer_api_init(struct berth_ocicontainer_api *api, struct oci_containers *oc,
                                 size_t max_body)
{
        *api = (struct berth_ocicontainer_api){
                .oc = oc,
                .max_body = max_body,
                .http = {
                        .name = "ocicontainer",
                        .prefix = "/jsonrpc",
                        .routes = routes,
                        .n_routes = ELEMENTSOF(routes),
                        .error_body = error_body,
                },
        };
        api->http.userdata = api;
}

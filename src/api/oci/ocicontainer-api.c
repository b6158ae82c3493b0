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
#include "oci-events.h"
#include "ocicontainer-api.h"
#include "ocicontainer.h"

#define CALLSIGN "org.rdk.OCIContainer"
#define CALLSIGN_VERSION 1
/* Each websocket holds a server thread for its life (civetweb's workers are 32 by
 * default, /events streams take up to 16). */
#define WEBSOCKETS_MAX 16
#define WEBSOCKET_MESSAGE_MAX (64u << 10)

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

/* A start answered with a descriptor: the events learn it (oci-events.h). */
static void note_start(struct berth_ocicontainer_api *api, const char *m, json_t *params,
                       json_t *result)
{
        json_t *d = json_object_get(result, "descriptor");
        const char *id = json_string_value(json_object_get(params, "containerId"));

        if (api->events &&
            (streq(m, "startContainer") || streq(m, "startContainerFromDobbySpec")) &&
            json_is_true(json_object_get(result, "success")) && json_is_integer(d) && id)
                oci_events_note_start(api->events, id, (int)json_integer_value(d));
}

/* register and unregister, on a websocket (client) or not: NULL when m is neither. */
static json_t *events_call(struct oci_events_client *client, const struct jsonrpc_request *call,
                           const char *m, bool *ret_oom)
{
        struct berth_error err = {};
        int code = 0, r;

        *ret_oom = false;
        if (!streq(m, "register") && !streq(m, "unregister"))
                return NULL;
        if (!client)
                return jsonrpc_error_new(call->id, JSONRPC_METHOD_NOT_FOUND,
                                         "register and unregister are for the websocket on "
                                         "GET /jsonrpc (Upgrade: websocket): events need a "
                                         "connection that stays open");
        r = oci_events_client_call(client, m, call->params, &code, &err);
        if (r == -ENOMEM) {
                *ret_oom = true;
                return NULL;
        }
        if (r < 0)
                return jsonrpc_error_new(call->id, code, err.msg);
        return jsonrpc_result_new(call->id, json_integer(0));
}

/* The reply to a decoded call, over POST (client NULL) or a websocket; NULL on out of
 * memory. */
static json_t *answer(struct berth_ocicontainer_api *api, struct oci_events_client *client,
                      const struct jsonrpc_request *call)
{
        struct berth_error err = {};
        json_t *result = NULL, *reply;
        const char *m;
        bool oom;
        int r;

        if (streq(call->method, "rpc.discover"))
                return discover(call);
        r = jsonrpc_thunder_method(call->method, CALLSIGN, CALLSIGN_VERSION, &m);
        if (r < 0)
                return method_not_found(call, r == -EPROTONOSUPPORT);
        reply = events_call(client, call, m, &oom);
        if (reply || oom)
                return reply;
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
        note_start(api, m, call->params, result);
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
                reply = answer(api, NULL, &call);
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

/* ---- the events' websocket -------------------------------------------------------- */

struct session {
        struct berth_ocicontainer_api *api;
        struct berth_http_websocket *ws;
        struct oci_events_client *client;
};

static void session_send(void *userdata, const char *text, size_t len)
{
        struct session *s = userdata;

        /* A client too slow for its events is dropped by the websocket. */
        (void)berth_http_websocket_send_text(s->ws, text, len);
}

static void session_close(void *userdata)
{
        struct session *s = userdata;

        berth_http_websocket_close(s->ws, 1001, "berthd is stopping");
}

/* One message: one call, answered on the websocket unless it is a notification. */
static int session_message(struct berth_http_websocket *ws, const char *text, size_t len,
                           void *userdata)
{
        struct session *s = userdata;
        struct jsonrpc_request call = {};
        struct jsonrpc_error e = {};
        _cleanup_free_ char *out = NULL;
        size_t out_len = 0;
        json_t *reply;
        int r;

        r = jsonrpc_request_parse(text, len, &call, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                reply = jsonrpc_error_to_json(&e);
                jsonrpc_error_done(&e);
        } else
                reply = answer(s->api, s->client, &call);
        if (r >= 0 && !call.id) {
                json_decref(reply);
                jsonrpc_request_done(&call);
                return 0;
        }
        jsonrpc_request_done(&call);
        if (!reply)
                return -ENOMEM;
        r = berth_http_json_format(reply, &out, &out_len);
        json_decref(reply);
        if (r < 0)
                return r;
        /* Without its trailing newline: one message, one JSON text. */
        if (out_len > 0 && out[out_len - 1] == '\n')
                out_len--;
        (void)berth_http_websocket_send_text(ws, out, out_len);
        return 0;
}

static const char *const subprotocols[] = { "notification", "json", NULL };

static void h_websocket(struct berth_http_request *req, void *userdata)
{
        static const struct berth_http_websocket_config cfg = {
                .subprotocols = subprotocols,
                .max_message = WEBSOCKET_MESSAGE_MAX,
        };
        struct berth_ocicontainer_api *api = userdata;
        struct session s = { .api = api };
        int r;

        if (!api->events) {
                (void)berth_http_reply_error(req, 501, "the events are not available");
                return;
        }
        if (__atomic_add_fetch(&api->websockets, 1, __ATOMIC_SEQ_CST) > WEBSOCKETS_MAX) {
                (void)berth_http_reply_error(req, 503, "%d websockets are open already",
                                             WEBSOCKETS_MAX);
        } else if (berth_http_websocket_accept(req, &cfg, &s.ws) >= 0) {
                r = oci_events_client_new(api->events, session_send, session_close, &s, &s.client);
                if (r < 0)
                        berth_http_websocket_close(s.ws, r == -ESHUTDOWN ? 1001 : 1011,
                                                   r == -ESHUTDOWN ? "berthd is stopping"
                                                                   : "out of memory");
                (void)berth_http_websocket_run(s.ws, session_message, &s);
                /* Its registrations end with it, before it goes. */
                s.client = oci_events_client_free(s.client);
                s.ws = berth_http_websocket_free(s.ws);
        }
        __atomic_sub_fetch(&api->websockets, 1, __ATOMIC_SEQ_CST);
}

static const struct berth_http_route routes[] = {
        { "POST", "/jsonrpc", h_call },
        /* As the seed's curl commands write it. */
        { "POST", "/jsonrpc/", h_call },
        /* The events (Thunder's ws://host/jsonrpc). */
        { "GET", "/jsonrpc", h_websocket },
        { "GET", "/jsonrpc/", h_websocket },
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

void berth_ocicontainer_api_set_events(struct berth_ocicontainer_api *api,
                                       struct oci_events *events)
{
        api->events = events;
}

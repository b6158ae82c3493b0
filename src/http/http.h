/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

struct berth_error;
struct berth_http_request;

/*
 * The HTTP layer between the transports (civetweb for TCP and TLS, berth's own
 * small server for the unix socket, which Debian's civetweb is built without) and the
 * API codecs. Handlers see only struct berth_http_request; they never touch a
 * transport, and the core never sees HTTP.
 */

struct berth_http_header {
        const char *name;
        const char *value;
};

struct berth_http_transport {
        const char *name;
        /* The unix socket: no browser can reach it, and its Host header means nothing. */
        bool unix_socket;
        /* Read body bytes (already de-chunked). Returns bytes read, 0 at the end, -errno. */
        ssize_t (*read)(void *conn, void *buf, size_t len);
        /* Send a complete response. */
        int (*respond)(void *conn, int status, const struct berth_http_header *headers,
                       size_t n_headers, const void *body, size_t len);
        /* A request header, or NULL. */
        const char *(*header)(void *conn, const char *name);
        /* A response of unknown length (server-sent events): headers now, then
         * writes until the handler returns; the connection closes afterwards. */
        int (*stream_begin)(void *conn, int status, const struct berth_http_header *headers,
                            size_t n_headers);
        int (*stream_write)(void *conn, const void *buf, size_t len);
        /* Hand the connection over for a protocol upgrade (a websocket): a socket of the
         * caller's own (a new fd) and a copy of the bytes read past the request head
         * (NULL when none). The transport sends nothing more on it, and closes it once
         * the handler returns. -EOPNOTSUPP where it cannot (TLS: civetweb keeps the
         * stream); NULL: the same. */
        int (*take_over)(void *conn, int *ret_fd, char **ret_rest, size_t *ret_n_rest);
};

/* An API (front door): its routes and how it shapes error bodies. */
typedef void (*berth_http_handler_fn)(struct berth_http_request *req, void *userdata);

struct berth_http_route {
        const char *method;
        const char *pattern; /* "/imageapi/v1/mount/overlay/{id}" */
        berth_http_handler_fn fn;
};

struct berth_http_api {
        const char *name;
        const char *prefix; /* paths under it use this API's error format */
        const struct berth_http_route *routes;
        size_t n_routes;
        /* The body of every error reply for this API, from its handlers, the router or
         * the transport (req->path may then be NULL). It may change *status (a JSON-RPC
         * door answers 200 with an error object) and read req->door_data. When it returns
         * NULL (out of memory, msg not UTF-8), the reply becomes its 500 "out of memory
         * encoding the reply", without a body if that fails too. NULL hook:
         * {"code":status,"message":msg}. */
        json_t *(*error_body)(const struct berth_http_request *req, int *status, const char *msg);
        void *userdata;
        /* Public, read-only documents (the OpenAPI documents, /docs, /healthz): a browser
         * may fetch them from any page (the links of /docs), so the rules for requests
         * from web pages do not apply to these routes. */
        bool browser_safe;
};

#define BERTH_HTTP_CAPTURES_MAX 4

struct berth_http_request {
        const char *method;       /* NULL when the request line could not be read */
        const char *path;         /* percent-decoded, without the query; NULL when unknown */
        const char *query;        /* raw, NULL when absent */
        long long content_length; /* -1 when unknown (chunked) */
        const char *remote;       /* "127.0.0.1:5555", "unix" */

        const struct berth_http_transport *transport;
        void *conn;

        /* The API whose prefix the path is under (the router's, or the transport's for
         * an error before routing): the error format of a reply no route gave. */
        const struct berth_http_api *error_api;
        const struct berth_http_api *api;        /* of the route, NULL until routed */
        char *captures[BERTH_HTTP_CAPTURES_MAX]; /* percent-decoded {…} segments */
        size_t n_captures;
        /* The door's own state for this request (a JSON-RPC call's id), for its
         * error_body; NULL by default. The door owns it; the dispatcher resets it to
         * NULL when the handler returns. */
        void *door_data;

        uint64_t id;
        int status; /* of the reply, 0 until sent */
        size_t reply_bytes;
};

/* ---- routing ------------------------------------------------------------------- */

struct berth_http_router;

int berth_http_router_new(struct berth_http_router **ret);
struct berth_http_router *berth_http_router_free(struct berth_http_router *r);
int berth_http_router_add_api(struct berth_http_router *r, const struct berth_http_api *api);
/* Requests so far, by route ("GET /imageapi/v1/mount") and status: count and total
 * seconds. fn is called under the router's statistics lock. */
typedef int (*berth_http_stat_fn)(const char *route, int status, uint64_t count, double seconds,
                                  void *userdata);
int berth_http_router_stats(struct berth_http_router *r, berth_http_stat_fn fn, void *userdata);
/* Require this token on every request but GET /healthz (NULL: none). */
int berth_http_router_set_token(struct berth_http_router *r, const char *token);
/* Requests from web pages. A browser marks them with Origin, or with Sec-Fetch-Site other
 * than "none" (a typed address or a bookmark): they get 403 and nothing is done, unless
 * their Origin is in allow_origins. Without a token, a TCP request's Host header must be
 * a loopback name or address or be in allow_hosts (a page that rebinds its own DNS name
 * to 127.0.0.1 is same-origin to the browser, but still sends its own name). Both
 * lists are NULL-terminated (or NULL) and copied. Returns 0 / -ENOMEM. */
int berth_http_router_set_browser_policy(struct berth_http_router *r, char *const *allow_origins,
                                         char *const *allow_hosts);
/* Is Host acceptable without a token (exposed for unit tests)? */
bool berth_http_host_allowed(const char *host, char *const *allow_hosts);
/* The API whose prefix is the longest one path starts with; the first API added when
 * none; NULL without APIs. */
const struct berth_http_api *berth_http_router_api_for_path(const struct berth_http_router *r,
                                                            const char *path);

/* Entry point for every transport: match, handle 404/405/OPTIONS, call the handler,
 * make sure something was sent, log. Of the routes whose pattern matches the path and
 * whose method is the request's (GET for HEAD), the most specific takes the request,
 * whatever the order the APIs and routes were added in: patterns are compared segment by
 * segment, and at the first segment where one has a literal and the other a {capture},
 * the literal wins. Equal patterns go by the order they were added in. When the path
 * matches but no route has the method: 405, Allow listing the methods of all the routes
 * that match the path. */
void berth_http_dispatch(struct berth_http_router *r, struct berth_http_request *req);

/* ---- helpers for handlers -------------------------------------------------------- */

/* ENOENT→404, EEXIST/EBUSY→409, EBADMSG→400, EINVAL/EROFS→422, EMSGSIZE→413,
 * EMEDIUMTYPE→415, EOPNOTSUPP→501, EPERM/EACCES→403, ENOSPC→507, else 500. */
int berth_http_status_from_errno(int r);
const char *berth_http_reason(int status);
/* A reply's head, status line to the empty line: the headers given, Content-Length
 * (none when len is BERTH_HTTP_STREAM: the body runs until the connection closes),
 * Date and Connection. Returns its length, or -ENOBUFS when it does not fit in size. */
#define BERTH_HTTP_STREAM SIZE_MAX
ssize_t berth_http_format_head(char *buf, size_t size, int status,
                               const struct berth_http_header *headers, size_t n_headers,
                               size_t len, bool keep_alive);

int berth_http_reply(struct berth_http_request *req, int status, const char *content_type,
                     const void *body, size_t len, const struct berth_http_header *extra,
                     size_t n_extra);
/* Steals j. Compact JSON with a trailing newline, like the Go server. */
int berth_http_reply_json(struct berth_http_request *req, int status, json_t *j);
/* The text berth_http_reply_json() sends for j (which stays the caller's), in a new
 * NUL-terminated buffer: for replies kept to be sent again. Returns 0 / -ENOMEM. */
int berth_http_json_format(const json_t *j, char **ret, size_t *ret_len);
/* Reply with such a text. */
int berth_http_reply_json_text(struct berth_http_request *req, int status, const char *text,
                               size_t len);
int berth_http_reply_error(struct berth_http_request *req, int status, const char *fmt, ...)
        _printf_(3, 4);
/* The same with extra headers (405 with Allow). */
int berth_http_reply_error_headers(struct berth_http_request *req, int status,
                                   const struct berth_http_header *extra, size_t n_extra,
                                   const char *fmt, ...) _printf_(5, 6);
/* Status from err->code, message from err->msg. */
int berth_http_reply_berror(struct berth_http_request *req, const struct berth_error *err);

/* The request's body as JSON. Content-Type must be application/json (415), the body
 * at most max bytes (413), present (422) and well-formed without duplicate keys (400).
 * Returns 0 / -errno with err set. */
int berth_http_read_json(struct berth_http_request *req, size_t max, json_t **ret,
                         struct berth_error *err);
/* Free a decoded request body, every string zeroed first (a Ceph key, say). */
void berth_http_json_release(json_t *j);
/* Refuse a body on a request that takes none (DELETE): -EINVAL (422). */
int berth_http_expect_no_body(struct berth_http_request *req, struct berth_error *err);
/* Did the client send a body (a length above 0, or a chunked one)? */
bool berth_http_has_body(struct berth_http_request *req);

const char *berth_http_header(struct berth_http_request *req, const char *name);

/* Streaming responses (GET /events). stream_write fails (-EPIPE …) once the client
 * has gone. */
int berth_http_stream_begin(struct berth_http_request *req, int status, const char *content_type);
int berth_http_stream_write(struct berth_http_request *req, const void *buf, size_t len);

/* ---- websockets (RFC 6455) ---------------------------------------------------------- */

/*
 * A websocket on a GET route, served by berth itself on the connection its transport
 * hands over (the unix socket and plain http; not https). The handler that accepts one
 * holds its thread for the connection's life, as an /events stream does: the route's
 * door caps how many it takes. Frames from the client must be masked, messages are text
 * (UTF-8) of at most max_message bytes, fragmented or not; pings are answered, and a
 * close is answered and ends the connection. What breaks the protocol closes it with
 * 1002 (1003 for a binary message, 1007 for text that is not UTF-8, 1009 for one that
 * is too long).
 */
struct berth_http_websocket;

struct berth_http_websocket_config {
        /* The subprotocols spoken (NULL-terminated, may be NULL): the first that the
         * client offers is echoed; none offered, none echoed; only unknown ones: 400. */
        const char *const *subprotocols;
        size_t max_message; /* 0: 64 KiB */
        /* Bytes sent and not yet read by the client beyond which it is too slow and the
         * connection is dropped (0: 1 MiB). */
        size_t max_queue;
        /* After this long without a frame from the client, a ping; as long again without
         * one: closed (1001). 0: 30 s. */
        unsigned ping_ms;
};

/* The upgrade of the request (a GET, admitted by the router): the handshake is checked
 * (400; 426 without "Upgrade: websocket" or for another version than 13), the connection
 * taken over from its transport (501 where it cannot be) and 101 sent. 0 with *ret, or
 * -errno once an error was replied (or, past the take-over, once the connection is
 * dropped: out of memory, a client that takes no 101). */
int berth_http_websocket_accept(struct berth_http_request *req,
                                const struct berth_http_websocket_config *cfg,
                                struct berth_http_websocket **ret);
/* The subprotocol echoed (one of cfg's), or NULL. */
const char *berth_http_websocket_subprotocol(const struct berth_http_websocket *ws);

/* A text message: text is NUL-terminated (len bytes, UTF-8, without NULs it may still
 * hold). < 0 closes the connection with 1011. */
typedef int (*berth_http_websocket_text_fn)(struct berth_http_websocket *ws, const char *text,
                                            size_t len, void *userdata);
/* Serve the connection in the calling thread until it closes; each text message goes
 * to fn in turn. Returns the close code sent or received (1006 when the connection just
 * ended). */
int berth_http_websocket_run(struct berth_http_websocket *ws, berth_http_websocket_text_fn fn,
                             void *userdata);
/* Send a text message, from any thread, until the websocket is freed: it never blocks
 * (what the socket does not take at once waits in the websocket's queue). -EPIPE once
 * closing, -ENOBUFS when the client is too slow (the connection is then dropped),
 * -ENOMEM. */
int berth_http_websocket_send_text(struct berth_http_websocket *ws, const char *text, size_t len);
/* Begin the closing handshake from any thread (a code an endpoint may send; the reason
 * at most 123 bytes of UTF-8): run() returns once the client answers, or after a
 * second. Later calls do nothing. */
void berth_http_websocket_close(struct berth_http_websocket *ws, unsigned code, const char *reason);
/* The connection closed (nothing is sent past this), memory freed. NULL. */
struct berth_http_websocket *berth_http_websocket_free(struct berth_http_websocket *ws);

/* ---- query strings ------------------------------------------------------------- */

#define BERTH_HTTP_QUERY_MAX 16

struct berth_http_query {
        size_t n;
        char *keys[BERTH_HTTP_QUERY_MAX];
        char *values[BERTH_HTTP_QUERY_MAX];
};

/* Parse and percent-decode; only keys in allowed (NULL-terminated) are accepted,
 * each at most once. 422 on anything else. */
int berth_http_query_parse(const char *query, const char *const *allowed,
                           struct berth_http_query *ret, struct berth_error *err);
void berth_http_query_done(struct berth_http_query *q);
const char *berth_http_query_get(const struct berth_http_query *q, const char *key);
/* Typed getters: 0 when absent (ret untouched), 1 when present, -EINVAL (422) when
 * malformed. */
int berth_http_query_u64(const struct berth_http_query *q, const char *key, uint64_t *ret,
                         struct berth_error *err);
int berth_http_query_bool(const struct berth_http_query *q, const char *key, bool *ret,
                          struct berth_error *err);

/* Percent-decode src (len bytes) into a new string; NULL on malformed escapes or NUL. */
char *berth_http_unescape(const char *src, size_t len, bool plus_is_space);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * JSON-RPC 2.0 envelopes (https://www.jsonrpc.org/specification) for a door that takes
 * one request object per HTTP body, and Thunder's method names. Pure: no HTTP, no I/O.
 *
 * Batches (a top-level array) are refused with -32600 "batches are not supported" and
 * id null: no client of the Thunder APIs sends them, and a batch of starts would have
 * to be answered as a whole after the slowest.
 */

enum {
        JSONRPC_PARSE_ERROR = -32700,
        JSONRPC_INVALID_REQUEST = -32600,
        JSONRPC_METHOD_NOT_FOUND = -32601,
        JSONRPC_INVALID_PARAMS = -32602,
        JSONRPC_INTERNAL_ERROR = -32603,
};

#define JSONRPC_MESSAGE_MAX 512

/* A decoded request. The fields point into root, which it owns. */
struct jsonrpc_request {
        json_t *root;
        json_t *id;         /* a string, a number or null; NULL: a notification */
        const char *method; /* "org.rdk.OCIContainer.1.listContainers" */
        json_t *params;     /* an object or an array; NULL when absent */
};

/* The error a request gets. id: a reference of its own (NULL: null). */
struct jsonrpc_error {
        int code;
        json_t *id;
        char message[JSONRPC_MESSAGE_MAX];
};

/* Decode one request; e is set anew. -EINVAL when it is not one, with e (free it with
 * jsonrpc_error_done()): -32700 for malformed JSON, -32600 for a batch, a duplicate key or
 * a broken envelope (e->id the call's when it has a valid one, else null), -32602 for
 * params that are neither an object nor an array; req is then empty. -ENOMEM. */
int jsonrpc_request_parse(const char *body, size_t len, struct jsonrpc_request *req,
                          struct jsonrpc_error *e);
void jsonrpc_request_done(struct jsonrpc_request *req);

/* Fill e (its id a new reference to id, which may be NULL); returns -EINVAL. */
int jsonrpc_error_set(struct jsonrpc_error *e, int code, json_t *id, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void jsonrpc_error_done(struct jsonrpc_error *e);

/* {"jsonrpc":"2.0","id":id,"result":result}: steals result; id NULL is null. NULL on
 * out of memory. */
json_t *jsonrpc_result_new(json_t *id, json_t *result);
/* {"jsonrpc":"2.0","id":id,"error":{"code":code,"message":message}}; a message that is not
 * UTF-8 is mended (jsonrpc_string_lossy()). NULL on out of memory. */
json_t *jsonrpc_error_new(json_t *id, int code, const char *message);
json_t *jsonrpc_error_to_json(const struct jsonrpc_error *e);

/* A JSON string of len bytes of s, whatever they are: each byte that does not belong to
 * a well-formed UTF-8 sequence becomes U+FFFD (NUL stays, as \u0000). NULL on OOM. */
json_t *jsonrpc_string_lossy(const char *s, size_t len);

/* Thunder's method names: "<callsign>.<version>.<method>" or "<callsign>.<method>" (the
 * callsign has dots of its own: "org.rdk.OCIContainer"). 0 with *ret_method pointing
 * into name; -ENOENT when name is not of callsign, or has no method or a method with a
 * dot; -EPROTONOSUPPORT when it asks for another version. */
int jsonrpc_thunder_method(const char *name, const char *callsign, unsigned version,
                           const char **ret_method);

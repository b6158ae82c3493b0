/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct test_berthd;

/*
 * A minimal websocket client (RFC 6455) for the tests: the handshake over TCP or
 * berthd's unix socket, masked frames out, frames in with a timeout. No ck_* calls:
 * results are returned, for the tests to judge.
 */

/* The key the client sends: RFC 6455's own example, whose accept value the RFC gives
 * (TEST_WS_ACCEPT), so that the server's is checked against a value from outside. */
#define TEST_WS_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define TEST_WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

struct test_ws {
        int fd;
        long status;          /* of the handshake's reply (101 when upgraded) */
        char head[4096];      /* the reply's head */
        char body[4096];      /* a reply other than 101: its body */
        char accept[64];      /* Sec-WebSocket-Accept, "" when none */
        char protocol[64];    /* Sec-WebSocket-Protocol, "" when none */
        uint8_t buf[1 << 17]; /* received, not yet taken */
        size_t len;
        json_t *queued[32]; /* messages test_ws_call() passed over, for test_ws_recv_json() */
        size_t n_queued;
};

/* A connection to berthd t, over its unix socket or TCP: the socket, or -errno. */
int test_ws_dial(const struct test_berthd *t, bool unix_socket);
/* Connect to t (its unix socket or TCP) and send a GET of path with the upgrade's
 * headers (Sec-WebSocket-Version 13 unless headers has one), the subprotocols offered
 * (NULL: none), t->auth unless without_auth, and the extra header lines
 * (NULL-terminated, may be NULL). 0 with ws->status set, or -errno
 * (ws->fd is then closed). */
int test_ws_open(struct test_ws *ws, const struct test_berthd *t, bool unix_socket,
                 const char *path, const char *protocols, bool without_auth,
                 const char *const *headers);
/* One frame: opcode, payload, masked or not, final or not. 0 or -errno. */
int test_ws_send(struct test_ws *ws, int opcode, const void *p, size_t n, bool mask, bool fin);
/* A masked text frame. */
int test_ws_send_text(struct test_ws *ws, const char *text);
/* The next frame within timeout_ms: its opcode, the payload in *ret (NUL-terminated,
 * freed by the caller; may be NULL) and its length. -ETIMEDOUT, -ECONNRESET at the end of
 * the stream, -EBADMSG for a frame a server must not send (masked). */
int test_ws_recv(struct test_ws *ws, int timeout_ms, char **ret, size_t *ret_len);
/* The next text message as JSON (pings and pongs skipped; those test_ws_call() passed
 * over first); NULL on a timeout, the end, another frame or text that is not JSON. */
json_t *test_ws_recv_json(struct test_ws *ws, int timeout_ms);
/* A call (method, params: JSON text or NULL, id) and its reply: NULL when none came
 * within timeout_ms. Messages without an id (events) that come first are kept for
 * test_ws_recv_json(). */
json_t *test_ws_call(struct test_ws *ws, int id, const char *method, const char *params,
                     int timeout_ms);
void test_ws_close(struct test_ws *ws);

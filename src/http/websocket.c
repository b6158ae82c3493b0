/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Websockets (RFC 6455) on a connection that its transport handed over (http.h). The
 * handler's thread reads and answers; any thread may send. Sends never block: what the
 * socket does not take at once waits in a bounded queue that the handler's thread
 * flushes when the socket drains, so that one client that stops reading delays nobody
 * (it is dropped when its queue is full).
 *
 * Why berth frames the messages itself rather than through civetweb's websocket
 * handlers: civetweb 1.15 takes unmasked frames from a client and buffers frames of up
 * to 2 GiB before a handler sees them, and Debian's civetweb cannot listen on the unix
 * socket at all; one implementation serves both servers.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "macro.h"
#include "utf8.h"
#include "websocket-frame.h"

#define MAX_MESSAGE_DEFAULT (64u << 10)
#define MAX_QUEUE_DEFAULT (1u << 20)
#define PING_MS_DEFAULT 30000u
/* How long a close waits for the client's, and the 101 for a socket that takes nothing. */
#define CLOSE_WAIT_MS 1000
#define HANDSHAKE_SEND_MS 5000

struct berth_http_websocket {
        int fd;
        int wake_fd; /* eventfd: the handler's thread has something to flush, or must end */
        const char *subprotocol;
        size_t max_message, max_queue;
        unsigned ping_ms;

        /* The handler's thread only. */
        uint8_t *in; /* bytes received, not yet taken as frames */
        size_t in_len, in_size;
        uint8_t *msg; /* a message being assembled from its fragments */
        size_t msg_len;
        bool in_message;
        bool close_received;
        int64_t last_rx, ping_sent;

        pthread_mutex_t lock;
        /* With lock. */
        uint8_t *out; /* frames queued, from out_pos */
        size_t out_pos, out_len, out_size;
        bool close_sent; /* nothing is queued past a close frame */
        int64_t close_deadline;
        unsigned close_code;
        bool failed; /* the socket failed, or the client is too slow: the connection ends */
};

static void wake(struct berth_http_websocket *ws)
{
        (void)!eventfd_write(ws->wake_fd, 1);
}

/* Send what the socket takes now (lock held). */
static void flush_locked(struct berth_http_websocket *ws)
{
        while (!ws->failed && ws->out_pos < ws->out_len) {
                ssize_t n = send(ws->fd, ws->out + ws->out_pos, ws->out_len - ws->out_pos,
                                 MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n <= 0) {
                        ws->failed = true;
                        break;
                }
                ws->out_pos += (size_t)n;
        }
        if (ws->out_pos == ws->out_len)
                ws->out_pos = ws->out_len = 0;
}

/* Queue a frame and send what can be sent (lock held). */
static int queue_locked(struct berth_http_websocket *ws, uint8_t opcode, const void *payload,
                        size_t len)
{
        uint8_t head[BERTH_WS_HEAD_MAX];
        size_t hl = berth_ws_head_format(head, opcode, len);
        size_t pending = ws->out_len - ws->out_pos;

        if (ws->failed)
                return -EPIPE;
        if (pending + hl + len > ws->max_queue) {
                /* The socket's buffers are full and so is the queue: the client has
                 * stopped reading. */
                log_warning("Websocket: the client does not read what it is sent (%zu "
                            "bytes wait), dropping it",
                            pending);
                ws->failed = true;
                wake(ws);
                return -ENOBUFS;
        }
        if (ws->out_pos > 0 && ws->out_len + hl + len > ws->out_size) {
                memmove(ws->out, ws->out + ws->out_pos, pending);
                ws->out_len = pending;
                ws->out_pos = 0;
        }
        if (ws->out_len + hl + len > ws->out_size) {
                size_t size = MAX(ws->out_size * 2, ws->out_len + hl + len);
                uint8_t *n = realloc(ws->out, size);

                if (!n)
                        return -ENOMEM;
                ws->out = n;
                ws->out_size = size;
        }
        memcpy(ws->out + ws->out_len, head, hl);
        if (len)
                memcpy(ws->out + ws->out_len + hl, payload, len);
        ws->out_len += hl + len;
        flush_locked(ws);
        if (ws->out_len > 0 || ws->failed)
                wake(ws); /* the handler's thread waits for the socket to drain */
        return ws->failed ? -EPIPE : 0;
}

int berth_http_websocket_send_text(struct berth_http_websocket *ws, const char *text, size_t len)
{
        int r;

        pthread_mutex_lock(&ws->lock);
        r = ws->close_sent ? -EPIPE : queue_locked(ws, BERTH_WS_OP_TEXT, text, len);
        pthread_mutex_unlock(&ws->lock);
        return r;
}

static void close_locked(struct berth_http_websocket *ws, unsigned code, const char *reason)
{
        uint8_t payload[BERTH_WS_CONTROL_MAX];
        size_t n = 2;

        if (ws->close_sent)
                return;
        assert(berth_ws_close_code_valid(code));
        payload[0] = (uint8_t)(code >> 8);
        payload[1] = (uint8_t)code;
        if (reason) {
                n += MIN(strlen(reason), sizeof(payload) - 2);
                memcpy(payload + 2, reason, n - 2);
        }
        (void)queue_locked(ws, BERTH_WS_OP_CLOSE, payload, n);
        ws->close_sent = true;
        ws->close_code = code;
        ws->close_deadline = monotonic_ms() + CLOSE_WAIT_MS;
        wake(ws);
}

void berth_http_websocket_close(struct berth_http_websocket *ws, unsigned code, const char *reason)
{
        pthread_mutex_lock(&ws->lock);
        close_locked(ws, code, reason);
        pthread_mutex_unlock(&ws->lock);
}

/* The client broke the protocol: close with code, and take nothing more from it. */
static int fail(struct berth_http_websocket *ws, unsigned code, const char *why)
{
        log_debug("Websocket: closing with %u: %s", code, why);
        berth_http_websocket_close(ws, code, why);
        ws->close_received = true; /* no closing handshake to wait for */
        return -EPROTO;
}

static int control_frame(struct berth_http_websocket *ws, const struct berth_ws_head *h,
                         const uint8_t *p)
{
        uint16_t code;

        switch (h->opcode) {
        case BERTH_WS_OP_CLOSE:
                if (berth_ws_close_parse(p, h->len, &code) < 0)
                        return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "malformed close frame");
                pthread_mutex_lock(&ws->lock);
                if (!ws->close_sent) {
                        /* Its code echoed, as RFC 6455 §5.5.1 has it. */
                        close_locked(
                                ws, code == BERTH_WS_CLOSE_NO_STATUS ? BERTH_WS_CLOSE_NORMAL : code,
                                NULL);
                        ws->close_code = code;
                }
                pthread_mutex_unlock(&ws->lock);
                ws->close_received = true;
                return 0;
        case BERTH_WS_OP_PING:
                pthread_mutex_lock(&ws->lock);
                if (!ws->close_sent)
                        (void)queue_locked(ws, BERTH_WS_OP_PONG, p, h->len);
                pthread_mutex_unlock(&ws->lock);
                return 0;
        case BERTH_WS_OP_PONG:
                return 0;
        default:
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "unknown opcode");
        }
}

/* A data frame's payload: appended to the message; a complete one goes to fn. */
static int data_frame(struct berth_http_websocket *ws, const struct berth_ws_head *h,
                      const uint8_t *p, berth_http_websocket_text_fn fn, void *userdata)
{
        int r;

        if (h->opcode == BERTH_WS_OP_BINARY)
                return fail(ws, BERTH_WS_CLOSE_UNSUPPORTED, "binary messages are not taken");
        memcpy(ws->msg + ws->msg_len, p, h->len);
        ws->msg_len += h->len;
        ws->in_message = !h->fin;
        if (!h->fin)
                return 0;
        if (!utf8_valid(ws->msg, ws->msg_len))
                return fail(ws, BERTH_WS_CLOSE_BAD_DATA, "text that is not UTF-8");
        ws->msg[ws->msg_len] = 0;
        r = ws->close_sent ? 0 : fn(ws, (const char *)ws->msg, ws->msg_len, userdata);
        ws->msg_len = 0;
        if (r < 0)
                return fail(ws, BERTH_WS_CLOSE_INTERNAL, "the message could not be served");
        return 0;
}

/* Judge a frame's head before its payload arrives. */
static int check_head(struct berth_http_websocket *ws, const struct berth_ws_head *h)
{
        bool control = h->opcode & 0x8;

        if (!h->masked)
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "frames from a client must be masked");
        if (h->rsv)
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "no extension was negotiated");
        if (control && (!h->fin || h->len > BERTH_WS_CONTROL_MAX))
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "fragmented or long control frame");
        if (control)
                return 0;
        if (h->opcode > BERTH_WS_OP_BINARY)
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "unknown opcode");
        if (h->opcode == BERTH_WS_OP_CONTINUATION && !ws->in_message)
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "continuation outside a message");
        if (h->opcode != BERTH_WS_OP_CONTINUATION && ws->in_message)
                return fail(ws, BERTH_WS_CLOSE_PROTOCOL, "new message inside a message");
        if (h->len > ws->max_message - ws->msg_len)
                return fail(ws, BERTH_WS_CLOSE_TOO_BIG, "message over the size limit");
        return 0;
}

/* Take the complete frames of the input. */
static int take_frames(struct berth_http_websocket *ws, berth_http_websocket_text_fn fn,
                       void *userdata)
{
        size_t used = 0;
        int r = 0;

        while (!ws->close_received) {
                struct berth_ws_head h;
                uint8_t *p;
                int hl = berth_ws_head_parse(ws->in + used, ws->in_len - used, &h);

                if (hl < 0) {
                        r = fail(ws, BERTH_WS_CLOSE_PROTOCOL, "frame length out of range");
                        break;
                }
                if (hl == 0)
                        break;
                r = check_head(ws, &h);
                if (r < 0)
                        break;
                if (ws->in_len - used - (size_t)hl < h.len)
                        break; /* the buffer holds a whole frame: it was checked */
                p = ws->in + used + hl;
                berth_ws_unmask(p, h.len, h.mask, 0);
                used += (size_t)hl + h.len;
                r = h.opcode & 0x8 ? control_frame(ws, &h, p) : data_frame(ws, &h, p, fn, userdata);
                if (r < 0)
                        break;
        }
        memmove(ws->in, ws->in + used, ws->in_len - used);
        ws->in_len -= used;
        return r;
}

/* Read what arrived: 0, or < 0 when the connection ended or failed. */
static int receive(struct berth_http_websocket *ws, berth_http_websocket_text_fn fn, void *userdata)
{
        ssize_t n;

        if (ws->in_len == ws->in_size)
                return -ENOBUFS; /* cannot happen: a frame that fits was checked */
        n = recv(ws->fd, ws->in + ws->in_len, ws->in_size - ws->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
                return 0;
        if (n <= 0)
                return n == 0 ? -ECONNRESET : -errno;
        ws->in_len += (size_t)n;
        ws->last_rx = monotonic_ms();
        ws->ping_sent = 0;
        (void)take_frames(ws, fn, userdata);
        return 0;
}

/* A ping after ping_ms without a frame; closed after as long again. */
static void keepalive(struct berth_http_websocket *ws, int64_t now)
{
        if (now - ws->last_rx < ws->ping_ms)
                return;
        pthread_mutex_lock(&ws->lock);
        if (!ws->ping_sent) {
                if (!ws->close_sent)
                        (void)queue_locked(ws, BERTH_WS_OP_PING, NULL, 0);
                ws->ping_sent = now;
        } else if (now - ws->ping_sent >= ws->ping_ms) {
                close_locked(ws, BERTH_WS_CLOSE_GOING_AWAY, "no answer to a ping");
                ws->failed = true;
        }
        pthread_mutex_unlock(&ws->lock);
}

/* The next poll's timeout (ms), and whether the connection is over (lock held). */
static bool over_locked(struct berth_http_websocket *ws, int64_t now, int *ret_timeout)
{
        int64_t t = ws->ping_sent ? ws->ping_sent + ws->ping_ms : ws->last_rx + ws->ping_ms;

        if (ws->failed)
                return true;
        if (ws->close_sent) {
                if (ws->out_len == 0 && (ws->close_received || now >= ws->close_deadline))
                        return true;
                t = MIN(t, ws->close_deadline);
        }
        t -= now;
        *ret_timeout = t <= 0 ? 0 : (int)MIN(t, (int64_t)INT32_MAX);
        return false;
}

/* Let the client read our close before the socket goes: a close with its input unread
 * would reset the connection, and the client could lose our last frame. */
static void linger(struct berth_http_websocket *ws)
{
        int64_t end = monotonic_ms() + CLOSE_WAIT_MS;
        char sink[4096];

        (void)shutdown(ws->fd, SHUT_WR);
        for (;;) {
                struct pollfd p = { .fd = ws->fd, .events = POLLIN };
                int64_t left = end - monotonic_ms();

                if (left <= 0 || poll(&p, 1, (int)left) <= 0 ||
                    recv(ws->fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0)
                        break;
        }
}

int berth_http_websocket_run(struct berth_http_websocket *ws, berth_http_websocket_text_fn fn,
                             void *userdata)
{
        unsigned code;

        ws->last_rx = monotonic_ms();
        /* Bytes that came with the request head. */
        if (ws->in_len > 0)
                (void)take_frames(ws, fn, userdata);
        for (;;) {
                struct pollfd p[2] = { { .fd = ws->fd, .events = POLLIN },
                                       { .fd = ws->wake_fd, .events = POLLIN } };
                int64_t now = monotonic_ms();
                int timeout = 0;
                bool over;

                pthread_mutex_lock(&ws->lock);
                flush_locked(ws);
                over = over_locked(ws, now, &timeout);
                if (ws->out_len > 0)
                        p[0].events |= POLLOUT;
                pthread_mutex_unlock(&ws->lock);
                if (over)
                        break;
                if (ws->close_received)
                        p[0].events &= (short)~POLLIN;
                if (poll(p, 2, timeout) < 0 && errno != EINTR)
                        break;
                if (p[1].revents & POLLIN) {
                        eventfd_t v;
                        (void)eventfd_read(ws->wake_fd, &v);
                }
                if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && !ws->close_received &&
                    receive(ws, fn, userdata) < 0)
                        break;
                if (p[0].revents & (POLLHUP | POLLERR) && ws->close_received)
                        break;
                keepalive(ws, monotonic_ms());
        }
        pthread_mutex_lock(&ws->lock);
        flush_locked(ws);
        code = ws->close_sent || ws->close_received ? ws->close_code : BERTH_WS_CLOSE_ABNORMAL;
        ws->failed = true; /* nothing is sent from now on */
        pthread_mutex_unlock(&ws->lock);
        linger(ws);
        return (int)code;
}

const char *berth_http_websocket_subprotocol(const struct berth_http_websocket *ws)
{
        return ws->subprotocol;
}

struct berth_http_websocket *berth_http_websocket_free(struct berth_http_websocket *ws)
{
        if (!ws)
                return NULL;
        safe_close(ws->fd);
        safe_close(ws->wake_fd);
        pthread_mutex_destroy(&ws->lock);
        free(ws->in);
        free(ws->msg);
        free(ws->out);
        free(ws);
        return NULL;
}

/* ---- the handshake (RFC 6455 §4.2) ------------------------------------------------- */

static int refuse(struct berth_http_request *req, int status, const char *msg)
{
        struct berth_http_header h[2] = { { "Upgrade", "websocket" },
                                          { "Sec-WebSocket-Version", "13" } };

        (void)berth_http_reply_error_headers(req, status, h, status == 426 ? 2 : 0, "%s", msg);
        return status == 501 ? -EOPNOTSUPP : -EINVAL;
}

/* The request as a websocket handshake: the accept key and the subprotocol, or -errno
 * with the reply sent. */
static int check_handshake(struct berth_http_request *req,
                           const struct berth_http_websocket_config *cfg,
                           char accept[BERTH_WS_ACCEPT_LEN + 1], const char **ret_proto)
{
        const char *version = berth_http_header(req, "Sec-WebSocket-Version");
        const char *offered = berth_http_header(req, "Sec-WebSocket-Protocol");
        char msg[400];
        int r;

        if (!berth_http_token_list_has(berth_http_header(req, "Upgrade"), "websocket"))
                return refuse(req, 426,
                              "this is a websocket: a GET with 'Upgrade: websocket' "
                              "(RFC 6455); JSON-RPC calls are POSTs");
        if (!berth_http_token_list_has(berth_http_header(req, "Connection"), "upgrade"))
                return refuse(req, 400, "a websocket handshake has 'Connection: Upgrade'");
        if (!version || !streq(version, "13"))
                return refuse(req, 426, "the websocket version is 13 (Sec-WebSocket-Version)");
        if (berth_ws_accept_key(berth_http_header(req, "Sec-WebSocket-Key"), accept) < 0)
                return refuse(req, 400, "Sec-WebSocket-Key must be the base64 of 16 bytes");
        if (berth_http_has_body(req))
                return refuse(req, 400, "a websocket handshake has no body");
        r = berth_ws_subprotocol_pick(offered, cfg->subprotocols, ret_proto);
        if (r == -EBADMSG)
                return refuse(req, 400, "Sec-WebSocket-Protocol is malformed");
        if (r < 0) {
                char spoken[200] = "";
                for (size_t i = 0; cfg->subprotocols && cfg->subprotocols[i]; i++) {
                        size_t l = strlen(spoken);
                        (void)snprintf(spoken + l, sizeof(spoken) - l, "%s'%s'", i ? ", " : "",
                                       cfg->subprotocols[i]);
                }
                (void)snprintf(msg, sizeof(msg),
                               "no subprotocol offered (Sec-WebSocket-Protocol '%.100s') is "
                               "spoken here: %s",
                               offered, spoken[0] ? spoken : "none");
                return refuse(req, 400, msg);
        }
        return 0;
}

/* Write all of buf to a socket that may be non-blocking, waiting up to timeout_ms. */
static int send_all(int fd, const char *buf, size_t len, int timeout_ms)
{
        int64_t end = monotonic_ms() + timeout_ms;

        while (len > 0) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n > 0) {
                        buf += n;
                        len -= (size_t)n;
                        continue;
                }
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        return -errno;
                if (monotonic_ms() >= end || poll(&p, 1, (int)(end - monotonic_ms())) == 0)
                        return -ETIMEDOUT;
        }
        return 0;
}

static int ws_new(const struct berth_http_websocket_config *cfg, const char *proto, int fd,
                  const char *rest, size_t n_rest, struct berth_http_websocket **ret)
{
        struct berth_http_websocket *ws = calloc(1, sizeof(*ws));

        if (!ws)
                return -ENOMEM;
        ws->fd = fd;
        ws->subprotocol = proto;
        ws->max_message = cfg->max_message ?: MAX_MESSAGE_DEFAULT;
        ws->max_queue = cfg->max_queue ?: MAX_QUEUE_DEFAULT;
        ws->ping_ms = cfg->ping_ms ?: PING_MS_DEFAULT;
        /* A whole frame of the largest message fits, with its head. */
        ws->in_size = ws->max_message + BERTH_WS_HEAD_MAX;
        pthread_mutex_init(&ws->lock, NULL);
        ws->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        ws->in = malloc(ws->in_size);
        ws->msg = malloc(ws->max_message + 1);
        if (ws->wake_fd < 0 || !ws->in || !ws->msg || n_rest > ws->in_size) {
                ws->fd = -EBADF; /* the caller's still */
                berth_http_websocket_free(ws);
                return -ENOMEM;
        }
        if (n_rest > 0) /* rest may be NULL then: memcpy's arguments must not be */
                memcpy(ws->in, rest, n_rest);
        ws->in_len = n_rest;
        *ret = ws;
        return 0;
}

int berth_http_websocket_accept(struct berth_http_request *req,
                                const struct berth_http_websocket_config *cfg,
                                struct berth_http_websocket **ret)
{
        char accept[BERTH_WS_ACCEPT_LEN + 1], head[512];
        _cleanup_free_ char *rest = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct berth_http_websocket *ws;
        const char *proto = NULL;
        size_t n_rest = 0;
        int r, n;

        r = check_handshake(req, cfg, accept, &proto);
        if (r < 0)
                return r;
        r = req->transport->take_over ? req->transport->take_over(req->conn, &fd, &rest, &n_rest)
                                      : -EOPNOTSUPP;
        if (r == -EOPNOTSUPP)
                return refuse(req, 501,
                              "websockets are served over http and the unix socket, not over "
                              "https (berthd's TLS server keeps the stream to itself)");
        if (r < 0) {
                (void)berth_http_reply_error(req, 500, "the connection cannot be upgraded: %s",
                                             strerror(-r));
                return r;
        }
        /* From here on the connection is ours: errors just end it. */
        req->status = 101;
        req->reply_bytes = 0;
        r = ws_new(cfg, proto, fd, rest, n_rest, &ws);
        if (r < 0)
                return r;
        TAKE_FD(fd);
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                     "Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s\r\n",
                     accept, proto ? "Sec-WebSocket-Protocol: " : "", proto ?: "",
                     proto ? "\r\n" : "");
        r = send_all(ws->fd, head, (size_t)n, HANDSHAKE_SEND_MS);
        if (r < 0) {
                berth_http_websocket_free(ws);
                return r;
        }
        *ret = ws;
        return 0;
}

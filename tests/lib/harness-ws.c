/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness-ws.h"
#include "harness.h"
#include "macro.h"

int test_ws_dial(const struct test_berthd *t, bool unix_socket)
{
        struct sockaddr_un su = { .sun_family = AF_UNIX };
        struct sockaddr_in si = { .sin_family = AF_INET };
        struct sockaddr *sa = (struct sockaddr *)&si;
        socklen_t sl = sizeof(si);
        const char *port = strrchr(t->url, ':');
        int fd, e;

        if (unix_socket) {
                (void)snprintf(su.sun_path, sizeof(su.sun_path), "%s", t->socket_path);
                sa = (struct sockaddr *)&su;
                sl = sizeof(su);
        } else {
                if (strncmp(t->url, "http://127.0.0.1:", 17) != 0 || !port)
                        return -EINVAL;
                si.sin_port = htons((uint16_t)atoi(port + 1));
                si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        }
        fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, sa, sl) < 0) {
                e = errno;
                (void)close(fd);
                return -e;
        }
        return fd;
}

static int send_all(int fd, const void *p, size_t n)
{
        const char *b = p;

        while (n > 0) {
                ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -errno;
                b += k;
                n -= (size_t)k;
        }
        return 0;
}

/* More bytes into ws->buf within timeout_ms: > 0, -ETIMEDOUT, -ECONNRESET. */
static int fill(struct test_ws *ws, int timeout_ms)
{
        struct pollfd p = { .fd = ws->fd, .events = POLLIN };
        ssize_t n;

        if (ws->len == sizeof(ws->buf))
                return -ENOBUFS;
        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        n = recv(ws->fd, ws->buf + ws->len, sizeof(ws->buf) - ws->len, 0);
        if (n < 0)
                return errno == ECONNRESET ? -ECONNRESET : -errno;
        if (n == 0)
                return -ECONNRESET;
        ws->len += (size_t)n;
        return (int)n;
}

static void take(struct test_ws *ws, size_t n)
{
        memmove(ws->buf, ws->buf + n, ws->len - n);
        ws->len -= n;
}

/* A header's value in the reply's head (its line, up to the line end), into buf. */
static void head_value(const char *head, const char *name, char *buf, size_t size)
{
        size_t n = strlen(name);

        buf[0] = 0;
        for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n"))
                if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
                        const char *v = l + 3 + n;
                        v += strspn(v, " ");
                        (void)snprintf(buf, size, "%.*s", (int)strcspn(v, "\r"), v);
                        return;
                }
}

/* The reply's head, then a non-101's body (Content-Length). */
static int read_reply(struct test_ws *ws)
{
        char cl[32];
        char *end;
        size_t hl, bl;
        int r;

        while (!(end = memmem(ws->buf, ws->len, "\r\n\r\n", 4)))
                if ((r = fill(ws, 10000)) < 0)
                        return r;
        hl = (size_t)(end + 4 - (char *)ws->buf);
        if (hl >= sizeof(ws->head))
                return -ENOBUFS;
        memcpy(ws->head, ws->buf, hl);
        ws->head[hl] = 0;
        take(ws, hl);
        if (sscanf(ws->head, "HTTP/1.1 %ld", &ws->status) != 1)
                return -EBADMSG;
        head_value(ws->head, "Sec-WebSocket-Accept", ws->accept, sizeof(ws->accept));
        head_value(ws->head, "Sec-WebSocket-Protocol", ws->protocol, sizeof(ws->protocol));
        if (ws->status == 101)
                return 0;
        head_value(ws->head, "Content-Length", cl, sizeof(cl));
        bl = (size_t)atol(cl);
        if (bl >= sizeof(ws->body))
                return -ENOBUFS;
        while (ws->len < bl)
                if ((r = fill(ws, 10000)) < 0)
                        return r;
        memcpy(ws->body, ws->buf, bl);
        ws->body[bl] = 0;
        take(ws, bl);
        return 0;
}

int test_ws_open(struct test_ws *ws, const struct test_berthd *t, bool unix_socket,
                 const char *path, const char *protocols, bool without_auth,
                 const char *const *headers)
{
        char req[4096];
        bool version = true;
        size_t n;
        int r;

        memset(ws, 0, offsetof(struct test_ws, buf));
        ws->len = 0;
        ws->n_queued = 0;
        ws->fd = test_ws_dial(t, unix_socket);
        if (ws->fd < 0)
                return ws->fd;
        n = (size_t)snprintf(req, sizeof(req),
                             "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: " TEST_WS_KEY "\r\n",
                             path);
        /* The version, unless the caller gives its own. */
        for (size_t i = 0; headers && headers[i] && version; i++)
                version = strncasecmp(headers[i], "Sec-WebSocket-Version:", 22) != 0;
        if (version)
                n += (size_t)snprintf(req + n, sizeof(req) - n, "Sec-WebSocket-Version: 13\r\n");
        if (protocols)
                n += (size_t)snprintf(req + n, sizeof(req) - n, "Sec-WebSocket-Protocol: %s\r\n",
                                      protocols);
        if (!without_auth && t->auth[0])
                n += (size_t)snprintf(req + n, sizeof(req) - n, "%s\r\n", t->auth);
        for (size_t i = 0; headers && headers[i]; i++)
                n += (size_t)snprintf(req + n, sizeof(req) - n, "%s\r\n", headers[i]);
        n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
        r = n < sizeof(req) ? send_all(ws->fd, req, n) : -ENOBUFS;
        if (r >= 0)
                r = read_reply(ws);
        if (r < 0)
                ws->fd = safe_close(ws->fd);
        return r;
}

int test_ws_send(struct test_ws *ws, int opcode, const void *p, size_t n, bool mask, bool fin)
{
        _cleanup_free_ uint8_t *f = malloc(n + 14);
        uint8_t key[4] = { 0x12, 0x34, 0x56, 0x78 };
        size_t h = 2;

        if (!f)
                return -ENOMEM;
        if (getrandom(key, sizeof(key), 0) != sizeof(key))
                key[0] ^= 0x5a; /* the fixed key, changed: still a mask */
        f[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0xf));
        if (n < 126)
                f[1] = (uint8_t)n;
        else if (n <= 0xffff) {
                f[1] = 126;
                f[2] = (uint8_t)(n >> 8);
                f[3] = (uint8_t)n;
                h = 4;
        } else {
                f[1] = 127;
                for (int i = 0; i < 8; i++)
                        f[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
                h = 10;
        }
        if (mask) {
                f[1] |= 0x80;
                memcpy(f + h, key, 4);
                h += 4;
        }
        for (size_t i = 0; i < n; i++)
                f[h + i] = ((const uint8_t *)p)[i] ^ (mask ? key[i & 3] : 0);
        return send_all(ws->fd, f, h + n);
}

int test_ws_send_text(struct test_ws *ws, const char *text)
{
        return test_ws_send(ws, 0x1, text, strlen(text), true, true);
}

int test_ws_recv(struct test_ws *ws, int timeout_ms, char **ret, size_t *ret_len)
{
        double end = test_now() + timeout_ms / 1e3;

        for (;;) {
                size_t h = 2;
                uint64_t n;
                int r;

                if (ws->len >= 2) {
                        n = ws->buf[1] & 0x7f;
                        if (ws->buf[1] & 0x80)
                                return -EBADMSG;
                        if (n == 126 && ws->len >= 4) {
                                n = (uint64_t)ws->buf[2] << 8 | ws->buf[3];
                                h = 4;
                        } else if (n == 127 && ws->len >= 10) {
                                n = 0;
                                for (int i = 0; i < 8; i++)
                                        n = n << 8 | ws->buf[2 + i];
                                h = 10;
                        } else if (n >= 126)
                                n = UINT64_MAX;
                        if (n != UINT64_MAX && ws->len >= h + n) {
                                int op = ws->buf[0] & 0xf;
                                if (ret) {
                                        *ret = malloc(n + 1);
                                        if (!*ret)
                                                return -ENOMEM;
                                        memcpy(*ret, ws->buf + h, n);
                                        (*ret)[n] = 0;
                                }
                                if (ret_len)
                                        *ret_len = n;
                                take(ws, h + n);
                                return op;
                        }
                }
                r = fill(ws, (int)MAX((end - test_now()) * 1e3, 0.0));
                if (r < 0)
                        return r;
        }
}

json_t *test_ws_recv_json(struct test_ws *ws, int timeout_ms)
{
        double end = test_now() + timeout_ms / 1e3;

        if (ws->n_queued > 0) {
                json_t *j = ws->queued[0];
                memmove(ws->queued, ws->queued + 1, sizeof(json_t *) * --ws->n_queued);
                return j;
        }
        for (;;) {
                _cleanup_free_ char *text = NULL;
                int op = test_ws_recv(ws, (int)MAX((end - test_now()) * 1e3, 0.0), &text, NULL);

                if (op == 0x9 || op == 0xa)
                        continue;
                return op == 0x1 ? json_loads(text, 0, NULL) : NULL;
        }
}

json_t *test_ws_call(struct test_ws *ws, int id, const char *method, const char *params,
                     int timeout_ms)
{
        double end = test_now() + timeout_ms / 1e3;
        _cleanup_free_ char *req = NULL;

        if (asprintf(&req, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\"%s%s}", id, method,
                     params ? ",\"params\":" : "", params ?: "") < 0 ||
            test_ws_send_text(ws, req) < 0)
                return NULL;
        for (;;) {
                _cleanup_free_ char *text = NULL;
                int op = test_ws_recv(ws, (int)MAX((end - test_now()) * 1e3, 0.0), &text, NULL);
                json_t *j;

                if (op == 0x9 || op == 0xa)
                        continue;
                if (op != 0x1 || !(j = json_loads(text, 0, NULL)))
                        return NULL;
                if (json_integer_value(json_object_get(j, "id")) == id)
                        return j;
                if (ws->n_queued < ELEMENTSOF(ws->queued))
                        ws->queued[ws->n_queued++] = j;
                else
                        json_decref(j);
        }
}

void test_ws_close(struct test_ws *ws)
{
        while (ws->n_queued > 0)
                json_decref(ws->queued[--ws->n_queued]);
        ws->fd = safe_close(ws->fd);
}

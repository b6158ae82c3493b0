/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "error.h"
#include "fileio.h"
#include "user.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "request-parse.h"
#include "listen.h"
#include "server.h"

/*
 * The unix-socket transport. Debian's civetweb is built without unix-domain sockets,
 * so berthd serves its socket itself: one accept thread, one thread per connection
 * (bounded), HTTP/1.1 with keep-alive, Content-Length and chunked request bodies.
 * Everything after parsing goes through the same router as TCP.
 */

#define UNIX_IDLE_TIMEOUT_MS 30000

struct berth_http_unix {
        int fd;
        char *path;
        struct berth_http_router *router;
        pthread_t thread;
        int stop_pipe[2];
        size_t max_header;
        unsigned max_conns;
        unsigned read_timeout_ms, write_timeout_ms;
        atomic_uint n_conns;
        pthread_mutex_t lock;
        pthread_cond_t idle;
};

struct uconn {
        struct berth_http_unix *u;
        int fd;
        char *buf; /* header block, then buffered body bytes */
        size_t len, pos, size;
        struct berth_http_head head;
        bool keep_alive;
        bool chunked;
        long long remaining; /* body bytes (or bytes of the current chunk) left */
        bool body_done;
        bool failed;
        int64_t deadline; /* CLOCK_MONOTONIC ms by which the request must be read */
};

static atomic_ullong unix_counter = 1ull << 62;

static ssize_t fill(struct uconn *c)
{
        ssize_t n;

        if (c->pos > 0 && c->pos == c->len)
                c->pos = c->len = 0;
        if (c->len == c->size) {
                if (c->pos == 0)
                        return -ENOBUFS;
                memmove(c->buf, c->buf + c->pos, c->len - c->pos);
                c->len -= c->pos;
                c->pos = 0;
        }
        for (;;) {
                struct pollfd p = { .fd = c->fd, .events = POLLIN };
                int64_t left = c->deadline - monotonic_ms();

                if (left <= 0)
                        return -ETIMEDOUT;
                n = poll(&p, 1, (int)MIN(left, (int64_t)INT32_MAX));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ETIMEDOUT;
                n = recv(c->fd, c->buf + c->len, c->size - c->len, MSG_DONTWAIT);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                break;
        }
        if (n < 0)
                return -errno;
        c->len += (size_t)n;
        return n;
}

static int getbyte(struct uconn *c)
{
        if (c->pos == c->len) {
                ssize_t n = fill(c);
                if (n <= 0)
                        return -EIO;
        }
        return (unsigned char)c->buf[c->pos++];
}

/* Read a chunk-size line "1a;ext\r\n". */
static int read_chunk_size(struct uconn *c, long long *ret)
{
        char line[256];
        size_t n = 0;
        int ch;

        while ((ch = getbyte(c)) >= 0 && ch != '\n') {
                if (n >= sizeof(line))
                        return -EBADMSG;
                line[n++] = (char)ch;
        }
        if (ch < 0)
                return -EBADMSG;
        if (n > 0 && line[n - 1] == '\r')
                n--;
        return berth_http_chunk_size_parse(line, n, ret);
}

static ssize_t body_read(void *conn, void *buf, size_t len)
{
        struct uconn *c = conn;
        size_t n;

        if (c->body_done || len == 0)
                return 0;
        if (c->chunked && c->remaining == 0) {
                int r = read_chunk_size(c, &c->remaining);
                if (r < 0) {
                        c->failed = true;
                        return r;
                }
                if (c->remaining == 0) {
                        /* Trailer: skip lines up to the empty one. */
                        int ch, prev = '\n', cur_len = 0;
                        while ((ch = getbyte(c)) >= 0) {
                                if (ch == '\n') {
                                        if (cur_len == 0 || (cur_len == 1 && prev == '\r'))
                                                break;
                                        cur_len = 0;
                                } else
                                        cur_len++;
                                prev = ch;
                        }
                        c->body_done = true;
                        return 0;
                }
        }
        if (!c->chunked && c->remaining == 0) {
                c->body_done = true;
                return 0;
        }
        if (c->pos == c->len) {
                ssize_t k = fill(c);
                if (k <= 0) {
                        c->failed = true;
                        return k < 0 ? k : -EPIPE;
                }
        }
        n = MIN(c->len - c->pos, (size_t)c->remaining);
        n = MIN(n, len);
        memcpy(buf, c->buf + c->pos, n);
        c->pos += n;
        c->remaining -= (long long)n;
        if (c->chunked && c->remaining == 0) {
                /* CRLF after the chunk data. */
                int ch = getbyte(c);
                if (ch == '\r')
                        ch = getbyte(c);
                if (ch != '\n')
                        c->failed = true;
        }
        return (ssize_t)n;
}

static int send_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int unix_respond(void *conn, int status, const struct berth_http_header *headers,
                        size_t n_headers, const void *body, size_t len)
{
        struct uconn *c = conn;
        char head[2048];
        ssize_t n = berth_http_format_head(head, sizeof(head), status, headers, n_headers, len,
                                           c->keep_alive);

        if (n < 0)
                return (int)n;
        if (send_all(c->fd, head, (size_t)n) < 0 ||
            (body && len && send_all(c->fd, body, len) < 0)) {
                c->failed = true;
                return -EIO;
        }
        return 0;
}

static const char *unix_header(void *conn, const char *name)
{
        struct uconn *c = conn;

        return berth_http_head_get(&c->head, name);
}

static int unix_stream_begin(void *conn, int status, const struct berth_http_header *headers,
                             size_t n_headers)
{
        struct uconn *c = conn;
        char head[2048];
        ssize_t n;

        c->keep_alive = false;
        n = berth_http_format_head(head, sizeof(head), status, headers, n_headers,
                                   BERTH_HTTP_STREAM, false);
        return n < 0 ? (int)n : send_all(c->fd, head, (size_t)n);
}

static int unix_stream_write(void *conn, const void *buf, size_t len)
{
        struct uconn *c = conn;

        return send_all(c->fd, buf, len);
}

/* The connection for a websocket (http.h): a duplicate of the socket, and what was
 * read past the request head. The connection thread closes its own descriptor once the
 * handler returns. */
static int unix_take_over(void *conn, int *ret_fd, char **ret_rest, size_t *ret_n_rest)
{
        struct uconn *c = conn;
        size_t n = c->len - c->pos;
        _cleanup_free_ char *rest = NULL;
        int fd;

        if (n > 0) {
                rest = malloc(n);
                if (!rest)
                        return -ENOMEM;
                memcpy(rest, c->buf + c->pos, n);
        }
        fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        c->pos = c->len;
        c->keep_alive = false;
        *ret_fd = fd;
        *ret_rest = TAKE_PTR(rest);
        *ret_n_rest = n;
        return 0;
}

static const struct berth_http_transport unix_transport = {
        .name = "unix",
        .unix_socket = true,
        .read = body_read,
        .respond = unix_respond,
        .header = unix_header,
        .stream_begin = unix_stream_begin,
        .stream_write = unix_stream_write,
        .take_over = unix_take_over,
};

/* A request that cannot be served: the reply, and the connection ends. */
static void refuse(struct uconn *c, struct berth_http_request *req, int status, const char *msg)
{
        c->keep_alive = false;
        (void)berth_http_reply_error(req, status, "%s", msg);
}

/* Wait for a complete header block; returns its length (up to and including the
 * blank line), 0 on a clean close or an idle timeout, -errno. The request's deadline
 * starts with its first byte. */
static ssize_t read_head(struct uconn *c)
{
        if (c->pos == c->len) {
                struct pollfd p = { .fd = c->fd, .events = POLLIN };
                int n;

                do
                        n = poll(&p, 1, UNIX_IDLE_TIMEOUT_MS);
                while (n < 0 && errno == EINTR);
                if (n <= 0)
                        return 0;
        }
        c->deadline = monotonic_ms() + c->u->read_timeout_ms;
        for (;;) {
                char *end = c->len > c->pos
                                    ? memmem(c->buf + c->pos, c->len - c->pos, "\r\n\r\n", 4)
                                    : NULL;
                ssize_t n;

                if (end)
                        return end + 4 - (c->buf + c->pos);
                if (c->len - c->pos >= c->u->max_header)
                        return -ENOBUFS;
                n = fill(c);
                if (n == -ENOBUFS)
                        return -ENOBUFS;
                if (n <= 0)
                        return n == 0 && c->len == c->pos ? 0 : (n < 0 ? n : -EPIPE);
        }
}

/* The head parsed (request-parse.h), and the body's framing set up. */
static int setup_request(struct uconn *c, char *head, struct berth_http_request *req)
{
        struct berth_http_framing fr;
        int r;

        r = berth_http_head_parse(head, &c->head);
        if (r < 0)
                return r;
        r = berth_http_framing_from_head(&c->head, &fr);
        if (r < 0)
                return r;
        req->method = c->head.method;
        req->content_length = fr.content_length;
        c->keep_alive = fr.keep_alive;
        c->chunked = fr.chunked;
        c->remaining = fr.chunked ? 0 : fr.content_length;
        c->body_done = false;
        return fr.expect_continue ? 1 : 0;
}

/* Discard what the handler did not read, so the next request starts in the right
 * place; give up on bodies that are too large to skip. */
static void drain(struct uconn *c)
{
        char sink[4096];
        size_t total = 0;
        ssize_t n;

        while (!c->failed && (n = body_read(c, sink, sizeof(sink))) > 0) {
                total += (size_t)n;
                if (total > (64u << 20)) {
                        c->keep_alive = false;
                        return;
                }
        }
        if (c->failed)
                c->keep_alive = false;
}

/* A request's bytes (a token, a Ceph key) do not stay in memory once it is served. */
static void forget_request(struct uconn *c, char *head, size_t head_len)
{
        size_t rest = c->len - c->pos;

        /* The parser wrote NULs into head: its length is the one it was read with. */
        explicit_bzero(head, head_len);
        memmove(c->buf, c->buf + c->pos, rest);
        explicit_bzero(c->buf + rest, c->len - rest);
        c->len = rest;
        c->pos = 0;
}

static void serve(struct uconn *c)
{
        for (;;) {
                struct berth_http_request req = {
                        .transport = &unix_transport,
                        .conn = c,
                        .remote = "unix",
                        .id = ++unix_counter,
                };
                _cleanup_free_ char *head = NULL, *path = NULL;
                ssize_t hl;
                int r;

                hl = read_head(c);
                if (hl == -ENOBUFS) {
                        refuse(c, &req, 431, "request header too large");
                        return;
                }
                if (hl <= 0)
                        return;
                head = strndup(c->buf + c->pos, (size_t)hl);
                if (!head)
                        return;
                c->pos += (size_t)hl;

                r = setup_request(c, head, &req);
                if (r < 0) {
                        refuse(c, &req, r == -E2BIG ? 431 : 400, "malformed HTTP request");
                        return;
                }
                if (berth_http_target_split(c->head.target, &path, &req.query) < 0) {
                        refuse(c, &req, 400, "malformed request target");
                        return;
                }
                req.path = path;
                if (r > 0)
                        (void)send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                berth_http_dispatch(c->u->router, &req);
                drain(c);
                forget_request(c, head, (size_t)hl);
                if (!c->keep_alive || c->failed)
                        return;
        }
}

static void *conn_thread(void *userdata)
{
        struct uconn *c = userdata;
        struct berth_http_unix *u = c->u;

        serve(c);
        (void)close(c->fd);
        free(c->buf);
        free(c);
        pthread_mutex_lock(&u->lock);
        u->n_conns--;
        pthread_cond_broadcast(&u->idle);
        pthread_mutex_unlock(&u->lock);
        return NULL;
}

static void *accept_thread(void *userdata)
{
        struct berth_http_unix *u = userdata;

        for (;;) {
                struct pollfd p[2] = { { .fd = u->fd, .events = POLLIN },
                                       { .fd = u->stop_pipe[0], .events = POLLIN } };
                struct uconn *c;
                pthread_attr_t attr;
                pthread_t t;
                int fd;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        break;
                fd = accept4(u->fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                        continue;
                /* A reader that stops reading (a stalled /events client) fails our send
                 * after this, and its thread and slot are freed. */
                (void)setsockopt(
                        fd, SOL_SOCKET, SO_SNDTIMEO,
                        &(struct timeval){ .tv_sec = u->write_timeout_ms / 1000,
                                           .tv_usec = (u->write_timeout_ms % 1000) * 1000 },
                        sizeof(struct timeval));
                pthread_mutex_lock(&u->lock);
                if (u->n_conns >= u->max_conns) {
                        pthread_mutex_unlock(&u->lock);
                        log_warning("Unix socket: more than %u connections, refusing one",
                                    u->max_conns);
                        (void)close(fd);
                        continue;
                }
                u->n_conns++;
                pthread_mutex_unlock(&u->lock);

                c = calloc(1, sizeof(*c));
                if (c) {
                        c->u = u;
                        c->fd = fd;
                        c->size = u->max_header + 4096;
                        c->buf = malloc(c->size);
                }
                pthread_attr_init(&attr);
                pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                if (!c || !c->buf || pthread_create(&t, &attr, conn_thread, c) != 0) {
                        if (c)
                                free(c->buf);
                        free(c);
                        (void)close(fd);
                        pthread_mutex_lock(&u->lock);
                        u->n_conns--;
                        pthread_mutex_unlock(&u->lock);
                }
                pthread_attr_destroy(&attr);
        }
        return NULL;
}

/* Remove a stale socket file left by a previous berthd, but never one that another
 * process still serves, and never something that is not a socket. */
static int remove_stale(const char *path, struct berth_error *err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct stat st;
        int fd, r;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : berth_error_set_errno(err, errno, "stat '%s'", path);
        if (!S_ISSOCK(st.st_mode))
                return berth_error_set(err, EEXIST, "'%s' exists and is not a socket", path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        strcpy(sa.sun_path, path);
        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
        (void)close(fd);
        if (r == 0)
                return berth_error_set(err, EADDRINUSE, "'%s' is in use by another process", path);
        return RET_NERRNO(unlink(path));
}

int berth_http_unix_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                          struct berth_http_unix **ret, struct berth_error *err)
{
        const char *path = cfg->socket_path, *group = cfg->socket_group;
        size_t max_header_bytes = cfg->max_header_bytes;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct berth_http_unix *u;
        gid_t gid = (gid_t)-1;
        mode_t old;
        int r;

        if (group && cfg->socket_gid_set)
                gid = cfg->socket_gid;
        else if (group && group_lookup(group, &gid) < 0)
                return berth_error_set(err, EINVAL, "--socket-group '%s' is not a group", group);
        if (strlen(path) >= sizeof(sa.sun_path))
                return berth_error_set(err, EINVAL, "--socket-path '%s' is too long", path);
        r = remove_stale(path, err);
        if (r < 0)
                return r;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->fd = -EBADF;
        u->stop_pipe[0] = u->stop_pipe[1] = -EBADF;
        u->router = router;
        u->max_conns = cfg->threads ? cfg->threads * 2 : 64;
        u->max_header = max_header_bytes ? max_header_bytes : 16384;
        u->read_timeout_ms = cfg->read_timeout_ms ?: BERTH_HTTP_TIMEOUT_MS_DEFAULT;
        u->write_timeout_ms = cfg->write_timeout_ms ?: BERTH_HTTP_TIMEOUT_MS_DEFAULT;
        pthread_mutex_init(&u->lock, NULL);
        pthread_cond_init(&u->idle, NULL);
        u->path = strdup(path);
        u->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (!u->path || u->fd < 0 || pipe2(u->stop_pipe, O_CLOEXEC) < 0) {
                r = berth_error_set_errno(err, errno, "create unix socket");
                goto fail;
        }
        strcpy(sa.sun_path, path);
        /* Created 0600 from the start: no window in which others could connect. */
        old = umask(0177);
        r = bind(u->fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0) {
                r = berth_error_set_errno(err, errno, "cannot listen on unix:%s", path);
                goto fail;
        }
        /* Opened up to the group only after it was made 0600 and given the group. */
        if (group && (chown(path, (uid_t)-1, gid) < 0 || chmod(path, 0660) < 0)) {
                r = berth_error_set_errno(err, errno, "give unix:%s to group '%s'", path, group);
                (void)unlink(path);
                goto fail;
        }
        if (listen(u->fd, 128) < 0) {
                r = berth_error_set_errno(err, errno, "listen on unix:%s", path);
                (void)unlink(path);
                goto fail;
        }
        if (pthread_create(&u->thread, NULL, accept_thread, u) != 0) {
                r = berth_error_set(err, EAGAIN, "start the unix socket thread");
                (void)unlink(path);
                goto fail;
        }
        *ret = u;
        return 0;
fail:
        safe_close(u->fd);
        safe_close(u->stop_pipe[0]);
        safe_close(u->stop_pipe[1]);
        free(u->path);
        free(u);
        return r;
}

void berth_http_unix_stop(struct berth_http_unix *u)
{
        if (!u)
                return;
        (void)!write(u->stop_pipe[1], "x", 1);
        pthread_join(u->thread, NULL);
        (void)close(u->fd);
        (void)unlink(u->path);
        /* Let connections in flight finish their request (they time out when idle). */
        pthread_mutex_lock(&u->lock);
        while (u->n_conns > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += 2;
                if (pthread_cond_timedwait(&u->idle, &u->lock, &ts) != 0)
                        break;
        }
        pthread_mutex_unlock(&u->lock);
        safe_close(u->stop_pipe[0]);
        safe_close(u->stop_pipe[1]);
        /* Connection threads still alive (idle keep-alive) keep u: leak it rather than
         * free memory they use; the process is exiting. */
        if (u->n_conns == 0) {
                free(u->path);
                free(u);
        }
}

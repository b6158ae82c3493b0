/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "error.h"
#include "fileio.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "listen.h"
#include "server.h"

/* The TCP and TLS transport: civetweb's worker threads call handle() for every
 * request. */

struct berth_http_civetweb {
        struct mg_context *ctx;
        struct berth_http_router *router;
        struct sockaddr_in addrs[4]; /* what we listen on, to wake the master thread */
        int n_addrs;
        atomic_bool stopping;
        int pem_fd; /* key + certificate for civetweb, which reads both from one file */
};

/* civetweb takes the private key and the certificate (chain) from one PEM file; the
 * Go server's flags name two. Join them in a memfd (never on disk): key first, then
 * the certificate file as it is. A missing or unreadable file is an error, never a
 * fall back to http. */
static void load_ssl_compat(void)
{
        _cleanup_free_ char *path = find_helper("berth-ssl-compat.so", "BERTH_SSL_COMPAT");

        /* Kept loaded for the life of the process: civetweb's dlopen finds it. */
        if (!path)
                log_debug("berth-ssl-compat.so not found");
        else if (!dlopen(path, RTLD_NOW | RTLD_GLOBAL))
                log_warning("Failed to load '%s': %s", path, dlerror());
}

static int tls_pem(const char *cert, const char *key, int *ret_fd, struct berth_error *err)
{
        const char *files[2] = { key, cert };
        int fd = memfd_create("berth-tls", MFD_CLOEXEC);

        if (fd < 0)
                return berth_error_set_errno(err, errno, "memfd for the TLS key");
        for (size_t i = 0; i < 2; i++) {
                char buf[16384];
                ssize_t n;
                int in;

                if (i == 0 && streq(key, cert))
                        continue;
                in = open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (in < 0) {
                        int e = errno;
                        safe_close(fd);
                        return berth_error_set_errno(err, e, "%s '%s'",
                                                     i == 0 ? "--tls-key" : "--tls-certificate",
                                                     files[i]);
                }
                while ((n = read(in, buf, sizeof(buf))) > 0)
                        if (write(fd, buf, (size_t)n) != n) {
                                n = -1;
                                break;
                        }
                explicit_bzero(buf, sizeof(buf));
                safe_close(in);
                if (n < 0 || write(fd, "\n", 1) != 1) {
                        int e = errno;
                        safe_close(fd);
                        return berth_error_set_errno(err, e, "read '%s'", files[i]);
                }
        }
        *ret_fd = fd;
        return 0;
}

static atomic_ullong request_counter;

static char continue_sent; /* its address marks a connection in user data */

static ssize_t cw_read(void *conn, void *buf, size_t len)
{
        int n = mg_read(conn, buf, len);

        return n < 0 ? -EIO : n;
}

/* Will civetweb keep the connection after this request? Its own rule (HTTP/1.1
 * without "Connection: close", or a "Connection: keep-alive"), minus what berthd
 * never does (401 closes the connection there). */
static bool cw_keep_alive(void *conn, int status)
{
        const struct mg_request_info *ri = mg_get_request_info(conn);
        const char *h = mg_get_header(conn, "Connection");

        if (status == 401 || mg_get_user_connection_data(conn) == &continue_sent)
                return false;
        if (h)
                return strcasestr(h, "keep-alive") != NULL;
        return streq_ptr(ri->http_version, "1.1");
}

/* The reply goes out in one write: civetweb's header API sends each header line by
 * itself, and every one of those wakes the client (eight sends and wake-ups per reply
 * on a start's path). After an interim "100 Continue" civetweb would refuse that API
 * anyway. */
static int cw_respond(void *conn, int status, const struct berth_http_header *headers,
                      size_t n_headers, const void *body, size_t len)
{
        bool keep = cw_keep_alive(conn, status);
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        mg_set_user_connection_data(conn, NULL);
        buf = malloc(2048 + len);
        if (!buf)
                return -ENOMEM;
        n = berth_http_format_head(buf, 2048, status, headers, n_headers, len, keep);
        if (n < 0)
                return (int)n;
        if (body && len > 0)
                memcpy(buf + n, body, len);
        n += (ssize_t)len;
        return mg_write(conn, buf, (size_t)n) == (int)n ? 0 : -EIO;
}

static const char *cw_header(void *conn, const char *name)
{
        return mg_get_header(conn, name);
}

static int cw_stream_begin(void *conn, int status, const struct berth_http_header *headers,
                           size_t n_headers)
{
        if (mg_response_header_start(conn, status) < 0)
                return -EIO;
        for (size_t i = 0; i < n_headers; i++)
                (void)mg_response_header_add(conn, headers[i].name, headers[i].value, -1);
        (void)mg_response_header_add(conn, "Connection", "close", -1);
        return mg_response_header_send(conn) < 0 ? -EIO : 0;
}

static int cw_stream_write(void *conn, const void *buf, size_t len)
{
        return mg_write(conn, buf, len) == (int)len ? 0 : -EPIPE;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* Is fd the TCP connection from remote:remote_port to our server_port? */
static bool is_connection(int fd, const struct in_addr *remote, int remote_port, int server_port)
{
        struct sockaddr_in local, peer;
        socklen_t ll = sizeof(local), pl = sizeof(peer);
        int type = 0, listening = 1;
        socklen_t tl = sizeof(type), al = sizeof(listening);

        return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM &&
               getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &al) == 0 && !listening &&
               getsockname(fd, (struct sockaddr *)&local, &ll) == 0 &&
               local.sin_family == AF_INET && ntohs(local.sin_port) == server_port &&
               getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 && peer.sin_family == AF_INET &&
               ntohs(peer.sin_port) == remote_port && peer.sin_addr.s_addr == remote->s_addr;
}

/* A websocket is framed by berth (websocket.c), on the socket itself: civetweb 1.15
 * reads nothing past a GET's head for a handler, and has no call that gives a
 * connection's socket. The socket is found among the process's by its addresses (unique
 * for a TCP connection) and duplicated; civetweb's worker stays in the handler, so
 * nothing else uses the connection until it returns, and civetweb closes its own
 * descriptor then (keep-alive is off). A client sends nothing after its handshake until
 * it has the 101 (RFC 6455 §4.1): civetweb has buffered nothing of it. Over TLS the
 * stream is civetweb's: -EOPNOTSUPP.
 *
 * Other descriptors are only asked about, never duplicated: closing a duplicate of a
 * file would drop the POSIX locks the process holds on it (SQLite's). The one that
 * matches is this worker's connection, which nothing closes while the handler runs. */
static int cw_take_over(void *conn, int *ret_fd, char **ret_rest, size_t *ret_n_rest)
{
        const struct mg_request_info *ri = mg_get_request_info(conn);
        _cleanup_(closedirp) DIR *d = NULL;
        struct in_addr remote;
        struct dirent *de;

        if (ri->is_ssl)
                return -EOPNOTSUPP;
        if (inet_pton(AF_INET, ri->remote_addr, &remote) != 1)
                return -EAFNOSUPPORT;
        d = opendir("/proc/self/fd");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                int fd, n;

                if (de->d_name[0] == '.' || (n = atoi(de->d_name)) < 0 || n == dirfd(d))
                        continue;
                if (!is_connection(n, &remote, ri->remote_port, ri->server_port))
                        continue;
                fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return -errno;
                mg_disable_connection_keep_alive(conn);
                *ret_fd = fd;
                *ret_rest = NULL;
                *ret_n_rest = 0;
                return 0;
        }
        return -ENOTCONN;
}

static const struct berth_http_transport civetweb_transport = {
        .name = "civetweb",
        .read = cw_read,
        .respond = cw_respond,
        .header = cw_header,
        .stream_begin = cw_stream_begin,
        .stream_write = cw_stream_write,
        .take_over = cw_take_over,
};

static int handle(struct mg_connection *conn, void *userdata)
{
        struct berth_http_civetweb *c = userdata;
        const struct mg_request_info *ri = mg_get_request_info(conn);
        char remote[80];
        struct berth_http_request req = {
                .method = ri->request_method,
                .path = ri->local_uri_raw ? ri->local_uri_raw : ri->local_uri,
                .query = ri->query_string,
                .content_length = ri->content_length,
                .transport = &civetweb_transport,
                .conn = conn,
                .remote = remote,
                .id = ++request_counter,
        };

        (void)snprintf(remote, sizeof(remote), "%s:%d", ri->remote_addr, ri->remote_port);
        /* curl sends "Expect: 100-continue" with larger bodies and waits a second for
         * this before sending one; civetweb answers it only for its own file PUTs. */
        if (ri->content_length != 0 && cw_header(conn, "Expect") &&
            strcasecmp(cw_header(conn, "Expect"), "100-continue") == 0 &&
            streq_ptr(ri->http_version, "1.1") &&
            mg_write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 25)
                mg_set_user_connection_data(conn, &continue_sent);
        if (!req.path) {
                /* An absolute-form URI for another host. */
                req.path = "";
        }
        berth_http_dispatch(c->router, &req);
        mg_set_user_connection_data(conn, NULL);
        return req.status ? req.status : 500;
}

/* civetweb 1.15 answers a websocket handshake itself when a websocket handler is
 * registered for the path, and 404 when none is, before a request handler runs: an
 * upgrade goes to the router from here, before civetweb looks at it. */
static int begin_request(struct mg_connection *conn)
{
        if (!mg_get_header(conn, "Upgrade"))
                return 0;
        return handle(conn, mg_get_user_data(mg_get_context(conn)));
}

static int log_message(const struct mg_connection *conn, const char *message)
{
        (void)conn;
        log_warning("HTTP: %s", message);
        return 1;
}

/* civetweb's own error replies (malformed request line, headers too large), in the
 * error shape of the API the path is under when civetweb got as far as the path (it
 * has no request info before a request line was read, and no local_uri before the
 * target was). */
static int http_error(struct mg_connection *conn, int status, const char *msg)
{
        struct berth_http_civetweb *c = mg_get_user_data(mg_get_context(conn));
        const struct mg_request_info *ri = mg_get_request_info(conn);
        bool parsed = ri && ri->local_uri;
        struct berth_http_request req = {
                .method = ri ? ri->request_method : NULL,
                .path = parsed ? (ri->local_uri_raw ?: ri->local_uri) : NULL,
                .content_length = -1,
                .transport = &civetweb_transport,
                .conn = conn,
        };

        (void)msg;
        if (req.path)
                req.error_api = berth_http_router_api_for_path(c->router, req.path);
        (void)berth_http_reply_error(&req, status, "%s",
                                     status == 431 || status == 413 ? "request header too large"
                                     : status == 400                ? "malformed HTTP request"
                                                                    : "request failed");
        return 0;
}

static int resolve_ipv4(const char *host, char *buf, size_t size, struct berth_error *err)
{
        struct in_addr a;
        int r = berth_http_resolve_ipv4(host, &a);

        if (r != 0)
                return berth_error_set(err, EINVAL,
                                       "--host '%s' does not resolve to an IPv4 address "
                                       "(IPv6 is not supported by this civetweb build): %s",
                                       host, gai_strerror(r));
        inet_ntop(AF_INET, &a, buf, (socklen_t)size);
        return 0;
}

int berth_http_civetweb_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                              struct berth_http_civetweb **ret, char *urls, size_t urls_size,
                              struct berth_error *err)
{
        char host[64], tls_host[64], ports[256] = "", threads[16], maxhdr[32], pem_path[64] = "",
                                     timeout[16];
        const char *opts[32];
        struct mg_callbacks cb = { .begin_request = begin_request,
                                   .log_message = log_message,
                                   .http_error = http_error };
        struct mg_init_data init = { .callbacks = &cb };
        char etext[256] = "";
        unsigned ecode = 0;
        struct mg_error_data edata = { .code = &ecode,
                                       .text = etext,
                                       .text_buffer_size = sizeof(etext) };
        struct mg_server_port sp[4];
        struct berth_http_civetweb *c;
        size_t n = 0;
        int r, k;

        if (cfg->schemes & BERTH_SCHEME_HTTP) {
                r = resolve_ipv4(cfg->host, host, sizeof(host), err);
                if (r < 0)
                        return r;
                (void)snprintf(ports, sizeof(ports), "%s:%d", host, cfg->port);
        }
        if (cfg->schemes & BERTH_SCHEME_HTTPS) {
                size_t l = strlen(ports);
                r = resolve_ipv4(berth_http_listen_host(cfg, BERTH_SCHEME_HTTPS), tls_host,
                                 sizeof(tls_host), err);
                if (r < 0)
                        return r;
                (void)snprintf(ports + l, sizeof(ports) - l, "%s%s:%ds", l ? "," : "", tls_host,
                               cfg->tls_port);
        }

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->router = router;
        c->pem_fd = -EBADF;
        if (cfg->schemes & BERTH_SCHEME_HTTPS) {
                r = tls_pem(cfg->tls_certificate,
                            cfg->tls_key ? cfg->tls_key : cfg->tls_certificate, &c->pem_fd, err);
                if (r < 0) {
                        free(c);
                        return r;
                }
                (void)snprintf(pem_path, sizeof(pem_path), "/proc/self/fd/%d", c->pem_fd);
                /* civetweb would only say that its SSL context failed. */
                if (cfg->tls_ca && access(cfg->tls_ca, R_OK) < 0) {
                        r = berth_error_set_errno(err, errno, "--tls-ca '%s' cannot be read",
                                                  cfg->tls_ca);
                        safe_close(c->pem_fd);
                        free(c);
                        return r;
                }
        }
        /* Before starting the server; with TLS it loads and initializes OpenSSL
         * (without it, civetweb's OpenSSL function table stays empty and the first
         * https connection calls a null pointer). Debian 12's libcivetweb1 (1.15)
         * looks for an OpenSSL 1.1 name in OpenSSL 3: berth-ssl-compat.so, loaded
         * first, supplies it (src/http/ssl-compat.c). Should initialisation fail
         * anyway, refuse rather than serve http in its place. berthd starts one
         * server. */
        if (cfg->schemes & BERTH_SCHEME_HTTPS)
                load_ssl_compat();
        if (mg_init_library((cfg->schemes & BERTH_SCHEME_HTTPS) ? MG_FEATURES_TLS : 0) == 0 &&
            (cfg->schemes & BERTH_SCHEME_HTTPS)) {
                safe_close(c->pem_fd);
                free(c);
                (void)mg_exit_library();
                return berth_error_set(err, EOPNOTSUPP,
                                       "https is not available: civetweb cannot initialize "
                                       "its TLS library (OpenSSL) on this host (is "
                                       "berth-ssl-compat.so installed beside berth-init?); use "
                                       "the unix socket or a TLS-terminating proxy");
        }

        (void)snprintf(threads, sizeof(threads), "%u", cfg->threads ? cfg->threads : 32);
        (void)snprintf(maxhdr, sizeof(maxhdr), "%zu",
                       cfg->max_header_bytes ? cfg->max_header_bytes : 16384);
        opts[n++] = "listening_ports";
        opts[n++] = ports;
        opts[n++] = "num_threads";
        opts[n++] = threads;
        opts[n++] = "max_request_size";
        opts[n++] = maxhdr;
        opts[n++] = "enable_keep_alive";
        opts[n++] = "yes";
        opts[n++] = "keep_alive_timeout_ms";
        opts[n++] = "30000";
        (void)snprintf(timeout, sizeof(timeout), "%u",
                       cfg->read_timeout_ms ?: BERTH_HTTP_TIMEOUT_MS_DEFAULT);
        opts[n++] = "request_timeout_ms";
        opts[n++] = timeout;
        opts[n++] = "tcp_nodelay";
        opts[n++] = "1";
        /* A mutating API must not be callable from any web page a browser opens. */
        opts[n++] = "access_control_allow_origin";
        opts[n++] = "";
        opts[n++] = "decode_url";
        opts[n++] = "yes";
        if (cfg->schemes & BERTH_SCHEME_HTTPS) {
                opts[n++] = "ssl_certificate";
                opts[n++] = pem_path;
                if (cfg->tls_ca) {
                        opts[n++] = "ssl_ca_file";
                        opts[n++] = cfg->tls_ca;
                        opts[n++] = "ssl_verify_peer";
                        opts[n++] = "yes";
                }
        }
        opts[n] = NULL;

        init.user_data = c;
        init.configuration_options = opts;
        c->ctx = mg_start2(&init, &edata);
        if (!c->ctx) {
                safe_close(c->pem_fd);
                free(c);
                (void)mg_exit_library();
                return berth_error_set(err, EADDRINUSE, "cannot listen on %s: %s", ports,
                                       etext[0] ? etext : "unknown error");
        }
        mg_set_request_handler(c->ctx, "/", handle, c);

        k = mg_get_server_ports(c->ctx, (int)ELEMENTSOF(sp), sp);
        for (int i = 0; i < k; i++) {
                size_t l = strlen(urls);
                const char *h = sp[i].is_ssl ? tls_host : host;

                (void)snprintf(urls + l, urls_size - l, "%s://%s:%d\n",
                               sp[i].is_ssl ? "https" : "http", h, sp[i].port);
                if (c->n_addrs < (int)ELEMENTSOF(c->addrs)) {
                        struct sockaddr_in *a = &c->addrs[c->n_addrs++];
                        a->sin_family = AF_INET;
                        a->sin_port = htons((uint16_t)sp[i].port);
                        (void)inet_pton(AF_INET, h, &a->sin_addr);
                        if (a->sin_addr.s_addr == htonl(INADDR_ANY))
                                a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                }
        }
        *ret = c;
        return 0;
}

/* civetweb's master thread sleeps in poll() for up to two seconds before it notices
 * mg_stop(); a connection to our own port wakes it at once. */
static void *poke(void *userdata)
{
        struct berth_http_civetweb *c = userdata;

        while (!atomic_load(&c->stopping))
                (void)usleep(1000);
        for (int round = 0; round < 200 && atomic_load(&c->stopping); round++) {
                for (int i = 0; i < c->n_addrs; i++) {
                        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                        if (fd < 0)
                                continue;
                        (void)connect(fd, (struct sockaddr *)&c->addrs[i], sizeof(c->addrs[i]));
                        (void)close(fd);
                }
                (void)usleep(20000);
        }
        return NULL;
}

void berth_http_civetweb_stop(struct berth_http_civetweb *c)
{
        pthread_t t;
        bool poking;

        if (!c)
                return;
        atomic_store(&c->stopping, false);
        poking = pthread_create(&t, NULL, poke, c) == 0;
        atomic_store(&c->stopping, true);
        mg_stop(c->ctx);
        atomic_store(&c->stopping, false);
        if (poking)
                pthread_join(t, NULL);
        safe_close(c->pem_fd);
        free(c);
        (void)mg_exit_library();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Docker Engine API over its unix socket, or over TCP with TLS (docker-client.h):
 * calls with libcurl, one easy handle each; Docker's errors as berth's; the shapes of its streams
 * (NDJSON, the multiplexed frames of logs and exec, lines).
 */
#include "config.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker-client.h"
#include "error.h"
#include "macro.h"

#define API_VERSION "/v1.41"
#define CONNECT_TIMEOUT_MS 2000L
#define CALL_TIMEOUT_MS 60000L
#define BODY_MAX (64u << 20)
#define ERROR_BODY_MAX (64u << 10)
#define NDJSON_LINE_MAX (16u << 20)
#define LINE_MAX_LEN (64u << 10)

/* A call under way: its socket, for docker_client_cancel_all(). */
struct call {
        struct call *next;
        int fd;
};

struct docker_client {
        char *host;            /* unix:///path or tcp://host:port */
        char *socket;          /* /path, or NULL over TCP */
        char *base;            /* http://docker/v1.41 or https://host:port/v1.41 */
        char *ca, *cert, *key; /* TLS files (over TCP) */
        bool ready;            /* the lock and curl are initialised */
        pthread_mutex_t lock;
        struct call *calls; /* with lock */
        bool closing;       /* with lock */
        uint64_t n_calls, n_errors;
};

/* tcp://HOST:PORT: a name or an IPv4 address, or an IPv6 one in brackets; a port. */
static bool tcp_host_ok(const char *hp)
{
        const char *colon = strrchr(hp, ':'), *p;
        char *end;
        long port;

        if (!colon || colon == hp)
                return false;
        if (hp[0] == '[') {
                if (colon[-1] != ']' || colon - hp < 4)
                        return false;
                for (p = hp + 1; p < colon - 1; p++)
                        if (!strchr("0123456789abcdefABCDEF:.", *p))
                                return false;
        } else
                for (p = hp; p < colon; p++)
                        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                    ".-",
                                    *p))
                                return false;
        errno = 0;
        port = strtol(colon + 1, &end, 10);
        return errno == 0 && *end == 0 && end != colon + 1 && port > 0 && port < 65536;
}

static int tls_file(const char *host, const char *dir, const char *name, char **ret,
                    struct berth_error *err)
{
        if (asprintf(ret, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        if (access(*ret, R_OK) < 0)
                return berth_error_set_errno(err, errno, "docker host '%s': TLS file %s", host,
                                             *ret);
        return 0;
}

int docker_client_new_tls(const char *host, const char *tls_dir, struct docker_client **ret,
                          struct berth_error *err)
{
        _cleanup_(docker_client_freep) struct docker_client *d = NULL;
        const char *path = NULL;
        int r;

        if (!host)
                host = "unix:///var/run/docker.sock";
        if (strncmp(host, "unix://", 7) == 0 && host[7] == '/') {
                path = host + 7;
                if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
                        return berth_error_set(err, ENAMETOOLONG,
                                               "docker host '%s': the socket path is too long",
                                               host);
        } else if (strncmp(host, "tcp://", 6) == 0) {
                if (!tcp_host_ok(host + 6))
                        return berth_error_set(err, EINVAL, "docker host '%s': not tcp://HOST:PORT",
                                               host);
                if (!tls_dir)
                        return berth_error_set(err, EINVAL,
                                               "docker host '%s': an engine over TCP needs TLS "
                                               "(a directory with ca.pem, cert.pem and key.pem): "
                                               "in clear text its API is root on that node for "
                                               "anyone on the way",
                                               host);
        } else
                return berth_error_set(err, EINVAL,
                                       "docker host '%s': neither unix:///PATH nor tcp://HOST:PORT",
                                       host);
        d = calloc(1, sizeof(*d));
        if (!d || !(d->host = strdup(host)))
                return -ENOMEM;
        if (path) {
                d->socket = strdup(path);
                d->base = strdup("http://docker" API_VERSION);
                if (!d->socket || !d->base)
                        return -ENOMEM;
        } else {
                if (asprintf(&d->base, "https://%s" API_VERSION, host + 6) < 0) {
                        d->base = NULL;
                        return -ENOMEM;
                }
                r = tls_file(host, tls_dir, "ca.pem", &d->ca, err);
                if (r >= 0)
                        r = tls_file(host, tls_dir, "cert.pem", &d->cert, err);
                if (r >= 0)
                        r = tls_file(host, tls_dir, "key.pem", &d->key, err);
                if (r < 0)
                        return r;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return berth_error_set(err, ENOMEM, "libcurl cannot be initialised");
        pthread_mutex_init(&d->lock, NULL);
        d->ready = true;
        *ret = TAKE_PTR(d);
        return 0;
}

int docker_client_new(const char *host, struct docker_client **ret, struct berth_error *err)
{
        return docker_client_new_tls(host, NULL, ret, err);
}

struct docker_client *docker_client_free(struct docker_client *d)
{
        if (!d)
                return NULL;
        if (d->ready) {
                pthread_mutex_destroy(&d->lock);
                curl_global_cleanup();
        }
        free(d->host);
        free(d->socket);
        free(d->base);
        free(d->ca);
        free(d->cert);
        free(d->key);
        free(d);
        return NULL;
}

const char *docker_client_host(const struct docker_client *d)
{
        return d->host;
}

const char *docker_client_socket(const struct docker_client *d)
{
        return d->socket;
}

void docker_client_cancel_all(struct docker_client *d)
{
        pthread_mutex_lock(&d->lock);
        d->closing = true;
        for (struct call *c = d->calls; c; c = c->next)
                if (c->fd >= 0)
                        (void)shutdown(c->fd, SHUT_RDWR);
        pthread_mutex_unlock(&d->lock);
}

void docker_client_counters(struct docker_client *d, uint64_t *calls, uint64_t *errors)
{
        pthread_mutex_lock(&d->lock);
        *calls = d->n_calls;
        *errors = d->n_errors;
        pthread_mutex_unlock(&d->lock);
}

void docker_reply_done(struct docker_reply *r)
{
        free(r->body);
        json_decref(r->json);
        *r = (struct docker_reply){};
}

char *docker_escape(const char *s)
{
        char *e = curl_easy_escape(NULL, s, 0);
        char *copy = e ? strdup(e) : NULL;

        curl_free(e);
        return copy;
}

/* ---- one call ------------------------------------------------------------------------ */

struct ctx {
        struct docker_client *d;
        const struct docker_request *q;
        CURL *h;
        struct call call;
        char *body;
        size_t len, cap;
        bool passing; /* the answer is 2xx and goes to on_data */
        bool checked; /* the status was looked at */
        bool too_big;
        bool stopped;
        int data_r;
};

static curl_socket_t open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *a)
{
        struct ctx *x = userdata;
        int fd = -1;

        (void)purpose;
        pthread_mutex_lock(&x->d->lock);
        if (!x->d->closing) {
                fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
                x->call.fd = fd;
        }
        pthread_mutex_unlock(&x->d->lock);
        return fd < 0 ? CURL_SOCKET_BAD : fd;
}

static int close_socket(void *userdata, curl_socket_t fd)
{
        struct ctx *x = userdata;

        pthread_mutex_lock(&x->d->lock);
        if (x->call.fd == fd)
                x->call.fd = -1;
        (void)close(fd);
        pthread_mutex_unlock(&x->d->lock);
        return 0;
}

static int progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
        struct ctx *x = userdata;
        bool closing;

        (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
        pthread_mutex_lock(&x->d->lock);
        closing = x->d->closing;
        pthread_mutex_unlock(&x->d->lock);
        if (closing ||
            (x->q->should_stop &&
             x->q->should_stop(x->q->stop_userdata ? x->q->stop_userdata : x->q->userdata))) {
                x->stopped = true;
                return 1;
        }
        return 0;
}

static bool keep(struct ctx *x, const char *data, size_t n, size_t max)
{
        if (x->len + n > max) {
                x->too_big = true;
                return false;
        }
        if (x->len + n + 1 > x->cap) {
                size_t cap = x->cap * 2, want = MAX(x->len + n + 1, (size_t)4096);
                char *b;
                if (cap < want)
                        cap = want;
                b = realloc(x->body, cap);
                if (!b)
                        return false;
                x->body = b;
                x->cap = cap;
        }
        memcpy(x->body + x->len, data, n);
        x->len += n;
        x->body[x->len] = 0;
        return true;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct ctx *x = userdata;
        size_t n = size * nmemb;

        if (!x->checked) {
                long status = 0;
                (void)curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
                x->passing = x->q->on_data && status >= 200 && status < 300;
                x->checked = true;
        }
        if (x->passing) {
                int r = x->q->on_data(data, n, x->q->userdata);
                if (r < 0) {
                        x->data_r = r;
                        return 0; /* ends the transfer */
                }
                return n;
        }
        return keep(x, data, n, x->q->on_data ? ERROR_BODY_MAX : BODY_MAX) ? n : 0;
}

static int fail_curl(struct docker_client *d, CURLcode c, const char *errbuf, bool connected,
                     long os_errno, struct berth_error *err)
{
        char buf[CURL_ERROR_SIZE + 64];
        const char *why = buf;

        /* The system's word when there is one (refused, no such socket): curl's names a
         * host and port that do not exist here. */
        if (os_errno > 0)
                (void)snprintf(buf, sizeof(buf), "%s (%s)", strerror((int)os_errno),
                               curl_easy_strerror(c));
        else
                why = errbuf[0] ? errbuf : curl_easy_strerror(c);

        /* Refused, no socket, or the engine went away in the middle. */
        if (c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
            c == CURLE_GOT_NOTHING || c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR ||
            c == CURLE_PARTIAL_FILE || (c == CURLE_OPERATION_TIMEDOUT && !connected))
                return berth_error_set(err, EHOSTDOWN,
                                       "the docker engine at %s does not answer: %s", d->host, why);
        if (c == CURLE_OPERATION_TIMEDOUT)
                return berth_error_set(err, ETIMEDOUT, "the docker engine at %s: %s", d->host, why);
        if (c == CURLE_OUT_OF_MEMORY)
                return berth_error_set(err, ENOMEM, "docker: %s", why);
        return berth_error_set(err, EIO, "the docker engine at %s: %s", d->host, why);
}

static size_t read_file_cb(char *buf, size_t size, size_t nmemb, void *userdata)
{
        return fread(buf, size, nmemb, userdata);
}

static struct curl_slist *set_body(CURL *h, const struct docker_request *q, char **json_text,
                                   FILE **upload, struct berth_error *err, int *r)
{
        struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:");
        const char *ct = q->content_type;

        *r = 0;
        if (q->json) {
                *json_text = json_dumps(q->json, JSON_COMPACT);
                if (!*json_text) {
                        *r = -ENOMEM;
                        return hdrs;
                }
                ct = "application/json";
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, *json_text);
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                       (curl_off_t)strlen(*json_text));
        } else if (q->upload_path) {
                struct stat st;
                *upload = fopen(q->upload_path, "re");
                if (!*upload || fstat(fileno(*upload), &st) < 0) {
                        *r = berth_error_set_errno(err, errno, "open '%s'", q->upload_path);
                        return hdrs;
                }
                (void)curl_easy_setopt(h, CURLOPT_POST, 1L);
                (void)curl_easy_setopt(h, CURLOPT_READFUNCTION, read_file_cb);
                (void)curl_easy_setopt(h, CURLOPT_READDATA, *upload);
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
        } else if (q->data) {
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->data);
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->size);
        } else if (q->method && streq(q->method, "POST")) {
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                (void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        if (ct) {
                char line[128];
                (void)snprintf(line, sizeof(line), "Content-Type: %s", ct);
                hdrs = curl_slist_append(hdrs, line);
        }
        for (const char *const *line = q->headers; line && *line && hdrs; line++)
                hdrs = curl_slist_append(hdrs, *line);
        return hdrs;
}

static void set_options(struct ctx *x, const char *url, const char *method, long timeout,
                        struct curl_slist *hdrs, char *errbuf)
{
        (void)curl_easy_setopt(x->h, CURLOPT_URL, url);
        if (x->d->socket)
                (void)curl_easy_setopt(x->h, CURLOPT_UNIX_SOCKET_PATH, x->d->socket);
        else {
                (void)curl_easy_setopt(x->h, CURLOPT_CAINFO, x->d->ca);
                (void)curl_easy_setopt(x->h, CURLOPT_SSLCERT, x->d->cert);
                (void)curl_easy_setopt(x->h, CURLOPT_SSLKEY, x->d->key);
                (void)curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 1L);
                (void)curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 2L);
                (void)curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "https");
        }
        (void)curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
        (void)curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
        (void)curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, timeout);
        (void)curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, errbuf);
        (void)curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, hdrs);
        if (!streq(method, "GET") && !streq(method, "POST"))
                (void)curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, method);
        (void)curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_write);
        (void)curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
        /* The sockets are ours, so that cancel_all can shut them down. */
        (void)curl_easy_setopt(x->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        (void)curl_easy_setopt(x->h, CURLOPT_OPENSOCKETDATA, x);
        (void)curl_easy_setopt(x->h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
        (void)curl_easy_setopt(x->h, CURLOPT_CLOSESOCKETDATA, x);
        (void)curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
        (void)curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, progress);
        (void)curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
        /* One connection per call, closed after it: nothing is shared between threads. */
        (void)curl_easy_setopt(x->h, CURLOPT_FORBID_REUSE, 1L);
}

int docker_request(struct docker_client *d, const struct docker_request *q,
                   struct docker_reply *ret, struct berth_error *err)
{
        struct ctx x = { .d = d, .q = q, .call = { .fd = -1 } };
        char errbuf[CURL_ERROR_SIZE] = "";
        _cleanup_free_ char *url = NULL, *json_text = NULL;
        _cleanup_fclose_ FILE *upload = NULL;
        struct curl_slist *hdrs = NULL;
        const char *method = q->method ? q->method : "GET";
        curl_off_t connect_us = 0;
        long status = 0, timeout, os_errno = 0;
        CURLcode c;
        int r;

        *ret = (struct docker_reply){};
        if (asprintf(&url, "%s%s", d->base, q->path) < 0)
                return -ENOMEM;
        x.h = curl_easy_init();
        if (!x.h)
                return -ENOMEM;
        hdrs = set_body(x.h, q, &json_text, &upload, err, &r);
        if (r < 0 || !hdrs) {
                curl_slist_free_all(hdrs);
                curl_easy_cleanup(x.h);
                return r < 0 ? r : -ENOMEM;
        }
        timeout = q->timeout_ms ? q->timeout_ms : q->on_data ? 0 : CALL_TIMEOUT_MS;
        set_options(&x, url, method, timeout, hdrs, errbuf);

        pthread_mutex_lock(&d->lock);
        x.call.next = d->calls;
        d->calls = &x.call;
        d->n_calls++;
        pthread_mutex_unlock(&d->lock);

        c = curl_easy_perform(x.h);
        (void)curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &status);
        (void)curl_easy_getinfo(x.h, CURLINFO_CONNECT_TIME_T, &connect_us);
        (void)curl_easy_getinfo(x.h, CURLINFO_OS_ERRNO, &os_errno);

        pthread_mutex_lock(&d->lock);
        for (struct call **p = &d->calls; *p; p = &(*p)->next)
                if (*p == &x.call) {
                        *p = x.call.next;
                        break;
                }
        if (d->closing && c != CURLE_OK)
                x.stopped = true; /* its socket was shut down */
        pthread_mutex_unlock(&d->lock);

        ret->status = status;
        if (c == CURLE_WRITE_ERROR && x.data_r < 0)
                c = CURLE_OK; /* on_data ended it */
        if (c == CURLE_WRITE_ERROR && x.too_big)
                r = berth_error_set(err, EFBIG, "docker: %s %s: the answer is over %u bytes",
                                    method, q->path, BODY_MAX);
        else if (x.stopped || (c == CURLE_ABORTED_BY_CALLBACK))
                r = berth_error_set(err, ECANCELED, "docker: %s %s: cancelled", method, q->path);
        else if (c != CURLE_OK) {
                ret->timed_out = c == CURLE_OPERATION_TIMEDOUT;
                r = fail_curl(d, c, errbuf, connect_us > 0 && status > 0, os_errno, err);
        } else
                r = (int)status;
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(x.h);
        if (r >= 0) {
                ret->body = x.body ? TAKE_PTR(x.body) : strdup("");
                ret->len = x.len;
                if (!ret->body)
                        r = -ENOMEM;
                else if (ret->len > 0)
                        ret->json = json_loadb(ret->body, ret->len, 0, NULL);
        }
        free(x.body);
        if (r < 0 || status >= 400) {
                pthread_mutex_lock(&d->lock);
                d->n_errors++;
                pthread_mutex_unlock(&d->lock);
        }
        return r;
}

/* ---- errors ------------------------------------------------------------------------------- */

static int errno_of(long status, const char *msg)
{
        switch (status) {
        case 400:
                return EINVAL;
        case 401:
        case 403:
                return strstr(msg, "in use") || strstr(msg, "active endpoints") ? EBUSY : EPERM;
        case 404:
                return ENOENT;
        case 406:
        case 423:
                return EBUSY;
        case 409:
                return strstr(msg, "already in use") || strstr(msg, "already exists") ? EEXIST
                                                                                      : EBUSY;
        case 500:
                /* Docker says "is not paused" and "is not running" with a 500. */
                return strstr(msg, "is not paused") || strstr(msg, "is not running") ||
                                       strstr(msg, "is paused") || strstr(msg, "is restarting")
                               ? EBUSY
                               : EIO;
        default:
                return EIO;
        }
}

int docker_error(const struct docker_reply *r, struct berth_error *err, const char *fmt, ...)
{
        const char *msg = json_string_value(json_object_get(r->json, "message"));
        char what[256] = "", text[300];
        va_list ap;

        if (fmt) {
                va_start(ap, fmt);
                (void)vsnprintf(what, sizeof(what), fmt, ap);
                va_end(ap);
        }
        if (!msg) {
                /* A plain text body ("client version … is too old"), or none. */
                size_t n = r->body ? strcspn(r->body, "\n") : 0;
                if (n > 0)
                        (void)snprintf(text, sizeof(text), "%.*s", (int)MIN(n, sizeof(text) - 1),
                                       r->body);
                else
                        (void)snprintf(text, sizeof(text), "HTTP %ld", r->status);
                msg = text;
        }
        return berth_error_set(err, errno_of(r->status, msg), "docker: %s%s%s", what,
                               what[0] ? ": " : "", msg);
}

int docker_call(struct docker_client *d, const char *method, const char *path, json_t *body,
                json_t **ret, struct berth_error *err, const char *fmt, ...)
{
        struct docker_request q = { .method = method, .path = path, .json = body };
        struct docker_reply reply;
        char what[256];
        va_list ap;
        int r;

        va_start(ap, fmt);
        (void)vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        if (ret)
                *ret = NULL;
        r = docker_request(d, &q, &reply, err);
        if (r < 0)
                return berth_error_prefix(err, "docker: %s", what);
        if (r == 304 || (r >= 200 && r < 300)) {
                if (ret)
                        *ret = TAKE_PTR(reply.json);
        } else
                r = docker_error(&reply, err, "%s", what);
        docker_reply_done(&reply);
        return r;
}

/* ---- streams ------------------------------------------------------------------------------ */

static int grow(char **buf, size_t *cap, size_t need)
{
        char *b;
        size_t c;

        if (need <= *cap)
                return 0;
        c = MAX(*cap * 2, need);
        if (c < 4096)
                c = 4096;
        b = realloc(*buf, c);
        if (!b)
                return -ENOMEM;
        *buf = b;
        *cap = c;
        return 0;
}

static int ndjson_line(struct docker_ndjson *n, const char *line, size_t len)
{
        json_t *j, *detail;
        const char *msg;
        int r = 0;

        if (len == 0 || (len == 1 && line[0] == '\r'))
                return 0;
        j = json_loadb(line, len, 0, NULL);
        if (!j)
                return 0; /* not an object: nothing to say */
        detail = json_object_get(j, "errorDetail");
        msg = json_string_value(json_object_get(j, "error"));
        if (!msg)
                msg = json_string_value(json_object_get(detail, "message"));
        if (n->scan_errors && (msg || detail)) {
                (void)snprintf(n->msg, sizeof(n->msg), "%s", msg ? msg : "an error");
                n->error = -EIO;
                r = -EIO;
        } else if (n->fn)
                r = n->fn(j, n->userdata);
        json_decref(j);
        return r;
}

int docker_ndjson_feed(struct docker_ndjson *n, const char *data, size_t len)
{
        size_t start = 0;
        int r;

        if (n->len + len > NDJSON_LINE_MAX)
                return -E2BIG;
        r = grow(&n->buf, &n->cap, n->len + len + 1);
        if (r < 0)
                return r;
        memcpy(n->buf + n->len, data, len);
        n->len += len;
        for (size_t i = 0; i < n->len; i++) {
                if (n->buf[i] != '\n')
                        continue;
                r = ndjson_line(n, n->buf + start, i - start);
                if (r < 0)
                        return r;
                start = i + 1;
        }
        memmove(n->buf, n->buf + start, n->len - start);
        n->len -= start;
        return 0;
}

void docker_ndjson_done(struct docker_ndjson *n)
{
        /* The last object may come without its newline. */
        if (n->len > 0 && n->error == 0)
                (void)ndjson_line(n, n->buf, n->len);
        n->buf = mfree(n->buf);
        n->len = n->cap = 0;
}

int docker_ndjson_data(const char *buf, size_t len, void *userdata)
{
        return docker_ndjson_feed(userdata, buf, len);
}

int docker_demux_feed(struct docker_demux *m, const char *data, size_t len)
{
        int r;

        if (m->raw)
                return len > 0 ? m->fn(1, data, len, m->userdata) : 0;
        while (len > 0) {
                size_t n;

                if (m->left == 0) {
                        n = MIN(len, sizeof(m->hdr) - m->hdr_len);
                        memcpy(m->hdr + m->hdr_len, data, n);
                        m->hdr_len += n;
                        data += n;
                        len -= n;
                        if (m->hdr_len < sizeof(m->hdr))
                                return 0;
                        m->stream = m->hdr[0];
                        m->left = (uint32_t)m->hdr[4] << 24 | (uint32_t)m->hdr[5] << 16 |
                                  (uint32_t)m->hdr[6] << 8 | m->hdr[7];
                        m->hdr_len = 0;
                        continue;
                }
                n = MIN(len, (size_t)m->left);
                r = m->fn(m->stream, data, n, m->userdata);
                if (r < 0)
                        return r;
                m->left -= (uint32_t)n;
                data += n;
                len -= n;
        }
        return 0;
}

int docker_demux_data(const char *buf, size_t len, void *userdata)
{
        return docker_demux_feed(userdata, buf, len);
}

int docker_lines_feed(struct docker_lines *l, const char *data, size_t len)
{
        while (len > 0) {
                const char *nl = memchr(data, '\n', len);
                size_t n = nl ? (size_t)(nl - data) : len;
                int r;

                if (l->len + n > LINE_MAX_LEN)
                        n = LINE_MAX_LEN - l->len; /* cut here: a line of its own */
                r = grow(&l->buf, &l->cap, l->len + n + 1);
                if (r < 0)
                        return r;
                memcpy(l->buf + l->len, data, n);
                l->len += n;
                data += n;
                len -= n;
                if ((nl && data == nl) || l->len == LINE_MAX_LEN) {
                        if (nl && data == nl) {
                                data++;
                                len--;
                        }
                        l->buf[l->len] = 0;
                        r = l->fn(l->buf, l->len, l->userdata);
                        l->len = 0;
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int docker_lines_flush(struct docker_lines *l)
{
        int r = 0;

        if (l->len > 0) {
                l->buf[l->len] = 0;
                r = l->fn(l->buf, l->len, l->userdata);
                l->len = 0;
        }
        return r;
}

void docker_lines_done(struct docker_lines *l)
{
        l->buf = mfree(l->buf);
        l->len = l->cap = 0;
}

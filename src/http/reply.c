/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"
#include "http.h"
#include "macro.h"
#include "strbuf.h"

int berth_http_status_from_errno(int r)
{
        switch (r < 0 ? -r : r) {
        case ENOENT:
                return 404;
        case EEXIST:
        case EBUSY:
                return 409;
        case EBADMSG:
                return 400;
        case EINVAL:
        case EROFS:
                return 422;
        case EMSGSIZE:
                return 413;
        case EMEDIUMTYPE:
                return 415;
        case EOPNOTSUPP:
                return 501;
        case EPERM:
        case EACCES:
                return 403;
        case ENOSPC:
                return 507;
        case ETIMEDOUT:
                return 504;
        default:
                return 500;
        }
}

const char *berth_http_reason(int status)
{
        switch (status) {
        case 101:
                return "Switching Protocols";
        case 200:
                return "OK";
        case 201:
                return "Created";
        case 204:
                return "No Content";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 409:
                return "Conflict";
        case 411:
                return "Length Required";
        case 413:
                return "Payload Too Large";
        case 414:
                return "URI Too Long";
        case 415:
                return "Unsupported Media Type";
        case 422:
                return "Unprocessable Entity";
        case 426:
                return "Upgrade Required";
        case 431:
                return "Request Header Fields Too Large";
        case 500:
                return "Internal Server Error";
        case 501:
                return "Not Implemented";
        case 503:
                return "Service Unavailable";
        case 504:
                return "Gateway Timeout";
        case 507:
                return "Insufficient Storage";
        default:
                return "Unknown";
        }
}

_printf_(4, 5) static bool append(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vsnprintf(buf + *n, size - *n, fmt, ap);
        va_end(ap);
        if (k < 0 || (size_t)k >= size - *n)
                return false;
        *n += (size_t)k;
        return true;
}

ssize_t berth_http_format_head(char *buf, size_t size, int status,
                               const struct berth_http_header *headers, size_t n_headers,
                               size_t len, bool keep_alive)
{
        char date[48] = "";
        size_t n = 0;
        struct tm tm;
        time_t now = time(NULL);

        if (gmtime_r(&now, &tm))
                (void)strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (!append(buf, size, &n, "HTTP/1.1 %d %s\r\n", status, berth_http_reason(status)))
                return -ENOBUFS;
        for (size_t i = 0; i < n_headers; i++)
                if (!append(buf, size, &n, "%s: %s\r\n", headers[i].name, headers[i].value))
                        return -ENOBUFS;
        if (len != BERTH_HTTP_STREAM && !append(buf, size, &n, "Content-Length: %zu\r\n", len))
                return -ENOBUFS;
        if (date[0] && !append(buf, size, &n, "Date: %s\r\n", date))
                return -ENOBUFS;
        if (!append(buf, size, &n, "Connection: %s\r\n\r\n", keep_alive ? "keep-alive" : "close"))
                return -ENOBUFS;
        return (ssize_t)n;
}

int berth_http_reply(struct berth_http_request *req, int status, const char *content_type,
                     const void *body, size_t len, const struct berth_http_header *extra,
                     size_t n_extra)
{
        struct berth_http_header h[8];
        size_t n = 0;

        if (req->status)
                return -EALREADY;
        if (content_type)
                h[n++] = (struct berth_http_header){ "Content-Type", content_type };
        h[n++] = (struct berth_http_header){ "Cache-Control", "no-store" };
        for (size_t i = 0; i < n_extra && n < ELEMENTSOF(h); i++)
                h[n++] = extra[i];
        req->status = status;
        req->reply_bytes = len;
        /* HEAD: headers as for GET, no body. */
        if (streq_ptr(req->method, "HEAD"))
                return req->transport->respond(req->conn, status, h, n, NULL, len);
        return req->transport->respond(req->conn, status, h, n, body, len);
}

int berth_http_json_format(const json_t *j, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        char *t;

        text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10));
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        /* One trailing newline, as Go's encoding/json writes; friendlier to curl. */
        t = realloc(text, len + 2);
        if (!t)
                return -ENOMEM;
        text = t;
        text[len++] = '\n';
        text[len] = 0;
        *ret = TAKE_PTR(text);
        *ret_len = len;
        return 0;
}

int berth_http_reply_json_text(struct berth_http_request *req, int status, const char *text,
                               size_t len)
{
        return berth_http_reply(req, status, "application/json", text, len, NULL, 0);
}

int berth_http_reply_json(struct berth_http_request *req, int status, json_t *j)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = j ? berth_http_json_format(j, &text, &len) : -ENOMEM;
        json_decref(j);
        if (r < 0)
                return berth_http_reply_error(req, 500, "out of memory encoding the reply");
        return berth_http_reply_json_text(req, status, text, len);
}

/* The API an error reply speaks for: the route's, or before routing the one whose
 * prefix the path is under. */
static const struct berth_http_api *error_api(const struct berth_http_request *req)
{
        return req->api ? req->api : req->error_api;
}

/* The error body for the API of the request (NULL: the default), as text. */
static int error_text(const struct berth_http_request *req, int *status, const char *msg,
                      char **ret, size_t *ret_len)
{
        const struct berth_http_api *api = error_api(req);
        json_auto_t *j = NULL;

        if (api && api->error_body)
                j = api->error_body(req, status, msg);
        else
                j = json_pack("{s:i, s:s}", "code", *status, "message", msg);
        return j ? berth_http_json_format(j, ret, ret_len) : -ENOMEM;
}

/* Every error reply, from a handler, the router or a transport, goes through here: the
 * API shapes the body and may change the status. A body that cannot be encoded (out of
 * memory, a message that is not UTF-8) makes it a 500 as any other reply; when that fails
 * too, the reply has no body. */
static int reply_error_msg(struct berth_http_request *req, int status,
                           const struct berth_http_header *extra, size_t n_extra, const char *msg)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = error_text(req, &status, msg, &text, &len);
        if (r < 0) {
                status = 500;
                extra = NULL;
                n_extra = 0;
                r = error_text(req, &status, "out of memory encoding the reply", &text, &len);
        }
        if (r < 0)
                return berth_http_reply(req, status, NULL, NULL, 0, extra, n_extra);
        return berth_http_reply(req, status, "application/json", text, len, extra, n_extra);
}

_printf_(5, 0) static int reply_errorv(struct berth_http_request *req, int status,
                                       const struct berth_http_header *extra, size_t n_extra,
                                       const char *fmt, va_list ap)
{
        char msg[BERTH_ERROR_MSG_MAX];

        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        return reply_error_msg(req, status, extra, n_extra, msg);
}

int berth_http_reply_error(struct berth_http_request *req, int status, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = reply_errorv(req, status, NULL, 0, fmt, ap);
        va_end(ap);
        return r;
}

int berth_http_reply_error_headers(struct berth_http_request *req, int status,
                                   const struct berth_http_header *extra, size_t n_extra,
                                   const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = reply_errorv(req, status, extra, n_extra, fmt, ap);
        va_end(ap);
        return r;
}

int berth_http_reply_berror(struct berth_http_request *req, const struct berth_error *err)
{
        int status = berth_http_status_from_errno(err->code ? err->code : -EIO);

        return berth_http_reply_error(req, status, "%s", err->msg[0] ? err->msg : "internal error");
}

const char *berth_http_header(struct berth_http_request *req, const char *name)
{
        return req->transport->header(req->conn, name);
}

int berth_http_stream_begin(struct berth_http_request *req, int status, const char *content_type)
{
        struct berth_http_header h[] = {
                { "Content-Type", content_type },
                { "Cache-Control", "no-store" },
                { "X-Accel-Buffering", "no" },
        };

        if (req->status)
                return -EALREADY;
        if (!req->transport->stream_begin)
                return -EOPNOTSUPP;
        req->status = status;
        return req->transport->stream_begin(req->conn, status, h, ELEMENTSOF(h));
}

int berth_http_stream_write(struct berth_http_request *req, const void *buf, size_t len)
{
        int r = req->transport->stream_write(req->conn, buf, len);

        if (r >= 0)
                req->reply_bytes += len;
        return r;
}

static bool content_type_is_json(const char *ct)
{
        size_t n;

        if (!ct)
                return false;
        while (*ct == ' ')
                ct++;
        n = strcspn(ct, "; ");
        return n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0;
}

/* Into b (the caller wipes it: the body may carry a Ceph key), NUL-terminated. */
static int read_body(struct berth_http_request *req, size_t max, struct strbuf *b,
                     struct berth_error *err)
{
        /* Bytes to read before the buffer grows: all of them when the length is known. */
        size_t cap = req->content_length >= 0 ? (size_t)req->content_length : 4096;

        if (req->content_length >= 0 && (unsigned long long)req->content_length > max)
                return berth_error_set(err, EMSGSIZE,
                                       "request body of %lld bytes is over the limit of %zu",
                                       req->content_length, max);
        if (strbuf_grow(b, cap + 1) < 0)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (b->len == cap) {
                        if (req->content_length >= 0)
                                break;
                        if (cap > max)
                                return berth_error_set(err, EMSGSIZE,
                                                       "request body is over the limit of %zu "
                                                       "bytes",
                                                       max);
                        cap = MIN(cap * 2, max + 1);
                        if (strbuf_grow(b, cap + 1) < 0)
                                return -ENOMEM;
                }
                n = req->transport->read(req->conn, b->p + b->len, cap - b->len);
                if (n < 0)
                        return berth_error_set_errno(err, (int)-n, "read request body");
                if (n == 0)
                        break;
                b->len += (size_t)n;
        }
        b->p[b->len] = 0;
        if (b->len > max)
                return berth_error_set(err, EMSGSIZE, "request body is over the limit of %zu bytes",
                                       max);
        if (req->content_length >= 0 && b->len < (size_t)req->content_length)
                return berth_error_set(err, EBADMSG, "request body ended after %zu of %lld bytes",
                                       b->len, req->content_length);
        return 0;
}

static void json_wipe(json_t *j)
{
        const char *key;
        json_t *v;
        size_t i;

        if (json_is_string(j))
                explicit_bzero((char *)json_string_value(j), json_string_length(j));
        else if (json_is_object(j))
                json_object_foreach (j, key, v)
                        json_wipe(v);
        else if (json_is_array(j))
                json_array_foreach (j, i, v)
                        json_wipe(v);
}

void berth_http_json_release(json_t *j)
{
        json_wipe(j);
        json_decref(j);
}

int berth_http_read_json(struct berth_http_request *req, size_t max, json_t **ret,
                         struct berth_error *err)
{
        /* Request bodies may carry Ceph keys: nothing of them stays in freed memory. */
        _cleanup_(strbuf_wipe) struct strbuf body = {};
        const char *ct = berth_http_header(req, "Content-Type");
        json_error_t jerr;
        json_t *j;
        int r;

        if (req->content_length >= 0 && (unsigned long long)req->content_length > max)
                return berth_error_set(err, EMSGSIZE,
                                       "request body of %lld bytes is over the limit of %zu",
                                       req->content_length, max);
        if (req->content_length != 0 && !content_type_is_json(ct))
                return berth_error_set(err, EMEDIUMTYPE,
                                       "unsupported media type \"%.64s\", only "
                                       "[application/json] is allowed",
                                       ct ? ct : "application/octet-stream");
        r = read_body(req, max, &body, err);
        if (r < 0)
                return r;
        if (strspn(body.p, " \t\r\n") == body.len)
                return berth_error_set(err, EINVAL, "a request body is required");
        j = json_loadb(body.p, body.len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return berth_error_set(err, EBADMSG, "malformed JSON at line %d, column %d: %s",
                                       jerr.line, jerr.column, jerr.text);
        *ret = j;
        return 0;
}

bool berth_http_has_body(struct berth_http_request *req)
{
        return req->content_length > 0 ||
               (req->content_length < 0 && berth_http_header(req, "Transfer-Encoding"));
}

int berth_http_expect_no_body(struct berth_http_request *req, struct berth_error *err)
{
        char buf[1];
        ssize_t n;

        if (req->content_length == 0)
                return 0;
        if (req->content_length > 0)
                return berth_error_set(err, EINVAL, "%s %s takes no request body", req->method,
                                       req->path);
        n = req->transport->read(req->conn, buf, sizeof(buf));
        if (n > 0)
                return berth_error_set(err, EINVAL, "%s %s takes no request body", req->method,
                                       req->path);
        return 0;
}

/* ---- query strings ------------------------------------------------------------- */

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

char *berth_http_unescape(const char *src, size_t len, bool plus_is_space)
{
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (src[i] == '%') {
                        int a, b;
                        if (len - i < 3)
                                goto bad;
                        a = hexval((unsigned char)src[i + 1]);
                        b = hexval((unsigned char)src[i + 2]);
                        if (a < 0 || b < 0 || (a == 0 && b == 0))
                                goto bad;
                        *o++ = (char)(a * 16 + b);
                        i += 2;
                } else if (src[i] == '+' && plus_is_space)
                        *o++ = ' ';
                else if (src[i] == 0)
                        goto bad;
                else
                        *o++ = src[i];
        }
        *o = 0;
        return out;
bad:
        free(out);
        return NULL;
}

void berth_http_query_done(struct berth_http_query *q)
{
        for (size_t i = 0; i < q->n; i++) {
                free(q->keys[i]);
                free(q->values[i]);
        }
        q->n = 0;
}

static bool allowed_key(const char *const *allowed, const char *k)
{
        for (; allowed && *allowed; allowed++)
                if (streq(*allowed, k))
                        return true;
        return false;
}

int berth_http_query_parse(const char *query, const char *const *allowed,
                           struct berth_http_query *ret, struct berth_error *err)
{
        const char *p = query;

        *ret = (struct berth_http_query){};
        while (p && *p) {
                size_t n = strcspn(p, "&"), kl = strcspn(p, "=&");
                char *k, *v;

                if (n == 0) {
                        p++;
                        continue;
                }
                k = berth_http_unescape(p, kl, true);
                v = kl < n ? berth_http_unescape(p + kl + 1, n - kl - 1, true) : strdup("");
                if (!k || !v) {
                        free(k);
                        free(v);
                        berth_http_query_done(ret);
                        return berth_error_set(err, EINVAL, "malformed query string");
                }
                if (!allowed_key(allowed, k) || berth_http_query_get(ret, k) ||
                    ret->n >= BERTH_HTTP_QUERY_MAX) {
                        int r = berth_error_set(err, EINVAL,
                                                !allowed_key(allowed, k)
                                                        ? "unknown query parameter '%.64s'"
                                                : berth_http_query_get(ret, k)
                                                        ? "query parameter '%.64s' is given twice"
                                                        : "too many query parameters at '%.64s'",
                                                k);
                        free(k);
                        free(v);
                        berth_http_query_done(ret);
                        return r;
                }
                ret->keys[ret->n] = k;
                ret->values[ret->n++] = v;
                p += n;
                if (*p == '&')
                        p++;
        }
        return 0;
}

const char *berth_http_query_get(const struct berth_http_query *q, const char *key)
{
        for (size_t i = 0; i < q->n; i++)
                if (streq(q->keys[i], key))
                        return q->values[i];
        return NULL;
}

int berth_http_query_u64(const struct berth_http_query *q, const char *key, uint64_t *ret,
                         struct berth_error *err)
{
        const char *v = berth_http_query_get(q, key);
        char *end;
        unsigned long long x;

        if (!v)
                return 0;
        errno = 0;
        if (!isdigit((unsigned char)v[0]) || (x = strtoull(v, &end, 10), errno != 0) || *end ||
            x > INT64_MAX)
                return berth_error_set(err, EINVAL,
                                       "%s in query must be a non-negative integer: \"%.32s\"", key,
                                       v);
        *ret = x;
        return 1;
}

int berth_http_query_bool(const struct berth_http_query *q, const char *key, bool *ret,
                          struct berth_error *err)
{
        const char *v = berth_http_query_get(q, key);

        if (!v)
                return 0;
        if (streq(v, "true") || streq(v, "1") || streq(v, ""))
                *ret = true;
        else if (streq(v, "false") || streq(v, "0"))
                *ret = false;
        else
                return berth_error_set(err, EINVAL, "%s in query must be true or false: \"%.32s\"",
                                       key, v);
        return 1;
}

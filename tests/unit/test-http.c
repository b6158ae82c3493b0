/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP layer without a network: src/http/reply.c (query strings, errno mapping,
 * replies, body decoding) and src/http/router.c (matching, 404/405/OPTIONS/HEAD),
 * driven through a fake transport that records what would go on the wire.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "error.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "request-parse.h"

/* ---- fake transport ------------------------------------------------------------- */

#define FAKE_HEADERS_MAX 16

struct fake_conn {
        /* request */
        const char *content_type;
        const char *body;
        size_t body_len;
        size_t pos;
        size_t chunk;   /* largest read() result, 0: no limit */
        int read_error; /* when < 0, read() fails with it */
        size_t n_reads;
        const char *req_headers[8][2]; /* more request headers: name, value */

        /* response */
        int n_responses;
        int status;
        char *hdr_names[FAKE_HEADERS_MAX];
        char *hdr_values[FAKE_HEADERS_MAX];
        size_t n_headers;
        bool body_null;
        char *out;
        size_t out_len;
};

static ssize_t fake_read(void *conn, void *buf, size_t len)
{
        struct fake_conn *c = conn;
        size_t n = c->body_len - c->pos;

        c->n_reads++;
        if (c->read_error < 0)
                return c->read_error;
        if (n > len)
                n = len;
        if (c->chunk && n > c->chunk)
                n = c->chunk;
        memcpy(buf, c->body + c->pos, n);
        c->pos += n;
        return (ssize_t)n;
}

static int fake_respond(void *conn, int status, const struct berth_http_header *headers,
                        size_t n_headers, const void *body, size_t len)
{
        struct fake_conn *c = conn;

        c->n_responses++;
        if (c->n_responses > 1)
                return 0; /* keep the first response for the assertions */
        c->status = status;
        ck_assert_uint_le(n_headers, FAKE_HEADERS_MAX);
        for (size_t i = 0; i < n_headers; i++) {
                c->hdr_names[i] = strdup(headers[i].name);
                c->hdr_values[i] = strdup(headers[i].value);
                ck_assert(c->hdr_names[i] && c->hdr_values[i]);
        }
        c->n_headers = n_headers;
        c->body_null = body == NULL;
        c->out_len = len;
        if (body) {
                c->out = malloc(len + 1);
                ck_assert_ptr_nonnull(c->out);
                memcpy(c->out, body, len);
                c->out[len] = 0;
        }
        return 0;
}

static const char *fake_header(void *conn, const char *name)
{
        struct fake_conn *c = conn;

        if (strcasecmp(name, "Content-Type") == 0)
                return c->content_type;
        for (size_t i = 0; i < ELEMENTSOF(c->req_headers) && c->req_headers[i][0]; i++)
                if (strcasecmp(name, c->req_headers[i][0]) == 0)
                        return c->req_headers[i][1];
        return NULL;
}

static const struct berth_http_transport fake_transport = {
        .name = "fake",
        .read = fake_read,
        .respond = fake_respond,
        .header = fake_header,
};

/* The same over the unix socket. */
static const struct berth_http_transport fake_unix_transport = {
        .name = "fake-unix",
        .unix_socket = true,
        .read = fake_read,
        .respond = fake_respond,
        .header = fake_header,
};

static void fake_done(struct fake_conn *c)
{
        for (size_t i = 0; i < c->n_headers; i++) {
                free(c->hdr_names[i]);
                free(c->hdr_values[i]);
        }
        free(c->out);
        *c = (struct fake_conn){};
}

/* A response header; NULL when absent. */
static const char *sent_header(const struct fake_conn *c, const char *name)
{
        for (size_t i = 0; i < c->n_headers; i++)
                if (strcasecmp(c->hdr_names[i], name) == 0)
                        return c->hdr_values[i];
        return NULL;
}

static void req_init(struct berth_http_request *req, struct fake_conn *c, const char *method,
                     const char *path, const char *body)
{
        c->body = body;
        c->body_len = body ? strlen(body) : 0;
        *req = (struct berth_http_request){
                .method = method,
                .path = path,
                .content_length = (long long)c->body_len,
                .remote = "test",
                .transport = &fake_transport,
                .conn = c,
                .id = 1,
        };
}

/* The response body as JSON (the test fails when it is not). */
static json_t *sent_json(const struct fake_conn *c)
{
        json_error_t e;
        json_t *j;

        ck_assert_msg(c->out, "no response body");
        j = json_loadb(c->out, c->out_len, JSON_REJECT_DUPLICATES, &e);
        ck_assert_msg(j, "response body is not JSON: '%s': %s", c->out, e.text);
        return j;
}

/* The body must be exactly {"code":status,"message":msg}. */
static void assert_default_error(const struct fake_conn *c, int status, const char *msg)
{
        json_t *j = sent_json(c);
        json_t *want = json_pack("{s:i, s:s}", "code", status, "message", msg);
        char *got = json_dumps(j, JSON_COMPACT);

        ck_assert_int_eq(c->status, status);
        ck_assert_str_eq(sent_header(c, "Content-Type"), "application/json");
        ck_assert_msg(json_equal(j, want), "unexpected error body %s", got);
        free(got);
        json_decref(want);
        json_decref(j);
}

/* ---- a fake API ------------------------------------------------------------------ */

struct api_state {
        int calls;
        const char *handler;
        char captures[BERTH_HTTP_CAPTURES_MAX][64];
        size_t n_captures;
        int second_reply;
};

static struct api_state state;

static void record(struct berth_http_request *req, void *userdata, const char *name)
{
        struct api_state *s = userdata;

        ck_assert_ptr_eq(s, &state);
        s->calls++;
        s->handler = name;
        s->n_captures = req->n_captures;
        for (size_t i = 0; i < req->n_captures; i++) {
                ck_assert_uint_lt(strlen(req->captures[i]), sizeof(s->captures[i]));
                strcpy(s->captures[i], req->captures[i]);
        }
}

static void h_list(struct berth_http_request *req, void *userdata)
{
        record(req, userdata, "list");
        (void)berth_http_reply_json(req, 200, json_pack("{s:[s,s]}", "things", "a", "b"));
}

static void h_create(struct berth_http_request *req, void *userdata)
{
        struct berth_error err = {};
        json_t *j = NULL;

        record(req, userdata, "create");
        if (berth_http_read_json(req, 1024, &j, &err) < 0) {
                (void)berth_http_reply_berror(req, &err);
                return;
        }
        (void)berth_http_reply_json(req, 201, j);
}

static void h_get(struct berth_http_request *req, void *userdata)
{
        record(req, userdata, "get");
        (void)berth_http_reply_json(req, 200, json_pack("{s:s}", "id", req->captures[0]));
}

static void h_delete_silent(struct berth_http_request *req, void *userdata)
{
        /* Forgets to reply: the dispatcher must answer 500. */
        record(req, userdata, "delete");
}

static void h_part(struct berth_http_request *req, void *userdata)
{
        record(req, userdata, "part");
        (void)berth_http_reply(req, 204, NULL, NULL, 0, NULL, 0);
}

static void h_twice(struct berth_http_request *req, void *userdata)
{
        struct api_state *s = userdata;

        record(req, userdata, "twice");
        (void)berth_http_reply_json(req, 200, json_pack("{}"));
        s->second_reply = berth_http_reply_json(req, 201, json_pack("{}"));
}

static const struct berth_http_route v1_routes[] = {
        { "GET", "/v1/things", h_list },
        { "POST", "/v1/things", h_create },
        { "GET", "/v1/things/{id}", h_get },
        { "DELETE", "/v1/things/{id}", h_delete_silent },
        { "GET", "/v1/things/{id}/parts/{part}", h_part },
        { "PUT", "/v1/twice", h_twice },
};

static const struct berth_http_api v1_api = {
        .name = "v1",
        .prefix = "/v1",
        .routes = v1_routes,
        .n_routes = ELEMENTSOF(v1_routes),
        .error_body = NULL,
        .userdata = &state,
};

/* A second API with its own error schema. */
static json_t *v2_error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        return json_pack("{s:{s:i, s:s}}", "error", "status", *status, "detail", msg);
}

static void h_v2_busy(struct berth_http_request *req, void *userdata)
{
        record(req, userdata, "v2-busy");
        (void)berth_http_reply_error(req, 409, "busy %d", 7);
}

static const struct berth_http_route v2_routes[] = {
        { "GET", "/v2/items", h_v2_busy },
};

static const struct berth_http_api v2_api = {
        .name = "v2",
        .prefix = "/v2",
        .routes = v2_routes,
        .n_routes = ELEMENTSOF(v2_routes),
        .error_body = v2_error_body,
        .userdata = &state,
};

/* Public documents: browsers may fetch them. */
static const struct berth_http_route doc_routes[] = {
        { "GET", "/docs", h_list },
};

static const struct berth_http_api doc_api = {
        .name = "docs",
        .prefix = "/docs",
        .routes = doc_routes,
        .n_routes = ELEMENTSOF(doc_routes),
        .userdata = &state,
        .browser_safe = true,
};

static struct berth_http_router *router;

static void router_setup(void)
{
        state = (struct api_state){};
        ck_assert_int_eq(berth_http_router_new(&router), 0);
        /* v1 first: it is the fallback for paths under no prefix. */
        ck_assert_int_eq(berth_http_router_add_api(router, &v1_api), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &v2_api), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &doc_api), 0);
}

static void router_teardown(void)
{
        router = berth_http_router_free(router);
}

/* Dispatch one request; c receives the response. */
static void dispatch(struct fake_conn *c, const char *method, const char *path, const char *body,
                     const char *content_type)
{
        struct berth_http_request req;

        req_init(&req, c, method, path, body);
        c->content_type = content_type;
        berth_http_dispatch(router, &req);
        ck_assert_msg(c->n_responses == 1, "%s %s: %d responses sent", method, path,
                      c->n_responses);
        ck_assert_int_eq(req.status, c->status);
        ck_assert_uint_eq(req.n_captures, 0); /* freed by the dispatcher */
}

/* Dispatch with request headers (NULL-terminated name, value pairs). */
static void dispatch_headers(struct fake_conn *c, bool unix_socket, const char *method,
                             const char *path, ...)
{
        struct berth_http_request req;
        const char *name;
        size_t n = 0;
        va_list ap;

        req_init(&req, c, method, path, NULL);
        if (unix_socket)
                req.transport = &fake_unix_transport;
        va_start(ap, path);
        while ((name = va_arg(ap, const char *))) {
                ck_assert_uint_lt(n, ELEMENTSOF(c->req_headers));
                c->req_headers[n][0] = name;
                c->req_headers[n++][1] = va_arg(ap, const char *);
        }
        va_end(ap);
        berth_http_dispatch(router, &req);
        ck_assert_int_eq(c->n_responses, 1);
}

/* ---- percent-decoding and query strings ------------------------------------------ */

static void unescape_eq(const char *src, size_t len, bool plus, const char *want)
{
        char *s = berth_http_unescape(src, len, plus);

        if (!want) {
                ck_assert_msg(s == NULL, "'%s' should be refused, got '%s'", src, s);
                return;
        }
        ck_assert_msg(s, "'%s' should decode to '%s'", src, want);
        ck_assert_str_eq(s, want);
        free(s);
}

START_TEST(test_unescape)
{
        unescape_eq("%41", 3, false, "A");
        unescape_eq("a%41b", 5, false, "aAb");
        unescape_eq("%6a%6A", 6, false, "jj");
        unescape_eq("%2F%2b", 6, false, "/+");
        unescape_eq("%ff", 3, false, "\xff");
        unescape_eq("a+b", 3, true, "a b");
        unescape_eq("a+b", 3, false, "a+b");
        unescape_eq("%2B", 3, true, "+");
        unescape_eq("", 0, false, "");
        unescape_eq("abc", 2, false, "ab");

        /* Malformed escapes. */
        unescape_eq("%4", 2, false, NULL);
        unescape_eq("%", 1, false, NULL);
        unescape_eq("a%", 2, false, NULL);
        unescape_eq("%zz", 3, false, NULL);
        unescape_eq("%4g", 3, false, NULL);
        unescape_eq("%g4", 3, false, NULL);
        /* len cuts the escape short. */
        unescape_eq("%41", 2, false, NULL);
        /* NUL, encoded or raw, never gets through. */
        unescape_eq("%00", 3, false, NULL);
        unescape_eq("a%00b", 5, false, NULL);
        unescape_eq("ab\0cd", 5, false, NULL);
}
END_TEST

static const char *const allowed[] = { "a", "b", "force", "size", "name", NULL };

static void query_ok(const char *query, struct berth_http_query *q)
{
        struct berth_error err = {};
        int r = berth_http_query_parse(query, allowed, q, &err);

        ck_assert_msg(r == 0, "'%s': %d %s", query ? query : "(null)", r, err.msg);
}

static void query_bad(const char *query, const char *needle)
{
        struct berth_http_query q;
        struct berth_error err = {};
        int r = berth_http_query_parse(query, allowed, &q, &err);

        ck_assert_msg(r == -EINVAL, "'%s': expected -EINVAL, got %d", query, r);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_uint_eq(q.n, 0);
        ck_assert_msg(strstr(err.msg, needle), "'%s': message '%s' lacks '%s'", query, err.msg,
                      needle);
}

START_TEST(test_query_parse)
{
        struct berth_http_query q;

        query_ok(NULL, &q);
        ck_assert_uint_eq(q.n, 0);
        ck_assert_ptr_null(berth_http_query_get(&q, "a"));
        query_ok("", &q);
        ck_assert_uint_eq(q.n, 0);

        query_ok("a=1&b=2", &q);
        ck_assert_uint_eq(q.n, 2);
        ck_assert_str_eq(berth_http_query_get(&q, "a"), "1");
        ck_assert_str_eq(berth_http_query_get(&q, "b"), "2");
        ck_assert_ptr_null(berth_http_query_get(&q, "size"));
        berth_http_query_done(&q);
        ck_assert_uint_eq(q.n, 0);

        /* Empty pairs are skipped. */
        query_ok("a=1&&b=2", &q);
        ck_assert_uint_eq(q.n, 2);
        ck_assert_str_eq(berth_http_query_get(&q, "b"), "2");
        berth_http_query_done(&q);
        query_ok("&a=1&", &q);
        ck_assert_uint_eq(q.n, 1);
        berth_http_query_done(&q);

        /* A key without '=' has the empty value. */
        query_ok("force&a=", &q);
        ck_assert_uint_eq(q.n, 2);
        ck_assert_str_eq(berth_http_query_get(&q, "force"), "");
        ck_assert_str_eq(berth_http_query_get(&q, "a"), "");
        berth_http_query_done(&q);

        /* Values (and keys) are percent-decoded, '+' is a space; '=' in a value stays. */
        query_ok("name=x%20y+z%2Bw&%61=1=2", &q);
        ck_assert_str_eq(berth_http_query_get(&q, "name"), "x y z+w");
        ck_assert_str_eq(berth_http_query_get(&q, "a"), "1=2");
        berth_http_query_done(&q);
}
END_TEST

START_TEST(test_query_bad)
{
        query_bad("c=1", "'c'");
        query_bad("a=1&other=2", "'other'");
        query_bad("A=1", "'A'");
        query_bad("a=1&a=2", "twice");
        query_bad("force&force", "twice");
        query_bad("a=%zz", "malformed");
        query_bad("a=%00", "malformed");
        query_bad("a=%4", "malformed");
        query_bad("%zz=1", "malformed");
}
END_TEST

START_TEST(test_query_too_many)
{
        const char *many_keys[BERTH_HTTP_QUERY_MAX + 3] = {};
        char names[BERTH_HTTP_QUERY_MAX + 2][8];
        char query[512] = "";
        struct berth_http_query q;
        struct berth_error err = {};
        int r;

        /* More allowed keys than slots: the limit itself must hold. */
        for (size_t i = 0; i < BERTH_HTTP_QUERY_MAX + 2; i++) {
                (void)snprintf(names[i], sizeof(names[i]), "k%zu", i);
                many_keys[i] = names[i];
        }
        for (size_t i = 0; i < BERTH_HTTP_QUERY_MAX; i++) {
                size_t n = strlen(query);
                (void)snprintf(query + n, sizeof(query) - n, "%sk%zu=%zu", i ? "&" : "", i, i);
        }
        r = berth_http_query_parse(query, many_keys, &q, &err);
        ck_assert_msg(r == 0, "%d %s", r, err.msg);
        ck_assert_uint_eq(q.n, BERTH_HTTP_QUERY_MAX);
        ck_assert_str_eq(berth_http_query_get(&q, "k15"), "15");
        berth_http_query_done(&q);

        strcat(query, "&k16=16");
        r = berth_http_query_parse(query, many_keys, &q, &err);
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_uint_eq(q.n, 0);
        /* Note: the message for this case reads "unknown query parameter 'k16'"
         * although k16 is allowed; only the errno is asserted here. */
        ck_assert_msg(strstr(err.msg, "k16"), "message '%s' does not name k16", err.msg);
}
END_TEST

START_TEST(test_query_u64)
{
        static const char *const bad[] = { "n=-1", "n=1.5", "n=18446744073709551616",
                                           "n=",   "n=+5",  "n=%205",
                                           "n=5x", "n=0x10" };
        static const char *const n_only[] = { "n", "m", NULL };
        struct berth_http_query q;
        struct berth_error err = {};
        uint64_t v;

        ck_assert_int_eq(berth_http_query_parse("n=0&m=123", n_only, &q, NULL), 0);
        v = 42;
        ck_assert_int_eq(berth_http_query_u64(&q, "n", &v, &err), 1);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(berth_http_query_u64(&q, "m", &v, &err), 1);
        ck_assert_uint_eq(v, 123);
        berth_http_query_done(&q);

        ck_assert_int_eq(berth_http_query_parse("n=9223372036854775807", n_only, &q, NULL), 0);
        ck_assert_int_eq(berth_http_query_u64(&q, "n", &v, &err), 1);
        ck_assert_uint_eq(v, INT64_MAX);
        berth_http_query_done(&q);

        /* Absent: 0 and v untouched. */
        ck_assert_int_eq(berth_http_query_parse("m=1", n_only, &q, NULL), 0);
        v = 42;
        ck_assert_int_eq(berth_http_query_u64(&q, "n", &v, &err), 0);
        ck_assert_uint_eq(v, 42);
        ck_assert_int_eq(err.code, 0);
        berth_http_query_done(&q);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                berth_error_clear(&err);
                ck_assert_int_eq(berth_http_query_parse(bad[i], n_only, &q, NULL), 0);
                v = 42;
                ck_assert_msg(berth_http_query_u64(&q, "n", &v, &err) == -EINVAL,
                              "'%s' should be refused", bad[i]);
                ck_assert_uint_eq(v, 42);
                ck_assert_int_eq(err.code, -EINVAL);
                ck_assert_msg(strstr(err.msg, "n in query"), "message '%s'", err.msg);
                berth_http_query_done(&q);
        }
}
END_TEST

static int query_bool(const char *query, bool *v, struct berth_error *err)
{
        static const char *const f_only[] = { "force", NULL };
        struct berth_http_query q;
        int r;

        ck_assert_int_eq(berth_http_query_parse(query, f_only, &q, NULL), 0);
        r = berth_http_query_bool(&q, "force", v, err);
        berth_http_query_done(&q);
        return r;
}

START_TEST(test_query_bool)
{
        struct berth_error err = {};
        bool v;

        v = false;
        ck_assert_int_eq(query_bool("force=true", &v, &err), 1);
        ck_assert(v);
        v = false;
        ck_assert_int_eq(query_bool("force=1", &v, &err), 1);
        ck_assert(v);
        v = false;
        ck_assert_int_eq(query_bool("force=", &v, &err), 1);
        ck_assert(v);
        v = false;
        ck_assert_int_eq(query_bool("force", &v, &err), 1);
        ck_assert(v);
        v = true;
        ck_assert_int_eq(query_bool("force=false", &v, &err), 1);
        ck_assert(!v);
        v = true;
        ck_assert_int_eq(query_bool("force=0", &v, &err), 1);
        ck_assert(!v);

        v = true;
        ck_assert_int_eq(query_bool("", &v, &err), 0);
        ck_assert(v);
        ck_assert_int_eq(err.code, 0);

        v = true;
        ck_assert_int_eq(query_bool("force=maybe", &v, &err), -EINVAL);
        ck_assert(v);
        ck_assert_int_eq(err.code, -EINVAL);
        ck_assert_msg(strstr(err.msg, "maybe"), "message '%s'", err.msg);
        ck_assert_int_eq(query_bool("force=yes", &v, NULL), -EINVAL);
        ck_assert_int_eq(query_bool("force=2", &v, NULL), -EINVAL);
}
END_TEST

START_TEST(test_status_from_errno)
{
        static const struct {
                int err;
                int status;
        } map[] = {
                { ENOENT, 404 },     { EEXIST, 409 },    { EBUSY, 409 },    { EBADMSG, 400 },
                { EINVAL, 422 },     { EROFS, 422 },     { EMSGSIZE, 413 }, { EMEDIUMTYPE, 415 },
                { EOPNOTSUPP, 501 }, { EPERM, 403 },     { EACCES, 403 },   { ENOSPC, 507 },
                { EIO, 500 },        { ENOMEM, 500 },    { ELOOP, 500 },    { EAGAIN, 500 },
                { ENOTDIR, 500 },    { ENOTEMPTY, 500 }, { EISDIR, 500 },   { ENXIO, 500 },
                { 0, 500 },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                ck_assert_msg(berth_http_status_from_errno(-map[i].err) == map[i].status,
                              "-%d should map to %d, got %d", map[i].err, map[i].status,
                              berth_http_status_from_errno(-map[i].err));
                /* The sign does not matter. */
                ck_assert_int_eq(berth_http_status_from_errno(map[i].err), map[i].status);
        }
        ck_assert_int_eq(berth_http_status_from_errno(-ENOTSUP), 501);
}
END_TEST

START_TEST(test_format_head)
{
        const struct berth_http_header h[] = { { "Content-Type", "application/json" },
                                               { "Allow", "GET, POST" } };
        char buf[512], small[40];
        ssize_t n;

        n = berth_http_format_head(buf, sizeof(buf), 422, h, ELEMENTSOF(h), 17, true);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq((size_t)n, strlen(buf));
        ck_assert_msg(
                strncmp(buf,
                        "HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: "
                        "application/json\r\nAllow: GET, POST\r\nContent-Length: 17\r\nDate: ",
                        strlen("HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: "
                               "application/json\r\nAllow: GET, POST\r\nContent-Length: "
                               "17\r\nDate: ")) == 0,
                "%s", buf);
        ck_assert_msg(strstr(buf, " GMT\r\nConnection: keep-alive\r\n\r\n"), "%s", buf);
        ck_assert_str_eq(buf + n - 4, "\r\n\r\n");

        /* A stream has no length and closes. */
        n = berth_http_format_head(buf, sizeof(buf), 200, h, 1, BERTH_HTTP_STREAM, false);
        ck_assert_int_gt(n, 0);
        ck_assert_ptr_null(strstr(buf, "Content-Length"));
        ck_assert_ptr_nonnull(strstr(buf, "Connection: close\r\n\r\n"));

        /* Too small at every step: an error, never a cut head. */
        for (size_t size = 1; size < sizeof(small); size++)
                ck_assert_int_eq(
                        berth_http_format_head(small, size, 200, h, ELEMENTSOF(h), 0, true),
                        -ENOBUFS);
}
END_TEST

/* ---- router ------------------------------------------------------------------------ */

START_TEST(test_route_match)
{
        struct fake_conn c = {};
        json_t *j;

        dispatch(&c, "GET", "/v1/things", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_int_eq(state.calls, 1);
        ck_assert_str_eq(state.handler, "list");
        ck_assert_uint_eq(state.n_captures, 0);
        ck_assert_str_eq(sent_header(&c, "Content-Type"), "application/json");
        ck_assert_str_eq(sent_header(&c, "Cache-Control"), "no-store");
        /* Compact JSON and one trailing newline. */
        ck_assert_str_eq(c.out, "{\"things\":[\"a\",\"b\"]}\n");
        ck_assert_uint_eq(c.out_len, strlen(c.out));
        fake_done(&c);

        dispatch(&c, "GET", "/v1/things/abc", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_str_eq(state.handler, "get");
        ck_assert_uint_eq(state.n_captures, 1);
        ck_assert_str_eq(state.captures[0], "abc");
        j = sent_json(&c);
        ck_assert_str_eq(json_string_value(json_object_get(j, "id")), "abc");
        json_decref(j);
        fake_done(&c);

        /* The path is decoded by the transport; the router does not decode again. */
        dispatch(&c, "GET", "/v1/things/a%41b", NULL, NULL);
        ck_assert_str_eq(state.handler, "get");
        ck_assert_str_eq(state.captures[0], "a%41b");
        fake_done(&c);

        dispatch(&c, "GET", "/v1/things/x1/parts/p2", NULL, NULL);
        ck_assert_int_eq(c.status, 204);
        ck_assert_str_eq(state.handler, "part");
        ck_assert_uint_eq(state.n_captures, 2);
        ck_assert_str_eq(state.captures[0], "x1");
        ck_assert_str_eq(state.captures[1], "p2");
        ck_assert_ptr_null(sent_header(&c, "Content-Type"));
        fake_done(&c);

        /* POST reads its body through the transport. */
        dispatch(&c, "POST", "/v1/things", "{\"name\":\"n1\"}", "application/json");
        ck_assert_int_eq(c.status, 201);
        ck_assert_str_eq(state.handler, "create");
        ck_assert_str_eq(c.out, "{\"name\":\"n1\"}\n");
        ck_assert_int_eq(state.calls, 5);
        fake_done(&c);
}
END_TEST

START_TEST(test_trailing_slash)
{
        struct fake_conn c = {};

        dispatch(&c, "GET", "/v1/things/", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_str_eq(state.handler, "list");
        fake_done(&c);

        dispatch(&c, "GET", "/v1/things/abc/", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_str_eq(state.handler, "get");
        ck_assert_str_eq(state.captures[0], "abc");
        fake_done(&c);
        ck_assert_int_eq(state.calls, 2);
}
END_TEST

START_TEST(test_not_found)
{
        static const char *const paths[] = { "/v1/thing",          "/v1/thingsX", "/v1/things/a/b",
                                             "/v1/things/a/parts", "/v1",         "/" };
        struct fake_conn c = {};

        dispatch(&c, "GET", "/x", NULL, NULL);
        assert_default_error(&c, 404, "path /x was not found");
        ck_assert_ptr_null(sent_header(&c, "Allow"));
        ck_assert(c.out_len > 0 && c.out[c.out_len - 1] == '\n');
        fake_done(&c);

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                char msg[128];

                (void)snprintf(msg, sizeof(msg), "path %s was not found", paths[i]);
                dispatch(&c, "GET", paths[i], NULL, NULL);
                assert_default_error(&c, 404, msg);
                fake_done(&c);
        }
        ck_assert_int_eq(state.calls, 0);
}
END_TEST

START_TEST(test_method_not_allowed)
{
        struct fake_conn c = {};
        json_t *j;

        dispatch(&c, "PUT", "/v1/things", "{}", "application/json");
        ck_assert_int_eq(c.status, 405);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET, POST");
        ck_assert_str_eq(sent_header(&c, "Content-Type"), "application/json");
        j = sent_json(&c);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "code")), 405);
        ck_assert_msg(strstr(json_string_value(json_object_get(j, "message")), "PUT"),
                      "405 message does not name the method: %s", c.out);
        json_decref(j);
        fake_done(&c);

        dispatch(&c, "POST", "/v1/things/abc", "{}", "application/json");
        ck_assert_int_eq(c.status, 405);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET, DELETE");
        fake_done(&c);

        dispatch(&c, "DELETE", "/v1/things/abc/parts/x/", NULL, NULL);
        ck_assert_int_eq(c.status, 405);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET");
        fake_done(&c);

        ck_assert_int_eq(state.calls, 0);
}
END_TEST

START_TEST(test_options)
{
        struct fake_conn c = {};

        dispatch(&c, "OPTIONS", "/v1/things", NULL, NULL);
        ck_assert_int_eq(c.status, 204);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET, POST");
        ck_assert_uint_eq(c.out_len, 0);
        fake_done(&c);

        dispatch(&c, "OPTIONS", "/v1/things/1", NULL, NULL);
        ck_assert_int_eq(c.status, 204);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET, DELETE");
        fake_done(&c);

        dispatch(&c, "OPTIONS", "/nowhere", NULL, NULL);
        ck_assert_int_eq(c.status, 404);
        fake_done(&c);
        ck_assert_int_eq(state.calls, 0);
}
END_TEST

START_TEST(test_head)
{
        struct fake_conn c = {};
        size_t get_len;

        dispatch(&c, "GET", "/v1/things/abc", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert(!c.body_null);
        get_len = c.out_len;
        fake_done(&c);

        dispatch(&c, "HEAD", "/v1/things/abc", NULL, NULL);
        ck_assert_int_eq(state.calls, 2);
        ck_assert_str_eq(state.handler, "get");
        ck_assert_int_eq(c.status, 200);
        /* Same headers and Content-Length as GET, no body. */
        ck_assert_msg(c.body_null, "HEAD sent a body");
        ck_assert_uint_eq(c.out_len, get_len);
        ck_assert_str_eq(sent_header(&c, "Content-Type"), "application/json");
        fake_done(&c);

        /* Errors on HEAD have no body either. */
        dispatch(&c, "HEAD", "/x", NULL, NULL);
        ck_assert_int_eq(c.status, 404);
        ck_assert(c.body_null);
        ck_assert_uint_gt(c.out_len, 0);
        fake_done(&c);
}
END_TEST

START_TEST(test_handler_sends_nothing)
{
        struct fake_conn c = {};

        dispatch(&c, "DELETE", "/v1/things/abc", NULL, NULL);
        ck_assert_int_eq(state.calls, 1);
        ck_assert_str_eq(state.handler, "delete");
        ck_assert_str_eq(state.captures[0], "abc");
        assert_default_error(&c, 500, "handler sent no response");
        fake_done(&c);
}
END_TEST

START_TEST(test_reply_twice)
{
        struct fake_conn c = {};

        dispatch(&c, "PUT", "/v1/twice", NULL, NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_int_eq(state.second_reply, -EALREADY);
        fake_done(&c);
}
END_TEST

START_TEST(test_custom_error_body)
{
        struct fake_conn c = {};
        json_t *j, *want;

        /* A handler's error goes through the API's error_body. */
        dispatch(&c, "GET", "/v2/items", NULL, NULL);
        ck_assert_int_eq(c.status, 409);
        ck_assert_str_eq(state.handler, "v2-busy");
        j = sent_json(&c);
        want = json_pack("{s:{s:i, s:s}}", "error", "status", 409, "detail", "busy 7");
        ck_assert_msg(json_equal(j, want), "unexpected body %s", c.out);
        json_decref(want);
        json_decref(j);
        fake_done(&c);

        /* So do the router's own 404 and 405 under that API's prefix. */
        dispatch(&c, "GET", "/v2/nothing", NULL, NULL);
        ck_assert_int_eq(c.status, 404);
        j = sent_json(&c);
        want = json_pack("{s:{s:i, s:s}}", "error", "status", 404, "detail",
                         "path /v2/nothing was not found");
        ck_assert_msg(json_equal(j, want), "unexpected body %s", c.out);
        json_decref(want);
        json_decref(j);
        fake_done(&c);

        dispatch(&c, "POST", "/v2/items", "{}", "application/json");
        ck_assert_int_eq(c.status, 405);
        ck_assert_str_eq(sent_header(&c, "Allow"), "GET");
        j = sent_json(&c);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "error"), "status")),
                         405);
        ck_assert_ptr_null(json_object_get(j, "code"));
        json_decref(j);
        fake_done(&c);

        /* Paths under no prefix use the first API's (default) format. */
        dispatch(&c, "GET", "/v3/x", NULL, NULL);
        assert_default_error(&c, 404, "path /v3/x was not found");
        fake_done(&c);
}
END_TEST

START_TEST(test_reply_berror)
{
        struct fake_conn c = {};
        struct berth_http_request req;
        struct berth_error err = {};

        req_init(&req, &c, "GET", "/v1/things/x", NULL);
        (void)berth_error_set(&err, ENOENT, "thing 'x' does not exist");
        ck_assert_int_eq(berth_http_reply_berror(&req, &err), 0);
        assert_default_error(&c, 404, "thing 'x' does not exist");
        ck_assert_int_eq(req.status, 404);
        fake_done(&c);

        /* No code, no message: 500 and a generic message. */
        req_init(&req, &c, "GET", "/v1/things/x", NULL);
        berth_error_clear(&err);
        ck_assert_int_eq(berth_http_reply_berror(&req, &err), 0);
        assert_default_error(&c, 500, "internal error");
        fake_done(&c);
}
END_TEST

/* ---- precedence: literal segments win over captures ------------------------------- */

static void h_named(struct berth_http_request *req, void *userdata, const char *name, int status)
{
        record(req, userdata, name);
        (void)berth_http_reply(req, status, NULL, NULL, 0, NULL, 0);
}

static void h_src(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "src", 200);
}

static void h_src_list(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "src-list", 200);
}

static void h_src_deep(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "src-deep", 200);
}

static void h_pod_list(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "pod-list", 200);
}

static void h_pod_create(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "pod-create", 201);
}

static void h_api_verb(struct berth_http_request *req, void *userdata)
{
        h_named(req, userdata, "api-verb", 200);
}

/* A front door of captures only (SRC's /{facility}/{verb}). */
static const struct berth_http_route capture_routes[] = {
        { "POST", "/{facility}/{verb}", h_src },
        { "GET", "/{facility}/list", h_src_list },
        { "POST", "/{facility}/v2/{verb}", h_src_deep },
};

static const struct berth_http_api capture_api = {
        .name = "src",
        .prefix = "/",
        .routes = capture_routes,
        .n_routes = ELEMENTSOF(capture_routes),
        .userdata = &state,
};

/* A door of literal paths beside it (the pods door). */
static const struct berth_http_route literal_routes[] = {
        { "GET", "/api/v2/pod", h_pod_list },
        { "POST", "/api/v2/pod", h_pod_create },
        { "GET", "/api/{verb}", h_api_verb },
};

static const struct berth_http_api literal_api = {
        .name = "pods",
        .prefix = "/api",
        .routes = literal_routes,
        .n_routes = ELEMENTSOF(literal_routes),
        .userdata = &state,
};

static void precedence_setup(void)
{
        state = (struct api_state){};
        router = NULL;
}

static void router_with(const struct berth_http_api *first, const struct berth_http_api *second)
{
        router = berth_http_router_free(router);
        ck_assert_int_eq(berth_http_router_new(&router), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, first), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, second), 0);
}

/* Dispatch; the handler that ran (NULL: none) and the status. */
static void routes_to(const char *method, const char *path, const char *handler, int status)
{
        struct fake_conn c = {};
        int calls = state.calls;

        state.handler = NULL;
        dispatch(&c, method, path, NULL, NULL);
        ck_assert_msg(c.status == status, "%s %s: status %d, not %d", method, path, c.status,
                      status);
        if (handler) {
                ck_assert_int_eq(state.calls, calls + 1);
                ck_assert_msg(state.handler && streq(state.handler, handler),
                              "%s %s: handler %s, not %s", method, path,
                              state.handler ? state.handler : "(none)", handler);
        } else
                ck_assert_int_eq(state.calls, calls);
        fake_done(&c);
}

static void allows(const char *method, const char *path, const char *allow)
{
        struct fake_conn c = {};

        dispatch(&c, method, path, NULL, NULL);
        ck_assert_int_eq(c.status, 405);
        ck_assert_str_eq(sent_header(&c, "Allow"), allow);
        fake_done(&c);
}

static void check_precedence(void)
{
        /* Literal paths are the literal door's, though its routes were added last. */
        routes_to("POST", "/api/v2/pod", "pod-create", 201);
        routes_to("GET", "/api/v2/pod", "pod-list", 200);
        routes_to("HEAD", "/api/v2/pod", "pod-list", 200);
        /* The first segment where they differ decides: "api" against {facility}, though
         * the capture route has a literal after it. */
        routes_to("GET", "/api/list", "api-verb", 200);
        ck_assert_uint_eq(state.n_captures, 1);
        ck_assert_str_eq(state.captures[0], "list");

        /* Where no literal matches, the captures still do. */
        routes_to("POST", "/sys/status", "src", 200);
        ck_assert_uint_eq(state.n_captures, 2);
        ck_assert_str_eq(state.captures[0], "sys");
        ck_assert_str_eq(state.captures[1], "status");
        routes_to("GET", "/sys/list", "src-list", 200);
        routes_to("POST", "/ops/v2/restart", "src-deep", 200);
        ck_assert_str_eq(state.captures[1], "restart");

        /* A method the literal routes of a path lack goes to a capture route that has it. */
        routes_to("POST", "/api/list", "src", 200);
        ck_assert_str_eq(state.captures[0], "api");

        /* 405: the path matches, the method does not; Allow has every method that would. */
        allows("DELETE", "/api/v2/pod", "GET, POST");
        allows("DELETE", "/api/list", "GET, POST");
        allows("GET", "/sys/status", "POST");
        allows("DELETE", "/sys/list", "GET, POST");
        routes_to("PUT", "/ops/v2/restart", NULL, 405);

        /* 404: no pattern matches. */
        routes_to("GET", "/api/v2/pod/x", NULL, 404);
        routes_to("POST", "/a/b/c/d", NULL, 404);
        routes_to("POST", "/sys", NULL, 404);
}

START_TEST(test_literal_wins_added_last)
{
        router_with(&capture_api, &literal_api);
        check_precedence();
}
END_TEST

START_TEST(test_literal_wins_added_first)
{
        router_with(&literal_api, &capture_api);
        check_precedence();
}
END_TEST

struct stat_find {
        const char *route;
        int status;
        uint64_t count;
        size_t n;
};

static int find_stat(const char *route, int status, uint64_t count, double seconds, void *userdata)
{
        struct stat_find *f = userdata;

        f->n++;
        if (streq(route, f->route) && status == f->status)
                f->count = count;
        return 0;
}

/* Requests counted for a route and status; how many series there are. */
static uint64_t stat_count(const char *route, int status, size_t *ret_n)
{
        struct stat_find f = { .route = route, .status = status };

        ck_assert_int_eq(berth_http_router_stats(router, find_stat, &f), 0);
        if (ret_n)
                *ret_n = f.n;
        return f.count;
}

START_TEST(test_precedence_stats)
{
        size_t n = 0;

        /* Statistics name the route that took the request. */
        router_with(&capture_api, &literal_api);
        routes_to("POST", "/api/v2/pod", "pod-create", 201);
        routes_to("POST", "/sys/status", "src", 200);
        routes_to("POST", "/ops/status", "src", 200);
        routes_to("GET", "/a/b/c/d", NULL, 404);
        ck_assert_uint_eq(stat_count("POST /api/v2/pod", 201, &n), 1);
        ck_assert_uint_eq(n, 3);
        ck_assert_uint_eq(stat_count("POST /{facility}/{verb}", 200, NULL), 2);
        ck_assert_uint_eq(stat_count("* (no route)", 404, NULL), 1);
}
END_TEST

/* ---- error bodies are the door's ------------------------------------------------- */

/* A JSON-RPC door: errors are HTTP 200 with an error object that carries the call's
 * id, which the handler keeps in door_data. */
struct rpc_call {
        int id;
};

static json_t *rpc_error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        const struct rpc_call *call = req->door_data;
        json_t *j = json_pack("{s:s, s:o, s:{s:i, s:s, s:{s:i}}}", "jsonrpc", "2.0", "id",
                              call ? json_integer(call->id) : json_null(), "error", "code", -32000,
                              "message", msg, "data", "http_status", *status);

        *status = 200;
        return j;
}

static void h_rpc(struct berth_http_request *req, void *userdata)
{
        struct rpc_call call = { .id = 7 };

        record(req, userdata, "rpc");
        req->door_data = &call;
        (void)berth_http_reply_error(req, 422, "no method %s", "pod.frobnicate");
}

static void h_rpc_silent(struct berth_http_request *req, void *userdata)
{
        static struct rpc_call call = { .id = 9 };

        /* Forgets to reply; the dispatcher's 500 must not see this call's state. */
        record(req, userdata, "rpc-silent");
        req->door_data = &call;
}

static const struct berth_http_route rpc_routes[] = {
        { "POST", "/rpc", h_rpc },
        { "POST", "/rpc/silent", h_rpc_silent },
};

static const struct berth_http_api rpc_api = {
        .name = "jsonrpc",
        .prefix = "/rpc",
        .routes = rpc_routes,
        .n_routes = ELEMENTSOF(rpc_routes),
        .error_body = rpc_error_body,
        .userdata = &state,
};

static void door_setup(void)
{
        state = (struct api_state){};
        ck_assert_int_eq(berth_http_router_new(&router), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &v1_api), 0);
        ck_assert_int_eq(berth_http_router_add_api(router, &rpc_api), 0);
}

/* The reply is HTTP 200 with the door's error object. */
static void assert_rpc_error(const struct fake_conn *c, json_t *id, int http_status,
                             const char *msg)
{
        json_t *j = sent_json(c);
        json_t *want =
                json_pack("{s:s, s:o, s:{s:i, s:s, s:{s:i}}}", "jsonrpc", "2.0", "id", id, "error",
                          "code", -32000, "message", msg, "data", "http_status", http_status);

        ck_assert_int_eq(c->status, 200);
        ck_assert_str_eq(sent_header(c, "Content-Type"), "application/json");
        ck_assert_msg(json_equal(j, want), "unexpected error body %s", c->out);
        json_decref(want);
        json_decref(j);
}

START_TEST(test_door_error_body)
{
        struct fake_conn c = {};

        /* A handler's error: status and body are the door's, with what it stashed. */
        dispatch(&c, "POST", "/rpc", "{}", "application/json");
        ck_assert_str_eq(state.handler, "rpc");
        assert_rpc_error(&c, json_integer(7), 422, "no method pod.frobnicate");
        fake_done(&c);

        /* The dispatcher's 500 after the handler: door_data is gone by then. */
        dispatch(&c, "POST", "/rpc/silent", "{}", "application/json");
        ck_assert_str_eq(state.handler, "rpc-silent");
        assert_rpc_error(&c, json_null(), 500, "handler sent no response");
        fake_done(&c);

        /* The router's 404 and 405 under the door's prefix. */
        dispatch(&c, "POST", "/rpc/nothing", "{}", "application/json");
        assert_rpc_error(&c, json_null(), 404, "path /rpc/nothing was not found");
        fake_done(&c);
        dispatch(&c, "GET", "/rpc", NULL, NULL);
        assert_rpc_error(&c, json_null(), 405, "method GET is not allowed, but [POST] are");
        ck_assert_str_eq(sent_header(&c, "Allow"), "POST");
        fake_done(&c);

        /* Other APIs keep theirs. */
        dispatch(&c, "GET", "/v1/nothing", NULL, NULL);
        assert_default_error(&c, 404, "path /v1/nothing was not found");
        fake_done(&c);
        ck_assert_int_eq(state.calls, 2);
}
END_TEST

START_TEST(test_door_error_body_policy)
{
        struct fake_conn c = {};

        /* The token policy's 401, before any handler: the door's body. */
        ck_assert_int_eq(berth_http_router_set_token(router, "s3cret"), 0);
        dispatch_headers(&c, false, "POST", "/rpc", NULL);
        assert_rpc_error(&c, json_null(), 401,
                         "a valid token is required (header 'token: ...' or 'Authorization: "
                         "Bearer ...')");
        ck_assert_ptr_nonnull(sent_header(&c, "WWW-Authenticate"));
        fake_done(&c);

        /* The browser policy's 403, for a path under the prefix that no route has. */
        dispatch_headers(&c, false, "POST", "/rpc/x/y", "Origin", "https://evil.example", "token",
                         "s3cret", NULL);
        ck_assert_int_eq(c.status, 200);
        ck_assert_ptr_nonnull(strstr(c.out, "\"http_status\":403"));
        fake_done(&c);

        dispatch_headers(&c, false, "GET", "/v1/things", NULL);
        ck_assert_int_eq(c.status, 401);
        fake_done(&c);
        ck_assert_int_eq(state.calls, 0);
}
END_TEST

/* A transport's own error (a malformed request, before the router): the door of the
 * path when the path is known, the default body when it is not. */
static void transport_error(struct fake_conn *c, const char *method, const char *path)
{
        struct berth_http_request req = {
                .method = method,
                .path = path,
                .content_length = -1,
                .transport = &fake_transport,
                .conn = c,
                /* As the transports do when they know the path. */
                .error_api = path ? berth_http_router_api_for_path(router, path) : NULL,
        };

        ck_assert_int_eq(berth_http_reply_error(&req, 400, "%s", "malformed HTTP request"), 0);
        ck_assert_int_eq(req.status, c->status);
}

START_TEST(test_transport_error_body)
{
        struct fake_conn c = {};

        transport_error(&c, "POST", "/rpc");
        assert_rpc_error(&c, json_null(), 400, "malformed HTTP request");
        fake_done(&c);

        transport_error(&c, NULL, NULL);
        assert_default_error(&c, 400, "malformed HTTP request");
        ck_assert_str_eq(c.out, "{\"code\":400,\"message\":\"malformed HTTP request\"}\n");
        fake_done(&c);

        transport_error(&c, "GET", "/v1/things");
        assert_default_error(&c, 400, "malformed HTTP request");
        fake_done(&c);

        /* HEAD: no body, as for any reply. */
        transport_error(&c, "HEAD", "/elsewhere");
        ck_assert_int_eq(c.status, 400);
        ck_assert(c.body_null);
        fake_done(&c);
}
END_TEST

/* ---- request bodies ---------------------------------------------------------------- */

static int read_json(struct fake_conn *c, const char *ct, const char *body, long long clen,
                     size_t max, json_t **ret, struct berth_error *err)
{
        struct berth_http_request req;

        req_init(&req, c, "POST", "/v1/things", body);
        c->content_type = ct;
        req.content_length = clen;
        *ret = NULL;
        return berth_http_read_json(&req, max, ret, err);
}

static void read_json_bad(const char *ct, const char *body, long long clen, size_t max, int want,
                          const char *needle)
{
        struct fake_conn c = {};
        struct berth_error err = {};
        json_t *j;
        int r;

        r = read_json(&c, ct, body, clen, max, &j, &err);
        ck_assert_msg(r == want, "body '%.40s' (ct %s, length %lld): expected %d, got %d (%s)",
                      body ? body : "", ct ? ct : "none", clen, want, r, err.msg);
        ck_assert_int_eq(err.code, want);
        ck_assert_ptr_null(j);
        if (needle)
                ck_assert_msg(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
        ck_assert_int_eq(c.n_responses, 0);
        fake_done(&c);
}

START_TEST(test_read_json_content_type)
{
        const char *b = "{\"a\":1}";
        long long n = (long long)strlen(b);

        read_json_bad("text/plain", b, n, 1024, -EMEDIUMTYPE, "text/plain");
        read_json_bad(NULL, b, n, 1024, -EMEDIUMTYPE, "application/octet-stream");
        read_json_bad("application/jsonx", b, n, 1024, -EMEDIUMTYPE, NULL);
        read_json_bad("application/json-patch+json", b, n, 1024, -EMEDIUMTYPE, NULL);
        read_json_bad("text/plain", b, -1, 1024, -EMEDIUMTYPE, NULL);
}
END_TEST

START_TEST(test_read_json_size)
{
        const char *over = "{\"a\":\"0123456789\"}";
        long long n_over = (long long)strlen(over);
        struct fake_conn c = {};
        struct berth_error err = {};
        char big[10000];
        json_t *j;

        /* Declared length over the limit: refused before reading. */
        read_json_bad("application/json", over, n_over, 16, -EMSGSIZE, "16");
        ck_assert_int_eq(read_json(&c, "application/json", over, n_over, 16, &j, &err), -EMSGSIZE);
        ck_assert_uint_eq(c.n_reads, 0);
        fake_done(&c);

        /* Chunked (length unknown) and over the limit, in one read or many. */
        read_json_bad("application/json", over, -1, 16, -EMSGSIZE, NULL);
        memset(big, ' ', sizeof(big) - 1);
        big[0] = '[';
        big[sizeof(big) - 2] = ']';
        big[sizeof(big) - 1] = 0;
        read_json_bad("application/json", big, -1, 8192, -EMSGSIZE, NULL);
        read_json_bad("application/json", big, -1, 4096, -EMSGSIZE, NULL);

        /* Exactly at the limit is fine, chunked or not. */
        ck_assert_int_eq(read_json(&c, "application/json", big, -1, sizeof(big) - 1, &j, &err), 0);
        ck_assert(json_is_array(j));
        json_decref(j);
        fake_done(&c);
        ck_assert_int_eq(read_json(&c, "application/json", big, (long long)strlen(big),
                                   sizeof(big) - 1, &j, &err),
                         0);
        json_decref(j);
        fake_done(&c);
}
END_TEST

START_TEST(test_read_json_empty)
{
        read_json_bad(NULL, "", 0, 1024, -EINVAL, "required");
        read_json_bad("application/json", "", 0, 1024, -EINVAL, "required");
        read_json_bad("application/json", "", -1, 1024, -EINVAL, "required");
        read_json_bad("application/json", " \r\n\t ", 5, 1024, -EINVAL, "required");
        read_json_bad("application/json", " \n", -1, 1024, -EINVAL, "required");
}
END_TEST

START_TEST(test_read_json_malformed)
{
        read_json_bad("application/json", "{", 1, 1024, -EBADMSG, "malformed JSON");
        read_json_bad("application/json", "{\"a\":1}x", 8, 1024, -EBADMSG, "malformed JSON");
        read_json_bad("application/json", "{'a':1}", 7, 1024, -EBADMSG, "malformed JSON");
        read_json_bad("application/json", "{\"a\":1,\"a\":2}", 13, 1024, -EBADMSG,
                      "malformed JSON");
        read_json_bad("application/json", "{\"a\":{\"b\":1,\"b\":1}}", -1, 1024, -EBADMSG,
                      "malformed JSON");
        /* Body shorter than its Content-Length. */
        read_json_bad("application/json", "{}", 10, 1024, -EBADMSG, "ended after");
}
END_TEST

START_TEST(test_read_json_good)
{
        const char *b = "{\"name\":\"x\",\"n\":3,\"l\":[1,2]}";
        struct fake_conn c = {};
        struct berth_error err = {};
        json_t *j;

        ck_assert_int_eq(read_json(&c, "application/json", b, (long long)strlen(b), 1024, &j, &err),
                         0);
        ck_assert_int_eq(err.code, 0);
        ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "x");
        ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), 3);
        json_decref(j);
        fake_done(&c);

        /* Parameters on the media type, its case, chunked, and short reads. */
        c.chunk = 3;
        ck_assert_int_eq(read_json(&c, "Application/JSON; charset=utf-8", b, -1, 1024, &j, &err),
                         0);
        ck_assert_uint_gt(c.n_reads, 5);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "n")), 3);
        json_decref(j);
        fake_done(&c);

        c.chunk = 1;
        ck_assert_int_eq(read_json(&c, "application/json", b, (long long)strlen(b), 1024, &j, &err),
                         0);
        ck_assert_int_eq(json_array_size(json_object_get(j, "l")), 2);
        json_decref(j);
        fake_done(&c);
}
END_TEST

START_TEST(test_read_json_read_error)
{
        struct fake_conn c = { .read_error = -ECONNRESET };
        struct berth_http_request req;
        struct berth_error err = {};
        json_t *j = NULL;

        req_init(&req, &c, "POST", "/v1/things", "{}");
        c.content_type = "application/json";
        ck_assert_int_eq(berth_http_read_json(&req, 1024, &j, &err), -ECONNRESET);
        ck_assert_ptr_null(j);
        ck_assert_msg(strstr(err.msg, "read request body"), "message '%s'", err.msg);
}
END_TEST

START_TEST(test_expect_no_body)
{
        struct fake_conn c = {};
        struct berth_http_request req;
        struct berth_error err = {};

        req_init(&req, &c, "DELETE", "/v1/things/1", NULL);
        ck_assert_int_eq(berth_http_expect_no_body(&req, &err), 0);

        req_init(&req, &c, "DELETE", "/v1/things/1", "{}");
        ck_assert_int_eq(berth_http_expect_no_body(&req, &err), -EINVAL);
        ck_assert_msg(strstr(err.msg, "takes no request body"), "message '%s'", err.msg);

        req_init(&req, &c, "DELETE", "/v1/things/1", "");
        req.content_length = -1;
        ck_assert_int_eq(berth_http_expect_no_body(&req, NULL), 0);

        req_init(&req, &c, "DELETE", "/v1/things/1", "x");
        req.content_length = -1;
        ck_assert_int_eq(berth_http_expect_no_body(&req, NULL), -EINVAL);
}
END_TEST

START_TEST(test_host_allowed)
{
        char *const allow[] = { (char *)"node1.example", (char *)"10.0.0.5:8080", NULL };

        ck_assert(berth_http_host_allowed("localhost", NULL));
        ck_assert(berth_http_host_allowed("LOCALHOST:8080", NULL));
        ck_assert(berth_http_host_allowed("api.localhost:1", NULL));
        ck_assert(berth_http_host_allowed("127.0.0.1", NULL));
        ck_assert(berth_http_host_allowed("127.3.4.5:8080", NULL));
        ck_assert(berth_http_host_allowed("[::1]:8080", NULL));
        ck_assert(berth_http_host_allowed("[::1]", NULL));
        ck_assert(berth_http_host_allowed("node1.example:8080", allow));
        ck_assert(berth_http_host_allowed("10.0.0.5:8080", allow));

        /* A name the attacker's DNS rebinds to 127.0.0.1, and everything odd. */
        ck_assert(!berth_http_host_allowed("attacker.example:8080", allow));
        ck_assert(!berth_http_host_allowed("localhost.attacker.example", NULL));
        ck_assert(!berth_http_host_allowed("10.0.0.5:9090", allow));
        ck_assert(!berth_http_host_allowed("10.0.0.6", allow));
        ck_assert(!berth_http_host_allowed("127.0.0.1.nip.io", NULL));
        ck_assert(!berth_http_host_allowed("127.0.0.1:", NULL));
        ck_assert(!berth_http_host_allowed("127.0.0.1:80x", NULL));
        ck_assert(!berth_http_host_allowed("", NULL));
        ck_assert(!berth_http_host_allowed(":8080", NULL));
        ck_assert(!berth_http_host_allowed("[::2]:8080", NULL));
        ck_assert(!berth_http_host_allowed("[::1", NULL));
        ck_assert(!berth_http_host_allowed("0.0.0.0", NULL));
}
END_TEST

START_TEST(test_browser_policy)
{
        char *const origins[] = { (char *)"https://ui.example", NULL };
        struct fake_conn c = {};

        /* curl, Go clients and Kraken send neither header: served. */
        dispatch_headers(&c, false, "POST", "/v1/things", "Host", "127.0.0.1:8080", NULL);
        ck_assert_int_ne(c.status, 403);
        fake_done(&c);
        ck_assert_int_eq(state.calls, 1);

        /* A page's request: 403, and no handler runs. */
        dispatch_headers(&c, false, "POST", "/v1/things", "Origin", "https://evil.example", "Host",
                         "127.0.0.1:8080", NULL);
        ck_assert_int_eq(c.status, 403);
        ck_assert_ptr_nonnull(strstr(c.out, "evil.example"));
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/v1/things/1/parts/2", "Sec-Fetch-Site", "cross-site",
                         NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/v1/things", "Sec-Fetch-Site", "same-origin", NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
        /* Even on the unix socket, and for a path that does not exist. */
        dispatch_headers(&c, true, "GET", "/v1/things", "Origin", "null", NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/nowhere", "Origin", "null", NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
        ck_assert_int_eq(state.calls, 1);

        /* A typed address or a bookmark. */
        dispatch_headers(&c, false, "GET", "/v1/things", "Sec-Fetch-Site", "none", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);

        /* DNS rebinding: a foreign Host without a token. */
        dispatch_headers(&c, false, "GET", "/v1/things", "Host", "attacker.example:8080", NULL);
        ck_assert_int_eq(c.status, 403);
        ck_assert_ptr_nonnull(strstr(c.out, "attacker.example"));
        fake_done(&c);
        /* The unix socket's Host means nothing (docker clients send "docker"). */
        dispatch_headers(&c, true, "GET", "/v1/things", "Host", "docker", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);
        ck_assert_int_eq(state.calls, 3);

        /* The public documents are exempt. */
        dispatch_headers(&c, false, "GET", "/docs", "Sec-Fetch-Site", "same-origin", "Host",
                         "attacker.example", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);

        /* Configured: an allowed origin and host. */
        ck_assert_int_eq(berth_http_router_set_browser_policy(
                                 router, origins, (char *const[]){ (char *)"node1", NULL }),
                         0);
        dispatch_headers(&c, false, "GET", "/v1/things", "Origin", "https://ui.example",
                         "Sec-Fetch-Site", "cross-site", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/v1/things", "Origin", "https://ui.example:444", NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/v1/things", "Host", "node1:8080", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);

        /* With a token, Host is not checked (the attacker cannot know the token), but
         * Origin still is. */
        ck_assert_int_eq(berth_http_router_set_token(router, "s3cret"), 0);
        dispatch_headers(&c, false, "GET", "/v1/things", "Host", "attacker.example", "token",
                         "s3cret", NULL);
        ck_assert_int_eq(c.status, 200);
        fake_done(&c);
        dispatch_headers(&c, false, "GET", "/v1/things", "Origin", "https://evil.example", "token",
                         "s3cret", NULL);
        ck_assert_int_eq(c.status, 403);
        fake_done(&c);
}
END_TEST

/* ---- the unix socket's request parser (request-parse.h) ------------------------- */

static int head_parse(const char *text, struct berth_http_head *h, char **ret_copy)
{
        char *copy = strdup(text);
        int r;

        ck_assert_ptr_nonnull(copy);
        r = berth_http_head_parse(copy, h);
        *ret_copy = copy;
        return r;
}

START_TEST(test_head_parse)
{
        struct berth_http_head h;
        struct berth_http_framing f;
        char *copy;

        ck_assert_int_eq(
                head_parse("POST /imageapi/v1/mount?x=1 HTTP/1.1\r\nHost: localhost\r\n"
                           "Content-Type:  application/json \r\nContent-Length: 12\r\n\r\n",
                           &h, &copy),
                0);
        ck_assert_str_eq(h.method, "POST");
        ck_assert_str_eq(h.target, "/imageapi/v1/mount?x=1");
        ck_assert(h.http11);
        ck_assert_uint_eq(h.n_headers, 3);
        ck_assert_str_eq(berth_http_head_get(&h, "content-type"), "application/json");
        ck_assert_ptr_null(berth_http_head_get(&h, "Origin"));
        ck_assert_int_eq(berth_http_framing_from_head(&h, &f), 0);
        ck_assert(f.keep_alive && !f.chunked && !f.expect_continue);
        ck_assert_int_eq(f.content_length, 12);
        free(copy);

        /* LF line ends, HTTP/1.0: closes unless asked; chunked with Expect. */
        ck_assert_int_eq(head_parse("GET / HTTP/1.0\nTransfer-Encoding: chunked\n"
                                    "Expect: 100-continue\n\n",
                                    &h, &copy),
                         0);
        ck_assert(!h.http11);
        ck_assert_int_eq(berth_http_framing_from_head(&h, &f), 0);
        ck_assert(!f.keep_alive && f.chunked && f.expect_continue);
        ck_assert_int_eq(f.content_length, -1);
        free(copy);

        ck_assert_int_eq(head_parse("GET / HTTP/1.1\r\nConnection: close\r\n"
                                    "Content-Length: 3\r\nContent-Length: 3\r\n\r\n",
                                    &h, &copy),
                         0);
        ck_assert_int_eq(berth_http_framing_from_head(&h, &f), 0);
        ck_assert(!f.keep_alive);
        free(copy);
}
END_TEST

START_TEST(test_head_refused)
{
        static const char *const bad_heads[] = {
                "",
                "GET\r\n\r\n",
                "GET /\r\n\r\n",
                "GET / HTTP/2.0\r\n\r\n",
                "GET / HTTP/1.1 extra\r\n\r\n",
                "G(T / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nNo-Colon\r\n\r\n",
                "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",
                "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
                "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
                "GET / HTTP/1.1\r\nA: b\x01c\r\n\r\n",
                "GET /\x1b[2J HTTP/1.1\r\n\r\n",
        };
        /* Framing a proxy and berthd could read differently (request smuggling). */
        static const char *const bad_framing[] = {
                "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n"),
                "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        };
        struct berth_http_head h;
        struct berth_http_framing f;
        char *copy, many[8192];
        size_t n;

        for (size_t i = 0; i < ELEMENTSOF(bad_heads); i++) {
                ck_assert_msg(head_parse(bad_heads[i], &h, &copy) == -EBADMSG, "accepted: %s",
                              bad_heads[i]);
                free(copy);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_framing); i++) {
                ck_assert_int_eq(head_parse(bad_framing[i], &h, &copy), 0);
                ck_assert_msg(berth_http_framing_from_head(&h, &f) == -EBADMSG, "accepted: %s",
                              bad_framing[i]);
                free(copy);
        }
        n = (size_t)snprintf(many, sizeof(many), "GET / HTTP/1.1\r\n");
        for (int i = 0; i <= BERTH_HTTP_HEADERS_MAX; i++)
                n += (size_t)snprintf(many + n, sizeof(many) - n, "H%d: v\r\n", i);
        (void)snprintf(many + n, sizeof(many) - n, "\r\n");
        ck_assert_int_eq(head_parse(many, &h, &copy), -E2BIG);
        free(copy);
}
END_TEST

START_TEST(test_chunk_size_and_target)
{
        long long v = 0;
        char *path = NULL;
        const char *query = NULL;

        ck_assert_int_eq(berth_http_chunk_size_parse("1a", 2, &v), 0);
        ck_assert_int_eq(v, 26);
        ck_assert_int_eq(berth_http_chunk_size_parse("FF;name=v", 9, &v), 0);
        ck_assert_int_eq(v, 255);
        ck_assert_int_eq(berth_http_chunk_size_parse("0", 1, &v), 0);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(berth_http_chunk_size_parse("", 0, &v), -EBADMSG);
        ck_assert_int_eq(berth_http_chunk_size_parse("g", 1, &v), -EBADMSG);
        ck_assert_int_eq(berth_http_chunk_size_parse("1x", 2, &v), -EBADMSG);
        ck_assert_int_eq(berth_http_chunk_size_parse("fffffffffffffff", 15, &v), -EMSGSIZE);

        ck_assert_int_eq(berth_http_target_split("/a%20b?id=1&x", &path, &query), 0);
        ck_assert_str_eq(path, "/a b");
        ck_assert_str_eq(query, "id=1&x");
        free(path);
        ck_assert_int_eq(berth_http_target_split("/plain", &path, &query), 0);
        ck_assert_ptr_null(query);
        free(path);
        ck_assert_int_eq(berth_http_target_split("http://evil/x", &path, &query), -EBADMSG);
        ck_assert_int_eq(berth_http_target_split("/a%00b", &path, &query), -EBADMSG);
        ck_assert_int_eq(berth_http_target_split("/a%zz", &path, &query), -EBADMSG);
        ck_assert_int_eq(berth_http_target_split("*", &path, &query), -EBADMSG);
}
END_TEST

static Suite *http_suite(void)
{
        Suite *s = suite_create("http");
        TCase *tc = tcase_create("query");

        tcase_add_test(tc, test_unescape);
        tcase_add_test(tc, test_query_parse);
        tcase_add_test(tc, test_query_bad);
        tcase_add_test(tc, test_query_too_many);
        tcase_add_test(tc, test_query_u64);
        tcase_add_test(tc, test_query_bool);
        tcase_add_test(tc, test_status_from_errno);
        tcase_add_test(tc, test_format_head);
        suite_add_tcase(s, tc);

        tc = tcase_create("router");
        tcase_add_checked_fixture(tc, router_setup, router_teardown);
        tcase_add_test(tc, test_route_match);
        tcase_add_test(tc, test_trailing_slash);
        tcase_add_test(tc, test_not_found);
        tcase_add_test(tc, test_method_not_allowed);
        tcase_add_test(tc, test_options);
        tcase_add_test(tc, test_head);
        tcase_add_test(tc, test_handler_sends_nothing);
        tcase_add_test(tc, test_reply_twice);
        tcase_add_test(tc, test_custom_error_body);
        tcase_add_test(tc, test_reply_berror);
        tcase_add_test(tc, test_host_allowed);
        tcase_add_test(tc, test_browser_policy);
        suite_add_tcase(s, tc);

        tc = tcase_create("precedence");
        tcase_add_checked_fixture(tc, precedence_setup, router_teardown);
        tcase_add_test(tc, test_literal_wins_added_last);
        tcase_add_test(tc, test_literal_wins_added_first);
        tcase_add_test(tc, test_precedence_stats);
        suite_add_tcase(s, tc);

        tc = tcase_create("doors");
        tcase_add_checked_fixture(tc, door_setup, router_teardown);
        tcase_add_test(tc, test_door_error_body);
        tcase_add_test(tc, test_door_error_body_policy);
        tcase_add_test(tc, test_transport_error_body);
        suite_add_tcase(s, tc);

        tc = tcase_create("body");
        tcase_add_test(tc, test_read_json_content_type);
        tcase_add_test(tc, test_read_json_size);
        tcase_add_test(tc, test_read_json_empty);
        tcase_add_test(tc, test_read_json_malformed);
        tcase_add_test(tc, test_read_json_good);
        tcase_add_test(tc, test_read_json_read_error);
        tcase_add_test(tc, test_expect_no_body);
        suite_add_tcase(s, tc);

        tc = tcase_create("request-parse");
        tcase_add_test(tc, test_head_parse);
        tcase_add_test(tc, test_head_refused);
        tcase_add_test(tc, test_chunk_size_and_target);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(http_suite());
        int failed;

        /* The dispatcher logs every request; keep the test output to the results. */
        log_set_max_level(LOG_CRIT);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test harness: HTTP requests to a berthd under test, its replies, and polls. */
#include "config.h"

#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "macro.h"

/* ---- HTTP ---------------------------------------------------------------------- */

struct buf {
        char *data;
        size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct buf *b = userdata;
        size_t n = size * nmemb;
        char *d = realloc(b->data, b->len + n + 1);

        if (!d)
                return 0;
        memcpy(d + b->len, ptr, n);
        b->data = d;
        b->len += n;
        d[b->len] = 0;
        return n;
}

struct hdrs {
        char *all;
        size_t all_size;
        char *allow;
        size_t allow_size;
        char *ct;
        size_t ct_size;
};

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
        struct hdrs *h = userdata;
        size_t n = size * nmemb, l = strlen(h->all);

        (void)snprintf(h->all + l, h->all_size - l, "%.*s", (int)n, ptr);
        if (n > 6 && strncasecmp(ptr, "Allow:", 6) == 0)
                (void)snprintf(h->allow, h->allow_size, "%.*s", (int)(n - 6), ptr + 6);
        if (n > 13 && strncasecmp(ptr, "Content-Type:", 13) == 0)
                (void)snprintf(h->ct, h->ct_size, "%.*s", (int)(n - 13), ptr + 13);
        return n;
}

static void trim(char *s)
{
        char *p = s;
        size_t l;

        while (*p == ' ')
                p++;
        memmove(s, p, strlen(p) + 1);
        l = strlen(s);
        while (l && (s[l - 1] == '\r' || s[l - 1] == '\n' || s[l - 1] == ' '))
                s[--l] = 0;
}

static bool http_may_fail;

static void http_request(const struct test_berthd *t, const char *method, const char *path,
                         const char *content_type, const char *body, size_t body_len,
                         bool unix_socket, const char *const *headers, struct test_reply *ret)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = NULL;
        struct buf b = {};
        char url[1024], ct[200];
        struct hdrs hd;
        CURLcode cr;

        memset(ret, 0, sizeof(*ret));
        hd = (struct hdrs){ ret->headers,       sizeof(ret->headers), ret->allow,
                            sizeof(ret->allow), ret->content_type,    sizeof(ret->content_type) };
        ck_assert(c);
        /* A berthd without TCP is reached over its socket. */
        if (!t->url[0])
                unix_socket = true;
        (void)snprintf(url, sizeof(url), "%s%s", unix_socket ? "http://localhost" : t->url, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (streq(method, "HEAD"))
                curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        if (unix_socket)
                curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->socket_path);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &hd);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        if (t->tls_ca[0])
                curl_easy_setopt(c, CURLOPT_CAINFO, t->tls_ca);
        if (t->tls_cert[0]) {
                curl_easy_setopt(c, CURLOPT_SSLCERT, t->tls_cert);
                curl_easy_setopt(c, CURLOPT_SSLKEY, t->tls_key);
        }
        if (body) {
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
                (void)snprintf(ct, sizeof(ct), "Content-Type: %s",
                               content_type ? content_type : "application/json");
                h = curl_slist_append(h, content_type && !*content_type ? "Content-Type:" : ct);
        }
        h = curl_slist_append(h, "Expect:");
        if (t->auth[0])
                h = curl_slist_append(h, t->auth);
        for (size_t i = 0; headers && headers[i]; i++)
                h = curl_slist_append(h, headers[i]);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        cr = curl_easy_perform(c);
        ck_assert_msg(cr == CURLE_OK || http_may_fail, "%s %s: %s", method, url,
                      curl_easy_strerror(cr));
        if (cr == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        trim(ret->allow);
        trim(ret->content_type);
        ret->body = b.data ? b.data : strdup("");
        ret->len = b.len;
        ret->json = json_loadb(ret->body, ret->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
}

void test_http(const struct test_berthd *t, const char *method, const char *path,
               const char *content_type, const char *body, size_t body_len, bool unix_socket,
               struct test_reply *ret)
{
        http_request(t, method, path, content_type, body, body_len, unix_socket, NULL, ret);
}

void test_http_headers(const struct test_berthd *t, const char *method, const char *path,
                       const char *body, const char *const *headers, struct test_reply *ret)
{
        http_request(t, method, path, NULL, body, body ? strlen(body) : 0, false, headers, ret);
}

json_t *test_call(const struct test_berthd *t, const char *method, const char *path,
                  const char *body, long want)
{
        struct test_reply r;
        json_t *j;

        test_http(t, method, path, NULL, body, body ? strlen(body) : 0, false, &r);
        ck_assert_msg(r.status == want, "%s %s: want %ld, got %ld %s", method, path, want, r.status,
                      r.body);
        j = json_incref(r.json);
        test_reply_done(&r);
        return j;
}

long test_try(const struct test_berthd *t, const char *method, const char *path, const char *body,
              json_t **ret)
{
        struct test_reply r;
        long status;

        http_may_fail = true;
        test_http(t, method, path, NULL, body, body ? strlen(body) : 0, false, &r);
        http_may_fail = false;
        status = r.status;
        if (ret)
                *ret = json_incref(r.json);
        test_reply_done(&r);
        return status;
}

void test_berthd_crash(struct test_berthd *t)
{
        int status = 0;

        if (t->pid <= 0)
                return;
        (void)kill(t->pid, SIGKILL);
        ck_assert_int_eq(waitpid(t->pid, &status, 0), t->pid);
        t->pid = 0;
}

void test_get(const struct test_berthd *t, const char *path, struct test_reply *ret)
{
        test_http(t, "GET", path, NULL, NULL, 0, false, ret);
}

void test_post(const struct test_berthd *t, const char *path, const char *json,
               struct test_reply *ret)
{
        test_http(t, "POST", path, NULL, json, strlen(json), false, ret);
}

void test_delete(const struct test_berthd *t, const char *path, struct test_reply *ret)
{
        test_http(t, "DELETE", path, NULL, NULL, 0, false, ret);
}

void test_reply_done(struct test_reply *r)
{
        free(r->body);
        json_decref(r->json);
        memset(r, 0, sizeof(*r));
}

void test_assert_error(const struct test_reply *r, long status, const char *needle)
{
        json_t *code, *msg;

        ck_assert_status(r, status);
        ck_assert_msg(json_is_object(r->json), "error body is not a JSON object: %s", r->body);
        code = json_object_get(r->json, "code");
        msg = json_object_get(r->json, "message");
        ck_assert_msg(json_is_integer(code) && json_integer_value(code) == status,
                      "error code field is not %ld: %s", status, r->body);
        ck_assert_msg(json_is_string(msg) && json_string_length(msg) > 0,
                      "error message missing: %s", r->body);
        if (needle)
                ck_assert_msg(strstr(json_string_value(msg), needle),
                              "error message '%s' does not mention '%s'", json_string_value(msg),
                              needle);
}

long long test_json_int(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        if (!json_is_integer(v)) {
                char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
                ck_abort_msg("field '%s' is not an integer in %.600s", key, text ? text : "null");
        }
        return json_integer_value(v);
}

const char *test_json_str(json_t *j, const char *key)
{
        json_t *v = json_object_get(j, key);

        ck_assert_msg(json_is_string(v), "field '%s' is not a string", key);
        return json_string_value(v);
}

json_t *test_get_container(const struct test_berthd *t, long long id)
{
        char path[128];
        json_t *a, *c;

        (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
        a = test_call(t, "GET", path, NULL, 200);
        c = json_incref(json_array_get(a, 0));
        json_decref(a);
        return c;
}

json_t *test_wait_state_at(const struct test_berthd *t, const char *path, const char *state,
                           double timeout, void (*check)(json_t *reply))
{
        double deadline = test_now() + timeout;

        for (;;) {
                json_t *j = test_call(t, "GET", path, NULL, 200), *c;

                if (check)
                        check(j);
                /* ?id= and ?name= answer a list of one. */
                c = json_incref(json_is_array(j) ? json_array_get(j, 0) : j);
                json_decref(j);
                if (streq(test_json_str(c, "state"), state))
                        return c;
                if (test_now() > deadline)
                        ck_abort_msg("GET %s: state %s, waited %.1f s for %s", path,
                                     test_json_str(c, "state"), timeout, state);
                json_decref(c);
                usleep(20000);
        }
}

json_t *test_wait_container_state(const struct test_berthd *t, long long id, const char *state,
                                  double timeout)
{
        char path[128];

        (void)snprintf(path, sizeof(path), "/imageapi/v1/container?id=%lld", id);
        return test_wait_state_at(t, path, state, timeout, NULL);
}

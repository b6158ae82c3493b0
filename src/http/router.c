/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "error.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "listen.h"
#include "strv.h"

/* Requests by route (method + pattern, so that ids do not make new series) and status. */
struct route_stat {
        char route[96];
        int status;
        uint64_t count;
        double seconds;
};

/* A route with its API, and how specific its pattern is: bit 63 - i is set when
 * segment i is a literal. Two patterns that match the same path have as many segments,
 * and the larger rank is the one with a literal where the other first has a capture. */
struct route_entry {
        const struct berth_http_route *rt;
        const struct berth_http_api *api;
        uint64_t rank;
};

struct berth_http_router {
        const struct berth_http_api **apis;
        size_t n_apis;
        struct route_entry *routes; /* by rank, highest first; in order added within a rank */
        size_t n_routes;
        char *token; /* --token-file; NULL: no authentication */
        char **allow_origins;
        char **allow_hosts;
        pthread_mutex_t stats_lock;
        struct route_stat *stats;
        size_t n_stats;
};

static void record(struct berth_http_router *r, const char *method, const char *pattern, int status,
                   double ms)
{
        char route[96];
        size_t i;

        (void)snprintf(route, sizeof(route), "%s %s", method, pattern);
        pthread_mutex_lock(&r->stats_lock);
        for (i = 0; i < r->n_stats; i++)
                if (r->stats[i].status == status && streq(r->stats[i].route, route))
                        break;
        if (i == r->n_stats && r->n_stats < 4096) {
                struct route_stat *n = realloc(r->stats, sizeof(*n) * (r->n_stats + 1));
                if (n) {
                        r->stats = n;
                        n[i] = (struct route_stat){ .status = status };
                        memcpy(n[i].route, route, sizeof(route));
                        r->n_stats++;
                }
        }
        if (i < r->n_stats) {
                r->stats[i].count++;
                r->stats[i].seconds += ms / 1e3;
        }
        pthread_mutex_unlock(&r->stats_lock);
}

int berth_http_router_stats(struct berth_http_router *r, berth_http_stat_fn fn, void *userdata)
{
        int ret = 0;

        pthread_mutex_lock(&r->stats_lock);
        for (size_t i = 0; i < r->n_stats && ret >= 0; i++)
                ret = fn(r->stats[i].route, r->stats[i].status, r->stats[i].count,
                         r->stats[i].seconds, userdata);
        pthread_mutex_unlock(&r->stats_lock);
        return ret;
}

int berth_http_router_new(struct berth_http_router **ret)
{
        *ret = calloc(1, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        pthread_mutex_init(&(*ret)->stats_lock, NULL);
        return 0;
}

struct berth_http_router *berth_http_router_free(struct berth_http_router *r)
{
        if (r) {
                free(r->apis);
                free(r->routes);
                free(r->stats);
                strv_free(r->allow_origins);
                strv_free(r->allow_hosts);
                pthread_mutex_destroy(&r->stats_lock);
                erase_and_free(r->token);
                free(r);
        }
        return NULL;
}

int berth_http_router_set_token(struct berth_http_router *r, const char *token)
{
        char *t = token ? strdup(token) : NULL;

        if (token && !t)
                return -ENOMEM;
        erase_and_free(r->token);
        r->token = t;
        return 0;
}

int berth_http_router_set_browser_policy(struct berth_http_router *r, char *const *allow_origins,
                                         char *const *allow_hosts)
{
        char **o = strv_copy(allow_origins);
        char **h = strv_copy(allow_hosts);

        if (!o || !h) {
                strv_free(o);
                strv_free(h);
                return -ENOMEM;
        }
        strv_free(r->allow_origins);
        strv_free(r->allow_hosts);
        r->allow_origins = o;
        r->allow_hosts = h;
        return 0;
}

/* "localhost", "x.localhost" (browsers resolve these to loopback themselves: no DNS
 * name an attacker controls), 127.0.0.0/8 and [::1], each with an optional port; or a
 * value of allow_hosts, with or without the port. */
bool berth_http_host_allowed(const char *host, char *const *allow_hosts)
{
        char name[256];
        const char *end;
        size_t n;
        struct in_addr a;

        if (host[0] == '[') {
                end = strchr(host, ']');
                if (!end)
                        return false;
                end++;
        } else
                end = host + strcspn(host, ":");
        if (*end && (*end != ':' || !end[1] || strspn(end + 1, "0123456789") != strlen(end + 1)))
                return false;
        n = (size_t)(end - host);
        if (n == 0 || n >= sizeof(name))
                return false;
        memcpy(name, host, n);
        name[n] = 0;
        STRV_FOREACH (h, allow_hosts)
                if (strcasecmp(*h, host) == 0 || strcasecmp(*h, name) == 0)
                        return true;
        if (strcasecmp(name, "localhost") == 0 ||
            (n > 10 && strcasecmp(name + n - 10, ".localhost") == 0))
                return true;
        if (streq(name, "[::1]"))
                return true;
        return inet_pton(AF_INET, name, &a) == 1 && berth_http_in4_is_loopback(a);
}

/* Requests a browser sends for a web page (berth_http_router_set_browser_policy()): the
 * reason to refuse one, or NULL. */
static const char *browser_refusal(struct berth_http_router *r, struct berth_http_request *req,
                                   char *buf, size_t size)
{
        const char *origin = berth_http_header(req, "Origin");
        const char *site = berth_http_header(req, "Sec-Fetch-Site");
        const char *host = berth_http_header(req, "Host");

        if (origin) {
                if (strv_contains(r->allow_origins, origin))
                        return NULL;
                (void)snprintf(buf, size,
                               "requests from web pages are refused (Origin '%.100s'): this API "
                               "is root on the host; berthd --allow-origin allows an origin",
                               origin);
                return buf;
        }
        if (site && !streq(site, "none")) {
                (void)snprintf(buf, size,
                               "requests from web pages are refused (Sec-Fetch-Site '%.32s'): "
                               "this API is root on the host",
                               site);
                return buf;
        }
        if (!r->token && host && !req->transport->unix_socket &&
            !berth_http_host_allowed(host, r->allow_hosts)) {
                (void)snprintf(buf, size,
                               "Host '%.100s' is not a loopback name or address: without a "
                               "token berthd answers only those (berthd --allow-host adds one)",
                               host);
                return buf;
        }
        return NULL;
}

/* Equal, in a time that depends on the lengths only, not on where they differ. */
static bool token_equal(const char *given, const char *want)
{
        size_t lg = strlen(given), lw = strlen(want);
        unsigned char d = (unsigned char)(lg != lw);

        for (size_t i = 0; i < lw; i++)
                d |= (unsigned char)(want[i] ^ (i < lg ? given[i] : 0));
        return d == 0;
}

/* The token of the request: "token: T" (as the OpenDrives API) or "Authorization:
 * Bearer T". */
static bool authorized(struct berth_http_router *r, struct berth_http_request *req)
{
        const char *t, *a;

        if (!r->token)
                return true;
        /* Health checks carry no data and need no token. */
        if (streq(req->path, "/healthz") &&
            (streq(req->method, "GET") || streq(req->method, "HEAD")))
                return true;
        t = berth_http_header(req, "token");
        if (t && token_equal(t, r->token))
                return true;
        a = berth_http_header(req, "Authorization");
        if (a && strncasecmp(a, "Bearer ", 7) == 0) {
                a += 7;
                a += strspn(a, " ");
                return token_equal(a, r->token);
        }
        return false;
}

static uint64_t pattern_rank(const char *pattern)
{
        uint64_t rank = 0;
        unsigned i = 0;

        for (const char *p = pattern; *p && i < 64; i++) {
                p += *p == '/';
                if (*p != '{')
                        rank |= UINT64_C(1) << (63 - i);
                p += strcspn(p, "/");
        }
        return rank;
}

/* Into r->routes, after every route of the same or a higher rank: the table stays
 * sorted once for all requests, and equal ranks keep the order they were added in. */
static void insert_route(struct berth_http_router *r, struct route_entry e)
{
        size_t i = r->n_routes;

        while (i > 0 && r->routes[i - 1].rank < e.rank) {
                r->routes[i] = r->routes[i - 1];
                i--;
        }
        r->routes[i] = e;
        r->n_routes++;
}

int berth_http_router_add_api(struct berth_http_router *r, const struct berth_http_api *api)
{
        const struct berth_http_api **n = realloc(r->apis, sizeof(*n) * (r->n_apis + 1));
        struct route_entry *t;

        if (!n)
                return -ENOMEM;
        r->apis = n;
        if (api->n_routes > 0) {
                t = realloc(r->routes, sizeof(*t) * (r->n_routes + api->n_routes));
                if (!t)
                        return -ENOMEM;
                r->routes = t;
        }
        n[r->n_apis++] = api;
        for (size_t i = 0; i < api->n_routes; i++) {
                const struct berth_http_route *rt = &api->routes[i];

                insert_route(r, (struct route_entry){ rt, api, pattern_rank(rt->pattern) });
        }
        return 0;
}

/* Match path against pattern segment by segment; "{x}" matches one non-empty
 * segment. A trailing slash on the path is tolerated. */
static bool match(const char *pattern, const char *path, struct berth_http_request *req,
                  bool capture)
{
        const char *p = pattern, *q = path;
        size_t n_caps = 0;

        for (;;) {
                size_t pl, ql;

                if (*p == '/' && *q == '/') {
                        p++;
                        q++;
                }
                if (*p == 0 && (*q == 0 || (q[0] == '/' && q[1] == 0)))
                        break;
                if (*p == 0 || *q == 0)
                        goto fail;
                pl = strcspn(p, "/");
                ql = strcspn(q, "/");
                if (p[0] == '{') {
                        if (ql == 0 || n_caps >= BERTH_HTTP_CAPTURES_MAX)
                                goto fail;
                        if (capture) {
                                req->captures[n_caps] = strndup(q, ql);
                                if (!req->captures[n_caps])
                                        goto fail;
                        }
                        n_caps++;
                } else if (pl != ql || strncmp(p, q, pl) != 0)
                        goto fail;
                p += pl;
                q += ql;
        }
        if (capture)
                req->n_captures = n_caps;
        return true;
fail:
        if (capture)
                for (size_t i = 0; i < n_caps; i++)
                        req->captures[i] = mfree(req->captures[i]);
        return false;
}

const struct berth_http_api *berth_http_router_api_for_path(const struct berth_http_router *r,
                                                            const char *path)
{
        const struct berth_http_api *best = r->n_apis ? r->apis[0] : NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < r->n_apis; i++) {
                size_t n = strlen(r->apis[i]->prefix);
                if (strncmp(path, r->apis[i]->prefix, n) == 0 && n > best_len) {
                        best = r->apis[i];
                        best_len = n;
                }
        }
        return best;
}

static void add_allow(char *allow, size_t size, const char *method)
{
        size_t n = strlen(allow);

        if (strstr(allow, method))
                return;
        (void)snprintf(allow + n, size - n, "%s%s", n ? ", " : "", method);
}

static double now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The route for the request, or NULL with the methods the path allows (404 when none,
 * 405 otherwise). The table is by rank: the first route that matches both path and
 * method is the most specific one. */
static const struct route_entry *find_route(struct berth_http_router *r,
                                            struct berth_http_request *req, char *allow,
                                            size_t allow_size)
{
        bool is_head = streq(req->method, "HEAD");

        for (size_t i = 0; i < r->n_routes; i++) {
                const struct berth_http_route *rt = r->routes[i].rt;

                if (!match(rt->pattern, req->path, req, false))
                        continue;
                add_allow(allow, allow_size, rt->method);
                if (streq(rt->method, req->method) || (is_head && streq(rt->method, "GET")))
                        return &r->routes[i];
        }
        return NULL;
}

/* Who may call: requests from web pages, then the token. Replies and returns false
 * when the request must not go on. Nothing has been read or changed yet. */
static bool admit(struct berth_http_router *r, struct berth_http_request *req,
                  const struct berth_http_api *api)
{
        char why[320];
        const char *refusal =
                api && api->browser_safe ? NULL : browser_refusal(r, req, why, sizeof(why));

        if (refusal) {
                (void)berth_http_reply_error(req, 403, "%s", refusal);
                return false;
        }
        if (!authorized(r, req)) {
                /* The token is never logged. */
                struct berth_http_header h = { "WWW-Authenticate", "Bearer realm=\"berth\"" };
                (void)berth_http_reply_error_headers(
                        req, 401, &h, 1,
                        "a valid token is required (header 'token: ...' or 'Authorization: "
                        "Bearer ...')");
                return false;
        }
        return true;
}

/* Call the route's handler on an admitted request; something is sent in any case. */
static void handle(struct berth_http_request *req, const struct route_entry *e)
{
        if (!match(e->rt->pattern, req->path, req, true)) {
                (void)berth_http_reply_error(req, 500, "out of memory");
                return;
        }
        e->rt->fn(req, e->api->userdata);
        req->door_data = NULL;
        if (!req->status)
                (void)berth_http_reply_error(req, 500, "handler sent no response");
}

/* No route takes the request: 404, 405, or the answer to OPTIONS. */
static void reply_unrouted(struct berth_http_request *req, const char *allow)
{
        struct berth_http_header h = { "Allow", allow };

        if (!allow[0])
                (void)berth_http_reply_error(req, 404, "path %s was not found", req->path);
        else if (streq(req->method, "OPTIONS"))
                (void)berth_http_reply(req, 204, NULL, NULL, 0, &h, 1);
        else
                (void)berth_http_reply_error_headers(req, 405, &h, 1,
                                                     "method %s is not allowed, but [%s] are",
                                                     req->method, allow);
}

static void log_request(const struct berth_http_request *req, double ms)
{
        bool quiet = streq(req->method, "GET") || streq(req->method, "HEAD");
        int level = req->status >= 500 ? LOG_ERR : quiet ? LOG_DEBUG : LOG_INFO;

        log_full(level, "%s %s%s%s -> %d (%zu bytes, %.2f ms) req=%llx from %s", req->method,
                 req->path, req->query ? "?" : "", req->query ? req->query : "", req->status,
                 req->reply_bytes, ms, (unsigned long long)req->id,
                 req->remote ? req->remote : "?");
}

void berth_http_dispatch(struct berth_http_router *r, struct berth_http_request *req)
{
        const struct route_entry *e;
        char allow[128] = "";
        double t0 = now_ms();

        req->error_api = req->path ? berth_http_router_api_for_path(r, req->path) : NULL;
        req->api = NULL;
        e = find_route(r, req, allow, sizeof(allow));
        if (e)
                req->api = e->api;
        if (!admit(r, req, e ? e->api : NULL))
                e = NULL;
        else if (e)
                handle(req, e);
        if (!req->status)
                reply_unrouted(req, allow);

        for (size_t i = 0; i < req->n_captures; i++)
                req->captures[i] = mfree(req->captures[i]);
        req->n_captures = 0;
        record(r, e ? req->method : "*", e ? e->rt->pattern : "(no route)", req->status,
               now_ms() - t0);
        log_request(req, now_ms() - t0);
}

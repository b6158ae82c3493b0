/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GET /api/v2/pod/{name}/log: the seed's text, JSON lines, or a stream that follows
 * every container of the pod. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "container.h"
#include "error.h"
#include "events.h"
#include "http.h"
#include "jdec.h"
#include "json-util.h"
#include "macro.h"
#include "pod.h"
#include "pods-door.h"
#include "pods-inspect.h"
#include "pods-log.h"
#include "pods-text.h"
#include "store.h"
#include "strbuf.h"
#include "strv.h"

/* ---- log ------------------------------------------------------------------------- */

/* A log reply being built (not followed). */
struct log_ctx {
        const struct member *x;
        struct berth_log_meta meta;
        char *label;  /* compose's prefix: "<service>_1" or the container's name */
        size_t width; /* the longest service name + 3 */
        bool json;
        struct strbuf *text;
        json_t *lines;
        size_t bytes;
        bool truncated;
};

static void append_bytes(struct strbuf *b, const char *s, size_t len)
{
        size_t need = b->len + len + 1;

        if (need > b->size && strbuf_grow(b, MAX(need, b->size * 2)) < 0)
                return;
        memcpy(b->p + b->len, s, len);
        b->len += len;
        b->p[b->len] = 0;
}

static json_t *line_json(const char *container, const char *service,
                         const struct berth_log_meta *meta, const char *line, size_t len)
{
        _cleanup_free_ char *clean = NULL;
        size_t clen = 0;
        json_t *j;

        clean = pods_text_utf8(line, len, &clen);
        if (!clean)
                return NULL;
        j = json_pack("{s:s, s:s, s:n, s:n, s:s%}", "container", container, "service", service,
                      "stream", "time", "line", clean, clen);
        /* What the engine could tell (the native engine keeps one log of both streams,
         * without times: null). */
        if (j && meta->stream > 0)
                json_object_set_new(j, "stream",
                                    json_string(meta->stream == 2 ? "stderr" : "stdout"));
        if (j && meta->time > 0) {
                char when[64];
                time_t sec = (time_t)meta->time;
                struct tm tm;
                (void)gmtime_r(&sec, &tm);
                (void)snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                               tm.tm_sec, (int)((meta->time - (double)sec) * 1e6));
                json_object_set_new(j, "time", json_string(when));
        }
        return j;
}

static int log_line(const char *line, size_t len, void *userdata)
{
        struct log_ctx *c = userdata;
        /* What the line adds to the reply: its prefix, or its object's keys. */
        size_t cost = len + (c->json ? strlen(c->x->container) + strlen(c->x->service) + 80
                                     : MAX(c->width, strlen(c->label)) + 4);

        if (c->bytes + cost > LOG_REPLY_MAX) {
                c->truncated = true;
                return -1;
        }
        c->bytes += cost;
        if (c->json) {
                json_t *j = line_json(c->x->container, c->x->service, &c->meta, line, len);
                return json_array_append_new(c->lines, j) < 0 ? -ENOMEM : 0;
        }
        pods_text_log_prefix(c->text, c->label, c->width);
        append_bytes(c->text, line, len);
        append_bytes(c->text, "\n", 1);
        return c->text->oom ? -ENOMEM : 0;
}

/*
 * ?follow: one thread per container, each writing its lines to the stream as they
 * come (one writer at a time). The request ends when every container's log has ended
 * or a write failed (the client is gone); the threads of containers that stay silent
 * then learn it at their next line (or when their container ends or is deleted) and
 * end on their own: the request does not wait for them, and nothing of it is touched
 * after it returned (gone is set first).
 */
struct follow_shared {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned refs;    /* the request, and each follower */
        unsigned running; /* followers still following */
        bool gone;        /* the client is gone, or the request has returned */
        struct berth_http_request *req;
};

struct follower {
        struct follow_shared *sh;
        struct berth_store *store;
        uint64_t id;
        struct berth_logs_query q;
        struct berth_log_meta meta;
        char *label, *container, *service;
        size_t width;
        bool json;
};

static void follow_unref(struct follow_shared *sh)
{
        bool last;

        pthread_mutex_lock(&sh->lock);
        last = --sh->refs == 0;
        pthread_mutex_unlock(&sh->lock);
        if (!last)
                return;
        pthread_mutex_destroy(&sh->lock);
        pthread_cond_destroy(&sh->cond);
        free(sh);
}

static void follower_free(struct follower *f)
{
        free(f->label);
        free(f->container);
        free(f->service);
        free(f);
}

static int follow_line(const char *line, size_t len, void *userdata)
{
        struct follower *f = userdata;
        struct follow_shared *sh = f->sh;
        _cleanup_free_ char *dump = NULL;
        struct strbuf b = {};
        int r;

        if (f->json) {
                json_t *j = line_json(f->container, f->service, &f->meta, line, len);
                dump = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                if (dump)
                        strbuf_printf(&b, "%s\n", dump);
        } else {
                pods_text_log_prefix(&b, f->label, f->width);
                append_bytes(&b, line, len);
                append_bytes(&b, "\n", 1);
        }
        pthread_mutex_lock(&sh->lock);
        if (sh->gone)
                r = -EPIPE;
        else if (b.oom || !b.p)
                r = -ENOMEM;
        else
                r = berth_http_stream_write(sh->req, b.p, b.len);
        if (r < 0 && !sh->gone) {
                sh->gone = true;
                pthread_cond_broadcast(&sh->cond);
        }
        pthread_mutex_unlock(&sh->lock);
        strbuf_wipe(&b);
        return r < 0 ? -1 : 0;
}

static void *follow_one(void *userdata)
{
        struct follower *f = userdata;
        struct follow_shared *sh = f->sh;
        struct berth_error e = {};

        (void)berth_container_logs(f->store, f->id, &f->q, follow_line, f, &e);
        pthread_mutex_lock(&sh->lock);
        sh->running--;
        pthread_cond_broadcast(&sh->cond);
        pthread_mutex_unlock(&sh->lock);
        follower_free(f);
        follow_unref(sh);
        return NULL;
}

static struct follower *follower_new(struct follow_shared *sh, struct berth_pods_api *api,
                                     const struct member *x, const struct log_ctx *c, size_t tail)
{
        struct follower *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        *f = (struct follower){
                .sh = sh,
                .store = api->store,
                .id = x->id,
                .q = { .tail = tail, .follow = true },
                .label = strdup(c->label),
                .container = strdup(x->container),
                .service = strdup(x->service),
                .width = c->width,
                .json = c->json,
        };
        if (!f->label || !f->container || !f->service) {
                follower_free(f);
                return NULL;
        }
        if (f->json)
                f->q.meta = &f->meta;
        return f;
}

/* berthd is stopping (its event bus is closed): a stream ends then, so that the HTTP
 * server's stop does not wait for it. */
static bool shutting_down(struct berth_pods_api *api)
{
        bool lost;

        return api->store->events && berth_events_wait(api->store->events, UINT64_MAX - 1, 0, NULL,
                                                       0, &lost) == -ESHUTDOWN;
}

static void log_follow(struct berth_http_request *req, struct berth_pods_api *api,
                       struct members *m, const struct log_ctx *ctx, bool json, size_t tail,
                       const struct strbuf *attaching)
{
        struct follow_shared *sh = calloc(1, sizeof(*sh));
        sigset_t all, old;
        int r;

        if (!sh)
                return pods_reply_msg(req, 500, "out of memory");
        *sh = (struct follow_shared){ .refs = 1, .req = req };
        pthread_mutex_init(&sh->lock, NULL);
        pthread_cond_init(&sh->cond, NULL);
        r = berth_http_stream_begin(req, 200,
                                    json ? "application/x-ndjson" : "text/plain; charset=utf-8");
        if (r >= 0 && !json)
                r = berth_http_stream_write(req, attaching->p, attaching->len);
        /* The followers take no signal (berthd's main thread waits for them). */
        (void)sigfillset(&all);
        (void)pthread_sigmask(SIG_BLOCK, &all, &old);
        for (size_t i = 0; r >= 0 && i < m->n; i++) {
                struct follower *f;
                pthread_t t;

                if (!m->v[i].exists || !(f = follower_new(sh, api, &m->v[i], &ctx[i], tail)))
                        continue;
                pthread_mutex_lock(&sh->lock);
                sh->refs++;
                sh->running++;
                pthread_mutex_unlock(&sh->lock);
                if (pthread_create(&t, NULL, follow_one, f) == 0)
                        (void)pthread_detach(t);
                else
                        (void)follow_one(f); /* no thread: here, the others wait */
        }
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_mutex_lock(&sh->lock);
        while (r >= 0 && sh->running > 0 && !sh->gone && !shutting_down(api)) {
                struct timespec t;

                (void)clock_gettime(CLOCK_REALTIME, &t);
                t.tv_sec += 1;
                (void)pthread_cond_timedwait(&sh->cond, &sh->lock, &t);
        }
        sh->gone = true; /* from here on no follower touches req */
        pthread_mutex_unlock(&sh->lock);
        follow_unref(sh);
}

static int log_query(struct berth_http_request *req, size_t *ret_tail, bool *ret_json,
                     bool *ret_follow, struct berth_error *err)
{
        static const char *const allowed[] = { "tail", "format", "follow", NULL };
        struct berth_http_query q;
        uint64_t tail = 0;
        const char *format;
        int r;

        r = berth_http_query_parse(req->query, allowed, &q, err);
        if (r < 0)
                return r;
        r = berth_http_query_u64(&q, "tail", &tail, err);
        if (r >= 0)
                r = berth_http_query_bool(&q, "follow", ret_follow, err);
        format = berth_http_query_get(&q, "format");
        if (r >= 0 && format && !streq(format, "text") && !streq(format, "json"))
                r = berth_error_set(err, EINVAL, "format in query must be text or json");
        *ret_json = format && streq(format, "json");
        *ret_tail = (size_t)MIN(tail, (uint64_t)SIZE_MAX);
        berth_http_query_done(&q);
        return r < 0 ? r : 0;
}

void pods_h_log(struct berth_http_request *req, void *userdata)
{
        struct berth_pods_api *api = userdata;
        _cleanup_free_ char *name = NULL;
        _cleanup_free_ const char **services = NULL, **names = NULL;
        _cleanup_free_ struct log_ctx *ctx = NULL;
        struct berth_error err = {};
        struct strbuf text = {};
        struct members m = {};
        json_auto_t *lines = NULL;
        size_t tail = 0, n_names = 0, width;
        bool json = false, follow = false, truncated = false;
        int r;

        r = log_query(req, &tail, &json, &follow, &err);
        if (r >= 0)
                r = pods_pod_name(api, req, &name, &err);
        if (r >= 0)
                r = pods_members_get(api, name, &m, &err);
        if (r < 0)
                return pods_reply_err(req, &err, r);
        services = calloc(m.n + 1, sizeof(char *));
        names = calloc(m.n + 1, sizeof(char *));
        ctx = calloc(m.n + 1, sizeof(*ctx));
        lines = json_array();
        if (!services || !names || !ctx || !lines) {
                pods_reply_msg(req, 500, "out of memory");
                goto out;
        }
        for (size_t i = 0; i < m.n; i++) {
                services[i] = m.v[i].service;
                if (m.v[i].exists)
                        names[n_names++] = m.v[i].container;
        }
        width = pods_text_log_width(services, m.n);
        pods_text_attaching(&text, names, n_names);
        for (size_t i = 0; i < m.n; i++) {
                ctx[i] = (struct log_ctx){
                        .x = &m.v[i], .width = width, .json = json, .text = &text, .lines = lines
                };
                ctx[i].label = pods_text_log_label(name, m.v[i].service, m.v[i].container);
                if (!ctx[i].label) {
                        pods_reply_msg(req, 500, "out of memory");
                        goto out;
                }
        }
        /* HEAD: the headers of the reply, never a stream. */
        if (follow && !streq_ptr(req->method, "HEAD")) {
                log_follow(req, api, &m, ctx, json, tail, &text);
                goto out;
        }
        for (size_t i = 0, bytes = 0; i < m.n && !truncated; i++) {
                if (!m.v[i].exists)
                        continue;
                ctx[i].bytes = bytes;
                r = berth_container_logs(api->store, m.v[i].id,
                                         &(struct berth_logs_query){
                                                 .tail = tail,
                                                 .meta = json ? &ctx[i].meta : NULL,
                                         },
                                         log_line, &ctx[i], &err);
                /* ENOENT: deleted meanwhile; a reply that is full stops the reading. */
                if (r < 0 && r != -ENOENT && !ctx[i].truncated) {
                        (void)berth_error_prefix(&err, "the log of %s", m.v[i].container);
                        pods_reply_err(req, &err, r);
                        goto out;
                }
                bytes = ctx[i].bytes;
                truncated = ctx[i].truncated;
        }
        if (json)
                pods_reply_json(req, 200,
                                json_pack("{s:O, s:b}", "lines", lines, "truncated", truncated));
        else {
                if (truncated)
                        strbuf_printf(&text,
                                      "(berth: the reply stops at %u KiB; ask for the last "
                                      "lines with ?tail=N)\n",
                                      LOG_REPLY_MAX / 1024);
                if (text.oom)
                        pods_reply_msg(req, 500, "out of memory");
                else
                        pods_reply_string(req, text.p, text.len);
        }
out:
        for (size_t i = 0; ctx && i < m.n; i++)
                free(ctx[i].label);
        strbuf_wipe(&text);
        pods_members_done(&m);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SRC door's uptime recorder and its verb (srcapp-uptime.h).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker.h"
#include "error.h"
#include "log.h"
#include "macro.h"
#include "srcapp-uptime.h"
#include "srcapp.h"
#include "strv.h"
#include "uptime.h"

#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 10000
#define PRUNE_EVERY_S 3600.0
#define KEEP_DEFAULT_S (90.0 * 86400.0)

struct src_recorder {
        struct berth_engine *engine;
        struct src_uptime *u;
        void (*on_node_event)(void *userdata);
        void *userdata;
        char **facilities;
        double keep;
        double last_prune;

        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stopping, started;
        pthread_t thread;
};

static double now_real(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool stopping(struct src_recorder *r)
{
        bool s;

        pthread_mutex_lock(&r->lock);
        s = r->stopping;
        pthread_mutex_unlock(&r->lock);
        return s;
}

static void prune_maybe(struct src_recorder *r)
{
        struct berth_error err = {};
        double now = now_real();
        int n;

        if (now - r->last_prune < PRUNE_EVERY_S)
                return;
        r->last_prune = now;
        n = src_uptime_prune(r->u, now - r->keep, &err);
        if (n < 0)
                log_warning("SRC uptime: prune: %s", err.msg[0] ? err.msg : strerror(-n));
        else if (n > 0)
                log_debug("SRC uptime: %d changes older than %.0f s pruned", n, r->keep);
}

/* Asked at least once a second while the stream is open: the hourly prune rides on it. */
static bool should_stop(void *userdata)
{
        struct src_recorder *r = userdata;

        if (stopping(r))
                return true;
        prune_maybe(r);
        return false;
}

/* 1 running, 0 not, -1 no change of state. */
static int running_after(const char *action, json_t *attrs)
{
        if (streq(action, "start") || streq(action, "unpause"))
                return 1;
        if (streq(action, "die") || streq(action, "stop") || streq(action, "pause") ||
            streq(action, "destroy") || streq(action, "create"))
                return 0;
        if (streq(action, "kill")) {
                /* Only SIGKILL ends it for sure; another signal's end comes as a die. */
                const char *sig = json_string_value(json_object_get(attrs, "signal"));
                return sig && (streq(sig, "9") || streq(sig, "SIGKILL") || streq(sig, "KILL")) ? 0
                                                                                               : -1;
        }
        return -1;
}

static int handle_event(json_t *ev, void *userdata)
{
        struct src_recorder *r = userdata;
        json_t *actor = json_object_get(ev, "Actor"), *attrs = json_object_get(actor, "Attributes");
        const char *action = json_string_value(json_object_get(ev, "Action"));
        /* A swarm task's container counts for its service, the app. */
        const char *svc =
                json_string_value(json_object_get(attrs, "com.docker.swarm.service.name"));
        const char *name = svc ? svc : json_string_value(json_object_get(attrs, "name"));
        const char *facility = json_string_value(json_object_get(attrs, SRC_LABEL_FACILITY));
        json_t *tn = json_object_get(ev, "timeNano");
        struct berth_error err = {};
        double t;
        int run, k;

        if (!action || !json_is_integer(tn) || json_integer_value(tn) <= 0)
                return 0;
        /* This node became a swarm node, or its role changed (Docker says nothing when
         * it leaves a swarm: the door asks again after a second anyway). */
        if (streq_ptr(json_string_value(json_object_get(ev, "Type")), "node")) {
                if (r->on_node_event)
                        r->on_node_event(r->userdata);
                return 0;
        }
        if (!streq_ptr(json_string_value(json_object_get(ev, "Type")), "container"))
                return 0;
        /* Always the same way: a replay is recognised by its exact time. */
        t = (double)json_integer_value(tn) / 1e9;
        run = running_after(action, attrs);
        if (run < 0 || !name || !facility || !strv_contains(r->facilities, facility))
                k = src_uptime_set_last_event(r->u, t, &err);
        else
                k = src_uptime_record(r->u, name, t, run == 1, action, &err);
        if (k < 0 && k != -EINVAL) {
                log_warning("SRC uptime: %s", err.msg[0] ? err.msg : strerror(-k));
                return k; /* followed again from the bookmark */
        }
        return 0;
}

static void *recorder_main(void *userdata)
{
        struct src_recorder *r = userdata;
        _cleanup_free_ char *filters = NULL;
        json_t *f = json_pack("{s:[s, s]}", "type", "container", "node");
        int backoff = 0;

        /* Containers and swarm nodes: a label filter would drop the nodes' events (Docker
         * ANDs the keys), so the apps' facility label is checked here. */
        filters = f ? json_dumps(f, JSON_COMPACT) : NULL;
        json_decref(f);
        if (!filters) {
                log_error("SRC uptime: out of memory, no uptime is recorded");
                return NULL;
        }
        while (!stopping(r)) {
                struct berth_error err = {};
                struct timespec deadline;
                double since = 0, t0 = now_real();
                int k;

                prune_maybe(r);
                k = src_uptime_last_event(r->u, &since, &err);
                if (k >= 0)
                        k = berth_docker_follow_events(r->engine, since > 0 ? since : 1.0, filters,
                                                       handle_event, r, should_stop, &err);
                if (stopping(r))
                        break;
                if (k < 0)
                        log_debug("SRC uptime: events: %s", err.msg[0] ? err.msg : strerror(-k));
                if (now_real() - t0 > 10)
                        backoff = 0;
                backoff = backoff ? MIN(backoff * 2, BACKOFF_MAX_MS) : BACKOFF_FIRST_MS;
                (void)clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_sec += backoff / 1000;
                deadline.tv_nsec += (long)(backoff % 1000) * 1000000;
                if (deadline.tv_nsec >= 1000000000) {
                        deadline.tv_sec++;
                        deadline.tv_nsec -= 1000000000;
                }
                pthread_mutex_lock(&r->lock);
                while (!r->stopping && pthread_cond_timedwait(&r->cond, &r->lock, &deadline) == 0)
                        ;
                pthread_mutex_unlock(&r->lock);
        }
        return NULL;
}

int src_recorder_start(struct berth_engine *e, const char *db_path, char *const *facilities,
                       double keep, void (*on_node_event)(void *userdata), void *userdata,
                       struct src_recorder **ret, struct berth_error *err)
{
        struct src_recorder *r;
        int k = 0;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->engine = e;
        r->on_node_event = on_node_event;
        r->userdata = userdata;
        r->keep = keep > 0 ? keep : KEEP_DEFAULT_S;
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->cond, NULL);
        for (char *const *f = facilities; f && *f && k >= 0; f++)
                k = strv_extend(&r->facilities, *f);
        if (k >= 0)
                k = src_uptime_open(db_path, &r->u, err);
        if (k >= 0 && e) {
                k = -pthread_create(&r->thread, NULL, recorder_main, r);
                if (k < 0)
                        (void)berth_error_set(err, -k, "SRC uptime: cannot start its thread");
                else
                        r->started = true;
        }
        if (k < 0) {
                src_recorder_stop(r);
                return berth_error_ensure(err, k, "SRC uptime");
        }
        *ret = r;
        return 0;
}

void src_recorder_signal(struct src_recorder *r)
{
        if (!r || !r->started)
                return;
        pthread_mutex_lock(&r->lock);
        r->stopping = true;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
}

struct src_recorder *src_recorder_stop(struct src_recorder *r)
{
        if (!r)
                return NULL;
        if (r->started) {
                src_recorder_signal(r);
                (void)pthread_join(r->thread, NULL);
        }
        src_uptime_free(r->u);
        strv_free(r->facilities);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
}

struct src_uptime *src_recorder_uptime(struct src_recorder *r)
{
        return r ? r->u : NULL;
}

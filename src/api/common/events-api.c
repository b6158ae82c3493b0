/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "events-api.h"
#include "events.h"
#include "macro.h"

/* Also how soon a vanished client's slot is noticed and freed. */
#define KEEPALIVE_MS 5000

static const char *event_type(const struct berth_event *e)
{
        return e->kind[0] ? e->kind : berth_obj_type_to_string(e->type);
}

static json_t *event_json(const struct berth_event *e)
{
        char when[64];
        time_t sec = (time_t)e->time;
        struct tm tm;
        json_t *j;

        (void)gmtime_r(&sec, &tm);
        (void)snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       (int)((e->time - (double)sec) * 1000));
        j = json_pack("{s:I, s:s, s:s, s:I, s:s}", "seq", (json_int_t)e->seq, "time", when, "type",
                      event_type(e), "id", (json_int_t)e->id, "event", e->event);
        if (!j)
                return NULL;
        if (e->name[0])
                json_object_set_new(j, "name", json_string(e->name));
        if (e->state[0])
                json_object_set_new(j, "state", json_string(e->state));
        /* A container's end; org.rdk.OCIContainer's stop (kind "oci", oci-events.h) says
         * it again for its descriptor. */
        if (e->type == BERTH_OBJ_CONTAINER &&
            (!e->kind[0] || (streq(e->kind, "oci") && streq(e->event, "stopped")))) {
                json_object_set_new(j, "exit_code",
                                    e->exit_code >= 0 ? json_integer(e->exit_code) : json_null());
                json_object_set_new(j, "signal", e->signal ? json_integer(e->signal) : json_null());
                json_object_set_new(j, "oom_killed", json_boolean(e->oom_killed));
        }
        return j;
}

static int send_event(struct berth_http_request *req, const struct berth_event *e)
{
        _cleanup_free_ char *data = NULL, *frame = NULL;
        json_t *j = event_json(e);
        int n;

        if (!j)
                return -ENOMEM;
        data = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!data)
                return -ENOMEM;
        n = asprintf(&frame, "id: %" PRIu64 "\nevent: %s\ndata: %s\n\n", e->seq, event_type(e),
                     data);
        if (n < 0)
                return -ENOMEM;
        return berth_http_stream_write(req, frame, (size_t)n);
}

static uint64_t start_after(struct berth_http_request *req, struct berth_events *ev,
                            const struct berth_http_query *q)
{
        const char *since = berth_http_query_get(q, "since");
        const char *last = berth_http_header(req, "Last-Event-ID");

        if (since)
                return strtoull(since, NULL, 10);
        if (last) {
                char *end;
                unsigned long long v;
                errno = 0;
                v = strtoull(last, &end, 10);
                if (!errno && *last && !*end)
                        return v;
        }
        return berth_events_last(ev); /* only what happens from now on */
}

static void h_events(struct berth_http_request *req, void *userdata)
{
        static const char *const allowed[] = { "since", NULL };
        struct berth_events_api *a = userdata;
        struct berth_event buf[64];
        struct berth_error err = {};
        struct berth_http_query q;
        uint64_t after, x;
        int r;

        r = berth_http_query_parse(req->query, allowed, &q, &err);
        if (r >= 0)
                r = berth_http_query_u64(&q, "since", &x, &err);
        if (r < 0) {
                berth_http_query_done(&q);
                (void)berth_http_reply_berror(req, &err);
                return;
        }
        after = start_after(req, a->events, &q);
        berth_http_query_done(&q);

        if (atomic_fetch_add(&a->clients, 1) >= a->max_clients) {
                atomic_fetch_sub(&a->clients, 1);
                (void)berth_http_reply_error(req, 503, "%d event streams are open already",
                                             a->max_clients);
                return;
        }
        r = berth_http_stream_begin(req, 200, "text/event-stream");
        if (r >= 0)
                r = berth_http_stream_write(req, ": berth events\n\n", 16);
        while (r >= 0) {
                bool lost;
                int n = berth_events_wait(a->events, after, KEEPALIVE_MS, buf, ELEMENTSOF(buf),
                                          &lost);

                if (n < 0)
                        break; /* shutting down */
                if (lost)
                        r = berth_http_stream_write(req, "event: lost\ndata: {}\n\n", 22);
                if (n == 0 && r >= 0)
                        r = berth_http_stream_write(req, ": keepalive\n\n", 13);
                for (int i = 0; i < n && r >= 0; i++) {
                        r = send_event(req, &buf[i]);
                        after = buf[i].seq;
                }
        }
        atomic_fetch_sub(&a->clients, 1);
}

static const struct berth_http_route events_routes[] = {
        { "GET", "/events", h_events },
        { "GET", "/imageapi/v1/events", h_events },
};

void berth_events_api_init(struct berth_events_api *a, struct berth_events *events, int max_clients)
{
        a->events = events;
        atomic_init(&a->clients, 0);
        a->max_clients = max_clients;
        a->http = (struct berth_http_api){
                .name = "events",
                .prefix = "/events",
                .routes = events_routes,
                .n_routes = ELEMENTSOF(events_routes),
                .error_body = NULL, /* the default {"code","message"} */
                .userdata = a,
        };
}

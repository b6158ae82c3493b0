/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GET /events for a door that follows the engine's events itself (the SRC door's uptime
 * recorder): since= and filters= as given, one callback per event object, until the
 * caller's should_stop says so (asked at least once a second) or the stream ends.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "docker-internal.h"
#include "macro.h"

struct follow_stop {
        bool (*should_stop)(void *ud);
        void *ud;
};

static bool stop_now(void *userdata)
{
        struct follow_stop *s = userdata;

        return s->should_stop && s->should_stop(s->ud);
}

int berth_docker_follow_events(struct berth_engine *e, double since, const char *filters_json,
                               int (*fn)(json_t *event, void *ud), void *ud,
                               bool (*should_stop)(void *ud), struct berth_error *err)
{
        struct docker *dk = e->data;
        _cleanup_free_ char *esc = NULL, *path = NULL;
        struct follow_stop st = { .should_stop = should_stop, .ud = ud };
        struct docker_ndjson nd = { .fn = fn, .userdata = ud };
        struct docker_reply reply = {};
        long long whole;
        long frac;
        int r;

        if (!fn || !(since >= 0) || since > 253402300799.0)
                return berth_error_set(err, EINVAL, "docker: follow the events: bad since %f",
                                       since);
        if (filters_json) {
                esc = docker_escape(filters_json);
                if (!esc)
                        return -ENOMEM;
        }
        whole = (long long)since;
        frac = (long)((since - (double)whole) * 1e9);
        if (frac < 0)
                frac = 0;
        if (frac > 999999999)
                frac = 999999999;
        if (asprintf(&path, "/events?since=%lld.%09ld%s%s", whole, frac, esc ? "&filters=" : "",
                     esc ? esc : "") < 0)
                return -ENOMEM;
        r = docker_request(dk->client,
                           &(struct docker_request){ .path = path,
                                                     .on_data = docker_ndjson_data,
                                                     .userdata = &nd,
                                                     .should_stop = stop_now,
                                                     .stop_userdata = &st },
                           &reply, err);
        docker_ndjson_done(&nd);
        if (r >= 0 && r != 200)
                r = docker_error(&reply, err, "follow the events");
        docker_reply_done(&reply);
        return MIN(r, 0);
}

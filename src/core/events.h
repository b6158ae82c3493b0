/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "objects.h"

/*
 * The event bus: every state change of every object is one event, kept in a ring of
 * the most recent ones. GET /events streams them; nobody polls the kernel on a timer.
 */

#define BERTH_EVENTS_RING 4096

struct berth_event {
        uint64_t seq; /* increasing, also across berthd restarts */
        double time;  /* seconds since the epoch */
        enum berth_obj_type type;
        char kind[12]; /* "" for store objects (type); else what it is about ("pod") */
        uint64_t id;
        char name[BERTH_NAME_MAX + 1];
        char event[16]; /* created, running, paused, stopping, exited, dead, oom, deleted */
        char state[16]; /* the object's state after the event ("" for mounts …) */
        int exit_code;  /* -1 when none */
        int signal;     /* 0 when none */
        bool oom_killed;
};

struct berth_events {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        uint64_t next_seq;
        uint64_t first_seq; /* of this run */
        struct berth_event ring[BERTH_EVENTS_RING];
        bool closing;
};

void berth_events_init(struct berth_events *ev);
void berth_events_done(struct berth_events *ev);

/* Publish (copies e; fills seq and time). */
void berth_events_publish(struct berth_events *ev, const struct berth_event *e);

/* Copy events with seq > after into out (at most max), waiting up to timeout_ms for
 * the first one. *ret_lost is set when events after `after` fell out of the ring.
 * Returns the number copied (0 on timeout), -ESHUTDOWN when closing. */
int berth_events_wait(struct berth_events *ev, uint64_t after, int timeout_ms,
                      struct berth_event *out, size_t max, bool *ret_lost);

/* Wake every waiter for good (shutdown). */
void berth_events_close(struct berth_events *ev);

/* The sequence number of the newest event (one less than the first when none). */
uint64_t berth_events_last(struct berth_events *ev);

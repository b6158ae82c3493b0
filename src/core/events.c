/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "macro.h"

void berth_events_init(struct berth_events *ev)
{
        pthread_condattr_t a;

        memset(ev, 0, sizeof(*ev));
        pthread_mutex_init(&ev->lock, NULL);
        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_init(&ev->cond, &a);
        pthread_condattr_destroy(&a);
        /* Sequence numbers grow across berthd restarts (microseconds since the epoch
         * at start), so a Last-Event-ID from an earlier run asks for "everything since
         * then" rather than colliding with this run's numbers. */
        {
                struct timespec ts;
                (void)clock_gettime(CLOCK_REALTIME, &ts);
                ev->next_seq = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
                ev->first_seq = ev->next_seq;
        }
}

void berth_events_done(struct berth_events *ev)
{
        pthread_mutex_destroy(&ev->lock);
        pthread_cond_destroy(&ev->cond);
}

void berth_events_publish(struct berth_events *ev, const struct berth_event *e)
{
        struct timespec ts;
        struct berth_event *slot;

        (void)clock_gettime(CLOCK_REALTIME, &ts);
        pthread_mutex_lock(&ev->lock);
        slot = &ev->ring[ev->next_seq % BERTH_EVENTS_RING];
        *slot = *e;
        slot->seq = ev->next_seq++;
        slot->time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
        pthread_cond_broadcast(&ev->cond);
        pthread_mutex_unlock(&ev->lock);
}

uint64_t berth_events_last(struct berth_events *ev)
{
        uint64_t r; /* first_seq - 1 when there is none yet */

        pthread_mutex_lock(&ev->lock);
        r = ev->next_seq - 1;
        pthread_mutex_unlock(&ev->lock);
        return r;
}

int berth_events_wait(struct berth_events *ev, uint64_t after, int timeout_ms,
                      struct berth_event *out, size_t max, bool *ret_lost)
{
        struct timespec deadline;
        size_t n = 0;

        (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000;
        }
        *ret_lost = false;
        pthread_mutex_lock(&ev->lock);
        while (!ev->closing && ev->next_seq - 1 <= after)
                if (pthread_cond_timedwait(&ev->cond, &ev->lock, &deadline) == ETIMEDOUT)
                        break;
        if (ev->closing) {
                pthread_mutex_unlock(&ev->lock);
                return -ESHUTDOWN;
        }
        /* The ring holds seq next_seq - RING … next_seq - 1. */
        if (after + 1 < ev->first_seq)
                after = ev->first_seq - 1; /* from before this run: all of this run's */
        else if (ev->next_seq - ev->first_seq > BERTH_EVENTS_RING &&
                 after + 1 < ev->next_seq - BERTH_EVENTS_RING) {
                *ret_lost = true;
                after = ev->next_seq - BERTH_EVENTS_RING - 1;
        }
        for (uint64_t s = after + 1; s < ev->next_seq && n < max; s++)
                out[n++] = ev->ring[s % BERTH_EVENTS_RING];
        pthread_mutex_unlock(&ev->lock);
        return (int)n;
}

void berth_events_close(struct berth_events *ev)
{
        pthread_mutex_lock(&ev->lock);
        ev->closing = true;
        pthread_cond_broadcast(&ev->cond);
        pthread_mutex_unlock(&ev->lock);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restart policies of the native engine, as Docker's restart manager applies them:
 *   no              never
 *   always          whenever PID 1 ends, unless a client stopped it (and again when
 *                   berthd starts, even then)
 *   unless-stopped  as always, but a container a client stopped stays stopped
 *   on-failure[:N]  when it ended with a non-zero code or a signal, at most N times (0:
 *                   no limit) since the last start a client asked for
 * The delay doubles from 100 ms to 1 min and goes back to 100 ms after 10 s of running.
 * A restart is a timer on the supervisor; its handler starts the container with op_lock
 * taken (tried: a request that holds op_lock may be waiting for this very thread).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "store.h"
#include "supervisor.h"

#define BACKOFF_FIRST_MS 100u
#define BACKOFF_MAX_MS 60000u
#define BACKOFF_RESET_AFTER_MS 10000u
#define OP_LOCK_RETRY_MS 50u

/* Does the policy want it back? (the store's lock held) */
/* A one-shot timer of the container watched by the supervisor (handler): made on first
 * use, set to ms from now (the stop timer and the restart timer). */
int native_timer_arm(struct berth_container *c, int *fd, int handler, uint64_t ms)
{
        struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
                                                .tv_nsec = (long)(ms % 1000) * 1000000 } };

        if (*fd < 0) {
                *fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (*fd < 0)
                        return -errno;
                if (berth_supervisor_watch(NAT(c)->supervisor, *fd, handler, c->obj.id) < 0) {
                        *fd = safe_close(*fd);
                        return -errno;
                }
        }
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1;
        return RET_NERRNO(timerfd_settime(*fd, 0, &its, NULL));
}

static bool wants_restart(const struct berth_container *c, bool at_berthd_start)
{
        const struct berth_workload *w = &c->w;
        const struct native_ctr *n = N(c);
        bool failed = c->signal != 0 || c->exit_code != 0;

        switch (w->restart) {
        case BERTH_RESTART_ALWAYS:
                return !c->stop_requested || at_berthd_start;
        case BERTH_RESTART_UNLESS_STOPPED:
                return !c->stop_requested;
        case BERTH_RESTART_ON_FAILURE:
                return !c->stop_requested && failed &&
                       (w->restart_max == 0 || n->restarts < w->restart_max);
        case BERTH_RESTART_NO:
        case _BERTH_RESTART_MAX:
        case _BERTH_RESTART_INVALID:
        default:
                return false;
        }
}

static int arm(struct berth_container *c, uint64_t ms)
{
        return native_timer_arm(c, &N(c)->restart_fd, NAT(c)->watch_restart, ms);
}

/* The store's lock held. */
static void schedule(struct berth_container *c, bool at_berthd_start)
{
        struct native_ctr *n = N(c);
        uint64_t ran = n->started_ms ? (uint64_t)monotonic_ms() - n->started_ms : 0;

        if (!wants_restart(c, at_berthd_start))
                return;
        if (ran >= BACKOFF_RESET_AFTER_MS || n->backoff_ms == 0)
                n->backoff_ms = BACKOFF_FIRST_MS;
        else
                n->backoff_ms = MIN(n->backoff_ms * 2, (uint64_t)BACKOFF_MAX_MS);
        if (arm(c, n->backoff_ms) < 0) {
                log_warning("Container %llu: no timer for its restart",
                            (unsigned long long)c->obj.id);
                return;
        }
        n->restart_pending = true;
        berth_container_log(c, "restart policy %s: restarting in %llu ms (restart %u)",
                            berth_restart_to_string(c->w.restart),
                            (unsigned long long)n->backoff_ms, n->restarts + 1);
}

void native_restart_after_exit(struct berth_container *c)
{
        struct berth_store *s = NAT(c)->store;

        pthread_mutex_lock(&s->lock);
        schedule(c, /* at_berthd_start= */ false);
        pthread_mutex_unlock(&s->lock);
}

void native_restart_after_adopt(struct berth_container *c)
{
        struct berth_store *s = NAT(c)->store;

        if (c->state != BERTH_CONTAINER_EXITED && c->state != BERTH_CONTAINER_DEAD)
                return;
        pthread_mutex_lock(&s->lock);
        N(c)->backoff_ms = 0;
        schedule(c, /* at_berthd_start= */ true);
        pthread_mutex_unlock(&s->lock);
}

void native_restart_cancel(struct berth_container *c)
{
        struct berth_store *s = NAT(c)->store;
        struct native_ctr *n = N(c);
        bool was;

        pthread_mutex_lock(&s->lock);
        was = n->restart_pending;
        n->restart_pending = false;
        c->stop_requested = true;
        berth_supervisor_unwatch(NAT(c)->supervisor, n->restart_fd);
        n->restart_fd = safe_close(n->restart_fd);
        pthread_mutex_unlock(&s->lock);
        if (was)
                berth_container_log(c, "restart cancelled: the container was stopped");
}

/* The timer fired (supervisor thread). */
void native_handle_restart(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_error err = {};
        struct berth_container *c;
        uint64_t ticks;
        int r;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        if (c && N(c)->restart_fd >= 0)
                (void)!read(N(c)->restart_fd, &ticks, sizeof(ticks));
        if (!c || !N(c)->restart_pending || c->stop_requested ||
            (c->state != BERTH_CONTAINER_EXITED && c->state != BERTH_CONTAINER_DEAD)) {
                if (c)
                        N(c)->restart_pending = false;
                pthread_mutex_unlock(&s->lock);
                return;
        }
        pthread_mutex_unlock(&s->lock);

        if (pthread_mutex_trylock(&s->op_lock) != 0) {
                /* A request holds it, and may wait for this thread: try again soon. */
                pthread_mutex_lock(&s->lock);
                c = berth_container_lookup_locked(s, id);
                if (c && N(c)->restart_pending)
                        (void)arm(c, OP_LOCK_RETRY_MS);
                pthread_mutex_unlock(&s->lock);
                return;
        }
        pthread_mutex_lock(&s->lock);
        /* Deleted, or stopped, while op_lock was free? */
        c = berth_container_lookup_locked(s, id);
        if (c && N(c)->restart_pending && !c->stop_requested) {
                N(c)->restart_pending = false;
                N(c)->restarting = true;
                N(c)->restarts++;
        } else
                c = NULL;
        pthread_mutex_unlock(&s->lock);
        if (c) {
                r = native_start(c->engine, c, &err);
                pthread_mutex_lock(&s->lock);
                N(c)->restarting = false;
                pthread_mutex_unlock(&s->lock);
                if (r < 0) {
                        log_warning("Container %llu: restart failed: %s", (unsigned long long)id,
                                    err.msg);
                        pthread_mutex_lock(&s->lock);
                        free(c->error);
                        c->error = strdup(err.msg);
                        berth_container_set_state_locked(s, c, BERTH_CONTAINER_DEAD);
                        pthread_mutex_unlock(&s->lock);
                        berth_container_persist(s, c);
                        berth_container_publish(s, c, "dead");
                }
        }
        pthread_mutex_unlock(&s->op_lock);
}

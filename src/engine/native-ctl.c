/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running container: signals, the stop timer, cgroup pins; stop, kill, pause, resume
 * and remove. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "store.h"
#include "supervisor.h"

#define FORCE_STOP_WAIT_S 10

/* ---- signals, the stop timer, cgroup pins ----------------------------------------- */

int native_signal(struct berth_container *c, int sig)
{
        if (N(c)->pidfd < 0)
                return -ESRCH;
        return RET_NERRNO((int)syscall(SYS_pidfd_send_signal, N(c)->pidfd, sig, NULL, 0));
}

int native_arm_timer(struct berth_container *c, uint64_t ms)
{
        return native_timer_arm(c, &N(c)->timer_fd, NAT(c)->watch_timer, ms);
}

struct berth_cgroup *native_cg_pin(struct berth_container *c)
{
        struct berth_store *s = NAT(c)->store;
        struct berth_cgroup *cg;

        pthread_mutex_lock(&s->lock);
        cg = N(c)->exit_handled ? NULL : N(c)->cg;
        if (cg)
                N(c)->cg_pins++;
        pthread_mutex_unlock(&s->lock);
        return cg;
}

void native_cg_unpin(struct berth_container *c, struct berth_cgroup *cg)
{
        struct berth_store *s = NAT(c)->store;

        if (!cg)
                return;
        pthread_mutex_lock(&s->lock);
        if (--N(c)->cg_pins == 0 && N(c)->cg != cg)
                berth_cgroup_free(cg);
        pthread_mutex_unlock(&s->lock);
}

/* ---- state changes ---------------------------------------------------------------- */

int native_stop(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct berth_store *s = NAT(c)->store;
        int sig = berth_workload_stop_signal(&c->w);
        bool paused = c->state == BERTH_CONTAINER_PAUSED;
        enum berth_container_state prev = c->state;
        int r;

        (void)e;
        if (c->state != BERTH_CONTAINER_RUNNING && c->state != BERTH_CONTAINER_PAUSED) {
                /* Not running: what a stop can still do is cancel a restart to come. */
                if (N(c)->restart_pending) {
                        native_restart_cancel(c);
                        berth_container_persist(s, c);
                }
                return 0;
        }
        /* Recorded before the signal goes: a berthd restarted from here on finishes the
         * stop (native_adopted()). */
        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        berth_container_set_state_locked(s, c, BERTH_CONTAINER_STOPPING);
        pthread_mutex_unlock(&s->lock);
        berth_container_persist(s, c);
        pthread_mutex_lock(&s->lock);
        r = 0;
        if (c->state == BERTH_CONTAINER_STOPPING && !N(c)->exit_handled) {
                r = native_signal(c, sig);
                if (r >= 0 || r == -ESRCH)
                        r = native_arm_timer(c, c->w.stop_timeout_ms);
                else {
                        c->stop_requested = false;
                        berth_container_set_state_locked(s, c, prev);
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return berth_error_set_errno(err, -r, "stop container %llu",
                                             (unsigned long long)c->obj.id);
        /* A frozen payload cannot act on the signal until it is thawed. */
        if (paused) {
                struct berth_cgroup *cg = native_cg_pin(c);

                if (cg)
                        (void)berth_cgroup_freeze(cg, false, NULL);
                native_cg_unpin(c, cg);
        }
        berth_container_log(c, "stopping container (signal %d, timeout %llu ms)", sig,
                            (unsigned long long)c->w.stop_timeout_ms);
        berth_container_publish(s, c, "stopping");
        return 0;
}

int native_kill(struct berth_engine *e, struct berth_container *c, int sig, struct berth_error *err)
{
        struct berth_store *s = NAT(c)->store;
        int r;

        (void)e;
        pthread_mutex_lock(&s->lock);
        r = N(c)->exit_handled ? -ESRCH : native_signal(c, sig);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return berth_error_set_errno(err, -r, "signal %d to container %llu", sig,
                                             (unsigned long long)c->obj.id);
        berth_container_log(c, "signal %d sent", sig);
        return 0;
}

static int freeze(struct berth_container *c, bool pause, struct berth_error *err)
{
        struct berth_store *s = NAT(c)->store;
        struct berth_cgroup *cg = native_cg_pin(c);
        int r = cg ? berth_cgroup_freeze(cg, pause, err)
                   : berth_error_set(err, EOPNOTSUPP, "the container has no cgroup freezer");

        native_cg_unpin(c, cg);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        berth_container_set_state_locked(s, c,
                                         pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        berth_container_log(c, pause ? "container paused" : "container resumed");
        berth_container_publish(s, c, pause ? "paused" : "running");
        return 0;
}

int native_pause(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)e;
        return freeze(c, true, err);
}

int native_resume(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)e;
        return freeze(c, false, err);
}

/* ---- remove ------------------------------------------------------------------------- */

/* SIGKILL to PID 1 and everything in its groups, and wait for its end to be handled. */
static int kill_and_wait(struct berth_container *c, struct berth_error *err)
{
        struct berth_store *s = NAT(c)->store;
        struct berth_cgroup *cg;
        struct timespec deadline;
        bool live;

        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        (void)native_signal(c, SIGKILL);
        pthread_mutex_unlock(&s->lock);
        /* The exit handler may run (and drop the cgroups) meanwhile. */
        cg = native_cg_pin(c);
        if (cg) {
                (void)berth_cgroup_kill_all(cg);
                (void)berth_cgroup_freeze(cg, false, NULL);
        }
        native_cg_unpin(c, cg);
        (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += FORCE_STOP_WAIT_S;
        pthread_mutex_lock(&s->lock);
        while (!N(c)->exit_handled)
                if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
                        break;
        live = !N(c)->exit_handled;
        pthread_mutex_unlock(&s->lock);
        if (live)
                return berth_error_set(err, EIO,
                                       "container %llu did not end within %d s of SIGKILL",
                                       (unsigned long long)c->obj.id, FORCE_STOP_WAIT_S);
        return 0;
}

int native_remove(struct berth_engine *e, struct berth_container *c, unsigned flags,
                  struct berth_error *err)
{
        struct berth_store *s = NAT(c)->store;
        bool live = c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
                    c->state == BERTH_CONTAINER_STOPPING;
        int r;

        (void)e;
        native_restart_cancel(c);
        if (flags & BERTH_REMOVE_DISCARD) {
                native_remove_files(c, /* keep_log= */ false);
                return 0;
        }
        if (live) {
                r = kill_and_wait(c, err);
                if (r < 0)
                        return r;
        }
        /* The supervisor may still be finishing with it (log, event, record). */
        pthread_mutex_lock(&s->lock);
        while (N(c)->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        berth_container_log(c, "container deleted");
        native_remove_files(c, /* keep_log= */ true);
        return 0;
}

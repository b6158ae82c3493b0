/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "macro.h"
#include "pidref.h"
#include "zygotes.h"

#define ZYGOTES_MAX 8
#define ZYGOTE_START_TIMEOUT_MS 5000

struct berth_zygotes {
        struct berth_launcher *L;
        const struct berth_cgroup_system *cs;
        unsigned seq;
        char *staging;
        unsigned target; /* 0 once disabled */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct berth_zygote_ready ready[ZYGOTES_MAX];
        unsigned n_ready;
        bool stop;
        pthread_t thread;
};

/* Kill a zygote and remove its groups. */
static void berth_zygote_ready_discard(struct berth_zygote_ready *r)
{
        berth_zygote_kill(&r->z);
        r->cg = berth_cgroup_destroy(r->cg);
}

/* A zygote in groups of its own. */
static int make_one(struct berth_zygotes *p, unsigned seq, struct berth_zygote_ready *ret,
                    struct berth_error *err)
{
        struct berth_zygote_ready r = {
                .z = { .pidfd = -EBADF, .sync_fd = -EBADF, .mntns_fd = -EBADF }
        };
        char name[32];
        int k;

        if (p->cs && p->cs->layout != BERTH_CGROUP_NONE) {
                (void)snprintf(name, sizeof(name), "z%u", seq);
                k = berth_cgroup_create(p->cs, name, 0, &(struct berth_limits){}, &r.cg, err);
                if (k < 0)
                        return k;
        }
        k = berth_zygote_start(p->L, p->staging, r.cg ? r.cg->paths : NULL, ZYGOTE_START_TIMEOUT_MS,
                               &r.z, err);
        if (k < 0) {
                berth_zygote_ready_discard(&r);
                return k;
        }
        (void)pid_starttime(r.z.pid, &r.starttime);
        *ret = r;
        return 0;
}

static bool zygote_alive(const struct berth_zygote_ready *z)
{
        struct pollfd pf = { .fd = z->z.pidfd, .events = POLLIN };

        return poll(&pf, 1, 0) == 0;
}

/* Drop zygotes that ended while they waited (someone killed one). With p->lock. */
static void prune_dead(struct berth_zygotes *p)
{
        for (unsigned i = 0; i < p->n_ready;)
                if (!zygote_alive(&p->ready[i])) {
                        berth_zygote_ready_discard(&p->ready[i]);
                        p->ready[i] = p->ready[--p->n_ready];
                } else
                        i++;
}

static void *refill(void *userdata)
{
        struct berth_zygotes *p = userdata;
        unsigned failures = 0;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                struct berth_error err = {};
                struct berth_zygote_ready z;
                int r;

                for (;;) {
                        struct timespec ts;

                        prune_dead(p);
                        if (p->stop || p->n_ready < p->target)
                                break;
                        /* Woken by a take, or every second to look for dead ones. */
                        (void)clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_sec += 1;
                        (void)pthread_cond_timedwait(&p->cond, &p->lock, &ts);
                }
                if (p->stop)
                        break;
                pthread_mutex_unlock(&p->lock);
                r = make_one(p, p->seq++, &z, &err);
                pthread_mutex_lock(&p->lock);
                if (r >= 0 && !p->stop && p->n_ready < ZYGOTES_MAX) {
                        p->ready[p->n_ready++] = z;
                        failures = 0;
                        continue;
                }
                if (r >= 0) {
                        berth_zygote_ready_discard(&z);
                        continue;
                }
                if (++failures >= 3) {
                        log_error("Zygotes disabled, containers start without them: %s", err.msg);
                        p->target = 0;
                }
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

int berth_zygotes_start(struct berth_launcher *L, const struct berth_cgroup_system *cs,
                        const char *staging, unsigned target, struct berth_zygotes **ret)
{
        struct berth_zygotes *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->L = L;
        p->cs = cs;
        p->target = MIN(target, (unsigned)ZYGOTES_MAX);
        p->staging = strdup(staging);
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->cond, NULL);
        if (!p->staging) {
                free(p);
                return -ENOMEM;
        }
        r = -pthread_create(&p->thread, NULL, refill, p);
        if (r < 0) {
                free(p->staging);
                free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void berth_zygotes_stop(struct berth_zygotes *p)
{
        if (!p)
                return;
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        (void)pthread_join(p->thread, NULL);
        for (unsigned i = 0; i < p->n_ready; i++)
                berth_zygote_ready_discard(&p->ready[i]);
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p->staging);
        free(p);
}

bool berth_zygotes_take(struct berth_zygotes *p, struct berth_zygote_ready *ret)
{
        bool found = false;

        if (!p)
                return false;
        pthread_mutex_lock(&p->lock);
        /* One that ended meanwhile (killed by someone) is not handed out. */
        prune_dead(p);
        if (p->n_ready > 0) {
                *ret = p->ready[--p->n_ready];
                found = true;
        }
        pthread_mutex_unlock(&p->lock);
        return found;
}

void berth_zygotes_discard(struct berth_zygotes *p, struct berth_zygote_ready *z)
{
        berth_zygote_ready_discard(z);
        berth_zygotes_refill(p);
}

void berth_zygotes_refill(struct berth_zygotes *p)
{
        if (!p)
                return;
        pthread_mutex_lock(&p->lock);
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "supervisor.h"

/* An event's data: the handler's number in the top byte, the id below. 0 is the
 * wake-up fd. */
#define WATCH_SHIFT 56

static void dispatch(struct berth_supervisor *sup, uint64_t data)
{
        unsigned h = (unsigned)(data >> WATCH_SHIFT);
        uint64_t id = data & ((1ull << WATCH_SHIFT) - 1);

        if (h == 0 || h > __atomic_load_n(&sup->n_handlers, __ATOMIC_ACQUIRE))
                return;
        sup->handlers[h - 1].fn(sup->handlers[h - 1].userdata, id);
}

static void *run(void *userdata)
{
        struct berth_supervisor *sup = userdata;

        for (;;) {
                struct epoll_event evs[32];
                int n = epoll_wait(sup->epfd, evs, (int)ELEMENTSOF(evs), -1);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error_errno(errno, "Supervisor: epoll_wait failed: %m");
                        break;
                }
                for (int i = 0; i < n; i++) {
                        if (evs[i].data.u64 == 0)
                                return NULL; /* the wake-up fd: stop */
                        dispatch(sup, evs[i].data.u64);
                }
        }
        return NULL;
}

int berth_supervisor_new(struct berth_supervisor **ret)
{
        struct berth_supervisor *sup = calloc(1, sizeof(*sup));
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };

        if (!sup)
                return -ENOMEM;
        sup->epfd = epoll_create1(EPOLL_CLOEXEC);
        sup->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (sup->epfd < 0 || sup->wake_fd < 0 ||
            epoll_ctl(sup->epfd, EPOLL_CTL_ADD, sup->wake_fd, &ev) < 0) {
                int r = -errno;
                berth_supervisor_free(sup);
                return r;
        }
        *ret = sup;
        return 0;
}

int berth_supervisor_start(struct berth_supervisor *sup)
{
        int r = -pthread_create(&sup->thread, NULL, run, sup);

        if (r < 0)
                return r;
        sup->running = true;
        return 0;
}

struct berth_supervisor *berth_supervisor_free(struct berth_supervisor *sup)
{
        if (!sup)
                return NULL;
        if (sup->running) {
                (void)!write(sup->wake_fd, &(uint64_t){ 1 }, sizeof(uint64_t));
                pthread_join(sup->thread, NULL);
        }
        safe_close(sup->epfd);
        safe_close(sup->wake_fd);
        free(sup);
        return NULL;
}

int berth_supervisor_handler(struct berth_supervisor *sup, berth_watch_fn fn, void *userdata)
{
        unsigned n = sup->n_handlers;

        if (n >= BERTH_SUPERVISOR_HANDLERS_MAX)
                return -ENOSPC;
        sup->handlers[n].fn = fn;
        sup->handlers[n].userdata = userdata;
        __atomic_store_n(&sup->n_handlers, n + 1, __ATOMIC_RELEASE);
        return (int)n + 1;
}

int berth_supervisor_watch(struct berth_supervisor *sup, int fd, int handler, uint64_t id)
{
        struct epoll_event ev = {
                .events = EPOLLIN,
                .data.u64 = ((uint64_t)handler << WATCH_SHIFT) | id,
        };

        if (handler <= 0 || id >> WATCH_SHIFT)
                return -EINVAL;
        return RET_NERRNO(epoll_ctl(sup->epfd, EPOLL_CTL_ADD, fd, &ev));
}

void berth_supervisor_unwatch(struct berth_supervisor *sup, int fd)
{
        if (sup && fd >= 0)
                (void)epoll_ctl(sup->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "macro.h"
#include "supervisor.h"

#define WATCH_SHIFT 56

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
                        uint64_t data = evs[i].data.u64;
                        enum berth_watch what = (enum berth_watch)(data >> WATCH_SHIFT);
                        uint64_t id = data & ((1ull << WATCH_SHIFT) - 1);

                        switch (what) {
                        case BERTH_WATCH_EXIT:
                                container_handle_exit(sup->store, id);
                                break;
                        case BERTH_WATCH_TIMER:
                                container_handle_timer(sup->store, id);
                                break;
                        case BERTH_WATCH_CONSOLE:
                                container_handle_console(sup->store, id);
                                break;
                        case BERTH_WATCH_RBD_HELPER:
                                berth_attach_handle_helper_exit(sup->store, id);
                                break;
                        case BERTH_WATCH_RBD_LINGER:
                                berth_store_handle_linger_exit(sup->store, id);
                                break;
                        default:
                                return NULL; /* the wake-up fd: stop */
                        }
                }
        }
        return NULL;
}

int berth_supervisor_start(struct berth_store *s, struct berth_supervisor **ret)
{
        struct berth_supervisor *sup = calloc(1, sizeof(*sup));
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
        int r;

        if (!sup)
                return -ENOMEM;
        sup->store = s;
        sup->epfd = epoll_create1(EPOLL_CLOEXEC);
        sup->wake_fd = eventfd(0, EFD_CLOEXEC);
        if (sup->epfd < 0 || sup->wake_fd < 0 ||
            epoll_ctl(sup->epfd, EPOLL_CTL_ADD, sup->wake_fd, &ev) < 0) {
                r = -errno;
                safe_close(sup->epfd);
                safe_close(sup->wake_fd);
                free(sup);
                return r;
        }
        r = -pthread_create(&sup->thread, NULL, run, sup);
        if (r < 0) {
                safe_close(sup->epfd);
                safe_close(sup->wake_fd);
                free(sup);
                return r;
        }
        sup->running = true;
        *ret = sup;
        return 0;
}

void berth_supervisor_stop(struct berth_supervisor *sup)
{
        if (!sup)
                return;
        if (sup->running) {
                (void)!write(sup->wake_fd, &(uint64_t){ 1 }, sizeof(uint64_t));
                pthread_join(sup->thread, NULL);
        }
        safe_close(sup->epfd);
        safe_close(sup->wake_fd);
        free(sup);
}

int berth_supervisor_watch(struct berth_supervisor *sup, int fd, enum berth_watch what, uint64_t id)
{
        struct epoll_event ev = {
                .events = EPOLLIN,
                .data.u64 = ((uint64_t)what << WATCH_SHIFT) | id,
        };

        return RET_NERRNO(epoll_ctl(sup->epfd, EPOLL_CTL_ADD, fd, &ev));
}

void berth_supervisor_unwatch(struct berth_supervisor *sup, int fd)
{
        if (fd >= 0)
                (void)epoll_ctl(sup->epfd, EPOLL_CTL_DEL, fd, NULL);
}

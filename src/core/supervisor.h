/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdint.h>

struct berth_store;

/*
 * One thread that waits on every container's pidfd, stop timer and console: when PID
 * 1 exits it records how, when a stop times out it escalates to SIGKILL, and it copies
 * systemd's console into the log. It holds no lock while waiting.
 */

enum berth_watch {
        BERTH_WATCH_EXIT = 1,
        BERTH_WATCH_TIMER,
        BERTH_WATCH_CONSOLE,
        BERTH_WATCH_RBD_HELPER, /* id: an attachment whose berth-rbd ended */
        BERTH_WATCH_RBD_LINGER, /* id: a lingering helper of a deleted attachment */
};

struct berth_supervisor {
        struct berth_store *store;
        int epfd;
        int wake_fd;
        pthread_t thread;
        bool running;
};

int berth_supervisor_start(struct berth_store *s, struct berth_supervisor **ret);
void berth_supervisor_stop(struct berth_supervisor *sup);

int berth_supervisor_watch(struct berth_supervisor *sup, int fd, enum berth_watch what,
                           uint64_t id);
void berth_supervisor_unwatch(struct berth_supervisor *sup, int fd);

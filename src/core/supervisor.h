/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * One thread that waits on file descriptors (a container's pidfd, its stop timer and
 * console, a berth-rbd helper's pidfd …) and calls back whoever watches them. It holds
 * no lock while waiting and knows none of its callers: each module registers its
 * handlers, and a watch names a handler and an id (the object's) that the handler is
 * given back.
 */

/* Called on the supervisor's thread when the watched fd is readable. */
typedef void (*berth_watch_fn)(void *userdata, uint64_t id);

#define BERTH_SUPERVISOR_HANDLERS_MAX 32

struct berth_supervisor {
        int epfd;
        int wake_fd;
        pthread_t thread;
        bool running;
        unsigned n_handlers; /* atomic */
        struct {
                berth_watch_fn fn;
                void *userdata;
        } handlers[BERTH_SUPERVISOR_HANDLERS_MAX];
};

int berth_supervisor_new(struct berth_supervisor **ret);
/* Stop the thread (when started) and free. */
struct berth_supervisor *berth_supervisor_free(struct berth_supervisor *sup);
int berth_supervisor_start(struct berth_supervisor *sup);

/* A handler's number (> 0) for berth_supervisor_watch(), or -errno. */
int berth_supervisor_handler(struct berth_supervisor *sup, berth_watch_fn fn, void *userdata);

/* Ids are below 2^56. */
int berth_supervisor_watch(struct berth_supervisor *sup, int fd, int handler, uint64_t id);
void berth_supervisor_unwatch(struct berth_supervisor *sup, int fd);

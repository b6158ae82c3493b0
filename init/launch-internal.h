/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "launch.h"

struct berth_error;

/*
 * What launch.c (containers and zygotes) lends launch-exec.c (commands in running
 * containers): the clone of berth-init and the wait for its word.
 */

/* j (taken over) in a sealed memfd. */
int launch_json_memfd(json_t *j);

/* Read berth-init's messages until READY, ERROR, or its end. what: "the container",
 * "the command". */
int launch_wait_ready(int sync_fd, int pidfd, int timeout_ms, const char *what,
                      struct berth_launched *res, struct berth_error *err);

/* Clone into new namespaces (flags) and exec berth-init with argv and the fds in src
 * at their fixed numbers. Sets *ret_pid and *ret_pidfd. */
int launch_spawn_init(struct berth_launcher *L, uint64_t flags, const int *src, char *const *argv,
                      bool wait_go, bool keep_caps, int cgroup_v2, pid_t *ret_pid, int *ret_pidfd,
                      struct berth_error *err);

void launch_kill_and_reap(int pidfd);

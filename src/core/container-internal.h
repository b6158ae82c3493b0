/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "error.h"

/*
 * What the container's files share (not part of the store's interface):
 *   container-state.c   state changes, records, events, signals, the stop timer, pins
 *   container-start.c   what to run, the container's files, starting PID 1
 *   container-watch.c   the supervisor's side (exit, stop timer, console), re-adoption
 *   container.c         create, PATCH state, delete, berthd --shutdown-containers
 */

/* s->lock held, after every other field of the change is set. */
void container_set_state_locked(struct berth_store *s, struct berth_container *c,
                                enum berth_container_state st);
/* The record is encoded under the lock (the supervisor changes fields), and written
 * outside it. */
void container_persist(struct berth_store *s, struct berth_container *c);
void container_publish(struct berth_store *s, const struct berth_container *c, const char *what);
int container_signal(struct berth_container *c, int sig);
int container_arm_timer(struct berth_store *s, struct berth_container *c, uint64_t ms);
/* A request handler that uses a live container's cgroups outside the lock pins them:
 * the exit handler, which may run meanwhile, then leaves freeing them to the last pin.
 * NULL when the container has none (or has ended). */
struct berth_cgroup *container_cg_pin(struct berth_store *s, struct berth_container *c);
void container_cg_unpin(struct berth_store *s, struct berth_container *c, struct berth_cgroup *cg);

/* args[0] looked up in the image, with the container's PATH. */
int container_resolve_exec(const struct berth_container *c, char **ret, struct berth_error *err);
/* <state>/containers/<id> and the log file. */
int container_prepare_files(struct berth_store *s, struct berth_container *c,
                            struct berth_error *err);
/* <log>.1, where the log rotates to (created): an fd, or -1 with errno set, as open(2). */
int container_open_log_old(const struct berth_container *c);
/* keep_log: the log stays, within the budget of kept logs (logkeep.h). */
void container_remove_files(struct berth_store *s, struct berth_container *c, bool keep_log);
/* exec_path: args[0] resolved by the caller just before (taken over), or NULL. */
int container_start(struct berth_store *s, struct berth_container *c, char *exec_path,
                    struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "srcapp.h"

/*
 * The SRC apps in swarm mode (issue 15, "Swarm"): an app is a replicated service of one
 * replica named IMAGE--USER, with the io.berth.src.* labels on the service and on its
 * task containers. Swarm apps keep no state after they end: kill-app removes the
 * service, and its tasks go with it. Errors as srcapp.h's.
 *
 * A task runs on some node of the swarm; this node's engine answers for its own task
 * containers, and the engine of another node for its own when berthd was given it
 * (--src-node-engine NODE=unix:///PATH or tcp://ADDR:PORT, over TLS only). A task on a
 * node whose engine was not given, or does not answer, is shown as "unavailable" with
 * the reason (and "--" in stats for what only that engine knows). Never over ssh.
 */

/* create-app: the same checks as solo mode (an approved image; pulled when this engine
 * lacks it), then POST /services/create. No registry resolves the image. */
int src_swarm_create(struct src_apps *a, const char *facility, const char *image, const char *user,
                     char **ret_name, struct berth_error *err);
/* kill-app: remove the service, then wait (bounded) for its task containers to go. */
int src_swarm_kill(struct src_apps *a, const char *facility, const char *name,
                   struct berth_error *err);
/* get-app-names (users false) / get-users (users true): a list of strings. */
int src_swarm_names(struct src_apps *a, const char *facility, bool users, json_t **ret,
                    struct berth_error *err);
/* get-app-status: docker ps's objects of each running task's container (one object with
 * a name: its first task's, or one that says why none runs). */
int src_swarm_status(struct src_apps *a, const char *facility, const char *name, uint64_t now_usec,
                     json_t **ret, struct berth_error *err);
/* get-app-stats: docker stats's objects of the task containers ("--" when unavailable). */
int src_swarm_stats(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                    struct berth_error *err);
/* get-app-info: the service's inspect document. */
int src_swarm_info(struct src_apps *a, const char *facility, const char *name, json_t **ret,
                   struct berth_error *err);

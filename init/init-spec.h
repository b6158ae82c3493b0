/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "launch-spec.h"

struct berth_error;

/*
 * The spec berth-init runs (the launch spec, or an exec spec's translation) and its
 * word with berthd, for berth-init.c, berth-init-exec.c and restrict.c.
 */

/* The launch spec (or an exec spec's translation). */
extern struct berth_launch spec;

/* A message to berthd on LAUNCH_FD_SYNC, with an fd attached (or -1). */
void sync_send(const char *msg, int fd_to_pass);
/* The JSON at LAUNCH_FD_SPEC (closed after). */
int read_spec_json(json_t **ret, struct berth_error *err);
/* Into these groups (a v1 directory through "tasks", a v2 one through "cgroup.procs"). */
int join_cgroups_at(char *const *dirs, struct berth_error *err);

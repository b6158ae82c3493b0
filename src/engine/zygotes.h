/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "cgroup.h"
#include "launch.h"

/*
 * A pool of ready zygotes (launch.h) for containers of the default profile, refilled
 * by a thread of its own whenever one is taken. Each waits in v1 cgroups of its own
 * (named "z<n>" under the parent group, no limits): a claim renames them to the
 * container's id, cheaper than making new ones. A zygote that cannot be started three
 * times in a row disables the pool (logged): containers then start the usual way.
 */
struct berth_zygotes;

struct berth_zygote_ready {
        struct berth_zygote z;
        struct berth_cgroup *cg; /* its groups; NULL on a host without cgroups */
        uint64_t starttime;      /* its start time (pidref.h), read ahead; 0 if unknown */
};

/* staging: an empty directory (see berth_zygote_start()); cs may be NULL. */
int berth_zygotes_start(struct berth_launcher *L, const struct berth_cgroup_system *cs,
                        const char *staging, unsigned target, struct berth_zygotes **ret);
/* Ends the unclaimed zygotes and the thread. */
void berth_zygotes_stop(struct berth_zygotes *p);
/* A ready zygote, or false when there is none right now. */
bool berth_zygotes_take(struct berth_zygotes *p, struct berth_zygote_ready *ret);
/* Have the pool made full again. Called once a taken zygote's claim is over: a new
 * one cloned meanwhile would compete with it for the CPUs and for the mount
 * namespace lock that its pivot needs. */
void berth_zygotes_refill(struct berth_zygotes *p);
/* A taken zygote that will not be claimed: killed, its groups removed, the pool
 * refilled. */
void berth_zygotes_discard(struct berth_zygotes *p, struct berth_zygote_ready *z);

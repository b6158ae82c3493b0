/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "engine.h"
#include "launch-spec.h"
#include "workload.h"

struct berth_cgroup;
struct berth_cgroup_system;
struct berth_error;
struct berth_launcher;
struct berth_store;
struct berth_supervisor;

/*
 * The native engine: berth-init as PID 1 of new namespaces, started by berthd's own
 * launcher (init/launch.h), from a zygote when the workload allows it; its exit, stop
 * timer and console watched by the supervisor; found again after a restart of berthd.
 */
struct berth_native_config {
        struct berth_launcher *launcher;
        struct berth_cgroup_system *cgroups; /* NULL: containers run without cgroups */
        struct berth_supervisor *supervisor;
        uint64_t log_max; /* container logs rotate beyond this size */
};

int berth_native_engine_new(struct berth_store *s, const struct berth_native_config *cfg,
                            struct berth_engine **ret, struct berth_error *err);
/* Start the zygotes (n of them ready at a time); 0 when there are none to start. */
int berth_native_engine_zygotes(struct berth_engine *e, unsigned n, struct berth_error *err);
void berth_native_engine_free(struct berth_engine *e);

/* The translation of a workload into a launch (no kernel state touched: unit-tested). */
struct berth_native_launch_in {
        const struct berth_workload *w;
        uint64_t id;
        const char *name;
        const char *rootfs; /* the root's mountpoint */
        const char *staging;
        char *exec_path; /* taken over */
        const char *machine_id;
        uint64_t log_max;
        const struct berth_cgroup *cg; /* NULL: none */
};
int berth_native_launch_from_workload(const struct berth_native_launch_in *in,
                                      struct berth_launch *ret, struct berth_error *err);
/* The capability bounding set of a workload in groups cg (NULL: none). */
uint64_t berth_native_caps(const struct berth_workload *w, const struct berth_cgroup *cg);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;
struct dobby_spec;

/*
 * A Dobby spec's loop mounts (type "loop", dobby-spec.h's struct dobby_loop), as
 * Dobby's storage plugin mounts them: each image file through a loop device of its own
 * (LO_FLAGS_AUTOCLEAR: it goes with the mount), with the spec's file system type and
 * options, on a directory of berthd's, <roots>-loops/<root entry>/<n>, which the
 * container's workload then binds at the destination. The mounts live as long as the
 * container's root does, across restarts of the container and of berthd.
 */

/* Is i (a mount of s->w) one of s's loop mounts? */
bool dobby_loop_is(const struct dobby_spec *s, size_t i);

/* Mount s's loop images for the root entry of roots, and make their mounts' sources the
 * directories they are mounted on. The image must be a regular file (opened read-only
 * for a read-only mount). -errno, err naming the mount ("mounts[2].source …"); nothing
 * is left then. */
int dobby_loops_mount(const char *roots, const char *entry, struct dobby_spec *s,
                      struct berth_error *err);

/* Unmount (lazily) and remove what dobby_loops_mount() made for entry. */
void dobby_loops_release(const char *roots, const char *entry);

/* The same for every entry whose root is gone from roots. */
void dobby_loops_sweep(const char *roots);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "oci-door.h"

/*
 * The door's containers after they end (oci-reaper.c): crashes of those that restart
 * on failure, Dobby roots, and the removal of what ended for good.
 */

/* Delete it (force: SIGKILL first), and when it is gone, its root. reap_lock held. */
int oc_delete_locked(struct oci_containers *oc, uint64_t id, bool force, struct berth_error *err);

/* Forget root among those in making (roots_lock taken here). */
void oc_making_done(struct oci_containers *oc, const char *root);

/* Remove it if it is one of the door's and has ended for good, and its root with it. The
 * plain delete refuses a container that runs again meanwhile (a restart won the race).
 * Called with start_lock held too: the root goes here, not by a sweep. */
void oc_reap(struct oci_containers *oc, uint64_t id);

void *oc_reaper_main(void *userdata);

/* The root of a container that is gone (NULL: none): its processes are, and its
 * mounts were in its own namespace. */
void oc_remove_root(struct oci_containers *oc, const char *root);

/* Remove every container of the door that has ended for good, and the roots nothing
 * has. */
void oc_sweep(struct oci_containers *oc);

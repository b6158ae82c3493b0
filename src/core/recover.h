/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

struct berth_store;

/*
 * Start-up reconciliation: what the records under <state>/db say against what the
 * kernel has. Every recorded object comes back with its id, name, claims and log:
 *
 *   attachment  its loop device (same file: device and inode checked), the krbd
 *               device in /sys/bus/rbd, or its berth-rbd helper (pid and start time)
 *               with the helper's FUSE mount; a loop device that autoclear removed
 *               when the old berthd's fd closed is attached again to the same file
 *   mount       in mountinfo on its mountpoint (an attach mount on its device);
 *               mounted again from the record when gone
 *   container   PID 1 through a pidfd when pid, start time and boot match (paused
 *               when its freezer is frozen); one that ended meanwhile gets the exit
 *               status berth-init wrote, and a start cut short before the record said
 *               "running" is found by the namespace init in its cgroup
 *
 * What cannot come back is "lost": logged, published as deleted, its record removed
 * (kept, marked removed, while a live object still holds it). A container is never
 * lost: it is exited or dead; only one whose delete a crash cut short (its mount's
 * record already gone) is removed, as the delete asked. Nothing else running is
 * stopped. Then what a crash left
 * without a record is removed: mounts and directories under <state>/mounts and
 * <state>/rbd (a helper ends with its FUSE mount), container directories, and
 * cgroups under the parent group that no container owns.
 *
 * Runs before the API serves; needs the store's launcher, cgroups and supervisor.
 */
int berth_store_recover(struct berth_store *s);

/* For the types' sweeps: unmount (lazily) and remove every entry of dir that known
 * does not name; returns how many. */
unsigned berth_sweep_dir(const char *dir, char *const *known);

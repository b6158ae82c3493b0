/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/*
 * A process named across a berthd restart: its pid, plus the start time that tells it
 * apart from a later process that got the same pid, plus the boot it ran in.
 */

/* The start time of pid in clock ticks since boot (field 22 of /proc/PID/stat). */
int pid_starttime(pid_t pid, uint64_t *ret);

/* A pidfd for pid if it is still the process that started at starttime (0: do not
 * check) and has not ended. -ESRCH when it is gone (a zombie included) or the pid now
 * names another process. */
int pidfd_open_checked(pid_t pid, uint64_t starttime);

/* The mount namespace of pid while pidfd says that process has not ended (checked after
 * the open, so a reused pid is not taken for it): an fd, or -errno. */
int pid_open_mntns(pid_t pid, int pidfd);

/* This boot's id (/proc/sys/kernel/random/boot_id), 36 characters and a NUL. */
int boot_id(char out[37]);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "launch-spec.h"

struct berth_error;

/*
 * Namespaces a container joins by path (struct berth_launch.ns_join): berthd opens
 * them, checks each is a namespace of its kind, and clones the container from a thread
 * of its own that has entered them first (setns(2) of a network, ipc or uts namespace
 * changes only the calling thread, and a clone without CLONE_NEWNET … inherits it).
 * berthd's other threads never leave their namespaces.
 */

/* The CLONE_NEW* of each LAUNCH_JOIN_*. */
int berth_launch_join_type(size_t join);

/* Opens spec's ns_join files into fds (-EBADF where none): each must be a namespace file
 * (nsfs) of its kind. -errno, err naming the field ("ns_join.net '/x': …"); fds closed. */
int berth_launch_join_open(const struct berth_launch *spec, int fds[_LAUNCH_JOIN_MAX],
                           struct berth_error *err);
void berth_launch_join_close(int fds[_LAUNCH_JOIN_MAX]);

/* Runs fn(arg) on a new thread that has first entered the namespaces of fds (-EBADF:
 * none), and returns what fn returned; -errno, err set, when a namespace could not be
 * entered (fn not run). fn must leave nothing behind on that thread but what it
 * returns: the thread ends with it. */
int berth_launch_in_joined(const int fds[_LAUNCH_JOIN_MAX], int (*fn)(void *arg), void *arg,
                           struct berth_error *err);

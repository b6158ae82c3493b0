/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/*
 * Open path as if root_fd were "/": absolute symlinks and ".." never leave root_fd.
 * Used for every path a request (or a container image) controls. Prefers
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) (kernel >= 5.6); the fallback
 * walks the path one component at a time with O_NOFOLLOW and resolves symlinks
 * itself (delete it when berth requires 5.6).
 *
 * flags are open(2) flags (O_CLOEXEC is always added). Returns an fd / -errno
 * (ELOOP: too many symlinks).
 */
int open_in_root(int root_fd, const char *path, int flags, mode_t mode);

/* Open a regular file in root_fd for reading (or writing): found with O_PATH first and
 * checked to be a regular file before it is really opened (through /proc/self/fd), so
 * that a FIFO cannot block the caller and no device is ever opened (opening some has
 * effects: a watchdog starts, a tape rewinds). Returns an fd / -errno (EISDIR: a
 * directory, EINVAL: another kind of file). */
int open_regular_in_root(int root_fd, const char *path, int flags);

/* Force the fallback (tests). */
void open_in_root_force_fallback(bool b);

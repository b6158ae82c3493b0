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

/* Force the fallback (tests). */
void open_in_root_force_fallback(bool b);

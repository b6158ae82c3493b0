/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write data to path atomically: a temporary file in the same directory, renamed over
 * path. A reader (or a berthd restarted after a crash) sees the old or the new
 * content, never a mix. There is no fsync: everything written this way is runtime
 * state that does not outlive a reboot (the mounts and containers it describes do
 * not either), and an fsync costs milliseconds per request on a disk-backed /run.
 * Returns 0 / -errno. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same; durable: fsync the file before the rename and its directory after (for a
 * state directory on a disk, which outlives a power cut). */
int write_file_atomic_full(const char *path, const void *data, size_t len, mode_t mode,
                           bool durable);
/* fsync the directory that holds path (after a rename or an unlink in it). */
int fsync_directory_of(const char *path);

/* Read a whole file of at most max bytes (NUL-terminated). -EFBIG when larger. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The same from an open fd, from its offset on (left at the end of what was read). */
int read_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* Read a small sysfs-style attribute, strip the trailing newline. */
int read_one_line(const char *path, char *buf, size_t size);

/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);

/* Remove a directory tree without crossing into other file systems or following
 * symlinks. A missing path is success. */
int rm_rf_physical(const char *path);

/* Create a fresh directory "<dir>/<prefix>XXXXXX" (mode 0700 then chmod to mode). */
int mkdtemp_in(const char *dir, const char *prefix, mode_t mode, char **ret_path);

/* Is path a directory that is empty? */
int dir_is_empty(const char *path);

/* A helper program of berth (berth-init, berth-rbd): $<env> when set, else next to the
 * running binary (the build tree works without make install), else in LIBEXECDIR.
 * Returns a new string, or NULL (errno set) when there is none. */
char *find_helper(const char *name, const char *env);

/* Rotate a log whose name must not change (others append to it, O_APPEND): copy it into
 * old (truncated first), then truncate it. Returns 0 / -errno. */
int log_rotate_fd(int log_fd, int old_fd);

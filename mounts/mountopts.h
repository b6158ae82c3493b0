/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;

#define MOUNTOPTS_MAX 64
#define MOUNTOPT_LEN_MAX 256

/*
 * Validate the mount_options of a request and join them for libmount. Each entry may
 * itself hold several comma-separated options. Options that would change what kind
 * of mount this is (bind, move, remount, propagation flags), loop set-up, and
 * userspace-helper options (x-*, helper=, user, owner …) are refused: berth decides
 * those. ro/rw are resolved here (last one wins) and reported in *ret_ro; so are
 * dev/nodev, and "nodev" is added unless "dev" wins.
 *
 * The function is pure (no I/O) and fuzzed. *ret_joined is "" when there are no
 * options. Returns 0 / -EINVAL with a message naming the offending option.
 */
int mountopts_normalize(char *const *opts, char **ret_joined, bool *ret_ro,
                        struct berth_error *err);

/* Is fs_type a plausible file system type name ([a-z0-9._+-], 1..32)? */
bool fstype_is_valid(const char *s);

/* File systems that can only be mounted read-only: their attachment can be ro. */
bool fstype_is_read_only(const char *s);

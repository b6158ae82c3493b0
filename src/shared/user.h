/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* A group by name or number (NSS: not for the static berth-init). Returns 0 / -ENOENT. */
int group_lookup(const char *group, gid_t *ret);

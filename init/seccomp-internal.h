/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <seccomp.h>
#include <stdint.h>

#include "macro.h"

struct berth_error;

/* What berth's profiles (seccomp-profile.c) and custom rule sets (seccomp-rules.c)
 * share: libseccomp stays inside these two files. */

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* A filter with default action def, its syscalls compiled as a tree (NULL: out of
 * memory, or libseccomp refused def). */
scmp_filter_ctx berth_seccomp_new(uint32_t def);

/* One rule for the call name: 0 also when this kernel's architecture has no such call,
 * or one of the filter's ABIs lacks it, or action is the filter's default (-EACCES from
 * libseccomp); else -errno naming the call. */
int berth_seccomp_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                       const struct scmp_arg_cmp *cmp, struct berth_error *err);

/* The filter's BPF program in a sealed memfd. Returns the fd / -errno. */
int berth_seccomp_export(scmp_filter_ctx ctx, struct berth_error *err);

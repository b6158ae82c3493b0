/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;

/*
 * The default seccomp filter (libseccomp): everything is allowed except calls a
 * container has no business making — loading kernels or modules, open_by_handle_at,
 * bpf, perf_event_open, the key rings, swap, accounting, the clock, raw I/O ports.
 * Denied calls fail with EPERM (ENOSYS for the key rings and bpf in systemd mode,
 * which systemd handles as "not available"). reboot() is allowed in systemd mode: it
 * is how systemd ends its container. The filter covers the native ABI and, on
 * x86-64, the i386 and x32 ABIs too.
 *
 * Built once by berthd; the BPF program is written to a sealed memfd that each
 * berth-init installs, so no container start compiles a filter.
 * Returns the memfd / -errno.
 */
int berth_seccomp_build(bool systemd, struct berth_error *err);

/* The syscalls the filter denies, for documentation and tests. */
extern const char *const berth_seccomp_denied[];

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

struct berth_error;

/*
 * Kernel parameters of a container's own namespaces (OCI linux.sysctl), as
 * "key=value" entries: "net.ipv4.ip_forward=1". berth-init writes them under the
 * container's /proc/sys before the payload runs.
 */

/* Which namespace a parameter belongs to. */
enum berth_sysctl_ns {
        BERTH_SYSCTL_IPC,  /* kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* */
        BERTH_SYSCTL_NET,  /* net.* */
        BERTH_SYSCTL_UTS,  /* kernel.domainname (kernel.hostname is the hostname's) */
        BERTH_SYSCTL_HOST, /* any other: the host's, never a container's */
};

/* A key as the kernel names it under /proc/sys, dots for slashes: components of
 * letters, digits, '_' and '-' (at most 255 bytes in all). */
bool berth_sysctl_key_valid(const char *key);
/* key: a key, or a "key=value" entry. */
enum berth_sysctl_ns berth_sysctl_ns_of(const char *key);
/* "key=value" with a valid key of a namespace (not BERTH_SYSCTL_HOST) and a value of
 * at most 4095 bytes without a newline but at its end. */
bool berth_sysctl_entry_valid(const char *entry);

/* Writes each "key=value" of entries into proc_fd (a procfs mount of the container's
 * namespaces) at sys/<key's path>, one write(2) each. -errno, err naming the key. */
int berth_sysctl_write_all(int proc_fd, char *const *entries, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

struct berth_error;

/*
 * A custom seccomp filter: a workload's rule set (struct berth_workload.seccomp_rules),
 * which replaces berth's profile (seccomp-profile.h) as an OCI bundle's linux.seccomp
 * replaces crun's nothing: the set is the whole filter. The doors translate their
 * words into this canonical JSON form, checked, with libseccomp's numbers:
 *
 *   { "defaultAction": <uint32: an SCMP_ACT_* value, errno or trace data included>,
 *     "architectures": [<uint32: an SCMP_ARCH_* token>, …],   beside the native one
 *     "syscalls": [ { "names": ["mkdir", …],  non-empty strings, byte for byte
 *                     "action": <uint32>,
 *                     "args": [ { "index": 0..5, "value": <uint64>,
 *                                 "valueTwo": <uint64>, "op": <enum scmp_compare> } ] } ] }
 *
 * A name this kernel's architecture does not know is skipped, as crun and runc do (a
 * profile may name the calls of every architecture), and so is a rule whose action is
 * the default one. Comparisons of one rule on distinct arguments must all hold; when
 * two compare the same argument, each is a rule of its own (runc's reading).
 */

/* Largest rule set: entries of syscalls, names in all, comparisons of one entry. */
#define BERTH_SECCOMP_RULES_SYSCALLS_MAX 1024
#define BERTH_SECCOMP_RULES_NAMES_MAX 8192
#define BERTH_SECCOMP_RULES_ARGS_MAX 16

/* Compile rules into a BPF program in a sealed memfd (what LAUNCH_FD_SECCOMP takes); the
 * last 16 sets compiled are kept, and the same set again is a dup of its program.
 * what names the set in messages ("linux.seccomp": "linux.seccomp.syscalls[2]…").
 * Returns the fd / -errno: -EINVAL for a set not in the form above or one libseccomp
 * refuses, -E2BIG for a program beyond the kernel's 4096 instructions. */
int berth_seccomp_rules_build(json_t *rules, const char *what, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

struct berth_error;

/*
 * An OCI runtime spec's seccomp object (config.json's linux.seccomp, and the rule a Dobby
 * spec's seccomp stands for) as a workload's custom filter: the canonical rule set of
 * init/seccomp-rules.h. Every member is honoured or refused by name:
 *
 *  - defaultAction, syscalls[].action: SCMP_ACT_KILL, _KILL_PROCESS, _KILL_THREAD, _TRAP,
 *    _ERRNO, _TRACE, _ALLOW, _LOG; SCMP_ACT_NOTIFY is refused (berth has no listener),
 *    and so are listenerPath and listenerMetadata;
 *  - defaultErrnoRet, syscalls[].errnoRet: the errno of SCMP_ACT_ERRNO (0..4095) or the
 *    data of SCMP_ACT_TRACE (0..65535); EPERM when absent, as in runc and crun;
 *  - architectures: SCMP_ARCH_<name> for any name libseccomp knows (x86_64, x86, x32,
 *    aarch64, arm, …), beside the native one;
 *  - flags: SECCOMP_FILTER_FLAG_TSYNC is ignored (the payload is a single thread when it
 *    installs the filter: no other thread to sync); the other flags are refused (berth-init
 *    installs the filter with prctl(2), which takes none);
 *  - syscalls[].names: non-empty strings, given to libseccomp byte for byte; a name the
 *    running kernel's architecture does not know is skipped, as crun and runc do;
 *  - syscalls[].args[]: index 0..5, value, valueTwo (0 when absent), op SCMP_CMP_NE, _LT,
 *    _LE, _EQ, _GE, _GT or _MASKED_EQ.
 *
 * The set is compiled once here, so that one libseccomp refuses (or one beyond the
 * kernel's 4096 instructions) fails the translation. prefix names s in messages
 * ("linux.seccomp"). Returns 0 with *ret (NULL when s is absent or null) / -errno:
 * -EINVAL (a set libseccomp refuses or one too long included), -EOPNOTSUPP for a refused
 * member, -ENOMEM.
 */
int oci_seccomp_translate(json_t *s, const char *prefix, json_t **ret, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <linux/capability.h>
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct berth_error;

/*
 * The payload's restrictions (restrict.c), for berth-init's payload, its systemd and
 * its exec'd commands alike: capabilities, no_new_privs, the user, resource limits,
 * the real-time policy and the seccomp filters, in crun's order.
 */

/* Everything the payload's restrictions need, computed before the payload's process
 * exists, so that the child itself makes system calls only: it shares berth-init's
 * memory (vfork) until its execve(). */
struct restrictions {
        uint64_t drop;                         /* capabilities to drop from the bounding set */
        struct __user_cap_data_struct caps[2]; /* effective, permitted, inheritable */
        uint64_t ambient;                      /* raised after the user change */
        struct sock_fprog seccomp;             /* .filter NULL: none */
        struct sock_fprog finish;              /* on top of seccomp, for the payload */
        uint64_t ignored;                      /* signals ignored now, to reset (bit s-1) */
        char oom_score_adj[16];                /* written to /proc/self/oom_score_adj; "": no */
};

/* Where apply_restrictions() failed, for the message (restrict_error()). The payload's
 * process writes it into berth-init's memory (vfork), as its only write: volatile, so
 * that berth-init reads what the child wrote. */
enum restrict_step {
        STEP_NONE,
        STEP_OOM_SCORE_ADJ,
        STEP_RLIMIT,
        STEP_CWD,
        STEP_NO_NEW_PRIVS,
        STEP_BOUNDING_SET,
        STEP_USER,
        STEP_CAPS,
        STEP_SECCOMP,
        STEP_EXEC,
        STEP_TERMINAL, /* terminal: /dev/console as stdin, stdout, stderr and tty */
        STEP_SCHED,    /* rt_priority: SCHED_RR */
};

struct restrict_failure {
        enum restrict_step step;
        size_t index; /* STEP_RLIMIT: which */
        int error;
};

/* Computed from spec before the payload's process exists. */
int prepare_restrictions(struct restrictions *rs, struct berth_error *err);
/* In the payload's process (system calls only); where it failed in f. */
int apply_restrictions(const struct restrictions *rs, volatile struct restrict_failure *f);
/* f in words. */
int restrict_error(const struct restrict_failure *f, struct berth_error *err);

/* A zygote's restrictions that are the same for every container it may serve, on
 * berth-init itself before any claim (no_new_privs, the bounding set, the filter): the
 * next prepare_restrictions() starts from them. */
int restrict_zygote_early(struct berth_error *err);

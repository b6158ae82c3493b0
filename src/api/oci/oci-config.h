/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>

#include "workload.h"

struct berth_error;
struct oci_device_allowlist;

/*
 * An OCI bundle's config.json as a workload (issue 16, "startContainer: OCI bundles"),
 * for the native engine. Pure: no I/O but reading the bundle's directory entries (the
 * root must resolve inside the bundle, links included).
 *
 * Everything in config.json is either honoured or refused with an error that names the
 * field ("linux.seccomp: not supported yet", "mounts[3].type 'nfs': …"); nothing is
 * silently ignored except annotations, which are returned as they are.
 */

struct oci_overrides {
        /* Replaces process.args: split into words as a POSIX shell splits them (blanks
         * separate; '…' and "…" quote; \ escapes), nothing expanded. NULL: none. */
        const char *command;
        /* Added to process.env ("KEY=value"; one for a KEY already there replaces it). */
        char *const *envvar;
        /* A host socket bind-mounted into the container at /tmp/westeros, with
         * XDG_RUNTIME_DIR=/tmp and WAYLAND_DISPLAY=westeros in its environment, as Dobby
         * does. NULL: none. */
        const char *westeros_socket;
        /* The node's device allow-list (berthd --oci-device-allow) for a bundle's
         * linux.devices and device rules, as for a Dobby spec's devices; NULL: none. */
        const struct oci_device_allowlist *devices;
};

/* bundle: an absolute path of a directory; config: its config.json, parsed. Fills w
 * (berth_workload_init() first; root_path = the bundle's root, resolved) and, when
 * ret_annotations is not NULL, a copy of the annotations (an object, maybe empty).
 * -EINVAL (a bad value) or -EOPNOTSUPP (a field berth does not honour), err naming the
 * field; w is then empty. */
int oci_config_to_workload(const char *bundle, json_t *config, const struct oci_overrides *o,
                           struct berth_workload *w, json_t **ret_annotations,
                           struct berth_error *err);

/* The method's command and envvar (o may be NULL) on w's args and environment, as both
 * starts take them. -EINVAL naming the bad one, -ENOMEM. */
int oci_overrides_apply(const struct oci_overrides *o, struct berth_workload *w,
                        struct berth_error *err);

/* Words of a command line as a POSIX shell splits them, nothing expanded: -EINVAL for
 * an unterminated quote or a trailing backslash, naming it; an empty line is -EINVAL. */
int oci_split_command(const char *line, char ***ret, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "oci-config-kernel.h"
#include "strv.h"
#include "sysctl.h"

#define SYSCTL_MAX 256

/* Why key is not the container's own to set, or NULL when it is. */
static const char *sysctl_refusal(const char *key, const struct berth_workload *w)
{
        switch (berth_sysctl_ns_of(key)) {
        case BERTH_SYSCTL_NET:
                if (w->ns_join[BERTH_WL_JOIN_NET])
                        return "the network namespace is joined, not the container's own";
                if (!(w->namespaces & BERTH_NS_NET))
                        return "the container shares the host's network namespace";
                return NULL;
        case BERTH_SYSCTL_IPC:
                return w->ns_join[BERTH_WL_JOIN_IPC]
                               ? "the ipc namespace is joined, not the container's own"
                               : NULL;
        case BERTH_SYSCTL_UTS:
                return w->ns_join[BERTH_WL_JOIN_UTS]
                               ? "the uts namespace is joined, not the container's own"
                               : NULL;
        case BERTH_SYSCTL_HOST:
                break;
        }
        if (streq(key, "kernel.hostname"))
                return "set the hostname field instead";
        return "not a parameter of a namespace: it would change the host";
}

int oci_decode_cgroups_path(json_t *l, struct berth_workload *w, struct berth_error *err)
{
        json_t *v = json_object_get(l, "cgroupsPath");
        const char *p;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return berth_error_set(err, EINVAL, "linux.cgroupsPath must be a string");
        p = json_string_value(v);
        if (!*p)
                return 0;
        if (strchr(p, ':'))
                return berth_error_set(err, EOPNOTSUPP,
                                       "linux.cgroupsPath '%.128s': the systemd driver's "
                                       "slice:prefix:name is not supported (a path below "
                                       "berthd's cgroup parent is)",
                                       p);
        while (*p == '/')
                p++;
        if (!berth_wl_cgroups_path_valid(p))
                return berth_error_set(err, EINVAL,
                                       "linux.cgroupsPath '%.128s' must be 1 to 4 names of "
                                       "letters, digits, '_', '-' and '.' (none starting with "
                                       "'.'; the first not all digits, nor 'z' and digits: "
                                       "berth's own), 128 bytes at most",
                                       json_string_value(v));
        w->cgroups_path = strdup(p);
        return w->cgroups_path ? 0 : -ENOMEM;
}

int oci_decode_sysctl(json_t *l, struct berth_workload *w, struct berth_error *err)
{
        json_t *o = json_object_get(l, "sysctl"), *v;
        const char *key;

        if (!o || json_is_null(o))
                return 0;
        if (!json_is_object(o))
                return berth_error_set(err, EINVAL, "linux.sysctl must be an object");
        if (json_object_size(o) > SYSCTL_MAX)
                return berth_error_set(err, EINVAL, "linux.sysctl: more than %d parameters",
                                       SYSCTL_MAX);
        json_object_foreach (o, key, v) {
                const char *why;
                char *entry;

                if (!berth_sysctl_key_valid(key))
                        return berth_error_set(err, EINVAL,
                                               "linux.sysctl '%.64s': not a parameter name "
                                               "(letters, digits, '_' and '-' between dots)",
                                               key);
                if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
                        return berth_error_set(
                                err, EINVAL, "linux.sysctl.%s must be a string (without NUL)", key);
                why = sysctl_refusal(key, w);
                if (why)
                        return berth_error_set(err, EOPNOTSUPP, "linux.sysctl.%s: %s", key, why);
                if (asprintf(&entry, "%s=%s", key, json_string_value(v)) < 0)
                        return -ENOMEM;
                if (!berth_sysctl_entry_valid(entry)) {
                        free(entry);
                        return berth_error_set(err, EINVAL,
                                               "linux.sysctl.%s: a value of at most 4095 bytes, "
                                               "with no newline but a last one",
                                               key);
                }
                if (strv_consume(&w->sysctls, entry) < 0)
                        return -ENOMEM;
        }
        return 0;
}

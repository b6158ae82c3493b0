/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A Dobby spec's mounts (dobby-spec.h): bind, tmpfs and loop mounts, then /dev/log (syslog), the
 * system bus (dbus) and the westeros socket. Pure. */
/*
 * A Dobby legacy spec as a workload (dobby-spec.h): the fields DobbySpecConfig.cpp reads,
 * then the fixed parts of its template (OciConfigJson1.0.2-dobby). Where Dobby would
 * paste a string into the template, berth copies it; where Dobby would ignore a field or
 * hand it to a plugin berth lacks, berth refuses it by name. Pure.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "error.h"
#include "jdec.h"
#include "macro.h"
#include "mountopts.h"
#include "oci-config-mounts.h"
#include "oci-seccomp.h"
#include "oci-util.h"
#include "dobby-mounts.h"
#include "dobby-spec.h"
#include "dobby-util.h"
#include "strv.h"

#define WESTEROS_PATH "/tmp/westeros"

/* The host's directories that the root binds read-only (dobby-root.c): nothing may be
 * mounted inside them. */
static const char *const host_dirs[] = { "/usr",   "/bin",   "/sbin",  "/lib",
                                         "/lib32", "/lib64", "/libx32" };

/* ---- mounts ------------------------------------------------------------------------ */

/* A mount of w (room made by the caller) and the field that names it. */
static int add_mount(struct dobby_spec *d, const char *field, enum berth_wl_mount_kind kind,
                     const char *source, const char *destination, unsigned flags,
                     struct berth_wl_mount **ret)
{
        struct berth_wl_mount *m = &d->w.mounts[d->w.n_mounts];

        *m = (struct berth_wl_mount){ .kind = kind, .flags = flags };
        d->w.n_mounts++;
        m->source = source ? strdup(source) : NULL;
        m->destination = strdup(destination);
        if ((source && !m->source) || !m->destination || strv_extend(&d->mount_fields, field) < 0)
                return -ENOMEM;
        if (ret)
                *ret = m;
        return 0;
}

/* Where a spec's mount may not go: "/", where berth mounts something itself, below
 * /proc or /sys, and into the host's read-only directories. */
static int check_destination(const char *dest, const char *p, struct berth_error *err)
{
        if (streq(dest, "/"))
                return berth_error_set(err, EINVAL, "%s.destination must not be /", p);
        if (oci_api_destination(dest))
                return berth_error_set(err, EOPNOTSUPP, "%s.destination %s: berth mounts %s itself",
                                       p, dest, dest);
        if (dobby_path_at_or_below(dest, "/proc") || dobby_path_at_or_below(dest, "/sys"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s.destination %.256s: below %s, which berth mounts itself",
                                       p, dest,
                                       dobby_path_at_or_below(dest, "/proc") ? "/proc" : "/sys");
        for (size_t i = 0; i < ELEMENTSOF(host_dirs); i++)
                if (dobby_path_at_or_below(dest, host_dirs[i]))
                        return berth_error_set(err, EINVAL,
                                               "%s.destination %.256s: in the host's %s, which the "
                                               "container sees read-only",
                                               p, dest, host_dirs[i]);
        return 0;
}

/* A loop mount: an image file mounted (through a loop device, by dobby_root_make()) and
 * bound at destination, read-only with "ro" among its options. */
static int decode_loop(json_t *v, const char *p, struct dobby_spec *d, struct berth_error *err)
{
        _cleanup_free_ char *dest = NULL, *src = NULL, *joined = NULL;
        _cleanup_strv_free_ char **options = NULL;
        const char *source, *destination, *fstype;
        struct dobby_loop *l;
        char q[FIELD_MAX];
        bool ro = false;
        int r;

        r = oci_get_str(v, p, "source", false, &source, err);
        if (r >= 0)
                r = oci_get_str(v, p, "destination", false, &destination, err);
        if (r >= 0)
                r = oci_get_str(v, p, "fstype", false, &fstype, err);
        if (r >= 0)
                r = oci_get_strv(v, p, "options", &options, err);
        if (r < 0)
                return r;
        if (!source || !destination || !fstype)
                return berth_error_set(err, EINVAL, "%s.%s is required for a loop mount", p,
                                       !source        ? "source"
                                       : !destination ? "destination"
                                                      : "fstype");
        if (!fstype_is_valid(fstype))
                return berth_error_set(err, EINVAL, "%s.fstype '%.64s' is not a file system type",
                                       p, fstype);
        r = oci_path_clean_field(jdec_join(q, p, "source"), source, &src, err);
        if (r >= 0)
                r = oci_path_clean_field(jdec_join(q, p, "destination"), destination, &dest, err);
        if (r >= 0)
                r = check_destination(dest, p, err);
        if (r >= 0 && mountopts_normalize(options, &joined, &ro, err) < 0)
                r = berth_error_prefix(err, "%s.options", p);
        if (r < 0)
                return r;
        l = reallocarray(d->loops, d->n_loops + 1, sizeof(*d->loops));
        if (!l)
                return -ENOMEM;
        d->loops = l;
        l = &d->loops[d->n_loops];
        *l = (struct dobby_loop){ .read_only = ro };
        d->n_loops++;
        l->field = strdup(p);
        l->fstype = strdup(fstype);
        l->options = TAKE_PTR(joined);
        if (!l->field || !l->fstype)
                return -ENOMEM;
        return add_mount(d, p, BERTH_WL_BIND, src, dest, ro ? BERTH_WL_MOUNT_RO : 0, NULL);
}

static int decode_mount(json_t *v, const char *p, struct dobby_spec *d, struct berth_error *err)
{
        static const char *const keys[] = { "source",  "destination", "type",
                                            "options", "fstype",      NULL };
        _cleanup_free_ char *dest = NULL, *src = NULL;
        _cleanup_strv_free_ char **options = NULL;
        const char *type, *source, *destination;
        struct berth_wl_mount *m;
        char q[FIELD_MAX];
        bool bind;
        int r;

        r = jdec_object(v, p, keys, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", false, &type, err);
        if (r >= 0)
                r = oci_get_str(v, p, "source", false, &source, err);
        if (r >= 0)
                r = oci_get_str(v, p, "destination", false, &destination, err);
        if (r >= 0)
                r = oci_get_strv(v, p, "options", &options, err);
        if (r < 0)
                return r;
        if (streq_ptr(type, "loop"))
                return decode_loop(v, p, d, err);
        if (!dobby_absent(json_object_get(v, "fstype")))
                return berth_error_set(err, EINVAL, "%s.fstype is for loop mounts", p);
        if (!type || !destination)
                return berth_error_set(err, EINVAL, "%s.%s is required", p,
                                       !type ? "type" : "destination");
        bind = streq(type, "bind") || strv_contains(options, "bind") ||
               strv_contains(options, "rbind");
        if (bind && !streq(type, "bind") && !streq(type, "none") && *type)
                return berth_error_set(err, EINVAL, "%s: type '%.64s' with a bind option", p, type);
        if (!bind && !streq(type, "tmpfs"))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s.type '%.64s': not supported yet (bind and tmpfs are)", p,
                                       type);
        r = oci_path_clean_field(jdec_join(q, p, "destination"), destination, &dest, err);
        if (r >= 0)
                r = check_destination(dest, p, err);
        if (r >= 0 && bind && !source)
                r = berth_error_set(err, EINVAL, "%s.source is required for a bind mount", p);
        if (r >= 0 && bind)
                r = oci_path_clean_field(jdec_join(q, p, "source"), source, &src, err);
        if (r < 0)
                return r;
        r = add_mount(d, p, bind ? BERTH_WL_BIND : BERTH_WL_TMPFS, src, dest, 0, &m);
        if (r < 0)
                return r;
        return oci_mount_options(options, p, m, err);
}

/* The buses of dbus (Dobby's ipc plugin): each role's socket in the container, and the
 * variable that says where it is. */
static const struct {
        const char *key, *field, *socket, *env;
} dbus_roles[] = {
        { "system", "dbus.system", DOBBY_DBUS_SYSTEM_SOCKET,
          "DBUS_SYSTEM_BUS_ADDRESS=unix:path=" DOBBY_DBUS_SYSTEM_SOCKET },
        { "session", "dbus.session", DOBBY_DBUS_SESSION_SOCKET,
          "DBUS_SESSION_BUS_ADDRESS=unix:path=" DOBBY_DBUS_SESSION_SOCKET },
        { "debug", "dbus.debug", DOBBY_DBUS_DEBUG_SOCKET,
          "DBUS_DEBUG_BUS_ADDRESS=unix:path=" DOBBY_DBUS_DEBUG_SOCKET },
};

/* Each role of dbus that names a bus: the host's socket of that bus into buses[role]
 * ("system": the system bus; "ai-public", "ai-private": the AI buses berthd was given). */
static int decode_dbus(json_t *dbus, const struct dobby_host *host,
                       const char *buses[ELEMENTSOF(dbus_roles)], struct berth_error *err)
{
        for (size_t i = 0; i < ELEMENTSOF(dbus_roles); i++) {
                json_t *v = json_object_get(dbus, dbus_roles[i].key);
                const char *bus = oci_json_str(v);
                bool ai_public;

                if (dobby_absent(v))
                        continue;
                if (!bus || (!streq(bus, "system") && !streq(bus, "ai-public") &&
                             !streq(bus, "ai-private")))
                        return berth_error_set(err, EINVAL,
                                               "%s must be \"system\", \"ai-public\" or "
                                               "\"ai-private\"",
                                               dbus_roles[i].field);
                if (streq(bus, "system")) {
                        buses[i] = DOBBY_DBUS_SYSTEM_SOCKET;
                        continue;
                }
                ai_public = streq(bus, "ai-public");
                buses[i] = host ? (ai_public ? host->ai_public_bus : host->ai_private_bus) : NULL;
                if (!buses[i])
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s '%s': this node has no %s bus (berthd "
                                               "--oci-ai-%s-bus)",
                                               dbus_roles[i].field, bus, bus,
                                               ai_public ? "public" : "private");
        }
        return 0;
}

/* The spec's mounts, then /dev/log (syslog), the system bus (dbus), the westeros
 * socket and the nodes of the devices (at their own paths, below /dev). */
int dobby_decode_mounts(json_t *spec, const struct oci_overrides *o, const struct dobby_host *host,
                        struct dobby_spec *d, struct berth_error *err)
{
        static const char *const dbus_keys[] = { "system", "session", "debug", NULL };
        const char *buses[ELEMENTSOF(dbus_roles)] = {};
        bool syslog = false;
        json_t *a, *v, *dbus;
        size_t i;
        int r;

        r = oci_get_array(spec, "", "mounts", &a, err);
        if (r >= 0)
                r = jdec_bool(spec, "", "syslog", &syslog, err);
        if (r >= 0)
                r = dobby_get_object(spec, "", "dbus", dbus_keys, &dbus, err);
        if (r < 0)
                return r;
        r = decode_dbus(dbus, host, buses, err);
        if (r < 0)
                return r;
        d->w.mounts = calloc(json_array_size(a) + 2 + ELEMENTSOF(dbus_roles) +
                                     strv_length(d->device_paths),
                             sizeof(*d->w.mounts));
        if (!d->w.mounts)
                return -ENOMEM;
        json_array_foreach (a, i, v) {
                char p[FIELD_MAX];

                r = decode_mount(v, oci_idx_path(p, "mounts", i), d, err);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH (n, d->device_paths) {
                char p[FIELD_MAX];

                r = add_mount(d, oci_idx_path(p, "devices", (size_t)(n - d->device_paths)),
                              BERTH_WL_BIND, *n, *n, BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NOEXEC,
                              NULL);
                if (r < 0)
                        return r;
        }
        if (syslog && (r = add_mount(d, "syslog", BERTH_WL_BIND, "/dev/log", "/dev/log",
                                     BERTH_WL_MOUNT_RO, NULL)) < 0)
                return r;
        for (size_t b = 0; b < ELEMENTSOF(dbus_roles); b++) {
                if (!buses[b])
                        continue;
                r = add_mount(d, dbus_roles[b].field, BERTH_WL_BIND, buses[b], dbus_roles[b].socket,
                              BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC,
                              NULL);
                if (r >= 0)
                        r = dobby_env_default(&d->w.env, dbus_roles[b].env);
                if (r < 0)
                        return r;
        }
        if (!o || !o->westeros_socket)
                return 0;
        if (o->westeros_socket[0] != '/')
                return berth_error_set(err, EINVAL,
                                       "westerosSocket '%.256s' must be an absolute path",
                                       o->westeros_socket);
        r = add_mount(d, "westerosSocket", BERTH_WL_BIND, o->westeros_socket, WESTEROS_PATH,
                      BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NODEV | BERTH_WL_MOUNT_NOEXEC, NULL);
        if (r >= 0)
                r = oci_env_set(&d->w.env, "XDG_RUNTIME_DIR=/tmp");
        if (r >= 0)
                r = oci_env_set(&d->w.env, "WAYLAND_DISPLAY=westeros");
        return r;
}

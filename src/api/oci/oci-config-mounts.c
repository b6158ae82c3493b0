/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mounts of an OCI config.json: their options, and the mounts berth makes itself
 * (init/rootfs.c api_mounts()), which a bundle may list only where berth makes them and
 * only with options that hold of berth's own. Pure.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "error.h"
#include "macro.h"
#include "oci-config-mounts.h"
#include "strv.h"

/* What berth itself mounts (init/rootfs.c api_mounts()). */
static const struct api_mount {
        const char *type, *type2, *destination;
        const char *options; /* berth's own, for the comparison and the message */
} api_mounts[] = {
        { "proc", NULL, "/proc", "rw,nosuid,nodev,noexec" },
        { "tmpfs", NULL, "/dev", "rw,nosuid,strictatime,mode=755,size=65536k" },
        { "devpts", NULL, "/dev/pts", "rw,nosuid,noexec,newinstance,ptmxmode=0666,mode=620,gid=5" },
        { "tmpfs", NULL, "/dev/shm", "rw,nosuid,nodev,noexec,mode=1777,size=65536k" },
        { "mqueue", NULL, "/dev/mqueue", "rw,nosuid,nodev,noexec" },
        { "sysfs", NULL, "/sys", "ro,nosuid,nodev,noexec" },
        { "cgroup", "cgroup2", "/sys/fs/cgroup", "ro,nosuid,nodev,noexec" },
};

/* Options that only tune access times or restate a default: accepted on any mount, and
 * left to the kernel (relatime). */
static bool option_harmless(const char *o)
{
        static const char *const harmless[] = { "defaults",      "async",      "atime",
                                                "noatime",       "diratime",   "nodiratime",
                                                "relatime",      "norelatime", "strictatime",
                                                "nostrictatime", "nomand" };

        for (size_t i = 0; i < ELEMENTSOF(harmless); i++)
                if (streq(o, harmless[i]))
                        return true;
        return false;
}

static const struct {
        const char *name;
        unsigned set, clear;
} flag_options[] = {
        { "ro", BERTH_WL_MOUNT_RO, 0 },         { "rw", 0, BERTH_WL_MOUNT_RO },
        { "nosuid", BERTH_WL_MOUNT_NOSUID, 0 }, { "suid", 0, BERTH_WL_MOUNT_NOSUID },
        { "nodev", BERTH_WL_MOUNT_NODEV, 0 },   { "dev", 0, BERTH_WL_MOUNT_NODEV },
        { "noexec", BERTH_WL_MOUNT_NOEXEC, 0 }, { "exec", 0, BERTH_WL_MOUNT_NOEXEC },
};

static const struct {
        const char *name;
        unsigned long flags;
} propagations[] = {
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* ro, nosuid …: applied to *flags; 1 when o is one of them. */
static int flag_option(const char *o, unsigned *flags)
{
        for (size_t i = 0; i < ELEMENTSOF(flag_options); i++)
                if (streq(o, flag_options[i].name)) {
                        *flags = (*flags | flag_options[i].set) & ~flag_options[i].clear;
                        return 1;
                }
        return 0;
}

static int propagation_option(const char *o, unsigned long *ret)
{
        for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
                if (streq(o, propagations[i].name)) {
                        *ret = propagations[i].flags;
                        return 1;
                }
        return 0;
}

/* A tmpfs size as mount(8) writes it: bytes with an optional k, m, g or t. -EINVAL for
 * anything else, -ERANGE past 64 bits, -EOPNOTSUPP for a share of memory ("50%"). */
static int parse_size(const char *s, uint64_t *ret)
{
        uint64_t v = 0, mult = 1;
        const char *p = s;

        if (!isdigit((unsigned char)*p))
                return -EINVAL;
        for (; isdigit((unsigned char)*p); p++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        switch (tolower((unsigned char)*p)) {
        case 0:
                break;
        case 'k':
                mult = UINT64_C(1) << 10;
                break;
        case 'm':
                mult = UINT64_C(1) << 20;
                break;
        case 'g':
                mult = UINT64_C(1) << 30;
                break;
        case 't':
                mult = UINT64_C(1) << 40;
                break;
        case '%':
                return p[1] ? -EINVAL : -EOPNOTSUPP;
        default:
                return -EINVAL;
        }
        if (*p && p[1])
                return -EINVAL;
        if (v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

static int parse_octal(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        if (!*s || strspn(s, "01234567") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 8);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* "key=value" option values: equal as numbers where they are numbers. */
static bool option_value_equal(const char *key, const char *a, const char *b)
{
        unsigned long x, y;
        uint64_t s, t;

        if (streq(key, "mode") || streq(key, "ptmxmode"))
                return parse_octal(a, 07777, &x) >= 0 && parse_octal(b, 07777, &y) >= 0 && x == y;
        if (streq(key, "size"))
                return parse_size(a, &s) >= 0 && parse_size(b, &t) >= 0 && s == t;
        return streq(a, b);
}

/* Does option o hold of berth's own mount, whose options are own ("rw,nosuid,…")? */
static bool option_holds(const char *o, const char *own)
{
        _cleanup_strv_free_ char **l = NULL;
        const char *eq = strchr(o, '=');
        static const char *const negations[][2] = {
                { "rw", "ro" }, { "suid", "nosuid" }, { "dev", "nodev" }, { "exec", "noexec" }
        };
        _cleanup_free_ char *copy = strdup(own);
        char *save = NULL;

        if (!copy)
                return false;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (strv_extend(&l, t) < 0)
                        return false;
        if (strv_contains(l, o))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(negations); i++)
                if (streq(o, negations[i][0]))
                        return !strv_contains(l, negations[i][1]);
        if (!eq)
                return false;
        STRV_FOREACH (t, l) {
                size_t k = (size_t)(eq - o);

                if (strncmp(*t, o, k) == 0 && (*t)[k] == '=') {
                        _cleanup_free_ char *key = strndup(o, k);
                        return key && option_value_equal(key, eq + 1, *t + k + 1);
                }
        }
        return false;
}

static const struct api_mount *api_mount_find(const char *type, const char *destination)
{
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
                const struct api_mount *a = &api_mounts[i];

                if (streq(a->destination, destination) &&
                    (streq(type, a->type) || streq_ptr(type, a->type2)))
                        return a;
        }
        return NULL;
}

/* Where berth mounts a file system of this type itself (tmpfs aside), or NULL. */
static const char *api_type_destination(const char *type)
{
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++)
                if (!streq(api_mounts[i].type, "tmpfs") &&
                    (streq(type, api_mounts[i].type) || streq_ptr(type, api_mounts[i].type2)))
                        return api_mounts[i].destination;
        return NULL;
}

bool oci_api_destination(const char *destination)
{
        for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++)
                if (streq(destination, api_mounts[i].destination))
                        return true;
        return false;
}

int oci_api_mount(const char *type, const char *destination, char *const *options, const char *p,
                  bool *ret_cgroup, struct berth_error *err)
{
        const struct api_mount *a = api_mount_find(type, destination);

        if (!a && api_type_destination(type))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s: type '%s' at %s: berth mounts %s itself, only at %s", p,
                                       type, destination, type, api_type_destination(type));
        if (!a)
                return 0;
        STRV_FOREACH (o, options)
                if (!option_harmless(*o) && !option_holds(*o, a->options))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: option '%s' of %s at %s: berth mounts it "
                                               "itself, with %s",
                                               p, *o, a->type, a->destination, a->options);
        *ret_cgroup = streq(a->destination, "/sys/fs/cgroup");
        return 1;
}

/* "size=…" and "mode=…" of a tmpfs; 1 when o is one of them. */
static int tmpfs_option(const char *o, const char *p, struct berth_wl_mount *m,
                        struct berth_error *err)
{
        unsigned long mode;
        int r;

        if (strncmp(o, "size=", 5) == 0) {
                r = parse_size(o + 5, &m->size);
                if (r == -EOPNOTSUPP)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: option '%s': a share of memory is not "
                                               "supported yet; give bytes",
                                               p, o);
                if (r < 0)
                        return berth_error_set(err, EINVAL,
                                               "%s: option '%s' must be a non-negative size "
                                               "(bytes, k, m, g or t)",
                                               p, o);
                if (m->size == 0)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: option '%s': an unlimited tmpfs is not "
                                               "supported",
                                               p, o);
                return 1;
        }
        if (strncmp(o, "mode=", 5) == 0) {
                if (parse_octal(o + 5, 07777, &mode) < 0 || mode == 0)
                        return berth_error_set(err, EINVAL,
                                               "%s: option '%s' must be an octal mode from 1 to "
                                               "7777",
                                               p, o);
                m->mode = (uint32_t)mode;
                return 1;
        }
        return 0;
}

int oci_mount_options(char *const *options, const char *p, struct berth_wl_mount *m,
                      struct berth_error *err)
{
        STRV_FOREACH (o, options) {
                int r = 0;

                if (flag_option(*o, &m->flags) || propagation_option(*o, &m->propagation) ||
                    option_harmless(*o))
                        continue;
                if (m->kind == BERTH_WL_BIND && (streq(*o, "bind") || streq(*o, "rbind"))) {
                        if (streq(*o, "rbind"))
                                m->flags |= BERTH_WL_MOUNT_RECURSIVE;
                        continue;
                }
                if (m->kind == BERTH_WL_TMPFS)
                        r = tmpfs_option(*o, p, m, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: option '%s' is not supported yet for a %s "
                                               "mount",
                                               p, *o, m->kind == BERTH_WL_BIND ? "bind" : "tmpfs");
        }
        return 0;
}

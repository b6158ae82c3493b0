/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "oci-devices.h"
#include "oci-util.h"
#include "strv.h"
#include "workload.h"

#define DOBBY_MAJOR_MAX 1024
#define DOBBY_MINOR_MAX 1024

int oci_device_allow_check(const char *path, char *msg, size_t size)
{
        _cleanup_free_ char *clean = NULL;
        struct stat st;

        if (oci_path_clean(path, &clean) < 0 || !streq(clean, path) ||
            strncmp(path, "/dev/", 5) != 0) {
                (void)snprintf(msg, size, "'%.256s' must be a clean absolute path below /dev/",
                               path);
                return -EINVAL;
        }
        if (lstat(path, &st) < 0) {
                (void)snprintf(msg, size, "'%.256s': %s", path, strerror(errno));
                return -errno;
        }
        if (!S_ISCHR(st.st_mode)) {
                (void)snprintf(msg, size, "'%.256s' is not a character device", path);
                return -EINVAL;
        }
        return 0;
}

/* The name /proc/devices gives character major maj, or NULL. */
static char *driver_of(const char *devices, uint32_t maj)
{
        const char *p = strstr(devices, "Character devices:\n");
        const char *end = strstr(devices, "\nBlock devices:");

        for (p = p ? strchr(p, '\n') : NULL; p && (!end || p < end); p = strchr(p + 1, '\n')) {
                unsigned m;
                char name[128];

                if (sscanf(p + 1, "%u %127s", &m, name) == 2 && m == maj)
                        return strdup(name);
        }
        return NULL;
}

int oci_device_allow_load(char *const *paths, struct oci_device_allowlist *ret,
                          struct berth_error *err)
{
        _cleanup_free_ char *devices = NULL;
        size_t n = strv_length((char **)paths);

        *ret = (struct oci_device_allowlist){};
        if (n == 0)
                return 0;
        (void)read_file("/proc/devices", 1 << 16, &devices, NULL);
        ret->v = calloc(n, sizeof(*ret->v));
        if (!ret->v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct oci_device_allow *a = &ret->v[ret->n];
                char msg[400];
                struct stat st;
                int r = oci_device_allow_check(paths[i], msg, sizeof(msg));

                if (r >= 0 && lstat(paths[i], &st) < 0)
                        r = -errno;
                if (r < 0) {
                        oci_device_allow_done(ret);
                        return berth_error_set(err, -r, OCI_DEVICE_ALLOW_FLAG " %s", msg);
                }
                a->major = major(st.st_rdev);
                a->minor = minor(st.st_rdev);
                a->path = strdup(paths[i]);
                a->driver = devices ? driver_of(devices, a->major) : NULL;
                ret->n++;
                if (!a->path) {
                        oci_device_allow_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

void oci_device_allow_done(struct oci_device_allowlist *l)
{
        for (size_t i = 0; l && i < l->n; i++) {
                free(l->v[i].path);
                free(l->v[i].driver);
        }
        if (l) {
                free(l->v);
                *l = (struct oci_device_allowlist){};
        }
}

/* "r", "w", "rw" or "wr" as BERTH_DEVICE_* bits; 0 for anything else. */
static unsigned parse_access(const char *s)
{
        if (!s)
                return 0;
        if (streq(s, "r"))
                return BERTH_DEVICE_READ;
        if (streq(s, "w"))
                return BERTH_DEVICE_WRITE;
        if (streq(s, "rw") || streq(s, "wr"))
                return BERTH_DEVICE_READ | BERTH_DEVICE_WRITE;
        return 0;
}

/* The allow-list's node for major (a number, or the driver's name when name is set)
 * and minor, or NULL. */
static const struct oci_device_allow *find_allowed(const struct oci_device_allowlist *allow,
                                                   const char *name, int64_t major, int64_t minor)
{
        for (size_t i = 0; allow && i < allow->n; i++) {
                const struct oci_device_allow *a = &allow->v[i];

                if (a->minor == (uint64_t)minor &&
                    (name ? streq_ptr(a->driver, name) : a->major == (uint64_t)major))
                        return a;
        }
        return NULL;
}

static int decode_device(json_t *v, const char *p, const struct oci_device_allowlist *allow,
                         struct berth_device *ret, const char **ret_path, struct berth_error *err)
{
        static const char *const keys[] = { "major", "minor", "access", NULL };
        json_t *maj = json_object_get(v, "major");
        const char *name = oci_json_str(maj), *access;
        const struct oci_device_allow *a;
        int64_t major = -1, minor = -1;
        int r;

        r = jdec_object(v, p, keys, err);
        if (r >= 0 && !name)
                r = oci_get_int(v, p, "major", 1, DOBBY_MAJOR_MAX, &major, err);
        if (r >= 0)
                r = oci_get_int(v, p, "minor", 0, DOBBY_MINOR_MAX, &minor, err);
        if (r >= 0)
                r = oci_get_str(v, p, "access", false, &access, err);
        if (r < 0)
                return r;
        if ((!name && major < 0) || minor < 0 || !access)
                return berth_error_set(err, EINVAL, "%s.%s is required", p,
                                       !name && major < 0 ? "major"
                                       : minor < 0        ? "minor"
                                                          : "access");
        if (name && !*name)
                return berth_error_set(err, EINVAL,
                                       "%s.major must be a number from 1 to 1024 or a driver's "
                                       "name",
                                       p);
        ret->access = parse_access(access);
        if (!ret->access)
                return berth_error_set(err, EINVAL,
                                       "%s.access '%.16s' must be \"r\", \"w\", \"rw\" or \"wr\" "
                                       "(never mknod)",
                                       p, access);
        a = find_allowed(allow, name, major, minor);
        if (!a) {
                char dev[160];

                if (name)
                        (void)snprintf(dev, sizeof(dev), "'%.64s' %lld", name, (long long)minor);
                else
                        (void)snprintf(dev, sizeof(dev), "%lld:%lld", (long long)major,
                                       (long long)minor);
                return berth_error_set(err, EPERM,
                                       "%s: character device %s is not on the node's allow-list "
                                       "(berthd " OCI_DEVICE_ALLOW_FLAG " names no such node)",
                                       p, dev);
        }
        ret->major = a->major;
        ret->minor = a->minor;
        *ret_path = a->path;
        return 0;
}

int oci_dobby_devices(json_t *a, const struct oci_device_allowlist *allow, struct berth_limits *lim,
                      char ***ret_paths, struct berth_error *err)
{
        json_t *v;
        size_t i;

        *ret_paths = NULL;
        if (!a || json_is_null(a))
                return 0;
        if (!json_is_array(a))
                return berth_error_set(err, EINVAL, "devices must be an array");
        if (json_array_size(a) > BERTH_DEVICES_MAX)
                return berth_error_set(err, EINVAL, "devices: at most %d devices",
                                       BERTH_DEVICES_MAX);
        json_array_foreach (a, i, v) {
                struct berth_device *d = &lim->devices[lim->n_devices];
                const char *path = NULL;
                char p[JDEC_PATH_MAX];
                int r;

                r = decode_device(v, oci_idx_path(p, "devices", i), allow, d, &path, err);
                for (unsigned k = 0; r >= 0 && k < lim->n_devices; k++)
                        if (lim->devices[k].major == d->major && lim->devices[k].minor == d->minor)
                                r = berth_error_set(err, EINVAL,
                                                    "%s: the device of devices[%u] again", p, k);
                if (r >= 0)
                        r = strv_extend(ret_paths, path);
                if (r < 0) {
                        *ret_paths = strv_free(*ret_paths);
                        lim->n_devices = 0;
                        return r;
                }
                lim->n_devices++;
        }
        return 0;
}

/* ---- OCI bundles: linux.devices and linux.resources.devices ------------------------------- */

#define OCI_DEV_MAJOR_MAX 4095
#define OCI_DEV_MINOR_MAX ((1 << 20) - 1)

/* The container may open major:minor with access too. */
static int grant_device(struct berth_limits *lim, uint32_t major, uint32_t minor, unsigned access,
                        const char *p, struct berth_error *err)
{
        for (unsigned k = 0; k < lim->n_devices; k++)
                if (lim->devices[k].major == major && lim->devices[k].minor == minor) {
                        lim->devices[k].access |= access;
                        return 0;
                }
        if (lim->n_devices >= BERTH_DEVICES_MAX)
                return berth_error_set(err, EINVAL, "%s: more than %d devices", p,
                                       BERTH_DEVICES_MAX);
        lim->devices[lim->n_devices++] =
                (struct berth_device){ .major = major, .minor = minor, .access = access };
        return 0;
}

/* ... no longer with access (a deny rule of that device). */
static void revoke_device(struct berth_limits *lim, uint32_t major, uint32_t minor, unsigned access)
{
        for (unsigned k = 0; k < lim->n_devices; k++)
                if (lim->devices[k].major == major && lim->devices[k].minor == minor) {
                        lim->devices[k].access &= ~access;
                        if (!lim->devices[k].access)
                                lim->devices[k] = lim->devices[--lim->n_devices];
                        return;
                }
}

/* The device major:minor of the node's allow-list, or EPERM naming p. */
static int allowed_dev(const struct oci_device_allowlist *allow, int64_t major, int64_t minor,
                       const char *p, const struct oci_device_allow **ret, struct berth_error *err)
{
        *ret = find_allowed(allow, NULL, major, minor);
        if (!*ret)
                return berth_error_set(err, EPERM,
                                       "%s: character device %lld:%lld is not on the node's "
                                       "allow-list (berthd " OCI_DEVICE_ALLOW_FLAG
                                       " names no such node)",
                                       p, (long long)major, (long long)minor);
        return 0;
}

/* fileMode, uid and gid may only say what the host's node is: it is bound as it is. */
static int same_node(json_t *v, const char *p, const struct oci_device_allow *a,
                     struct berth_error *err)
{
        int64_t mode = -1, uid = -1, gid = -1;
        struct stat st;
        int r;

        r = oci_get_int(v, p, "fileMode", 0, 0177777, &mode, err);
        if (r >= 0)
                r = oci_get_int(v, p, "uid", 0, UINT32_MAX - 1, &uid, err);
        if (r >= 0)
                r = oci_get_int(v, p, "gid", 0, UINT32_MAX - 1, &gid, err);
        if (r < 0 || (mode < 0 && uid < 0 && gid < 0))
                return r;
        if (stat(a->path, &st) < 0)
                return berth_error_set_errno(err, errno, "%s: the node '%s'", p, a->path);
        if (mode >= 0 && (mode & 07777) != (st.st_mode & 07777))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s.fileMode 0%llo: the host's node %s is bound as it is "
                                       "(0%o)",
                                       p, (unsigned long long)(mode & 07777), a->path,
                                       (unsigned)(st.st_mode & 07777));
        if ((uid >= 0 && (uid_t)uid != st.st_uid) || (gid >= 0 && (gid_t)gid != st.st_gid))
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s.%s: the host's node %s is bound as it is (%u:%u)", p,
                                       uid >= 0 && (uid_t)uid != st.st_uid ? "uid" : "gid", a->path,
                                       (unsigned)st.st_uid, (unsigned)st.st_gid);
        return 0;
}

/* One of linux.devices: the host's node of an allowed character device, bound at path,
 * and the container allowed to read and write it (as runc and crun allow what they make). */
static int bundle_node(json_t *v, const char *p, const struct oci_device_allowlist *allow,
                       struct berth_workload *w, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "path" },     { "type" },
                                                   { "major" },    { "minor" },
                                                   { "fileMode" }, { "uid" },
                                                   { "gid" },      {} };
        const struct oci_device_allow *a = NULL;
        _cleanup_free_ char *path = NULL;
        int64_t major = -1, minor = -1;
        struct berth_wl_mount *m;
        const char *type, *raw;
        char q[JDEC_PATH_MAX];
        int r;

        r = oci_check_object(v, p, fields, err);
        if (r >= 0)
                r = oci_get_str(v, p, "path", true, &raw, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", true, &type, err);
        if (r >= 0 && !streq(type, "c"))
                r = berth_error_set(err, EOPNOTSUPP,
                                    "%s.type '%.8s': not supported yet (character devices are)", p,
                                    type);
        if (r >= 0)
                r = oci_get_int(v, p, "major", 0, OCI_DEV_MAJOR_MAX, &major, err);
        if (r >= 0)
                r = oci_get_int(v, p, "minor", 0, OCI_DEV_MINOR_MAX, &minor, err);
        if (r >= 0 && (major < 0 || minor < 0))
                r = berth_error_set(err, EINVAL, "%s.%s is required", p,
                                    major < 0 ? "major" : "minor");
        if (r >= 0)
                r = oci_path_clean_field(jdec_join(q, p, "path"), raw, &path, err);
        if (r >= 0 && (strncmp(path, "/dev/", 5) != 0 || !path[5]))
                r = berth_error_set(err, EINVAL, "%s.path '%.256s' must be below /dev/", p, path);
        if (r >= 0)
                r = allowed_dev(allow, major, minor, p, &a, err);
        if (r >= 0)
                r = same_node(v, p, a, err);
        if (r < 0)
                return r;
        m = reallocarray(w->mounts, w->n_mounts + 1, sizeof(*w->mounts));
        if (!m)
                return -ENOMEM;
        w->mounts = m;
        m = &w->mounts[w->n_mounts];
        *m = (struct berth_wl_mount){ .kind = BERTH_WL_BIND,
                                      .flags = BERTH_WL_MOUNT_NOSUID | BERTH_WL_MOUNT_NOEXEC };
        w->n_mounts++;
        m->source = strdup(a->path);
        m->destination = TAKE_PTR(path);
        if (!m->source)
                return -ENOMEM;
        return grant_device(&w->limits, a->major, a->minor, BERTH_DEVICE_READ | BERTH_DEVICE_WRITE,
                            p, err);
}

/* r, w and m of a rule's access; m (mknod) is refused: berth binds nodes, and a
 * container never makes one. */
static int rule_access(const char *access, const char *p, unsigned *ret, struct berth_error *err)
{
        *ret = 0;
        for (const char *c = access ? access : "rwm"; *c; c++) {
                if (*c == 'r')
                        *ret |= BERTH_DEVICE_READ;
                else if (*c == 'w')
                        *ret |= BERTH_DEVICE_WRITE;
                else if (*c == 'm')
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s.access '%.8s': 'm' (mknod) is not supported: "
                                               "berth binds the host's nodes, and a container "
                                               "makes none",
                                               p, access ? access : "rwm");
                else
                        return berth_error_set(err, EINVAL,
                                               "%s.access '%.8s' must be made of r, w and m", p,
                                               access);
        }
        return 0;
}

/* One rule of linux.resources.devices, in order: deny-all (the first is berth's own
 * policy; a later one takes back what came before), or an allow or deny of one character
 * device of the node's allow-list. */
static int bundle_rule(json_t *v, const char *p, const struct oci_device_allowlist *allow,
                       struct berth_limits *lim, struct berth_error *err)
{
        static const struct oci_field fields[] = { { "allow" }, { "type" },   { "major" },
                                                   { "minor" }, { "access" }, {} };
        const struct oci_device_allow *a = NULL;
        const char *type = NULL, *access = NULL;
        int64_t major = -1, minor = -1;
        unsigned bits = 0;
        bool on = false;
        int r;

        r = oci_check_object(v, p, fields, err);
        if (r >= 0 && !json_is_boolean(json_object_get(v, "allow")))
                r = berth_error_set(err, EINVAL, "%s.allow must be true or false", p);
        if (r >= 0)
                r = jdec_bool(v, p, "allow", &on, err);
        if (r >= 0)
                r = oci_get_str(v, p, "type", false, &type, err);
        if (r >= 0)
                r = oci_get_str(v, p, "access", false, &access, err);
        if (r >= 0)
                r = oci_get_int(v, p, "major", -1, OCI_DEV_MAJOR_MAX, &major, err);
        if (r >= 0)
                r = oci_get_int(v, p, "minor", -1, OCI_DEV_MINOR_MAX, &minor, err);
        if (r < 0)
                return r;
        if ((!type || streq(type, "a")) && major < 0 && minor < 0 && !on) {
                /* Deny every device: all that berth allows by itself stays, nothing else. */
                if (access && !(strchr(access, 'r') && strchr(access, 'w') && strchr(access, 'm')))
                        return berth_error_set(err, EOPNOTSUPP,
                                               "%s: denying every device only %.8s is not "
                                               "supported: deny rwm",
                                               p, access);
                lim->n_devices = 0;
                return 0;
        }
        if (!type || !streq(type, "c") || major < 0 || minor < 0)
                return berth_error_set(err, EOPNOTSUPP,
                                       "%s: %s rules are supported for one character device "
                                       "(type c, its major and minor), not for %s",
                                       p, on ? "allow" : "deny",
                                       type && streq(type, "b") ? "block devices" : "many devices");
        r = rule_access(access, p, &bits, err);
        if (r < 0)
                return r;
        if (!on) {
                revoke_device(lim, (uint32_t)major, (uint32_t)minor, bits);
                return 0;
        }
        r = allowed_dev(allow, major, minor, p, &a, err);
        return r < 0 ? r : grant_device(lim, a->major, a->minor, bits, p, err);
}

int oci_bundle_devices(json_t *l, const struct oci_device_allowlist *allow,
                       struct berth_workload *w, struct berth_error *err)
{
        json_t *a, *v;
        size_t i;
        int r;

        /* The rules first, then what the nodes allow, as runc orders them. */
        r = oci_get_array(json_object_get(l, "resources"), "linux.resources", "devices", &a, err);
        json_array_foreach (r >= 0 ? a : NULL, i, v) {
                char p[JDEC_PATH_MAX];

                r = bundle_rule(v, oci_idx_path(p, "linux.resources.devices", i), allow, &w->limits,
                                err);
                if (r < 0)
                        return r;
        }
        if (r >= 0)
                r = oci_get_array(l, "linux", "devices", &a, err);
        json_array_foreach (r >= 0 ? a : NULL, i, v) {
                char p[JDEC_PATH_MAX];

                r = bundle_node(v, oci_idx_path(p, "linux.devices", i), allow, w, err);
                if (r < 0)
                        return r;
        }
        return r < 0 ? r : 0;
}

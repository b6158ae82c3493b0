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

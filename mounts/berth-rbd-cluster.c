/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-rbd: the cluster (cephx key, configuration, monitors) and the image. */
#include "config.h"

#include <limits.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "berth-rbd.h"
#include "error.h"
#include "macro.h"

/* ---------------------------------------------------------------------------------------------
 * Cluster and image
 * ------------------------------------------------------------------------------------------- */

static void wipe(char (*p)[BERTH_RBD_KEY_MAX])
{
        explicit_bzero(*p, sizeof(*p));
}

static int b64_value(char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

/* A cephx secret is base64 of: u16 type, 8 bytes creation time, u16 length, secret. librados
 * logs a key that fails to decode, with the key in the message; so only a key that decodes is
 * ever handed over. */
static bool key_is_valid(const char *key, size_t len)
{
        _cleanup_(wipe) char raw[BERTH_RBD_KEY_MAX] = {};
        size_t n = 0, pad = 0, secret;
        unsigned type;
        uint32_t acc = 0;

        if (len == 0 || len % 4 != 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                int v = b64_value(key[i]);

                if (key[i] == '=' && i >= len - 2) {
                        pad++;
                        v = 0;
                } else if (v < 0 || pad > 0)
                        return false;
                acc = (acc << 6) | (uint32_t)v;
                if (i % 4 == 3) {
                        raw[n++] = (char)(acc >> 16);
                        raw[n++] = (char)(acc >> 8);
                        raw[n++] = (char)acc;
                        acc = 0;
                }
        }
        n -= pad;
        if (n < 12)
                return false;
        type = (unsigned char)raw[0] | (unsigned)(unsigned char)raw[1] << 8;
        secret = (unsigned char)raw[10] | (size_t)(unsigned char)raw[11] << 8;
        /* CEPH_CRYPTO_AES with an AES-128 secret is the only kind librados accepts. */
        return type == 1 && secret >= 16 && n == 12 + secret;
}

/* Read the key from --key-fd to EOF, hand it to librados and wipe every copy we made. */
static int cluster_set_key(rados_t cluster, struct berth_error *err)
{
        _cleanup_(wipe) char buf[BERTH_RBD_KEY_MAX] = {};
        _cleanup_(wipe) char key[BERTH_RBD_KEY_MAX] = {};
        size_t n = 0, k = 0;
        int r;

        for (;;) {
                ssize_t l = read(arg_key_fd, buf + n, sizeof(buf) - n);

                if (l < 0 && errno == EINTR)
                        continue;
                if (l < 0)
                        return berth_error_set_errno(err, errno, "cannot read --key-fd %d",
                                                     arg_key_fd);
                if (l == 0)
                        break;
                n += (size_t)l;
                if (n == sizeof(buf))
                        return berth_error_set(err, EINVAL, "key on --key-fd is too long");
        }
        for (size_t i = 0; i < n; i++)
                if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
                        key[k++] = buf[i];
        if (!key_is_valid(key, k))
                return berth_error_set(err, EINVAL, "key on --key-fd is not a base64 cephx key");
        r = rados_conf_set(cluster, "key", key);
        if (r < 0)
                return berth_error_set(err, r, "cannot set the cephx key");
        return 0;
}

static int conf_set(rados_t cluster, const char *key, const char *value, struct berth_error *err)
{
        int r = rados_conf_set(cluster, key, value);

        if (r == -ENOENT)
                return berth_error_set(err, EINVAL, "unknown ceph option '%s'", key);
        if (r < 0)
                return berth_error_set(err, r, "invalid value '%s' for ceph option '%s'", value,
                                       key);
        return 0;
}

/* Without --key-fd the key comes from the conf: say so before librados, which reports a missing
 * keyring as an authentication failure. */
static int check_conf_secret(rados_t cluster, const char *conf, struct berth_error *err)
{
        char buf[4096], *state = NULL;

        if (rados_conf_get(cluster, "auth_client_required", buf, sizeof(buf)) >= 0 &&
            !strstr(buf, "cephx"))
                return 0;
        if ((rados_conf_get(cluster, "key", buf, sizeof(buf)) >= 0 && *buf) ||
            (rados_conf_get(cluster, "keyfile", buf, sizeof(buf)) >= 0 && *buf))
                return 0;
        if (rados_conf_get(cluster, "keyring", buf, sizeof(buf)) < 0)
                buf[0] = 0;
        for (char *f = strtok_r(buf, ",; \t", &state); f; f = strtok_r(NULL, ",; \t", &state))
                if (access(f, F_OK) == 0)
                        return 0;
        return berth_error_set(err, ENOENT,
                               "no cephx key for client.%s: no --key-fd, and no keyring named "
                               "by '%s' exists",
                               arg_id, conf);
}

/* ceph.conf first, then the explicit options, so that these win; --set last of all. */
static int cluster_configure(rados_t cluster, struct berth_error *err)
{
        const char *conf = arg_conf;
        bool key_given = arg_key_fd >= 0;
        char tmo[16];
        int r;

        if (!conf && access(BERTH_RBD_DEFAULT_CONF, F_OK) == 0)
                conf = BERTH_RBD_DEFAULT_CONF;
        if (!conf && !key_given)
                return berth_error_set(err, ENOENT,
                                       "no cephx key: --key-fd not given and no ceph config "
                                       "'%s' to find a keyring in",
                                       BERTH_RBD_DEFAULT_CONF);
        if (conf && access(conf, R_OK) < 0)
                return berth_error_set_errno(err, errno, "ceph config '%s'", conf);
        if (conf) {
                r = rados_conf_read_file(cluster, conf);
                if (r < 0)
                        return berth_error_set(err, r, "cannot parse ceph config '%s'", conf);
        }
        (void)snprintf(tmo, sizeof(tmo), "%u", arg_timeout);
        r = conf_set(cluster, "client_mount_timeout", tmo, err);
        if (r >= 0)
                r = conf_set(cluster, "rados_mon_op_timeout", tmo, err);
        if (r >= 0 && arg_mon_host)
                r = conf_set(cluster, "mon_host", arg_mon_host, err);
        if (r < 0)
                return r;
        if (key_given) {
                r = cluster_set_key(cluster, err);
                arg_key_fd = safe_close(arg_key_fd);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < arg_n_set; i++) {
                const char *eq = strchr(arg_set[i], '=');
                char name[256];

                (void)snprintf(name, sizeof(name), "%.*s", (int)(eq - arg_set[i]), arg_set[i]);
                r = conf_set(cluster, name, eq + 1, err);
                if (r < 0)
                        return r;
        }
        return key_given ? 0 : check_conf_secret(cluster, conf, err);
}

static const char *mon_hosts(rados_t cluster, char *buf, size_t len)
{
        if (arg_mon_host)
                return arg_mon_host;
        if (rados_conf_get(cluster, "mon_host", buf, len) < 0 || !*buf)
                return "(none configured)";
        return buf;
}

static int connect_error(rados_t cluster, int r, struct berth_error *err)
{
        char hosts[512];

        switch (-r) {
        case ETIMEDOUT:
                return berth_error_set(err, r, "monitors %s unreachable within %u s",
                                       mon_hosts(cluster, hosts, sizeof(hosts)), arg_timeout);
        case EACCES:
        case EPERM:
                return berth_error_set(err, EACCES, "authentication failed for client.%s", arg_id);
        case ENOENT:
                if (rados_conf_get(cluster, "mon_host", hosts, sizeof(hosts)) < 0 || !*hosts)
                        return berth_error_set(err, r,
                                               "no monitor addresses: --mon-host is "
                                               "empty and the ceph config names none");
                return berth_error_set(err, r,
                                       "no cephx key for client.%s: no --key-fd and "
                                       "no keyring found",
                                       arg_id);
        default:
                return berth_error_set(err, r, "cannot connect to monitors %s as client.%s: %s",
                                       mon_hosts(cluster, hosts, sizeof(hosts)), arg_id,
                                       strerror(-r));
        }
}

int cluster_connect(rados_t *ret, struct berth_error *err)
{
        _cleanup_(rados_shutdownp) rados_t cluster = NULL;
        char name[256], hosts[512];
        int r;

        /* rados_create2() applies $CEPH_ARGS and $CEPH_KEYRING: the configuration is argv and
         * the ceph.conf only, and no secret arrives but through --key-fd or that conf. */
        (void)unsetenv("CEPH_ARGS");
        (void)unsetenv("CEPH_KEYRING");
        (void)unsetenv("CEPH_CONF");
        (void)snprintf(name, sizeof(name), "client.%s", arg_id);
        r = rados_create2(&cluster, "ceph", name, 0);
        if (r < 0)
                return berth_error_set(err, r, "cannot create a rados handle for %s: %s", name,
                                       strerror(-r));
        r = cluster_configure(cluster, err);
        if (r < 0)
                return r;
        /* One second after librados gives up itself: its own error, when it comes, is more
         * precise; this is the backstop. */
        watchdog_arm(arg_timeout + 1, "monitors %s unreachable within %u s",
                     mon_hosts(cluster, hosts, sizeof(hosts)), arg_timeout);
        r = rados_connect(cluster);
        watchdog_disarm();
        if (r < 0)
                return connect_error(cluster, r, err);
        *ret = TAKE_PTR(cluster);
        return 0;
}

static int open_ioctx(rados_t cluster, rados_ioctx_t *ret, struct berth_error *err)
{
        _cleanup_(rados_ioctx_destroyp) rados_ioctx_t io = NULL;
        bool exists = false;
        int r;

        r = rados_ioctx_create(cluster, arg_pool, &io);
        if (r == -ENOENT)
                return berth_error_set(err, r, "pool '%s' does not exist", arg_pool);
        if (r < 0)
                return berth_error_set(err, r, "cannot open pool '%s': %s", arg_pool, strerror(-r));
        if (arg_namespace) {
                r = rbd_namespace_exists(io, arg_namespace, &exists);
                if (r < 0)
                        return berth_error_set(err, r,
                                               "cannot look up namespace '%s' in pool "
                                               "'%s': %s",
                                               arg_namespace, arg_pool, strerror(-r));
                if (!exists)
                        return berth_error_set(err, ENOENT,
                                               "namespace '%s' does not exist in pool '%s'",
                                               arg_namespace, arg_pool);
                rados_ioctx_set_namespace(io, arg_namespace);
        }
        *ret = TAKE_PTR(io);
        return 0;
}

static int open_image(rados_ioctx_t io, rbd_image_t *ret, struct berth_error *err)
{
        _cleanup_(rbd_closep) rbd_image_t image = NULL;
        int r;

        /* Open the head and then select the snapshot, so that a missing image and a missing
         * snapshot give different errors. */
        if (arg_ro)
                r = rbd_open_read_only(io, arg_image, &image, NULL);
        else
                r = rbd_open(io, arg_image, &image, NULL);
        if (r == -ENOENT)
                return berth_error_set(err, r, "image '%s' does not exist in pool '%s'%s%s%s",
                                       arg_image, arg_pool, arg_namespace ? " namespace '" : "",
                                       arg_namespace ?: "", arg_namespace ? "'" : "");
        if (r == -EACCES || r == -EPERM)
                return berth_error_set(err, r, "client.%s may not open image '%s' in pool '%s'%s",
                                       arg_id, arg_image, arg_pool,
                                       arg_ro ? "" : " read-write (try --ro)");
        if (r < 0)
                return berth_error_set(err, r, "cannot open image '%s' in pool '%s': %s", arg_image,
                                       arg_pool, strerror(-r));
        if (arg_snap) {
                r = rbd_snap_set(image, arg_snap);
                if (r == -ENOENT)
                        return berth_error_set(err, r,
                                               "snapshot '%s' does not exist for image '%s' in "
                                               "pool '%s'",
                                               arg_snap, arg_image, arg_pool);
                if (r < 0)
                        return berth_error_set(err, r,
                                               "cannot select snapshot '%s' of image "
                                               "'%s': %s",
                                               arg_snap, arg_image, strerror(-r));
        }
        *ret = TAKE_PTR(image);
        return 0;
}

/* Pool lookup and image open go to the monitors and OSDs; bounded like the connect. */
int image_open(rados_t cluster, rados_ioctx_t *ret_io, rbd_image_t *ret_image, uint64_t *ret_size,
               struct berth_error *err)
{
        _cleanup_(rados_ioctx_destroyp) rados_ioctx_t io = NULL;
        _cleanup_(rbd_closep) rbd_image_t image = NULL;
        int r;

        watchdog_arm(arg_timeout,
                     "opening image '%s' in pool '%s' timed out after %u s "
                     "(OSDs unreachable?)",
                     arg_image, arg_pool, arg_timeout);
        r = open_ioctx(cluster, &io, err);
        if (r >= 0)
                r = open_image(io, &image, err);
        if (r >= 0) {
                r = rbd_get_size(image, ret_size);
                if (r < 0)
                        berth_error_set(err, r, "cannot get the size of image '%s': %s", arg_image,
                                        strerror(-r));
        }
        watchdog_disarm();
        if (r < 0)
                return r;
        *ret_image = TAKE_PTR(image);
        *ret_io = TAKE_PTR(io);
        return 0;
}

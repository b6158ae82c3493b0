/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "pidref.h"
#include "rbd.h"
#include "strbuf.h"
#include "strv.h"

const char *const rbd_bool_opt_names[_RBD_BOOL_OPT_MAX] = {
        [RBD_OPT_SHARE] = "share",
        [RBD_OPT_NOSHARE] = "noshare",
        [RBD_OPT_CRC] = "crc",
        [RBD_OPT_NOCRC] = "nocrc",
        [RBD_OPT_CEPHX_REQUIRE_SIGNATURES] = "ceph_requires_signatures",
        [RBD_OPT_NOCEPHX_REQUIRE_SIGNATURES] = "noceph_requires_signatures",
        [RBD_OPT_TCP_NODELAY] = "tcp_nodelay",
        [RBD_OPT_NOTCP_NODELAY] = "notcp_nodelay",
        [RBD_OPT_CEPHX_SIGN_MESSAGES] = "cephx_sign_messages",
        [RBD_OPT_NOCEPHX_SIGN_MESSAGES] = "nocephx_sign_messages",
        [RBD_OPT_FORCE] = "force",
        [RBD_OPT_RW] = "rw",
        [RBD_OPT_RO] = "ro",
        [RBD_OPT_LOCK_ON_READ] = "lock_on_read",
        [RBD_OPT_EXCLUSIVE] = "exclusive",
        [RBD_OPT_NOTRIM] = "notrim",
        [RBD_OPT_ABORT_ON_FULL] = "abort_on_full",
};

/* The kernel's names where they differ from the API's. */
static const char *const krbd_bool_names[_RBD_BOOL_OPT_MAX] = {
        [RBD_OPT_CEPHX_REQUIRE_SIGNATURES] = "cephx_require_signatures",
        [RBD_OPT_NOCEPHX_REQUIRE_SIGNATURES] = "nocephx_require_signatures",
};

const char *const rbd_int_opt_names[_RBD_INT_OPT_MAX] = {
        [RBD_OPT_MOUNT_TIMEOUT] = "mount_timeout", [RBD_OPT_OSDKEEPALIVE] = "osdkeepalive",
        [RBD_OPT_OSD_IDLE_TTL] = "osd_idle_ttl",   [RBD_OPT_QUEUE_DEPTH] = "queue_depth",
        [RBD_OPT_LOCK_TIMEOUT] = "lock_timeout",   [RBD_OPT_ALLOC_SIZE] = "alloc_size",
};

void berth_rbd_spec_clear(struct berth_rbd_spec *s)
{
        if (!s)
                return;
        strv_free(s->monitors);
        free(s->pool);
        free(s->image);
        free(s->snapshot);
        free(s->opt.fsid);
        free(s->opt.ip);
        free(s->opt.name);
        erase_and_free(s->opt.secret);
        free(s->opt.ns);
        *s = (struct berth_rbd_spec){};
}

static int dup_str(char **dst, const char *src)
{
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int berth_rbd_spec_copy(struct berth_rbd_spec *dst, const struct berth_rbd_spec *src)
{
        *dst = (struct berth_rbd_spec){ .opt = src->opt };
        dst->opt.fsid = dst->opt.ip = dst->opt.name = dst->opt.secret = dst->opt.ns = NULL;
        dst->monitors = src->monitors ? strv_copy(src->monitors) : NULL;
        if ((src->monitors && !dst->monitors) || dup_str(&dst->pool, src->pool) < 0 ||
            dup_str(&dst->image, src->image) < 0 || dup_str(&dst->snapshot, src->snapshot) < 0 ||
            dup_str(&dst->opt.fsid, src->opt.fsid) < 0 || dup_str(&dst->opt.ip, src->opt.ip) < 0 ||
            dup_str(&dst->opt.name, src->opt.name) < 0 ||
            dup_str(&dst->opt.secret, src->opt.secret) < 0 ||
            dup_str(&dst->opt.ns, src->opt.ns) < 0) {
                berth_rbd_spec_clear(dst);
                return -ENOMEM;
        }
        return 0;
}

bool rbd_spec_read_only(const struct berth_rbd_spec *s)
{
        return rbd_opt_is(s, RBD_OPT_RO) || (s->snapshot && *s->snapshot);
}

static bool host_name_ok(const char *h, size_t n)
{
        if (n == 0 || n > 253)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.')
                        return false;
        return h[0] != '-' && h[0] != '.';
}

int rbd_monitor_check(const char *m)
{
        const char *port = NULL;
        char host[256];
        size_t n;

        if (!m || !*m)
                return -EINVAL;
        if (m[0] == '[') {
                const char *end = strchr(m, ']');
                struct in6_addr a6;
                if (!end || (size_t)(end - m - 1) >= sizeof(host))
                        return -EINVAL;
                memcpy(host, m + 1, (size_t)(end - m - 1));
                host[end - m - 1] = 0;
                if (inet_pton(AF_INET6, host, &a6) != 1)
                        return -EINVAL;
                if (end[1] == ':')
                        port = end + 2;
                else if (end[1])
                        return -EINVAL;
        } else {
                const char *colon = strchr(m, ':');
                if (colon && strchr(colon + 1, ':'))
                        return -EINVAL; /* IPv6 without brackets: ambiguous with a port */
                n = colon ? (size_t)(colon - m) : strlen(m);
                if (!host_name_ok(m, n))
                        return -EINVAL;
                if (colon)
                        port = colon + 1;
        }
        if (port) {
                char *end;
                long p;
                if (!*port)
                        return -EINVAL;
                p = strtol(port, &end, 10);
                if (*end || p < 1 || p > 65535)
                        return -EINVAL;
        }
        return 0;
}

/* ---- krbd ---------------------------------------------------------------------------- */

bool krbd_available(const char *sysfs_root)
{
        char p[512];

        (void)snprintf(p, sizeof(p), "%s/bus/rbd", sysfs_root ? sysfs_root : "/sys");
        return access(p, F_OK) == 0;
}

char *krbd_add_line(const struct berth_rbd_spec *s)
{
        struct strbuf b = {};
        bool first = true;

#define OPT(...)                                           \
        do {                                               \
                strbuf_printf(&b, "%s", first ? "" : ","); \
                strbuf_printf(&b, __VA_ARGS__);            \
                first = false;                             \
        } while (0)

        STRV_FOREACH (m, s->monitors)
                strbuf_printf(&b, "%s%s", m == s->monitors ? "" : ",", *m);
        strbuf_printf(&b, " ");
        for (int o = 0; o < _RBD_BOOL_OPT_MAX; o++) {
                if (o == RBD_OPT_FORCE || !rbd_opt_is(s, (enum rbd_bool_opt)o))
                        continue;
                OPT("%s", krbd_bool_names[o] ? krbd_bool_names[o] : rbd_bool_opt_names[o]);
        }
        for (int o = 0; o < _RBD_INT_OPT_MAX; o++)
                if (rbd_opt_has_int(s, (enum rbd_int_opt)o))
                        OPT("%s=%lld", rbd_int_opt_names[o], (long long)s->opt.ints[o]);
        if (s->opt.fsid)
                OPT("fsid=%s", s->opt.fsid);
        if (s->opt.ip)
                OPT("ip=%s", s->opt.ip);
        OPT("name=%s", s->opt.name ? s->opt.name : "admin");
        if (s->opt.secret)
                OPT("secret=%s", s->opt.secret);
        if (s->opt.ns)
                OPT("_pool_ns=%s", s->opt.ns);
        strbuf_printf(&b, " %s %s %s", s->pool, s->image,
                      s->snapshot && *s->snapshot ? s->snapshot : "-");
#undef OPT
        if (b.oom)
                strbuf_wipe(&b);
        return b.p;
}

/* Trimmed value of "key = value" in the [section]s of an ini-style Ceph file; keys
 * compare with ' ', '_' and '-' alike, as Ceph's parser does. */
static bool ceph_key_eq(const char *a, size_t n, const char *b)
{
        size_t i;

        for (i = 0; i < n && b[i]; i++) {
                char x = a[i] == ' ' || a[i] == '-' ? '_' : a[i];
                char y = b[i] == ' ' || b[i] == '-' ? '_' : b[i];
                if (x != y)
                        return false;
        }
        return i == n && !b[i];
}

static char *ceph_ini_get(const char *path, const char *const *sections, const char *key)
{
        _cleanup_free_ char *text = NULL;
        char *save = NULL, *found = NULL;
        int best = -1, cur = -1;

        if (read_file(path, 1 << 20, &text, NULL) < 0)
                return NULL;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq, *k, *v, *end;

                line += strspn(line, " \t");
                if (*line == '#' || *line == ';' || !*line)
                        continue;
                if (*line == '[') {
                        end = strchr(line, ']');
                        cur = -1;
                        for (int i = 0; end && sections[i]; i++)
                                if ((size_t)(end - line - 1) == strlen(sections[i]) &&
                                    strncmp(line + 1, sections[i], strlen(sections[i])) == 0)
                                        cur = i;
                        continue;
                }
                eq = strchr(line, '=');
                if (cur < 0 || !eq)
                        continue;
                k = line;
                end = eq;
                while (end > k && (end[-1] == ' ' || end[-1] == '\t'))
                        end--;
                if (!ceph_key_eq(k, (size_t)(end - k), key))
                        continue;
                v = eq + 1 + strspn(eq + 1, " \t\"");
                end = v + strcspn(v, "\"#;\r");
                while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                        end--;
                /* The most specific section wins: sections are given in that order. */
                if (best < 0 || cur < best) {
                        char *dup = strndup(v, (size_t)(end - v));
                        if (!dup)
                                break;
                        if (found)
                                erase_and_free(found);
                        found = dup;
                        best = cur;
                }
        }
        explicit_bzero(text, strlen(text));
        return found;
}

int rbd_key_from_conf(const char *conf, const char *name, char **ret)
{
        char entity[300], *keyring = NULL, *key = NULL;
        const char *const conf_sections[] = { entity, "client", "global", NULL };
        const char *const keyring_sections[] = { entity, NULL };
        char defaults[4][320];

        (void)snprintf(entity, sizeof(entity), "client.%s", name ? name : "admin");
        if (!conf || access(conf, R_OK) < 0)
                return -ENOENT;
        key = ceph_ini_get(conf, conf_sections, "key");
        if (key) {
                *ret = key;
                return 0;
        }
        keyring = ceph_ini_get(conf, conf_sections, "keyring");
        (void)snprintf(defaults[0], sizeof(defaults[0]), "/etc/ceph/ceph.%s.keyring", entity);
        (void)snprintf(defaults[1], sizeof(defaults[1]), "/etc/ceph/ceph.keyring");
        (void)snprintf(defaults[2], sizeof(defaults[2]), "/etc/ceph/keyring");
        defaults[3][0] = 0;
        if (keyring && !strchr(keyring, '$') && !strchr(keyring, ','))
                key = ceph_ini_get(keyring, keyring_sections, "key");
        for (int i = 0; !key && !keyring && defaults[i][0]; i++)
                key = ceph_ini_get(defaults[i], keyring_sections, "key");
        free(keyring);
        if (!key)
                return -ENOKEY;
        *ret = key;
        return 0;
}

static int read_attr(const char *sysfs_root, const char *dev, const char *attr, char *buf,
                     size_t size)
{
        char p[512];

        (void)snprintf(p, sizeof(p), "%s/bus/rbd/devices/%s/%s", sysfs_root, dev, attr);
        return read_one_line(p, buf, size);
}

static bool device_matches(const char *sysfs_root, const char *dev, const struct berth_rbd_spec *s)
{
        char v[512];

        if (read_attr(sysfs_root, dev, "pool", v, sizeof(v)) < 0 || !streq(v, s->pool))
                return false;
        if (read_attr(sysfs_root, dev, "name", v, sizeof(v)) < 0 || !streq(v, s->image))
                return false;
        if (read_attr(sysfs_root, dev, "pool_ns", v, sizeof(v)) < 0)
                v[0] = 0;
        if (!streq(v, s->opt.ns ? s->opt.ns : ""))
                return false;
        if (read_attr(sysfs_root, dev, "current_snap", v, sizeof(v)) < 0)
                v[0] = 0;
        /* The kernel shows "-" for the head. */
        return streq(v[0] ? v : "-", s->snapshot && *s->snapshot ? s->snapshot : "-");
}

/* Device ids, ascending, in a bitmap of up to 4096 (the kernel's minor space is far
 * smaller). */
#define KRBD_MAX_IDS 4096
static int list_ids(const char *sysfs_root, uint64_t ids[KRBD_MAX_IDS / 64])
{
        char p[512];
        DIR *d;
        struct dirent *de;

        memset(ids, 0, KRBD_MAX_IDS / 8);
        (void)snprintf(p, sizeof(p), "%s/bus/rbd/devices", sysfs_root);
        d = opendir(p);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                char *end;
                long id = strtol(de->d_name, &end, 10);
                if (de->d_name[0] == '.' || *end || id < 0 || id >= KRBD_MAX_IDS)
                        continue;
                ids[id / 64] |= 1ull << (id % 64);
        }
        closedir(d);
        return 0;
}

int krbd_find(const char *sysfs_root, const struct berth_rbd_spec *s)
{
        uint64_t ids[KRBD_MAX_IDS / 64];
        int r = list_ids(sysfs_root, ids);

        if (r < 0)
                return r;
        for (int id = 0; id < KRBD_MAX_IDS; id++) {
                char name[16];
                if (!(ids[id / 64] & (1ull << (id % 64))))
                        continue;
                (void)snprintf(name, sizeof(name), "%d", id);
                if (device_matches(sysfs_root, name, s))
                        return id;
        }
        return -ENOENT;
}

static int bus_write(const char *sysfs_root, const char *single, const char *legacy,
                     const char *text)
{
        char p[512];
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);
        ssize_t n;

        (void)snprintf(p, sizeof(p), "%s/bus/rbd/%s", sysfs_root, single);
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                (void)snprintf(p, sizeof(p), "%s/bus/rbd/%s", sysfs_root, legacy);
                fd = open(p, O_WRONLY | O_CLOEXEC);
        }
        if (fd < 0)
                return -errno;
        n = write(fd, text, len);
        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

static int wait_device(const char *sysfs_root, const char *dev_root, int id, int timeout_ms,
                       char **ret)
{
        int64_t deadline = monotonic_ms() + timeout_ms, make_at = monotonic_ms() + MIN(timeout_ms / 4, 1000);
        char dev[64], name[16], v[64];
        struct stat st;

        (void)snprintf(dev, sizeof(dev), "%s/rbd%d", dev_root, id);
        (void)snprintf(name, sizeof(name), "%d", id);
        for (;;) {
                if (stat(dev, &st) == 0) {
                        *ret = strdup(dev);
                        return *ret ? 0 : -ENOMEM;
                }
                if (monotonic_ms() >= make_at &&
                    read_attr(sysfs_root, name, "major", v, sizeof(v)) >= 0) {
                        /* No udev (an initramfs, a container): make the node ourselves,
                         * from the numbers the driver published. */
                        unsigned maj = (unsigned)strtoul(v, NULL, 10), min = 0;
                        if (read_attr(sysfs_root, name, "minor", v, sizeof(v)) >= 0)
                                min = (unsigned)strtoul(v, NULL, 10);
                        if (mknod(dev, S_IFBLK | 0660, makedev(maj, min)) == 0 || errno == EEXIST)
                                continue;
                }
                if (monotonic_ms() >= deadline)
                        return -ETIMEDOUT;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
}

int krbd_map(const char *sysfs_root, const char *dev_root, const struct berth_rbd_spec *s,
             int timeout_ms, int *ret_id, char **ret_device, struct berth_error *err)
{
        uint64_t before[KRBD_MAX_IDS / 64], after[KRBD_MAX_IDS / 64];
        char *line;
        int r, id = -1;

        r = list_ids(sysfs_root, before);
        if (r < 0)
                return berth_error_set_errno(err, -r, "list %s/bus/rbd/devices", sysfs_root);
        line = krbd_add_line(s);
        if (!line)
                return -ENOMEM;
        r = bus_write(sysfs_root, "add_single_major", "add", line);
        erase_and_free(line);
        if (r < 0)
                /* The kernel's own reason is in its log (dmesg); the errno says enough
                 * for the common ones. Never the line: it holds the key. */
                return berth_error_set_errno(err, -r, "map rbd image %s/%s (see the kernel log)",
                                             s->pool, s->image);
        /* The kernel lists the device before the write returns; allow a moment for
         * anything slower (the test suite's fake sysfs). */
        for (int64_t until = monotonic_ms() + 1000; id < 0;) {
                r = list_ids(sysfs_root, after);
                for (int i = 0; r >= 0 && i < KRBD_MAX_IDS && id < 0; i++) {
                        char name[16];
                        if (!(after[i / 64] & ~before[i / 64] & (1ull << (i % 64))))
                                continue;
                        (void)snprintf(name, sizeof(name), "%d", i);
                        if (device_matches(sysfs_root, name, s))
                                id = i;
                }
                if (id >= 0 || monotonic_ms() >= until)
                        break;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
        }
        if (id < 0)
                return berth_error_set(err, EIO,
                                       "rbd image %s/%s was mapped but its device is not listed",
                                       s->pool, s->image);
        r = wait_device(sysfs_root, dev_root, id, timeout_ms, ret_device);
        if (r < 0) {
                (void)krbd_unmap(sysfs_root, id, false, NULL);
                return berth_error_set_errno(err, -r, "wait for %s/rbd%d", dev_root, id);
        }
        *ret_id = id;
        return 0;
}

int krbd_unmap(const char *sysfs_root, int id, bool force, struct berth_error *err)
{
        char text[32];
        int r;

        (void)snprintf(text, sizeof(text), force ? "%d force" : "%d", id);
        r = bus_write(sysfs_root, "remove_single_major", "remove", text);
        if (r < 0)
                return berth_error_set_errno(err, -r, "unmap rbd device %d", id);
        return 0;
}

/* ---- berth-rbd ------------------------------------------------------------------------ */

const char *rbd_helper_unsupported(const struct berth_rbd_spec *s)
{
        /* Kernel client knobs that librbd has no equivalent of. The FUSE path never
         * discards, so notrim holds by construction; force applies to detach (the
         * helper is killed and its mount detached lazily). */
        static const enum rbd_bool_opt bools[] = { RBD_OPT_SHARE, RBD_OPT_LOCK_ON_READ,
                                                   RBD_OPT_EXCLUSIVE, RBD_OPT_ABORT_ON_FULL };
        static const enum rbd_int_opt ints[] = { RBD_OPT_OSDKEEPALIVE, RBD_OPT_OSD_IDLE_TTL,
                                                 RBD_OPT_QUEUE_DEPTH, RBD_OPT_LOCK_TIMEOUT,
                                                 RBD_OPT_ALLOC_SIZE };

        for (size_t i = 0; i < ELEMENTSOF(bools); i++)
                if (rbd_opt_is(s, bools[i]))
                        return rbd_bool_opt_names[bools[i]];
        for (size_t i = 0; i < ELEMENTSOF(ints); i++)
                if (rbd_opt_has_int(s, ints[i]))
                        return rbd_int_opt_names[ints[i]];
        if (s->opt.ip)
                return "ip";
        return NULL;
}

void rbd_helper_clear(struct rbd_helper *h)
{
        safe_close(h->pidfd);
        free(h->mountpoint);
        *h = (struct rbd_helper){ .pidfd = -EBADF };
}

/* Append each argument (NULL-terminated list); on failure *l becomes NULL. */
static void push(char ***l, ...)
{
        va_list ap;
        const char *a;

        va_start(ap, l);
        while ((a = va_arg(ap, const char *)))
                if (*l && strv_extend(l, a) < 0)
                        *l = strv_free(*l);
        va_end(ap);
}

static void push_set(char ***l, const char *key, const char *value)
{
        char *a = NULL;

        if (asprintf(&a, "%s=%s", key, value) < 0)
                *l = strv_free(*l);
        else
                push(l, "--set", a, NULL);
        free(a);
}

/* librados's mon_host for the API's monitors. An address with a port is a msgr1
 * address, as the kernel client takes it: librados, given a bare ip:port on a port
 * other than 6789 or 3300, tries both protocols there, and a wrong key then looks
 * like an unreachable monitor (it retries until the timeout). So literal addresses
 * with a port get the "v1:" that says which; names and port-less addresses are left
 * to librados's defaults. */
static char *helper_mon_host(char *const *monitors)
{
        _cleanup_strv_free_ char **l = NULL;

        STRV_FOREACH (m, monitors) {
                const char *colon = strrchr(*m, ':');
                bool literal = false;
                char *e = NULL;

                if ((*m)[0] == '[')
                        literal = strstr(*m, "]:") != NULL;
                else if (colon) {
                        char host[64];
                        struct in_addr a4;
                        size_t n = (size_t)(colon - *m);
                        if (n < sizeof(host)) {
                                memcpy(host, *m, n);
                                host[n] = 0;
                                literal = inet_pton(AF_INET, host, &a4) == 1;
                        }
                }
                if (asprintf(&e, "%s%s", literal ? "v1:" : "", *m) < 0 || strv_consume(&l, e) < 0)
                        return NULL;
        }
        return strv_join(l, ",");
}

static char **helper_argv(const char *helper_path, const char *ceph_conf,
                          const struct berth_rbd_spec *s, const char *mp, int timeout_s)
{
        static const struct {
                enum rbd_bool_opt on, off;
                const char *conf;
        } bools[] = {
                { RBD_OPT_CRC, RBD_OPT_NOCRC, "ms_crc_data" },
                { RBD_OPT_CEPHX_REQUIRE_SIGNATURES, RBD_OPT_NOCEPHX_REQUIRE_SIGNATURES,
                  "cephx_require_signatures" },
                { RBD_OPT_TCP_NODELAY, RBD_OPT_NOTCP_NODELAY, "ms_tcp_nodelay" },
                { RBD_OPT_CEPHX_SIGN_MESSAGES, RBD_OPT_NOCEPHX_SIGN_MESSAGES,
                  "cephx_sign_messages" },
        };
        _cleanup_free_ char *mons = helper_mon_host(s->monitors);
        char **a = calloc(1, sizeof(char *)), t[16];

        (void)snprintf(t, sizeof(t), "%d", timeout_s);
        if (!mons)
                return strv_free(a);
        push(&a, helper_path, "--mon-host", mons, "--pool", s->pool, "--image", s->image, "--id",
             s->opt.name ? s->opt.name : "admin", "--timeout", t, "--ready-fd", "3", NULL);
        if (s->opt.secret)
                push(&a, "--key-fd", "4", NULL);
        if (s->snapshot && *s->snapshot)
                push(&a, "--snap", s->snapshot, NULL);
        if (s->opt.ns)
                push(&a, "--namespace", s->opt.ns, NULL);
        if (ceph_conf && access(ceph_conf, R_OK) == 0)
                push(&a, "--conf", ceph_conf, NULL);
        if (rbd_spec_read_only(s))
                push(&a, "--ro", NULL);
        for (size_t i = 0; i < ELEMENTSOF(bools); i++) {
                if (rbd_opt_is(s, bools[i].on))
                        push_set(&a, bools[i].conf, "true");
                else if (rbd_opt_is(s, bools[i].off))
                        push_set(&a, bools[i].conf, "false");
        }
        if (s->opt.fsid)
                push_set(&a, "fsid", s->opt.fsid);
        push(&a, mp, NULL);
        return a;
}

/* Read the helper's one line (READY <size> / ERROR <errno> <message>) within
 * timeout_ms. */
static int read_ready(int fd, int timeout_ms, char *buf, size_t size)
{
        int64_t deadline = monotonic_ms() + timeout_ms;
        size_t len = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int left = (int)(deadline - monotonic_ms()), n;
                ssize_t k;

                if (left <= 0)
                        return -ETIMEDOUT;
                n = poll(&p, 1, left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n == 0 ? -ETIMEDOUT : -errno;
                k = read(fd, buf + len, size - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                len += (size_t)k;
                buf[len] = 0;
                if (k == 0 || strchr(buf, '\n') || len == size - 1)
                        return (int)len;
        }
}

static int stop_pidfd(int pidfd, bool force, int timeout_ms)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        if (pidfd < 0)
                return -EBADF;
        (void)syscall(SYS_pidfd_send_signal, pidfd, force ? SIGKILL : SIGTERM, NULL, 0);
        if (poll(&p, 1, timeout_ms) <= 0 && !force) {
                (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                (void)poll(&p, 1, 5000);
        }
        /* Reap it when it is ours; after a restart of berthd it is not a child. */
        (void)waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){}, WEXITED | WNOHANG);
        return 0;
}

int rbd_helper_start(const char *helper_path, const char *run_dir, const char *ceph_conf,
                     const struct berth_rbd_spec *s, struct rbd_helper *ret,
                     struct berth_error *err)
{
        _cleanup_free_ char *mp = NULL;
        char **argv = NULL, line[1024];
        int ready[2] = { -EBADF, -EBADF }, key[2] = { -EBADF, -EBADF }, pidfd = -EBADF;
        int timeout_s = 10, r;
        pid_t pid;

        if (rbd_opt_has_int(s, RBD_OPT_MOUNT_TIMEOUT)) {
                int64_t t = s->opt.ints[RBD_OPT_MOUNT_TIMEOUT];
                timeout_s = t < 1 ? 1 : t > 3600 ? 3600 : (int)t;
        }
        r = mkdir_p(run_dir, 0700);
        if (r >= 0)
                r = mkdtemp_in(run_dir, "rbd_", 0700, &mp);
        if (r < 0)
                return berth_error_set_errno(err, -r, "create a FUSE mountpoint in %s", run_dir);
        argv = helper_argv(helper_path, ceph_conf, s, mp, timeout_s);
        if (!argv) {
                r = -ENOMEM;
                goto fail;
        }
        if (pipe2(ready, O_CLOEXEC) < 0 || (s->opt.secret && pipe2(key, O_CLOEXEC) < 0)) {
                r = berth_error_set_errno(err, errno, "pipe");
                goto fail;
        }
        pid = (pid_t)syscall(SYS_clone3,
                             &(struct clone_args){ .flags = CLONE_PIDFD,
                                                   .pidfd = (uint64_t)(uintptr_t)&pidfd,
                                                   .exit_signal = SIGCHLD },
                             sizeof(struct clone_args));
        if (pid < 0) {
                r = berth_error_set_errno(err, errno, "start %s", helper_path);
                goto fail;
        }
        if (pid == 0) {
                /* The child: async-signal-safe calls only. fds 3 and 4 are the ready and
                 * key pipes; everything else is closed. */
                int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                int rw = fcntl(ready[1], F_DUPFD_CLOEXEC, 10);
                int kr = key[0] >= 0 ? fcntl(key[0], F_DUPFD_CLOEXEC, 10) : -1;
                sigset_t none;

                if (devnull < 0 || rw < 0 || (key[0] >= 0 && kr < 0) || dup2(devnull, 0) < 0 ||
                    dup2(devnull, 1) < 0 || dup2(rw, 3) < 0 || (kr >= 0 && dup2(kr, 4) < 0))
                        _exit(127);
                (void)syscall(SYS_close_range, kr >= 0 ? 5 : 4, ~0U, 0);
                sigemptyset(&none);
                (void)sigprocmask(SIG_SETMASK, &none, NULL);
                (void)signal(SIGPIPE, SIG_DFL);
                execv(helper_path, argv);
                _exit(127);
        }
        ready[1] = safe_close(ready[1]);
        if (key[0] >= 0) {
                size_t len = strlen(s->opt.secret);
                key[0] = safe_close(key[0]);
                /* A cephx key is ~40 bytes, far below the pipe's buffer. */
                if (write(key[1], s->opt.secret, len) != (ssize_t)len) {
                        r = berth_error_set_errno(err, errno, "pass the key to berth-rbd");
                        goto kill;
                }
                key[1] = safe_close(key[1]);
        }
        r = read_ready(ready[0], (timeout_s + 5) * 1000, line, sizeof(line));
        if (r < 0) {
                r = berth_error_set_errno(err, -r, "berth-rbd did not report within %d s",
                                          timeout_s + 5);
                goto kill;
        }
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "READY ", 6) == 0) {
                *ret = (struct rbd_helper){ .pid = pid,
                                            .pidfd = pidfd,
                                            .mountpoint = TAKE_PTR(mp) };
                ret->size = strtoull(line + 6, NULL, 10);
                (void)pid_starttime(pid, &ret->starttime);
                safe_close(ready[0]);
                strv_free(argv);
                return 0;
        }
        if (strncmp(line, "ERROR ", 6) == 0) {
                char *end;
                long e = strtol(line + 6, &end, 10);
                r = berth_error_set(err, e > 0 && e < 4096 ? (int)e : EIO, "%s",
                                    *end == ' ' ? end + 1 : end);
        } else
                r = berth_error_set(err, EIO,
                                    "berth-rbd ended without reporting (is %s installed?)",
                                    helper_path);
kill:
        (void)stop_pidfd(pidfd, true, 0);
fail:
        safe_close(pidfd);
        safe_close(ready[0]);
        safe_close(ready[1]);
        safe_close(key[0]);
        safe_close(key[1]);
        strv_free(argv);
        if (mp) {
                (void)umount2(mp, MNT_DETACH);
                (void)rmdir(mp);
        }
        return r < 0 ? r : -EIO;
}

int rbd_helper_stop(struct rbd_helper *h, bool force, int timeout_ms)
{
        /* Only through its pidfd: a bare pid may belong to another process by now. */
        if (h->pidfd >= 0)
                (void)stop_pidfd(h->pidfd, force, timeout_ms);
        if (h->mountpoint) {
                /* The helper unmounts on SIGTERM; after SIGKILL the mount is dead
                 * (ENOTCONN) and only a lazy unmount removes it. */
                (void)umount2(h->mountpoint, MNT_DETACH);
                if (rmdir(h->mountpoint) < 0 && errno != ENOENT)
                        return -errno;
        }
        return 0;
}

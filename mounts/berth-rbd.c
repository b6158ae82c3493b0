/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-rbd: serve one RBD image as the single regular file MOUNTPOINT/image of a FUSE mount,
 * on nodes whose kernel has no rbd driver. berthd starts one per attachment, then loop-attaches
 * the file and mounts the squashfs on it.
 *
 * Privilege context: runs as root (mount(2), /dev/fuse, /sys/class/bdi), started by berthd with
 * an argv array. The cephx key arrives on an inherited fd and is handed to librados only; it is
 * never in argv, the environment, a log line or the ERROR line. The outcome of the setup is one
 * line on --ready-fd: "READY <bytes>" once the image is open and MOUNTPOINT/image can be opened,
 * or "ERROR <errno> <message>" and a non-zero exit with nothing mounted.
 *
 * Threads: librados/librbd threads, a watchdog that bounds the setup, and the libfuse worker
 * pool. Every worker reads with rbd_read2() straight into its own buffer of BERTH_RBD_MAX_IO
 * bytes, which is also the largest request the kernel may send (max_read, max_pages).
 */
#include "config.h"

#define FUSE_USE_VERSION 312

#include <dirent.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "error.h"
#include "macro.h"

/* 1 MiB: FUSE_MAX_MAX_PAGES (256) pages, the most libfuse 3 accepts per request. */
#define BERTH_RBD_MAX_IO (1024u * 1024u)
/* Kernel readahead of the FUSE file (its bdi). 128 KiB by default; 8 MiB keeps eight 1 MiB
 * reads in flight, which is what hides the OSD round trip of a sequential read. */
#define BERTH_RBD_READAHEAD_KB 8192u
#define BERTH_RBD_MAX_THREADS 16u
#define BERTH_RBD_MAX_BACKGROUND 64u
#define BERTH_RBD_DEFAULT_CONF "/etc/ceph/ceph.conf"
#define BERTH_RBD_KEY_MAX 512
#define IMAGE_INO 2
#define IMAGE_NAME "image"

DEFINE_TRIVIAL_CLEANUP_FUNC(rados_t, rados_shutdown);
DEFINE_TRIVIAL_CLEANUP_FUNC(rados_ioctx_t, rados_ioctx_destroy);
DEFINE_TRIVIAL_CLEANUP_FUNC(rbd_image_t, rbd_close);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct fuse_session *, fuse_session_destroy);

static const char *arg_mon_host;
static const char *arg_pool;
static const char *arg_image;
static const char *arg_snap;
static const char *arg_namespace;
static const char *arg_id = "admin";
static const char *arg_conf;
static const char *arg_mountpoint;
static int arg_key_fd = -EBADF;
static int arg_ready_fd = -EBADF;
static bool arg_ro;
static unsigned arg_timeout = 10;
static const char **arg_set;
static size_t arg_n_set;

/* What the FUSE handlers need; userdata of the session. */
struct rbd_fs {
        rbd_image_t image;
        bool ro;
        uint64_t size; /* accessed with __atomic_*: a resize of an rw image updates it */
        struct timespec mtime;
        struct fuse_session *se;
        int opens; /* open file handles, __atomic_* */
};

/* SIGUSR1 from berthd: the attachment was force-deleted while a loop device (and the
 * mounts on it) still reads the image. Serve until the last open handle is released,
 * then end as on SIGTERM. */
static struct rbd_fs *linger_fs;
static volatile sig_atomic_t lingering;

static void linger_check(struct rbd_fs *fs)
{
        if (lingering && __atomic_load_n(&fs->opens, __ATOMIC_SEQ_CST) == 0)
                fuse_session_exit(fs->se);
}

static void on_sigusr1(_unused_ int sig)
{
        lingering = 1;
        if (linger_fs)
                linger_check(linger_fs);
}

/* ---------------------------------------------------------------------------------------------
 * Logging and the one-line report on --ready-fd
 * ------------------------------------------------------------------------------------------- */

static bool ready_fd_given;

static void write_all(int fd, const char *buf, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, buf, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return;
                buf += k;
                n -= (size_t)k;
        }
}

/* One write(2) per line, so that lines of worker threads do not interleave. A user value cannot
 * forge a second line: control characters become '?'. */
_printf_(1, 0) static void log_msgv(const char *fmt, va_list ap)
{
        char msg[1024], line[1100];
        int n;

        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        for (char *p = msg; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        n = snprintf(line, sizeof(line), "berth-rbd[%d]: %s\n", (int)getpid(), msg);
        if (n > 0)
                write_all(STDERR_FILENO, line, MIN((size_t)n, sizeof(line) - 1));
}

_printf_(1, 2) static void log_msg(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_msgv(fmt, ap);
        va_end(ap);
}

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static bool reported;

/* Write the single READY/ERROR line (the first caller wins) and close --ready-fd. */
static void report_line(const char *line)
{
        pthread_mutex_lock(&report_lock);
        if (!reported) {
                reported = true;
                if (ready_fd_given) {
                        write_all(arg_ready_fd, line, strlen(line));
                        arg_ready_fd = safe_close(arg_ready_fd);
                } else
                        write_all(STDERR_FILENO, line, strlen(line));
        }
        pthread_mutex_unlock(&report_lock);
}

static bool was_reported(void)
{
        bool r;

        pthread_mutex_lock(&report_lock);
        r = reported;
        pthread_mutex_unlock(&report_lock);
        return r;
}

static void report_error(int code, const char *msg)
{
        char line[BERTH_ERROR_MSG_MAX + 32];

        code = code < 0 ? -code : code;
        (void)snprintf(line, sizeof(line), "ERROR %d %s", code ? code : EIO, msg);
        for (char *p = line; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = '?';
        if (ready_fd_given)
                log_msg("%s", msg);
        (void)strncat(line, "\n", sizeof(line) - strlen(line) - 1);
        report_line(line);
}

static void report_ready(uint64_t size)
{
        char line[64];

        (void)snprintf(line, sizeof(line), "READY %" PRIu64 "\n", size);
        report_line(line);
}

/* fuse_log_func_t carries no format attribute; fmt comes from libfuse itself. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void fuse_log_to_stderr(enum fuse_log_level level, const char *fmt, va_list ap)
{
        if (level <= FUSE_LOG_NOTICE)
                log_msgv(fmt, ap);
}
#pragma GCC diagnostic pop

/* ---------------------------------------------------------------------------------------------
 * Watchdog: librados retries monitors and OSDs forever, and client_mount_timeout only covers
 * part of rados_connect(). The setup must end within --timeout whatever librados does; nothing
 * is mounted yet while it is armed, so _exit() leaves nothing behind.
 * ------------------------------------------------------------------------------------------- */

static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool armed;
        struct timespec deadline;
        char msg[BERTH_ERROR_MSG_MAX];
} watchdog = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void *watchdog_thread(_unused_ void *p)
{
        pthread_mutex_lock(&watchdog.lock);
        for (;;) {
                int r;

                if (!watchdog.armed) {
                        pthread_cond_wait(&watchdog.cond, &watchdog.lock);
                        continue;
                }
                r = pthread_cond_timedwait(&watchdog.cond, &watchdog.lock, &watchdog.deadline);
                if (r == ETIMEDOUT && watchdog.armed) {
                        report_error(ETIMEDOUT, watchdog.msg);
                        _exit(EXIT_FAILURE);
                }
        }
        return NULL;
}

static int watchdog_start(void)
{
        pthread_condattr_t attr;
        pthread_t t;
        int r;

        (void)pthread_condattr_init(&attr);
        (void)pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        r = pthread_cond_init(&watchdog.cond, &attr);
        (void)pthread_condattr_destroy(&attr);
        if (r != 0)
                return -r;
        r = pthread_create(&t, NULL, watchdog_thread, NULL);
        if (r != 0)
                return -r;
        (void)pthread_detach(t);
        return 0;
}

/* Arm for `seconds` from now; the message is what the ERROR line says when it fires. */
_printf_(2, 3) static void watchdog_arm(unsigned seconds, const char *fmt, ...)
{
        va_list ap;

        pthread_mutex_lock(&watchdog.lock);
        (void)clock_gettime(CLOCK_MONOTONIC, &watchdog.deadline);
        watchdog.deadline.tv_sec += seconds;
        va_start(ap, fmt);
        (void)vsnprintf(watchdog.msg, sizeof(watchdog.msg), fmt, ap);
        va_end(ap);
        watchdog.armed = true;
        pthread_cond_signal(&watchdog.cond);
        pthread_mutex_unlock(&watchdog.lock);
}

static void watchdog_disarm(void)
{
        pthread_mutex_lock(&watchdog.lock);
        watchdog.armed = false;
        pthread_cond_signal(&watchdog.cond);
        pthread_mutex_unlock(&watchdog.lock);
}

/* ---------------------------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------------------------- */

static void help(void)
{
        printf("Usage: berth-rbd --mon-host HOSTS --pool POOL --image IMAGE [--snap SNAP]\n"
               "                 [--namespace NS] [--id NAME] [--key-fd N] [--conf PATH] [--ro]\n"
               "                 [--timeout SECONDS] [--ready-fd N] [--set KEY=VALUE]... "
               "MOUNTPOINT\n"
               "\n"
               "Serve an RBD image as the regular file MOUNTPOINT/image (FUSE).\n");
}

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
        unsigned long v;
        char *end;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end != 0 || v > max)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

/* An inherited fd given on the command line: must be open; from now on it is close-on-exec. */
static int parse_fd(const char *opt, const char *s, int *ret, struct berth_error *err)
{
        unsigned fd;
        int flags;

        if (parse_uint(s, INT_MAX, &fd) < 0)
                return berth_error_set(err, EINVAL, "%s: '%s' is not a file descriptor number", opt,
                                       s);
        flags = fcntl((int)fd, F_GETFD);
        if (flags < 0)
                return berth_error_set(err, EBADF, "%s %u: not an open file descriptor", opt, fd);
        (void)fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC);
        *ret = (int)fd;
        return 0;
}

/* Ceph treats ' ', '-' and '_' in option names alike. */
static bool option_is_secret(const char *key, size_t len)
{
        static const char *const secret[] = { "key", "keyring", "keyfile" };
        char norm[64];

        if (len >= sizeof(norm))
                return false;
        for (size_t i = 0; i < len; i++)
                norm[i] = key[i] == '-' || key[i] == ' ' ? '_' : key[i];
        norm[len] = 0;
        for (size_t i = 0; i < ELEMENTSOF(secret); i++)
                if (strcasecmp(norm, secret[i]) == 0)
                        return true;
        return false;
}

static int add_set(const char *kv, struct berth_error *err)
{
        const char *eq = strchr(kv, '=');
        const char **a;

        if (!eq || eq == kv)
                return berth_error_set(err, EINVAL, "--set '%s': expected KEY=VALUE", kv);
        if (option_is_secret(kv, (size_t)(eq - kv)))
                return berth_error_set(err, EINVAL,
                                       "--set %.*s: secrets are only accepted through --key-fd",
                                       (int)(eq - kv), kv);
        a = reallocarray(arg_set, arg_n_set + 1, sizeof(*a));
        if (!a)
                return berth_error_set(err, ENOMEM, "out of memory");
        a[arg_n_set++] = kv;
        arg_set = a;
        return 0;
}

static bool name_ok(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

/* Find --ready-fd before anything else, so that argument errors are reported on it too. */
static void find_ready_fd(int argc, char **argv)
{
        struct berth_error err = {};

        for (int i = 1; i < argc && argv[i]; i++) {
                const char *v = NULL;

                if (streq(argv[i], "--"))
                        break;
                if (streq(argv[i], "--ready-fd") && i + 1 < argc)
                        v = argv[i + 1];
                else if (strncmp(argv[i], "--ready-fd=", 11) == 0)
                        v = argv[i] + 11;
                if (v && parse_fd("--ready-fd", v, &arg_ready_fd, &err) >= 0)
                        ready_fd_given = true;
        }
}

enum {
        ARG_MON_HOST = 0x100,
        ARG_POOL,
        ARG_IMAGE,
        ARG_SNAP,
        ARG_NAMESPACE,
        ARG_ID,
        ARG_KEY_FD,
        ARG_CONF,
        ARG_RO,
        ARG_TIMEOUT,
        ARG_READY_FD,
        ARG_SET,
};

static int parse_one(int c, const char *arg, struct berth_error *err)
{
        int fd = -EBADF, r;

        switch (c) {
        case ARG_MON_HOST:
                arg_mon_host = arg;
                return 0;
        case ARG_POOL:
                arg_pool = arg;
                return 0;
        case ARG_IMAGE:
                arg_image = arg;
                return 0;
        case ARG_SNAP:
                arg_snap = arg;
                return 0;
        case ARG_NAMESPACE:
                arg_namespace = arg;
                return 0;
        case ARG_ID:
                arg_id = arg;
                return 0;
        case ARG_CONF:
                arg_conf = arg;
                return 0;
        case ARG_RO:
                arg_ro = true;
                return 0;
        case ARG_KEY_FD:
                r = parse_fd("--key-fd", arg, &fd, err);
                if (r < 0)
                        return r;
                arg_key_fd = fd;
                return 0;
        case ARG_READY_FD:
                /* Already taken by find_ready_fd(); only check it once more. */
                return parse_fd("--ready-fd", arg, &fd, err);
        case ARG_TIMEOUT:
                if (parse_uint(arg, 3600, &arg_timeout) < 0 || arg_timeout == 0)
                        return berth_error_set(err, EINVAL,
                                               "--timeout '%s': expected seconds, 1..3600", arg);
                return 0;
        case ARG_SET:
                return add_set(arg, err);
        default:
                return berth_error_set(err, EINVAL, "unknown option");
        }
}

static int check_args(struct berth_error *err)
{
        if (!name_ok(arg_pool))
                return berth_error_set(err, EINVAL, "--pool is required");
        if (!name_ok(arg_image))
                return berth_error_set(err, EINVAL, "--image is required");
        if (arg_snap && !name_ok(arg_snap))
                return berth_error_set(err, EINVAL, "--snap must not be empty");
        if (arg_namespace && !*arg_namespace)
                arg_namespace = NULL;
        if (arg_namespace && !name_ok(arg_namespace))
                return berth_error_set(err, EINVAL, "--namespace: invalid name");
        if (!name_ok(arg_id) || strchr(arg_id, ' '))
                return berth_error_set(err, EINVAL, "--id: invalid client name");
        if (arg_conf && !name_ok(arg_conf))
                return berth_error_set(err, EINVAL, "--conf must not be empty");
        if (arg_mon_host && !*arg_mon_host)
                arg_mon_host = NULL;
        if (arg_key_fd >= 0 && arg_key_fd == arg_ready_fd)
                return berth_error_set(err, EINVAL, "--key-fd and --ready-fd must differ");
        if (arg_snap)
                arg_ro = true;
        return 0;
}

static int parse_argv(int argc, char **argv, struct berth_error *err)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "mon-host", required_argument, NULL, ARG_MON_HOST },
                { "pool", required_argument, NULL, ARG_POOL },
                { "image", required_argument, NULL, ARG_IMAGE },
                { "snap", required_argument, NULL, ARG_SNAP },
                { "namespace", required_argument, NULL, ARG_NAMESPACE },
                { "id", required_argument, NULL, ARG_ID },
                { "key-fd", required_argument, NULL, ARG_KEY_FD },
                { "conf", required_argument, NULL, ARG_CONF },
                { "ro", no_argument, NULL, ARG_RO },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "ready-fd", required_argument, NULL, ARG_READY_FD },
                { "set", required_argument, NULL, ARG_SET },
                {},
        };
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
                if (c == 'h') {
                        help();
                        return 0;
                }
                if (c == '?' || c == ':')
                        return berth_error_set(err, EINVAL, "unknown option or missing value: '%s'",
                                               argv[optind - 1]);
                r = parse_one(c, optarg, err);
                if (r < 0)
                        return r;
        }
        if (optind != argc - 1)
                return berth_error_set(err, EINVAL, "expected exactly one MOUNTPOINT argument");
        arg_mountpoint = argv[optind];
        r = check_args(err);
        return r < 0 ? r : 1;
}

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

static int cluster_connect(rados_t *ret, struct berth_error *err)
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
static int image_open(rados_t cluster, rados_ioctx_t *ret_io, rbd_image_t *ret_image,
                      uint64_t *ret_size, struct berth_error *err)
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

/* ---------------------------------------------------------------------------------------------
 * FUSE file system: "/" (inode 1) holds "image" (inode 2)
 * ------------------------------------------------------------------------------------------- */

static pthread_key_t buffer_key;

/* One BERTH_RBD_MAX_IO buffer per worker thread, reused for every read it serves. */
static char *thread_buffer(void)
{
        char *b = pthread_getspecific(buffer_key);

        if (b)
                return b;
        b = malloc(BERTH_RBD_MAX_IO);
        if (b && pthread_setspecific(buffer_key, b) != 0)
                b = mfree(b);
        return b;
}

/* librbd errors are logged, at most one line a second, and become EIO. */
static void log_io_error(const char *op, uint64_t off, size_t len, int r)
{
        static time_t last;
        static unsigned suppressed;
        time_t now = time(NULL);

        if (__atomic_exchange_n(&last, now, __ATOMIC_RELAXED) == now) {
                __atomic_add_fetch(&suppressed, 1, __ATOMIC_RELAXED);
                return;
        }
        log_msg("%s of %zu bytes at %" PRIu64 " failed: %s (%u more errors not shown)", op, len,
                off, strerror(-r), __atomic_exchange_n(&suppressed, 0, __ATOMIC_RELAXED));
}

static uint64_t fs_size(struct rbd_fs *fs, bool refresh)
{
        uint64_t size;

        /* A read-only image (or snapshot) is not watched and never changes size. */
        if (refresh && !fs->ro && rbd_get_size(fs->image, &size) >= 0)
                __atomic_store_n(&fs->size, size, __ATOMIC_RELAXED);
        return __atomic_load_n(&fs->size, __ATOMIC_RELAXED);
}

static void fill_stat(struct rbd_fs *fs, fuse_ino_t ino, struct stat *st)
{
        *st = (struct stat){
                .st_ino = ino,
                .st_nlink = ino == FUSE_ROOT_ID ? 2 : 1,
                .st_blksize = BERTH_RBD_MAX_IO,
                .st_atim = fs->mtime,
                .st_mtim = fs->mtime,
                .st_ctim = fs->mtime,
        };
        if (ino == FUSE_ROOT_ID) {
                st->st_mode = S_IFDIR | 0755;
                return;
        }
        st->st_mode = S_IFREG | (fs->ro ? 0444 : 0644);
        st->st_size = (off_t)fs_size(fs, true);
        st->st_blocks = (st->st_size + 511) / 512;
}

/* Attributes of a read-only image never change: let the kernel cache them for a day. */
static double attr_timeout(const struct rbd_fs *fs)
{
        return fs->ro ? 86400.0 : 1.0;
}

static void op_init(_unused_ void *userdata, struct fuse_conn_info *conn)
{
        conn->max_write = BERTH_RBD_MAX_IO;
        conn->max_read = BERTH_RBD_MAX_IO;
        conn->max_background = BERTH_RBD_MAX_BACKGROUND;
        conn->congestion_threshold = BERTH_RBD_MAX_BACKGROUND * 3 / 4;
        if (conn->capable & FUSE_CAP_ASYNC_READ)
                conn->want |= FUSE_CAP_ASYNC_READ;
        /* mtime never changes, so this could never fire; keep_cache in op_open() decides. */
        conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct fuse_entry_param e = {};

        if (parent != FUSE_ROOT_ID || !streq(name, IMAGE_NAME)) {
                (void)fuse_reply_err(req, ENOENT);
                return;
        }
        e.ino = IMAGE_INO;
        e.attr_timeout = e.entry_timeout = attr_timeout(fs);
        fill_stat(fs, IMAGE_INO, &e.attr);
        (void)fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct stat st;

        if (ino != FUSE_ROOT_ID && ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ENOENT);
                return;
        }
        fill_stat(fs, ino, &st);
        (void)fuse_reply_attr(req, &st, attr_timeout(fs));
}

/* The size of an RBD image is not changed through a file; times are accepted and dropped
 * (touch works), ownership and mode are fixed. */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
                       _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct stat st;

        if (ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ino == FUSE_ROOT_ID ? EPERM : ENOENT);
                return;
        }
        if (fs->ro) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        fill_stat(fs, ino, &st);
        if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) ||
            ((to_set & FUSE_SET_ATTR_SIZE) && attr->st_size != st.st_size)) {
                (void)fuse_reply_err(req, EPERM);
                return;
        }
        (void)fuse_reply_attr(req, &st, attr_timeout(fs));
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);

        if (ino != IMAGE_INO) {
                (void)fuse_reply_err(req, ino == FUSE_ROOT_ID ? EISDIR : ENOENT);
                return;
        }
        if (fs->ro && (fi->flags & O_ACCMODE) != O_RDONLY) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        /* The kernel page cache stays valid across opens only when nothing else writes. */
        fi->keep_cache = fs->ro;
        fi->noflush = fs->ro;
        __atomic_add_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
        if (fuse_reply_open(req, fi) < 0)
                __atomic_sub_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
}

static void op_release(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);

        (void)fuse_reply_err(req, 0);
        __atomic_sub_fetch(&fs->opens, 1, __ATOMIC_SEQ_CST);
        linger_check(fs);
}

static void op_read(fuse_req_t req, _unused_ fuse_ino_t ino, size_t size, off_t off,
                    _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        uint64_t isize = fs_size(fs, false);
        size_t len, done = 0;
        char *buf;

        if (off < 0 || (uint64_t)off >= isize) {
                (void)fuse_reply_buf(req, NULL, 0);
                return;
        }
        len = (size_t)MIN((uint64_t)size, isize - (uint64_t)off);
        /* Larger than max_read: the kernel never sends it. A short read would read as EOF. */
        buf = len <= BERTH_RBD_MAX_IO ? thread_buffer() : NULL;
        if (!buf) {
                log_io_error("read", (uint64_t)off, len, -ENOMEM);
                (void)fuse_reply_err(req, EIO);
                return;
        }
        while (done < len) {
                ssize_t r = rbd_read2(fs->image, (uint64_t)off + done, len - done, buf + done,
                                      LIBRADOS_OP_FLAG_FADVISE_SEQUENTIAL);

                if (r == -EINTR)
                        continue;
                if (r <= 0) {
                        log_io_error("read", (uint64_t)off + done, len - done, r ? (int)r : -EIO);
                        (void)fuse_reply_err(req, EIO);
                        return;
                }
                done += (size_t)r;
        }
        (void)fuse_reply_buf(req, buf, len);
}

static void op_write(fuse_req_t req, _unused_ fuse_ino_t ino, const char *buf, size_t size,
                     off_t off, _unused_ struct fuse_file_info *fi)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        uint64_t isize;
        size_t len, done = 0;

        if (fs->ro) {
                (void)fuse_reply_err(req, EROFS);
                return;
        }
        isize = fs_size(fs, false);
        if (off < 0 || (uint64_t)off >= isize) {
                /* The file is as large as the image; as on a block device, no room after it. */
                if (size == 0)
                        (void)fuse_reply_write(req, 0);
                else
                        (void)fuse_reply_err(req, ENOSPC);
                return;
        }
        len = (size_t)MIN((uint64_t)size, isize - (uint64_t)off);
        while (done < len) {
                ssize_t r = rbd_write2(fs->image, (uint64_t)off + done, len - done, buf + done, 0);

                if (r == -EINTR)
                        continue;
                if (r <= 0) {
                        log_io_error("write", (uint64_t)off + done, len - done, r ? (int)r : -EIO);
                        (void)fuse_reply_err(req, EIO);
                        return;
                }
                done += (size_t)r;
        }
        (void)fuse_reply_write(req, len);
}

static void reply_flush(fuse_req_t req)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        int r = fs->ro ? 0 : rbd_flush(fs->image);

        if (r < 0)
                log_io_error("flush", 0, 0, r);
        (void)fuse_reply_err(req, r < 0 ? EIO : 0);
}

static void op_flush(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ struct fuse_file_info *fi)
{
        reply_flush(req);
}

static void op_fsync(fuse_req_t req, _unused_ fuse_ino_t ino, _unused_ int datasync,
                     _unused_ struct fuse_file_info *fi)
{
        reply_flush(req);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
                       _unused_ struct fuse_file_info *fi)
{
        static const struct {
                const char *name;
                fuse_ino_t ino;
                mode_t mode;
        } entries[] = {
                { ".", FUSE_ROOT_ID, S_IFDIR },
                { "..", FUSE_ROOT_ID, S_IFDIR },
                { IMAGE_NAME, IMAGE_INO, S_IFREG },
        };
        char buf[512];
        size_t n = 0, max = MIN(size, sizeof(buf));

        if (ino != FUSE_ROOT_ID) {
                (void)fuse_reply_err(req, ENOTDIR);
                return;
        }
        for (size_t i = off < 0 ? 0 : (size_t)off; i < ELEMENTSOF(entries); i++) {
                struct stat st = { .st_ino = entries[i].ino, .st_mode = entries[i].mode };
                size_t l = fuse_add_direntry(req, buf + n, max - n, entries[i].name, &st,
                                             (off_t)i + 1);

                if (l > max - n)
                        break;
                n += l;
        }
        (void)fuse_reply_buf(req, buf, n);
}

static void op_statfs(fuse_req_t req, _unused_ fuse_ino_t ino)
{
        struct rbd_fs *fs = fuse_req_userdata(req);
        struct statvfs sv = {
                .f_bsize = 4096,
                .f_frsize = 4096,
                .f_blocks = (fs_size(fs, false) + 4095) / 4096,
                .f_files = 2,
                .f_namemax = 255,
        };

        (void)fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops rbd_fs_ops = {
        .init = op_init,
        .lookup = op_lookup,
        .getattr = op_getattr,
        .setattr = op_setattr,
        .open = op_open,
        .release = op_release,
        .read = op_read,
        .write = op_write,
        .flush = op_flush,
        .fsync = op_fsync,
        .readdir = op_readdir,
        .statfs = op_statfs,
};

/* ---------------------------------------------------------------------------------------------
 * Mount
 * ------------------------------------------------------------------------------------------- */

/* The mount we made: its path and the device of its root, so that we only ever unmount our own
 * file system and not whatever was mounted over it later. */
struct fuse_mount {
        char *path;
        dev_t dev;
};

/* Without AT_STATX_DONT_SYNC, the stat of the FUSE root would be a GETATTR request, which
 * nobody answers when the session loop is not running. */
static int mount_dev(const char *path, dev_t *ret)
{
        struct statx stx;

        if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC | AT_SYMLINK_NOFOLLOW, STATX_INO, &stx) < 0)
                return negative_errno();
        *ret = makedev(stx.stx_dev_major, stx.stx_dev_minor);
        return 0;
}

static void fuse_mount_release(struct fuse_mount *m)
{
        dev_t dev = 0;

        if (!m->path)
                return;
        if (mount_dev(m->path, &dev) < 0 || dev != m->dev)
                log_msg("'%s' no longer shows our FUSE mount: it was unmounted, or another mount "
                        "covers it; leaving it alone",
                        m->path);
        else if (umount2(m->path, UMOUNT_NOFOLLOW) < 0) {
                if (errno == EBUSY)
                        log_msg("'%s' is still in use (a loop device?), detaching it lazily",
                                m->path);
                if (umount2(m->path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        log_msg("Cannot unmount '%s': %s", m->path, strerror(errno));
        }
        m->path = mfree(m->path);
}

static int check_mountpoint(const char *path, char **ret, struct berth_error *err)
{
        _cleanup_free_ char *abs = NULL;
        struct dirent *de;
        DIR *d;

        abs = realpath(path, NULL);
        if (!abs)
                return berth_error_set_errno(err, errno, "mountpoint '%s'", path);
        d = opendir(abs);
        if (!d)
                return berth_error_set_errno(err, errno, "mountpoint '%s'", path);
        errno = 0;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        break;
        (void)closedir(d);
        if (de)
                return berth_error_set(err, ENOTEMPTY, "mountpoint '%s' is not empty", path);
        *ret = TAKE_PTR(abs);
        return 0;
}

static void kernel_readahead(dev_t dev)
{
        char path[64], val[16];
        _cleanup_close_ int fd = -EBADF;
        int n;

        (void)snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb", major(dev),
                       minor(dev));
        n = snprintf(val, sizeof(val), "%u", BERTH_RBD_READAHEAD_KB);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, val, (size_t)n) != n)
                log_msg("Cannot set '%s', reads stay slower: %s", path, strerror(errno));
}

/* mount(2) ourselves instead of fuse_session_mount(MOUNTPOINT), which can only say "-1" and
 * falls back to fusermount3: every failure here gets its own errno and message. */
static int fuse_mount_open(struct fuse_session *se, const char *abs, bool ro,
                           struct fuse_mount *ret, struct berth_error *err)
{
        char opts[256], source[1024], devfd[32];
        _cleanup_close_ int fd = -EBADF;
        unsigned long flags = MS_NOSUID | MS_NODEV | (ro ? MS_RDONLY : 0);

        fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "FUSE not available: /dev/fuse");
        (void)snprintf(source, sizeof(source), "berth-rbd:%s/%s%s%s%s%s", arg_pool,
                       arg_namespace ?: "", arg_namespace ? "/" : "", arg_image,
                       arg_snap ? "@" : "", arg_snap ?: "");
        (void)snprintf(opts, sizeof(opts),
                       "fd=%d,rootmode=40000,user_id=%u,group_id=%u,max_read=%u", fd,
                       (unsigned)getuid(), (unsigned)getgid(), BERTH_RBD_MAX_IO);
        if (mount(source, abs, "fuse.berth-rbd", flags, opts) < 0)
                return berth_error_set_errno(err, errno, "cannot mount FUSE on '%s'", abs);
        ret->path = strdup(abs);
        if (!ret->path || mount_dev(abs, &ret->dev) < 0) {
                (void)umount2(abs, MNT_DETACH | UMOUNT_NOFOLLOW);
                ret->path = mfree(ret->path);
                return berth_error_set(err, ENOMEM, "cannot record the mount on '%s'", abs);
        }
        /* libfuse takes a mounted /dev/fuse fd as "/dev/fd/N"; the session owns it from here. */
        (void)snprintf(devfd, sizeof(devfd), "/dev/fd/%d", fd);
        if (fuse_session_mount(se, devfd) < 0) {
                fuse_mount_release(ret);
                return berth_error_set(err, EIO, "libfuse refused the FUSE fd");
        }
        TAKE_FD(fd);
        return 0;
}

/* Answer FUSE_INIT here, before the worker pool starts: after this, MOUNTPOINT/image can be
 * opened without waiting, which is what READY promises. */
static int fuse_handshake(struct fuse_session *se, struct berth_error *err)
{
        struct fuse_buf buf = {};
        int r;

        do
                r = fuse_session_receive_buf(se, &buf);
        while (r == -EINTR && !fuse_session_exited(se));
        if (r > 0)
                fuse_session_process_buf(se, &buf);
        free(buf.mem);
        if (r == -EINTR)
                return berth_error_set(err, EINTR, "interrupted by a signal before ready");
        if (r <= 0)
                return berth_error_set(err, r < 0 ? r : ENODEV,
                                       "FUSE connection closed during the handshake");
        if (fuse_session_exited(se))
                return berth_error_set(err, EPROTO, "the kernel refused the FUSE handshake");
        return 0;
}

static int fuse_serve(struct fuse_session *se)
{
        int r;

#if FUSE_VERSION >= FUSE_MAKE_VERSION(3, 12)
        struct fuse_loop_config *cfg = fuse_loop_cfg_create();

        if (!cfg)
                return -ENOMEM;
        /* Keep the workers (and their read buffers) instead of re-creating them. */
        fuse_loop_cfg_set_max_threads(cfg, BERTH_RBD_MAX_THREADS);
        fuse_loop_cfg_set_idle_threads(cfg, BERTH_RBD_MAX_THREADS);
        fuse_loop_cfg_set_clone_fd(cfg, 0);
        r = fuse_session_loop_mt(se, cfg);
        fuse_loop_cfg_destroy(cfg);
#else
        struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = BERTH_RBD_MAX_THREADS };

        r = fuse_session_loop_mt(se, &cfg);
#endif
        return r;
}

/* ---------------------------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------------------------- */

/* berthd may start us with 0-2 closed; /dev/fuse must never become "stderr". */
static void ensure_std_fds(void)
{
        for (int fd = 0; fd <= 2; fd++)
                if (fcntl(fd, F_GETFD) < 0) {
                        int n = open("/dev/null", O_RDWR);

                        if (n >= 0 && n != fd) {
                                (void)!dup2(n, fd);
                                (void)close(n);
                        }
                }
}

/* We outlive berthd: an fd it leaked to us (a listening socket, a lock) must not stay open
 * for the life of the mount. Keep 0-2, --key-fd and --ready-fd. */
static void close_inherited_fds(void)
{
        int keep[2] = { MIN(arg_key_fd, arg_ready_fd), MAX(arg_key_fd, arg_ready_fd) };
        unsigned from = 3;

        for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
                if (keep[i] < (int)from)
                        continue;
                if ((unsigned)keep[i] > from)
                        (void)close_range(from, (unsigned)keep[i] - 1, 0);
                from = (unsigned)keep[i] + 1;
        }
        (void)close_range(from, ~0u, 0);
}

static void free_buffer(void *p)
{
        free(p);
}

static void fuse_mount_releasep(struct fuse_mount *m)
{
        fuse_mount_release(m);
}

static void free_arg_set(void)
{
        arg_set = mfree(arg_set);
}

static int setup(int argc, char **argv, struct berth_error *err)
{
        int r;

        ensure_std_fds();
        find_ready_fd(argc, argv);
        /* Outlive berthd: own session, no PDEATHSIG; a dead reader must not kill us either. */
        (void)setsid();
        (void)signal(SIGPIPE, SIG_IGN);
        /* librados keeps the key in its config: no core file of ours may carry it. Not
         * PR_SET_DUMPABLE=0, which would also hide /proc/PID from root's tools. */
        (void)setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
        fuse_set_log_func(fuse_log_to_stderr);
        r = parse_argv(argc, argv, err);
        if (r <= 0)
                return r;
        close_inherited_fds();
        r = -pthread_key_create(&buffer_key, free_buffer);
        if (r < 0)
                return berth_error_set(err, r, "pthread_key_create");
        r = watchdog_start();
        if (r < 0)
                return berth_error_set(err, r, "cannot start the watchdog thread");
        return 1;
}

static int run(struct berth_error *err)
{
        char max_read[32], *fargv[] = { (char *)"berth-rbd", (char *)"-o", max_read, NULL };
        _cleanup_(fuse_opt_free_args) struct fuse_args fargs = FUSE_ARGS_INIT(3, fargv);
        _cleanup_(rados_shutdownp) rados_t cluster = NULL;
        _cleanup_(rados_ioctx_destroyp) rados_ioctx_t io = NULL;
        _cleanup_(rbd_closep) rbd_image_t image = NULL;
        _cleanup_(fuse_session_destroyp) struct fuse_session *se = NULL;
        _cleanup_(fuse_mount_releasep) struct fuse_mount m = {};
        _cleanup_free_ char *abs = NULL;
        struct rbd_fs fs = { .ro = arg_ro };
        int r;

        /* Must match conn->max_read, which op_init() sets. */
        (void)snprintf(max_read, sizeof(max_read), "max_read=%u", BERTH_RBD_MAX_IO);
        r = check_mountpoint(arg_mountpoint, &abs, err);
        if (r < 0)
                return r;
        r = cluster_connect(&cluster, err);
        if (r < 0)
                return r;
        r = image_open(cluster, &io, &image, &fs.size, err);
        if (r < 0)
                return r;
        fs.image = image;
        /* Relative --conf and keyring paths are read by now; do not pin the caller's cwd. */
        (void)!chdir("/");
        (void)clock_gettime(CLOCK_REALTIME, &fs.mtime);

        se = fuse_session_new(&fargs, &rbd_fs_ops, sizeof(rbd_fs_ops), &fs);
        if (!se)
                return berth_error_set(err, ENOMEM, "cannot create a FUSE session");
        if (fuse_set_signal_handlers(se) < 0)
                return berth_error_set(err, EIO, "cannot install signal handlers");
        fs.se = se;
        linger_fs = &fs;
        {
                struct sigaction sa = { .sa_handler = on_sigusr1, .sa_flags = SA_RESTART };
                (void)sigemptyset(&sa.sa_mask);
                (void)sigaction(SIGUSR1, &sa, NULL);
        }
        r = fuse_mount_open(se, abs, arg_ro, &m, err);
        if (r < 0)
                return r;
        r = fuse_handshake(se, err);
        if (r < 0)
                return r;
        kernel_readahead(m.dev);
        report_ready(fs.size);
        log_msg("Serving %s/%s%s%s (%" PRIu64 " bytes, %s) on '%s'", arg_pool, arg_image,
                arg_snap ? "@" : "", arg_snap ?: "", fs.size, arg_ro ? "read-only" : "read-write",
                abs);

        r = fuse_serve(se);
        if (r < 0)
                log_msg("FUSE session failed: %s", strerror(-r));
        (void)signal(SIGUSR1, SIG_IGN);
        linger_fs = NULL;
        fuse_remove_signal_handlers(se);
        fuse_mount_release(&m);
        if (!arg_ro) {
                int q = rbd_flush(image);

                if (q < 0) {
                        log_msg("Flushing image '%s' failed: %s", arg_image, strerror(-q));
                        return q;
                }
        }
        return r < 0 ? r : 0;
}

int main(int argc, char **argv)
{
        struct berth_error err = {};
        int r;

        atexit(free_arg_set);
        r = setup(argc, argv, &err);
        if (r == 0)
                return EXIT_SUCCESS;
        if (r > 0)
                r = run(&err);
        if (r < 0 && !was_reported()) {
                report_error(err.code ?: r, err.msg[0] ? err.msg : strerror(-r));
                return EXIT_FAILURE;
        }
        if (r < 0)
                return EXIT_FAILURE;
        log_msg("Stopped");
        return EXIT_SUCCESS;
}

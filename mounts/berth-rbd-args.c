/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berth-rbd's command line. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "berth-rbd.h"
#include "error.h"
#include "macro.h"

const char *arg_mon_host;
const char *arg_pool;
const char *arg_image;
const char *arg_snap;
const char *arg_namespace;
const char *arg_id = "admin";
const char *arg_conf;
const char *arg_mountpoint;
int arg_key_fd = -EBADF;
int arg_ready_fd = -EBADF;
bool arg_ro;
unsigned arg_timeout = 10;
const char **arg_set;
size_t arg_n_set;

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

void find_ready_fd(int argc, char **argv)
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

int parse_argv(int argc, char **argv, struct berth_error *err)
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

void free_arg_set(void)
{
        arg_set = mfree(arg_set);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"
#include "macro.h"
#include "berthd-config.h"
#include "error.h"
#include "native-net.h"
#include "oci-devices.h"
#include "strv.h"

enum {
        ARG_SCHEME = 0x100,
        ARG_HOST,
        ARG_PORT,
        ARG_SOCKET_PATH,
        ARG_TLS_HOST,
        ARG_TLS_PORT,
        ARG_TLS_CERTIFICATE,
        ARG_TLS_KEY,
        ARG_TLS_CA,
        ARG_STATE_DIR,
        ARG_LOG_LEVEL,
        ARG_MAX_BODY,
        ARG_MAX_HEADER,
        ARG_THREADS,
        ARG_SYSFS_ROOT,
        ARG_DEV_ROOT,
        ARG_CEPH_CONF,
        ARG_TOKEN_FILE,
        ARG_SOCKET_GROUP,
        ARG_SHUTDOWN_CONTAINERS,
        ARG_CGROUP_PARENT,
        ARG_LOG_MAX,
        ARG_LOGS_KEPT,
        ARG_ZYGOTES,
        ARG_INSECURE,
        ARG_ALLOW_ORIGIN,
        ARG_ALLOW_HOST,
        ARG_REFUSE_PRIVILEGED,
        ARG_OVERLAY_SIZE,
        ARG_READ_TIMEOUT,
        ARG_WRITE_TIMEOUT,
        ARG_DOCKER_HOST,
        ARG_DATA_DIR,
        ARG_POD_DATA_ROOT,
        ARG_POD_PREFIX,
        ARG_RECIPES_DIR,
        ARG_DOCKER_DAEMON_JSON,
        ARG_PODS_ALLOW_HOST_PATHS,
        ARG_PODS_ALLOW_PRIVILEGED,
        ARG_SRC_FACILITY,
        ARG_SRC_MODE,
        ARG_OCI_NAT_RANGE,
        ARG_OCI_DEVICE_ALLOW,
        ARG_OCI_AI_PUBLIC_BUS,
        ARG_OCI_AI_PRIVATE_BUS,
        ARG_SRC_ADMIN_TOKEN_FILE,
        ARG_SRC_ALLOWED_IMAGES,
        ARG_SRC_UPTIME_KEEP,
        ARG_SRC_NODE_ENGINE,
        ARG_SRC_NODE_TLS_DIR,
        ARG_IGNORED, /* go-swagger flags accepted for compatibility */
        ARG_VERSION,
};

int parse_size(const char *s, size_t *ret)
{
        unsigned long long v, mult = 1;
        char *end;

        if (!s || !isdigit((unsigned char)*s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -ERANGE;
        if (*end) {
                if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0 ||
                    strcasecmp(end, "kib") == 0)
                        mult = 1ull << 10;
                else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0 ||
                         strcasecmp(end, "mib") == 0)
                        mult = 1ull << 20;
                else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0 ||
                         strcasecmp(end, "gib") == 0)
                        mult = 1ull << 30;
                else
                        return -EINVAL;
        }
        if (v > (unsigned long long)SIZE_MAX / mult)
                return -ERANGE;
        *ret = (size_t)(v * mult);
        return 0;
}

int parse_duration_ms(const char *s, uint64_t *ret)
{
        static const struct {
                const char *unit;
                double ms;
        } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
                      { "s", 1e3 },   { "m", 6e4 },   { "h", 3.6e6 } };
        double total = 0;

        if (!s || !*s)
                return -EINVAL;
        while (*s) {
                char *end;
                double v;
                size_t best = 0, k = ELEMENTSOF(units);

                if (!isdigit((unsigned char)*s) && *s != '.')
                        return -EINVAL;
                v = strtod(s, &end);
                if (end == s)
                        return -EINVAL;
                for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                        size_t l = strlen(units[i].unit);
                        if (strncmp(end, units[i].unit, l) == 0 && l > best) {
                                best = l;
                                k = i;
                        }
                }
                if (k == ELEMENTSOF(units))
                        return -EINVAL;
                total += v * units[k].ms;
                s = end + best;
        }
        if (total > 1e15)
                return -ERANGE;
        *ret = (uint64_t)total;
        return 0;
}

static int parse_port(const char *s, int *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || !*s || v < 0 || v > 65535)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

static int set_str(char **dst, const char *v)
{
        free(*dst);
        *dst = strdup(v);
        return *dst ? 0 : -ENOMEM;
}

static int set_defaults(struct berthd_config *c)
{
        c->listen.port = BERTHD_DEFAULT_PORT;
        c->listen.tls_port = BERTHD_DEFAULT_TLS_PORT;
        c->listen.threads = BERTHD_DEFAULT_THREADS;
        c->listen.max_header_bytes = 16384;
        c->max_body = BERTHD_DEFAULT_MAX_BODY;
        c->log_level = LOG_INFO;
        c->log_max = 8u << 20;
        c->logs_kept = 64u << 20;
        c->overlay_upper_size = 1u << 30;
        c->zygotes = 2;
        if (set_str(&c->state_dir, "/run/berth") < 0 || set_str(&c->sysfs_root, "/sys") < 0 ||
            set_str(&c->host, "127.0.0.1") < 0 || set_str(&c->cgroup_parent, "berth") < 0 ||
            set_str(&c->docker_host, "unix:///var/run/docker.sock") < 0 ||
            set_str(&c->data_dir, "/var/lib/berth") < 0 ||
            set_str(&c->pod_data_root, "/usr/share/canteen/data") < 0 ||
            set_str(&c->pod_prefix, "od-pod-") < 0 || set_str(&c->recipes_dir, RECIPESDIR) < 0 ||
            set_str(&c->docker_daemon_json, "/etc/docker/daemon.json") < 0)
                return -ENOMEM;
        return 0;
}

/* imageapi-server's environment, which the flags override. */
static int parse_env(struct berthd_config *c)
{
        const char *e;

        e = getenv("IMAGEAPI_LOGLEVEL");
        if (e) {
                int l = log_level_from_string(e);
                if (l < 0) {
                        fprintf(stderr, "berthd: IMAGEAPI_LOGLEVEL='%s' is not a log level\n", e);
                        return -EINVAL;
                }
                c->log_level = l;
        }
        if ((e = getenv("HOST")) && *e && set_str(&c->host, e) < 0)
                return -ENOMEM;
        if ((e = getenv("PORT")) && *e && parse_port(e, &c->listen.port) < 0) {
                fprintf(stderr, "berthd: PORT='%s' is not a port number\n", e);
                return -EINVAL;
        }
        if ((e = getenv("TLS_HOST")) && *e && set_str(&c->tls_host, e) < 0)
                return -ENOMEM;
        if ((e = getenv("TLS_PORT")) && *e && parse_port(e, &c->listen.tls_port) < 0) {
                fprintf(stderr, "berthd: TLS_PORT='%s' is not a port number\n", e);
                return -EINVAL;
        }
        return 0;
}

/* One command line flag: getopt's view of it, and how its value is parsed into the
 * config member at offset field (as systemd's configuration tables). A parser returns
 * 0, -ENOMEM, or -EINVAL after saying why on stderr. */
struct flag {
        const char *name;
        int has_arg;
        int id;
        int (*parse)(const struct flag *f, const char *v, void *field, struct berthd_config *c);
        size_t field;
};

#define FIELD(member) offsetof(struct berthd_config, member)

static int parse_string(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        return set_str(field, v);
}

/* --host and --tls-host: a TCP address, which needs a TCP scheme. */
static int parse_tcp_host(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        c->tcp_flags_given = true;
        return set_str(field, v);
}

static int parse_true(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        *(bool *)field = true;
        return 0;
}

static int parse_ignored(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        return 0;
}

static int parse_scheme(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        _cleanup_free_ char *copy = strdup(v);
        unsigned *schemes = field;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (streq(t, "http"))
                        *schemes |= BERTH_SCHEME_HTTP;
                else if (streq(t, "https"))
                        *schemes |= BERTH_SCHEME_HTTPS;
                else if (streq(t, "unix"))
                        *schemes |= BERTH_SCHEME_UNIX;
                else {
                        fprintf(stderr, "berthd: --scheme '%s': must be http, https or unix\n", t);
                        return -EINVAL;
                }
        }
        return 0;
}

/* --port and --tls-port. */
static int parse_tcp_port(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        c->tcp_flags_given = true;
        if (parse_port(v, field) < 0) {
                fprintf(stderr, "berthd: --%s '%s' is not a port number\n", f->name, v);
                return -EINVAL;
        }
        return 0;
}

static int parse_log_level(const struct flag *f, const char *v, void *field,
                           struct berthd_config *c)
{
        int l = log_level_from_string(v);

        if (l < 0) {
                fprintf(stderr, "berthd: --%s '%s': must be error, warn, info or debug\n", f->name,
                        v);
                return -EINVAL;
        }
        *(int *)field = l;
        return 0;
}

/* An origin as browsers send it: scheme://host[:port], nothing after. */
static int parse_origin(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        const char *rest = strncmp(v, "http://", 7) == 0    ? v + 7
                           : strncmp(v, "https://", 8) == 0 ? v + 8
                                                            : NULL;

        if (!rest || !*rest || strpbrk(rest, "/?#@ \t") || strlen(v) > 255) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be an origin such as "
                        "'https://ui.example:8443' (scheme, host, port; no path)\n",
                        f->name, v);
                return -EINVAL;
        }
        return strv_extend(field, v);
}

static int parse_allowed_host(const struct flag *f, const char *v, void *field,
                              struct berthd_config *c)
{
        if (!*v || strlen(v) > 255 ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:[]") !=
                    strlen(v)) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be a host name or address, with an "
                        "optional :port\n",
                        f->name, v);
                return -EINVAL;
        }
        return strv_extend(field, v);
}

static int parse_cgroup_parent(const struct flag *f, const char *v, void *field,
                               struct berthd_config *c)
{
        if (!*v || strlen(v) > 64 ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
                    strlen(v) ||
            v[0] == '.') {
                fprintf(stderr, "berthd: --%s '%s' must be a name of [A-Za-z0-9._-]\n", f->name, v);
                return -EINVAL;
        }
        c->cgroup_parent_given = true;
        return set_str(field, v);
}

static int parse_zygotes(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        char *end;
        long n = strtol(v, &end, 10);

        if (!*v || *end || n < 0 || n > 8) {
                fprintf(stderr, "berthd: --%s '%s' must be 0 to 8\n", f->name, v);
                return -EINVAL;
        }
        *(unsigned *)field = (unsigned)n;
        return 0;
}

static int parse_threads(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        char *end;
        long n = strtol(v, &end, 10);

        if (*end || n < 1 || n > 1024) {
                fprintf(stderr, "berthd: --%s '%s' must be 1..1024\n", f->name, v);
                return -EINVAL;
        }
        *(unsigned *)field = (unsigned)n;
        return 0;
}

/* --read-timeout and --write-timeout. */
static int parse_timeout(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        uint64_t ms;

        if (parse_duration_ms(v, &ms) < 0 || ms < 100 || ms > 3600000) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be a duration from 100ms to 1h (Go's "
                        "form: 30s, 1m, 1m30s, 500ms)\n",
                        f->name, v);
                return -EINVAL;
        }
        *(unsigned *)field = (unsigned)ms;
        return 0;
}

/* --max-body-size and --max-header-size. */
static int parse_request_limit(const struct flag *f, const char *v, void *field,
                               struct berthd_config *c)
{
        size_t size;

        if (parse_size(v, &size) < 0 || size < 1024 || size > (64u << 20)) {
                fprintf(stderr, "berthd: --%s '%s' must be a size from 1KiB to 64MiB\n", f->name,
                        v);
                return -EINVAL;
        }
        *(size_t *)field = size;
        return 0;
}

static int parse_log_max(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        size_t size;

        if (parse_size(v, &size) < 0 || size < 4096) {
                fprintf(stderr, "berthd: --%s '%s' must be a size of at least 4KiB\n", f->name, v);
                return -EINVAL;
        }
        *(size_t *)field = size;
        return 0;
}

static int parse_logs_kept(const struct flag *f, const char *v, void *field,
                           struct berthd_config *c)
{
        size_t size;

        if (parse_size(v, &size) < 0) {
                fprintf(stderr, "berthd: --%s '%s' must be a size\n", f->name, v);
                return -EINVAL;
        }
        *(size_t *)field = size;
        return 0;
}

static int parse_overlay_size(const struct flag *f, const char *v, void *field,
                              struct berthd_config *c)
{
        size_t size;

        if (parse_size(v, &size) < 0 || (size > 0 && size < (1u << 20))) {
                fprintf(stderr, "berthd: --%s '%s' must be 0 or a size of at least 1MiB\n", f->name,
                        v);
                return -EINVAL;
        }
        *(size_t *)field = size;
        return 0;
}

/* An absolute path without "..": where berthd keeps or reads things as root. */
static int parse_abs_path(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        if (v[0] != '/' || strstr(v, "/../") ||
            (strlen(v) >= 3 && streq(v + strlen(v) - 3, "/..")) || strlen(v) >= 4096) {
                fprintf(stderr, "berthd: --%s '%s' must be an absolute path without '..'\n",
                        f->name, v);
                return -EINVAL;
        }
        return set_str(field, v);
}

/* Only a unix socket: the Engine API is root on the engine's host, and plain TCP to it
 * would hand that to the network. */
static int parse_docker_host(const struct flag *f, const char *v, void *field,
                             struct berthd_config *c)
{
        if (strncmp(v, "unix:///", 8) != 0 || strlen(v + 7) >= 108) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be unix:///PATH (a unix socket; an engine over "
                        "TCP is not supported)\n",
                        f->name, v);
                return -EINVAL;
        }
        return set_str(field, v);
}

/* A facility is a path segment of its own: no verb's characters can surprise. */
static int parse_src_facility(const struct flag *f, const char *v, void *field,
                              struct berthd_config *c)
{
        size_t n = strlen(v);

        if (n == 0 || n > 64 ||
            v[strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")]) {
                fprintf(stderr, "berthd: --%s '%s' must be 1 to 64 letters, digits, '_' or '-'\n",
                        f->name, v);
                return -EINVAL;
        }
        return strv_extend(field, v);
}

static int parse_nat_range(const struct flag *f, const char *v, void *field,
                           struct berthd_config *c)
{
        struct berth_error err = {};

        (void)c;
        if (berth_nat_range_parse(v, NULL, NULL, &err) < 0) {
                fprintf(stderr, "berthd: --%s %s\n", f->name, err.msg);
                return -EINVAL;
        }
        return set_str(field, v);
}

/* A host character device below /dev/ (oci-devices.h); repeatable. */
static int parse_device_allow(const struct flag *f, const char *v, void *field,
                              struct berthd_config *c)
{
        char msg[400];

        (void)c;
        if (oci_device_allow_check(v, msg, sizeof(msg)) < 0) {
                fprintf(stderr, "berthd: --%s %s\n", f->name, msg);
                return -EINVAL;
        }
        return strv_extend(field, v);
}

static int parse_src_mode(const struct flag *f, const char *v, void *field, struct berthd_config *c)
{
        if (!streq(v, "solo") && !streq(v, "swarm")) {
                fprintf(stderr, "berthd: --%s '%s' must be solo or swarm\n", f->name, v);
                return -EINVAL;
        }
        return set_str(field, v);
}

/* A number of days, or with a unit d, h, m or s: from a minute to 100 years. */
static int parse_src_uptime_keep(const struct flag *f, const char *v, void *field,
                                 struct berthd_config *c)
{
        char *end = NULL;
        double n, mult = 86400;

        (void)c;
        n = v && isdigit((unsigned char)*v) ? strtod(v, &end) : -1;
        if (end && *end && !end[1] && strchr("dhms", *end))
                mult = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
        else if (end && *end)
                n = -1;
        if (!(n * mult >= 60 && n * mult <= 100 * 365.0 * 86400)) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be a duration from 1m to 100 years: days, or "
                        "a number with d, h, m or s (90d, 12h)\n",
                        f->name, v ? v : "");
                return -EINVAL;
        }
        *(double *)field = n * mult;
        return 0;
}

/* NODE=HOST: a node's hostname or id, and unix:///PATH or tcp://ADDR:PORT (the client
 * checks the rest when berthd starts). */
static int parse_src_node_engine(const struct flag *f, const char *v, void *field,
                                 struct berthd_config *c)
{
        const char *eq = strchr(v, '=');
        size_t n = eq ? (size_t)(eq - v) : 0;

        (void)c;
        if (n == 0 || n > 253 ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
            (strncmp(eq + 1, "unix:///", 8) != 0 && strncmp(eq + 1, "tcp://", 6) != 0)) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be NODE=unix:///PATH or NODE=tcp://ADDR:PORT "
                        "(NODE: a node's hostname or id)\n",
                        f->name, v);
                return -EINVAL;
        }
        return strv_extend(field, v);
}

static int parse_pod_prefix(const struct flag *f, const char *v, void *field,
                            struct berthd_config *c)
{
        size_t n = strlen(v);

        if (n > 32 || v[strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-")]) {
                fprintf(stderr,
                        "berthd: --%s '%s' must be up to 32 lower-case letters, digits, '_' or "
                        "'-'\n",
                        f->name, v);
                return -EINVAL;
        }
        return set_str(field, v);
}

#define REQ required_argument
static const struct flag flags[] = {
        { "scheme", REQ, ARG_SCHEME, parse_scheme, FIELD(listen.schemes) },
        { "host", REQ, ARG_HOST, parse_tcp_host, FIELD(host) },
        { "port", REQ, ARG_PORT, parse_tcp_port, FIELD(listen.port) },
        { "socket-path", REQ, ARG_SOCKET_PATH, parse_string, FIELD(socket_path) },
        { "tls-host", REQ, ARG_TLS_HOST, parse_tcp_host, FIELD(tls_host) },
        { "tls-port", REQ, ARG_TLS_PORT, parse_tcp_port, FIELD(listen.tls_port) },
        { "tls-certificate", REQ, ARG_TLS_CERTIFICATE, parse_string, FIELD(tls_certificate) },
        { "tls-key", REQ, ARG_TLS_KEY, parse_string, FIELD(tls_key) },
        { "tls-ca", REQ, ARG_TLS_CA, parse_string, FIELD(tls_ca) },
        { "state-dir", REQ, ARG_STATE_DIR, parse_string, FIELD(state_dir) },
        { "log-level", REQ, ARG_LOG_LEVEL, parse_log_level, FIELD(log_level) },
        { "max-body-size", REQ, ARG_MAX_BODY, parse_request_limit, FIELD(max_body) },
        { "max-header-size", REQ, ARG_MAX_HEADER, parse_request_limit,
          FIELD(listen.max_header_bytes) },
        { "threads", REQ, ARG_THREADS, parse_threads, FIELD(listen.threads) },
        { "sysfs-root", REQ, ARG_SYSFS_ROOT, parse_string, FIELD(sysfs_root) },
        { "dev-root", REQ, ARG_DEV_ROOT, parse_string, FIELD(dev_root) },
        { "ceph-conf", REQ, ARG_CEPH_CONF, parse_string, FIELD(ceph_conf) },
        { "token-file", REQ, ARG_TOKEN_FILE, parse_string, FIELD(token_file) },
        { "socket-group", REQ, ARG_SOCKET_GROUP, parse_string, FIELD(socket_group) },
        { "shutdown-containers", no_argument, ARG_SHUTDOWN_CONTAINERS, parse_true,
          FIELD(shutdown_containers) },
        { "cgroup-parent", REQ, ARG_CGROUP_PARENT, parse_cgroup_parent, FIELD(cgroup_parent) },
        { "log-max-size", REQ, ARG_LOG_MAX, parse_log_max, FIELD(log_max) },
        { "logs-kept-size", REQ, ARG_LOGS_KEPT, parse_logs_kept, FIELD(logs_kept) },
        { "zygotes", REQ, ARG_ZYGOTES, parse_zygotes, FIELD(zygotes) },
        { "insecure", no_argument, ARG_INSECURE, parse_true, FIELD(insecure) },
        { "allow-origin", REQ, ARG_ALLOW_ORIGIN, parse_origin, FIELD(allow_origins) },
        { "allow-host", REQ, ARG_ALLOW_HOST, parse_allowed_host, FIELD(allow_hosts) },
        { "refuse-privileged", no_argument, ARG_REFUSE_PRIVILEGED, parse_true,
          FIELD(refuse_privileged) },
        { "overlay-size", REQ, ARG_OVERLAY_SIZE, parse_overlay_size, FIELD(overlay_upper_size) },
        { "docker-host", REQ, ARG_DOCKER_HOST, parse_docker_host, FIELD(docker_host) },
        { "data-dir", REQ, ARG_DATA_DIR, parse_abs_path, FIELD(data_dir) },
        { "pod-data-root", REQ, ARG_POD_DATA_ROOT, parse_abs_path, FIELD(pod_data_root) },
        { "pod-prefix", REQ, ARG_POD_PREFIX, parse_pod_prefix, FIELD(pod_prefix) },
        { "recipes-dir", REQ, ARG_RECIPES_DIR, parse_abs_path, FIELD(recipes_dir) },
        { "docker-daemon-json", REQ, ARG_DOCKER_DAEMON_JSON, parse_abs_path,
          FIELD(docker_daemon_json) },
        { "pods-allow-host-paths", no_argument, ARG_PODS_ALLOW_HOST_PATHS, parse_true,
          FIELD(pods_allow_host_paths) },
        { "pods-allow-privileged", no_argument, ARG_PODS_ALLOW_PRIVILEGED, parse_true,
          FIELD(pods_allow_privileged) },
        { "src-facility", REQ, ARG_SRC_FACILITY, parse_src_facility, FIELD(src_facilities) },
        { "src-mode", REQ, ARG_SRC_MODE, parse_src_mode, FIELD(src_mode) },
        { "oci-nat-range", REQ, ARG_OCI_NAT_RANGE, parse_nat_range, FIELD(oci_nat_range) },
        { "oci-device-allow", REQ, ARG_OCI_DEVICE_ALLOW, parse_device_allow,
          FIELD(oci_device_allow) },
        { "oci-ai-public-bus", REQ, ARG_OCI_AI_PUBLIC_BUS, parse_abs_path,
          FIELD(oci_ai_public_bus) },
        { "oci-ai-private-bus", REQ, ARG_OCI_AI_PRIVATE_BUS, parse_abs_path,
          FIELD(oci_ai_private_bus) },
        { "src-admin-token-file", REQ, ARG_SRC_ADMIN_TOKEN_FILE, parse_abs_path,
          FIELD(src_admin_token_file) },
        { "src-allowed-images", REQ, ARG_SRC_ALLOWED_IMAGES, parse_abs_path,
          FIELD(src_allowed_images) },
        { "src-uptime-keep", REQ, ARG_SRC_UPTIME_KEEP, parse_src_uptime_keep,
          FIELD(src_uptime_keep) },
        { "src-node-engine", REQ, ARG_SRC_NODE_ENGINE, parse_src_node_engine,
          FIELD(src_node_engines) },
        { "src-node-tls-dir", REQ, ARG_SRC_NODE_TLS_DIR, parse_abs_path, FIELD(src_node_tls_dir) },
        { "cleanup-timeout", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "graceful-timeout", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "keep-alive", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "read-timeout", REQ, ARG_READ_TIMEOUT, parse_timeout, FIELD(listen.read_timeout_ms) },
        { "write-timeout", REQ, ARG_WRITE_TIMEOUT, parse_timeout, FIELD(listen.write_timeout_ms) },
        { "listen-limit", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "tls-keep-alive", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "tls-read-timeout", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "tls-write-timeout", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "tls-listen-limit", REQ, ARG_IGNORED, parse_ignored, 0 },
        { "help", no_argument, 'h', parse_true, FIELD(show_help) },
        { "version", no_argument, ARG_VERSION, parse_true, FIELD(show_version) },
};
#undef REQ
#undef FIELD

static const struct flag *flag_by_id(int id)
{
        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                if (flags[i].id == id)
                        return &flags[i];
        return NULL;
}

/* What getopt_long() returned: a flag of the table, or a mistake (':' a missing value,
 * '?' a flag that does not exist or takes no value). */
static int parse_flag(struct berthd_config *c, int id, const char *arg, char *const *argv)
{
        const struct flag *f = flag_by_id(id);

        if (f)
                return f->parse(f, arg, (uint8_t *)c + f->field, c);
        if (id == ':')
                fprintf(stderr, "berthd: option '%s' needs a value\n", argv[optind - 1]);
        else
                fprintf(stderr, "berthd: unknown option '%s' (see --help)\n", argv[optind - 1]);
        return -EINVAL;
}

static int parse_argv(struct berthd_config *c, int argc, char *argv[])
{
        struct option options[ELEMENTSOF(flags) + 1] = {};
        int id, r;

        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                options[i] = (struct option){ flags[i].name, flags[i].has_arg, NULL, flags[i].id };
        optind = 0;
        opterr = 0;
        while ((id = getopt_long(argc, argv, ":h", options, NULL)) >= 0) {
                r = parse_flag(c, id, optarg, argv);
                if (r < 0)
                        return r == -ENOMEM ? r : -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "berthd: unexpected argument '%s' (see --help)\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* The API is root on this host: without a scheme asked for, only the 0600 unix socket
 * (as Docker's), never a TCP port. */
static int check_schemes(struct berthd_config *c)
{
        if (!c->listen.schemes)
                c->listen.schemes = BERTH_SCHEME_UNIX;
        if (c->tcp_flags_given && !(c->listen.schemes & (BERTH_SCHEME_HTTP | BERTH_SCHEME_HTTPS))) {
                fprintf(stderr, "berthd: --host/--port/--tls-host/--tls-port without --scheme "
                                "http or https: berthd listens on its unix socket only unless a "
                                "TCP scheme is given\n");
                return -EINVAL;
        }
        return 0;
}

static int check_state_dir(const char *d)
{
        /* overlayfs options are separated by ',' and lowerdirs by ':': the state
         * directory ends up in both. */
        if (d[0] != '/' || strpbrk(d, ":, \t\n\\")) {
                fprintf(stderr,
                        "berthd: --state-dir '%s' must be an absolute path without ':', ',', '\\' "
                        "or whitespace\n",
                        d);
                return -EINVAL;
        }
        return 0;
}

static int check_tls(const struct berthd_config *c)
{
        if ((c->listen.schemes & BERTH_SCHEME_HTTPS) && (!c->tls_certificate || !c->tls_key)) {
                fprintf(stderr, "berthd: --scheme=https needs --tls-certificate and --tls-key\n");
                return -EINVAL;
        }
        return 0;
}

/* The rules between flags, in the order their messages take precedence. */
static int validate(struct berthd_config *c)
{
        if (check_schemes(c) < 0 || check_state_dir(c->state_dir) < 0 || check_tls(c) < 0)
                return -EINVAL;
        return 0;
}

/* Two berthds on one host must not share cgroups (the recovery sweep of one would take
 * the other's groups for leftovers): without the flag, a state directory other than the
 * default gets a parent of its own. */
static int default_cgroup_parent(struct berthd_config *c)
{
        uint32_t h = 2166136261u; /* FNV-1a */
        char name[32];

        if (c->cgroup_parent_given || streq(c->state_dir, "/run/berth"))
                return 0;
        for (const char *p = c->state_dir; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
        (void)snprintf(name, sizeof(name), "berth-%08x", h);
        return set_str(&c->cgroup_parent, name);
}

static int default_socket_path(struct berthd_config *c)
{
        if (!c->socket_path && asprintf(&c->socket_path, "%s/berthd.sock", c->state_dir) < 0) {
                c->socket_path = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* What depends on other flags, and the transport's view of the strings. */
static int complete(struct berthd_config *c)
{
        if (default_cgroup_parent(c) < 0 || default_socket_path(c) < 0)
                return -ENOMEM;
        c->listen.host = c->host;
        c->listen.socket_path = c->socket_path;
        c->listen.socket_group = c->socket_group;
        c->listen.tls_host = c->tls_host;
        c->listen.tls_certificate = c->tls_certificate;
        c->listen.tls_key = c->tls_key;
        c->listen.tls_ca = c->tls_ca;
        return 0;
}

int berthd_config_parse(int argc, char *argv[], struct berthd_config *c)
{
        int r;

        *c = (struct berthd_config){};
        r = set_defaults(c);
        if (r >= 0)
                r = parse_env(c);
        if (r >= 0)
                r = parse_argv(c, argc, argv);
        if (r >= 0)
                r = validate(c);
        if (r >= 0)
                r = complete(c);
        return r;
}

/* 127.0.0.0/8 after resolving the name (as the transport will). */
static bool is_loopback(const char *host)
{
        struct in_addr a;

        return berth_http_resolve_ipv4(host, &a) == 0 && berth_http_in4_is_loopback(a);
}

int berthd_config_check_exposure(const struct berthd_config *c, char *warn, size_t size)
{
        const char *hosts[2] = { NULL, NULL };

        warn[0] = 0;
        if (c->listen.schemes & BERTH_SCHEME_HTTP)
                hosts[0] = berth_http_listen_host(&c->listen, BERTH_SCHEME_HTTP);
        if (c->listen.schemes & BERTH_SCHEME_HTTPS)
                hosts[1] = berth_http_listen_host(&c->listen, BERTH_SCHEME_HTTPS);
        for (size_t i = 0; !c->token_file && !c->tls_ca && i < ELEMENTSOF(hosts); i++) {
                const char *scheme = i == 0 ? "http" : "https";

                if (!hosts[i])
                        continue;
                if (!is_loopback(hosts[i])) {
                        if (!c->insecure) {
                                fprintf(stderr,
                                        "berthd: refusing to serve %s on '%s' without "
                                        "--token-file or --tls-ca: whoever reaches that address "
                                        "would be root on this host (give a token, client "
                                        "certificates, a loopback --host, or --insecure)\n",
                                        scheme, hosts[i]);
                                return -EPERM;
                        }
                        (void)snprintf(warn, size,
                                       "--insecure: %s on '%s' without authentication: everyone "
                                       "who can reach that address is root on this host",
                                       scheme, hosts[i]);
                        return 0;
                }
                (void)snprintf(warn, size,
                               "%s on '%s' without --token-file: every local user and every "
                               "container in the host's network namespace can call this API, "
                               "which is root on this host",
                               scheme, hosts[i]);
        }
        if (!warn[0] && c->token_file && !c->tls_ca && (c->listen.schemes & BERTH_SCHEME_HTTP) &&
            !is_loopback(c->host))
                (void)snprintf(warn, size,
                               "http on '%s': the token crosses the network in clear text; use "
                               "https",
                               c->host);
        return 0;
}

void berthd_config_done(struct berthd_config *c)
{
        free(c->state_dir);
        free(c->sysfs_root);
        free(c->dev_root);
        free(c->ceph_conf);
        free(c->token_file);
        free(c->socket_group);
        free(c->cgroup_parent);
        free(c->socket_path);
        free(c->host);
        free(c->tls_host);
        free(c->tls_certificate);
        free(c->tls_key);
        free(c->tls_ca);
        strv_free(c->allow_origins);
        strv_free(c->allow_hosts);
        free(c->docker_host);
        free(c->data_dir);
        free(c->pod_data_root);
        free(c->pod_prefix);
        free(c->recipes_dir);
        free(c->docker_daemon_json);
        strv_free(c->src_facilities);
        free(c->src_mode);
        free(c->oci_nat_range);
        strv_free(c->oci_device_allow);
        free(c->oci_ai_public_bus);
        free(c->oci_ai_private_bus);
        free(c->src_admin_token_file);
        free(c->src_allowed_images);
        strv_free(c->src_node_engines);
        free(c->src_node_tls_dir);
}

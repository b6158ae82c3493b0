/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berthd's command line (src/berthd-config.c): defaults, the imageapi-server
 * compatible flags and environment, and the refusals. berthd_config_parse() prints
 * one line to stderr on each refusal; that output is expected.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "berthd-config.h"
#include "strv.h"
#include "macro.h"

#define ARGS_MAX 32

/* Parse "berthd" followed by the NULL-terminated arguments. getopt permutes argv, so
 * it gets a writable copy. */
static int parse_args(struct berthd_config *c, ...)
{
        char *argv[ARGS_MAX + 2] = {};
        int argc = 0, r;
        const char *a;
        va_list ap;

        argv[argc++] = strdup("berthd");
        va_start(ap, c);
        while ((a = va_arg(ap, const char *))) {
                ck_assert_int_lt(argc, ARGS_MAX);
                argv[argc++] = strdup(a);
        }
        va_end(ap);
        for (int i = 0; i < argc; i++)
                ck_assert_ptr_nonnull(argv[i]);

        r = berthd_config_parse(argc, argv, c);
        for (int i = 0; i < argc; i++)
                free(argv[i]);
        return r;
}

#define parse_ok(c, ...)                                        \
        do {                                                    \
                int _r = parse_args((c), ##__VA_ARGS__, NULL);  \
                ck_assert_msg(_r == 0, "parse failed: %d", _r); \
        } while (0)

/* Must be refused with -EINVAL. */
#define parse_bad(...)                                                        \
        do {                                                                  \
                struct berthd_config _c;                                      \
                int _r = parse_args(&_c, ##__VA_ARGS__, NULL);                \
                ck_assert_msg(_r == -EINVAL, "expected -EINVAL, got %d", _r); \
                berthd_config_done(&_c);                                      \
        } while (0)

static void env_setup(void)
{
        /* The environment of whoever runs the tests must not change the defaults. */
        ck_assert_int_eq(unsetenv("IMAGEAPI_LOGLEVEL"), 0);
        ck_assert_int_eq(unsetenv("HOST"), 0);
        ck_assert_int_eq(unsetenv("PORT"), 0);
        ck_assert_int_eq(unsetenv("TLS_HOST"), 0);
        ck_assert_int_eq(unsetenv("TLS_PORT"), 0);
}

START_TEST(test_defaults)
{
        struct berthd_config c;

        parse_ok(&c);
        /* The API is root on the host: by default only the 0600 unix socket. */
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_UNIX);
        ck_assert(!c.insecure);
        ck_assert(!c.refuse_privileged);
        ck_assert_ptr_null(c.allow_origins);
        ck_assert_ptr_null(c.allow_hosts);
        ck_assert_str_eq(c.host, "127.0.0.1");
        ck_assert_str_eq(c.listen.host, "127.0.0.1");
        ck_assert_int_eq(c.listen.port, 8080);
        ck_assert_int_eq(c.listen.tls_port, 8443);
        ck_assert_str_eq(c.state_dir, "/run/berth");
        ck_assert_str_eq(c.socket_path, "/run/berth/berthd.sock");
        ck_assert_str_eq(c.listen.socket_path, "/run/berth/berthd.sock");
        ck_assert_str_eq(c.sysfs_root, "/sys");
        ck_assert_uint_eq(c.max_body, 1024 * 1024);
        ck_assert_uint_eq(c.log_max, 8u << 20);
        ck_assert_uint_eq(c.logs_kept, 64u << 20);
        ck_assert_int_eq(c.log_level, LOG_INFO);
        ck_assert_ptr_null(c.tls_certificate);
        ck_assert_ptr_null(c.tls_key);
        ck_assert(!c.show_help);
        ck_assert(!c.show_version);
        berthd_config_done(&c);
}
END_TEST

START_TEST(test_schemes)
{
        struct berthd_config c;

        parse_ok(&c, "--scheme=unix");
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_UNIX);
        berthd_config_done(&c);

        parse_ok(&c, "--scheme", "http", "--scheme=unix");
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_HTTP | BERTH_SCHEME_UNIX);
        berthd_config_done(&c);

        parse_ok(&c, "--scheme=unix,http", "--tls-certificate=/c.pem", "--tls-key=/k.pem",
                 "--scheme=https");
        ck_assert_uint_eq(c.listen.schemes,
                          BERTH_SCHEME_HTTP | BERTH_SCHEME_HTTPS | BERTH_SCHEME_UNIX);
        ck_assert_str_eq(c.listen.tls_certificate, "/c.pem");
        ck_assert_str_eq(c.listen.tls_key, "/k.pem");
        berthd_config_done(&c);

        /* The same scheme twice is harmless. */
        parse_ok(&c, "--scheme=unix", "--scheme=unix");
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_UNIX);
        berthd_config_done(&c);

        parse_bad("--scheme=ftp");
        parse_bad("--scheme=http,ftp");
        parse_bad("--scheme=HTTP");
        parse_bad("--scheme=http", "--scheme=unix ");
}
END_TEST

START_TEST(test_https_needs_tls_files)
{
        struct berthd_config c;

        parse_bad("--scheme=https");
        parse_bad("--scheme=https", "--tls-certificate=/c.pem");
        parse_bad("--scheme=https", "--tls-key=/k.pem");

        parse_ok(&c, "--scheme=https", "--tls-certificate", "/c.pem", "--tls-key", "/k.pem",
                 "--tls-ca=/ca.pem", "--tls-host=0.0.0.0", "--tls-port=9443");
        /* Client certificates: any address. */
        {
                char w[512];
                ck_assert_int_eq(berthd_config_check_exposure(&c, w, sizeof(w)), 0);
                ck_assert_str_eq(w, "");
        }
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_HTTPS);
        ck_assert_str_eq(c.listen.tls_ca, "/ca.pem");
        ck_assert_str_eq(c.listen.tls_host, "0.0.0.0");
        ck_assert_int_eq(c.listen.tls_port, 9443);
        berthd_config_done(&c);
}
END_TEST

START_TEST(test_ports)
{
        struct berthd_config c;

        parse_ok(&c, "--scheme=http", "--port=0");
        ck_assert_int_eq(c.listen.port, 0);
        berthd_config_done(&c);

        parse_ok(&c, "--port", "65535", "--scheme", "http");
        ck_assert_int_eq(c.listen.port, 65535);
        berthd_config_done(&c);

        /* A TCP address without a TCP scheme is a mistake, not a silent unix socket. */
        parse_bad("--port=8080");
        parse_bad("--host=127.0.0.1");
        parse_bad("--tls-port=8443");
        parse_bad("--tls-host=127.0.0.1", "--scheme=unix");

        parse_ok(&c, "--host=10.0.0.1", "--port=1", "--scheme=http");
        ck_assert_str_eq(c.listen.host, "10.0.0.1");
        ck_assert_int_eq(c.listen.port, 1);
        berthd_config_done(&c);

        parse_bad("--port=65536");
        parse_bad("--port=-1");
        parse_bad("--port=abc");
        parse_bad("--port=");
        parse_bad("--port=80x");
        parse_bad("--port=99999999999999999999");
        parse_bad("--tls-port=65536");
}
END_TEST

START_TEST(test_state_dir)
{
        struct berthd_config c;

        parse_ok(&c, "--state-dir=/var/lib/berth");
        ck_assert_str_eq(c.state_dir, "/var/lib/berth");
        ck_assert_str_eq(c.socket_path, "/var/lib/berth/berthd.sock");
        /* A cgroup parent of its own, so that two berthds never share one. */
        ck_assert_str_eq(c.cgroup_parent, "berth-c28eab59");
        berthd_config_done(&c);
        parse_ok(&c, "--state-dir=/var/lib/berth2");
        ck_assert(strncmp(c.cgroup_parent, "berth-", 6) == 0 &&
                  !streq(c.cgroup_parent, "berth-c28eab59"));
        berthd_config_done(&c);
        parse_ok(&c, "--state-dir=/var/lib/berth", "--cgroup-parent=mine");
        ck_assert_str_eq(c.cgroup_parent, "mine");
        berthd_config_done(&c);
        parse_ok(&c);
        ck_assert_str_eq(c.cgroup_parent, "berth");
        berthd_config_done(&c);

        /* An explicit socket path wins over the derived one. */
        parse_ok(&c, "--state-dir=/srv/b", "--socket-path=/run/b.sock");
        ck_assert_str_eq(c.socket_path, "/run/b.sock");
        ck_assert_str_eq(c.listen.socket_path, "/run/b.sock");
        berthd_config_done(&c);

        parse_bad("--state-dir=relative/dir");
        parse_bad("--state-dir=./x");
        parse_bad("--state-dir=");
        parse_bad("--state-dir=/a:b");
        parse_bad("--state-dir=/a,b");
        parse_bad("--state-dir=/a b");
        parse_bad("--state-dir=/a\tb");
        parse_bad("--state-dir=/a\nb");
        parse_bad("--state-dir=/a\\b");
}
END_TEST

START_TEST(test_log_level)
{
        static const struct {
                const char *name;
                int level;
        } levels[] = {
                { "error", LOG_ERR },   { "warn", LOG_WARNING }, { "info", LOG_INFO },
                { "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG },  { "TRACE", LOG_DEBUG },
                { "ERROR", LOG_ERR },   { "WARN", LOG_WARNING },
        };
        struct berthd_config c;

        for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
                char arg[64];

                (void)snprintf(arg, sizeof(arg), "--log-level=%s", levels[i].name);
                parse_ok(&c, arg);
                ck_assert_msg(c.log_level == levels[i].level, "%s: level %d, want %d",
                              levels[i].name, c.log_level, levels[i].level);
                berthd_config_done(&c);
        }
        parse_bad("--log-level=loud");
        parse_bad("--log-level=");
}
END_TEST

START_TEST(test_log_level_env)
{
        struct berthd_config c;

        ck_assert_int_eq(setenv("IMAGEAPI_LOGLEVEL", "DEBUG", 1), 0);
        parse_ok(&c);
        ck_assert_int_eq(c.log_level, LOG_DEBUG);
        berthd_config_done(&c);

        /* The flag overrides the environment. */
        parse_ok(&c, "--log-level=error");
        ck_assert_int_eq(c.log_level, LOG_ERR);
        berthd_config_done(&c);

        ck_assert_int_eq(setenv("IMAGEAPI_LOGLEVEL", "chatty", 1), 0);
        parse_bad();
}
END_TEST

START_TEST(test_host_port_env)
{
        struct berthd_config c;

        ck_assert_int_eq(setenv("HOST", "0.0.0.0", 1), 0);
        ck_assert_int_eq(setenv("PORT", "9090", 1), 0);
        ck_assert_int_eq(setenv("TLS_HOST", "10.1.1.1", 1), 0);
        ck_assert_int_eq(setenv("TLS_PORT", "9443", 1), 0);
        parse_ok(&c, "--scheme=http");
        ck_assert_str_eq(c.listen.host, "0.0.0.0");
        ck_assert_int_eq(c.listen.port, 9090);
        ck_assert_str_eq(c.listen.tls_host, "10.1.1.1");
        ck_assert_int_eq(c.listen.tls_port, 9443);
        berthd_config_done(&c);

        /* Flags win over the environment. */
        parse_ok(&c, "--host=127.0.0.2", "--port=7000", "--scheme=http");
        ck_assert_str_eq(c.listen.host, "127.0.0.2");
        ck_assert_int_eq(c.listen.port, 7000);
        berthd_config_done(&c);

        /* Empty variables are ignored. */
        ck_assert_int_eq(setenv("HOST", "", 1), 0);
        ck_assert_int_eq(setenv("PORT", "", 1), 0);
        parse_ok(&c);
        ck_assert_str_eq(c.listen.host, "127.0.0.1");
        ck_assert_int_eq(c.listen.port, 8080);
        berthd_config_done(&c);

        ck_assert_int_eq(setenv("PORT", "http", 1), 0);
        parse_bad();
}
END_TEST

START_TEST(test_ignored_compat_flags)
{
        struct berthd_config c;

        parse_ok(&c, "--cleanup-timeout=10s", "--graceful-timeout", "15s", "--keep-alive=3m",
                 "--read-timeout=30s", "--write-timeout=60s", "--listen-limit=10",
                 "--tls-keep-alive=3m", "--tls-read-timeout=30s", "--tls-write-timeout=60s",
                 "--tls-listen-limit=5");
        ck_assert_uint_eq(c.listen.schemes, BERTH_SCHEME_UNIX);
        ck_assert_int_eq(c.listen.port, 8080);
        berthd_config_done(&c);
}
END_TEST

START_TEST(test_other_flags)
{
        struct berthd_config c;

        parse_ok(&c, "--max-body-size=64k", "--max-header-size=32KiB", "--threads=4",
                 "--sysfs-root=/tmp/sys", "--version", "-h");
        ck_assert_uint_eq(c.max_body, 64 * 1024);
        ck_assert_uint_eq(c.listen.max_header_bytes, 32 * 1024);
        ck_assert_uint_eq(c.listen.threads, 4);
        ck_assert_str_eq(c.sysfs_root, "/tmp/sys");
        ck_assert(c.show_version);
        ck_assert(c.show_help);
        berthd_config_done(&c);

        parse_ok(&c, "--help");
        ck_assert(c.show_help);
        berthd_config_done(&c);

        parse_bad("--max-body-size=1000");
        parse_bad("--max-body-size=65M");
        parse_bad("--max-body-size=lots");
        parse_bad("--threads=0");
        parse_bad("--threads=1025");
        parse_bad("--threads=");
        parse_bad("--threads=4x");

        parse_ok(&c, "--log-max-size=1MiB", "--logs-kept-size=0");
        ck_assert_uint_eq(c.log_max, 1u << 20);
        ck_assert_uint_eq(c.logs_kept, 0);
        berthd_config_done(&c);
        parse_ok(&c, "--logs-kept-size=2G");
        ck_assert_uint_eq(c.logs_kept, (size_t)2 << 30);
        berthd_config_done(&c);
        parse_bad("--logs-kept-size=much");
        parse_bad("--logs-kept-size=");
        parse_bad("--log-max-size=1000");
}
END_TEST

/* The flags no other test gives: each lands in its own member (the flag table names
 * members by offset), and the number flags refuse what is out of range. */
START_TEST(test_flag_members)
{
        struct berthd_config c;

        parse_ok(&c, "--dev-root=/tmp/dev", "--ceph-conf=/tmp/ceph.conf", "--socket-group=wheel",
                 "--tls-ca=/tmp/ca.pem", "--token-file=/tmp/token", "--shutdown-containers",
                 "--zygotes=0", "--overlay-size=0", "--cgroup-parent=berth-test");
        ck_assert_str_eq(c.dev_root, "/tmp/dev");
        ck_assert_str_eq(c.ceph_conf, "/tmp/ceph.conf");
        ck_assert_str_eq(c.socket_group, "wheel");
        ck_assert_str_eq(c.listen.socket_group, "wheel");
        ck_assert_str_eq(c.tls_ca, "/tmp/ca.pem");
        ck_assert_str_eq(c.listen.tls_ca, "/tmp/ca.pem");
        ck_assert_str_eq(c.token_file, "/tmp/token");
        ck_assert(c.shutdown_containers);
        ck_assert(!c.insecure);
        ck_assert(!c.refuse_privileged);
        ck_assert(!c.show_help);
        ck_assert_uint_eq(c.zygotes, 0);
        ck_assert_uint_eq(c.overlay_upper_size, 0);
        ck_assert_str_eq(c.cgroup_parent, "berth-test");
        ck_assert(c.cgroup_parent_given);
        berthd_config_done(&c);

        parse_ok(&c, "--zygotes=8", "--overlay-size=1MiB");
        ck_assert_uint_eq(c.zygotes, 8);
        ck_assert_uint_eq(c.overlay_upper_size, 1u << 20);
        ck_assert(!c.shutdown_containers);
        ck_assert(!c.cgroup_parent_given);
        berthd_config_done(&c);

        parse_bad("--zygotes=9");
        parse_bad("--zygotes=-1");
        parse_bad("--zygotes=");
        parse_bad("--zygotes=2x");
        parse_bad("--overlay-size=1000");
        parse_bad("--overlay-size=big");
        parse_bad("--cgroup-parent=.hidden");
        parse_bad("--cgroup-parent=a/b");
        parse_bad("--max-header-size=100");
}
END_TEST

/* Exposure of c as berthd would judge it at start. */
static int exposure(char *w, size_t size, ...)
{
        char *argv[ARGS_MAX + 2] = {};
        struct berthd_config c;
        const char *a;
        int argc = 0, r;
        va_list ap;

        argv[argc++] = strdup("berthd");
        va_start(ap, size);
        while ((a = va_arg(ap, const char *)))
                argv[argc++] = strdup(a);
        va_end(ap);
        ck_assert_int_eq(berthd_config_parse(argc, argv, &c), 0);
        r = berthd_config_check_exposure(&c, w, size);
        berthd_config_done(&c);
        for (int i = 0; i < argc; i++)
                free(argv[i]);
        return r;
}

START_TEST(test_exposure)
{
        char w[512];

        /* The unix socket alone: nothing to say. */
        ck_assert_int_eq(exposure(w, sizeof(w), NULL), 0);
        ck_assert_str_eq(w, "");
        /* Loopback without a token: served, with a warning that names the risk. */
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", NULL), 0);
        ck_assert_ptr_nonnull(strstr(w, "every local user"));
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", "--host=127.0.0.5", NULL), 0);
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", "--host=localhost", NULL), 0);
        ck_assert_ptr_nonnull(strstr(w, "root"));
        /* Any other address: refused without a token, client certificates or --insecure. */
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", "--host=0.0.0.0", NULL), -EPERM);
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", "--host=10.1.2.3", NULL), -EPERM);
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=https", "--tls-certificate=/c",
                                  "--tls-key=/k", "--tls-host=0.0.0.0", NULL),
                         -EPERM);
        ck_assert_int_eq(
                exposure(w, sizeof(w), "--scheme=http", "--host=0.0.0.0", "--insecure", NULL), 0);
        ck_assert_ptr_nonnull(strstr(w, "--insecure"));
        /* A token: allowed, but plain http off loopback says the token travels in clear. */
        ck_assert_int_eq(
                exposure(w, sizeof(w), "--scheme=http", "--host=0.0.0.0", "--token-file=/t", NULL),
                0);
        ck_assert_ptr_nonnull(strstr(w, "clear text"));
        ck_assert_int_eq(exposure(w, sizeof(w), "--scheme=http", "--token-file=/t", NULL), 0);
        ck_assert_str_eq(w, "");
}
END_TEST

START_TEST(test_browser_flags)
{
        struct berthd_config c;

        parse_ok(&c, "--allow-origin=https://ui.example:8443", "--allow-origin",
                 "http://127.0.0.1:3000", "--allow-host=node1.example",
                 "--allow-host=10.0.0.5:8080", "--refuse-privileged", "--insecure");
        ck_assert_str_eq(c.allow_origins[0], "https://ui.example:8443");
        ck_assert_str_eq(c.allow_origins[1], "http://127.0.0.1:3000");
        ck_assert_ptr_null(c.allow_origins[2]);
        ck_assert_str_eq(c.allow_hosts[0], "node1.example");
        ck_assert_str_eq(c.allow_hosts[1], "10.0.0.5:8080");
        ck_assert(c.refuse_privileged);
        ck_assert(c.insecure);
        berthd_config_done(&c);

        parse_bad("--allow-origin=ui.example");
        parse_bad("--allow-origin=https://ui.example/path");
        parse_bad("--allow-origin=https://");
        parse_bad("--allow-origin=*");
        parse_bad("--allow-host=");
        parse_bad("--allow-host=a b");
        parse_bad("--allow-host=evil/x");
}
END_TEST

/* Other nodes' engines for the SRC door: NODE=unix:///PATH or NODE=tcp://ADDR:PORT,
 * repeatable; anything else is refused before berthd starts. */
START_TEST(test_src_node_engines)
{
        struct berthd_config c;

        parse_ok(&c, "--src-node-engine", "node-2=tcp://10.0.0.2:2376", "--src-node-engine",
                 "k3x9=unix:///run/n2.sock", "--src-node-tls-dir", "/etc/berth/docker-tls");
        ck_assert_uint_eq(strv_length(c.src_node_engines), 2);
        ck_assert_str_eq(c.src_node_engines[0], "node-2=tcp://10.0.0.2:2376");
        ck_assert_str_eq(c.src_node_tls_dir, "/etc/berth/docker-tls");
        berthd_config_done(&c);
        parse_bad("--src-node-engine", "tcp://10.0.0.2:2376");
        parse_bad("--src-node-engine", "=tcp://10.0.0.2:2376");
        parse_bad("--src-node-engine", "n2=ssh://root@n2");
        parse_bad("--src-node-engine", "n2=http://10.0.0.2:2375");
        parse_bad("--src-node-engine", "n 2=tcp://10.0.0.2:2376");
        parse_bad("--src-node-engine", "n;2=unix:///x");
        parse_bad("--src-node-tls-dir", "relative/dir");
}
END_TEST

/* Character devices below /dev/ only (the nodes every system has). */
START_TEST(test_oci_device_allow)
{
        struct berthd_config c;

        parse_ok(&c);
        ck_assert_ptr_null(c.oci_device_allow);
        berthd_config_done(&c);
        parse_ok(&c, "--oci-device-allow", "/dev/null", "--oci-device-allow", "/dev/zero");
        ck_assert_uint_eq(strv_length(c.oci_device_allow), 2);
        ck_assert_str_eq(c.oci_device_allow[1], "/dev/zero");
        berthd_config_done(&c);
        parse_bad("--oci-device-allow", "/dev");                    /* a directory */
        parse_bad("--oci-device-allow", "/dev/shm");                /* a directory below /dev */
        parse_bad("--oci-device-allow", "/etc/passwd");             /* not below /dev */
        parse_bad("--oci-device-allow", "/dev/../dev/null");        /* not clean */
        parse_bad("--oci-device-allow", "/dev//null");              /* not clean */
        parse_bad("--oci-device-allow", "dev/null");                /* relative */
        parse_bad("--oci-device-allow", "/dev/berth-no-such-node"); /* missing */
        parse_bad("--oci-device-allow", "/dev/stdin");              /* a symlink */
}
END_TEST

START_TEST(test_durations)
{
        struct berthd_config c;
        uint64_t ms = 7;

        ck_assert_int_eq(parse_duration_ms("30s", &ms), 0);
        ck_assert_uint_eq(ms, 30000);
        ck_assert_int_eq(parse_duration_ms("1m30s", &ms), 0);
        ck_assert_uint_eq(ms, 90000);
        ck_assert_int_eq(parse_duration_ms("500ms", &ms), 0);
        ck_assert_uint_eq(ms, 500);
        ck_assert_int_eq(parse_duration_ms("1.5h", &ms), 0);
        ck_assert_uint_eq(ms, 5400000);
        ck_assert_int_eq(parse_duration_ms("30", &ms), -EINVAL);
        ck_assert_int_eq(parse_duration_ms("", &ms), -EINVAL);
        ck_assert_int_eq(parse_duration_ms("-1s", &ms), -EINVAL);
        ck_assert_int_eq(parse_duration_ms("1x", &ms), -EINVAL);
        ck_assert_int_eq(parse_duration_ms("s", &ms), -EINVAL);

        parse_ok(&c, "--read-timeout=2s", "--write-timeout", "1m");
        ck_assert_uint_eq(c.listen.read_timeout_ms, 2000);
        ck_assert_uint_eq(c.listen.write_timeout_ms, 60000);
        berthd_config_done(&c);
        parse_bad("--read-timeout=10ms");
        parse_bad("--read-timeout=2h");
        parse_bad("--write-timeout=soon");
}
END_TEST

START_TEST(test_rejects)
{
        parse_bad("--no-such-flag");
        parse_bad("--no-such-flag=1");
        parse_bad("-x");
        parse_bad("serve");
        parse_bad("--port=80", "stray");
        parse_bad("stray", "--port=80");
        /* A missing value. */
        parse_bad("--port");
        parse_bad("--state-dir");
        parse_bad("--scheme=http", "--log-level");
        /* A flag without a value takes none. */
        parse_bad("--version=1");
}
END_TEST

static void size_eq(const char *s, size_t want)
{
        size_t v = 7;
        int r = parse_size(s, &v);

        ck_assert_msg(r == 0, "'%s': %d", s, r);
        ck_assert_msg(v == want, "'%s': %zu, want %zu", s, v, want);
}

static void size_bad(const char *s, int want)
{
        size_t v = 7;
        int r = parse_size(s, &v);

        ck_assert_msg(r == want, "'%s': expected %d, got %d", s ? s : "(null)", want, r);
        ck_assert_uint_eq(v, 7);
}

START_TEST(test_parse_size)
{
        size_eq("0", 0);
        size_eq("1024", 1024);
        size_eq("64k", 64 * 1024);
        size_eq("64K", 64 * 1024);
        size_eq("64kb", 64 * 1024);
        size_eq("1MiB", 1024 * 1024);
        size_eq("2M", 2 * 1024 * 1024);
        size_eq("1G", (size_t)1 << 30);
        size_eq("3gib", (size_t)3 << 30);

        size_bad("", -EINVAL);
        size_bad(NULL, -EINVAL);
        size_bad("k", -EINVAL);
        size_bad("12x", -EINVAL);
        size_bad("12 k", -EINVAL);
        size_bad("1T", -EINVAL);
        size_bad("-1", -EINVAL);
        size_bad(" 1", -EINVAL);
        size_bad("99999999999999999999", -ERANGE);
        size_bad("18446744073709551615k", -ERANGE);
        if (SIZE_MAX == UINT64_MAX)
                size_bad("17179869184G", -ERANGE); /* 2^34 GiB = 2^64 */
}
END_TEST

static Suite *config_suite(void)
{
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("parse");

        tcase_add_checked_fixture(tc, env_setup, NULL);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_schemes);
        tcase_add_test(tc, test_https_needs_tls_files);
        tcase_add_test(tc, test_ports);
        tcase_add_test(tc, test_state_dir);
        tcase_add_test(tc, test_log_level);
        tcase_add_test(tc, test_log_level_env);
        tcase_add_test(tc, test_host_port_env);
        tcase_add_test(tc, test_ignored_compat_flags);
        tcase_add_test(tc, test_other_flags);
        tcase_add_test(tc, test_flag_members);
        tcase_add_test(tc, test_rejects);
        tcase_add_test(tc, test_exposure);
        tcase_add_test(tc, test_durations);
        tcase_add_test(tc, test_src_node_engines);
        tcase_add_test(tc, test_oci_device_allow);
        tcase_add_test(tc, test_browser_flags);
        suite_add_tcase(s, tc);

        tc = tcase_create("size");
        tcase_add_test(tc, test_parse_size);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(config_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? 1 : 0;
}

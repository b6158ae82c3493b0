/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

/* berthd's defaults that its help states too (berthd-help.c). */
#define BERTHD_DEFAULT_PORT 8080
#define BERTHD_DEFAULT_TLS_PORT 8443
#define BERTHD_DEFAULT_MAX_BODY (1u << 20)
#define BERTHD_DEFAULT_THREADS 32

/* berthd's command line. Flags are compatible with the Go imageapi-server's, so that
 * berthd can replace it in a unit file unchanged. */
struct berthd_config {
        struct berth_http_listen listen;
        char *state_dir;
        char *sysfs_root; /* --sysfs-root, for tests: a fake /sys (krbd) */
        char *dev_root;   /* --dev-root, for tests: where krbd devices appear */
        char *ceph_conf;
        char *token_file; /* --token-file: every request must carry its token */
        char *socket_group;
        bool shutdown_containers; /* SIGTERM stops and removes everything */
        bool insecure;            /* --insecure: TCP without authentication off loopback */
        bool refuse_privileged;   /* --refuse-privileged: no systemd-mode containers */
        char **allow_origins;     /* --allow-origin: web origins whose requests are served */
        char **allow_hosts;       /* --allow-host: Host header values accepted without a token */
        bool tcp_flags_given;     /* --host, --port, --tls-host or --tls-port on the command line */
        bool cgroup_parent_given; /* --cgroup-parent on the command line */
        char *socket_path;
        char *host;
        char *tls_host;
        char *tls_certificate;
        char *tls_key;
        char *tls_ca;
        char *cgroup_parent;
        int log_level;
        size_t max_body;
        size_t log_max;
        size_t logs_kept;          /* --logs-kept-size: deleted containers' logs kept, bytes */
        size_t overlay_upper_size; /* --overlay-size: an overlay's upper tmpfs, bytes */
        unsigned zygotes;          /* --zygotes: pool size, 0 = none */
        /* pods and the docker engine */
        char *docker_host;        /* --docker-host: unix:///path */
        char *data_dir;           /* --data-dir: pods.db (default /var/lib/berth) */
        char *pod_data_root;      /* --pod-data-root (default /usr/share/canteen/data) */
        char *pod_prefix;         /* --pod-prefix (default od-pod-) */
        char *recipes_dir;        /* --recipes-dir */
        char *docker_daemon_json; /* --docker-daemon-json (default /etc/docker/daemon.json) */
        bool pods_allow_host_paths;
        bool pods_allow_privileged;
        /* the SRC apps door */
        char **src_facilities;      /* --src-facility (repeatable; none: demo) */
        char *src_mode;             /* --src-mode solo|swarm (NULL: from the engine) */
        char *src_admin_token_file; /* --src-admin-token-file: approve-image's token */
        char *src_allowed_images;   /* --src-allowed-images: approved references */
        double src_uptime_keep;     /* --src-uptime-keep: seconds (0: 90 days) */
        char **src_node_engines;    /* --src-node-engine NODE=HOST (repeatable) */
        char *src_node_tls_dir;     /* --src-node-tls-dir: TLS files of tcp:// nodes */
        char *oci_nat_range;        /* --oci-nat-range: "nat" containers' addresses */
        char **oci_device_allow;    /* --oci-device-allow (repeatable): host character
                                     * devices Dobby specs may ask for */
        char *oci_ai_public_bus;    /* --oci-ai-public-bus: the socket of the AI public
                                     * D-Bus (Dobby's SetAIDbusAddress), or NULL */
        char *oci_ai_private_bus;   /* --oci-ai-private-bus: of the AI private one */
        bool show_help;
        bool show_version;
};

/* Parse argv (and the environment: IMAGEAPI_LOGLEVEL, and go-swagger's HOST, PORT,
 * TLS_HOST, TLS_PORT …). On error prints one line to stderr and returns -EINVAL. */
int berthd_config_parse(int argc, char *argv[], struct berthd_config *ret);
void berthd_config_done(struct berthd_config *c);
void berthd_config_help(const char *argv0);

/* Is the TCP exposure of c acceptable? Refuses (-EPERM, one line on stderr) plain TCP
 * without a token and without client certificates on an address that is not loopback,
 * unless --insecure. ret_warning (size bytes) gets the risk berthd takes, or "". Names
 * are resolved (IPv4), as the transport will. */
int berthd_config_check_exposure(const struct berthd_config *c, char *ret_warning, size_t size);

/* Parse a Go duration ("30s", "1m30s", "500ms") into milliseconds. -EINVAL / -ERANGE. */
int parse_duration_ms(const char *s, uint64_t *ret);
/* Parse "1048576", "64k", "1MiB", "2M" into bytes. -EINVAL / -ERANGE. */
int parse_size(const char *s, size_t *ret);

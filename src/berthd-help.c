/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* berthd --help (berthd-config.h): every flag, what it takes and its default. */
#include "config.h"

#include <stdio.h>

#include "berthd-config.h"
#include "native-net.h"

static void help_listening(void)
{
        printf("Listening (compatible with imageapi-server):\n"
               "      --scheme=SCHEME          http, https or unix; repeatable (default: unix\n"
               "                               only: the socket at --socket-path, mode 0600)\n"
               "      --host=ADDR              address for http (default: 127.0.0.1; env HOST)\n"
               "      --port=PORT              port for http, 0 for any (default: %d; env PORT)\n"
               "      --socket-path=PATH       unix socket (default: STATE_DIR/berthd.sock)\n"
               "      --tls-host=ADDR          address for https (default: --host)\n"
               "      --tls-port=PORT          port for https (default: %d)\n"
               "      --tls-certificate=FILE   PEM certificate for https\n"
               "      --tls-key=FILE           PEM private key for https\n"
               "      --tls-ca=FILE            CA bundle; when given, clients must present a\n"
               "                               certificate signed by it\n"
               "\n",
               BERTHD_DEFAULT_PORT, BERTHD_DEFAULT_TLS_PORT);
}

static void help_access(void)
{
        printf("Who may call (the API is root on this host; see the README's Security):\n"
               "      --token-file=FILE        require the token in FILE on every request\n"
               "                               (header 'token:' or 'Authorization: Bearer')\n"
               "      --socket-group=GROUP     the unix socket is 0660 and GROUP's, and the\n"
               "                               state directory 0710 and GROUP's (default:\n"
               "                               0600 and 0700, root's)\n"
               "      --insecure               serve http/https on an address that is not\n"
               "                               loopback without --token-file or --tls-ca\n"
               "                               (refused otherwise: anyone who reaches the port\n"
               "                               is root here)\n"
               "      --allow-origin=ORIGIN    serve requests a browser sends from this web\n"
               "                               origin (\"https://ui.example:8443\"); repeatable.\n"
               "                               Others with an Origin or a Sec-Fetch-Site other\n"
               "                               than 'none' get 403\n"
               "      --allow-host=HOST        accept this Host header without a token, besides\n"
               "                               loopback names and addresses; repeatable\n"
               "      --refuse-privileged      refuse privileged containers (systemd mode):\n"
               "                               for nodes that run untrusted images\n"
               "\n");
}

static void help_berth(void)
{
        printf("berth:\n"
               "      --state-dir=DIR          runtime state: mounts, logs, records\n"
               "                               (default: /run/berth)\n"
               "      --log-level=LEVEL        error, warn, info, debug (default: info;\n"
               "                               env IMAGEAPI_LOGLEVEL)\n"
               "      --max-body-size=SIZE     largest request body (default: 1MiB)\n"
               "      --max-header-size=SIZE   largest request header (default: 16KiB)\n"
               "      --threads=N              HTTP worker threads (default: %d)\n"
               "      --cgroup-parent=NAME     containers' cgroups go under NAME in every\n"
               "                               hierarchy, which no other berthd may use\n"
               "                               (default: berth for /run/berth, else\n"
               "                               berth-HASH of the state directory)\n"
               "      --log-max-size=SIZE      container logs rotate beyond SIZE, keeping one\n"
               "                               old copy (default: 8MiB)\n"
               "      --logs-kept-size=SIZE    the logs of deleted containers are kept up to\n"
               "                               SIZE in all, the oldest removed first; 0\n"
               "                               removes a log with its container (default: 64MiB)\n"
               "      --overlay-size=SIZE      the tmpfs an overlay's upper directory gets\n"
               "                               unless the request sets upper_size; 0 keeps\n"
               "                               it in the state directory, unbounded\n"
               "                               (default: 1GiB)\n"
               "      --ceph-conf=FILE         Ceph configuration for RBD attachments that\n"
               "                               give no key (default: /etc/ceph/ceph.conf)\n"
               "      --zygotes=N              keep N container processes started ahead for\n"
               "                               containers of the default profile (default: 2;\n"
               "                               0 turns them off)\n"
               "      --data-dir=DIR           what outlives a reboot: pods.db (pods, their\n"
               "                               history, settings) (default: /var/lib/berth)\n"
               "      --docker-host=unix:///PATH  the Docker engine for pod services with Docker\n"
               "                               images (default: unix:///var/run/docker.sock)\n"
               "      --pod-data-root=DIR      pods' ./volumes go to DIR/<pod>/<service>/, and\n"
               "                               bind sources must lie below DIR\n"
               "                               (default: /usr/share/canteen/data)\n"
               "      --pod-prefix=PREFIX      pod names carry it (default: od-pod-)\n"
               "      --recipes-dir=DIR        the recipe catalogue (default: " RECIPESDIR ")\n"
               "      --docker-daemon-json=FILE  the engine's daemon.json, for /api/v2/pod/config\n"
               "                               (default: /etc/docker/daemon.json)\n"
               "      --pods-allow-host-paths  pods may bind any host path\n"
               "      --pods-allow-privileged  pods may ask for privileged: true and devices\n"
               "      --src-facility=ID        a facility of the SRC apps door (/ID/...);\n"
               "                               repeatable (default: demo)\n"
               "      --src-mode=solo|swarm    the SRC door's mode (default: swarm on a swarm\n"
               "                               manager, else solo)\n"
               "      --src-admin-token-file=FILE  the token approve-image needs\n"
               "      --src-allowed-images=FILE  approved image references, one a line\n"
               "      --src-uptime-keep=N[d|h|m|s]  uptime history kept (default: 90d)\n"
               "      --src-node-engine=NODE=HOST  the engine of swarm node NODE (its hostname\n"
               "                               or id), for its tasks' status and stats:\n"
               "                               unix:///PATH or tcp://ADDR:PORT (with TLS);\n"
               "                               repeatable (default: none, shown unavailable)\n"
               "      --src-node-tls-dir=DIR   ca.pem, cert.pem, key.pem for tcp:// nodes\n"
               "      --oci-nat-range=NET/N    the addresses of OCIContainer's \"nat\"\n"
               "                               containers: a private IPv4 network, /16 to\n"
               "                               /30; the bridge " BERTH_NAT_BRIDGE " has its .1\n"
               "                               (default: " BERTH_NAT_RANGE_DEFAULT ")\n"
               "      --oci-device-allow=PATH  a character device below /dev/ that Dobby specs\n"
               "                               may ask for; repeatable (default: none)\n"
               "      --oci-ai-public-bus=PATH, --oci-ai-private-bus=PATH\n"
               "                               the sockets of the AI public and private\n"
               "                               D-Bus that Dobby specs' dbus may name\n"
               "                               (default: none)\n"
               "      --shutdown-containers    on SIGTERM/SIGINT stop every container, then\n"
               "                               remove every container, mount and attachment\n"
               "                               (default: they all stay up)\n"
               "  -h, --help                   show this help\n"
               "      --version                show the version\n"
               "\n",
               BERTHD_DEFAULT_THREADS);
}

void berthd_config_help(const char *argv0)
{
        printf("Usage: %s [OPTIONS]\n"
               "\n"
               "berth node agent: attaches system images, mounts them and runs containers on\n"
               "them, driven by the ImageAPI over HTTP.\n"
               "\n",
               argv0);
        help_listening();
        help_access();
        help_berth();
        printf("      --read-timeout=DURATION  a request must arrive whole within this\n"
               "                               (default: 30s)\n"
               "      --write-timeout=DURATION a reply may wait this long for a reader that\n"
               "                               does not read (default: 30s)\n"
               "\n"
               "imageapi-server's other timeout and limit flags (--cleanup-timeout,\n"
               "--keep-alive, --listen-limit and their --tls- twins) are accepted and ignored.\n");
}

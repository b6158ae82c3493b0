/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What berthd listens on (its configuration's listen part) and the address rules that
 * the transports and the router share. */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
        BERTH_SCHEME_HTTP = 1u << 0,
        BERTH_SCHEME_HTTPS = 1u << 1,
        BERTH_SCHEME_UNIX = 1u << 2,
};

struct berth_http_listen {
        unsigned schemes;
        const char *host; /* IPv4 address or a name that resolves to one */
        int port;         /* 0: an ephemeral port */
        const char *socket_path;
        const char *socket_group; /* NULL: the socket is 0600, else 0660 and this group */
        bool socket_gid_set;      /* socket_group's gid, looked up already */
        gid_t socket_gid;
        const char *tls_host;
        int tls_port;
        const char *tls_certificate;
        const char *tls_key;
        const char *tls_ca;
        unsigned threads;
        size_t max_header_bytes;
        unsigned read_timeout_ms;  /* a request must arrive whole within this (0: default) */
        unsigned write_timeout_ms; /* a send may wait this long for the reader (0: default) */
};

/* Defaults of --read-timeout and --write-timeout: a request must arrive whole (head and
 * body) within the first, and every reply's send may wait the second for a stalled
 * reader, so that no client pins a worker or an /events slot. */
#define BERTH_HTTP_TIMEOUT_MS_DEFAULT 30000u

/* The address a TCP scheme binds: --host, or --tls-host for https when it is given. */
static inline const char *berth_http_listen_host(const struct berth_http_listen *cfg,
                                                 unsigned scheme)
{
        return scheme == BERTH_SCHEME_HTTPS && cfg->tls_host ? cfg->tls_host : cfg->host;
}

/* host resolved as the TCP transport resolves it (IPv4 only): 0, or getaddrinfo()'s
 * error (EAI_*, for gai_strerror()). */
int berth_http_resolve_ipv4(const char *host, struct in_addr *ret);

static inline bool berth_http_in4_is_loopback(struct in_addr a)
{
        return (ntohl(a.s_addr) >> 24) == 127;
}

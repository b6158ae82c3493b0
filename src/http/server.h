/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "listen.h"

struct berth_error;
struct berth_http_router;

struct berth_http_server;

/* Start listening on every scheme asked for. On any failure nothing listens and err
 * says which address and why ("127.0.0.1:8080: Address already in use"). */
int berth_http_server_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                            struct berth_http_server **ret, struct berth_error *err);
/* Stop accepting, finish requests in flight, free. */
void berth_http_server_stop(struct berth_http_server *s);

/* The addresses it listens on, one per line ("http://127.0.0.1:8080\n"). */
const char *berth_http_server_urls(struct berth_http_server *s);

/* Transports, internal to src/http (server-civetweb.c, server-unix.c). */
struct berth_http_civetweb;
int berth_http_civetweb_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                              struct berth_http_civetweb **ret, char *urls, size_t urls_size,
                              struct berth_error *err);
void berth_http_civetweb_stop(struct berth_http_civetweb *c);

struct berth_http_unix;
int berth_http_unix_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                          struct berth_http_unix **ret, struct berth_error *err);
void berth_http_unix_stop(struct berth_http_unix *u);

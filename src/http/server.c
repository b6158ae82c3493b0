/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "macro.h"
#include "server.h"

struct berth_http_server {
        struct berth_http_civetweb *civetweb;
        struct berth_http_unix *unix_socket;
        char urls[1024];
};

int berth_http_server_start(const struct berth_http_listen *cfg, struct berth_http_router *router,
                            struct berth_http_server **ret, struct berth_error *err)
{
        struct berth_http_server *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;

        if (cfg->schemes & (BERTH_SCHEME_HTTP | BERTH_SCHEME_HTTPS)) {
                r = berth_http_civetweb_start(cfg, router, &s->civetweb, s->urls, sizeof(s->urls),
                                              err);
                if (r < 0)
                        goto fail;
        }
        if (cfg->schemes & BERTH_SCHEME_UNIX) {
                size_t l = strlen(s->urls);

                r = berth_http_unix_start(cfg, router, &s->unix_socket, err);
                if (r < 0)
                        goto fail;
                (void)snprintf(s->urls + l, sizeof(s->urls) - l, "unix:%s\n", cfg->socket_path);
        }
        *ret = s;
        return 0;
fail:
        berth_http_civetweb_stop(s->civetweb);
        free(s);
        return r;
}

void berth_http_server_stop(struct berth_http_server *s)
{
        if (!s)
                return;
        berth_http_unix_stop(s->unix_socket);
        berth_http_civetweb_stop(s->civetweb);
        free(s);
}

const char *berth_http_server_urls(struct berth_http_server *s)
{
        return s->urls;
}

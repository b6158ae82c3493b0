/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <netdb.h>

#include "listen.h"

int berth_http_resolve_ipv4(const char *host, struct in_addr *ret)
{
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res = NULL;
        int r;

        r = getaddrinfo(host, NULL, &hints, &res);
        if (r == 0 && !res)
                r = EAI_NONAME;
        if (r == 0)
                *ret = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        if (res)
                freeaddrinfo(res);
        return r;
}

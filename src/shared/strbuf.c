/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

int strbuf_grow(struct strbuf *b, size_t size)
{
        char *q;

        if (b->oom)
                return -ENOMEM;
        if (b->p && b->size >= size)
                return 0;
        q = malloc(size);
        if (!q) {
                b->oom = true;
                return -ENOMEM;
        }
        if (b->p) {
                memcpy(q, b->p, b->len + 1);
                explicit_bzero(b->p, b->size);
                free(b->p);
        } else
                q[0] = 0;
        b->p = q;
        b->size = size;
        return 0;
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->oom)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->size - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->oom = true;
                        return;
                }
                if (b->p && b->len + (size_t)n < b->size) {
                        b->len += (size_t)n;
                        return;
                }
                if (strbuf_grow(b, MAX(b->size * 2, b->len + (size_t)n + 1024)) < 0)
                        return;
        }
}

void strbuf_wipe(struct strbuf *b)
{
        if (b->p) {
                explicit_bzero(b->p, b->size);
                free(b->p);
        }
        *b = (struct strbuf){};
}

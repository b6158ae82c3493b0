/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/*
 * A string built with printf-style appends. On allocation failure it stops growing and
 * sets oom; the caller checks that once at the end. The old buffer is wiped when it is
 * replaced, so a buffer that held a secret leaves no copy behind (free it with
 * strbuf_wipe()).
 */
struct strbuf {
        char *p; /* NUL-terminated, or NULL when nothing was added */
        size_t len, size;
        bool oom;
};

_printf_(2, 3) void strbuf_printf(struct strbuf *b, const char *fmt, ...);
/* Make the buffer at least size bytes (the old one wiped): 0, or -ENOMEM (and oom set). */
int strbuf_grow(struct strbuf *b, size_t size);
/* Wipe and free the buffer; the struct is empty again. */
void strbuf_wipe(struct strbuf *b);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/*
 * The HTTP/1.x request parser of berthd's own unix-socket server: pure (no I/O, no
 * state), so that it is unit-tested and fuzzed (tests/fuzz/fuzz-decoders.c) apart from
 * the socket code. It is strict where leniency lets one request be read as two (request
 * smuggling through a proxy in front): no folded header lines, no Content-Length
 * together with Transfer-Encoding, no two differing Content-Lengths, no transfer coding
 * but chunked, no control characters in names or values.
 */

#define BERTH_HTTP_HEADERS_MAX 64

struct berth_http_head {
        const char *method;
        const char *target;
        bool http11; /* HTTP/1.1 (else 1.0) */
        struct berth_http_header headers[BERTH_HTTP_HEADERS_MAX];
        size_t n_headers;
};

/* Parse a header block, request line to the empty line (CRLF or LF line ends). head is
 * NUL-terminated and changed in place: ret points into it. Returns 0, -EBADMSG when
 * malformed, -E2BIG with more than BERTH_HTTP_HEADERS_MAX headers. */
int berth_http_head_parse(char *head, struct berth_http_head *ret);
/* A header's value (names compare case-insensitively), or NULL. */
const char *berth_http_head_get(const struct berth_http_head *h, const char *name);

struct berth_http_framing {
        bool keep_alive;
        bool chunked;
        long long content_length; /* -1 when chunked */
        bool expect_continue;
};

/* How the body is framed and whether the connection stays open. -EBADMSG on anything
 * ambiguous. */
int berth_http_framing_from_head(const struct berth_http_head *h, struct berth_http_framing *ret);

/* A chunk-size line without its line end ("1a", "1a;ext=v"). Returns 0, -EBADMSG, or
 * -EMSGSIZE beyond 2^40. */
int berth_http_chunk_size_parse(const char *line, size_t len, long long *ret);

/* The request target in origin form ("/path?query"): the percent-decoded path (a new
 * string) and the raw query (into target, NULL when there is none). -EBADMSG for
 * anything else (absolute form, a NUL or a bad escape in the path). */
int berth_http_target_split(const char *target, char **ret_path, const char **ret_query);

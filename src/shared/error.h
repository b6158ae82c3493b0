/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>

#include "macro.h"

/*
 * An error a client must see: a negative errno (which decides the HTTP status at the
 * edge) and a message. The message lives inside the struct so that no error path can
 * leak it. Every fallible core function that a request reaches takes
 * `struct berth_error *err` last; err may be NULL.
 */
#define BERTH_ERROR_MSG_MAX 512

struct berth_error {
        int code;      /* -errno; 0 when unset */
        unsigned hint; /* BERTH_HINT_*: what the client could do about it */
        char msg[BERTH_ERROR_MSG_MAX];
};

/*
 * The core words its errors about objects ("mount 3 is in use by container 1") and
 * never about a door's wire format. What a client can do about an error is a hint,
 * and each door words the hint for its clients (the ImageAPI: "use force=true").
 */
enum {
        BERTH_HINT_FORCE = 1u << 0, /* a forced delete would do it */
        BERTH_HINT_LAZY = 1u << 1,  /* … detaching lazily */
        BERTH_HINT_WAIT = 1u << 2,  /* … once the user outside berth is gone */
};

/*
 * Error codes with a protocol meaning beyond their errno name. The edge maps them
 * (berth_http_status_from_errno) and nothing else does.
 *   EBADMSG      malformed request syntax (bad JSON)          -> 400
 *   EINVAL       a request that breaks the schema              -> 422
 *   ENOENT       unknown id or path                           -> 404
 *   EEXIST/EBUSY conflict with existing state                 -> 409
 *   EMSGSIZE     body over the limit                          -> 413
 *   EMEDIUMTYPE  wrong Content-Type                           -> 415
 *   EOPNOTSUPP   kind or feature not supported by this build  -> 501
 *   EACCES/EPERM not permitted                                -> 403
 *   ENOSPC       out of space / devices                       -> 507
 *   anything else                                             -> 500
 */

/* Store code (as -|errnum|, or -EIO when 0) and message; returns the stored code. */
int berth_error_set(struct berth_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);
int berth_error_setv(struct berth_error *err, int errnum, const char *fmt, va_list ap)
        _printf_(3, 0);

/* Like berth_error_set, and append ": <strerror(errnum)>". */
int berth_error_set_errno(struct berth_error *err, int errnum, const char *fmt, ...) _printf_(3, 4);

/* Prepend context: "<prefix>: <old message>". Returns err->code (or -EIO). */
int berth_error_prefix(struct berth_error *err, const char *fmt, ...) _printf_(2, 3);

/* Pass-through helper: when err has no message yet, set a generic one from r. */
int berth_error_ensure(struct berth_error *err, int r, const char *what);

void berth_error_clear(struct berth_error *err);

/* Add a hint (BERTH_HINT_*); returns err->code (or -EIO). */
int berth_error_hint(struct berth_error *err, unsigned hint);

static inline int berth_error_code(const struct berth_error *err)
{
        return err ? err->code : 0;
}

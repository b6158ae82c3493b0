/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static int code_of(int errnum)
{
        if (errnum < 0)
                errnum = -errnum;
        return errnum ? -errnum : -EIO;
}

int berth_error_setv(struct berth_error *err, int errnum, const char *fmt, va_list ap)
{
        int code = code_of(errnum);

        if (!err)
                return code;
        err->code = code;
        err->hint = 0;
        (void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        return code;
}

int berth_error_set(struct berth_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = berth_error_setv(err, errnum, fmt, ap);
        va_end(ap);
        return r;
}

int berth_error_set_errno(struct berth_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = berth_error_setv(err, errnum, fmt, ap);
        va_end(ap);
        if (err) {
                size_t n = strlen(err->msg);
                (void)snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(-r));
        }
        return r;
}

int berth_error_prefix(struct berth_error *err, const char *fmt, ...)
{
        char prefix[BERTH_ERROR_MSG_MAX], old[BERTH_ERROR_MSG_MAX];
        va_list ap;

        if (!err)
                return -EIO;
        va_start(ap, fmt);
        (void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        if (old[0])
                (void)snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
        else
                (void)snprintf(err->msg, sizeof(err->msg), "%s", prefix);
        if (err->code == 0)
                err->code = -EIO;
        return err->code;
}

int berth_error_ensure(struct berth_error *err, int r, const char *what)
{
        if (!err)
                return r;
        if (err->code == 0 || err->msg[0] == 0) {
                err->code = code_of(r);
                (void)snprintf(err->msg, sizeof(err->msg), "%s: %s", what, strerror(-err->code));
        }
        return err->code;
}

void berth_error_clear(struct berth_error *err)
{
        if (!err)
                return;
        err->code = 0;
        err->hint = 0;
        err->msg[0] = 0;
}

int berth_error_hint(struct berth_error *err, unsigned hint)
{
        if (!err)
                return -EIO;
        err->hint |= hint;
        return err->code ? err->code : -EIO;
}

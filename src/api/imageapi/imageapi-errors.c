/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ImageAPI's error replies: its {code, message} body and its words for what the
 * client can do about an error (the core's hints). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "http.h"
#include "imageapi-codec.h"

json_t *imageapi_error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        return json_pack("{s:i, s:s}", "code", *status, "message", msg ? msg : "");
}

void imageapi_word_hint(struct berth_error *err)
{
        const char *w;
        size_t n;

        if (!err || !err->hint)
                return;
        if (err->hint & BERTH_HINT_WAIT)
                w = " (use force=true to detach it once that user is gone)";
        else if (err->hint & BERTH_HINT_LAZY)
                w = " (use force=true to detach it lazily)";
        else
                w = " (or use force=true)";
        n = strlen(err->msg);
        (void)snprintf(err->msg + n, sizeof(err->msg) - n, "%s", w);
        err->hint = 0;
}

int imageapi_reply_error(struct berth_http_request *req, struct berth_error *err)
{
        imageapi_word_hint(err);
        return berth_http_reply_berror(req, err);
}

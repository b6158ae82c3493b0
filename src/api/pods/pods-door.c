/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The /api/v2/pod door's replies, and the pod a request names (pods-door.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "http.h"
#include "macro.h"
#include "pod.h"
#include "pods-door.h"
#include "pods-text.h"

json_t *pods_error_body(const struct berth_http_request *req, int *status, const char *msg)
{
        (void)req;
        return json_pack("{s:i, s:s}", "code", *status, "message", msg ? msg : "");
}

/* The error body of pods_error_body(), with the seed's content type (the router's own
 * errors, 401 and 404 before a route, have the transport's "application/json"). */
void pods_reply_msg(struct berth_http_request *req, int status, const char *msg)
{
        _cleanup_free_ char *clean = pods_text_utf8(msg, strlen(msg), NULL), *text = NULL;
        json_t *j = clean ? pods_error_body(req, &status, clean) : NULL;
        size_t len = 0;
        int r;

        r = j ? berth_http_json_format(j, &text, &len) : -ENOMEM;
        json_decref(j);
        if (r < 0) {
                (void)berth_http_reply_error(req, 500, "out of memory encoding the reply");
                return;
        }
        (void)berth_http_reply(req, status, CT_JSON, text, len, NULL, 0);
}

/* Steals j (NULL: out of memory). */
void pods_reply_json(struct berth_http_request *req, int status, json_t *j)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = j ? berth_http_json_format(j, &text, &len) : -ENOMEM;
        json_decref(j);
        if (r < 0) {
                pods_reply_msg(req, 500, "out of memory encoding the reply");
                return;
        }
        (void)berth_http_reply(req, status, CT_JSON, text, len, NULL, 0);
}

/* A JSON string of text (any bytes: what is not UTF-8 becomes U+FFFD). */
void pods_reply_string(struct berth_http_request *req, const char *text, size_t len)
{
        _cleanup_free_ char *clean = NULL;
        size_t clen = 0;

        clean = pods_text_utf8(text ? text : "", text ? len : 0, &clen);
        pods_reply_json(req, 200, clean ? json_stringn(clean, clen) : NULL);
}

/* berth's errno mapping, and 503 for an engine that does not answer (pod.h). */
int pods_status_of(int r)
{
        if (r == -EHOSTDOWN || r == EHOSTDOWN)
                return 503;
        return berth_http_status_from_errno(r);
}

void pods_reply_err(struct berth_http_request *req, struct berth_error *err, int r)
{
        (void)berth_error_ensure(err, r, "pod");
        pods_reply_msg(req, pods_status_of(err->code ? err->code : r), err->msg);
}

/* ---- requests ------------------------------------------------------------------ */

int pods_pod_name(struct berth_pods_api *api, struct berth_http_request *req, char **ret,
                  struct berth_error *err)
{
        return berth_pod_name(api->pods, req->captures[0], ret, err);
}

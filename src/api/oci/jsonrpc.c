/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "macro.h"
#include "utf8.h"

int jsonrpc_error_set(struct jsonrpc_error *e, int code, json_t *id, const char *fmt, ...)
{
        va_list ap;

        json_decref(e->id);
        e->code = code;
        e->id = json_incref(id);
        va_start(ap, fmt);
        (void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
        return -EINVAL;
}

void jsonrpc_error_done(struct jsonrpc_error *e)
{
        json_decref(e->id);
        *e = (struct jsonrpc_error){};
}

void jsonrpc_request_done(struct jsonrpc_request *req)
{
        json_decref(req->root);
        *req = (struct jsonrpc_request){};
}

static bool id_valid(json_t *id)
{
        return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

/* The envelope of a decoded object: its members, their types. */
static int check_envelope(json_t *root, struct jsonrpc_request *req, struct jsonrpc_error *e)
{
        static const char *const members[] = { "jsonrpc", "id", "method", "params" };
        json_t *id = json_object_get(root, "id"), *v;
        json_t *valid_id = id && id_valid(id) ? id : NULL;
        const char *key;

        if (id && !valid_id)
                return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, NULL,
                                         "id must be a string, a number or null");
        json_object_foreach (root, key, v) {
                bool known = false;

                for (size_t i = 0; i < ELEMENTSOF(members); i++)
                        known = known || streq(key, members[i]);
                if (!known)
                        return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, valid_id,
                                                 "unknown member '%.64s' (a request has "
                                                 "jsonrpc, id, method and params)",
                                                 key);
        }
        v = json_object_get(root, "jsonrpc");
        if (!json_is_string(v) || !streq(json_string_value(v), "2.0"))
                return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, valid_id,
                                         "jsonrpc must be \"2.0\"");
        v = json_object_get(root, "method");
        if (!json_is_string(v))
                return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, valid_id,
                                         v ? "method must be a string" : "method is required");
        req->method = json_string_value(v);
        req->params = json_object_get(root, "params");
        if (req->params && !json_is_object(req->params) && !json_is_array(req->params))
                return jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, valid_id,
                                         "params must be an object");
        req->id = id;
        return 0;
}

int jsonrpc_request_parse(const char *body, size_t len, struct jsonrpc_request *req,
                          struct jsonrpc_error *e)
{
        json_error_t jerr;
        json_t *root;
        int r;

        *req = (struct jsonrpc_request){};
        *e = (struct jsonrpc_error){};
        /* Anything JSON decodes: a number or a string is an invalid request, not a parse
         * error. */
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
        if (!root) {
                if (json_error_code(&jerr) == json_error_out_of_memory)
                        return -ENOMEM;
                if (json_error_code(&jerr) == json_error_duplicate_key)
                        return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, NULL, "%s", jerr.text);
                return jsonrpc_error_set(e, JSONRPC_PARSE_ERROR, NULL,
                                         "malformed JSON at line %d, column %d: %s", jerr.line,
                                         jerr.column, jerr.text);
        }
        if (json_is_array(root)) {
                json_decref(root);
                return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, NULL,
                                         "batches are not supported: send one request object "
                                         "per call");
        }
        if (!json_is_object(root)) {
                json_decref(root);
                return jsonrpc_error_set(e, JSONRPC_INVALID_REQUEST, NULL,
                                         "a request must be a JSON object");
        }
        r = check_envelope(root, req, e);
        if (r < 0) {
                json_decref(root);
                *req = (struct jsonrpc_request){};
                return r;
        }
        req->root = root;
        return 0;
}

json_t *jsonrpc_result_new(json_t *id, json_t *result)
{
        if (!result)
                return NULL;
        return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                         result);
}

json_t *jsonrpc_error_new(json_t *id, int code, const char *message)
{
        json_t *m = jsonrpc_string_lossy(message, strlen(message));

        if (!m)
                return NULL;
        return json_pack("{s:s, s:O, s:{s:i, s:o}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
                         "error", "code", code, "message", m);
}

json_t *jsonrpc_error_to_json(const struct jsonrpc_error *e)
{
        return jsonrpc_error_new(e->id, e->code, e->message);
}

json_t *jsonrpc_string_lossy(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;
        _cleanup_free_ char *buf = NULL;
        size_t o = 0;

        /* Mostly it is well-formed already: no copy. */
        if (utf8_valid(s, len))
                return json_stringn(s, len);
        buf = malloc(len * 3 + 1);
        if (!buf)
                return NULL;
        for (size_t i = 0; i < len;) {
                size_t l = utf8_seq_len(p + i, len - i);

                if (l == 0) {
                        memcpy(buf + o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                        continue;
                }
                memcpy(buf + o, p + i, l);
                o += l;
                i += l;
        }
        return json_stringn(buf, o);
}

int jsonrpc_thunder_method(const char *name, const char *callsign, unsigned version,
                           const char **ret_method)
{
        size_t n = strlen(callsign);
        const char *p, *dot;
        unsigned long v;
        char *end;

        if (strncmp(name, callsign, n) != 0 || name[n] != '.')
                return -ENOENT;
        p = name + n + 1;
        dot = strchr(p, '.');
        if (dot) {
                /* "<digits>.<method>": the version. */
                if (dot == p || strspn(p, "0123456789") != (size_t)(dot - p))
                        return -ENOENT;
                errno = 0;
                v = strtoul(p, &end, 10);
                if (errno != 0 || end != dot || v != version)
                        return -EPROTONOSUPPORT;
                p = dot + 1;
        }
        if (!*p || strchr(p, '.'))
                return -ENOENT;
        *ret_method = p;
        return 0;
}

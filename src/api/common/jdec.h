/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct berth_error;

/*
 * Strict decoding helpers for request bodies. Every error is -EINVAL (422 at the
 * edge) with a message that starts with the field's full path, e.g.
 * "mount.overlay.lower[1].kind must be one of attach, bind, nfs, overlay, uri" or
 * "mount.bind.extra: unknown field".
 * prefix is the path of the object being decoded ("" at the top level).
 */

#define JDEC_PATH_MAX 256

/* "<prefix>.<key>" (or "<key>" when prefix is empty) into buf. */
const char *jdec_join(char buf[JDEC_PATH_MAX], const char *prefix, const char *key);

/* j must be an object (what names it in the message: "mount", "body"). */
int jdec_expect_object(json_t *j, const char *prefix, struct berth_error *err);

/* Every key of o must be in allowed (NULL-terminated). */
int jdec_check_keys(json_t *o, const char *prefix, const char *const *allowed,
                    struct berth_error *err);
/* Both: j must be an object, and every key of it in allowed. */
int jdec_object(json_t *j, const char *prefix, const char *const *allowed, struct berth_error *err);

/* Present and not null? */
bool jdec_has(json_t *o, const char *key);

/* Strings: absent or null gives *ret = NULL (-EINVAL when required). Strings must be
 * non-empty, at most max bytes, and free of control characters. */
int jdec_string(json_t *o, const char *prefix, const char *key, bool required, size_t max,
                char **ret, struct berth_error *err);
/* Absent leaves *ret untouched. */
int jdec_bool(json_t *o, const char *prefix, const char *key, bool *ret, struct berth_error *err);
/* Non-negative integer; absent leaves *ret untouched and returns 0, present returns 1. */
int jdec_u64(json_t *o, const char *prefix, const char *key, uint64_t *ret,
             struct berth_error *err);
/* Array of strings (null = absent = NULL). */
int jdec_strv(json_t *o, const char *prefix, const char *key, size_t max_items, size_t max_len,
              char ***ret, struct berth_error *err);
/* A read-only field may be sent only with its zero value (what a client that echoes a
 * model with defaults sends). */
int jdec_readonly(json_t *o, const char *prefix, const char *key, struct berth_error *err);
/* String from a fixed set; the message lists the set. Returns the index. */
int jdec_enum(json_t *o, const char *prefix, const char *key, const char *const *values, size_t n,
              bool required, struct berth_error *err);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "jdec.h"

struct berth_error;

/*
 * What the decoders of an OCI config.json (oci-config.c) and of a Dobby legacy spec
 * (dobby-spec.c) share. prefix names the object being decoded in messages ("" at the
 * top); a member that is absent or null is absent. Pure.
 */

/* "<prefix>[i]" into buf. */
const char *oci_idx_path(char buf[JDEC_PATH_MAX], const char *prefix, size_t i);

/* A string without NUL bytes, or NULL. */
const char *oci_json_str(json_t *v);

/* A string field without NUL bytes, borrowed: absent gives NULL (-EINVAL when required). */
int oci_get_str(json_t *o, const char *prefix, const char *key, bool required, const char **ret,
                struct berth_error *err);
/* An integer from min to max: 1 when present, 0 (and *ret untouched) when absent. */
int oci_get_int(json_t *o, const char *prefix, const char *key, int64_t min, int64_t max,
                int64_t *ret, struct berth_error *err);
/* An array of strings without NUL bytes, copied: absent gives NULL, [] an empty vector. */
int oci_get_strv(json_t *o, const char *prefix, const char *key, char ***ret,
                 struct berth_error *err);
/* An array, borrowed: absent gives NULL. */
int oci_get_array(json_t *o, const char *prefix, const char *key, json_t **ret,
                  struct berth_error *err);

/* The clean form of an absolute path: no empty or "." components, no trailing slash.
 * -EINVAL for a relative path or one with "..", -ENOMEM. */
int oci_path_clean(const char *p, char **ret);
/* The same, where field names p in the message of -EINVAL. */
int oci_path_clean_field(const char *field, const char *p, char **ret, struct berth_error *err);

/* "KEY=value" with a non-empty KEY? */
bool oci_env_entry_valid(const char *e);
/* Set "KEY=value" in *env, replacing an entry of the same KEY: 0 / -ENOMEM. */
int oci_env_set(char ***env, const char *entry);

/* crun's conversion of cgroup v1 cpu shares (2..262144) to a v2 weight (1..10000). */
uint32_t oci_cpu_shares_to_weight(int64_t shares);

/* A list of cpus or memory nodes in the kernel's syntax ("0-1,3"): numbers and ranges
 * a-b (a <= b) joined by ','. 0 when valid and every number is below limit; -ERANGE
 * with *ret_bad the first that is not; -EINVAL when it is not such a list. */
int oci_cpu_list_check(const char *s, unsigned limit, unsigned *ret_bad);
/* The string at prefix.key, a list as above (numbers below 4096), into buf (size, with
 * its NUL). Absent, null or "": buf is "". -EINVAL naming the field. */
int oci_get_cpu_list(json_t *o, const char *prefix, const char *key, char *buf, size_t size,
                     struct berth_error *err);
/* The cpus (limit ncpus) and memory nodes (limit nmems) of l, set by the fields
 * prefix.cpus and prefix.mems: -EINVAL naming the field and the first cpu or node the
 * host lacks. */
int oci_cpuset_check_host(const char *cpus, const char *mems, const char *prefix, unsigned ncpus,
                          unsigned nmems, struct berth_error *err);

/* A member of an object of config.json: honoured, or, with a reason (refused; "" for
 * none), refused unless it asks for nothing. never: berth will not honour it. */
struct oci_field {
        const char *key, *refused;
        bool never;
};

/* What a field holds when it asks for nothing: absent, null, false, "", [] or {}. */
bool oci_json_empty(json_t *v);
/* Every member of the object at p must be a field, and no refused one may ask for
 * anything: -EINVAL for an unknown member, -EOPNOTSUPP for a refused one. */
int oci_check_object(json_t *o, const char *p, const struct oci_field *fields,
                     struct berth_error *err);
/* An object as oci_check_object() wants it (absent and null are fine: *ret = NULL). */
int oci_get_object(json_t *o, const char *prefix, const char *key, const struct oci_field *fields,
                   json_t **ret, struct berth_error *err);

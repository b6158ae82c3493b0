/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "launch-idmap.h"

/*
 * The strict reading of the launch spec and the exec spec (launch-spec.h): getters that
 * name the field in their message ("launch spec: 'uid' must be …"). Internal to
 * launch-spec.c and exec-spec.c.
 */

#define SPEC_ERROR(err, fmt, ...) berth_error_set(err, EINVAL, "launch spec: " fmt, __VA_ARGS__)

/* An integer in [min, max]; field names it in the message. */
int spec_get_int(json_t *v, const char *field, json_int_t min, json_int_t max, json_int_t *ret,
                 struct berth_error *err);

int spec_get_bool(json_t *v, const char *field, bool *ret, struct berth_error *err);

/* A string, or null for none. */
int spec_get_str(json_t *v, const char *field, char **ret, struct berth_error *err);

int spec_get_strv(json_t *a, const char *field, char ***ret, struct berth_error *err);

int spec_get_path(json_t *v, const char *field, char **ret, struct berth_error *err);

/* A list of paths inside the container to mask or make read-only: absolute, not "/",
 * without a ".." component (each names the place it means, and never the root). */
int spec_get_path_list(json_t *a, const char *field, char ***ret, struct berth_error *err);

/* [[inside, outside, count], …]: the numbers here, the map as a whole in check_launch(). */
int spec_get_idmap(json_t *a, const char *field, struct berth_launch_idmap **ret, size_t *ret_n,
                   struct berth_error *err);

int spec_get_limit(json_t *v, const char *field, uint64_t *ret, struct berth_error *err);

/* l as a JSON array of strings; NULL only for OOM. */
json_t *spec_strv_json(char *const *l);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "jdec.h"

struct berth_error;

/* The longest name of a field in messages ("mounts[3].options[2]"). */
#define FIELD_MAX JDEC_PATH_MAX

/*
 * What the decoders of a Dobby spec share (dobby-util.c).
 */

/* Absent or null. */
bool dobby_absent(json_t *v);

/* An object with only these keys; absent or null gives NULL. */
int dobby_get_object(json_t *o, const char *prefix, const char *key, const char *const *keys,
                     json_t **ret, struct berth_error *err);

/* path is dir or below it (both clean). */
bool dobby_path_at_or_below(const char *path, const char *dir);

/* Set it unless the spec or the caller did (Dobby's template puts its own last, where
 * the first of two entries wins). */
int dobby_env_default(char ***env, const char *entry);

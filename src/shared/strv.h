/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated string vectors. */
char **strv_free(char **l);
size_t strv_length(char *const *l);
/* Append a copy of s; returns 0 / -ENOMEM. */
int strv_extend(char ***l, const char *s);
/* Append s itself (ownership moves into l, also on failure s is freed). */
int strv_consume(char ***l, char *s);
char **strv_copy(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* The value of the first "key=value" entry (environments, labels), borrowed; NULL when
 * there is none. */
const char *strv_env_get(char *const *l, const char *key);
/* Join with sep; returns NULL on OOM. */
char *strv_join(char *const *l, const char *sep);

static inline void strv_freep(char ***l)
{
        strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the decoders of a Dobby spec (dobby-spec.c, dobby-mounts.c) share. Pure. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dobby-util.h"
#include "error.h"
#include "jdec.h"
#include "macro.h"
#include "oci-util.h"
#include "strv.h"

static bool env_has(char *const *env, const char *entry)
{
        size_t k = strcspn(entry, "=");

        STRV_FOREACH (e, env)
                if (strncmp(*e, entry, k) == 0 && (*e)[k] == '=')
                        return true;
        return false;
}

bool dobby_absent(json_t *v)
{
        return !v || json_is_null(v);
}

int dobby_get_object(json_t *o, const char *prefix, const char *key, const char *const *keys,
                     json_t **ret, struct berth_error *err)
{
        json_t *v = json_object_get(o, key);
        char p[FIELD_MAX];

        *ret = NULL;
        if (dobby_absent(v))
                return 0;
        *ret = v;
        return jdec_object(v, jdec_join(p, prefix, key), keys, err);
}

bool dobby_path_at_or_below(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Set it unless the spec or the caller did (Dobby's template puts its own last, where
 * the first of two entries wins). */
int dobby_env_default(char ***env, const char *entry)
{
        return env_has(*env, entry) ? 0 : strv_extend(env, entry);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "json-util.h"
#include "macro.h"
#include "strv.h"

json_t *berth_strv_to_json(char *const *l)
{
        json_t *a = json_array();

        STRV_FOREACH (s, l)
                json_array_append_new(a, json_string(*s));
        return a;
}

int berth_strv_from_json(const json_t *j, char ***ret)
{
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        const json_t *v;
        size_t i;

        if (!l)
                return -ENOMEM;
        json_array_foreach (j, i, v)
                if (json_is_string(v) && strv_extend(&l, json_string_value(v)) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strv.h"

char **strv_free(char **l)
{
        if (!l)
                return NULL;
        for (char **s = l; *s; s++)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

int strv_consume(char ***l, char *s)
{
        size_t n = strv_length(*l);
        char **nl;

        if (!s)
                return -ENOMEM;
        nl = realloc(*l, sizeof(char *) * (n + 2));
        if (!nl) {
                free(s);
                return -ENOMEM;
        }
        nl[n] = s;
        nl[n + 1] = NULL;
        *l = nl;
        return 0;
}

int strv_extend(char ***l, const char *s)
{
        return strv_consume(l, strdup(s));
}

char **strv_copy(char *const *l)
{
        char **r = calloc(1, sizeof(char *));

        if (!r)
                return NULL;
        STRV_FOREACH (s, l)
                if (strv_extend(&r, *s) < 0)
                        return strv_free(r);
        return r;
}

bool strv_contains(char *const *l, const char *s)
{
        STRV_FOREACH (i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

const char *strv_env_get(char *const *l, const char *key)
{
        size_t n = strlen(key);

        STRV_FOREACH (i, l)
                if (strncmp(*i, key, n) == 0 && (*i)[n] == '=')
                        return *i + n + 1;
        return NULL;
}

char *strv_join(char *const *l, const char *sep)
{
        size_t n = 0, k = strlen(sep);
        char *r, *p;

        STRV_FOREACH (s, l)
                n += strlen(*s) + k;
        r = malloc(n + 1);
        if (!r)
                return NULL;
        p = r;
        STRV_FOREACH (s, l) {
                if (s != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *s);
        }
        *p = 0;
        return r;
}

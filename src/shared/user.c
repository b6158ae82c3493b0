/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>

#include "user.h"

int group_lookup(const char *group, gid_t *ret)
{
        struct group grp, *res = NULL;
        char buf[4096], *end;
        unsigned long v;

        errno = 0;
        v = strtoul(group, &end, 10);
        if (*group && !*end && !errno && v < (gid_t)-1) {
                *ret = (gid_t)v;
                return 0;
        }
        if (getgrnam_r(group, &grp, buf, sizeof(buf), &res) != 0 || !res)
                return -ENOENT;
        *ret = res->gr_gid;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way berth writes a cgroup's file (cgroup.h), for cgroup.c, the limits
 * (cgroup-limits.c) and the device allow-list (cgroup-devices.c) alike, and how they read
 * one (cgroup-internal.h). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "fileio.h"
#include "macro.h"

int berth_cgroup_write(const char *dir, const char *file, const char *value)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, len) != (ssize_t)len)
                return -errno;
        return 0;
}

int cgroup_read_str(const char *dir, const char *file, char **ret)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        return read_file(p, 1 << 20, ret, NULL);
}

/* cpuset groups start with no CPUs and no memory nodes; copy the parent's. */
int cgroup_cpuset_inherit(const char *dir)
{
        _cleanup_free_ char *parent = strdup(dir), *cpus = NULL, *mems = NULL;
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash)
                return -EINVAL;
        *slash = 0;
        if (cgroup_read_str(parent, "cpuset.cpus", &cpus) < 0 ||
            cgroup_read_str(parent, "cpuset.mems", &mems) < 0)
                return -ENOENT;
        cpus[strcspn(cpus, "\n")] = 0;
        mems[strcspn(mems, "\n")] = 0;
        if (!*cpus || !*mems)
                return -EINVAL;
        if (berth_cgroup_write(dir, "cpuset.cpus", cpus) < 0 ||
            berth_cgroup_write(dir, "cpuset.mems", mems) < 0)
                return -EIO;
        return 0;
}

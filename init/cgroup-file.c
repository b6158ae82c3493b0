/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way berth writes a cgroup's file (cgroup.h), for cgroup.c and the device
 * allow-list (cgroup-devices.c) alike. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "pidref.h"

int pid_starttime(pid_t pid, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        unsigned long long v;
        char path[64], *p;
        int r;

        (void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        r = read_file(path, 4096, &text, NULL);
        if (r < 0)
                return r == -ENOENT ? -ESRCH : r;
        /* comm may hold anything, ')' included: the fields follow the last ')'. */
        p = strrchr(text, ')');
        if (!p)
                return -EIO;
        p++;
        /* p is at the blank before field 3 (state); move to the one before field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EIO;
        }
        if (sscanf(p, " %llu", &v) != 1)
                return -EIO;
        *ret = v;
        return 0;
}

int pidfd_open_checked(pid_t pid, uint64_t starttime)
{
        uint64_t now;
        int fd, r;

        if (pid <= 0)
                return -ESRCH;
        fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno;
        if (starttime == 0)
                return fd;
        /* Checked after the pidfd exists: if the pid was reused before, the start time
         * differs; if the process ends after, the pidfd reports that. */
        r = pid_starttime(pid, &now);
        if (r < 0 || now != starttime) {
                (void)close(fd);
                return r < 0 && r != -ESRCH ? r : -ESRCH;
        }
        return fd;
}

int boot_id(char out[37])
{
        char buf[64];
        int r = read_one_line("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));

        if (r < 0)
                return r;
        if (strlen(buf) != 36)
                return -EIO;
        memcpy(out, buf, 37);
        return 0;
}

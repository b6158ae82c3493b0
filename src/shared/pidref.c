/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "pidref.h"

/* Fields 9 (flags) and 22 (start time) of /proc/PID/stat. */
static int pid_stat(pid_t pid, unsigned *ret_flags, uint64_t *ret_start)
{
        _cleanup_free_ char *text = NULL;
        unsigned long long start;
        unsigned flags;
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
        /* p is at the blank before field 3 (state); move to the one before field 9. */
        for (int field = 3; field < 9; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EIO;
        }
        if (sscanf(p, " %u", &flags) != 1)
                return -EIO;
        for (int field = 9; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EIO;
        }
        if (sscanf(p, " %llu", &start) != 1)
                return -EIO;
        if (ret_flags)
                *ret_flags = flags;
        if (ret_start)
                *ret_start = start;
        return 0;
}

int pid_starttime(pid_t pid, uint64_t *ret)
{
        return pid_stat(pid, NULL, ret);
}

int pidfd_open_checked(pid_t pid, uint64_t starttime)
{
        uint64_t now;
        unsigned flags;
        int fd, r;

        if (pid <= 0)
                return -ESRCH;
        fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno;
        /* Checked after the pidfd exists: if the pid was reused before, the start time
         * differs; if the process ends after, the pidfd reports that. */
        r = pid_stat(pid, &flags, &now);
        if (r < 0 || (starttime != 0 && now != starttime)) {
                (void)close(fd);
                return r < 0 && r != -ESRCH ? r : -ESRCH;
        }
        /* A process that is ending (PF_EXITING: a PID 1 waits there for the rest of its
         * namespace, already out of its cgroups) or has ended but not been reaped yet
         * (a zombie whose parent went away) still has its pid: it is gone all the same. */
        if ((flags & 0x4) || poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0) > 0) {
                (void)close(fd);
                return -ESRCH;
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

int pid_open_mntns(pid_t pid, int pidfd)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        char path[64];
        int fd;

        (void)snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (poll(&p, 1, 0) != 0) {
                (void)close(fd);
                return -ESRCH;
        }
        return fd;
}

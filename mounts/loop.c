/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <libmount.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "error.h"
#include "loop.h"
#include "macro.h"

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
        __u32 fd;
        __u32 block_size;
        struct loop_info64 info;
        __u64 __reserved[8];
};
#endif

#define LOOP_ATTACH_TRIES 32

int loop_attach(int backing_fd, const char *name, bool read_only, bool partscan, int *ret_nr,
                int *ret_fd, struct berth_error *err)
{
        _cleanup_close_ int ctl = -EBADF;
        struct loop_config cfg = {
                .fd = (__u32)backing_fd,
                .info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0) |
                                 (partscan ? LO_FLAGS_PARTSCAN : 0),
        };

        if (name)
                (void)snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s",
                               name);

        ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (ctl < 0)
                return berth_error_set_errno(err, errno, "open /dev/loop-control");

        /* GET_FREE and CONFIGURE are two calls: another process may take the device in
         * between, which LOOP_CONFIGURE reports as EBUSY. Ask again. */
        for (int i = 0; i < LOOP_ATTACH_TRIES; i++) {
                _cleanup_close_ int fd = -EBADF;
                char dev[32];
                int nr;

                nr = ioctl(ctl, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        return berth_error_set_errno(err, errno == ENOSPC ? ENOSPC : errno,
                                                     "no free loop device");
                (void)snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
                fd = open(dev, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
                if (fd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return berth_error_set_errno(err, errno, "open %s", dev);
                }
                if (ioctl(fd, LOOP_CONFIGURE, &cfg) < 0) {
                        if (errno == EBUSY)
                                continue;
                        return berth_error_set_errno(err, errno, "LOOP_CONFIGURE %s", dev);
                }
                *ret_nr = nr;
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
        return berth_error_set(err, EBUSY, "no loop device could be configured after %d tries",
                               LOOP_ATTACH_TRIES);
}

int loop_detach(int fd)
{
        int r = 0;

        if (fd < 0)
                return 0;
        /* ENXIO: already cleared (autoclear after its last user went away). */
        if (ioctl(fd, LOOP_CLR_FD) < 0 && errno != ENXIO)
                r = -errno;
        (void)close(fd);
        return r;
}

static void append(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
        size_t n = strlen(buf);

        if (n + 1 >= size)
                return;
        if (n > 0)
                (void)snprintf(buf + n, size - n, ", ");
        n = strlen(buf);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        (void)snprintf(buf + n, size - n, fmt, a, b);
#pragma GCC diagnostic pop
}

int blockdev_users(const char *sysfs_root, dev_t rdev, const char *ignore_prefix, char *buf,
                   size_t size)
{
        struct libmnt_table *tb = NULL;
        struct libmnt_iter *itr = NULL;
        struct libmnt_fs *fs;
        char path[512];
        DIR *d;
        int used = 0;

        if (size > 0)
                buf[0] = 0;

        tb = mnt_new_table_from_file("/proc/self/mountinfo");
        itr = mnt_new_iter(MNT_ITER_FORWARD);
        if (!tb || !itr) {
                mnt_unref_table(tb);
                mnt_free_iter(itr);
                return -ENOMEM;
        }
        while (mnt_table_next_fs(tb, itr, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs);

                if (mnt_fs_get_devno(fs) != rdev)
                        continue;
                if (ignore_prefix && t && strncmp(t, ignore_prefix, strlen(ignore_prefix)) == 0)
                        continue;
                append(buf, size, "mounted at '%s'%s", mnt_fs_get_target(fs), "");
                used = 1;
        }
        mnt_free_iter(itr);
        mnt_unref_table(tb);

        (void)snprintf(path, sizeof(path), "%s/dev/block/%u:%u/holders", sysfs_root, major(rdev),
                       minor(rdev));
        d = opendir(path);
        if (d) {
                struct dirent *de;
                while ((de = readdir(d)))
                        if (de->d_name[0] != '.') {
                                append(buf, size, "held by '%s'%s", de->d_name, "");
                                used = 1;
                        }
                closedir(d);
        }
        return used;
}

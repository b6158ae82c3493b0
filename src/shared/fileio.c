/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"

int fsync_directory_of(const char *path)
{
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_close_ int fd = -EBADF;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash == dir)
                slash[1] = 0;
        else if (slash)
                *slash = 0;
        else
                strcpy(dir, ".");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return RET_NERRNO(fsync(fd));
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
        return write_file_atomic_full(path, data, len, mode, false);
}

int write_file_atomic_full(const char *path, const void *data, size_t len, mode_t mode,
                           bool durable)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *p = data;
        int r;

        if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                p += n;
                len -= (size_t)n;
        }
        /* mkostemp() makes it 0600 already. */
        if (mode != 0600 && fchmod(fd, mode) < 0) {
                r = -errno;
                goto fail;
        }
        /* On a disk, the data before the name: after a power cut the record is the old
         * one or the new one, never a new name on empty data. */
        if (durable && fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        fd = safe_close(fd);
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        return durable ? fsync_directory_of(path) : 0;
fail:
        (void)unlink(tmp);
        return r;
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return read_fd(fd, max, ret, ret_len);
}

int read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = MIN((size_t)4096, max);

        /* One byte more than max fits, so that a file of exactly max bytes is read to
         * its end and a longer one is noticed. */
        buf = malloc(size + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n;

                if (len == size + 1) {
                        char *nb;
                        if (size >= max)
                                return -EFBIG;
                        size = MIN(size * 2, max);
                        nb = realloc(buf, size + 2);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                }
                n = read(fd, buf + len, size + 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len > max)
                return -EFBIG;
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_one_line(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (size == 0)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

static int mkdir_one(const char *path, mode_t mode)
{
        struct stat st;

        if (mkdir(path, mode) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (stat(path, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *copy = strdup(path);
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = 0;
                r = mkdir_one(copy, mode);
                if (r < 0)
                        return r;
                *p = '/';
        }
        return mkdir_one(copy, mode);
}

static int rm_one(const char *fpath, const struct stat *sb, int typeflag, struct FTW *ftwbuf)
{
        (void)sb;
        (void)ftwbuf;
        if (typeflag == FTW_DP)
                return rmdir(fpath) < 0 && errno != ENOENT ? -1 : 0;
        return unlink(fpath) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf_physical(const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return RET_NERRNO(unlink(path));
        /* FTW_MOUNT: never descend into another mounted filesystem (one left on top);
         * FTW_PHYS: never follow symlinks. */
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
                return -errno;
        return 0;
}

int mkdtemp_in(const char *dir, const char *prefix, mode_t mode, char **ret_path)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "%s/%sXXXXXX", dir, prefix) < 0)
                return -ENOMEM;
        if (!mkdtemp(p))
                return -errno;
        if (chmod(p, mode) < 0) {
                int r = -errno;
                (void)rmdir(p);
                return r;
        }
        *ret_path = TAKE_PTR(p);
        return 0;
}

int dir_is_empty(const char *path)
{
        DIR *d = opendir(path);
        struct dirent *de;
        int r = 1;

        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        r = 0;
                        break;
                }
        closedir(d);
        return r;
}

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec/berth"
#endif

char *find_helper(const char *name, const char *env)
{
        const char *e = env ? getenv(env) : NULL;
        char self[PATH_MAX], *p = NULL;
        ssize_t n;

        if (e && *e && access(e, X_OK) == 0)
                return strdup(e);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                char *slash;
                self[n] = 0;
                slash = strrchr(self, '/');
                if (slash)
                        *slash = 0;
                if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
                        return p;
                free(p);
                p = NULL;
        }
        if (asprintf(&p, "%s/%s", LIBEXECDIR, name) < 0)
                return NULL;
        if (access(p, X_OK) < 0) {
                free(p);
                return NULL;
        }
        return p;
}

int log_rotate_fd(int log_fd, int old_fd)
{
        off_t off_in = 0, off_out = 0;
        struct stat st;

        if (fstat(log_fd, &st) < 0)
                return -errno;
        if (ftruncate(old_fd, 0) < 0)
                return -errno;
        while (off_in < st.st_size) {
                ssize_t n = copy_file_range(log_fd, &off_in, old_fd, &off_out,
                                            (size_t)(st.st_size - off_in), 0);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
        }
        return RET_NERRNO(ftruncate(log_fd, 0));
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "chase.h"
#include "macro.h"

#define CHASE_SYMLINKS_MAX 40

static bool force_fallback;

void open_in_root_force_fallback(bool b)
{
        force_fallback = b;
}

/* Walk `todo` (which this function owns) from root_fd. */
static int walk(int root_fd, char *todo, int flags, mode_t mode)
{
        _cleanup_close_ int cur = -EBADF;
        int symlinks = 0;
        char *p = todo;

        cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;

        for (;;) {
                char name[NAME_MAX + 1];
                size_t n;
                bool last;
                int next;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                if (n == 0) {
                        /* Path ended (or was "/"): reopen the directory with the flags. */
                        return RET_NERRNO(openat(cur, ".", flags | O_CLOEXEC, mode));
                }
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, p, n);
                name[n] = 0;
                p += n;
                last = p[strspn(p, "/")] == 0;

                if (streq(name, "."))
                        continue;
                if (streq(name, "..")) {
                        struct stat a, b;
                        /* Never above root. */
                        if (fstat(cur, &a) < 0 || fstat(root_fd, &b) < 0)
                                return -errno;
                        if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                                continue;
                        next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (next < 0)
                                return -errno;
                        closep(&cur);
                        cur = next;
                        continue;
                }

                next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0) {
                        if (errno == ENOENT && last && (flags & O_CREAT))
                                return RET_NERRNO(
                                        openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode));
                        return -errno;
                }

                struct stat st;
                if (fstat(next, &st) < 0) {
                        int r = -errno;
                        (void)close(next);
                        return r;
                }
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t k = readlinkat(next, "", target, sizeof(target) - 1);
                        (void)close(next);
                        if (k < 0)
                                return -errno;
                        target[k] = 0;
                        if (++symlinks > CHASE_SYMLINKS_MAX)
                                return -ELOOP;
                        /* New todo = target + rest. */
                        size_t rest = strlen(p);
                        if ((size_t)k + rest + 1 > PATH_MAX)
                                return -ENAMETOOLONG;
                        char buf[PATH_MAX];
                        memcpy(buf, target, (size_t)k);
                        memcpy(buf + k, p, rest + 1);
                        strcpy(todo, buf);
                        p = todo;
                        if (target[0] == '/') {
                                closep(&cur);
                                cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (cur < 0)
                                        return -errno;
                        }
                        continue;
                }
                if (last && !S_ISDIR(st.st_mode) && p[0] == '/') {
                        /* "file/" names a directory. */
                        (void)close(next);
                        return -ENOTDIR;
                }
                if (last) {
                        int r;
                        if ((flags & O_ACCMODE) == O_RDONLY && (flags & O_PATH))
                                return next;
                        r = RET_NERRNO(openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode));
                        (void)close(next);
                        return r;
                }
                if (!S_ISDIR(st.st_mode)) {
                        (void)close(next);
                        return -ENOTDIR;
                }
                closep(&cur);
                cur = next;
        }
}

int open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
        char todo[PATH_MAX];

        if (!path || strlen(path) >= PATH_MAX)
                return -ENAMETOOLONG;
        if (!*path)
                return -ENOENT; /* as openat2() */

        if (!force_fallback) {
                struct open_how how = {
                        .flags = (unsigned long long)(flags | O_CLOEXEC),
                        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
                };
                for (int i = 0; i < 16; i++) {
                        int fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
                        if (fd >= 0)
                                return fd;
                        /* EAGAIN: a ".." met a rename or mount elsewhere in the system
                         * while resolving; the kernel asks us to try again. */
                        if (errno != EAGAIN)
                                break;
                }
                if (errno != ENOSYS && errno != EPERM && errno != EAGAIN)
                        return -errno;
                /* ENOSYS: kernel < 5.6. EPERM: a seccomp filter that does not know it.
                 * EAGAIN every time: a busy system; the walk below does not care. */
        }
        strcpy(todo, path);
        return walk(root_fd, todo, flags, mode);
}

int open_regular_in_root(int root_fd, const char *path, int flags)
{
        char proc[64];
        struct stat st;
        int fd, r;

        fd = open_in_root(root_fd, path, O_PATH, 0);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void)close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                (void)close(fd);
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        }
        (void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        r = open(proc, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (r < 0)
                r = -errno;
        (void)close(fd);
        if (r >= 0 && !(flags & O_NONBLOCK))
                (void)fcntl(r, F_SETFL, fcntl(r, F_GETFL) & ~O_NONBLOCK);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "macro.h"
#include "sysctl.h"

#define KEY_MAX 255
#define VALUE_MAX 4095

bool berth_sysctl_key_valid(const char *key)
{
        size_t n = 0, comp = 0;

        for (const char *c = key; *c; c++, n++) {
                if (*c == '.') {
                        if (comp == 0)
                                return false;
                        comp = 0;
                        continue;
                }
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
                        return false;
                comp++;
        }
        return n > 0 && n <= KEY_MAX && comp > 0;
}

enum berth_sysctl_ns berth_sysctl_ns_of(const char *key)
{
        static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
                                           "kernel.msgmni", "kernel.sem",
                                           "kernel.shmall", "kernel.shmmax",
                                           "kernel.shmmni", "kernel.shm_rmid_forced" };
        size_t n = strcspn(key, "=");

        for (size_t i = 0; i < ELEMENTSOF(ipc); i++)
                if (strlen(ipc[i]) == n && strncmp(key, ipc[i], n) == 0)
                        return BERTH_SYSCTL_IPC;
        if (n > 10 && strncmp(key, "fs.mqueue.", 10) == 0)
                return BERTH_SYSCTL_IPC;
        if (n > 4 && strncmp(key, "net.", 4) == 0)
                return BERTH_SYSCTL_NET;
        if (n == 17 && strncmp(key, "kernel.domainname", n) == 0)
                return BERTH_SYSCTL_UTS;
        return BERTH_SYSCTL_HOST;
}

bool berth_sysctl_entry_valid(const char *entry)
{
        const char *eq = strchr(entry, '=');
        char key[KEY_MAX + 1];
        size_t n, v;

        if (!eq || (n = (size_t)(eq - entry)) > KEY_MAX)
                return false;
        memcpy(key, entry, n);
        key[n] = 0;
        v = strlen(eq + 1);
        if (v > VALUE_MAX || (v > 0 && memchr(eq + 1, '\n', v - 1)))
                return false;
        return berth_sysctl_key_valid(key) && berth_sysctl_ns_of(key) != BERTH_SYSCTL_HOST;
}

int berth_sysctl_write_all(int proc_fd, char *const *entries, struct berth_error *err)
{
        for (char *const *e = entries; e && *e; e++) {
                const char *eq = strchr(*e, '=');
                char path[4 + KEY_MAX + 1];
                _cleanup_close_ int fd = -EBADF;
                size_t n, len;

                if (!eq || !berth_sysctl_entry_valid(*e))
                        return berth_error_set(err, EINVAL, "sysctl '%.64s': malformed", *e);
                n = (size_t)(eq - *e);
                memcpy(path, "sys/", 4);
                for (size_t i = 0; i < n; i++)
                        path[4 + i] = (*e)[i] == '.' ? '/' : (*e)[i];
                path[4 + n] = 0;
                fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
                if (fd < 0)
                        return berth_error_set_errno(err, errno, "sysctl %.*s: open /proc/%s",
                                                     (int)n, *e, path);
                len = strlen(eq + 1);
                errno = 0;
                if (write(fd, eq + 1, len) != (ssize_t)len)
                        return berth_error_set_errno(err, errno ? errno : EIO,
                                                     "sysctl %.*s: write '%.64s'", (int)n, *e,
                                                     eq + 1);
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dobby-loop.h"
#include "dobby-spec.h"
#include "error.h"
#include "log.h"
#include "loop.h"
#include "macro.h"
#include "mountfs.h"

static char *loops_dir(const char *roots, const char *entry)
{
        char *p;

        if (asprintf(&p, "%s-loops%s%s", roots, entry ? "/" : "", entry ? entry : "") < 0)
                return NULL;
        return p;
}

bool dobby_loop_is(const struct dobby_spec *s, size_t i)
{
        for (size_t l = 0; l < s->n_loops && s->mount_fields && i < s->w.n_mounts; l++)
                if (streq(s->loops[l].field, s->mount_fields[i]))
                        return true;
        return false;
}

/* The mount of s that loop l is. */
static struct berth_wl_mount *mount_of(struct dobby_spec *s, const struct dobby_loop *l)
{
        for (size_t i = 0; i < s->w.n_mounts; i++)
                if (streq(s->mount_fields[i], l->field))
                        return &s->w.mounts[i];
        return NULL;
}

/* Image into a loop device mounted on target. */
static int mount_one(const struct dobby_loop *l, const char *image, const char *target,
                     struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF, loop_fd = -EBADF;
        char dev[32];
        struct stat st;
        int nr, r;

        fd = open(image, (l->read_only ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
                                 O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "%s.source '%.256s'", l->field, image);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "%s.source '%.256s'", l->field, image);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "%s.source '%.256s' is not an image file",
                                       l->field, image);
        r = loop_attach(fd, image, l->read_only, /* partscan= */ false, &nr, &loop_fd, err);
        if (r < 0)
                return berth_error_prefix(err, "%s", l->field);
        if (mkdir(target, 0700) < 0)
                return berth_error_set_errno(err, errno, "create '%s'", target);
        (void)snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
        r = mountfs_mount(dev, target, l->fstype, l->options, l->read_only ? MOUNTFS_READ_ONLY : 0,
                          err);
        if (r < 0) {
                (void)rmdir(target);
                return berth_error_prefix(err, "%s: mount the %s image '%.256s'", l->field,
                                          l->fstype, image);
        }
        /* The mount holds the device now; it goes with it (autoclear). */
        return 0;
}

int dobby_loops_mount(const char *roots, const char *entry, struct dobby_spec *s,
                      struct berth_error *err)
{
        _cleanup_free_ char *top = loops_dir(roots, NULL), *dir = loops_dir(roots, entry);
        int r = 0;

        if (s->n_loops == 0)
                return 0;
        if (!top || !dir)
                return -ENOMEM;
        if ((mkdir(top, 0700) < 0 && errno != EEXIST) || mkdir(dir, 0700) < 0)
                return berth_error_set_errno(err, errno, "create '%s'", dir);
        for (size_t i = 0; r >= 0 && i < s->n_loops; i++) {
                struct berth_wl_mount *m = mount_of(s, &s->loops[i]);
                char *target = NULL;

                if (!m || asprintf(&target, "%s/%zu", dir, i) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = mount_one(&s->loops[i], m->source, target, err);
                if (r >= 0) {
                        free(m->source);
                        m->source = target;
                } else
                        free(target);
        }
        if (r < 0)
                dobby_loops_release(roots, entry);
        return r;
}

void dobby_loops_release(const char *roots, const char *entry)
{
        _cleanup_free_ char *dir = loops_dir(roots, entry);
        struct dirent *de;
        DIR *d;

        if (!dir || !(d = opendir(dir)))
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (de->d_name[0] == '.' || asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        continue;
                mountfs_umount_all(p);
                if (rmdir(p) < 0)
                        log_warning("OCIContainer: '%s' could not be removed: %m", p);
        }
        closedir(d);
        (void)rmdir(dir);
}

void dobby_loops_sweep(const char *roots)
{
        _cleanup_free_ char *top = loops_dir(roots, NULL);
        struct dirent *de;
        DIR *d;

        if (!top || !(d = opendir(top)))
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *root = NULL;

                if (de->d_name[0] == '.' || asprintf(&root, "%s/%s", roots, de->d_name) < 0)
                        continue;
                if (access(root, F_OK) < 0 && errno == ENOENT)
                        dobby_loops_release(roots, de->d_name);
        }
        closedir(d);
}

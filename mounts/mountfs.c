/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <libmount.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "error.h"
#include "macro.h"
#include "mountfs.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, mnt_free_context)

static int mount_setattr_rdonly_recursive(const char *path)
{
        struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

        /* Kernel >= 5.12, glibc >= 2.36. */
        return RET_NERRNO(
                mount_setattr(AT_FDCWD, path, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &a, sizeof(a)));
}

static int classify(int e, const char *source, const char *target, const char *fstype,
                    struct berth_error *err)
{
        const char *what = fstype ? fstype : "bind";

        switch (e) {
        case EINVAL:
        case ENOTBLK:
        case EUCLEAN:
                return berth_error_set(err, EINVAL,
                                       "cannot mount '%s' as %s: wrong fs type, bad option or bad "
                                       "superblock",
                                       source, what);
        case ENODEV:
                return berth_error_set(err, EINVAL, "fs_type '%s' is not supported by this kernel",
                                       what);
        case EACCES:
        case EROFS:
                return berth_error_set(err, EROFS,
                                       "'%s' is read-only: mount it with the 'ro' option", source);
        case ENOENT:
                return berth_error_set(err, EINVAL, "cannot mount '%s' on '%s': no such file",
                                       source, target);
        default:
                return berth_error_set_errno(err, e, "mount '%s' on '%s' (%s)", source, target,
                                             what);
        }
}

int mountfs_mount(const char *source, const char *target, const char *fstype, const char *options,
                  unsigned flags, struct berth_error *err)
{
        _cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
        unsigned long mflags = 0;
        int r;

        cxt = mnt_new_context();
        if (!cxt)
                return -ENOMEM;
        (void)mnt_context_disable_helpers(cxt, 1);
        (void)mnt_context_disable_mtab(cxt, 1);
        (void)mnt_context_set_optsmode(cxt, MNT_OMODE_IGNORE);
        if (flags & MOUNTFS_NO_CANONICALIZE)
                (void)mnt_context_disable_canonicalize(cxt, 1);

        if (flags & MOUNTFS_BIND)
                mflags |= MS_BIND | ((flags & MOUNTFS_RECURSIVE) ? MS_REC : 0);
        /* Recursive read-only binds are finished with mount_setattr below; libmount 2.38
         * would only make the top mount read-only. */
        if ((flags & MOUNTFS_READ_ONLY) && !((flags & MOUNTFS_BIND) && (flags & MOUNTFS_RECURSIVE)))
                mflags |= MS_RDONLY;

        if (mnt_context_set_source(cxt, source) < 0 || mnt_context_set_target(cxt, target) < 0 ||
            (fstype && mnt_context_set_fstype(cxt, fstype) < 0) ||
            (options && *options && mnt_context_set_options(cxt, options) < 0) ||
            mnt_context_set_mflags(cxt, mflags) < 0)
                return berth_error_set(err, ENOMEM, "set up mount context for '%s'", target);

        r = mnt_context_mount(cxt);
        if (r != 0 || mnt_context_get_status(cxt) != 1) {
                int e = mnt_context_syscall_called(cxt) ? mnt_context_get_syscall_errno(cxt)
                                                        : (r < 0 ? -r : EINVAL);
                if (e == 0)
                        e = EIO;
                return classify(e, source, target, fstype, err);
        }

        if ((flags & MOUNTFS_BIND) && (flags & MOUNTFS_RECURSIVE) && (flags & MOUNTFS_READ_ONLY)) {
                r = mount_setattr_rdonly_recursive(target);
                if (r < 0) {
                        (void)umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
                        return berth_error_set_errno(err, -r, "make '%s' read-only recursively",
                                                     target);
                }
        }
        return 0;
}

/* Unmount what is mounted below target, newest first (a recursive bind carries copies
 * of the source's submounts; the top cannot go while they are there). */
static int umount_below(const char *target, struct berth_error *err)
{
        struct libmnt_table *tb = mnt_new_table_from_file("/proc/self/mountinfo");
        struct libmnt_iter *itr = mnt_new_iter(MNT_ITER_BACKWARD);
        size_t n = strlen(target);
        struct libmnt_fs *fs;
        int r = 0;

        if (!tb || !itr) {
                mnt_unref_table(tb);
                mnt_free_iter(itr);
                return -ENOMEM;
        }
        while (r >= 0 && mnt_table_next_fs(tb, itr, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs);

                if (!t || strncmp(t, target, n) != 0 || t[n] != '/')
                        continue;
                if (umount2(t, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                        r = berth_error_set(err, errno == EBUSY ? EBUSY : errno,
                                            "'%s' is busy (a process has files open or its "
                                            "working directory there)",
                                            t);
        }
        mnt_free_iter(itr);
        mnt_unref_table(tb);
        return r;
}

int mountfs_umount(const char *target, bool lazy, struct berth_error *err)
{
        if (!lazy) {
                int r = umount_below(target, err);
                if (r < 0)
                        return r;
        }
        if (umount2(target, (lazy ? MNT_DETACH : 0) | UMOUNT_NOFOLLOW) < 0) {
                if (errno == EBUSY)
                        return berth_error_set(err, EBUSY,
                                               "'%s' is busy (a process has files open or its "
                                               "working directory there)",
                                               target);
                return berth_error_set_errno(err, errno, "unmount '%s'", target);
        }
        return 0;
}

void mountfs_umount_all(const char *target)
{
        while (mountfs_is_mountpoint(target) > 0)
                if (mountfs_umount(target, /* lazy= */ true, NULL) < 0)
                        break;
}

int mountfs_is_mountpoint(const char *path)
{
        struct statx sx, psx;
        _cleanup_free_ char *parent = NULL;
        char *slash;

        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
                return -errno;
#ifdef STATX_ATTR_MOUNT_ROOT
        if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
#endif
        /* Fallback for kernels before 5.8 (no STATX_ATTR_MOUNT_ROOT): compare devices.
         * Misses bind mounts within one file system. */
        parent = strdup(path);
        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash)
                return -EINVAL;
        *(slash == parent ? slash + 1 : slash) = 0;
        if (statx(AT_FDCWD, parent, 0, STATX_BASIC_STATS, &psx) < 0)
                return -errno;
        return sx.stx_dev_major != psx.stx_dev_major || sx.stx_dev_minor != psx.stx_dev_minor;
}

int mountfs_is_read_only(const char *path)
{
        struct statvfs sv;

        if (statvfs(path, &sv) < 0)
                return -errno;
        return !!(sv.f_flag & ST_RDONLY);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chase.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "mountfs.h"
#include "mountopts.h"
#include "mount-internal.h"
#include "strv.h"

/* overlayfs takes its options in one page; 64 lowers of ~40 bytes each fit. */
#define OVERLAY_LOWER_MAX 64

static int make_mountpoint(struct berth_store *s, struct berth_mount *m, bool file,
                           struct berth_error *err)
{
        int r;

        if (!file) {
                r = mkdtemp_in(mctx(s)->mounts_dir, "mount_", 0755, &m->mountpoint);
        } else {
                _cleanup_free_ char *p = NULL;
                int fd;

                if (asprintf(&p, "%s/mount_XXXXXX", mctx(s)->mounts_dir) < 0)
                        return -ENOMEM;
                fd = mkostemp(p, O_CLOEXEC);
                r = fd < 0 ? -errno : 0;
                if (fd >= 0) {
                        (void)fchmod(fd, 0644);
                        (void)close(fd);
                        m->mountpoint = TAKE_PTR(p);
                        m->mountpoint_is_file = true;
                }
        }
        if (r < 0)
                return berth_error_set_errno(err, -r, "create a mountpoint in '%s'",
                                             mctx(s)->mounts_dir);
        return 0;
}

static void remove_mountpoint(struct berth_mount *m)
{
        if (!m->mountpoint)
                return;
        if (m->mountpoint_is_file)
                (void)unlink(m->mountpoint);
        else
                (void)rmdir(m->mountpoint);
}

/* The mount(2) of each kind, from the object's fields: at build, and again when a
 * restarted berthd finds a recorded mount gone. */
int mount_attach_do(struct berth_mount *m, struct berth_error *err)
{
        _cleanup_free_ char *opts = NULL;
        bool ro;
        int r;

        r = mountopts_normalize(m->attach.options, &opts, &ro, err);
        if (r < 0)
                return r;
        return mountfs_mount(m->attach.attach->device_file, m->mountpoint, m->attach.fs_type, opts,
                             ro ? MOUNTFS_READ_ONLY : 0, err);
}

int mount_overlay_do(struct berth_mount *m, struct berth_error *err)
{
        _cleanup_free_ char *lowerdir = NULL, *opts = NULL;
        size_t len = 1;

        for (size_t i = 0; i < m->overlay.n_lower; i++)
                len += strlen(m->overlay.lower[i]->mountpoint) + 1;
        /* lower[0] is the top-most layer, as in overlayfs' own lowerdir order. */
        lowerdir = malloc(len);
        if (!lowerdir)
                return -ENOMEM;
        lowerdir[0] = 0;
        for (size_t i = 0; i < m->overlay.n_lower; i++) {
                if (i > 0)
                        strcat(lowerdir, ":");
                strcat(lowerdir, m->overlay.lower[i]->mountpoint);
        }
        if (asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s%s", lowerdir, m->overlay.upperdir,
                     m->overlay.workdir, m->overlay.dev ? "" : ",nodev") < 0) {
                opts = NULL;
                return -ENOMEM;
        }
        return mountfs_mount("overlay", m->mountpoint, "overlay", opts, 0, err);
}

/* src: the resolved source as /proc/self/fd/N, so a symlink swapped in meanwhile cannot
 * redirect the bind. */
int mount_bind_do(struct berth_mount *m, const char *src, struct berth_error *err)
{
        return mountfs_mount(src, m->mountpoint, NULL, NULL,
                             MOUNTFS_BIND | MOUNTFS_NO_CANONICALIZE |
                                     (m->bind.recursive ? MOUNTFS_RECURSIVE : 0) |
                                     (m->bind.ro ? MOUNTFS_READ_ONLY : 0),
                             err);
}

static int attach_mount_build(struct berth_store *s, struct berth_mount *m,
                              const struct berth_mount_spec *spec, struct berth_error *err)
{
        _cleanup_free_ char *opts = NULL;
        struct berth_obj *child;
        bool ro;
        int r;

        if (!spec->attach.attach)
                return berth_error_set(err, EINVAL, "attach.attach is required");
        if (!fstype_is_valid(spec->attach.fs_type))
                return berth_error_set(err, EINVAL,
                                       "attach.fs_type must be a file system type name such as "
                                       "'squashfs' or 'ext4'");
        r = mountopts_normalize(spec->attach.options, &opts, &ro, err);
        if (r < 0)
                return r;
        opts = mfree(opts);
        m->attach.fs_type = strdup(spec->attach.fs_type);
        m->attach.options = strv_copy(spec->attach.options);
        if (!m->attach.fs_type || !m->attach.options)
                return -ENOMEM;

        r = store_build(s, BERTH_OBJ_ATTACH, spec->attach.attach, &m->obj,
                        ro || fstype_is_read_only(spec->attach.fs_type), &child, err);
        if (r < 0)
                return berth_error_prefix(err, "attach.attach");
        m->attach.attach = berth_obj_to_attach(child);

        /* The kernel would quietly mount a read-only device read-only; say so instead. */
        if (!ro && m->attach.attach->read_only && !fstype_is_read_only(m->attach.fs_type))
                return berth_error_set(
                        err, EROFS, "%s %s is read-only: mount it with the 'ro' option",
                        m->attach.attach->obj.registered ? "attachment" : "attach.attach",
                        m->attach.attach->device_file);

        r = make_mountpoint(s, m, /* file= */ false, err);
        if (r < 0)
                return r;
        return mount_attach_do(m, err);
}

/* The upper and work directories on a tmpfs of their own, upper_size bytes: a container
 * that writes without end fills that, not the state directory (a tmpfs on a stateless
 * node, whose filling would break the host). */
static int overlay_upper_tmpfs(struct berth_store *s, struct berth_mount *m,
                               struct berth_error *err)
{
        char opts[64];
        int r;

        r = mkdtemp_in(mctx(s)->mounts_dir, "ovl_", 0755, &m->overlay.upper_mount);
        if (r < 0)
                return berth_error_set_errno(err, -r, "create an overlay directory in '%s'",
                                             mctx(s)->mounts_dir);
        (void)snprintf(opts, sizeof(opts), "size=%llu,mode=0755%s",
                       (unsigned long long)m->overlay.upper_size, m->overlay.dev ? "" : ",nodev");
        r = mountfs_mount("tmpfs", m->overlay.upper_mount, "tmpfs", opts, 0, err);
        if (r < 0) {
                (void)rmdir(m->overlay.upper_mount);
                m->overlay.upper_mount = mfree(m->overlay.upper_mount);
                return berth_error_prefix(err, "overlay.upper_size");
        }
        if (asprintf(&m->overlay.upperdir, "%s/upper", m->overlay.upper_mount) < 0 ||
            asprintf(&m->overlay.workdir, "%s/work", m->overlay.upper_mount) < 0)
                return -ENOMEM;
        if (mkdir(m->overlay.upperdir, 0755) < 0 || mkdir(m->overlay.workdir, 0755) < 0)
                return berth_error_set_errno(err, errno, "create the overlay directories in '%s'",
                                             m->overlay.upper_mount);
        return 0;
}

static int overlay_build(struct berth_store *s, struct berth_mount *m,
                         const struct berth_mount_spec *spec, struct berth_error *err)
{
        int r;

        if (spec->overlay.n_lower == 0)
                return berth_error_set(err, EINVAL, "overlay.lower must name at least one mount");
        if (spec->overlay.n_lower > OVERLAY_LOWER_MAX)
                return berth_error_set(err, EINVAL, "overlay.lower has more than %d mounts",
                                       OVERLAY_LOWER_MAX);
        m->overlay.lower = calloc(spec->overlay.n_lower, sizeof(*m->overlay.lower));
        if (!m->overlay.lower)
                return -ENOMEM;
        for (size_t i = 0; i < spec->overlay.n_lower; i++) {
                struct berth_obj *l;

                r = store_build(s, BERTH_OBJ_MOUNT, spec->overlay.lower[i], &m->obj,
                                /* ro_hint= */ true, &l, err);
                if (r < 0)
                        return berth_error_prefix(err, "overlay.lower[%zu]", i);
                m->overlay.lower[m->overlay.n_lower++] = berth_obj_to_mount(l);
        }

        m->overlay.dev = spec->overlay.dev;
        m->overlay.upper_size = spec->overlay.upper_size_set ? spec->overlay.upper_size
                                                             : mctx(s)->overlay_upper_size;
        if (m->overlay.upper_size > 0)
                r = overlay_upper_tmpfs(s, m, err);
        else {
                r = mkdtemp_in(mctx(s)->mounts_dir, "upper_", 0755, &m->overlay.upperdir);
                if (r >= 0)
                        r = mkdtemp_in(mctx(s)->mounts_dir, "work_", 0755, &m->overlay.workdir);
                if (r < 0)
                        r = berth_error_set_errno(err, -r, "create overlay directories in '%s'",
                                                  mctx(s)->mounts_dir);
        }
        if (r < 0)
                return r;
        r = make_mountpoint(s, m, /* file= */ false, err);
        if (r < 0)
                return r;
        return mount_overlay_do(m, err);
}

static int bind_build(struct berth_store *s, struct berth_mount *m,
                      const struct berth_mount_spec *spec, struct berth_error *err)
{
        _cleanup_close_ int base_fd = -EBADF, fd = -EBADF;
        char src[64], target[4096];
        const char *base = "/";
        struct stat st;
        ssize_t n;
        int r;

        m->bind.base = spec->bind.base;
        m->bind.recursive = spec->bind.recursive;
        m->bind.ro = spec->bind.ro;
        m->bind.path = strdup(spec->bind.path);
        if (!m->bind.path)
                return -ENOMEM;
        if (spec->bind.base == BERTH_BASE_MOUNT) {
                if (!spec->bind.mount)
                        return berth_error_set(err, EINVAL,
                                               "bind.mount is required when base is 'mount'");
                struct berth_obj *b;
                r = store_build(s, BERTH_OBJ_MOUNT, spec->bind.mount, &m->obj,
                                /* ro_hint= */ false, &b, err);
                if (r < 0)
                        return berth_error_prefix(err, "bind.mount");
                m->bind.mount = berth_obj_to_mount(b);
                base = m->bind.mount->mountpoint;
        }

        base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (base_fd < 0)
                return berth_error_set_errno(err, errno, "open base '%s'", base);
        fd = open_in_root(base_fd, spec->bind.path, O_PATH, 0);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return berth_error_set(err, EINVAL, "bind.path '%s' does not exist under %s",
                                       spec->bind.path, base);
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "bind.path '%s'", spec->bind.path);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat bind.path '%s'", spec->bind.path);

        (void)snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
        n = readlink(src, target, sizeof(target) - 1);
        if (n < 0)
                return berth_error_set_errno(err, errno, "resolve '%s'", spec->bind.path);
        target[n] = 0;
        m->bind.source = strdup(target);
        if (!m->bind.source)
                return -ENOMEM;

        r = make_mountpoint(s, m, /* file= */ !S_ISDIR(st.st_mode), err);
        if (r < 0)
                return r;
        return mount_bind_do(m, src, err);
}

struct berth_mount *mount_alloc(struct berth_store *s, enum berth_mount_kind kind, bool user)
{
        struct berth_mount *m =
                (struct berth_mount *)store_alloc(s, BERTH_OBJ_MOUNT, sizeof(*m), user);

        if (m)
                m->kind = kind;
        return m;
}

int mount_build(struct berth_store *s, const void *userspec, struct berth_obj *holder, bool ro_hint,
                struct berth_obj **ret, struct berth_error *err)
{
        const struct berth_mount_spec *spec = userspec;
        struct berth_mount *m;
        int r;

        (void)ro_hint;
        m = mount_alloc(s, spec->kind, /* user= */ !holder);
        if (!m)
                return -ENOMEM;

        switch (spec->kind) {
        case BERTH_MOUNT_ATTACH:
                r = attach_mount_build(s, m, spec, err);
                break;
        case BERTH_MOUNT_OVERLAY:
                r = overlay_build(s, m, spec, err);
                break;
        case BERTH_MOUNT_BIND:
                r = bind_build(s, m, spec, err);
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
                r = berth_error_set(err, EOPNOTSUPP,
                                    "mount kind '%s' is not supported by this build of berthd",
                                    berth_mount_kind_to_string(spec->kind));
                break;
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
        default:
                r = berth_error_set(err, EINVAL, "mount.kind is required");
                break;
        }
        if (r >= 0) {
                r = mountfs_is_read_only(m->mountpoint);
                if (r >= 0) {
                        m->read_only = r > 0;
                        r = 0;
                }
        }
        if (r >= 0 && holder)
                r = obj_claim(s, &m->obj, holder, /* owner= */ true);
        if (r < 0) {
                /* Undo in reverse: the mount (if it happened), its directories, then the
                 * children through mount_release(). */
                if (m->mountpoint && mountfs_is_mountpoint(m->mountpoint) > 0)
                        (void)mountfs_umount(m->mountpoint, /* lazy= */ false, NULL);
                remove_mountpoint(m);
                mount_finalize(s, &m->obj);
                store_free_obj(s, &m->obj);
                return berth_error_ensure(err, r, "mount");
        }
        *ret = &m->obj;
        return 0;
}

/* An overlay's upper tmpfs leaves the host's mount table with the overlay: detached,
 * it lives on for as long as the overlay (still used by a container after a forced
 * delete) holds it, and its memory goes with the last user. */
static void overlay_upper_release(struct berth_mount *m)
{
        if (!m->overlay.upper_mount)
                return;
        mountfs_umount_all(m->overlay.upper_mount);
        if (rmdir(m->overlay.upper_mount) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to remove '%s', ignoring: %m",
                                  m->overlay.upper_mount);
        m->overlay.upper_mount = mfree(m->overlay.upper_mount);
        m->overlay.upperdir = mfree(m->overlay.upperdir);
        m->overlay.workdir = mfree(m->overlay.workdir);
}

int mount_teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                   struct berth_error *err)
{
        struct berth_mount *m = mount_of(o);
        int r;

        if (m->mountpoint && !m->detached) {
                r = mountfs_umount(m->mountpoint, lazy, err);
                if (r == -EINVAL && mountfs_is_mountpoint(m->mountpoint) == 0) {
                        /* Unmounted behind berth's back: nothing left to undo. */
                        log_debug("'%s' was no longer mounted", m->mountpoint);
                        berth_error_clear(err);
                } else if (r < 0)
                        return r;
                m->detached = true;
                remove_mountpoint(m);
                overlay_upper_release(m);
        }
        if (!defer)
                mount_finalize(s, o);
        return 0;
}

void mount_finalize(struct berth_store *s, struct berth_obj *o)
{
        struct berth_mount *m = mount_of(o);
        const char *dirs[2];

        (void)s;
        overlay_upper_release(m);
        dirs[0] = m->overlay.upperdir;
        dirs[1] = m->overlay.workdir;
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                int r;
                if (!dirs[i])
                        continue;
                r = rm_rf_physical(dirs[i]);
                if (r < 0)
                        log_warning_errno(r, "Failed to remove '%s', ignoring: %m", dirs[i]);
        }
        m->overlay.upperdir = mfree(m->overlay.upperdir);
        m->overlay.workdir = mfree(m->overlay.workdir);
}

void mount_release(struct berth_store *s, struct berth_obj *o)
{
        struct berth_mount *m = mount_of(o);

        if (m->attach.attach)
                obj_unclaim(s, &m->attach.attach->obj, &m->obj);
        m->attach.attach = NULL;
        for (size_t i = 0; i < m->overlay.n_lower; i++)
                obj_unclaim(s, &m->overlay.lower[i]->obj, &m->obj);
        m->overlay.n_lower = 0;
        if (m->bind.mount)
                obj_unclaim(s, &m->bind.mount->obj, &m->obj);
        m->bind.mount = NULL;
        mount_free_fields(o);
}

void mount_free_fields(struct berth_obj *o)
{
        struct berth_mount *m = mount_of(o);

        free(m->mountpoint);
        free(m->attach.fs_type);
        strv_free(m->attach.options);
        free(m->overlay.lower);
        free(m->overlay.upperdir);
        free(m->overlay.workdir);
        free(m->overlay.upper_mount);
        free(m->bind.path);
        free(m->bind.source);
}

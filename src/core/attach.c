/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <pthread.h>
#include <linux/loop.h>

#include "chase.h"
#include "error.h"
#include "loop.h"
#include "macro.h"
#include "supervisor.h"
#include "mountfs.h"
#include "persist.h"
#include "pidref.h"
#include "log.h"
#include "rbd.h"
#include "attach-internal.h"
#include "strv.h"

/* A read-write attachment of a file that berth already has attached (or any second
 * attachment of a file attached read-write) would let two writers corrupt it. A
 * second read-only attachment shares the first one's loop device: one squashfs
 * superblock, one cache of decompressed blocks for every container of that image.
 * Returns a dup of the device fd to share, -1 when there is none, or -errno. */
int attach_check_not_attached(struct berth_store *s, const struct berth_attach *self, dev_t dev,
                              ino_t ino, bool ro, bool partscan, int *ret_nr,
                              struct berth_error *err)
{
        int r = -1;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_ATTACH]; i++) {
                struct berth_attach *o = (struct berth_attach *)s->table[BERTH_OBJ_ATTACH][i];

                if (o == self || o->kind != BERTH_ATTACH_LOOPBACK ||
                    o->loopback.backing_dev != dev || o->loopback.backing_ino != ino)
                        continue;
                if (ro && o->read_only) {
                        if (r < 0 && o->loopback.fd >= 0 &&
                            o->loopback.read_partitions == partscan) {
                                r = fcntl(o->loopback.fd, F_DUPFD_CLOEXEC, 3);
                                if (r < 0)
                                        r = -1;
                                else
                                        *ret_nr = o->loopback.loop_nr;
                        }
                        continue;
                }
                safe_close(r);
                r = berth_error_set(err, EBUSY,
                                    "'%s' is already attached as attachment %llu (%s); a file "
                                    "can be attached several times only read-only",
                                    o->loopback.backing_file, (unsigned long long)o->obj.id,
                                    o->device_file);
                break;
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

static int open_backing(struct berth_attach *a, const struct berth_attach_spec *spec, bool ro_hint,
                        bool *ret_ro, struct berth_error *err)
{
        _cleanup_close_ int base_fd = -EBADF;
        const char *base = a->loopback.mount ? a->loopback.mount->mountpoint : "/";
        bool ro = spec->loopback.ro >= 0 ? spec->loopback.ro : ro_hint;
        int fd;

        base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (base_fd < 0)
                return berth_error_set_errno(err, errno, "open base '%s'", base);

        fd = open_regular_in_root(base_fd, spec->loopback.path, ro ? O_RDONLY : O_RDWR);
        if (fd < 0 && !ro && spec->loopback.ro < 0 && (fd == -EROFS || fd == -EACCES)) {
                /* Not writable, and the client did not insist: attach read-only. */
                ro = true;
                fd = open_regular_in_root(base_fd, spec->loopback.path, O_RDONLY);
        }
        if (fd == -ENOENT || fd == -ENOTDIR)
                return berth_error_set(err, EINVAL, "loopback.path '%s' does not exist under %s",
                                       spec->loopback.path, base);
        if (fd == -EISDIR || fd == -EINVAL)
                return berth_error_set(err, EINVAL,
                                       "loopback.path '%s' is not a regular file (a %s)",
                                       spec->loopback.path,
                                       fd == -EISDIR ? "directory" : "device, FIFO or socket");
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "loopback.path '%s'", spec->loopback.path);
        *ret_ro = ro;
        return fd;
}

/* Attachments sharing a device share one open file (dups of one fd), and LOOP_CLR_FD
 * on it by any but the last would put the device in rundown, where every new open
 * fails with ENXIO. Only the last one asks for the clear. */
static int attach_drop_device(struct berth_store *s, struct berth_attach *a)
{
        bool shared = false;

        if (a->loopback.fd < 0)
                return 0;
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_ATTACH] && !shared; i++) {
                struct berth_attach *o = (struct berth_attach *)s->table[BERTH_OBJ_ATTACH][i];

                shared = o != a && o->kind == BERTH_ATTACH_LOOPBACK && o->loopback.fd >= 0 &&
                         o->loopback.loop_nr == a->loopback.loop_nr;
        }
        pthread_mutex_unlock(&s->lock);
        if (shared) {
                a->loopback.fd = safe_close(a->loopback.fd);
                return 0;
        }
        /* The device has LO_FLAGS_AUTOCLEAR: while a mount (even a lazily detached one)
         * still uses it, the kernel defers the clear. */
        return loop_detach(TAKE_FD(a->loopback.fd));
}

static int loopback_attach(struct berth_store *s, struct berth_attach *a,
                           const struct berth_attach_spec *spec, bool ro_hint,
                           struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        char link[64], target[4096];
        struct stat st;
        ssize_t n;
        bool ro = false;
        int r;

        a->loopback.base = spec->loopback.base;
        a->loopback.read_partitions = spec->loopback.read_partitions;
        a->loopback.path = strdup(spec->loopback.path);
        if (!a->loopback.path)
                return -ENOMEM;

        if (spec->loopback.base == BERTH_BASE_MOUNT) {
                if (!spec->loopback.mount)
                        return berth_error_set(err, EINVAL,
                                               "loopback.mount is required when base is 'mount'");
                struct berth_obj *m;
                r = store_build(s, BERTH_OBJ_MOUNT, spec->loopback.mount, &a->obj,
                                /* ro_hint= */ false, &m, err);
                if (r < 0)
                        return berth_error_prefix(err, "loopback.mount");
                a->loopback.mount = berth_obj_to_mount(m);
        }

        fd = open_backing(a, spec, ro_hint, &ro, err);
        if (fd < 0)
                return fd;
        /* A regular file (open_backing()); its device and inode name it below. */
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat '%s'", spec->loopback.path);

        (void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return berth_error_set_errno(err, errno, "resolve '%s'", spec->loopback.path);
        target[n] = 0;
        a->loopback.backing_file = strdup(target);
        a->loopback.backing_dev = st.st_dev;
        a->loopback.backing_ino = st.st_ino;
        if (!a->loopback.backing_file)
                return -ENOMEM;

        r = attach_check_not_attached(s, a, st.st_dev, st.st_ino, ro,
                                      spec->loopback.read_partitions, &a->loopback.loop_nr, err);
        if (r < -1)
                return r;
        if (r >= 0)
                a->loopback.fd = r; /* sharing a read-only device */
        else {
                r = loop_attach(fd, target, ro, spec->loopback.read_partitions,
                                &a->loopback.loop_nr, &a->loopback.fd, err);
                if (r < 0)
                        return berth_error_prefix(err, "attach '%s'", target);
        }
        if (fstat(a->loopback.fd, &st) < 0 ||
            asprintf(&a->device_file, "/dev/loop%d", a->loopback.loop_nr) < 0) {
                a->device_file = NULL;
                r = -errno;
                (void)attach_drop_device(s, a);
                return berth_error_set_errno(err, -r, "attach '%s'", target);
        }
        a->rdev = st.st_rdev;
        a->read_only = ro;
        return 0;
}

static int local_attach(struct berth_attach *a, const struct berth_attach_spec *spec,
                        struct berth_error *err)
{
        struct stat st;

        if (spec->local.path[0] != '/')
                return berth_error_set(err, EINVAL, "local.path '%s' must be an absolute path",
                                       spec->local.path);
        if (stat(spec->local.path, &st) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return berth_error_set(err, EINVAL, "local.path '%s' does not exist",
                                               spec->local.path);
                return berth_error_set_errno(err, errno, "local.path '%s'", spec->local.path);
        }
        if (!S_ISBLK(st.st_mode))
                return berth_error_set(err, EINVAL, "local.path '%s' is not a block device",
                                       spec->local.path);
        a->local.path = strdup(spec->local.path);
        a->device_file = strdup(spec->local.path);
        if (!a->local.path || !a->device_file)
                return -ENOMEM;
        a->rdev = st.st_rdev;
        return 0;
}

/* ---- rbd ------------------------------------------------------------------------------ */

static bool same_image(const struct berth_rbd_spec *a, const struct berth_rbd_spec *b)
{
        return streq(a->pool, b->pool) && streq(a->image, b->image) &&
               streq_ptr(a->opt.ns, b->opt.ns) && streq_ptr(a->snapshot, b->snapshot);
}

static int rbd_check_not_attached(struct berth_store *s, const struct berth_rbd_spec *spec,
                                  struct berth_error *err)
{
        int r = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_ATTACH] && r == 0; i++) {
                struct berth_attach *o = (struct berth_attach *)s->table[BERTH_OBJ_ATTACH][i];

                if (o->kind == BERTH_ATTACH_RBD && same_image(&o->rbd.spec, spec))
                        r = berth_error_set(err, EBUSY,
                                            "rbd image %s/%s%s%s is already attached as "
                                            "attachment %llu (%s)",
                                            spec->pool, spec->image, spec->snapshot ? "@" : "",
                                            spec->snapshot ? spec->snapshot : "",
                                            (unsigned long long)o->obj.id, o->device_file);
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

static int rbd_attach_krbd(struct berth_store *s, struct berth_attach *a,
                           const struct berth_rbd_spec *rs, struct berth_error *err)
{
        int timeout_s = rbd_opt_has_int(rs, RBD_OPT_MOUNT_TIMEOUT)
                                ? (int)MIN(rs->opt.ints[RBD_OPT_MOUNT_TIMEOUT], (int64_t)3600)
                                : 10;
        struct stat st;
        int r, id;

        _cleanup_(berth_rbd_spec_clear) struct berth_rbd_spec keyed = {};

        /* Someone else's mapping of this image first: that is a 409 whatever the key. */
        id = krbd_find(actx(s)->sysfs_root, rs);
        if (id >= 0)
                return berth_error_set(err, EBUSY,
                                       "rbd image %s/%s is already mapped on this node as %s/rbd%d "
                                       "(not by berth)",
                                       rs->pool, rs->image, actx(s)->dev_root, id);
        if (!rs->opt.secret) {
                /* The kernel reads no Ceph configuration: take the key from it here. */
                char *key = NULL;
                r = rbd_key_from_conf(actx(s)->ceph_conf, rs->opt.name, &key);
                if (r < 0)
                        return berth_error_set(err, EINVAL,
                                               "rbd.options.secret is not given and %s has no "
                                               "key for client.%s",
                                               actx(s)->ceph_conf,
                                               rs->opt.name ? rs->opt.name : "admin");
                r = berth_rbd_spec_copy(&keyed, rs);
                if (r < 0) {
                        erase_and_free(key);
                        return r;
                }
                keyed.opt.secret = key;
                rs = &keyed;
        }
        /* One map at a time: the new device is found by listing before and after. */
        pthread_mutex_lock(&actx(s)->krbd_lock);
        r = krbd_map(actx(s)->sysfs_root, actx(s)->dev_root, rs, timeout_s * 1000, &id,
                     &a->device_file, err);
        pthread_mutex_unlock(&actx(s)->krbd_lock);
        if (r < 0)
                return r;
        a->rbd.krbd = true;
        a->rbd.device_id = id;
        if (stat(a->device_file, &st) == 0)
                a->rdev = st.st_rdev;
        return 0;
}

static int rbd_attach_helper(struct berth_store *s, struct berth_attach *a,
                             const struct berth_rbd_spec *rs, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *file = NULL;
        const char *bad = rbd_helper_unsupported(rs);
        struct stat st;
        int r;

        if (bad)
                return berth_error_set(err, EINVAL,
                                       "rbd.options.%s cannot be honoured on this node: it has no "
                                       "rbd kernel driver, and librbd (berth-rbd) has no such "
                                       "setting",
                                       bad);
        if (!actx(s)->rbd_helper)
                return berth_error_set(err, EOPNOTSUPP,
                                       "this node has no rbd kernel driver and berth-rbd is not "
                                       "installed");
        r = rbd_helper_start(actx(s)->rbd_helper, actx(s)->rbd_dir, actx(s)->ceph_conf, rs,
                             &a->rbd.helper, err);
        if (r < 0)
                return r;
        if (asprintf(&file, "%s/image", a->rbd.helper.mountpoint) < 0) {
                file = NULL;
                r = -ENOMEM;
                goto fail;
        }
        fd = open(file, (a->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = berth_error_set_errno(err, errno, "open %s", file);
                goto fail;
        }
        r = loop_attach(fd, file, a->read_only, false, &a->rbd.loop_nr, &a->rbd.fd, err);
        if (r < 0) {
                berth_error_prefix(err, "attach %s", file);
                goto fail;
        }
        if (fstat(a->rbd.fd, &st) < 0 ||
            asprintf(&a->device_file, "/dev/loop%d", a->rbd.loop_nr) < 0) {
                a->device_file = NULL;
                r = berth_error_set_errno(err, errno, "attach %s", file);
                (void)loop_detach(TAKE_FD(a->rbd.fd));
                goto fail;
        }
        a->rdev = st.st_rdev;
        return 0;
fail:
        (void)rbd_helper_stop(&a->rbd.helper, true, 0);
        rbd_helper_clear(&a->rbd.helper);
        return r;
}

static int rbd_attach(struct berth_store *s, struct berth_attach *a,
                      const struct berth_attach_spec *spec, struct berth_error *err)
{
        const struct berth_rbd_spec *rs = &spec->rbd;
        int r;

        if (!rs->pool || !rs->image || strv_length(rs->monitors) == 0)
                return berth_error_set(err, EINVAL, "rbd: monitors, pool and image are required");
        r = rbd_check_not_attached(s, rs, err);
        if (r < 0)
                return r;
        /* Kept for the replies and the record (which never show the secret), and to
         * restart a helper that dies (which needs it). */
        r = berth_rbd_spec_copy(&a->rbd.spec, rs);
        if (r < 0)
                return r;
        a->read_only = rbd_spec_read_only(rs);
        if (krbd_available(actx(s)->sysfs_root))
                r = rbd_attach_krbd(s, a, rs, err);
        else
                r = rbd_attach_helper(s, a, rs, err);
        if (r < 0 && r != -EBUSY && r != -EINVAL && r != -EOPNOTSUPP) {
                /* The pool, image or snapshot named in the request does not exist, or its
                 * key is wrong: the request is at fault (422), not berth. */
                if (err && (err->code == -ENOENT || err->code == -EACCES || err->code == -EPERM))
                        err->code = -EINVAL;
                return berth_error_prefix(err, "attach rbd image %s/%s", rs->pool, rs->image);
        }
        return r;
}

/* Whether loop device nr still has its file: after LOOP_CLR_FD the kernel keeps it until
 * the last user (a lazily unmounted file system) lets go. */
static bool loop_still_bound(int nr)
{
        char p[96];

        (void)snprintf(p, sizeof(p), "/sys/block/loop%d/loop/backing_file", nr);
        return access(p, F_OK) == 0;
}

struct berth_linger {
        uint64_t id;
        struct rbd_helper helper;
        struct berth_linger *next;
};

/* A forced delete while something still reads the image through the loop device: the
 * helper serves until that last user is gone (SIGUSR1: end on the last release), and
 * the supervisor reaps it and removes its mountpoint then. */
static bool rbd_linger(struct berth_store *s, struct berth_attach *a)
{
        struct berth_linger *l;

        struct attach_ctx *A = actx(s);

        if (!A->supervisor || a->rbd.helper.pidfd < 0 || !loop_still_bound(a->rbd.loop_nr))
                return false;
        l = calloc(1, sizeof(*l));
        if (!l)
                return false;
        pthread_mutex_lock(&s->lock);
        l->id = ++actx(s)->next_linger;
        if (berth_supervisor_watch(A->supervisor, a->rbd.helper.pidfd, A->watch_linger, l->id) <
            0) {
                pthread_mutex_unlock(&s->lock);
                free(l);
                return false;
        }
        /* The helper is the lingering entry's now. */
        l->helper = a->rbd.helper;
        a->rbd.helper = (struct rbd_helper){ .pidfd = -EBADF };
        l->next = actx(s)->lingering;
        actx(s)->lingering = l;
        pthread_mutex_unlock(&s->lock);
        (void)syscall(SYS_pidfd_send_signal, l->helper.pidfd, SIGUSR1, NULL, 0);
        log_info("attachment %llu was deleted while %s is still in use: berth-rbd (pid %d) "
                 "serves until its last user is gone",
                 (unsigned long long)a->obj.id, a->device_file, (int)l->helper.pid);
        return true;
}

void attach_linger_exited(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_linger **pp, *l = NULL;

        pthread_mutex_lock(&s->lock);
        for (pp = &actx(s)->lingering; *pp; pp = &(*pp)->next)
                if ((*pp)->id == id) {
                        l = *pp;
                        *pp = l->next;
                        break;
                }
        if (l && actx(s)->supervisor)
                berth_supervisor_unwatch(actx(s)->supervisor, l->helper.pidfd);
        pthread_mutex_unlock(&s->lock);
        if (!l)
                return;
        /* It has ended: this only reaps it and removes its mountpoint. */
        (void)rbd_helper_stop(&l->helper, false, 0);
        rbd_helper_clear(&l->helper);
        log_info("berth-rbd of a deleted attachment ended after its last user");
        free(l);
}

void attach_free_lingering(struct attach_ctx *A)
{
        /* berthd stops; the helpers go on serving and end by themselves. */
        while (A->lingering) {
                struct berth_linger *l = A->lingering;
                A->lingering = l->next;
                rbd_helper_clear(&l->helper);
                free(l);
        }
}

static int rbd_detach(struct berth_store *s, struct berth_attach *a, bool lazy,
                      struct berth_error *err)
{
        bool force = rbd_opt_is(&a->rbd.spec, RBD_OPT_FORCE);
        int r = 0;

        if (a->rbd.krbd) {
                if (a->rbd.device_id >= 0)
                        r = krbd_unmap(actx(s)->sysfs_root, a->rbd.device_id, force, err);
                if (r >= 0)
                        a->rbd.device_id = -1;
                return r;
        }
        pthread_mutex_lock(&s->lock);
        a->rbd.stopping = true;
        if (a->rbd.watched && actx(s)->supervisor)
                berth_supervisor_unwatch(actx(s)->supervisor, a->rbd.helper.pidfd);
        a->rbd.watched = false;
        pthread_mutex_unlock(&s->lock);
        /* Loop device, then FUSE mount and helper, in that order. */
        if (a->rbd.fd >= 0)
                (void)loop_detach(TAKE_FD(a->rbd.fd));
        if (lazy && !force && rbd_linger(s, a))
                return 0;
        if (a->rbd.helper.pid > 0 || a->rbd.helper.mountpoint) {
                r = rbd_helper_stop(&a->rbd.helper, force, 5000);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "stop berth-rbd of %s",
                                                     a->device_file);
                rbd_helper_clear(&a->rbd.helper);
        }
        return 0;
}

static void free_fields(struct berth_attach *a)
{
        free(a->loopback.path);
        free(a->loopback.backing_file);
        free(a->local.path);
        free(a->device_file);
        berth_rbd_spec_clear(&a->rbd.spec);
        rbd_helper_clear(&a->rbd.helper);
}

/* ---- a helper that dies --------------------------------------------------------------- */

void attach_committed(struct berth_store *s, struct berth_obj *o)
{
        struct berth_attach *a = attach_of(o);
        struct attach_ctx *A = actx(s);

        if (a->kind != BERTH_ATTACH_RBD || a->rbd.krbd || a->rbd.helper.pidfd < 0 || !A->supervisor)
                return;
        pthread_mutex_lock(&s->lock);
        a->rbd.watched = berth_supervisor_watch(A->supervisor, a->rbd.helper.pidfd, A->watch_helper,
                                                a->obj.id) >= 0;
        pthread_mutex_unlock(&s->lock);
}

struct recovery {
        struct berth_store *s;
        uint64_t id;
        pid_t old_pid;
        struct berth_rbd_spec spec;
};

static void *recover_helper(void *userdata)
{
        struct recovery *rec = userdata;
        struct berth_store *s = rec->s;
        struct rbd_helper h = { .pidfd = -EBADF }, old = { .pidfd = -EBADF };
        struct berth_error err = {};
        struct berth_attach *a = NULL;
        struct berth_obj *o;
        int r, fd = -EBADF;

        /* Not under op_lock: reaching the cluster may take the whole mount timeout. */
        r = rbd_helper_start(actx(s)->rbd_helper, actx(s)->rbd_dir, actx(s)->ceph_conf, &rec->spec,
                             &h, &err);
        if (r >= 0) {
                char file[600];
                (void)snprintf(file, sizeof(file), "%s/image", h.mountpoint);
                fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        r = berth_error_set_errno(&err, errno, "open %s", file);
        }
        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        if (store_lookup(s, BERTH_OBJ_ATTACH, rec->id, &o, NULL) >= 0) {
                a = (struct berth_attach *)o;
                a->rbd.recovering = false;
                if (a->rbd.stopping)
                        a = NULL;
        }
        if (a && r >= 0) {
                /* The loop device's file, swapped in place: read-only devices only. */
                if (ioctl(a->rbd.fd, LOOP_CHANGE_FD, fd) < 0)
                        r = berth_error_set_errno(&err, errno, "swap %s onto %s", h.mountpoint,
                                                  a->device_file);
                else {
                        old = a->rbd.helper;
                        a->rbd.helper = h;
                        h = (struct rbd_helper){ .pidfd = -EBADF };
                        a->rbd.restarts++;
                        a->rbd.watched =
                                actx(s)->supervisor &&
                                berth_supervisor_watch(actx(s)->supervisor, a->rbd.helper.pidfd,
                                                       actx(s)->watch_helper, rec->id) >= 0;
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (a && r >= 0) {
                (void)store_save(s, &a->obj, NULL);
                log_info("berth-rbd of attachment %llu restarted (pid %d); %s kept its mounts",
                         (unsigned long long)rec->id, (int)a->rbd.helper.pid, a->device_file);
        } else if (a)
                log_error("berth-rbd of attachment %llu could not be restarted: %s; its device "
                          "gives I/O errors until the attachment is deleted",
                          (unsigned long long)rec->id, err.msg);
        pthread_mutex_unlock(&s->op_lock);

        safe_close(fd);
        if (h.pid > 0 || h.mountpoint) /* not used: the attachment is gone or the swap failed */
                (void)rbd_helper_stop(&h, true, 0);
        rbd_helper_clear(&h);
        /* The dead helper: already reaped; its mount holds nothing any more. */
        (void)rbd_helper_stop(&old, true, 0);
        rbd_helper_clear(&old);
        berth_rbd_spec_clear(&rec->spec);
        free(rec);
        return NULL;
}

void attach_helper_exited(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct recovery *rec = NULL;
        struct berth_attach *a;
        struct berth_obj *o;
        siginfo_t si = {};
        pthread_t t;

        pthread_mutex_lock(&s->lock);
        if (store_lookup(s, BERTH_OBJ_ATTACH, id, &o, NULL) < 0) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        a = (struct berth_attach *)o;
        if (a->rbd.watched && actx(s)->supervisor)
                berth_supervisor_unwatch(actx(s)->supervisor, a->rbd.helper.pidfd);
        a->rbd.watched = false;
        (void)waitid(P_PIDFD, (id_t)a->rbd.helper.pidfd, &si, WEXITED | WNOHANG);
        if (a->rbd.stopping || a->rbd.recovering) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        log_error("berth-rbd (pid %d) of attachment %llu ended (%s %d)%s", (int)a->rbd.helper.pid,
                  (unsigned long long)id, si.si_code == CLD_EXITED ? "status" : "signal",
                  si.si_status,
                  a->read_only ? "; starting a new one"
                               : "; a read-write device cannot be swapped: it gives I/O errors "
                                 "until the attachment is deleted");
        if (a->read_only && (rec = calloc(1, sizeof(*rec))) &&
            berth_rbd_spec_copy(&rec->spec, &a->rbd.spec) >= 0) {
                rec->s = s;
                rec->id = id;
                rec->old_pid = a->rbd.helper.pid;
                a->rbd.recovering = true;
        } else if (rec) {
                free(rec);
                rec = NULL;
        }
        pthread_mutex_unlock(&s->lock);
        if (rec) {
                pthread_attr_t attr;
                pthread_attr_init(&attr);
                pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                if (pthread_create(&t, &attr, recover_helper, rec) != 0) {
                        pthread_mutex_lock(&s->lock);
                        if (store_lookup(s, BERTH_OBJ_ATTACH, id, &o, NULL) >= 0)
                                ((struct berth_attach *)o)->rbd.recovering = false;
                        pthread_mutex_unlock(&s->lock);
                        log_error("berth-rbd of attachment %llu: no thread to restart it",
                                  (unsigned long long)id);
                        berth_rbd_spec_clear(&rec->spec);
                        free(rec);
                }
                pthread_attr_destroy(&attr);
        }
}

struct berth_attach *attach_alloc(struct berth_store *s, enum berth_attach_kind kind, bool user)
{
        struct berth_attach *a =
                (struct berth_attach *)store_alloc(s, BERTH_OBJ_ATTACH, sizeof(*a), user);

        if (!a)
                return NULL;
        a->kind = kind;
        a->loopback.fd = -EBADF;
        a->rbd.fd = -EBADF;
        a->rbd.device_id = -1;
        a->rbd.helper.pidfd = -EBADF;
        return a;
}

int attach_build(struct berth_store *s, const void *userspec, struct berth_obj *holder,
                 bool ro_hint, struct berth_obj **ret, struct berth_error *err)
{
        const struct berth_attach_spec *spec = userspec;
        struct berth_attach *a;
        int r;

        a = attach_alloc(s, spec->kind, /* user= */ !holder);
        if (!a)
                return -ENOMEM;

        switch (spec->kind) {
        case BERTH_ATTACH_LOOPBACK:
                r = loopback_attach(s, a, spec, ro_hint, err);
                break;
        case BERTH_ATTACH_LOCAL:
                r = local_attach(a, spec, err);
                break;
        case BERTH_ATTACH_RBD:
                r = rbd_attach(s, a, spec, err);
                break;
        case BERTH_ATTACH_ISCSI:
                r = berth_error_set(err, EOPNOTSUPP,
                                    "attach kind '%s' is not supported by this build of berthd",
                                    berth_attach_kind_to_string(spec->kind));
                break;
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
        default:
                r = berth_error_set(err, EINVAL, "attach.kind is required");
                break;
        }
        if (r >= 0 && holder)
                r = obj_claim(s, &a->obj, holder, /* owner= */ true);
        if (r < 0) {
                (void)attach_drop_device(s, a);
                if (a->kind == BERTH_ATTACH_RBD)
                        (void)rbd_detach(s, a, false, NULL);
                store_free_obj(s, &a->obj);
                return berth_error_ensure(err, r, "attach");
        }
        *ret = &a->obj;
        return 0;
}

int attach_teardown(struct berth_store *s, struct berth_obj *o, bool lazy, bool defer,
                    struct berth_error *err)
{
        struct berth_attach *a = attach_of(o);
        int r;

        (void)defer;
        if (a->kind == BERTH_ATTACH_RBD)
                return rbd_detach(s, a, lazy, err);
        if (a->kind != BERTH_ATTACH_LOOPBACK)
                return 0;
        r = attach_drop_device(s, a);
        if (r < 0)
                return berth_error_set_errno(err, -r, "detach %s", a->device_file);
        return 0;
}

/* Is it in use outside berth (mounted or held by someone else)? 1 / 0 / -errno. */
static int attach_busy(struct berth_store *s, struct berth_attach *a, char *why, size_t size)
{
        if (a->kind == BERTH_ATTACH_RBD && a->rdev)
                return blockdev_users(actx(s)->sysfs_root, a->rdev, actx(s)->mounts_dir, why, size);
        if (a->kind != BERTH_ATTACH_LOOPBACK || a->loopback.fd < 0)
                return 0;
        /* Mounts under berth's own directory belong to other attachments sharing the
         * device. */
        return blockdev_users(actx(s)->sysfs_root, a->rdev, actx(s)->mounts_dir, why, size);
}

int attach_check_delete(struct berth_store *s, struct berth_obj *o, bool force,
                        struct berth_error *err)
{
        char desc[64], why[384];
        int r;

        if (force || attach_busy(s, attach_of(o), why, sizeof(why)) <= 0)
                return 0;
        r = berth_error_set(err, EBUSY, "%s is in use outside berth: %s",
                            berth_obj_describe(o, desc, sizeof(desc)), why);
        (void)berth_error_hint(err, BERTH_HINT_FORCE | BERTH_HINT_WAIT);
        return r;
}

void attach_release(struct berth_store *s, struct berth_obj *o)
{
        struct berth_attach *a = attach_of(o);

        if (a->loopback.mount)
                obj_unclaim(s, &a->loopback.mount->obj, &a->obj);
        a->loopback.mount = NULL;
        free_fields(a);
}

void attach_free_fields(struct berth_obj *o)
{
        struct berth_attach *a = attach_of(o);

        a->loopback.fd = safe_close(a->loopback.fd);
        free_fields(a);
}

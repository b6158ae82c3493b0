/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attachment type: what the store, the records and the recovery need of it
 * (struct berth_obj_ops), and its registration. The kernel side is attach.c.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach-internal.h"
#include "chase.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "loop.h"
#include "macro.h"
#include "mountfs.h"
#include "pidref.h"
#include "rbd.h"
#include "record.h"
#include "recover.h"
#include "strv.h"
#include "supervisor.h"

/* The children an attachment's record names. */
enum {
        SLOT_LOOPBACK_MOUNT,
};

static void attach_for_each_child(struct berth_obj *o, obj_child_fn fn, void *userdata)
{
        struct berth_attach *a = attach_of(o);

        if (a->loopback.mount)
                fn(&a->loopback.mount->obj, userdata);
}

static void attach_spec_ref(const void *spec, struct berth_ref *ret)
{
        const struct berth_attach_spec *a = spec;

        *ret = (struct berth_ref){ .is_ref = a->is_ref, .id = a->ref_id, .kind = a->kind };
}

static int attach_kind(const struct berth_obj *o)
{
        return ((const struct berth_attach *)o)->kind;
}

static const char *attach_kind_name(int kind)
{
        return berth_attach_kind_to_string((enum berth_attach_kind)kind);
}

/* ---- records ------------------------------------------------------------------------- */

static json_t *attach_encode(const struct berth_obj *o)
{
        const struct berth_attach *a = (const struct berth_attach *)o;
        json_t *j = json_pack("{s:s, s:s?, s:b}", "kind", berth_attach_kind_to_string(a->kind),
                              "device_file", a->device_file, "read_only", a->read_only);

        if (!j)
                return NULL;
        switch (a->kind) {
        case BERTH_ATTACH_LOOPBACK: {
                json_t *l = json_pack(
                        "{s:s, s:s, s:b, s:s?, s:I, s:I, s:i}", "path", a->loopback.path, "base",
                        berth_base_to_string(a->loopback.base), "readPartitions",
                        a->loopback.read_partitions, "backing_file", a->loopback.backing_file,
                        "backing_dev", (json_int_t)a->loopback.backing_dev, "backing_ino",
                        (json_int_t)a->loopback.backing_ino, "loop_nr", a->loopback.loop_nr);
                if (l && a->loopback.mount)
                        json_object_set_new(l, "mount",
                                            berth_record_child(&a->obj, &a->loopback.mount->obj));
                json_object_set_new(j, "loopback", l);
                break;
        }
        case BERTH_ATTACH_LOCAL:
                json_object_set_new(j, "local", json_pack("{s:s}", "path", a->local.path));
                break;
        case BERTH_ATTACH_RBD: {
                /* What a restarted berthd needs to find the mapping again; never the
                 * secret. */
                json_t *r = berth_rbd_to_json(a);
                if (r)
                        json_object_set_new(
                                r, "berth",
                                json_pack("{s:b, s:i, s:I, s:I, s:s?, s:i}", "krbd", a->rbd.krbd,
                                          "device_id", a->rbd.device_id, "helper_pid",
                                          (json_int_t)a->rbd.helper.pid, "helper_starttime",
                                          (json_int_t)a->rbd.helper.starttime, "fuse_mountpoint",
                                          a->rbd.helper.mountpoint, "loop_nr", a->rbd.loop_nr));
                json_object_set_new(j, "rbd", r);
                break;
        }
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                break;
        }
        return j;
}

static int attach_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                         struct berth_record_links *links)
{
        enum berth_attach_kind kind = berth_attach_kind_from_string(berth_record_str(j, "kind"));
        struct berth_attach *a;
        json_t *l;
        int r = 0;

        if (kind < 0)
                return -EINVAL;
        a = attach_alloc(s, kind, false);
        if (!a)
                return -ENOMEM;
        *ret = &a->obj;
        a->device_file = berth_record_strdup(j, "device_file");
        a->read_only = berth_record_bool(j, "read_only");
        switch (kind) {
        case BERTH_ATTACH_LOOPBACK:
                l = json_object_get(j, "loopback");
                a->loopback.path = berth_record_strdup(l, "path");
                a->loopback.base = berth_base_from_string(berth_record_str(l, "base"));
                a->loopback.read_partitions = berth_record_bool(l, "readPartitions");
                a->loopback.backing_file = berth_record_strdup(l, "backing_file");
                a->loopback.backing_dev = (dev_t)berth_record_int(l, "backing_dev", 0);
                a->loopback.backing_ino = (ino_t)berth_record_int(l, "backing_ino", 0);
                a->loopback.loop_nr = (int)berth_record_int(l, "loop_nr", -1);
                if (!a->loopback.path || !a->loopback.backing_file || a->loopback.base < 0)
                        return -EINVAL;
                if (json_object_get(l, "mount"))
                        r = berth_record_add_link(links, &a->obj, SLOT_LOOPBACK_MOUNT, 0,
                                                  BERTH_OBJ_MOUNT, json_object_get(l, "mount"));
                break;
        case BERTH_ATTACH_LOCAL:
                a->local.path = berth_record_strdup(json_object_get(j, "local"), "path");
                if (!a->local.path)
                        return -EINVAL;
                break;
        case BERTH_ATTACH_RBD: {
                json_t *rb = json_object_get(j, "rbd"), *b = json_object_get(rb, "berth");
                r = berth_rbd_from_json(rb, &a->rbd.spec);
                if (r < 0)
                        return r;
                a->rbd.krbd = berth_record_bool(b, "krbd");
                a->rbd.device_id = (int)berth_record_int(b, "device_id", -1);
                a->rbd.helper.pid = (pid_t)berth_record_int(b, "helper_pid", 0);
                a->rbd.helper.starttime = (uint64_t)berth_record_int(b, "helper_starttime", 0);
                a->rbd.helper.mountpoint = berth_record_strdup(b, "fuse_mountpoint");
                a->rbd.loop_nr = (int)berth_record_int(b, "loop_nr", -1);
                break;
        }
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                return -EINVAL;
        }
        if (r >= 0 && !a->device_file)
                r = -EINVAL;
        return r;
}

static void attach_link(struct berth_obj *parent, unsigned slot, size_t index,
                        struct berth_obj *child)
{
        (void)index;
        if (slot == SLOT_LOOPBACK_MOUNT)
                attach_of(parent)->loopback.mount = berth_obj_to_mount(child);
}

/* ---- re-adoption after a restart of berthd (recover.c) ------------------------------ */

/* An fd of /dev/loopNR if the device still has the file dev:ino, else -ESTALE. */
static int loop_open_checked(int nr, bool ro, dev_t dev, ino_t ino)
{
        struct loop_info64 info = {};
        char p[64];
        int fd;

        if (nr < 0)
                return -ENOENT;
        (void)snprintf(p, sizeof(p), "/dev/loop%d", nr);
        fd = open(p, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0 || info.lo_device != (uint64_t)dev ||
            info.lo_inode != (uint64_t)ino) {
                (void)close(fd);
                return -ESTALE;
        }
        return fd;
}

/* The file of a loop device that vanished (autoclear: nothing had it mounted when the
 * old berthd's fd closed) is attached again, if it is still the same file. */
static int loop_reattach(struct berth_store *s, struct berth_attach *a, const char *file, dev_t dev,
                         ino_t ino, bool partscan, int *nr, int *ret_fd, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        {
                _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                fd = root < 0 ? -errno
                              : open_regular_in_root(root, file, a->read_only ? O_RDONLY : O_RDWR);
        }
        if (fd < 0)
                return berth_error_set_errno(err, -fd, "open '%s'", file);
        if (fstat(fd, &st) < 0)
                return berth_error_set_errno(err, errno, "stat '%s'", file);
        if (st.st_dev != dev || st.st_ino != ino)
                return berth_error_set(err, ESTALE, "'%s' is not the file that was attached", file);
        r = attach_check_not_attached(s, a, dev, ino, a->read_only, partscan, nr, err);
        if (r < -1)
                return r;
        if (r >= 0) {
                *ret_fd = r;
                return 0;
        }
        return loop_attach(fd, file, a->read_only, partscan, nr, ret_fd, err);
}

static int set_device(struct berth_attach *a, int fd, int nr)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        free(a->device_file);
        if (asprintf(&a->device_file, "/dev/loop%d", nr) < 0) {
                a->device_file = NULL;
                return -ENOMEM;
        }
        a->rdev = st.st_rdev;
        return 0;
}

static int loopback_readopt(struct berth_store *s, struct berth_attach *a, bool may_rebuild,
                            struct berth_error *err)
{
        int fd, r;

        fd = loop_open_checked(a->loopback.loop_nr, a->read_only, a->loopback.backing_dev,
                               a->loopback.backing_ino);
        if (fd >= 0) {
                a->loopback.fd = fd;
                return set_device(a, fd, a->loopback.loop_nr);
        }
        if (!may_rebuild)
                return berth_error_set(err, ENODEV, "%s is gone and its base mount too",
                                       a->device_file);
        r = loop_reattach(s, a, a->loopback.backing_file, a->loopback.backing_dev,
                          a->loopback.backing_ino, a->loopback.read_partitions,
                          &a->loopback.loop_nr, &a->loopback.fd, err);
        if (r < 0)
                return r;
        r = set_device(a, a->loopback.fd, a->loopback.loop_nr);
        return r < 0 ? r : 1;
}

static int rbd_readopt(struct berth_store *s, struct berth_attach *a, struct berth_error *err)
{
        _cleanup_free_ char *image = NULL;
        struct stat st;
        int fd, r;

        if (a->rbd.krbd) {
                char dev[128];
                int id = krbd_find(actx(s)->sysfs_root, &a->rbd.spec);
                if (id < 0)
                        return berth_error_set(err, ENODEV, "rbd image %s/%s is no longer mapped",
                                               a->rbd.spec.pool, a->rbd.spec.image);
                (void)snprintf(dev, sizeof(dev), "%s/rbd%d", actx(s)->dev_root, id);
                free(a->device_file);
                a->device_file = strdup(dev);
                if (!a->device_file)
                        return -ENOMEM;
                if (stat(dev, &st) >= 0)
                        a->rdev = st.st_rdev;
                r = id == a->rbd.device_id ? 0 : 1;
                a->rbd.device_id = id;
                return r;
        }
        /* berth-rbd: the same process (pid and start time) with its FUSE mount. */
        fd = pidfd_open_checked(a->rbd.helper.pid, a->rbd.helper.starttime);
        if (fd < 0 || !a->rbd.helper.mountpoint ||
            mountfs_is_mountpoint(a->rbd.helper.mountpoint) <= 0) {
                safe_close(fd);
                return berth_error_set(err, ESRCH, "berth-rbd (pid %d) of rbd image %s/%s is gone",
                                       (int)a->rbd.helper.pid, a->rbd.spec.pool, a->rbd.spec.image);
        }
        a->rbd.helper.pidfd = fd;
        if (asprintf(&image, "%s/image", a->rbd.helper.mountpoint) < 0)
                return -ENOMEM;
        if (stat(image, &st) < 0)
                return berth_error_set_errno(err, errno, "stat '%s'", image);
        fd = loop_open_checked(a->rbd.loop_nr, a->read_only, st.st_dev, st.st_ino);
        if (fd >= 0) {
                a->rbd.fd = fd;
                return set_device(a, fd, a->rbd.loop_nr);
        }
        r = loop_reattach(s, a, image, st.st_dev, st.st_ino, false, &a->rbd.loop_nr, &a->rbd.fd,
                          err);
        if (r < 0)
                return r;
        r = set_device(a, a->rbd.fd, a->rbd.loop_nr);
        return r < 0 ? r : 1;
}

static int attach_readopt(struct berth_store *s, struct berth_obj *o, bool may_rebuild,
                          struct berth_error *err)
{
        struct berth_attach *a = attach_of(o);
        struct stat st;

        switch (a->kind) {
        case BERTH_ATTACH_LOOPBACK:
                return loopback_readopt(s, a, may_rebuild, err);
        case BERTH_ATTACH_LOCAL:
                if (stat(a->local.path, &st) < 0 || !S_ISBLK(st.st_mode))
                        return berth_error_set(err, ENODEV, "'%s' is no longer a block device",
                                               a->local.path);
                a->rdev = st.st_rdev;
                return 0;
        case BERTH_ATTACH_RBD:
                return rbd_readopt(s, a, err);
        case BERTH_ATTACH_ISCSI:
        case _BERTH_ATTACH_KIND_MAX:
        case _BERTH_ATTACH_KIND_INVALID:
                break;
        }
        return berth_error_set(err, EINVAL, "unknown attachment kind");
}

/* berth-rbd processes serving a mountpoint under <state>/rbd that no attachment knows
 * (a crash between the helper's start and the record): ended through a pidfd. */
static unsigned sweep_helpers(struct berth_store *s)
{
        _cleanup_free_ char *prefix = NULL;
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        if (asprintf(&prefix, "%s/", actx(s)->rbd_dir) < 0)
                return 0;
        d = opendir("/proc");
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *cmd = NULL;
                char path[64];
                size_t len = 0;
                bool ours = false, known = false;
                pid_t pid;
                int fd;

                if (de->d_name[0] < '1' || de->d_name[0] > '9')
                        continue;
                pid = (pid_t)atoi(de->d_name);
                (void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
                if (read_file(path, 1 << 16, &cmd, &len) < 0 || !strstr(cmd, "berth-rbd"))
                        continue;
                for (size_t i = 0; i + strlen(prefix) <= len && !ours; i += strlen(cmd + i) + 1)
                        ours = strncmp(cmd + i, prefix, strlen(prefix)) == 0;
                for (struct berth_obj *o = s->all; o && ours && !known; o = o->all_next)
                        known = o->type == BERTH_OBJ_ATTACH &&
                                ((struct berth_attach *)o)->rbd.helper.pid == pid;
                if (!ours || known)
                        continue;
                fd = pidfd_open_checked(pid, 0);
                if (fd < 0)
                        continue;
                /* Checked again through the pidfd: still a berth-rbd of ours. */
                {
                        _cleanup_free_ char *again = NULL;
                        if (read_file(path, 1 << 16, &again, NULL) < 0 ||
                            !strstr(again, "berth-rbd")) {
                                safe_close(fd);
                                continue;
                        }
                }
                log_info("Stopping berth-rbd (pid %d): no attachment uses it (left by a berthd "
                         "that died)",
                         (int)pid);
                (void)rbd_helper_stop(&(struct rbd_helper){ .pid = pid, .pidfd = fd }, false, 3000);
                safe_close(fd);
                n++;
        }
        if (d)
                closedir(d);
        return n;
}

static void attach_known_paths(const struct berth_obj *o, char ***l)
{
        const struct berth_attach *a = (const struct berth_attach *)o;

        if (a->kind == BERTH_ATTACH_RBD && a->rbd.helper.mountpoint)
                (void)strv_extend(l, a->rbd.helper.mountpoint);
}

static unsigned attach_sweep(struct berth_store *s, char *const *known)
{
        unsigned n = sweep_helpers(s);

        return n + berth_sweep_dir(actx(s)->rbd_dir, known);
}

static void attach_adopted(struct berth_store *s, struct berth_obj *o, bool changed)
{
        attach_committed(s, o);
        if (changed)
                (void)store_save(s, o, NULL);
}

/* ---- the type ------------------------------------------------------------------------- */

static void attach_done(struct berth_store *s, void *data)
{
        struct attach_ctx *A = data;

        (void)s;
        if (!A)
                return;
        attach_free_lingering(A);
        pthread_mutex_destroy(&A->krbd_lock);
        free(A->sysfs_root);
        free(A->dev_root);
        free(A->ceph_conf);
        free(A->rbd_helper);
        free(A->rbd_dir);
        free(A->mounts_dir);
        free(A);
}

static const struct berth_obj_ops attach_ops = {
        .build = attach_build,
        .spec_ref = attach_spec_ref,
        .kind = attach_kind,
        .kind_name = attach_kind_name,
        .for_each_child = attach_for_each_child,
        .check_delete = attach_check_delete,
        .teardown = attach_teardown,
        .release = attach_release,
        .free_fields = attach_free_fields,
        .committed = attach_committed,
        .encode = attach_encode,
        .decode = attach_decode,
        .link = attach_link,
        .readopt = attach_readopt,
        .adopted = attach_adopted,
        .known_paths = attach_known_paths,
        .sweep = attach_sweep,
        .done = attach_done,
};

int berth_attach_type_register(struct berth_store *s, const struct berth_attach_config *cfg,
                               struct berth_supervisor *sup, struct berth_error *err)
{
        struct attach_ctx *A = calloc(1, sizeof(*A));
        int r;

        if (!A)
                return -ENOMEM;
        pthread_mutex_init(&A->krbd_lock, NULL);
        A->sysfs_root = strdup(cfg->sysfs_root ? cfg->sysfs_root : "/sys");
        A->dev_root = strdup(cfg->dev_root ? cfg->dev_root : "/dev");
        A->ceph_conf = strdup(cfg->ceph_conf ? cfg->ceph_conf : "/etc/ceph/ceph.conf");
        A->rbd_helper =
                cfg->rbd_helper ? strdup(cfg->rbd_helper) : find_helper("berth-rbd", "BERTH_RBD");
        if (!A->sysfs_root || !A->dev_root || !A->ceph_conf ||
            asprintf(&A->rbd_dir, "%s/rbd", s->state_dir) < 0 ||
            asprintf(&A->mounts_dir, "%s/mounts", s->state_dir) < 0) {
                attach_done(s, A);
                return -ENOMEM;
        }
        A->supervisor = sup;
        if (sup) {
                A->watch_helper = berth_supervisor_handler(sup, attach_helper_exited, s);
                A->watch_linger = berth_supervisor_handler(sup, attach_linger_exited, s);
                if (A->watch_helper < 0 || A->watch_linger < 0) {
                        attach_done(s, A);
                        return berth_error_set(err, ENOSPC, "no supervisor handler left");
                }
        }
        r = berth_store_register_type(s, BERTH_OBJ_ATTACH, &attach_ops, A);
        if (r < 0) {
                attach_done(s, A);
                return berth_error_set_errno(err, -r, "register the attachment type");
        }
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount type: what the store, the records and the recovery need of it (struct
 * berth_obj_ops), and its registration. The kernel side is mount.c.
 */
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
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "mount-internal.h"
#include "mountfs.h"
#include "record.h"
#include "recover.h"
#include "strv.h"

/* The children a mount's record names. */
enum {
        SLOT_ATTACH,     /* attach.attach */
        SLOT_LOWER,      /* overlay.lower[index] */
        SLOT_BIND_MOUNT, /* bind.mount */
};

static void mount_spec_ref(const void *spec, struct berth_ref *ret)
{
        const struct berth_mount_spec *m = spec;

        *ret = (struct berth_ref){ .is_ref = m->is_ref, .id = m->ref_id, .kind = m->kind };
}

static int mount_kind(const struct berth_obj *o)
{
        return ((const struct berth_mount *)o)->kind;
}

static const char *mount_kind_name(int kind)
{
        return berth_mount_kind_to_string((enum berth_mount_kind)kind);
}

/* ---- records ------------------------------------------------------------------------- */

static json_t *mount_encode(const struct berth_obj *o)
{
        const struct berth_mount *m = (const struct berth_mount *)o;
        json_t *j = json_pack("{s:s, s:s?, s:b, s:b}", "kind", berth_mount_kind_to_string(m->kind),
                              "mountpoint", m->mountpoint, "read_only", m->read_only, "detached",
                              m->detached);

        if (!j)
                return NULL;
        switch (m->kind) {
        case BERTH_MOUNT_ATTACH: {
                json_t *opts = berth_strv_to_json(m->attach.options);
                json_object_set_new(j, "attach",
                                    json_pack("{s:o, s:s, s:o}", "attach",
                                              berth_record_child(&m->obj, &m->attach.attach->obj),
                                              "fs_type", m->attach.fs_type, "mount_options", opts));
                break;
        }
        case BERTH_MOUNT_OVERLAY: {
                json_t *lower = json_array();
                for (size_t i = 0; i < m->overlay.n_lower; i++)
                        json_array_append_new(
                                lower, berth_record_child(&m->obj, &m->overlay.lower[i]->obj));
                json_object_set_new(
                        j, "overlay",
                        json_pack("{s:o, s:s?, s:s?, s:s?, s:I, s:b}", "lower", lower, "upperdir",
                                  m->overlay.upperdir, "workdir", m->overlay.workdir, "upper_mount",
                                  m->overlay.upper_mount, "upper_size",
                                  (json_int_t)m->overlay.upper_size, "dev", m->overlay.dev));
                break;
        }
        case BERTH_MOUNT_BIND: {
                json_t *b =
                        json_pack("{s:s, s:s, s:b, s:b, s:s?}", "path", m->bind.path, "base",
                                  berth_base_to_string(m->bind.base), "recursive",
                                  m->bind.recursive, "ro", m->bind.ro, "source", m->bind.source);
                if (b && m->bind.mount)
                        json_object_set_new(b, "mount",
                                            berth_record_child(&m->obj, &m->bind.mount->obj));
                json_object_set_new(j, "bind", b);
                break;
        }
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                break;
        }
        return j;
}

static int mount_decode(struct berth_store *s, json_t *j, struct berth_obj **ret,
                        struct berth_record_links *links)
{
        enum berth_mount_kind kind = berth_mount_kind_from_string(berth_record_str(j, "kind"));
        struct berth_mount *m;
        json_t *d, *v;
        size_t i;
        int r = 0;

        if (kind < 0)
                return -EINVAL;
        m = mount_alloc(s, kind, false);
        if (!m)
                return -ENOMEM;
        *ret = &m->obj;
        m->mountpoint = berth_record_strdup(j, "mountpoint");
        m->read_only = berth_record_bool(j, "read_only");
        m->detached = berth_record_bool(j, "detached");
        switch (kind) {
        case BERTH_MOUNT_ATTACH:
                d = json_object_get(j, "attach");
                m->attach.fs_type = berth_record_strdup(d, "fs_type");
                m->attach.options = berth_record_strv(d, "mount_options");
                if (!m->attach.fs_type || !m->attach.options)
                        return -EINVAL;
                r = berth_record_add_link(links, &m->obj, SLOT_ATTACH, 0, BERTH_OBJ_ATTACH,
                                          json_object_get(d, "attach"));
                break;
        case BERTH_MOUNT_OVERLAY:
                d = json_object_get(j, "overlay");
                m->overlay.upperdir = berth_record_strdup(d, "upperdir");
                m->overlay.workdir = berth_record_strdup(d, "workdir");
                m->overlay.upper_mount = berth_record_strdup(d, "upper_mount");
                m->overlay.upper_size =
                        (uint64_t)json_integer_value(json_object_get(d, "upper_size"));
                m->overlay.dev = berth_record_bool(d, "dev");
                m->overlay.lower =
                        calloc(json_array_size(json_object_get(d, "lower")) + 1, sizeof(void *));
                if (!m->overlay.lower)
                        return -ENOMEM;
                json_array_foreach (json_object_get(d, "lower"), i, v)
                        if (r >= 0)
                                r = berth_record_add_link(links, &m->obj, SLOT_LOWER, i,
                                                          BERTH_OBJ_MOUNT, v);
                if (r >= 0 && json_array_size(json_object_get(d, "lower")) == 0)
                        r = -EINVAL;
                break;
        case BERTH_MOUNT_BIND:
                d = json_object_get(j, "bind");
                m->bind.path = berth_record_strdup(d, "path");
                m->bind.base = berth_base_from_string(berth_record_str(d, "base"));
                m->bind.recursive = berth_record_bool(d, "recursive");
                m->bind.ro = berth_record_bool(d, "ro");
                m->bind.source = berth_record_strdup(d, "source");
                if (!m->bind.path || m->bind.base < 0)
                        return -EINVAL;
                if (json_object_get(d, "mount"))
                        r = berth_record_add_link(links, &m->obj, SLOT_BIND_MOUNT, 0,
                                                  BERTH_OBJ_MOUNT, json_object_get(d, "mount"));
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
                return -EINVAL;
        }
        if (r >= 0 && !m->mountpoint && !m->detached)
                r = -EINVAL;
        return r;
}

static void mount_link(struct berth_obj *parent, unsigned slot, size_t index,
                       struct berth_obj *child)
{
        struct berth_mount *m = mount_of(parent);

        switch (slot) {
        case SLOT_ATTACH:
                m->attach.attach = berth_obj_to_attach(child);
                break;
        case SLOT_LOWER:
                m->overlay.lower[index] = berth_obj_to_mount(child);
                m->overlay.n_lower = MAX(m->overlay.n_lower, index + 1);
                break;
        case SLOT_BIND_MOUNT:
                m->bind.mount = berth_obj_to_mount(child);
                break;
        }
}

/* ---- re-adoption after a restart of berthd (recover.c) ------------------------------ */

static void mount_for_each_child(struct berth_obj *o, obj_child_fn fn, void *userdata)
{
        struct berth_mount *m = mount_of(o);

        if (m->attach.attach)
                fn(&m->attach.attach->obj, userdata);
        for (size_t i = 0; i < m->overlay.n_lower; i++)
                fn(&m->overlay.lower[i]->obj, userdata);
        if (m->bind.mount)
                fn(&m->bind.mount->obj, userdata);
}
/* Is the recorded mount still there, and on what it should be on? */
static bool mount_present(struct berth_mount *m)
{
        struct stat st;

        if (mountfs_is_mountpoint(m->mountpoint) <= 0)
                return false;
        if (m->kind == BERTH_MOUNT_ATTACH && m->attach.attach->rdev)
                return stat(m->mountpoint, &st) >= 0 && st.st_dev == m->attach.attach->rdev;
        return true;
}

static int mount_readopt(struct berth_store *s, struct berth_obj *o, bool may_rebuild,
                         struct berth_error *err)
{
        struct berth_mount *m = mount_of(o);
        _cleanup_close_ int base_fd = -EBADF, fd = -EBADF;
        struct stat st;
        char src[64];
        int r;

        (void)s;
        if (m->detached)
                return 0;
        m->mountpoint_is_file = lstat(m->mountpoint, &st) >= 0 && S_ISREG(st.st_mode);
        r = 0;
        if (mount_present(m))
                goto done;

        /* Gone (unmounted behind berth's back, or never made: berthd died in between):
         * mounted again from the record, on the same mountpoint. */
        if (!may_rebuild)
                return berth_error_set(err, ENOENT,
                                       "'%s' is no longer mounted and what it "
                                       "was made of is gone",
                                       m->mountpoint);
        if (mountfs_is_mountpoint(m->mountpoint) > 0)
                return berth_error_set(err, EBUSY, "'%s' has another file system mounted on it",
                                       m->mountpoint);
        switch (m->kind) {
        case BERTH_MOUNT_ATTACH:
                if (mkdir(m->mountpoint, 0755) < 0 && errno != EEXIST)
                        return berth_error_set_errno(err, errno, "create '%s'", m->mountpoint);
                r = mount_attach_do(m, err);
                break;
        case BERTH_MOUNT_OVERLAY:
                if (!m->overlay.upperdir || access(m->overlay.upperdir, F_OK) < 0)
                        return berth_error_set(err, ENOENT,
                                               "the overlay's upper directory is gone");
                if (mkdir(m->mountpoint, 0755) < 0 && errno != EEXIST)
                        return berth_error_set_errno(err, errno, "create '%s'", m->mountpoint);
                r = mount_overlay_do(m, err);
                break;
        case BERTH_MOUNT_BIND:
                base_fd = open(m->bind.mount ? m->bind.mount->mountpoint : "/",
                               O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (base_fd < 0)
                        return berth_error_set_errno(err, errno, "open the base of bind.path");
                fd = open_in_root(base_fd, m->bind.path, O_PATH, 0);
                if (fd < 0 || fstat(fd, &st) < 0)
                        return berth_error_set(err, ENOENT, "bind.path '%s' is gone", m->bind.path);
                if (S_ISDIR(st.st_mode))
                        r = RET_NERRNO(mkdir(m->mountpoint, 0755));
                else
                        r = RET_NERRNO(open(m->mountpoint,
                                            O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
                if (r >= 0 && !S_ISDIR(st.st_mode))
                        (void)close(r);
                if (r < 0 && r != -EEXIST)
                        return berth_error_set_errno(err, -r, "create '%s'", m->mountpoint);
                m->mountpoint_is_file = !S_ISDIR(st.st_mode);
                (void)snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
                r = mount_bind_do(m, src, err);
                break;
        case BERTH_MOUNT_NFS:
        case BERTH_MOUNT_URI:
        case _BERTH_MOUNT_KIND_MAX:
        case _BERTH_MOUNT_KIND_INVALID:
        default:
                r = berth_error_set(err, EINVAL, "unknown mount kind");
                break;
        }
        if (r < 0)
                return r;
        r = 1;
done:
        if (mountfs_is_read_only(m->mountpoint) >= 0)
                m->read_only = mountfs_is_read_only(m->mountpoint) > 0;
        return r;
}

static void mount_forget(struct berth_store *s, struct berth_obj *o)
{
        (void)s;
        mount_of(o)->detached = true;
}

static void mount_known_paths(const struct berth_obj *o, char ***l)
{
        const struct berth_mount *m = (const struct berth_mount *)o;
        const char *paths[] = { m->detached ? NULL : m->mountpoint, m->overlay.upperdir,
                                m->overlay.workdir, m->overlay.upper_mount };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (paths[i])
                        (void)strv_extend(l, paths[i]);
}

static unsigned mount_sweep(struct berth_store *s, char *const *known)
{
        return berth_sweep_dir(mctx(s)->mounts_dir, known);
}

/* ---- the type ------------------------------------------------------------------------- */

static void mount_done(struct berth_store *s, void *data)
{
        struct mount_ctx *M = data;

        (void)s;
        if (!M)
                return;
        free(M->mounts_dir);
        free(M);
}

static const struct berth_obj_ops mount_ops = {
        .build = mount_build,
        .spec_ref = mount_spec_ref,
        .kind = mount_kind,
        .kind_name = mount_kind_name,
        .for_each_child = mount_for_each_child,
        .teardown = mount_teardown,
        .finalize = mount_finalize,
        .release = mount_release,
        .free_fields = mount_free_fields,
        .encode = mount_encode,
        .decode = mount_decode,
        .link = mount_link,
        .readopt = mount_readopt,
        .forget = mount_forget,
        .known_paths = mount_known_paths,
        .sweep = mount_sweep,
        .done = mount_done,
};

int berth_mount_type_register(struct berth_store *s, const struct berth_mount_config *cfg,
                              struct berth_error *err)
{
        struct mount_ctx *M = calloc(1, sizeof(*M));
        int r;

        if (!M || asprintf(&M->mounts_dir, "%s/mounts", s->state_dir) < 0) {
                free(M);
                return -ENOMEM;
        }
        M->overlay_upper_size = cfg->overlay_upper_size;
        r = mkdir_p(M->mounts_dir, 0700);
        if (r >= 0)
                r = berth_store_register_type(s, BERTH_OBJ_MOUNT, &mount_ops, M);
        if (r < 0) {
                berth_error_set_errno(err, -r, "mounts directory '%s'", M->mounts_dir);
                mount_done(s, M);
                return r;
        }
        return 0;
}

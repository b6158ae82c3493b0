/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <libmount.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup.h"
#include "cgroup-devices.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"

static const char *const ctrl_names[_BERTH_CG_MAX] = {
        [BERTH_CG_MEMORY] = "memory",
        [BERTH_CG_PIDS] = "pids",
        [BERTH_CG_CPU] = "cpu",
        [BERTH_CG_CPUACCT] = "cpuacct",
        [BERTH_CG_CPUSET] = "cpuset",
        [BERTH_CG_FREEZER] = "freezer",
        [BERTH_CG_DEVICES] = "devices",
        [BERTH_CG_BLKIO] = "blkio",
        [BERTH_CG_SYSTEMD] = "name=systemd",
};

static const char *const layout_names[_BERTH_CGROUP_LAYOUT_MAX] = {
        [BERTH_CGROUP_UNIFIED] = "unified",
        [BERTH_CGROUP_HYBRID] = "hybrid",
        [BERTH_CGROUP_LEGACY] = "legacy",
        [BERTH_CGROUP_NONE] = "none",
};

const char *berth_cgroup_layout_to_string(enum berth_cgroup_layout l)
{
        return l < _BERTH_CGROUP_LAYOUT_MAX ? layout_names[l] : NULL;
}

/* ---- detection ------------------------------------------------------------------ */

static void note_v1(struct berth_cgroup_system *cs, const char *target, const char *opts)
{
        for (int c = 0; c < _BERTH_CG_MAX; c++) {
                char *match = NULL;

                if (cs->v1[c])
                        continue;
                if (mnt_optstr_get_option(opts, ctrl_names[c], &match, NULL) == 0 ||
                    (c == BERTH_CG_SYSTEMD && strstr(opts, "name=systemd")))
                        cs->v1[c] = strdup(target);
        }
}

int berth_cgroup_system_detect(const char *root, const char *parent,
                               struct berth_cgroup_system **ret, struct berth_error *err)
{
        struct berth_cgroup_system *cs;
        struct libmnt_table *tb;
        struct libmnt_iter *itr;
        struct libmnt_fs *fs;
        size_t rl = strlen(root);
        bool any_v1 = false;

        cs = calloc(1, sizeof(*cs));
        if (!cs || !(cs->parent = strdup(parent))) {
                free(cs);
                return -ENOMEM;
        }
        cs->devices_prog = -EBADF;
        tb = mnt_new_table_from_file("/proc/self/mountinfo");
        itr = mnt_new_iter(MNT_ITER_FORWARD);
        if (!tb || !itr) {
                mnt_unref_table(tb);
                mnt_free_iter(itr);
                berth_cgroup_system_free(cs);
                return berth_error_set(err, ENOMEM, "read /proc/self/mountinfo");
        }
        while (mnt_table_next_fs(tb, itr, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs), *type = mnt_fs_get_fstype(fs);

                if (!t || !type || strncmp(t, root, rl) != 0 || (t[rl] != '/' && t[rl] != 0))
                        continue;
                if (streq(type, "cgroup2") && !cs->v2)
                        cs->v2 = strdup(t);
                else if (streq(type, "cgroup")) {
                        note_v1(cs, t, mnt_fs_get_vfs_options(fs) ?: "");
                        note_v1(cs, t, mnt_fs_get_fs_options(fs) ?: "");
                        any_v1 = true;
                }
        }
        mnt_free_iter(itr);
        mnt_unref_table(tb);

        if (cs->v2) {
                _cleanup_free_ char *ctrls = NULL;
                if (cgroup_read_str(cs->v2, "cgroup.controllers", &ctrls) >= 0)
                        for (int c = 0; c < _BERTH_CG_MAX; c++) {
                                const char *n = c == BERTH_CG_FREEZER ? NULL : ctrl_names[c];
                                char *hit = n ? strstr(ctrls, n) : NULL;
                                if (hit && (hit == ctrls || hit[-1] == ' ') &&
                                    (hit[strlen(n)] == 0 || hit[strlen(n)] == ' ' ||
                                     hit[strlen(n)] == '\n'))
                                        cs->v2_has[c] = true;
                        }
                /* v2 has no freezer controller: cgroup.freeze is in every group. */
                cs->v2_has[BERTH_CG_FREEZER] = true;
        }
        if (cs->v2 && !any_v1)
                cs->layout = BERTH_CGROUP_UNIFIED;
        else if (cs->v2)
                cs->layout = BERTH_CGROUP_HYBRID;
        else if (any_v1)
                cs->layout = BERTH_CGROUP_LEGACY;
        else
                cs->layout = BERTH_CGROUP_NONE;
        *ret = cs;
        return 0;
}

struct berth_cgroup_system *berth_cgroup_system_free(struct berth_cgroup_system *cs)
{
        if (!cs)
                return NULL;
        free(cs->v2);
        for (int c = 0; c < _BERTH_CG_MAX; c++)
                free(cs->v1[c]);
        free(cs->parent);
        free(cs->extra);
        safe_close(cs->devices_prog);
        free(cs);
        return NULL;
}

/* Make berth's parent group in hierarchy hier, unless it exists; *ret_path: its path.
 * Returns 1 when made, 0 when it existed, -errno (err set, but not for ENOMEM). */
static int make_parent(const struct berth_cgroup_system *cs, const char *hier, char **ret_path,
                       struct berth_error *err)
{
        char *p;

        if (asprintf(&p, "%s/%s", hier, cs->parent) < 0)
                return -ENOMEM;
        *ret_path = p;
        if (mkdir(p, 0755) >= 0)
                return 1;
        if (errno != EEXIST)
                return berth_error_set_errno(err, errno, "create cgroup '%s'", p);
        return 0;
}

int berth_cgroup_system_prepare(struct berth_cgroup_system *cs, struct berth_error *err)
{
        int r;

        if (cs->v1[BERTH_CG_DEVICES]) {
                _cleanup_free_ char *p = NULL;
                /* Whoever made the parent before (another version, an operator), its list
                 * is berth's from now on; the kernel narrows the groups below with it. */
                r = make_parent(cs, cs->v1[BERTH_CG_DEVICES], &p, err);
                if (r < 0)
                        return r;
                r = berth_devices_v1_set(p, cs->extra, cs->n_extra);
                if (r < 0)
                        return berth_error_set_errno(err, -r, "set the device allow-list in '%s'",
                                                     p);
        }
        if (cs->v2 && cs->devices_prog < 0) {
                r = berth_devices_bpf_load(NULL, err);
                if (r < 0)
                        return r;
                cs->devices_prog = r;
        }
        return 0;
}

/* rmdir, waiting (up to tries times, sleep_ns each) while a group is busy: its last
 * process may still be exiting. Returns 0 / -errno. */
static int rmdir_group(const char *path, int tries, long sleep_ns)
{
        while (rmdir(path) < 0) {
                if (errno != EBUSY || tries-- <= 0)
                        return -errno;
                (void)nanosleep(&(struct timespec){ .tv_nsec = sleep_ns }, NULL);
        }
        return 0;
}

/* Groups of zygotes ("z<N>") under the parent: empty once every zygote is gone, but a
 * removal that gave up while one was still ending (a busy machine) leaves them. The
 * parent is this berthd's alone (berthd claims it), so they are its own. */
static void prune_zygote_groups(const char *parent)
{
        DIR *d = opendir(parent);
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] != 'z' || !de->d_name[1] ||
                    strspn(de->d_name + 1, "0123456789") != strlen(de->d_name + 1) ||
                    asprintf(&p, "%s/%s", parent, de->d_name) < 0)
                        continue;
                (void)rmdir_group(p, 2000, 1000 * 1000);
        }
        if (d)
                closedir(d);
}

void berth_cgroup_system_prune(const struct berth_cgroup_system *cs)
{
        if (!cs)
                return;
        for (int c = -1; c < _BERTH_CG_MAX; c++) {
                const char *h = c < 0 ? cs->v2 : cs->v1[c];
                _cleanup_free_ char *p = NULL;

                if (!h || asprintf(&p, "%s/%s", h, cs->parent) < 0)
                        continue;
                prune_zygote_groups(p);
                (void)rmdir(p); /* EBUSY/ENOTEMPTY: still in use */
        }
}

/* ---- creation ------------------------------------------------------------------- */

/* Where a controller is: v2 when the v2 tree has it enabled, else its v1 hierarchy. */
static bool use_v2(const struct berth_cgroup_system *cs, enum berth_cgroup_ctrl c)
{
        return cs->v2 && cs->v2_has[c];
}

static int mkdir_group(const char *path, struct berth_error *err)
{
        if (mkdir(path, 0755) >= 0)
                return 0;
        if (errno != EEXIST)
                return berth_error_set_errno(err, errno, "create cgroup '%s'", path);
        /* A group left by a container that died with berthd: reuse it when empty. */
        if (rmdir(path) < 0)
                return berth_error_set(err, EEXIST, "cgroup '%s' exists and is in use", path);
        return RET_NERRNO(mkdir(path, 0755)) < 0
                       ? berth_error_set_errno(err, errno, "create cgroup '%s'", path)
                       : 0;
}

static int ensure_parent(const struct berth_cgroup_system *cs, const char *hier,
                         enum berth_cgroup_ctrl c, struct berth_error *err)
{
        _cleanup_free_ char *p = NULL;
        int r = make_parent(cs, hier, &p, err);

        if (r <= 0)
                return r;
        if (c == BERTH_CG_CPUSET)
                (void)cgroup_cpuset_inherit(p);
        /* The device allow-list is set on the parent (and again by
         * berth_cgroup_system_prepare()): a new v1 devices group starts with its
         * parent's list, so no container start pays for it. */
        if (c == BERTH_CG_DEVICES && berth_devices_v1_set(p, cs->extra, cs->n_extra) < 0)
                return berth_error_set_errno(err, errno, "set the device allow-list in '%s'", p);
        if (hier == cs->v2 && cs->layout == BERTH_CGROUP_UNIFIED) {
                /* Delegate the controllers berth sets limits with. Errors are not fatal:
                 * a controller that cannot be enabled just has no limit. */
                static const char *const enable[] = { "+memory", "+pids", "+cpu", "+cpuset" };
                for (size_t i = 0; i < ELEMENTSOF(enable); i++) {
                        (void)berth_cgroup_write(hier, "cgroup.subtree_control", enable[i]);
                        (void)berth_cgroup_write(p, "cgroup.subtree_control", enable[i]);
                }
        }
        return 0;
}

static bool has_path(const struct berth_cgroup *cg, const char *path)
{
        for (size_t i = 0; i < cg->n_paths; i++)
                if (streq(cg->paths[i], path))
                        return true;
        return false;
}

static int add_path(struct berth_cgroup *cg, const char *path)
{
        for (size_t i = 0; i < cg->n_paths; i++)
                if (streq(cg->paths[i], path))
                        return 0;
        if (cg->n_paths >= BERTH_CGROUP_PATHS_MAX)
                return -E2BIG;
        cg->paths[cg->n_paths] = strdup(path);
        return cg->paths[cg->n_paths++] ? 0 : -ENOMEM;
}

/* The groups between the parent and a group named with slashes (a container's
 * cgroups_path: "apps/web"), made as the parent is: each intermediate a cpuset copy of
 * its parent, with the controllers delegated on a unified v2 tree. */
static int make_intermediates(const struct berth_cgroup_system *cs, const char *root,
                              enum berth_cgroup_ctrl c, const char *path, struct berth_error *err)
{
        static const char *const enable[] = { "+memory", "+pids", "+cpu" };
        size_t base = strlen(root) + 1 + strlen(cs->parent);
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *slash = strchr(p + base + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return berth_error_set_errno(err, errno, "create cgroup '%s'", p);
                if (c == BERTH_CG_CPUSET)
                        (void)cgroup_cpuset_inherit(p);
                for (size_t i = 0;
                     root == cs->v2 && cs->layout == BERTH_CGROUP_UNIFIED && i < ELEMENTSOF(enable);
                     i++)
                        (void)berth_cgroup_write(p, "cgroup.subtree_control", enable[i]);
                *slash = '/';
        }
        return 0;
}

/* The group's directory: made (create) or found (a berthd after a restart re-opens
 * the groups of a running container). */
static int group_dir(const struct berth_cgroup_system *cs, const char *root,
                     enum berth_cgroup_ctrl c, const char *path, bool create,
                     struct berth_error *err)
{
        int r;

        if (!create)
                return access(path, F_OK) < 0 ? -ENOENT : 0;
        r = ensure_parent(cs, root, c, err);
        if (r >= 0)
                r = make_intermediates(cs, root, c, path, err);
        return r < 0 ? r : mkdir_group(path, err);
}

static bool wants_devices(const struct berth_limits *l)
{
        for (unsigned i = 0; l && i < l->n_devices; i++)
                if (!berth_devices_standard(l->devices[i].major, l->devices[i].minor))
                        return true;
        return false;
}

/* The device program on a new v2 group, before any process can be in it: the shared
 * one, or one of its own for a container given devices beyond the list (the kernel
 * keeps it while it is attached). */
static int attach_devices(const struct berth_cgroup_system *cs, struct berth_cgroup *cg,
                          const struct berth_limits *limits, struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF, own = -EBADF;

        if (cs->devices_prog < 0)
                return 0;
        fd = open(cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open cgroup '%s'", cg->v2);
        if (!wants_devices(limits))
                return berth_devices_bpf_attach(cs->devices_prog, fd, cg->v2, err);
        own = berth_devices_bpf_load(limits, err);
        if (own < 0)
                return own;
        return berth_devices_bpf_attach(own, fd, cg->v2, err);
}

static int cgroup_build(const struct berth_cgroup_system *cs, const char *name, bool create,
                        unsigned flags, const struct berth_limits *limits,
                        struct berth_cgroup **ret, struct berth_error *err)
{
        bool with_v2 = flags & BERTH_CGROUP_V2,
             every_v1 = (flags & BERTH_CGROUP_EVERY_V1) || !create;
        struct berth_cgroup *cg;
        int r = 0;

        cg = calloc(1, sizeof(*cg));
        if (!cg)
                return -ENOMEM;
        for (const char *c = name; *c; c++)
                cg->depth += *c == '/';

        if (cs->v2 && (with_v2 || !create)) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s/%s/%s", cs->v2, cs->parent, name) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = group_dir(cs, cs->v2, _BERTH_CG_MAX, p, create, err);
                if (r == -ENOENT && !create)
                        r = 0; /* opening: what is there */
                else {
                        if (r >= 0)
                                r = add_path(cg, p);
                        if (r >= 0 && !(cg->v2 = strdup(p)))
                                r = -ENOMEM;
                        if (r >= 0 && create)
                                r = attach_devices(cs, cg, limits, err);
                        /* A re-opened group kept the program it was given. */
                        if (r >= 0 && cs->devices_prog >= 0)
                                cg->devices_confined = true;
                }
        }
        for (int c = 0; r >= 0 && c < _BERTH_CG_MAX; c++) {
                _cleanup_free_ char *p = NULL;
                /* v2 does this controller's work (the freezer, say): a v1 group only to
                 * be joined, for every_v1. */
                bool v2_does_it = cg->v2 && use_v2(cs, (enum berth_cgroup_ctrl)c);

                /* Only the hierarchies berth uses: every extra one is a mkdir and a
                 * join per start. blkio, cpuset and name=systemd carry no berth
                 * setting (systemd in a container uses its own cgroup2 mount), except
                 * for containers that may mount cgroup v1 themselves (every_v1). */
                if (!cs->v1[c] ||
                    (!every_v1 && (v2_does_it || c == BERTH_CG_BLKIO || c == BERTH_CG_SYSTEMD ||
                                   (c == BERTH_CG_CPUSET && !cgroup_wants_cpuset(limits)))))
                        continue;
                if (asprintf(&p, "%s/%s/%s", cs->v1[c], cs->parent, name) < 0)
                        r = -ENOMEM;
                if (r < 0)
                        break;
                /* Controllers mounted together (cpu,cpuacct) share one directory. */
                if (!create && access(p, F_OK) < 0)
                        continue;
                if (!has_path(cg, p)) {
                        r = group_dir(cs, cs->v1[c], (enum berth_cgroup_ctrl)c, p, create, err);
                        if (r >= 0 && create && c == BERTH_CG_CPUSET)
                                (void)cgroup_cpuset_inherit(p);
                        if (r >= 0)
                                r = add_path(cg, p);
                }
                /* A new group has its parent's devices: those of the allow-list go
                 * again but for the container's own. */
                if (r >= 0 && create && c == BERTH_CG_DEVICES)
                        r = berth_devices_v1_narrow(p, cs->extra, cs->n_extra, limits, err);
                if (v2_does_it)
                        continue;
                if (r >= 0 && c == BERTH_CG_MEMORY)
                        cg->memory = strdup(p);
                if (r >= 0 && c == BERTH_CG_PIDS)
                        cg->pids = strdup(p);
                if (r >= 0 && c == BERTH_CG_FREEZER)
                        cg->freezer = strdup(p);
                if (r >= 0 && c == BERTH_CG_CPU)
                        cg->cpu = strdup(p);
                if (r >= 0 && c == BERTH_CG_CPUSET)
                        cg->cpuset = strdup(p);
                if (r >= 0 && c == BERTH_CG_DEVICES)
                        cg->devices_confined = true;
        }
        if (r >= 0 && cg->v2) {
                if (use_v2(cs, BERTH_CG_MEMORY) && !cg->memory) {
                        cg->memory = strdup(cg->v2);
                        cg->memory_v2 = true;
                }
                if (use_v2(cs, BERTH_CG_PIDS) && !cg->pids)
                        cg->pids = strdup(cg->v2);
                if (!cg->freezer) {
                        cg->freezer = strdup(cg->v2);
                        cg->freezer_v2 = true;
                }
                if (use_v2(cs, BERTH_CG_CPU) && !cg->cpu) {
                        cg->cpu = strdup(cg->v2);
                        cg->cpu_v2 = true;
                }
                if (use_v2(cs, BERTH_CG_CPUSET) && !cg->cpuset)
                        cg->cpuset = strdup(cg->v2);
        }
        if (r >= 0 && create)
                r = cgroup_set_limits(cg, limits, err);
        if (r >= 0 && !create && cg->n_paths == 0)
                r = berth_error_set(err, ENOENT, "no cgroup named '%s' under '%s'", name,
                                    cs->parent);
        if (r < 0) {
                if (create)
                        (void)berth_cgroup_remove(cg);
                berth_cgroup_free(cg);
                return berth_error_ensure(err, r, create ? "create cgroups" : "open cgroups");
        }
        *ret = cg;
        return 0;
}

int berth_cgroup_create(const struct berth_cgroup_system *cs, const char *name, unsigned flags,
                        const struct berth_limits *limits, struct berth_cgroup **ret,
                        struct berth_error *err)
{
        if (!berth_cgroup_v2_optional(cs))
                flags |= BERTH_CGROUP_V2;
        return cgroup_build(cs, name, true, flags, limits, ret, err);
}

bool berth_cgroup_v2_avoidable(const struct berth_cgroup_system *cs)
{
        return !cs || cs->layout == BERTH_CGROUP_LEGACY || cs->layout == BERTH_CGROUP_NONE ||
               berth_cgroup_v2_optional(cs);
}

bool berth_cgroup_v2_optional(const struct berth_cgroup_system *cs)
{
        /* The v1 freezer pauses and the v1 devices list confines devices: without
         * either, the v2 group (cgroup.freeze, the device program) is needed. */
        if (cs->layout != BERTH_CGROUP_HYBRID || !cs->v1[BERTH_CG_FREEZER] ||
            !cs->v1[BERTH_CG_DEVICES])
                return false;
        /* cgroup.freeze is in every v2 group; the v1 freezer does the same. */
        for (int c = 0; c < _BERTH_CG_MAX; c++)
                if (cs->v2_has[c] && c != BERTH_CG_FREEZER)
                        return false;
        return true;
}

int berth_cgroup_open(const struct berth_cgroup_system *cs, const char *name,
                      struct berth_cgroup **ret, struct berth_error *err)
{
        return cgroup_build(cs, name, false, BERTH_CGROUP_V2, NULL, ret, err);
}

/* rmdir a group and every group below it, deepest first (systemd in a container makes
 * its own tree inside the container's v2 group). A group whose last process is still
 * exiting is busy for a moment: retry briefly. */
static int remove_tree(const char *path)
{
        DIR *d = opendir(path);
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s/%s", path, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = remove_tree(sub);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;
        r = rmdir_group(path, 2000, 500 * 1000);
        return r == -ENOENT ? 0 : r;
}

/* The groups between the parent and a group of a cgroups_path, where they are empty
 * now (another container's may still be below). */
static void remove_intermediates(const char *path, unsigned depth)
{
        _cleanup_free_ char *p = strdup(path);

        for (unsigned i = 0; p && i < depth; i++) {
                char *slash = strrchr(p, '/');

                if (!slash)
                        return;
                *slash = 0;
                if (rmdir(p) < 0)
                        return; /* ENOTEMPTY, EBUSY: in use */
        }
}

int berth_cgroup_remove(struct berth_cgroup *cg)
{
        int r = 0;

        if (!cg)
                return 0;
        for (size_t i = cg->n_paths; i > 0; i--) {
                int k = remove_tree(cg->paths[i - 1]);
                if (k < 0 && r == 0)
                        r = k;
                if (k >= 0)
                        remove_intermediates(cg->paths[i - 1], cg->depth);
        }
        return r;
}

struct berth_cgroup *berth_cgroup_free(struct berth_cgroup *cg)
{
        if (!cg)
                return NULL;
        for (size_t i = 0; i < cg->n_paths; i++)
                free(cg->paths[i]);
        free(cg->v2);
        free(cg->memory);
        free(cg->pids);
        free(cg->freezer);
        free(cg->cpu);
        free(cg->cpuset);
        free(cg);
        return NULL;
}

int berth_cgroup_freeze(struct berth_cgroup *cg, bool freeze, struct berth_error *err)
{
        int r;

        if (!cg || !cg->freezer)
                return berth_error_set(err, EOPNOTSUPP, "this host has no cgroup freezer");
        if (cg->freezer_v2)
                r = berth_cgroup_write(cg->freezer, "cgroup.freeze", freeze ? "1" : "0");
        else
                r = berth_cgroup_write(cg->freezer, "freezer.state", freeze ? "FROZEN" : "THAWED");
        if (r < 0)
                return berth_error_set_errno(err, -r, "%s '%s'", freeze ? "freeze" : "thaw",
                                             cg->freezer);
        /* Wait (bounded) until every task has actually stopped or resumed. */
        for (int i = 0; i < 400; i++) {
                _cleanup_free_ char *state = NULL;
                bool done;

                if (cg->freezer_v2) {
                        if (cgroup_read_str(cg->freezer, "cgroup.events", &state) < 0)
                                break;
                        done = strstr(state, freeze ? "frozen 1" : "frozen 0") != NULL;
                } else {
                        if (cgroup_read_str(cg->freezer, "freezer.state", &state) < 0)
                                break;
                        done = strncmp(state, freeze ? "FROZEN" : "THAWED", 6) == 0;
                }
                if (done)
                        return 0;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
        }
        return berth_error_set(err, EIO, "'%s' did not %s within 2 s", cg->freezer,
                               freeze ? "freeze" : "thaw");
}

static int kill_procs(const char *dir)
{
        _cleanup_free_ char *procs = NULL;
        char *save = NULL;
        int n = 0;

        if (cgroup_read_str(dir, "cgroup.procs", &procs) < 0)
                return 0;
        for (char *t = strtok_r(procs, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
                pid_t pid = (pid_t)strtol(t, NULL, 10);
                if (pid > 0 && kill(pid, SIGKILL) >= 0)
                        n++;
        }
        return n;
}

int berth_cgroup_kill_all(struct berth_cgroup *cg)
{
        if (!cg)
                return 0;
        if (cg->v2 && berth_cgroup_write(cg->v2, "cgroup.kill", "1") >= 0)
                return 0;
        /* Without cgroup.kill (kernel < 5.14, or v1): freeze so nothing forks while we
         * kill, then thaw so SIGKILL is delivered. */
        if (cg->freezer)
                (void)berth_cgroup_freeze(cg, true, NULL);
        for (size_t i = 0; i < cg->n_paths; i++)
                (void)kill_procs(cg->paths[i]);
        if (cg->freezer)
                (void)berth_cgroup_freeze(cg, false, NULL);
        return 0;
}

int berth_cgroup_oom_kills(struct berth_cgroup *cg, uint64_t *ret)
{
        if (!cg || !cg->memory)
                return -EOPNOTSUPP;
        return berth_cgroup_oom_kills_at(cg->memory, cg->memory_v2, ret);
}

int berth_cgroup_oom_kills_at(const char *memory, bool v2, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        const char *k;
        int r;

        r = cgroup_read_str(memory, v2 ? "memory.events" : "memory.oom_control", &text);
        if (r < 0)
                return r;
        k = strstr(text, "oom_kill ");
        *ret = k ? strtoull(k + strlen("oom_kill "), NULL, 10) : 0;
        return 0;
}

int berth_cgroup_oom_watch(struct berth_cgroup *cg)
{
        _cleanup_free_ char *file = NULL;
        _cleanup_close_ int fd = -EBADF, target = -EBADF;
        char line[32];

        if (!cg || !cg->memory)
                return -EOPNOTSUPP;
        if (asprintf(&file, "%s/%s", cg->memory,
                     cg->memory_v2 ? "memory.events" : "memory.oom_control") < 0)
                return -ENOMEM;
        if (cg->memory_v2) {
                fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (fd < 0 || inotify_add_watch(fd, file, IN_MODIFY) < 0)
                        return -errno;
                return TAKE_FD(fd);
        }
        fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        target = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || target < 0)
                return -errno;
        /* The kernel keeps its own references to both. */
        (void)snprintf(line, sizeof(line), "%d %d", fd, target);
        if (berth_cgroup_write(cg->memory, "cgroup.event_control", line) < 0)
                return -errno;
        return TAKE_FD(fd);
}

void berth_cgroup_oom_watch_ack(int fd)
{
        char buf[4096];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
}

int berth_cgroup_is_empty(struct berth_cgroup *cg)
{
        for (size_t i = 0; cg && i < cg->n_paths; i++) {
                _cleanup_free_ char *procs = NULL;
                if (cgroup_read_str(cg->paths[i], "cgroup.procs", &procs) >= 0 && procs[0])
                        return 0;
        }
        return 1;
}

bool berth_cgroup_is_frozen(struct berth_cgroup *cg)
{
        _cleanup_free_ char *state = NULL;

        if (!cg || !cg->freezer)
                return false;
        if (cg->freezer_v2)
                return cgroup_read_str(cg->freezer, "cgroup.events", &state) >= 0 &&
                       strstr(state, "frozen 1") != NULL;
        return cgroup_read_str(cg->freezer, "freezer.state", &state) >= 0 &&
               strncmp(state, "FROZEN", 6) == 0;
}

/* Is pid PID 1 of a pid namespace below ours? Its NSpid line ends in "\t1". A zygote
 * that was never claimed ("berth-zygote") is not a container's init. */
static bool is_ns_init(pid_t pid)
{
        _cleanup_free_ char *text = NULL;
        char path[64];
        const char *l, *end;

        (void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (read_file(path, 16384, &text, NULL) < 0 ||
            strncmp(text, "Name:\tberth-zygote\n", 19) == 0)
                return false;
        l = strstr(text, "\nNSpid:");
        if (!l)
                return false;
        end = strchr(l + 1, '\n');
        if (!end)
                end = l + strlen(l);
        /* At least two fields, the last one "1". */
        return end - l > 3 && memcmp(end - 2, "\t1", 2) == 0 &&
               memchr(l + 8, '\t', (size_t)(end - 2 - (l + 8))) != NULL;
}

pid_t berth_cgroup_find_init(struct berth_cgroup *cg)
{
        _cleanup_free_ char *procs = NULL;

        for (size_t i = 0; cg && i < cg->n_paths; i++) {
                if (cgroup_read_str(cg->paths[i], "cgroup.procs", &procs) < 0)
                        continue;
                for (char *p = procs, *e; *p; p = e) {
                        long pid = strtol(p, &e, 10);
                        if (e == p)
                                break;
                        while (*e == '\n')
                                e++;
                        if (pid > 0 && is_ns_init((pid_t)pid))
                                return (pid_t)pid;
                }
                return 0;
        }
        return 0;
}

int berth_cgroup_apply_limits(struct berth_cgroup *cg, const struct berth_limits *limits,
                              struct berth_error *err)
{
        return cgroup_set_limits(cg, limits, err);
}

/* The same path with its last component replaced. */
static int renamed(char **p, const char *name)
{
        char *slash, *n;

        if (!*p)
                return 0;
        slash = strrchr(*p, '/');
        if (!slash || asprintf(&n, "%.*s/%s", (int)(slash - *p), *p, name) < 0)
                return -ENOMEM;
        free(*p);
        *p = n;
        return 0;
}

int berth_cgroup_rename(struct berth_cgroup *cg, const char *name, struct berth_error *err)
{
        for (size_t i = 0; i < cg->n_paths; i++) {
                _cleanup_free_ char *to = strdup(cg->paths[i]);
                int r = to ? renamed(&to, name) : -ENOMEM;

                if (r < 0)
                        return r;
                /* v1 only: cgroup2 has no rename. */
                if (rename(cg->paths[i], to) < 0)
                        return berth_error_set_errno(err, errno, "rename cgroup '%s' to '%s'",
                                                     cg->paths[i], to);
                free(cg->paths[i]);
                cg->paths[i] = TAKE_PTR(to);
        }
        if (renamed(&cg->v2, name) < 0 || renamed(&cg->memory, name) < 0 ||
            renamed(&cg->pids, name) < 0 || renamed(&cg->freezer, name) < 0 ||
            renamed(&cg->cpu, name) < 0 || renamed(&cg->cpuset, name) < 0)
                return -ENOMEM;
        return 0;
}

struct berth_cgroup *berth_cgroup_destroy(struct berth_cgroup *cg)
{
        if (!cg)
                return NULL;
        if (!berth_cgroup_is_empty(cg))
                (void)berth_cgroup_kill_all(cg);
        (void)berth_cgroup_remove(cg);
        return berth_cgroup_free(cg);
}

/* A number in a file of the group ("max" is 0, as "no limit"). */
static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = cgroup_read_str(dir, file, &text);

        if (r < 0)
                return r;
        *ret = strncmp(text, "max", 3) == 0 ? 0 : strtoull(text, NULL, 10);
        return 0;
}

int berth_cgroup_stats(struct berth_cgroup *cg, struct berth_cgroup_stats *ret)
{
        _cleanup_free_ char *stat = NULL;

        *ret = (struct berth_cgroup_stats){};
        if (!cg)
                return -EOPNOTSUPP;
        if (cg->memory) {
                ret->memory_set =
                        read_u64(cg->memory,
                                 cg->memory_v2 ? "memory.current" : "memory.usage_in_bytes",
                                 &ret->memory_bytes) >= 0;
                (void)read_u64(cg->memory, cg->memory_v2 ? "memory.max" : "memory.limit_in_bytes",
                               &ret->memory_limit);
                if (ret->memory_limit >= (1ull << 62)) /* v1's "no limit" */
                        ret->memory_limit = 0;
        }
        if (cg->pids) {
                ret->pids_set = read_u64(cg->pids, "pids.current", &ret->pids) >= 0;
                (void)read_u64(cg->pids, "pids.max", &ret->pids_limit);
        }
        if (cg->cpu && cg->cpu_v2) {
                const char *k;
                if (cgroup_read_str(cg->cpu, "cpu.stat", &stat) >= 0 &&
                    (k = strstr(stat, "usage_usec "))) {
                        ret->cpu_usage_ns = strtoull(k + strlen("usage_usec "), NULL, 10) * 1000;
                        ret->cpu_set = true;
                }
        } else if (cg->cpu)
                /* v1: cpuacct is mounted with cpu ("cpu,cpuacct") on the hosts berth knows. */
                ret->cpu_set = read_u64(cg->cpu, "cpuacct.usage", &ret->cpu_usage_ns) >= 0;
        return 0;
}

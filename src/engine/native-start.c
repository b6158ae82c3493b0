/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting a container: what to run (args[0] in the image, the environment), its files
 * (<state>/containers/<id>, the log) and PID 1 itself, from a zygote or launched cold. */
#include "config.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/capability.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "error.h"
#include "fileio.h"
#include "launch.h"
#include "logkeep.h"
#include "macro.h"
#include "native-internal.h"
#include "pidref.h"
#include "seccomp-rules.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"
#include "native-net.h"
#include "zygotes.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define START_TIMEOUT_MS 30000

/* ---- what to run ------------------------------------------------------------------ */

static const char *env_get(char *const *env, const char *key)
{
        size_t n = strlen(key);

        STRV_FOREACH (e, env)
                if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
                        return *e + n + 1;
        return NULL;
}

/* The environment: berth's defaults, then what the request sets (its keys win). */
static char **build_env(const struct berth_workload *w, const char *machine_id)
{
        char **env = NULL;
        char uuid[64];
        static const char *const defaults[] = { ("PATH=" DEFAULT_PATH), "HOME=/root", "TERM=xterm",
                                                "container=berth" };

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                size_t k = strcspn(defaults[i], "=");
                char key[16];
                (void)snprintf(key, sizeof(key), "%.*s", (int)k, defaults[i]);
                if (!env_get(w->env, key) && strv_extend(&env, defaults[i]) < 0)
                        return strv_free(env);
        }
        if (w->systemd) {
                (void)snprintf(uuid, sizeof(uuid), "container_uuid=%s", machine_id);
                if (strv_extend(&env, uuid) < 0)
                        return strv_free(env);
        }
        STRV_FOREACH (e, w->env)
                if (strv_extend(&env, *e) < 0)
                        return strv_free(env);
        if (!env)
                env = calloc(1, sizeof(char *));
        return env;
}

char **native_env(const struct berth_container *c)
{
        return build_env(&c->w, c->machine_id);
}

/* The host directory that becomes the container's "/": its mount object's mount point,
 * or the workload's root_path (an OCI bundle's rootfs), never both (native_validate()). */
static const char *root_dir(const struct berth_container *c)
{
        return c->mount ? c->mount->mountpoint : c->w.root_path;
}

/* Where a root named in a message comes from: "mount 3", "root_path '/b/rootfs'". */
static int root_origin(const struct berth_container *c, char *buf, size_t size)
{
        if (c->mount)
                return snprintf(buf, size, "mount %llu", (unsigned long long)c->mount->obj.id);
        return snprintf(buf, size, "root_path '%s'", c->w.root_path ? c->w.root_path : "");
}

/* The bind mount of w whose destination holds path (the longest), or NULL; *ret_rest is
 * what of path is below its destination ("" for the destination itself). */
static const struct berth_wl_mount *bind_of(const struct berth_workload *w, const char *path,
                                            const char **ret_rest)
{
        const struct berth_wl_mount *best = NULL;
        size_t best_n = 0;

        for (size_t i = 0; i < w->n_mounts; i++) {
                const struct berth_wl_mount *m = &w->mounts[i];
                size_t n = strlen(m->destination);

                if (m->kind == BERTH_WL_BIND && n > best_n &&
                    strncmp(path, m->destination, n) == 0 && (path[n] == '/' || path[n] == 0)) {
                        best = m;
                        best_n = n;
                }
        }
        *ret_rest = path + best_n;
        return best;
}

/* Open path (absolute) as the container will see it once its bind mounts are made:
 * below the bind that holds it, in that bind's source; else in the root, where a link
 * on the way may lead into a bind (a merged /usr's /bin -> usr/bin). A link whose
 * target has ".." is not followed here (-ENOENT: not found before the start). Returns
 * an O_PATH fd / -errno. */
static int open_in_container(const struct berth_workload *w, int root, const char *path)
{
        char buf[PATH_MAX];

        if (strlen(path) >= sizeof(buf))
                return -ENAMETOOLONG;
        strcpy(buf, path);
        for (int hops = 0; hops < 40; hops++) {
                const char *rest;
                const struct berth_wl_mount *m = bind_of(w, buf, &rest);
                bool relinked = false;
                size_t i = 1;

                if (m) {
                        _cleanup_close_ int src = open(m->source, O_PATH | O_CLOEXEC);

                        if (src < 0)
                                return -errno;
                        return *rest ? open_in_root(src, rest, O_PATH, 0) : TAKE_FD(src);
                }
                /* The first component that is a link, replaced by its target. */
                while (!relinked) {
                        size_t end = i + strcspn(buf + i, "/");
                        char c = buf[end], target[PATH_MAX], next[PATH_MAX];
                        _cleanup_close_ int fd = -EBADF;
                        struct stat st;
                        ssize_t n;

                        buf[end] = 0;
                        fd = open_in_root(root, buf, O_PATH | O_NOFOLLOW, 0);
                        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
                                buf[end] = c;
                                if (fd < 0 || c == 0)
                                        return fd < 0 ? fd : open_in_root(root, buf, O_PATH, 0);
                                i = end + 1;
                                continue;
                        }
                        n = readlinkat(fd, "", target, sizeof(target) - 1);
                        if (n <= 0)
                                return -ENOENT;
                        target[n] = 0;
                        if (strstr(target, ".."))
                                return -ENOENT;
                        /* Relative to the link's directory (buf up to its last '/'). */
                        *strrchr(buf, '/') = 0;
                        if (snprintf(next, sizeof(next), "%s/%s%s%s", target[0] == '/' ? "" : buf,
                                     target[0] == '/' ? target + 1 : target, c ? "/" : "",
                                     c ? buf + end + 1 : "") >= (int)sizeof(next))
                                return -ENAMETOOLONG;
                        strcpy(buf, next);
                        relinked = true;
                }
        }
        return -ELOOP;
}

/* Resolve args[0] inside the container's root the way execvp() will after
 * pivot_root: a path with a slash as is, a bare name along PATH. */
int native_resolve_exec(const struct berth_container *c, char **ret, struct berth_error *err)
{
        _cleanup_close_ int root = -EBADF;
        _cleanup_strv_free_ char **env = build_env(&c->w, c->machine_id);
        const char *argv0 = c->w.args[0], *path;
        bool found_non_exec = false;
        _cleanup_free_ char *copy = NULL;
        char *save = NULL, origin[PATH_MAX + 32];

        if (!env)
                return -ENOMEM;
        if (!root_dir(c))
                return berth_error_set(err, EINVAL, "container %llu has no root",
                                       (unsigned long long)c->obj.id);
        root = open(root_dir(c), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set_errno(err, errno, "open the root file system '%s'",
                                             root_dir(c));
        path = strchr(argv0, '/') ? "" : (env_get(env, "PATH") ?: DEFAULT_PATH);
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        for (char *dir = strchr(argv0, '/') ? copy : strtok_r(copy, ":", &save); dir;
             dir = strchr(argv0, '/') ? NULL : strtok_r(NULL, ":", &save)) {
                _cleanup_free_ char *cand = NULL;
                _cleanup_close_ int fd = -EBADF;
                struct stat st;

                if (asprintf(&cand, "%s%s%s", *dir ? dir : "", *dir ? "/" : "", argv0) < 0)
                        return -ENOMEM;
                if (cand[0] != '/') {
                        char *abs;
                        if (asprintf(&abs, "/%s", cand) < 0)
                                return -ENOMEM;
                        free(cand);
                        cand = abs;
                }
                fd = open_in_container(&c->w, root, cand);
                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) {
                        found_non_exec = true;
                        continue;
                }
                *ret = TAKE_PTR(cand);
                return 0;
        }
        if (found_non_exec)
                return berth_error_set(err, EINVAL,
                                       "command: '%s' is not an executable file in the "
                                       "container's root file system",
                                       argv0);
        (void)root_origin(c, origin, sizeof(origin));
        return berth_error_set(err, EINVAL,
                               "command: '%s' does not exist in the container's root file system "
                               "(%s%s%s)",
                               argv0, origin,
                               strchr(argv0, '/') ? "" : ", PATH=", strchr(argv0, '/') ? "" : path);
}

/* ---- files ------------------------------------------------------------------------ */

int native_log_open(const char *path, int flags)
{
        int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0640);
        struct stat st;

        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                (void)close(fd);
                errno = e;
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                (void)close(fd);
                errno = EINVAL;
                return -1;
        }
        /* Nothing to wait for in a regular file: the flag was for the open. */
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        return fd;
}

/* A workload's log_path: berth's own log unless it names one (native_validate() checked
 * it as a path), its parent an existing directory and it a regular file or nothing yet,
 * never a symlink. Created here (mode 0640, root's), appended to ever after. */
static int open_log_path(const char *p, struct berth_error *err)
{
        _cleanup_free_ char *parent = strdup(p);
        _cleanup_close_ int dir = -EBADF, fd = -EBADF;

        if (!parent)
                return -ENOMEM;
        dir = open(dirname(parent), O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return berth_error_set_errno(err, errno, "log_path '%s': its directory '%s'", p,
                                             parent);
        fd = native_log_open(p, O_WRONLY | O_CREAT | O_APPEND);
        if (fd < 0 && errno == ELOOP)
                return berth_error_set(err, EINVAL, "log_path '%s' is a symbolic link", p);
        if (fd < 0 && errno == EINVAL)
                return berth_error_set(err, EINVAL, "log_path '%s' is not a regular file", p);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "log_path '%s'", p);
        return 0;
}

int native_prepare_files(struct berth_container *c, struct berth_error *err)
{
        const char *state_dir = berth_container_state_dir(NAT(c)->store);
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (asprintf(&c->dir, "%s/containers/%llu", state_dir, (unsigned long long)c->obj.id) < 0)
                return -ENOMEM;
        if (c->w.log_path)
                c->logfile = strdup(c->w.log_path);
        else if (asprintf(&c->logfile, "%s/logs/%llu-%lld.log", state_dir,
                          (unsigned long long)c->obj.id, (long long)c->created_at.tv_sec) < 0)
                c->logfile = NULL;
        if (!c->logfile)
                return -ENOMEM;
        if (c->w.log_path) {
                r = open_log_path(c->w.log_path, err);
                if (r < 0)
                        return r;
        }
        /* <state-dir>/containers exists unless someone removed it: one mkdir, not a
         * walk from the root. */
        r = RET_NERRNO(mkdir(c->dir, 0700));
        if (r == -ENOENT)
                r = mkdir_p(c->dir, 0700);
        if (r == -EEXIST)
                r = 0;
        if (r < 0)
                return berth_error_set_errno(err, -r, "create '%s'", c->dir);
        if (c->w.log_path)
                return 0;
        fd = native_log_open(c->logfile, O_WRONLY | O_CREAT | O_APPEND);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "create the log file '%s'", c->logfile);
        return 0;
}

void native_remove_files(struct berth_container *c, bool keep_log)
{
        struct berth_logkeep *k = berth_container_logkeep(NAT(c)->store);

        if (c->dir)
                (void)rm_rf_physical(c->dir);
        /* A log_path is the user's file, and so is its .1: they stay where they are, out
         * of the budget of kept logs, which are berth's (<state>/logs). */
        if (c->w.log_path)
                return;
        if (keep_log && k)
                berth_logkeep_add(k, c->logfile);
        else if (c->logfile) {
                _cleanup_free_ char *old = NULL;
                (void)unlink(c->logfile);
                if (asprintf(&old, "%s.1", c->logfile) >= 0)
                        (void)unlink(old);
        }
}

/* ---- start ------------------------------------------------------------------------ */

int native_open_log_old(const struct berth_container *c)
{
        _cleanup_free_ char *old = NULL;

        if (asprintf(&old, "%s.1", c->logfile) < 0) {
                errno = ENOMEM;
                return -1;
        }
        return native_log_open(old, O_RDWR | O_CREAT);
}

static int open_launch_fds(struct berth_container *c, struct berth_launch_fds *fds,
                           struct berth_error *err)
{
        _cleanup_free_ char *status = NULL;

        *fds = (struct berth_launch_fds){ .log = -EBADF,
                                          .log_old = -EBADF,
                                          .status = -EBADF,
                                          .cgroup_v2 = -EBADF,
                                          .seccomp_fd = -EBADF };
        if (asprintf(&status, "%s/exit.json", c->dir) < 0)
                return -ENOMEM;
        /* Readable too: berth-init copies it into <log>.1 when it rotates. */
        fds->log = native_log_open(c->logfile, O_RDWR | O_APPEND | O_CREAT);
        fds->log_old = native_open_log_old(c);
        /* Truncate only a status left by an earlier run: on ext4, closing a file that
         * was truncated starts its writeback (auto_da_alloc), a cost on every exit. */
        fds->status = open(status, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fds->status < 0 && errno == EEXIST)
                fds->status = open(status, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (N(c)->cg && N(c)->cg->v2)
                fds->cgroup_v2 = open(N(c)->cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fds->log < 0 || fds->log_old < 0 || fds->status < 0 ||
            (N(c)->cg && N(c)->cg->v2 && fds->cgroup_v2 < 0)) {
                int r = berth_error_set_errno(err, errno, "open the log or status files of '%s'",
                                              c->dir);
                fds->log = safe_close(fds->log);
                fds->log_old = safe_close(fds->log_old);
                fds->status = safe_close(fds->status);
                fds->cgroup_v2 = safe_close(fds->cgroup_v2);
                return r;
        }
        return 0;
}

/* The capability bounding set. CAP_NET_RAW only with a network namespace of its own:
 * in the host's, raw sockets would sniff loopback traffic, the API's token included.
 * CAP_MKNOD only where a device allow-list confines the container (cgroup-devices.h):
 * without one, a node made for the host's disk would open it. */
uint64_t berth_native_caps(const struct berth_workload *w, const struct berth_cgroup *cg)
{
        uint64_t caps = w->caps_set  ? w->caps
                        : w->systemd ? BERTH_CAPS_SYSTEMD
                                     : BERTH_CAPS_DEFAULT;

        if (w->namespaces & BERTH_NS_NET)
                caps |= (1ull << CAP_NET_RAW) & (w->caps_set ? w->caps : ~0ull);
        else
                caps &= ~(1ull << CAP_NET_RAW);
        if (!cg || !cg->devices_confined)
                caps &= ~(1ull << CAP_MKNOD);
        return caps;
}

/* The user, the capability sets and the process's limits. */
int native_fill_process(const struct berth_workload *w, struct berth_launch *l,
                        struct berth_error *err)
{
        if (w->user_set) {
                l->uid = w->uid;
                l->gid = w->gid;
                if (w->n_gids > 0) {
                        l->gids = calloc(w->n_gids, sizeof(gid_t));
                        if (!l->gids)
                                return -ENOMEM;
                        memcpy(l->gids, w->gids, w->n_gids * sizeof(gid_t));
                        l->n_gids = w->n_gids;
                }
        }
        if (w->systemd && l->uid != 0)
                return berth_error_set(err, EINVAL, "user: systemd runs as root");
        l->umask_set = w->umask >= 0;
        l->umask = w->umask >= 0 ? (mode_t)w->umask : 0;
        l->cap_sets = w->cap_sets;
        l->cap_effective = w->cap_effective & l->caps;
        l->cap_permitted = w->cap_permitted & l->caps;
        l->cap_inheritable = w->cap_inheritable & l->caps;
        l->cap_ambient = w->cap_ambient & l->caps;
        l->oom_score_adj_set = w->oom_score_adj_set;
        l->oom_score_adj = w->oom_score_adj;
        if (w->n_rlimits > 0 && !(l->rlimits = calloc(w->n_rlimits, sizeof(*l->rlimits))))
                return -ENOMEM;
        for (size_t i = 0; i < w->n_rlimits; i++) {
                int res = berth_rlimit_from_string(w->rlimits[i].type);
                if (res < 0)
                        return berth_error_set(err, EINVAL,
                                               "rlimits[%zu].type: unknown resource "
                                               "limit '%s'",
                                               i, w->rlimits[i].type);
                l->rlimits[l->n_rlimits++] = (struct berth_launch_rlimit){
                        .resource = res, .soft = w->rlimits[i].soft, .hard = w->rlimits[i].hard
                };
        }
        return 0;
}

_Static_assert((unsigned)BERTH_WL_MOUNT_RO == (unsigned)LAUNCH_MOUNT_READ_ONLY &&
                       (unsigned)BERTH_WL_MOUNT_RECURSIVE == (unsigned)LAUNCH_MOUNT_RECURSIVE &&
                       (unsigned)BERTH_WL_MOUNT_NOSUID == (unsigned)LAUNCH_MOUNT_NOSUID &&
                       (unsigned)BERTH_WL_MOUNT_NODEV == (unsigned)LAUNCH_MOUNT_NODEV &&
                       (unsigned)BERTH_WL_MOUNT_NOEXEC == (unsigned)LAUNCH_MOUNT_NOEXEC,
               "workload mount flags are the launch's");

static int fill_mounts(const struct berth_workload *w, struct berth_launch *l,
                       struct berth_error *err)
{
        if (w->n_mounts > LAUNCH_MOUNTS_MAX)
                return berth_error_set(err, EINVAL, "mounts: at most %d", LAUNCH_MOUNTS_MAX);
        if (w->n_mounts > 0 && !(l->mounts = calloc(w->n_mounts, sizeof(*l->mounts))))
                return -ENOMEM;
        for (size_t i = 0; i < w->n_mounts; i++) {
                const struct berth_wl_mount *m = &w->mounts[i];
                struct berth_launch_mount *d = &l->mounts[l->n_mounts++];

                *d = (struct berth_launch_mount){
                        .type = m->kind == BERTH_WL_TMPFS ? LAUNCH_MOUNT_TMPFS : LAUNCH_MOUNT_BIND,
                        .flags = m->flags, /* the same bits (workload.h, launch-spec.h) */
                        .propagation = m->propagation,
                        .size = m->size,
                        .mode = m->mode,
                };
                d->destination = strdup(m->destination);
                d->source = m->source ? strdup(m->source) : NULL;
                if (!d->destination || (m->source && !d->source))
                        return -ENOMEM;
        }
        return 0;
}

/* What OCI bundles add. A root_path is read-only unless the workload says otherwise
 * (a root mount object has its own read-only flag, and is never a root_path:
 * native_validate()). */
static int fill_oci(const struct berth_workload *w, struct berth_launch *l)
{
        l->root_read_only = w->root_path && !w->root_writable;
        l->terminal = w->terminal;
        if (w->masked_paths && !(l->masked_paths = strv_copy(w->masked_paths)))
                return -ENOMEM;
        if (w->readonly_paths && !(l->read_only_paths = strv_copy(w->readonly_paths)))
                return -ENOMEM;
        if (w->sysctls && !(l->sysctls = strv_copy(w->sysctls)))
                return -ENOMEM;
        l->rt_priority = w->rt_priority;
        _Static_assert((int)_BERTH_WL_JOIN_MAX == (int)_LAUNCH_JOIN_MAX &&
                               (int)BERTH_WL_JOIN_NET == (int)LAUNCH_JOIN_NET &&
                               (int)BERTH_WL_JOIN_IPC == (int)LAUNCH_JOIN_IPC &&
                               (int)BERTH_WL_JOIN_UTS == (int)LAUNCH_JOIN_UTS,
                       "workload joins are the launch's");
        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                if (w->ns_join[i] && !(l->ns_join[i] = strdup(w->ns_join[i])))
                        return -ENOMEM;
        return 0;
}

_Static_assert(sizeof(struct berth_wl_idmap) == sizeof(struct berth_launch_idmap) &&
                       offsetof(struct berth_wl_idmap, outside) ==
                               offsetof(struct berth_launch_idmap, outside) &&
                       offsetof(struct berth_wl_idmap, count) ==
                               offsetof(struct berth_launch_idmap, count),
               "workload id maps are the launch's");

static int copy_idmap(const struct berth_wl_idmap *m, size_t n, struct berth_launch_idmap **ret,
                      size_t *ret_n)
{
        if (n == 0)
                return 0;
        *ret = calloc(n, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, m, n * sizeof(**ret));
        *ret_n = n;
        return 0;
}

/* The user namespace's maps (berthd writes them: launch.c); none without one. */
static int fill_idmaps(const struct berth_workload *w, struct berth_launch *l)
{
        if (!(w->namespaces & BERTH_NS_USER))
                return 0;
        if (copy_idmap(w->uid_map, w->n_uid_map, &l->uid_map, &l->n_uid_map) < 0 ||
            copy_idmap(w->gid_map, w->n_gid_map, &l->gid_map, &l->n_gid_map) < 0)
                return -ENOMEM;
        return 0;
}

unsigned native_launch_namespaces(const struct berth_workload *w)
{
        unsigned ns = 0;

        if (w->namespaces & BERTH_NS_NET)
                ns |= LAUNCH_NS_NET;
        if (w->namespaces & BERTH_NS_USER)
                ns |= LAUNCH_NS_USER;
        /* systemd manages its own cgroup tree: it gets a cgroup namespace and cgroup2
         * at /sys/fs/cgroup (reference/systemd-in-container.md); so does a cgroup_mount,
         * read-only. */
        if ((w->namespaces & BERTH_NS_CGROUP) || w->systemd || w->cgroup_mount)
                ns |= LAUNCH_NS_CGROUP;
        return ns;
}

int berth_native_launch_from_workload(const struct berth_native_launch_in *in,
                                      struct berth_launch *l, struct berth_error *err)
{
        const struct berth_workload *w = in->w;
        const struct berth_cgroup *cg = in->cg;
        int r;

        *l = (struct berth_launch){
                .id = in->id,
                .systemd = w->systemd,
                .caps = berth_native_caps(w, cg),
                .no_new_privs = w->no_new_privs_set ? w->no_new_privs : !w->systemd,
                .log_max = w->log_max ? w->log_max : in->log_max,
                .exec_path = in->exec_path,
        };
        r = native_fill_process(w, l, err);
        if (r >= 0)
                r = fill_mounts(w, l, err);
        if (r < 0)
                return r;
        l->namespaces = native_launch_namespaces(w);
        l->cgroup2_inside = (w->systemd || w->cgroup_mount) && cg && cg->v2;
        /* systemd, which needs it writable, wins over a cgroup_mount. */
        l->cgroup2_read_only = l->cgroup2_inside && !w->systemd;
        if (w->cgroup_mount && !l->cgroup2_inside)
                return berth_error_set(err, EOPNOTSUPP,
                                       "cgroup_mount: the container has no cgroup v2 group to "
                                       "show at /sys/fs/cgroup (this host has no cgroup v2 tree)");
        r = fill_oci(w, l);
        if (r >= 0)
                r = fill_idmaps(w, l);
        if (r < 0)
                return r;
        /* A joined uts namespace keeps its own name. */
        if (!w->ns_join[BERTH_WL_JOIN_UTS] && !(l->hostname = strdup(w->hostname ?: "berth")))
                return -ENOMEM;
        l->name = in->name ? strdup(in->name) : NULL;
        l->rootfs = strdup(in->rootfs);
        l->staging = strdup(in->staging);
        l->args = strv_copy(w->args);
        l->env = build_env(w, in->machine_id);
        l->cwd = strdup(w->cwd ? w->cwd : "/");
        /* The v2 group is joined at clone time; berth-init joins the v1 ones. */
        l->cgroups = calloc(1, sizeof(char *));
        for (size_t i = 0; cg && l->cgroups && i < cg->n_paths; i++)
                if (!streq_ptr(cg->paths[i], cg->v2) && strv_extend(&l->cgroups, cg->paths[i]) < 0)
                        l->cgroups = strv_free(l->cgroups);
        l->machine_id = strdup(in->machine_id);
        if ((in->name && !l->name) || !l->rootfs || !l->staging || !l->args || !l->env || !l->cwd ||
            !l->cgroups || !l->machine_id)
                return -ENOMEM;
        return 0;
}

static int fill_launch(struct berth_container *c, char *exec_path, struct berth_launch *l,
                       struct berth_error *err)
{
        struct berth_native_launch_in in = {
                .w = &c->w,
                .id = c->obj.id,
                .name = c->name,
                .rootfs = root_dir(c),
                .staging = NAT(c)->staging_dir,
                .exec_path = exec_path,
                .machine_id = c->machine_id,
                .log_max = NAT(c)->log_max,
                .cg = N(c)->cg,
        };

        return berth_native_launch_from_workload(&in, l, err);
}

void native_cgroup_name(const struct berth_workload *w, uint64_t id, char *buf, size_t size)
{
        if (w->cgroups_path)
                (void)snprintf(buf, size, "%s", w->cgroups_path);
        else
                (void)snprintf(buf, size, "%llu", (unsigned long long)id);
}

/* A zygote serves the default profile: no systemd, no namespaces beyond the four (a
 * cgroup_mount has a cgroup namespace, and a cgroup2 mount that a zygote's /sys, built
 * before the claim, has not), and capabilities within what it prepared (its groups
 * confine devices). A root_path, a read-only root, a terminal and extra masked or
 * read-only paths are all made at the claim, as for a fresh start. A custom seccomp
 * filter replaces the profile a zygote has installed already: never a zygote's. */
static bool zygote_fits(const struct berth_workload *w)
{
        const struct berth_cgroup confined = { .devices_confined = true };
        bool joins = false;

        for (size_t i = 0; i < _BERTH_WL_JOIN_MAX; i++)
                joins |= w->ns_join[i] != NULL;
        /* A zygote's groups have no cpuset group, and are named by the zygote. */
        return !w->systemd && w->namespaces == 0 && !w->cgroup_mount && !w->sysctls && !joins &&
               !w->seccomp_rules && !w->cgroups_path && !w->limits.cpus[0] && !w->limits.mems[0] &&
               w->limits.n_devices == 0 &&
               (berth_native_caps(w, &confined) & ~BERTH_CAPS_ZYGOTE) == 0;
}

/* The launch's before_go hook: eth0 is there before the payload runs. */
static int net_before_go(pid_t pid, void *userdata, struct berth_error *err)
{
        if (!userdata)
                return berth_error_set(err, EINVAL, "nat_addr needs a network namespace");
        return native_net_setup(pid, userdata, err);
}

int native_start(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        char *exec_path = TAKE_PTR(N(c)->exec_path);
        struct berth_launch_fds fds;
        struct berth_launch l = {};
        struct berth_launched res;
        struct berth_zygote_ready z = {};
        char cgname[160];
        bool zygote = nat->zygotes && zygote_fits(&c->w);
        int seccomp_fd = -EBADF;
        int r;

        /* A record may name no root (an engine that runs images writes none). */
        if (!root_dir(c)) {
                free(exec_path);
                return berth_error_set(err, EINVAL,
                                       "container %llu has no root: the native engine needs a "
                                       "mount or a root_path",
                                       (unsigned long long)c->obj.id);
        }
        if (!nat->launcher) {
                free(exec_path);
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no container launcher");
        }
        if (c->mount && (c->mount->obj.removed || c->mount->detached)) {
                free(exec_path);
                return berth_error_set(err, EBUSY,
                                       "mount %llu of container %llu was removed: it cannot "
                                       "start again",
                                       (unsigned long long)c->mount->obj.id,
                                       (unsigned long long)c->obj.id);
        }
        /* The exit handler of an earlier run may still be removing its cgroups. */
        pthread_mutex_lock(&s->lock);
        while (N(c)->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);

        berth_container_log(c, "starting container\nvalidating image\nvalidating init");
        if (!exec_path) {
                r = native_resolve_exec(c, &exec_path, err);
                if (r < 0)
                        return r;
        }

        native_cgroup_name(&c->w, c->obj.id, cgname, sizeof(cgname));
        zygote = zygote && berth_zygotes_take(nat->zygotes, &z);
        if (zygote && z.cg) {
                /* The zygote waits in groups of its own: they become the container's
                 * (renamed below, while it starts the payload). */
                r = berth_cgroup_apply_limits(z.cg, &c->w.limits, err);
                if (r < 0) {
                        berth_zygotes_discard(nat->zygotes, &z);
                        free(exec_path);
                        return r;
                }
                N(c)->cg = TAKE_PTR(z.cg);
                N(c)->oom_base = 0; /* a zygote's groups have no limits: no OOM kill yet */
        } else if (nat->cgroups && nat->cgroups->layout != BERTH_CGROUP_NONE) {
                /* A zygote cannot join a v2 group cheaply: where it is optional (a
                 * hybrid host), containers of the default profile go without, zygote
                 * or not. */
                unsigned flags = !nat->zygotes || !zygote_fits(&c->w) ? BERTH_CGROUP_V2 : 0;
                /* systemd has CAP_SYS_ADMIN and may mount cgroup v1 hierarchies. */
                if (c->w.systemd)
                        flags |= BERTH_CGROUP_EVERY_V1;
                r = berth_cgroup_create(nat->cgroups, cgname, flags, &c->w.limits, &N(c)->cg, err);
                if (r < 0) {
                        free(exec_path);
                        return r;
                }
                (void)berth_cgroup_oom_kills(N(c)->cg, &N(c)->oom_base);
        } else if (c->w.limits.memory || c->w.limits.pids || c->w.limits.cpu_weight ||
                   c->w.limits.cpu_quota_us || c->w.limits.cpus[0] || c->w.limits.mems[0] ||
                   c->w.limits.n_devices) {
                if (zygote)
                        berth_zygotes_discard(nat->zygotes, &z);
                free(exec_path);
                return berth_error_set(err, EOPNOTSUPP, "limits: this host has no cgroups mounted");
        }
        /* Before the payload runs: an OOM kill at once is not missed. */
        native_oom_arm(c);

        r = fill_launch(c, exec_path, &l, err);
        /* Compiled here, before the clone, as at every start: the record keeps the rules. */
        if (r >= 0 && c->w.seccomp_rules)
                r = seccomp_fd = berth_seccomp_rules_build(c->w.seccomp_rules, "seccomp", err);
        if (r >= 0)
                r = open_launch_fds(c, &fds, err);
        if (r >= 0) {
                fds.seccomp_custom = seccomp_fd >= 0;
                fds.seccomp_fd = seccomp_fd;
        }
        if (r < 0) {
                seccomp_fd = safe_close(seccomp_fd);
                berth_launch_done(&l);
                if (zygote)
                        berth_zygotes_discard(nat->zygotes, &z);
                goto fail_cg;
        }
        if (zygote)
                /* Already in its groups. */
                l.cgroups = strv_free(l.cgroups);
        if (c->w.nat_addr) {
                /* Never a zygote's: a network namespace of its own (zygote_fits()). */
                fds.before_go = net_before_go;
                fds.before_go_data = c->w.namespaces & BERTH_NS_NET ? c->w.nat_addr : NULL;
        }
        /* Under the lock: a reply being encoded may be reading c->error. */
        pthread_mutex_lock(&s->lock);
        c->exit_code = -1;
        c->signal = 0;
        c->oom_killed = false;
        c->stop_requested = false;
        N(c)->exit_handled = false;
        c->error = mfree(c->error);
        berth_store_changed(s);
        pthread_mutex_unlock(&s->lock);
        if (zygote) {
                /* The root file system goes to the zygote as a detached tree. */
                _cleanup_close_ int tree =
                        (int)syscall(SYS_open_tree, AT_FDCWD, root_dir(c),
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                r = tree < 0 ? berth_error_set_errno(err, errno, "open_tree '%s'", root_dir(c))
                             : berth_zygote_claim_send(&z.z, &l, &fds, tree, err);
                if (r >= 0 && N(c)->cg)
                        r = berth_cgroup_rename(N(c)->cg, cgname, err);
                if (r >= 0)
                        r = berth_zygote_claim_wait(&z.z, START_TIMEOUT_MS, &res, err);
                if (r < 0)
                        berth_zygote_kill(&z.z); /* its groups are N(c)->cg now */
                berth_zygotes_refill(nat->zygotes);
        } else
                r = berth_launch_start(nat->launcher, &l, &fds, START_TIMEOUT_MS, &res, err);
        if (r == -EOPNOTSUPP && fds.cgroup_v2 >= 0) {
                /* A kernel before 5.7: join the v2 group by writing cgroup.procs. */
                char *p = NULL;
                fds.cgroup_v2 = safe_close(fds.cgroup_v2);
                berth_error_clear(err);
                if (asprintf(&p, "%s/cgroup.procs", N(c)->cg->v2) >= 0 &&
                    strv_consume(&l.cgroups, p) >= 0)
                        r = berth_launch_start(nat->launcher, &l, &fds, START_TIMEOUT_MS, &res,
                                               err);
        }
        safe_close(fds.log);
        safe_close(fds.log_old);
        safe_close(fds.status);
        safe_close(fds.cgroup_v2);
        safe_close(seccomp_fd);
        berth_launch_done(&l);
        if (r < 0) {
                berth_container_log(c, "start failed: %s", err ? err->msg : "error");
                goto fail_cg;
        }

        pthread_mutex_lock(&s->lock);
        c->pid = res.pid;
        N(c)->pidfd = res.pidfd;
        N(c)->pid_starttime = zygote ? z.starttime : 0;
        if (N(c)->pid_starttime == 0)
                (void)pid_starttime(res.pid, &N(c)->pid_starttime);
        memcpy(N(c)->boot_id, s->boot_id, sizeof(N(c)->boot_id));
        N(c)->payload_pid = res.payload_pid;
        N(c)->console_fd = res.console_fd;
        N(c)->console_slave = res.console_slave;
        N(c)->mntns_fd = res.mntns_fd;
        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
        c->finished_at = (struct timespec){};
        N(c)->started_ms = (uint64_t)monotonic_ms();
        if (!N(c)->restarting) {
                /* A start a client asked for: the policy counts from here. */
                N(c)->restarts = 0;
                N(c)->backoff_ms = 0;
        }
        berth_container_set_state_locked(s, c, BERTH_CONTAINER_RUNNING);
        nat->stats.starts++;
        pthread_mutex_unlock(&s->lock);
        (void)berth_supervisor_watch(nat->supervisor, N(c)->pidfd, nat->watch_exit, c->obj.id);
        if (N(c)->console_fd >= 0)
                (void)berth_supervisor_watch(nat->supervisor, N(c)->console_fd, nat->watch_console,
                                             c->obj.id);
        berth_container_log(c, "container running (pid %d)", (int)c->pid);
        berth_container_persist(s, c);
        berth_container_publish(s, c, "running");
        /* After "running": an OOM kill that came at once is told after it (the eventfd
         * kept it). */
        pthread_mutex_lock(&s->lock);
        N(c)->oom_seen = N(c)->oom_base;
        native_watch_oom(c);
        pthread_mutex_unlock(&s->lock);
        return 0;

fail_cg:
        N(c)->oom_fd = safe_close(N(c)->oom_fd);
        N(c)->cg = berth_cgroup_destroy(N(c)->cg);
        return berth_error_ensure(err, r, "start the container");
}

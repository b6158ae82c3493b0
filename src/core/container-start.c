/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting a container: what to run (args[0] in the image, the environment), its files
 * (<state>/containers/<id>, the log) and PID 1 itself, from a zygote or launched cold. */
#include "config.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "container.h"
#include "container-internal.h"
#include "error.h"
#include "fileio.h"
#include "launch.h"
#include "logkeep.h"
#include "macro.h"
#include "pidref.h"
#include "store-internal.h"
#include "strv.h"
#include "supervisor.h"
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
static char **build_env(const struct berth_container *c)
{
        char **env = NULL;
        char uuid[64];
        static const char *const defaults[] = { ("PATH=" DEFAULT_PATH), "HOME=/root", "TERM=xterm",
                                                "container=berth" };

        for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
                size_t k = strcspn(defaults[i], "=");
                char key[16];
                (void)snprintf(key, sizeof(key), "%.*s", (int)k, defaults[i]);
                if (!env_get(c->env_extra, key) && strv_extend(&env, defaults[i]) < 0)
                        return strv_free(env);
        }
        if (c->systemd) {
                (void)snprintf(uuid, sizeof(uuid), "container_uuid=%s", c->machine_id);
                if (strv_extend(&env, uuid) < 0)
                        return strv_free(env);
        }
        STRV_FOREACH (e, c->env_extra)
                if (strv_extend(&env, *e) < 0)
                        return strv_free(env);
        if (!env)
                env = calloc(1, sizeof(char *));
        return env;
}

/* Resolve args[0] inside the container's root the way execvp() will after
 * pivot_root: a path with a slash as is, a bare name along PATH. */
int container_resolve_exec(const struct berth_container *c, char **ret, struct berth_error *err)
{
        _cleanup_close_ int root = -EBADF;
        _cleanup_strv_free_ char **env = build_env(c);
        const char *argv0 = c->args[0], *path;
        bool found_non_exec = false;
        _cleanup_free_ char *copy = NULL;
        char *save = NULL;

        if (!env)
                return -ENOMEM;
        root = open(c->mount->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_error_set_errno(err, errno, "open the root file system '%s'",
                                             c->mount->mountpoint);
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
                fd = open_in_root(root, cand, O_PATH, 0);
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
        return berth_error_set(err, EINVAL,
                               "command: '%s' does not exist in the container's root file system "
                               "(mount %llu%s%s)",
                               argv0, (unsigned long long)c->mount->obj.id,
                               strchr(argv0, '/') ? "" : ", PATH=", strchr(argv0, '/') ? "" : path);
}

/* ---- files ------------------------------------------------------------------------ */

int container_prepare_files(struct berth_store *s, struct berth_container *c,
                            struct berth_error *err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (asprintf(&c->dir, "%s/containers/%llu", s->state_dir, (unsigned long long)c->obj.id) <
                    0 ||
            asprintf(&c->logfile, "%s/logs/%llu-%lld.log", s->state_dir,
                     (unsigned long long)c->obj.id, (long long)c->created_at.tv_sec) < 0)
                return -ENOMEM;
        /* <state-dir>/containers exists unless someone removed it: one mkdir, not a
         * walk from the root. */
        r = RET_NERRNO(mkdir(c->dir, 0700));
        if (r == -ENOENT)
                r = mkdir_p(c->dir, 0700);
        if (r == -EEXIST)
                r = 0;
        if (r < 0)
                return berth_error_set_errno(err, -r, "create '%s'", c->dir);
        fd = open(c->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0640);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "create the log file '%s'", c->logfile);
        return 0;
}

void container_remove_files(struct berth_store *s, struct berth_container *c, bool keep_log)
{
        if (c->dir)
                (void)rm_rf_physical(c->dir);
        if (keep_log && s->logkeep)
                berth_logkeep_add(s->logkeep, c->logfile);
        else if (c->logfile) {
                _cleanup_free_ char *old = NULL;
                (void)unlink(c->logfile);
                if (asprintf(&old, "%s.1", c->logfile) >= 0)
                        (void)unlink(old);
        }
}

/* ---- start ------------------------------------------------------------------------ */

int container_open_log_old(const struct berth_container *c)
{
        _cleanup_free_ char *old = NULL;

        if (asprintf(&old, "%s.1", c->logfile) < 0) {
                errno = ENOMEM;
                return -1;
        }
        return open(old, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

static int open_launch_fds(struct berth_container *c, struct berth_launch_fds *fds,
                           struct berth_error *err)
{
        _cleanup_free_ char *status = NULL;

        *fds = (struct berth_launch_fds){ -EBADF, -EBADF, -EBADF, -EBADF };
        if (asprintf(&status, "%s/exit.json", c->dir) < 0)
                return -ENOMEM;
        /* Readable too: berth-init copies it into <log>.1 when it rotates. */
        fds->log = open(c->logfile, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        fds->log_old = container_open_log_old(c);
        /* Truncate only a status left by an earlier run: on ext4, closing a file that
         * was truncated starts its writeback (auto_da_alloc), a cost on every exit. */
        fds->status = open(status, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fds->status < 0 && errno == EEXIST)
                fds->status = open(status, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (c->cg && c->cg->v2)
                fds->cgroup_v2 = open(c->cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fds->log < 0 || fds->log_old < 0 || fds->status < 0 ||
            (c->cg && c->cg->v2 && fds->cgroup_v2 < 0)) {
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
static uint64_t container_caps(const struct berth_container *c)
{
        uint64_t caps = c->systemd ? BERTH_CAPS_SYSTEMD : BERTH_CAPS_DEFAULT;

        if (c->namespaces & BERTH_NS_NET)
                caps |= 1ull << CAP_NET_RAW;
        else
                caps &= ~(1ull << CAP_NET_RAW);
        if (!c->cg || !c->cg->devices_confined)
                caps &= ~(1ull << CAP_MKNOD);
        return caps;
}

static int fill_launch(struct berth_store *s, struct berth_container *c, char *exec_path,
                       struct berth_launch *l)
{
        *l = (struct berth_launch){
                .id = c->obj.id,
                .systemd = c->systemd,
                .caps = container_caps(c),
                .no_new_privs = !c->systemd,
                .log_max = s->log_max,
                .exec_path = exec_path,
        };
        if (c->namespaces & BERTH_NS_NET)
                l->namespaces |= LAUNCH_NS_NET;
        if (c->namespaces & BERTH_NS_USER)
                l->namespaces |= LAUNCH_NS_USER;
        /* systemd manages its own cgroup tree: it gets a cgroup namespace and cgroup2
         * at /sys/fs/cgroup (reference/systemd-in-container.md). */
        if ((c->namespaces & BERTH_NS_CGROUP) || c->systemd)
                l->namespaces |= LAUNCH_NS_CGROUP;
        l->cgroup2_inside = c->systemd && c->cg && c->cg->v2;
        l->hostname = strdup(c->hostname);
        l->name = strdup_or_null(c->name);
        l->rootfs = strdup(c->mount->mountpoint);
        l->staging = strdup(s->staging_dir);
        l->args = strv_copy(c->args);
        l->env = build_env(c);
        l->cwd = strdup("/");
        /* The v2 group is joined at clone time; berth-init joins the v1 ones. */
        l->cgroups = calloc(1, sizeof(char *));
        for (size_t i = 0; c->cg && l->cgroups && i < c->cg->n_paths; i++)
                if (!streq_ptr(c->cg->paths[i], c->cg->v2) &&
                    strv_extend(&l->cgroups, c->cg->paths[i]) < 0)
                        l->cgroups = strv_free(l->cgroups);
        l->machine_id = strdup(c->machine_id);
        if (!l->hostname || !l->rootfs || !l->staging || !l->args || !l->env || !l->cwd ||
            !l->cgroups || !l->machine_id)
                return -ENOMEM;
        return 0;
}

int container_start(struct berth_store *s, struct berth_container *c, char *exec_path,
                    struct berth_error *err)
{
        struct berth_launch_fds fds;
        struct berth_launch l = {};
        struct berth_launched res;
        struct berth_zygote_ready z = {};
        char cgname[64];
        bool zygote = s->zygotes && !c->systemd && c->namespaces == 0;
        int r;

        if (c->mount->obj.removed || c->mount->detached) {
                free(exec_path);
                return berth_error_set(err, EBUSY,
                                       "mount %llu of container %llu was removed: it cannot "
                                       "start again",
                                       (unsigned long long)c->mount->obj.id,
                                       (unsigned long long)c->obj.id);
        }
        /* The exit handler of an earlier run may still be removing its cgroups. */
        pthread_mutex_lock(&s->lock);
        while (c->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);

        container_log(c, "starting container\nvalidating image\nvalidating init");
        if (!exec_path) {
                r = container_resolve_exec(c, &exec_path, err);
                if (r < 0)
                        return r;
        }

        (void)snprintf(cgname, sizeof(cgname), "%llu", (unsigned long long)c->obj.id);
        zygote = zygote && berth_zygotes_take(s->zygotes, &z);
        if (zygote && z.cg) {
                /* The zygote waits in groups of its own: they become the container's
                 * (renamed below, while it starts the payload). */
                r = berth_cgroup_apply_limits(z.cg, &c->limits, err);
                if (r < 0) {
                        berth_zygotes_discard(s->zygotes, &z);
                        free(exec_path);
                        return r;
                }
                c->cg = TAKE_PTR(z.cg);
                c->oom_base = 0; /* a zygote's groups have no limits: no OOM kill yet */
        } else if (s->cgroups && s->cgroups->layout != BERTH_CGROUP_NONE) {
                /* A zygote cannot join a v2 group cheaply: where it is optional (a
                 * hybrid host), containers of the default profile go without, zygote
                 * or not. */
                unsigned flags =
                        !s->zygotes || c->systemd || c->namespaces != 0 ? BERTH_CGROUP_V2 : 0;
                /* systemd has CAP_SYS_ADMIN and may mount cgroup v1 hierarchies. */
                if (c->systemd)
                        flags |= BERTH_CGROUP_EVERY_V1;
                r = berth_cgroup_create(s->cgroups, cgname, flags, &c->limits, &c->cg, err);
                if (r < 0) {
                        free(exec_path);
                        return r;
                }
                (void)berth_cgroup_oom_kills(c->cg, &c->oom_base);
        } else if (c->limits.memory || c->limits.pids || c->limits.cpu_weight ||
                   c->limits.cpu_quota_us) {
                if (zygote)
                        berth_zygotes_discard(s->zygotes, &z);
                free(exec_path);
                return berth_error_set(err, EOPNOTSUPP, "limits: this host has no cgroups mounted");
        }

        r = fill_launch(s, c, exec_path, &l);
        if (r >= 0)
                r = open_launch_fds(c, &fds, err);
        if (r < 0) {
                berth_launch_done(&l);
                if (zygote)
                        berth_zygotes_discard(s->zygotes, &z);
                goto fail_cg;
        }
        if (zygote)
                /* Already in its groups. */
                l.cgroups = strv_free(l.cgroups);
        c->exit_code = -1;
        c->signal = 0;
        c->oom_killed = false;
        c->stop_requested = false;
        c->exit_handled = false;
        c->error = mfree(c->error);
        berth_store_changed();
        if (zygote) {
                /* The root file system goes to the zygote as a detached tree. */
                _cleanup_close_ int tree =
                        (int)syscall(SYS_open_tree, AT_FDCWD, c->mount->mountpoint,
                                     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
                r = tree < 0 ? berth_error_set_errno(err, errno, "open_tree '%s'",
                                                     c->mount->mountpoint)
                             : berth_zygote_claim_send(&z.z, &l, &fds, tree, err);
                if (r >= 0 && c->cg)
                        r = berth_cgroup_rename(c->cg, cgname, err);
                if (r >= 0)
                        r = berth_zygote_claim_wait(&z.z, START_TIMEOUT_MS, &res, err);
                if (r < 0)
                        berth_zygote_kill(&z.z); /* its groups are c->cg now */
                berth_zygotes_refill(s->zygotes);
        } else
                r = berth_launch_start(s->launcher, &l, &fds, START_TIMEOUT_MS, &res, err);
        if (r == -EOPNOTSUPP && fds.cgroup_v2 >= 0) {
                /* A kernel before 5.7: join the v2 group by writing cgroup.procs. */
                char *p = NULL;
                fds.cgroup_v2 = safe_close(fds.cgroup_v2);
                berth_error_clear(err);
                if (asprintf(&p, "%s/cgroup.procs", c->cg->v2) >= 0 &&
                    strv_consume(&l.cgroups, p) >= 0)
                        r = berth_launch_start(s->launcher, &l, &fds, START_TIMEOUT_MS, &res, err);
        }
        safe_close(fds.log);
        safe_close(fds.log_old);
        safe_close(fds.status);
        safe_close(fds.cgroup_v2);
        berth_launch_done(&l);
        if (r < 0) {
                container_log(c, "start failed: %s", err ? err->msg : "error");
                goto fail_cg;
        }

        pthread_mutex_lock(&s->lock);
        c->pid = res.pid;
        c->pidfd = res.pidfd;
        c->pid_starttime = zygote ? z.starttime : 0;
        if (c->pid_starttime == 0)
                (void)pid_starttime(res.pid, &c->pid_starttime);
        memcpy(c->boot_id, s->boot_id, sizeof(c->boot_id));
        c->payload_pid = res.payload_pid;
        c->console_fd = res.console_fd;
        c->console_slave = res.console_slave;
        c->mntns_fd = res.mntns_fd;
        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
        c->finished_at = (struct timespec){};
        container_set_state_locked(s, c, BERTH_CONTAINER_RUNNING);
        s->stats.container_starts++;
        pthread_mutex_unlock(&s->lock);
        (void)berth_supervisor_watch(s->supervisor, c->pidfd, BERTH_WATCH_EXIT, c->obj.id);
        if (c->console_fd >= 0)
                (void)berth_supervisor_watch(s->supervisor, c->console_fd, BERTH_WATCH_CONSOLE,
                                             c->obj.id);
        container_log(c, "container running (pid %d)", (int)c->pid);
        container_persist(s, c);
        container_publish(s, c, "running");
        return 0;

fail_cg:
        c->cg = berth_cgroup_destroy(c->cg);
        return berth_error_ensure(err, r, "start the container");
}

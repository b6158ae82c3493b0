/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chase.h"
#include "container.h"
#include "error.h"
#include "events.h"
#include "fileio.h"
#include "launch.h"
#include "log.h"
#include "logkeep.h"
#include "macro.h"
#include "persist.h"
#include "pidref.h"
#include "record.h"
#include "store-internal.h"
#include "strv.h"
#include "supervisor.h"
#include "zygotes.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define START_TIMEOUT_MS 30000
#define FORCE_STOP_WAIT_S 10

static const char *const state_names[_BERTH_CONTAINER_STATE_MAX] = {
        [BERTH_CONTAINER_CREATED] = "created", [BERTH_CONTAINER_RUNNING] = "running",
        [BERTH_CONTAINER_PAUSED] = "paused",   [BERTH_CONTAINER_STOPPING] = "stopping",
        [BERTH_CONTAINER_EXITED] = "exited",   [BERTH_CONTAINER_DEAD] = "dead",
};

const char *berth_container_state_to_string(enum berth_container_state s)
{
        return s >= 0 && s < _BERTH_CONTAINER_STATE_MAX ? state_names[s] : NULL;
}

enum berth_container_state berth_container_state_from_string(const char *s)
{
        for (int i = 0; s && i < _BERTH_CONTAINER_STATE_MAX; i++)
                if (streq(state_names[i], s))
                        return (enum berth_container_state)i;
        return _BERTH_CONTAINER_STATE_INVALID;
}

struct berth_container_spec *berth_container_spec_free(struct berth_container_spec *s)
{
        if (!s)
                return NULL;
        free(s->name);
        berth_mount_spec_free(s->mount);
        free(s->command);
        strv_free(s->args);
        strv_free(s->env);
        free(s->hostname);
        free(s);
        return NULL;
}

/* ---- logging and events ----------------------------------------------------------- */

void container_log(const struct berth_container *c, const char *fmt, ...)
{
        char line[2048], msg[1024], prefix[96], tbuf[32];
        time_t now = time(NULL);
        size_t len = 0;
        struct tm tm;
        va_list ap;
        int fd;

        if (!c->logfile)
                return;
        (void)localtime_r(&now, &tm);
        (void)strftime(tbuf, sizeof(tbuf), "%Y/%m/%d %H:%M:%S", &tm);
        (void)snprintf(prefix, sizeof(prefix), "%s container(%llu): ", tbuf,
                       (unsigned long long)c->obj.id);
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* One line per line of the message, each with the prefix; one write. */
        for (char *m = msg, *nl;; m = nl + 1) {
                nl = strchr(m, '\n');
                len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%.*s\n", prefix,
                                        nl ? (int)(nl - m) : (int)strlen(m), m);
                if (!nl || len >= sizeof(line) - 1)
                        break;
        }
        len = MIN(len, sizeof(line) - 1);
        fd = open(c->logfile, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        (void)!write(fd, line, len);
        (void)close(fd);
}

static void publish(struct berth_store *s, const struct berth_container *c, const char *what)
{
        struct berth_event e = {
                .type = BERTH_OBJ_CONTAINER,
                .id = c->obj.id,
                .exit_code = c->exit_code,
                .signal = c->signal,
                .oom_killed = c->oom_killed,
        };

        if (!s->events)
                return;
        (void)snprintf(e.name, sizeof(e.name), "%s", c->name ? c->name : "");
        (void)snprintf(e.event, sizeof(e.event), "%s", what);
        (void)snprintf(e.state, sizeof(e.state), "%s", berth_container_state_to_string(c->state));
        berth_events_publish(s->events, &e);
}

static void set_state(struct berth_store *s, struct berth_container *c,
                      enum berth_container_state st)
{
        /* Called with s->lock held, after every other field of the change is set. */
        c->state = st;
        berth_store_changed();
        pthread_cond_broadcast(&s->cond);
}

/* The record is encoded under the lock (the supervisor changes fields), and written
 * outside it. */
static void persist(struct berth_store *s, struct berth_container *c)
{
        json_t *j;

        pthread_mutex_lock(&s->lock);
        j = berth_record_from_obj(&c->obj);
        pthread_mutex_unlock(&s->lock);
        if (berth_persist_write(s->persist, BERTH_OBJ_CONTAINER, c->obj.id, j, NULL) < 0)
                log_warning("Container %llu: could not write its record",
                            (unsigned long long)c->obj.id);
}

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
static int resolve_exec(const struct berth_container *c, char **ret, struct berth_error *err)
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

static int prepare_files(struct berth_store *s, struct berth_container *c, struct berth_error *err)
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

/* keep_log: the log stays, within the budget of kept logs (logkeep.h). */
static void remove_files(struct berth_store *s, struct berth_container *c, bool keep_log)
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

static int open_launch_fds(struct berth_container *c, struct berth_launch_fds *fds,
                           struct berth_error *err)
{
        _cleanup_free_ char *status = NULL, *old = NULL;

        *fds = (struct berth_launch_fds){ -EBADF, -EBADF, -EBADF, -EBADF };
        if (asprintf(&status, "%s/exit.json", c->dir) < 0 || asprintf(&old, "%s.1", c->logfile) < 0)
                return -ENOMEM;
        /* Readable too: berth-init copies it into <log>.1 when it rotates. */
        fds->log = open(c->logfile, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
        fds->log_old = open(old, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
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

/* exec_path: args[0] resolved by the caller just before (taken over), or NULL. */
static int container_start(struct berth_store *s, struct berth_container *c, char *exec_path,
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
                r = resolve_exec(c, &exec_path, err);
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
        set_state(s, c, BERTH_CONTAINER_RUNNING);
        s->stats.container_starts++;
        pthread_mutex_unlock(&s->lock);
        (void)berth_supervisor_watch(s->supervisor, c->pidfd, BERTH_WATCH_EXIT, c->obj.id);
        if (c->console_fd >= 0)
                (void)berth_supervisor_watch(s->supervisor, c->console_fd, BERTH_WATCH_CONSOLE,
                                             c->obj.id);
        container_log(c, "container running (pid %d)", (int)c->pid);
        persist(s, c);
        publish(s, c, "running");
        return 0;

fail_cg:
        c->cg = berth_cgroup_destroy(c->cg);
        return berth_error_ensure(err, r, "start the container");
}

/* ---- create ----------------------------------------------------------------------- */

static struct berth_container *find_by_name_locked(struct berth_store *s, const char *name)
{
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++) {
                struct berth_container *c =
                        (struct berth_container *)s->table[BERTH_OBJ_CONTAINER][i];
                if (streq_ptr(c->name, name))
                        return c;
        }
        return NULL;
}

int berth_container_find(struct berth_store *s, const char *name, uint64_t *ret_id)
{
        struct berth_container *c;

        pthread_mutex_lock(&s->lock);
        c = find_by_name_locked(s, name);
        if (c)
                *ret_id = c->obj.id;
        pthread_mutex_unlock(&s->lock);
        return c ? 0 : -ENOENT;
}

static void machine_id(char out[33])
{
        uint8_t b[16];

        if (getrandom(b, sizeof(b), 0) != sizeof(b))
                memset(b, 0x42, sizeof(b));
        b[6] = (b[6] & 0x0f) | 0x40; /* a v4 UUID, as systemd expects of container_uuid */
        b[8] = (b[8] & 0x3f) | 0x80;
        for (int i = 0; i < 16; i++)
                (void)snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The host name a container gets when the request sets none: its name, made a valid
 * host name (63 bytes, letters, digits, '-' and '.', not starting with either). */
static char *hostname_from(const char *name)
{
        char h[64];
        size_t n = 0;

        for (const char *p = name; p && *p && n < sizeof(h) - 1; p++) {
                char ch = *p;
                if (n == 0 && (ch == '.' || ch == '-' || ch == '_'))
                        continue;
                h[n++] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-",
                                ch)
                                 ? ch
                                 : '-';
        }
        h[n] = 0;
        return strdup(n ? h : "berth");
}

struct berth_container *container_alloc(struct berth_store *s,
                                        const struct berth_container_spec *spec)
{
        struct berth_container *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->obj.type = BERTH_OBJ_CONTAINER;
        c->obj.user = true;
        c->pidfd = c->console_fd = c->console_slave = c->timer_fd = c->mntns_fd = -EBADF;
        c->exit_code = -1;
        c->state = BERTH_CONTAINER_CREATED;
        c->systemd = spec->systemd;
        c->namespaces = spec->namespaces;
        c->stop_timeout_ms = spec->stop_timeout_ms;
        c->limits = spec->limits;
        machine_id(c->machine_id);
        (void)clock_gettime(CLOCK_REALTIME, &c->created_at);
        store_link(s, &c->obj);
        c->name = strdup_or_null(spec->name);
        c->command = strdup_or_null(spec->command);
        c->args = strv_copy(spec->args);
        c->env_extra = strv_copy(spec->env ? spec->env : (char *[]){ NULL });
        if (!c->hostname) {
                /* Checked with the other allocations by the caller. */
        }
        c->hostname = spec->hostname ? strdup(spec->hostname) : hostname_from(spec->name);
        return c;
}

int berth_container_create(struct berth_store *s, const struct berth_container_spec *spec,
                           berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        _cleanup_free_ char *exec_path = NULL;
        uint64_t saved[_BERTH_OBJ_TYPE_MAX];
        struct berth_container *c;
        bool committed = false;
        int r;

        if (!s->launcher)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no container launcher");
        if (spec->systemd && s->refuse_privileged)
                return berth_error_set(err, EPERM,
                                       "systemd mode makes a privileged container "
                                       "(CAP_SYS_ADMIN, no no_new_privs), and this berthd "
                                       "refuses those (--refuse-privileged)");
        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        c = spec->name ? find_by_name_locked(s, spec->name) : NULL;
        if (c)
                r = berth_error_set(err, EEXIST, "a container named '%s' exists (container %llu)",
                                    spec->name, (unsigned long long)c->obj.id);
        memcpy(saved, s->next_id, sizeof(saved));
        pthread_mutex_unlock(&s->lock);
        if (c)
                goto out;

        c = container_alloc(s, spec);
        if (!c || !c->args || !c->env_extra || !c->hostname || (spec->name && !c->name)) {
                r = -ENOMEM;
                goto fail;
        }
        r = mount_build(s, spec->mount, &c->obj, &c->mount, err);
        if (r < 0)
                goto fail;
        r = resolve_exec(c, &exec_path, err);
        if (r < 0)
                goto fail;
        r = store_commit(s, &c->obj, err);
        if (r < 0)
                goto fail;
        committed = true;
        r = prepare_files(s, c, err);
        if (r < 0)
                goto fail;
        container_log(c, "container created");
        publish(s, c, "created");
        if (spec->state == BERTH_CONTAINER_RUNNING) {
                r = container_start(s, c, TAKE_PTR(exec_path), err);
                if (r < 0)
                        goto fail;
        } else
                persist(s, c);
        if (fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(&c->obj, userdata);
                pthread_mutex_unlock(&s->lock);
        }
        goto out;

fail:
        if (c) {
                /* Nothing of a failed request stays: not its files, records, ids, or the
                 * mounts it defined. */
                if (committed) {
                        store_uncommit(s, &c->obj, saved);
                        remove_files(s, c, false);
                }
                store_abort(s, &c->obj);
        }
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- state changes ---------------------------------------------------------------- */

static int send_signal(struct berth_container *c, int sig)
{
        if (c->pidfd < 0)
                return -ESRCH;
        return RET_NERRNO((int)syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0));
}

static int arm_timer(struct berth_store *s, struct berth_container *c, uint64_t ms)
{
        struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
                                                .tv_nsec = (long)(ms % 1000) * 1000000 } };

        if (c->timer_fd < 0) {
                c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
                if (c->timer_fd < 0)
                        return -errno;
                if (berth_supervisor_watch(s->supervisor, c->timer_fd, BERTH_WATCH_TIMER,
                                           c->obj.id) < 0)
                        return -errno;
        }
        if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1;
        return RET_NERRNO(timerfd_settime(c->timer_fd, 0, &its, NULL));
}

/* A request handler that uses a live container's cgroups outside the lock pins them:
 * the exit handler, which may run meanwhile, then leaves freeing them to the last pin.
 * NULL when the container has none (or has ended). */
static struct berth_cgroup *cg_pin(struct berth_store *s, struct berth_container *c)
{
        struct berth_cgroup *cg;

        pthread_mutex_lock(&s->lock);
        cg = c->exit_handled ? NULL : c->cg;
        if (cg)
                c->cg_pins++;
        pthread_mutex_unlock(&s->lock);
        return cg;
}

static void cg_unpin(struct berth_store *s, struct berth_container *c, struct berth_cgroup *cg)
{
        if (!cg)
                return;
        pthread_mutex_lock(&s->lock);
        if (--c->cg_pins == 0 && c->cg != cg)
                berth_cgroup_free(cg);
        pthread_mutex_unlock(&s->lock);
}

static int container_stop(struct berth_store *s, struct berth_container *c, struct berth_error *err)
{
        /* SIGTERM for a plain payload (berth-init forwards it); systemd stops on
         * SIGRTMIN+3 and ignores SIGTERM. */
        int sig = c->systemd ? SIGRTMIN + 3 : SIGTERM;
        bool paused = c->state == BERTH_CONTAINER_PAUSED;
        enum berth_container_state prev = c->state;
        int r;

        /* Recorded before the signal goes: a berthd restarted from here on finishes the
         * stop (container_adopted()). */
        pthread_mutex_lock(&s->lock);
        c->stop_requested = true;
        set_state(s, c, BERTH_CONTAINER_STOPPING);
        pthread_mutex_unlock(&s->lock);
        persist(s, c);
        pthread_mutex_lock(&s->lock);
        r = 0;
        if (c->state == BERTH_CONTAINER_STOPPING && !c->exit_handled) {
                r = send_signal(c, sig);
                if (r >= 0 || r == -ESRCH)
                        r = arm_timer(s, c, c->stop_timeout_ms);
                else {
                        c->stop_requested = false;
                        set_state(s, c, prev);
                }
        }
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                return berth_error_set_errno(err, -r, "stop container %llu",
                                             (unsigned long long)c->obj.id);
        /* A frozen payload cannot act on the signal until it is thawed. */
        if (paused) {
                struct berth_cgroup *cg = cg_pin(s, c);

                if (cg)
                        (void)berth_cgroup_freeze(cg, false, NULL);
                cg_unpin(s, c, cg);
        }
        container_log(c, "stopping container (signal %d, timeout %llu ms)", sig,
                      (unsigned long long)c->stop_timeout_ms);
        publish(s, c, "stopping");
        return 0;
}

static int container_pause(struct berth_store *s, struct berth_container *c, bool pause,
                           struct berth_error *err)
{
        struct berth_cgroup *cg = cg_pin(s, c);
        int r = cg ? berth_cgroup_freeze(cg, pause, err)
                   : berth_error_set(err, EOPNOTSUPP, "the container has no cgroup freezer");

        cg_unpin(s, c, cg);
        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        set_state(s, c, pause ? BERTH_CONTAINER_PAUSED : BERTH_CONTAINER_RUNNING);
        pthread_mutex_unlock(&s->lock);
        container_log(c, pause ? "container paused" : "container resumed");
        publish(s, c, pause ? "paused" : "running");
        return 0;
}

int berth_container_set_state(struct berth_store *s, uint64_t id, enum berth_container_state target,
                              berth_obj_visit_fn fn, void *userdata, struct berth_error *err)
{
        struct berth_container *c;
        struct berth_obj *o;
        int r;

        pthread_mutex_lock(&s->op_lock);
        pthread_mutex_lock(&s->lock);
        r = store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, err);
        pthread_mutex_unlock(&s->lock);
        if (r < 0)
                goto out;
        c = (struct berth_container *)o;

        switch (target) {
        case BERTH_CONTAINER_RUNNING:
                if (c->state == BERTH_CONTAINER_PAUSED)
                        r = container_pause(s, c, false, err);
                else if (c->state == BERTH_CONTAINER_STOPPING)
                        r = berth_error_set(err, EBUSY, "container %llu is stopping",
                                            (unsigned long long)id);
                else if (c->state != BERTH_CONTAINER_RUNNING) {
                        r = container_start(s, c, NULL, err);
                        if (r < 0) {
                                pthread_mutex_lock(&s->lock);
                                free(c->error);
                                c->error = strdup(err ? err->msg : "start failed");
                                set_state(s, c, BERTH_CONTAINER_DEAD);
                                pthread_mutex_unlock(&s->lock);
                                persist(s, c);
                                publish(s, c, "dead");
                        }
                }
                break;
        case BERTH_CONTAINER_EXITED:
                if (c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED)
                        r = container_stop(s, c, err);
                break;
        case BERTH_CONTAINER_PAUSED:
                if (c->state == BERTH_CONTAINER_RUNNING)
                        r = container_pause(s, c, true, err);
                else if (c->state != BERTH_CONTAINER_PAUSED)
                        r = berth_error_set(err, EBUSY, "container %llu is %s, not running",
                                            (unsigned long long)id,
                                            berth_container_state_to_string(c->state));
                break;
        case BERTH_CONTAINER_CREATED:
        case BERTH_CONTAINER_STOPPING:
        case BERTH_CONTAINER_DEAD:
        case _BERTH_CONTAINER_STATE_MAX:
        case _BERTH_CONTAINER_STATE_INVALID:
        default:
                r = berth_error_set(err, EINVAL, "state must be running, exited or paused");
                break;
        }
        if (r >= 0 && fn) {
                pthread_mutex_lock(&s->lock);
                r = fn(&c->obj, userdata);
                pthread_mutex_unlock(&s->lock);
        }
out:
        pthread_mutex_unlock(&s->op_lock);
        return r;
}

/* ---- the supervisor's side ---------------------------------------------------------- */

static struct berth_container *lookup_locked(struct berth_store *s, uint64_t id)
{
        struct berth_obj *o = NULL;

        if (store_lookup(s, BERTH_OBJ_CONTAINER, id, &o, NULL) < 0)
                return NULL;
        return (struct berth_container *)o;
}

static void read_status(struct berth_container *c, int *exit_code, int *sig, char **error)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *j, *v;

        if (asprintf(&path, "%s/exit.json", c->dir) < 0 || read_file(path, 65536, &text, NULL) < 0)
                return;
        j = json_loads(text, 0, NULL);
        if (!j)
                return;
        if ((v = json_object_get(j, "exit_code")) && json_is_integer(v))
                *exit_code = (int)json_integer_value(v);
        if ((v = json_object_get(j, "signal")) && json_is_integer(v))
                *sig = (int)json_integer_value(v);
        if ((v = json_object_get(j, "error")) && json_is_string(v))
                *error = strdup(json_string_value(v));
        json_decref(j);
}

static void drain_console(struct berth_store *s, struct berth_container *c, int fd);

static void unbusy(struct berth_store *s, struct berth_container *c)
{
        pthread_mutex_lock(&s->lock);
        c->busy--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

void container_handle_exit(struct berth_store *s, uint64_t id)
{
        struct berth_cgroup *cg = NULL;
        struct berth_container *c;
        int pidfd, mntns, exit_code = -1, sig = 0;
        char *error = NULL;
        siginfo_t si = {};
        uint64_t ooms = 0;
        bool oom = false;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        if (!c || c->pidfd < 0 || c->exit_handled) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        pidfd = c->pidfd;
        /* A delete waits until no handler uses the object any more. */
        c->busy++;
        pthread_mutex_unlock(&s->lock);

        /* Reap it when it is ours (ECHILD: a berthd before us started it). */
        if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0) {
                unbusy(s, c);
                return; /* not gone yet */
        }
        if (c->console_fd >= 0)
                drain_console(s, c, c->console_fd);
        read_status(c, &exit_code, &sig, &error);
        if (exit_code < 0 && sig == 0 && si.si_pid != 0) {
                if (si.si_code == CLD_EXITED)
                        exit_code = si.si_status;
                else
                        sig = si.si_status;
        }
        if (c->cg)
                oom = berth_cgroup_oom_kills(c->cg, &ooms) >= 0 && ooms > c->oom_base;

        pthread_mutex_lock(&s->lock);
        berth_supervisor_unwatch(s->supervisor, c->pidfd);
        berth_supervisor_unwatch(s->supervisor, c->console_fd);
        berth_supervisor_unwatch(s->supervisor, c->timer_fd);
        c->pidfd = safe_close(c->pidfd);
        c->console_fd = safe_close(c->console_fd);
        c->console_slave = safe_close(c->console_slave);
        c->timer_fd = safe_close(c->timer_fd);
        mntns = TAKE_FD(c->mntns_fd);
        /* Removed below, after the news is out; pinned meanwhile (a restart waits for
         * this handler, see container_start()). */
        cg = c->cg;
        if (cg)
                c->cg_pins++;
        c->cg = NULL;
        c->pid = 0;
        c->payload_pid = 0;
        c->exit_code = exit_code;
        c->signal = sig;
        c->oom_killed = oom;
        s->stats.container_exits++;
        if (oom)
                s->stats.container_oom_kills++;
        free(c->error);
        c->error = error;
        (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
        c->exit_handled = true;
        set_state(s, c,
                  c->stop_requested || (exit_code == 0 && sig == 0) ? BERTH_CONTAINER_EXITED
                                                                    : BERTH_CONTAINER_DEAD);
        pthread_mutex_unlock(&s->lock);

        {
                /* One write for the lines of the end. */
                char how[600];
                if (error)
                        (void)snprintf(how, sizeof(how), "process ended in error state: %s", error);
                else if (sig)
                        (void)snprintf(how, sizeof(how), "process killed by signal %d", sig);
                else
                        (void)snprintf(how, sizeof(how), "process ended, exit code (%d)",
                                       exit_code);
                container_log(c, "%s%s\ncontainer state: %s",
                              oom ? "out of memory: a process was killed by the OOM killer\n" : "",
                              how, berth_container_state_to_string(c->state));
        }
        if (oom)
                publish(s, c, "oom");
        publish(s, c, berth_container_state_to_string(c->state));
        /* Its mounts go now (launch.h), before a delete can come for its mount. */
        safe_close(mntns);

        if (cg) {
                /* PID 1's end took its pid namespace with it; anything else that joined
                 * the groups from outside is killed before they go. */
                if (!berth_cgroup_is_empty(cg))
                        (void)berth_cgroup_kill_all(cg);
                if (berth_cgroup_remove(cg) < 0)
                        log_warning("Container %llu: cgroups could not be removed",
                                    (unsigned long long)id);
                cg_unpin(s, c, cg);
        }
        persist(s, c);
        unbusy(s, c);
}

void container_handle_timer(struct berth_store *s, uint64_t id)
{
        struct berth_container *c;
        uint64_t n;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        if (c && c->timer_fd >= 0)
                (void)!read(c->timer_fd, &n, sizeof(n));
        if (c && c->state == BERTH_CONTAINER_STOPPING && c->pidfd >= 0) {
                /* Killing PID 1 ends every process of its pid namespace. */
                (void)send_signal(c, SIGKILL);
                container_log(c, "stop timeout: process killed");
        }
        pthread_mutex_unlock(&s->lock);
}

/* A systemd container's console into its log, rotated beyond log_max as berth-init
 * rotates a payload's output: a container that writes without end cannot fill the
 * state directory through its console either. */
static void console_to_log(const struct berth_store *s, const struct berth_container *c,
                           const void *buf, size_t n)
{
        _cleanup_close_ int log = -EBADF;
        struct stat st;

        log = open(c->logfile, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (log < 0)
                return;
        if (s->log_max && fstat(log, &st) >= 0 && (uint64_t)st.st_size + n > s->log_max) {
                _cleanup_free_ char *old = NULL;
                _cleanup_close_ int old_fd = -EBADF;

                if (asprintf(&old, "%s.1", c->logfile) >= 0)
                        old_fd = open(old, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
                if (old_fd >= 0)
                        (void)log_rotate_fd(log, old_fd);
        }
        (void)!write(log, buf, n);
}

static void drain_console(struct berth_store *s, struct berth_container *c, int fd)
{
        char buf[16384];
        ssize_t n;

        for (;;) {
                n = read(fd, buf, sizeof(buf));
                if (n <= 0)
                        return;
                console_to_log(s, c, buf, (size_t)n);
        }
}

void container_handle_console(struct berth_store *s, uint64_t id)
{
        struct berth_container *c;
        char buf[16384];
        ssize_t n;
        int fd;

        pthread_mutex_lock(&s->lock);
        c = lookup_locked(s, id);
        fd = c ? c->console_fd : -1;
        if (fd >= 0)
                c->busy++;
        pthread_mutex_unlock(&s->lock);
        if (fd < 0)
                return;
        /* Only this thread reads or closes the console fd. */
        n = read(fd, buf, sizeof(buf));
        if (n > 0)
                console_to_log(s, c, buf, (size_t)n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* The other side is gone (EIO on a pty whose slave closed). */
                pthread_mutex_lock(&s->lock);
                berth_supervisor_unwatch(s->supervisor, fd);
                c->console_fd = safe_close(c->console_fd);
                pthread_mutex_unlock(&s->lock);
        }
        unbusy(s, c);
}

/* ---- delete ----------------------------------------------------------------------- */

static bool container_live(const struct berth_container *c)
{
        return c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
               c->state == BERTH_CONTAINER_STOPPING;
}

int container_check_deletable(struct berth_container *c, bool force, struct berth_error *err)
{
        if (container_live(c) && !force)
                return berth_error_set(err, EBUSY,
                                       "container %llu is %s: stop it first (state=exited) or "
                                       "use force=true",
                                       (unsigned long long)c->obj.id,
                                       berth_container_state_to_string(c->state));
        return 0;
}

int container_teardown(struct berth_store *s, struct berth_container *c, bool force,
                       struct berth_error *err)
{
        bool live = container_live(c);
        int r;

        r = container_check_deletable(c, force, err);
        if (r < 0)
                return r;
        if (live) {
                struct berth_cgroup *cg;
                struct timespec deadline;

                pthread_mutex_lock(&s->lock);
                c->stop_requested = true;
                (void)send_signal(c, SIGKILL);
                pthread_mutex_unlock(&s->lock);
                /* The exit handler may run (and drop the cgroups) meanwhile. */
                cg = cg_pin(s, c);
                if (cg) {
                        (void)berth_cgroup_kill_all(cg);
                        (void)berth_cgroup_freeze(cg, false, NULL);
                }
                cg_unpin(s, c, cg);
                (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += FORCE_STOP_WAIT_S;
                pthread_mutex_lock(&s->lock);
                while (!c->exit_handled)
                        if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
                                break;
                live = !c->exit_handled;
                pthread_mutex_unlock(&s->lock);
                if (live)
                        return berth_error_set(err, EIO,
                                               "container %llu did not end within %d s of SIGKILL",
                                               (unsigned long long)c->obj.id, FORCE_STOP_WAIT_S);
        }
        /* The supervisor may still be finishing with it (log, event, record). */
        pthread_mutex_lock(&s->lock);
        while (c->busy > 0)
                pthread_cond_wait(&s->cond, &s->lock);
        pthread_mutex_unlock(&s->lock);
        container_log(c, "container deleted");
        remove_files(s, c, /* keep_log= */ true);
        return 0;
}

void container_release(struct berth_store *s, struct berth_container *c)
{
        if (c->mount)
                obj_unclaim(s, &c->mount->obj, &c->obj);
        c->mount = NULL;
        container_free_fields(c);
}

void container_free_fields(struct berth_container *c)
{
        free(c->name);
        free(c->command);
        strv_free(c->args);
        strv_free(c->env_extra);
        free(c->hostname);
        free(c->logfile);
        free(c->dir);
        free(c->error);
        safe_close(c->pidfd);
        safe_close(c->console_fd);
        safe_close(c->console_slave);
        safe_close(c->timer_fd);
        safe_close(c->mntns_fd);
        berth_cgroup_free(c->cg);
}

void container_for_each_child(struct berth_container *c, void (*fn)(struct berth_obj *, void *),
                              void *userdata)
{
        if (c->mount)
                fn(&c->mount->obj, userdata);
}

/* ---- stopping everything (berthd --shutdown-containers) ---------------------------- */

struct ids {
        uint64_t *v;
        size_t n;
        uint64_t max_stop_ms;
        bool live_only;
};

static int collect(struct berth_obj *o, void *userdata)
{
        struct ids *ids = userdata;
        uint64_t *n;

        if (ids->live_only) {
                struct berth_container *c = (struct berth_container *)o;
                if (c->state != BERTH_CONTAINER_RUNNING && c->state != BERTH_CONTAINER_PAUSED &&
                    c->state != BERTH_CONTAINER_STOPPING)
                        return 0;
                ids->max_stop_ms = MAX(ids->max_stop_ms, c->stop_timeout_ms);
        }
        n = realloc(ids->v, sizeof(*n) * (ids->n + 1));
        if (!n)
                return -ENOMEM;
        ids->v = n;
        n[ids->n++] = o->id;
        return 0;
}

static int count_live(struct berth_obj *o, void *userdata)
{
        struct berth_container *c = (struct berth_container *)o;

        if (c->state == BERTH_CONTAINER_RUNNING || c->state == BERTH_CONTAINER_PAUSED ||
            c->state == BERTH_CONTAINER_STOPPING)
                (*(unsigned *)userdata)++;
        return 0;
}

int berth_store_shutdown(struct berth_store *s)
{
        static const enum berth_obj_type order[] = { BERTH_OBJ_CONTAINER, BERTH_OBJ_MOUNT,
                                                     BERTH_OBJ_ATTACH };
        struct ids live = { .live_only = true };
        struct timespec deadline;
        unsigned left = 0;
        int failed = 0;

        /* Every container is asked to stop at once (its stop signal, SIGKILL after its
         * stop_timeout, as a PATCH does), then all are waited for together. */
        if (berth_store_visit_all(s, BERTH_OBJ_CONTAINER, collect, &live) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < live.n; i++) {
                struct berth_error err = {};
                if (berth_container_set_state(s, live.v[i], BERTH_CONTAINER_EXITED, NULL, NULL,
                                              &err) < 0)
                        log_warning("Stopping container %llu: %s", (unsigned long long)live.v[i],
                                    err.msg);
        }
        free(live.v);
        (void)clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += (time_t)(live.max_stop_ms / 1000) + 10;
        pthread_mutex_lock(&s->lock);
        for (;;) {
                left = 0;
                for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER]; i++)
                        (void)count_live(s->table[BERTH_OBJ_CONTAINER][i], &left);
                if (left == 0 || pthread_cond_timedwait(&s->cond, &s->lock, &deadline) != 0)
                        break;
        }
        pthread_mutex_unlock(&s->lock);
        if (left > 0)
                log_warning("%u containers did not stop in time; they are killed", left);

        /* Then every object, newest first within each kind: a container takes what it
         * was created with along, an overlay goes before the mounts under it. */
        for (size_t t = 0; t < ELEMENTSOF(order); t++) {
                struct ids all = {};
                if (berth_store_visit_all(s, order[t], collect, &all) < 0) {
                        free(all.v);
                        return -ENOMEM;
                }
                for (size_t i = all.n; i > 0; i--) {
                        struct berth_error err = {};
                        int r = berth_store_delete(s, order[t], all.v[i - 1], /* force= */ true,
                                                   NULL, NULL, &err);
                        if (r < 0 && r != -ENOENT) {
                                log_warning("Removing %s %llu: %s",
                                            berth_obj_type_to_string(order[t]),
                                            (unsigned long long)all.v[i - 1], err.msg);
                                failed++;
                        }
                }
                free(all.v);
        }
        return failed ? -EBUSY : 0;
}

/* ---- re-adoption after a restart of berthd (recover.c) ------------------------------ */

static bool state_is_live(enum berth_container_state st)
{
        return st == BERTH_CONTAINER_RUNNING || st == BERTH_CONTAINER_PAUSED ||
               st == BERTH_CONTAINER_STOPPING;
}

int container_readopt(struct berth_store *s, struct berth_container *c, struct berth_error *err)
{
        char name[32];
        pid_t pid = 0;
        int fd = -ESRCH, r;

        r = RET_NERRNO(mkdir(c->dir, 0700));
        if (r < 0 && r != -EEXIST)
                return berth_error_set_errno(err, -r, "create '%s'", c->dir);
        (void)snprintf(name, sizeof(name), "%llu", (unsigned long long)c->obj.id);
        if (s->cgroups && s->cgroups->layout != BERTH_CGROUP_NONE &&
            berth_cgroup_open(s->cgroups, name, &c->cg, NULL) < 0)
                log_debug("Container %s: no cgroups", name);

        /* Its PID 1: the recorded one if it is still that process in this boot; or,
         * for a container whose start was cut short by the old berthd's end before
         * the record said "running", the namespace init in its cgroup. */
        if (state_is_live(c->state) && c->pid > 0 && streq(c->boot_id, s->boot_id))
                fd = pidfd_open_checked(c->pid, c->pid_starttime);
        else if (c->state == BERTH_CONTAINER_CREATED && c->cg &&
                 (pid = berth_cgroup_find_init(c->cg)) > 0) {
                fd = pidfd_open_checked(pid, 0);
                if (fd >= 0) {
                        c->pid = pid;
                        c->pid_starttime = 0;
                        (void)pid_starttime(pid, &c->pid_starttime);
                        memcpy(c->boot_id, s->boot_id, sizeof(c->boot_id));
                        c->state = BERTH_CONTAINER_RUNNING;
                        c->exit_code = -1;
                        (void)clock_gettime(CLOCK_REALTIME, &c->started_at);
                }
        }
        if (fd >= 0) {
                c->pidfd = fd;
                c->mntns_fd = pid_open_mntns(c->pid, fd); /* as at its start (launch.h) */
                if (c->state != BERTH_CONTAINER_STOPPING)
                        c->state = berth_cgroup_is_frozen(c->cg) ? BERTH_CONTAINER_PAUSED
                                                                 : BERTH_CONTAINER_RUNNING;
                container_log(c, "berthd restarted: container re-adopted (pid %d)", (int)c->pid);
                if (c->systemd)
                        container_log(c, "the console of the old berthd is gone: systemd's "
                                         "console output is no longer copied here");
                return 0;
        }
        if (state_is_live(c->state)) {
                /* It ended while no berthd was watching: berth-init's status file says
                 * how; without one (another boot, or PID 1 was killed) it is dead. */
                int code = -1, sig = 0;
                char *error = NULL;
                uint64_t ooms = 0;

                read_status(c, &code, &sig, &error);
                c->exit_code = code;
                c->signal = sig;
                free(c->error);
                c->error = error;
                c->oom_killed = c->cg && berth_cgroup_oom_kills(c->cg, &ooms) >= 0 && ooms > 0;
                c->pid = 0;
                (void)clock_gettime(CLOCK_REALTIME, &c->finished_at);
                c->state = (c->stop_requested && (code >= 0 || sig)) || (code == 0 && sig == 0)
                                   ? BERTH_CONTAINER_EXITED
                                   : BERTH_CONTAINER_DEAD;
                c->exit_handled = true;
                container_log(c,
                              "berthd restarted: the container ended while berthd was "
                              "not running (%s %d); container state: %s",
                              sig ? "signal" : "exit code", sig ? sig : code,
                              berth_container_state_to_string(c->state));
                r = 1;
        } else
                r = 0;
        /* Whatever is left in its groups has no PID 1 any more. */
        c->cg = berth_cgroup_destroy(c->cg);
        c->pid = 0;
        return r;
}

void container_adopted(struct berth_store *s, struct berth_container *c, bool changed)
{
        if (c->pidfd >= 0) {
                (void)berth_supervisor_watch(s->supervisor, c->pidfd, BERTH_WATCH_EXIT, c->obj.id);
                if (c->state == BERTH_CONTAINER_STOPPING) {
                        /* The old berthd may have died before its signal went out. */
                        pthread_mutex_lock(&s->lock);
                        (void)send_signal(c, c->systemd ? SIGRTMIN + 3 : SIGTERM);
                        (void)arm_timer(s, c, c->stop_timeout_ms);
                        pthread_mutex_unlock(&s->lock);
                }
        }
        if (changed || c->pidfd >= 0)
                persist(s, c);
        if (changed)
                publish(s, c, berth_container_state_to_string(c->state));
}

void container_forget(struct berth_store *s, struct berth_container *c)
{
        (void)s;
        if (c->pidfd >= 0) {
                struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
                (void)send_signal(c, SIGKILL);
                (void)poll(&p, 1, 5000);
                c->pidfd = safe_close(c->pidfd);
        }
        c->cg = berth_cgroup_destroy(c->cg);
        c->pid = 0;
        remove_files(s, c, /* keep_log= */ true);
}

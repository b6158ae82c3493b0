/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The native engine: its ops table, the state of a container's PID 1, its records and
 * the engine itself. Control of a running container is native-ctl.c; starting
 * native-start.c; the supervisor's side and re-adoption native-watch.c; exec, stats and
 * logs native-exec.c.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "events.h"
#include "fileio.h"
#include "json-util.h"
#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "store.h"
#include "strv.h"
#include "supervisor.h"
#include "zygotes.h"

/* ---- the container's state -------------------------------------------------------- */

static int native_state_new(struct berth_engine *e, struct berth_container *c)
{
        struct native_ctr *n = calloc(1, sizeof(*n));

        (void)e;
        if (!n)
                return -ENOMEM;
        n->pidfd = n->console_fd = n->console_slave = n->timer_fd = n->mntns_fd = n->oom_fd =
                -EBADF;
        n->restart_fd = -EBADF;
        c->engine_state = n;
        return 0;
}

static void native_state_free(struct berth_engine *e, struct berth_container *c)
{
        struct native_ctr *n = N(c);

        (void)e;
        if (!n)
                return;
        safe_close(n->pidfd);
        safe_close(n->console_fd);
        safe_close(n->console_slave);
        safe_close(n->timer_fd);
        /* Not unwatched: at berthd's end the supervisor is gone before its containers
         * (as for the other fds here). */
        safe_close(n->oom_fd);
        safe_close(n->mntns_fd);
        safe_close(n->restart_fd);
        berth_cgroup_free(n->cg);
        free(n->exec_path);
        free(n);
        c->engine_state = NULL;
}

/* A host directory as the root (an OCI bundle's rootfs): absolute, and there. */
static int check_root_path(const struct berth_container *c, struct berth_error *err)
{
        const char *p = c->w.root_path;
        struct stat st;

        if (c->mount)
                return berth_error_set(err, EINVAL,
                                       "root_path '%s': the container has a root mount already; "
                                       "give one root",
                                       p);
        if (p[0] != '/')
                return berth_error_set(err, EINVAL, "root_path '%s' must be an absolute path", p);
        if (stat(p, &st) < 0)
                return berth_error_set_errno(err, errno, "root_path '%s'", p);
        if (!S_ISDIR(st.st_mode))
                return berth_error_set(err, ENOTDIR, "root_path '%s' is not a directory", p);
        return 0;
}

/* Does path have a ".." component? */
static bool has_dotdot(const char *path)
{
        for (const char *s = path; s; s = strchr(s + 1, '/'))
                if (strncmp(s, "/..", 3) == 0 && (s[3] == '/' || s[3] == 0))
                        return true;
        return false;
}

/* masked_paths and readonly_paths name places in the container: absolute, not "/",
 * without ".." (berth-init refuses the same in the launch spec, later). */
static int check_paths(char *const *l, const char *field, struct berth_error *err)
{
        size_t i = 0;

        STRV_FOREACH (p, l) {
                if ((*p)[0] != '/' || strspn(*p, "/") == strlen(*p) || has_dotdot(*p))
                        return berth_error_set(err, EINVAL,
                                               "%s[%zu]: '%s' must be an absolute path other "
                                               "than '/', without '..'",
                                               field, i, *p);
                i++;
        }
        return 0;
}

/* log_path: an absolute path without "..", naming a file (no trailing '/') in a directory
 * that exists, outside berth's state directory (whose files are berth's: a log there
 * would be appended to and truncated at rotation), itself a regular file or nothing yet,
 * never a symlink (opened with O_NOFOLLOW: native_log_open()). */
static int check_log_path(const char *p, const char *state_dir, struct berth_error *err)
{
        _cleanup_free_ char *parent = strdup(p), *real = NULL, *state = NULL;
        struct stat st;
        size_t n;

        if (!parent)
                return -ENOMEM;
        if (p[0] != '/' || has_dotdot(p) || p[strlen(p) - 1] == '/')
                return berth_error_set(err, EINVAL,
                                       "log_path '%s' must be an absolute path of a file, without "
                                       "'..'",
                                       p);
        *strrchr(parent, '/') = 0;
        if (stat(parent[0] ? parent : "/", &st) < 0)
                return berth_error_set(err, EINVAL, "log_path '%s': its directory: %s", p,
                                       strerror(errno));
        if (!S_ISDIR(st.st_mode))
                return berth_error_set(err, EINVAL, "log_path '%s': '%s' is not a directory", p,
                                       parent);
        real = realpath(parent[0] ? parent : "/", NULL);
        state = realpath(state_dir, NULL);
        n = state ? strlen(state) : 0;
        if (real && state && strncmp(real, state, n) == 0 && (real[n] == '/' || real[n] == 0))
                return berth_error_set(err, EINVAL,
                                       "log_path '%s' is inside berth's state directory '%s'", p,
                                       state_dir);
        if (lstat(p, &st) < 0)
                return errno == ENOENT ? 0
                                       : berth_error_set(err, EINVAL, "log_path '%s': %s", p,
                                                         strerror(errno));
        if (S_ISLNK(st.st_mode))
                return berth_error_set(err, EINVAL, "log_path '%s' is a symbolic link", p);
        if (!S_ISREG(st.st_mode))
                return berth_error_set(err, EINVAL, "log_path '%s' is not a regular file", p);
        return 0;
}

/* The user namespace's maps: both or neither, only with a user namespace, each as the
 * kernel takes it and mapping 0 (berth_launch_idmap_check()), and the workload's user in
 * them (its setresuid(2) would fail with a bare EINVAL). */
static int check_idmaps(const struct berth_workload *w, struct berth_error *err)
{
        _cleanup_free_ struct berth_launch_idmap *u = NULL, *g = NULL;
        int r;

        if (w->n_uid_map == 0 && w->n_gid_map == 0)
                return 0;
        /* As the launch will have them (the same layout: native-start.c). */
        u = calloc(w->n_uid_map + 1, sizeof(*u));
        g = calloc(w->n_gid_map + 1, sizeof(*g));
        if (!u || !g)
                return -ENOMEM;
        if (w->n_uid_map > 0)
                memcpy(u, w->uid_map, w->n_uid_map * sizeof(*u));
        if (w->n_gid_map > 0)
                memcpy(g, w->gid_map, w->n_gid_map * sizeof(*g));
        if (!(w->namespaces & BERTH_NS_USER))
                return berth_error_set(err, EINVAL,
                                       "%s: the container has no user namespace to map ids in",
                                       w->n_uid_map ? "uid_map" : "gid_map");
        if (w->n_uid_map == 0 || w->n_gid_map == 0)
                return berth_error_set(err, EINVAL, "%s: uid_map and gid_map go together",
                                       w->n_uid_map ? "gid_map" : "uid_map");
        r = berth_launch_idmap_check(u, w->n_uid_map, "uid_map", err);
        if (r >= 0)
                r = berth_launch_idmap_check(g, w->n_gid_map, "gid_map", err);
        if (r < 0)
                return r;
        /* systemd manages its cgroup tree, whose files are the host root's: a root of the
         * namespace that is another host uid could not write them. */
        for (size_t i = 0; w->systemd && i < w->n_uid_map; i++)
                if (u[i].inside == 0 && u[i].outside != 0)
                        return berth_error_set(err, EINVAL,
                                               "uid_map: systemd needs the host's root as the "
                                               "container's root (it manages its cgroup tree, "
                                               "whose files are root's)");
        if (!w->user_set)
                return 0;
        if (!berth_launch_idmap_maps(u, w->n_uid_map, w->uid))
                return berth_error_set(err, EINVAL, "user: uid %u is not in uid_map",
                                       (unsigned)w->uid);
        if (!berth_launch_idmap_maps(g, w->n_gid_map, w->gid))
                return berth_error_set(err, EINVAL, "user: gid %u is not in gid_map",
                                       (unsigned)w->gid);
        for (size_t i = 0; i < w->n_gids; i++)
                if (!berth_launch_idmap_maps(g, w->n_gid_map, w->gids[i]))
                        return berth_error_set(err, EINVAL, "user: group %u is not in gid_map",
                                               (unsigned)w->gids[i]);
        return 0;
}

/* What the native engine cannot honour yet fails before anything is made. */
static int native_validate(struct berth_engine *e, struct berth_container *c,
                           struct berth_error *err)
{
        const struct berth_workload *w = &c->w;
        struct native *nat = e->data;
        int r;

        if (w->image)
                return berth_error_set(err, EOPNOTSUPP,
                                       "image '%s': the native engine runs a root file system "
                                       "(a mount or a root_path), not an image",
                                       w->image);
        if (w->root_path && (r = check_root_path(c, err)) < 0)
                return r;
        if (!c->mount && !w->root_path)
                return berth_error_set(err, EINVAL,
                                       "the native engine needs a root: a mount or a root_path");
        if ((r = check_paths(w->masked_paths, "masked_paths", err)) < 0 ||
            (r = check_paths(w->readonly_paths, "readonly_paths", err)) < 0 ||
            (r = check_idmaps(w, err)) < 0)
                return r;
        if (w->log_path &&
            (r = check_log_path(w->log_path, berth_container_state_dir(nat->store), err)) < 0)
                return r;
        if (w->cgroup_mount && (!nat->cgroups || !nat->cgroups->v2))
                return berth_error_set(err, EOPNOTSUPP,
                                       "cgroup_mount: this host has no cgroup v2 tree to show the "
                                       "container at /sys/fs/cgroup");
        if (strv_length(w->args) == 0 || !w->args[0][0])
                return berth_error_set(err, EINVAL,
                                       "args: the native engine needs a program to run");
        free(N(c)->exec_path);
        N(c)->exec_path = NULL;
        return native_resolve_exec(c, &N(c)->exec_path, err);
}

static int native_create(struct berth_engine *e, struct berth_container *c, struct berth_error *err)
{
        (void)e;
        return native_prepare_files(c, err);
}

/* ---- records ------------------------------------------------------------------------- */

static json_t *native_encode(struct berth_engine *e, const struct berth_container *c)
{
        struct native_ctr *n = N(c);
        json_t *j;

        (void)e;
        j = json_pack("{s:I, s:s, s:i}", "pid_starttime", (json_int_t)n->pid_starttime, "boot_id",
                      n->boot_id, "restarts", (int)n->restarts);
        if (j && n->cg)
                json_object_set_new(j, "cgroups", berth_strv_to_json(n->cg->paths));
        return j;
}

static int native_decode(struct berth_engine *e, struct berth_container *c, json_t *j)
{
        json_t *v = json_object_get(j, "pid_starttime");
        const char *b = json_string_value(json_object_get(j, "boot_id"));

        (void)e;
        N(c)->pid_starttime = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
        (void)snprintf(N(c)->boot_id, sizeof(N(c)->boot_id), "%s", b ? b : "");
        v = json_object_get(j, "restarts");
        N(c)->restarts = json_is_integer(v) && json_integer_value(v) > 0
                                 ? (unsigned)json_integer_value(v)
                                 : 0;
        return 0;
}

static void native_metrics(struct berth_engine *e,
                           void (*fn)(const char *name, const char *help, bool counter,
                                      uint64_t value, void *userdata),
                           void *userdata)
{
        struct native *nat = e->data;
        uint64_t starts, exits, ooms;

        pthread_mutex_lock(&nat->store->lock);
        starts = nat->stats.starts;
        exits = nat->stats.exits;
        ooms = nat->stats.oom_kills;
        pthread_mutex_unlock(&nat->store->lock);
        fn("berth_container_starts_total", "Containers started.", true, starts, userdata);
        fn("berth_container_exits_total", "Container exits seen.", true, exits, userdata);
        fn("berth_container_oom_kills_total", "Containers whose process the OOM killer killed.",
           true, ooms, userdata);
}

static int native_list(struct berth_engine *e, berth_engine_list_fn fn, void *userdata)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        int r = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->n_table[BERTH_OBJ_CONTAINER] && r >= 0; i++) {
                struct berth_container *c =
                        (struct berth_container *)s->table[BERTH_OBJ_CONTAINER][i];
                char id[24];

                if (c->engine != e)
                        continue;
                (void)snprintf(id, sizeof(id), "%llu", (unsigned long long)c->obj.id);
                r = fn(id, c->name, berth_container_state_to_string(c->state), userdata);
        }
        pthread_mutex_unlock(&s->lock);
        return r;
}

/* The store's bus carries every container's events; the native engine has no other. */
static int native_events(struct berth_engine *e, uint64_t after, int timeout_ms,
                         struct berth_event *out, size_t max)
{
        struct native *nat = e->data;
        bool lost;

        if (!nat->store->events)
                return -EOPNOTSUPP;
        return berth_events_wait(nat->store->events, after, timeout_ms, out, max, &lost);
}

static const struct berth_engine_ops native_ops = {
        .state_new = native_state_new,
        .state_free = native_state_free,
        .validate = native_validate,
        .create = native_create,
        .start = native_start,
        .stop = native_stop,
        .kill = native_kill,
        .pause = native_pause,
        .resume = native_resume,
        .exec = native_exec,
        .stats = native_stats,
        .logs = native_logs,
        .top = native_top,
        .inspect = native_inspect,
        .remove = native_remove,
        .list = native_list,
        .events = native_events,
        .encode = native_encode,
        .decode = native_decode,
        .readopt = native_readopt,
        .adopted = native_adopted,
        .forget = native_forget,
        .sweep = native_sweep,
        .metrics = native_metrics,
};

/* ---- the engine ----------------------------------------------------------------------- */

int berth_native_engine_new(struct berth_store *s, const struct berth_native_config *cfg,
                            struct berth_engine **ret, struct berth_error *err)
{
        struct native *nat = calloc(1, sizeof(*nat));
        int r;

        if (!nat)
                return -ENOMEM;
        nat->engine = (struct berth_engine){ .name = "native", .ops = &native_ops, .data = nat };
        nat->store = s;
        nat->launcher = cfg->launcher;
        nat->cgroups = cfg->cgroups;
        nat->supervisor = cfg->supervisor;
        nat->log_max = cfg->log_max;
        if (asprintf(&nat->staging_dir, "%s/staging", s->state_dir) < 0) {
                free(nat);
                return -ENOMEM;
        }
        r = mkdir_p(nat->staging_dir, 0700);
        if (r < 0) {
                berth_error_set_errno(err, -r, "create '%s'", nat->staging_dir);
                berth_native_engine_free(&nat->engine);
                return r;
        }
        nat->watch_exit = berth_supervisor_handler(nat->supervisor, native_handle_exit, s);
        nat->watch_timer = berth_supervisor_handler(nat->supervisor, native_handle_timer, s);
        nat->watch_console = berth_supervisor_handler(nat->supervisor, native_handle_console, s);
        nat->watch_restart = berth_supervisor_handler(nat->supervisor, native_handle_restart, s);
        nat->watch_oom = berth_supervisor_handler(nat->supervisor, native_handle_oom, s);
        if (nat->watch_exit < 0 || nat->watch_timer < 0 || nat->watch_console < 0 ||
            nat->watch_restart < 0) {
                berth_native_engine_free(&nat->engine);
                return berth_error_set(err, ENOSPC, "no supervisor handler left");
        }
        *ret = &nat->engine;
        return 0;
}

int berth_native_engine_zygotes(struct berth_engine *e, unsigned n, struct berth_error *err)
{
        struct native *nat = e->data;
        int r;

        if (n == 0 || !nat->launcher)
                return 0;
        if (!berth_cgroup_v2_avoidable(nat->cgroups)) {
                log_info("Zygotes are off: containers here join a v2 cgroup, which a zygote "
                         "cannot do cheaply");
                return 0;
        }
        /* A zygote keeps the default profile's capabilities, CAP_MKNOD among them, which
         * only a container whose devices its groups confine may have (berth_native_caps()):
         * a zygote's groups are v1 only, so a v1 devices hierarchy is needed. */
        if (!nat->cgroups || !nat->cgroups->v1[BERTH_CG_DEVICES]) {
                log_info("Zygotes are off: there is no cgroup v1 devices hierarchy to confine "
                         "their containers' devices");
                return 0;
        }
        r = berth_zygotes_start(nat->launcher, nat->cgroups, nat->staging_dir, n, &nat->zygotes);
        if (r < 0)
                return berth_error_set_errno(err, -r, "start zygotes");
        return 0;
}

void berth_native_engine_free(struct berth_engine *e)
{
        struct native *nat;

        if (!e)
                return;
        nat = e->data;
        berth_zygotes_stop(nat->zygotes);
        free(nat->staging_dir);
        free(nat);
}

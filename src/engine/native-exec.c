/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec (a command inside a running container), stats and logs of the native engine. */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "launch.h"
#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "seccomp-rules.h"
#include "store.h"
#include "strv.h"

#define EXEC_TIMEOUT_MS_DEFAULT 10000
#define EXEC_OUTPUT_MAX_DEFAULT (1u << 20)

/* ---- exec ------------------------------------------------------------------------------- */

/* What the payload's process has that the command takes too, as crun exec gives it:
 * resource limits, umask, capability sets and, unless the exec names its own user, the
 * supplementary groups. */
static int exec_process(const struct berth_workload *w, const struct berth_exec *x,
                        struct berth_exec_spec *spec, struct berth_error *err)
{
        struct berth_launch *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return -ENOMEM;
        spec->process = l;
        l->caps = spec->caps;
        r = native_fill_process(w, l, err);
        if (r < 0)
                return r;
        if (x->user_set) {
                l->gids = mfree(l->gids);
                l->n_gids = 0;
        }
        return 0;
}

/* The container as it runs: its namespaces, groups, capabilities and filter (the store's
 * lock held, so that its exit handler cannot take the groups meanwhile). */
static int exec_spec_locked(struct berth_container *c, const struct berth_exec *x,
                            struct berth_exec_spec *spec, struct berth_error *err)
{
        struct native_ctr *n = N(c);
        const struct berth_workload *w = &c->w;
        int pidfd;

        if (n->pidfd < 0 || n->exit_handled)
                return berth_error_set(err, EBUSY, "container %llu has no PID 1",
                                       (unsigned long long)c->obj.id);
        /* A copy of its own: the exit handler closes PID 1's pidfd when it ends (busy or
         * not), and that number may name another file by the time berth-init gets it. */
        pidfd = fcntl(n->pidfd, F_DUPFD_CLOEXEC, 3);
        if (pidfd < 0)
                return berth_error_set_errno(err, errno, "exec: the pidfd of container %llu",
                                             (unsigned long long)c->obj.id);
        /* As PID 1's payload was launched (berth_native_launch_from_workload()): its
         * no_new_privs, and its user unless the exec names one (engine.h). */
        *spec = (struct berth_exec_spec){
                .pidfd = pidfd,
                .caps = berth_native_caps(w, n->cg),
                .no_new_privs = w->no_new_privs_set ? w->no_new_privs : !w->systemd,
                .privileged = w->systemd,
                .user_set = x->user_set || w->user_set,
                .uid = x->user_set ? x->uid : w->uid,
                .gid = x->user_set ? x->gid : w->gid,
        };
        /* Entered through PID 1's pidfd: a network namespace it joined too (its ipc and
         * uts are always entered). */
        spec->namespaces = native_launch_namespaces(w);
        if (w->ns_join[BERTH_WL_JOIN_NET])
                spec->namespaces |= LAUNCH_NS_NET;
        spec->cgroups = n->cg ? strv_copy(n->cg->paths) : calloc(1, sizeof(char *));
        spec->args = strv_copy(x->args);
        spec->env = native_env(c);
        STRV_FOREACH (e, x->env)
                if (spec->env && strv_extend(&spec->env, *e) < 0)
                        spec->env = strv_free(spec->env);
        spec->cwd = strdup(x->cwd ? x->cwd : w->cwd ? w->cwd : "/");
        if (!spec->cgroups || !spec->args || !spec->env || !spec->cwd)
                return -ENOMEM;
        return exec_process(w, x, spec, err);
}

/* Is id inside one of m's ranges? No map: every id is (the identity). */
static bool wl_idmap_maps(const struct berth_wl_idmap *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].inside && (uint64_t)id < (uint64_t)m[i].inside + m[i].count)
                        return true;
        return n == 0;
}

int native_exec(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                struct berth_exec_result *ret, struct berth_error *err)
{
        struct native *nat = e->data;
        struct berth_store *s = nat->store;
        struct berth_exec_spec spec = { .pidfd = -EBADF };
        struct berth_exec_proc p = { .pidfd = -EBADF, .out_fd = -EBADF };
        struct berth_exec_status st = {};
        _cleanup_close_ int seccomp_fd = -EBADF;
        int r;

        if (strv_length(x->args) == 0)
                return berth_error_set(err, EINVAL, "exec: a command is required");
        if (!nat->launcher)
                return berth_error_set(err, EOPNOTSUPP, "this berthd has no container launcher");
        /* The workload's own user was checked at create (native_validate()). */
        if (x->user_set && (c->w.namespaces & BERTH_NS_USER) &&
            (!wl_idmap_maps(c->w.uid_map, c->w.n_uid_map, x->uid) ||
             !wl_idmap_maps(c->w.gid_map, c->w.n_gid_map, x->gid)))
                return berth_error_set(err, EINVAL,
                                       "exec: user %u:%u is not in the container's uid_map and "
                                       "gid_map",
                                       (unsigned)x->uid, (unsigned)x->gid);
        /* The filter the payload runs under: the container's own, compiled before the
         * clone (an exec'd process is under the same filter in crun). */
        if (c->w.seccomp_rules) {
                seccomp_fd = berth_seccomp_rules_build(c->w.seccomp_rules, "seccomp", err);
                if (seccomp_fd < 0)
                        return berth_error_prefix(err, "exec in container %llu",
                                                  (unsigned long long)c->obj.id);
        }
        pthread_mutex_lock(&s->lock);
        r = exec_spec_locked(c, x, &spec, err);
        if (r >= 0)
                N(c)->busy++; /* a delete waits for the exec */
        pthread_mutex_unlock(&s->lock);
        spec.seccomp_custom = seccomp_fd >= 0;
        spec.seccomp_fd = seccomp_fd;
        if (r >= 0) {
                r = berth_exec_start(nat->launcher, &spec, &p, err);
                if (r >= 0)
                        r = berth_exec_wait(
                                &p, x->timeout_ms ? (int)x->timeout_ms : EXEC_TIMEOUT_MS_DEFAULT,
                                x->output_max ? x->output_max : EXEC_OUTPUT_MAX_DEFAULT, &st, err);
                berth_exec_proc_done(&p);
                pthread_mutex_lock(&s->lock);
                N(c)->busy--;
                pthread_cond_broadcast(&s->cond);
                pthread_mutex_unlock(&s->lock);
        }
        spec.pidfd = safe_close(spec.pidfd);
        berth_exec_spec_done(&spec);
        if (r < 0)
                return berth_error_prefix(err, "exec in container %llu",
                                          (unsigned long long)c->obj.id);
        *ret = (struct berth_exec_result){
                .exit_code = st.exit_code,
                .signal = st.signal,
                .timed_out = st.timed_out,
                .output = TAKE_PTR(st.output),
                .output_len = st.output_len,
                .output_dropped = st.output_dropped,
        };
        berth_container_log(c, "exec %s: %s %d%s", x->args[0], st.signal ? "signal" : "exit code",
                            st.signal ? st.signal : st.exit_code,
                            st.timed_out ? " (killed at the deadline)" : "");
        return 0;
}

/* ---- stats ------------------------------------------------------------------------------ */

int native_stats(struct berth_engine *e, struct berth_container *c, struct berth_stats *ret,
                 struct berth_error *err)
{
        struct berth_cgroup *cg = native_cg_pin(c);
        struct berth_cgroup_stats st;
        int r;

        (void)e;
        *ret = (struct berth_stats){};
        r = cg ? berth_cgroup_stats(cg, &st) : -EOPNOTSUPP;
        native_cg_unpin(c, cg);
        if (r < 0)
                return berth_error_set(err, r == -EOPNOTSUPP ? EBUSY : -r,
                                       "container %llu has no cgroups to read (it is %s)",
                                       (unsigned long long)c->obj.id,
                                       berth_container_state_to_string(c->state));
        *ret = (struct berth_stats){
                .memory_bytes = st.memory_bytes,
                .memory_limit = st.memory_limit,
                .cpu_usage_ns = st.cpu_usage_ns,
                .pids = st.pids,
                .pids_limit = st.pids_limit,
                .memory_set = st.memory_set,
                .cpu_set = st.cpu_set,
                .pids_set = st.pids_set,
        };
        return 0;
}

/* ---- logs ------------------------------------------------------------------------------- */

/* Call fn for each line of text (the last one only when complete unless final). Returns
 * the bytes consumed, or fn's negative result. */
static ssize_t each_line(const char *text, size_t len, bool final, berth_log_line_fn fn,
                         void *userdata)
{
        size_t done = 0;

        while (done < len) {
                const char *nl = memchr(text + done, '\n', len - done);
                size_t n = nl ? (size_t)(nl - (text + done)) : len - done;
                int r;

                if (!nl && !final)
                        break;
                r = fn(text + done, n, userdata);
                if (r < 0)
                        return r;
                done += n + (nl ? 1 : 0);
        }
        return (ssize_t)done;
}

/* Where the last `tail` lines of the file begin. */
static size_t tail_offset(const char *text, size_t len, size_t tail)
{
        size_t seen = 0, i = len;

        if (tail == 0)
                return 0;
        if (i > 0 && text[i - 1] == '\n')
                i--;
        while (i > 0) {
                if (text[i - 1] == '\n' && ++seen == tail)
                        return i;
                i--;
        }
        return 0;
}

/* Follow the log from offset pos: lines as they come, until fn says stop or the
 * container has ended and its log is read to the end. pending: a line not complete yet. */
static int follow(struct berth_container *c, int fd, char *pending, size_t n_pending,
                  berth_log_line_fn fn, void *userdata)
{
        char buf[16384];

        if (n_pending > sizeof(buf) / 2)
                n_pending = 0; /* a line that long is cut */
        memmove(buf, pending, n_pending);
        for (;;) {
                ssize_t k, used;
                bool ended;

                /* Before the read: what it read after the end is all there is. */
                pthread_mutex_lock(&NAT(c)->store->lock);
                ended = c->state == BERTH_CONTAINER_EXITED || c->state == BERTH_CONTAINER_DEAD ||
                        c->deleting;
                pthread_mutex_unlock(&NAT(c)->store->lock);
                k = read(fd, buf + n_pending, sizeof(buf) - n_pending);

                if (k < 0)
                        return -errno;
                if (k == 0) {
                        if (ended) {
                                (void)each_line(buf, n_pending, true, fn, userdata);
                                return 0;
                        }
                        (void)poll(NULL, 0, 200);
                        continue;
                }
                n_pending += (size_t)k;
                used = each_line(buf, n_pending, n_pending == sizeof(buf), fn, userdata);
                if (used < 0)
                        return 0;
                memmove(buf, buf + used, n_pending - (size_t)used);
                n_pending -= (size_t)used;
        }
}

int native_logs(struct berth_engine *e, struct berth_container *c, const struct berth_logs_query *q,
                berth_log_line_fn fn, void *userdata, struct berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = 0, off;
        ssize_t n;
        int r;

        (void)e;
        if (!c->logfile)
                return berth_error_set(err, ENOENT, "container %llu has no log",
                                       (unsigned long long)c->obj.id);
        fd = native_log_open(c->logfile, O_RDONLY);
        if (fd < 0)
                return berth_error_set_errno(err, errno, "open the log of container %llu",
                                             (unsigned long long)c->obj.id);
        /* From the fd, not the path again: a log_path is in a directory of the user's. */
        r = read_fd(fd, 64u << 20, &text, &len);
        if (r < 0)
                return berth_error_set_errno(err, -r, "read the log of container %llu",
                                             (unsigned long long)c->obj.id);
        off = tail_offset(text, len, q->tail);
        n = each_line(text + off, len - off, !q->follow, fn, userdata);
        if (n < 0 || !q->follow)
                return 0;
        if (lseek(fd, (off_t)len, SEEK_SET) < 0)
                return berth_error_set_errno(err, errno, "seek in the log");
        r = follow(c, fd, text + off + n, len - off - (size_t)n, fn, userdata);
        return r < 0 ? berth_error_set_errno(err, -r, "read the log") : 0;
}
